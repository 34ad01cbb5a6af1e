//! Places on the ground: finding or creating a building, unit and room in a grid.

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_store::commit;
use civicgrid_store::ledger as repo;

use super::{grid_in_scope, write_history};
use crate::authz::{Change, record};
use crate::{App, AppError, AppResult};

impl App {
    /// Finds or creates a building, unit and room in a grid; returns the room id.
    pub async fn add_room(
        &self,
        actor: &Actor,
        grid_id: i64,
        building: &str,
        unit: &str,
        room: &str,
        floor: Option<i64>,
    ) -> AppResult<i64> {
        let name = |field: &'static str, v: &str| -> AppResult<String> {
            let v = v.trim();
            if v.is_empty() || v.chars().count() > 40 {
                return Err(AppError::invalid(field, "give a name of 1–40 characters"));
            }
            Ok(v.to_owned())
        };
        let (b, u, r) = (
            name("building", building)?,
            name("unit", if unit.trim().is_empty() { "1" } else { unit })?,
            name("room", room)?,
        );
        let mut tx = self.db.begin_write().await?;
        let grid = grid_in_scope(&mut tx, actor, Permission::EditLedger, grid_id).await?;
        let building = match repo::find_building(&mut tx, grid.id, &b).await? {
            Some(x) => x,
            None => repo::insert_building(&mut tx, grid.id, &b, "").await?,
        };
        let unit = match repo::list_units(&mut tx, building.id)
            .await?
            .into_iter()
            .find(|x| x.name == u)
        {
            Some(x) => x,
            None => repo::insert_unit(&mut tx, building.id, &u).await?,
        };
        if let Some(existing) = repo::list_rooms(&mut tx, unit.id)
            .await?
            .into_iter()
            .find(|x| x.name == r)
        {
            return Ok(existing.id);
        }
        let room = repo::insert_room(&mut tx, unit.id, &r, floor).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.room.create",
                target_type: "room",
                target_id: room.id.to_string(),
                scope: Some(&grid.path),
                reason: None,
                details: serde_json::json!({"building": b, "unit": u, "room": r}),
            },
        )
        .await?;
        write_history(
            &mut tx,
            actor,
            "room",
            room.id,
            "room.create",
            None,
            &serde_json::json!({"building": b, "unit": u, "room": r, "floor": floor}),
        )
        .await?;
        commit(tx).await?;
        Ok(room.id)
    }
}
