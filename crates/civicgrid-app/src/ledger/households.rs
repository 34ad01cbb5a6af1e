//! Households: recording a new one in a room, splitting members off into a new
//! household, and merging one household into another.

use civicgrid_domain::ledger::person::Ownership;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_store::ledger as repo;
use civicgrid_store::{AnyConnection, commit};
use serde::Deserialize;

use super::{
    Changed, household_in_scope, household_named, parse_area, require_active, require_reason,
    room_in_scope, write_history,
};
use crate::{App, AppError, AppResult};

/// Splitting part of a household into a new one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SplitInput {
    /// The room of the new household (the same room or another in scope).
    pub room_id: i64,
    pub ownership: String,
    #[serde(default)]
    pub area_m2: Option<String>,
    /// Members who move; the first becomes the new head.
    pub member_ids: Vec<i64>,
}

impl App {
    /// Records a new household living in a room.
    pub async fn add_household(
        &self,
        actor: &Actor,
        room_id: i64,
        ownership: &str,
        area_m2: Option<&str>,
    ) -> AppResult<i64> {
        let ownership =
            Ownership::parse(ownership).map_err(|e| AppError::invalid("ownership", e))?;
        let area = parse_area(area_m2.unwrap_or(""))?;
        let mut tx = self.db.begin_write().await?;
        let place =
            room_in_scope(&mut tx, actor, Permission::EditLedger, room_id, "room_id").await?;
        let h = repo::insert_household(&mut tx, room_id, ownership, area).await?;
        let changed = Changed::household(h.id, &place.grid_path, None);
        let details = serde_json::json!({"room_id": room_id, "ownership": ownership.code()});
        changed
            .audit(&mut tx, actor, "ledger.household.create", details)
            .await?;
        let changes = serde_json::json!({"room_id": room_id, "ownership": ownership.code(),
            "area_m2": area.map(super::format_area)});
        changed
            .history(&mut tx, actor, "household.create", &changes)
            .await?;
        commit(tx).await?;
        Ok(h.id)
    }

    /// Moves some members of a household into a new one; returns the new household.
    pub async fn split_household(
        &self,
        actor: &Actor,
        id: i64,
        input: &SplitInput,
        why: Option<&str>,
    ) -> AppResult<i64> {
        let why = require_reason(why)?;
        let ownership =
            Ownership::parse(&input.ownership).map_err(|e| AppError::invalid("ownership", e))?;
        let area = parse_area(input.area_m2.as_deref().unwrap_or(""))?;
        let mut members = input.member_ids.clone();
        members.dedup();
        if members.is_empty() {
            return Err(AppError::invalid(
                "member_ids",
                "choose the members who move",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        let (h, path) = household_in_scope(&mut tx, actor, Permission::EditLedger, id).await?;
        require_active(&h)?;
        room_in_scope(
            &mut tx,
            actor,
            Permission::EditLedger,
            input.room_id,
            "room_id",
        )
        .await?;
        let current = repo::members(&mut tx, h.id).await?;
        if members.iter().any(|m| !current.iter().any(|c| c.id == *m)) {
            return Err(AppError::invalid(
                "member_ids",
                "choose members of this household",
            ));
        }
        if members.len() == current.len() {
            return Err(AppError::invalid(
                "member_ids",
                "leave at least one member behind (or move the household)",
            ));
        }
        let new =
            repo::split_household(&mut tx, h.id, input.room_id, ownership, area, &members).await?;
        let changed = Changed::household(h.id, &path, Some(&why));
        let details = serde_json::json!({"new_household": new.id, "room_id": input.room_id, "members": members});
        changed
            .audit(&mut tx, actor, "ledger.household.split", details)
            .await?;
        let changes = serde_json::json!({"new_household": new.id, "members": members});
        changed
            .history(&mut tx, actor, "household.split", &changes)
            .await?;
        write_history(
            &mut tx,
            actor,
            "household",
            new.id,
            "household.split_from",
            Some(&why),
            &serde_json::json!({"from_household": h.id, "room_id": input.room_id,
                "ownership": ownership.code(), "members": members}),
        )
        .await?;
        record_member_moves(&mut tx, actor, &members, h.id, new.id, &why).await?;
        commit(tx).await?;
        Ok(new.id)
    }

    /// Moves every member of household `from` into `into`; `from` becomes inactive.
    pub async fn merge_households(
        &self,
        actor: &Actor,
        from: i64,
        into: i64,
        why: Option<&str>,
    ) -> AppResult<()> {
        let why = require_reason(why)?;
        if from == into {
            return Err(AppError::invalid(
                "into_household_id",
                "choose another household",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        let (h_from, path) =
            household_in_scope(&mut tx, actor, Permission::EditLedger, from).await?;
        let (h_into, _) = household_named(&mut tx, actor, into, "into_household_id").await?;
        if !h_from.active || !h_into.active {
            return Err(AppError::invalid(
                "into_household_id",
                "both households must be active",
            ));
        }
        let moved = repo::merge_households(&mut tx, h_from.id, h_into.id).await?;
        let changed = Changed::household(h_from.id, &path, Some(&why));
        let details = serde_json::json!({"into_household": h_into.id, "members": moved});
        changed
            .audit(&mut tx, actor, "ledger.household.merge", details)
            .await?;
        let changes = serde_json::json!({"into_household": h_into.id, "members": moved,
            "active": {"from": true, "to": false}});
        changed
            .history(&mut tx, actor, "household.merged_into", &changes)
            .await?;
        write_history(
            &mut tx,
            actor,
            "household",
            h_into.id,
            "household.merged_from",
            Some(&why),
            &serde_json::json!({"from_household": h_from.id, "members": moved}),
        )
        .await?;
        record_member_moves(&mut tx, actor, &moved, h_from.id, h_into.id, &why).await?;
        commit(tx).await?;
        Ok(())
    }
}

/// One history entry per resident moved from household `from` to `to`.
async fn record_member_moves(
    conn: &mut AnyConnection,
    actor: &Actor,
    residents: &[i64],
    from: i64,
    to: i64,
    why: &str,
) -> AppResult<()> {
    for id in residents {
        write_history(
            conn,
            actor,
            "resident",
            *id,
            "resident.move",
            Some(why),
            &serde_json::json!({"household_id": {"from": from, "to": to}}),
        )
        .await?;
    }
    Ok(())
}
