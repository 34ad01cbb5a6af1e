//! The room board of a grid (每栋每户).
//!
//! The board is read with three queries whatever the grid's size: the places
//! (buildings, units, rooms, active households), the member counts with the oldest
//! member's birth month, and the tag codes of the members.

use std::collections::HashMap;

use civicgrid_domain::ledger::person::Ownership;
use sqlx::{AnyConnection, Row};

use super::{Building, Room, Unit, corrupt};
use crate::StoreResult;

/// One household living in a room, as the board shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardHousehold {
    pub id: i64,
    pub ownership: Ownership,
    pub area_centi: Option<i64>,
    /// Members still living here (registered or floating).
    pub members: i64,
    /// Birth month (YYYYMM) of the oldest present member.
    pub oldest_birth_ym: Option<i64>,
    /// Distinct manual tag codes of present members, sorted.
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRoom {
    pub room: Room,
    pub households: Vec<BoardHousehold>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardUnit {
    pub unit: Unit,
    pub rooms: Vec<BoardRoom>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardBuilding {
    pub building: Building,
    pub units: Vec<BoardUnit>,
}

/// Every building, unit and room of a grid with its active households.
pub async fn board(conn: &mut AnyConnection, grid_id: i64) -> StoreResult<Vec<BoardBuilding>> {
    let rows = sqlx::query(
        "SELECT b.id AS b_id, b.grid_id AS b_grid, b.name AS b_name, b.address AS b_address, \
         b.created_at AS b_created, u.id AS u_id, u.name AS u_name, rm.id AS r_id, rm.name AS r_name, \
         rm.floor AS r_floor, h.id AS h_id, h.ownership AS h_ownership, h.area_centi AS h_area \
         FROM buildings b \
         LEFT JOIN units u ON u.building_id = b.id \
         LEFT JOIN rooms rm ON rm.unit_id = u.id \
         LEFT JOIN households h ON h.room_id = rm.id AND h.active = 1 \
         WHERE b.grid_id = $1 \
         ORDER BY b.name, b.id, u.name, u.id, rm.floor, rm.name, rm.id, h.id",
    )
    .bind(grid_id)
    .fetch_all(&mut *conn)
    .await?;

    // Members and oldest birth month per household, present residents only.
    let counts = sqlx::query(
        "SELECT household_id, COUNT(*) AS n, MIN(birth_ym) AS oldest FROM residents \
         WHERE grid_id = $1 AND residence_status IN ('registered', 'floating') \
         AND household_id IS NOT NULL GROUP BY household_id",
    )
    .bind(grid_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut count_of: HashMap<i64, (i64, Option<i64>)> = HashMap::new();
    for r in &counts {
        let hid: i64 = r.try_get("household_id")?;
        count_of.insert(hid, (r.try_get("n")?, r.try_get("oldest")?));
    }
    let tag_rows = sqlx::query(
        "SELECT DISTINCT r.household_id, t.tag_code FROM residents r \
         JOIN resident_tags t ON t.resident_id = r.id \
         WHERE r.grid_id = $1 AND r.residence_status IN ('registered', 'floating') \
         AND r.household_id IS NOT NULL ORDER BY r.household_id, t.tag_code",
    )
    .bind(grid_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut tags_of: HashMap<i64, Vec<String>> = HashMap::new();
    for r in &tag_rows {
        let hid: i64 = r.try_get("household_id")?;
        tags_of.entry(hid).or_default().push(r.try_get("tag_code")?);
    }

    let mut out: Vec<BoardBuilding> = Vec::new();
    for row in &rows {
        let b_id: i64 = row.try_get("b_id")?;
        if out.last().map(|b| b.building.id) != Some(b_id) {
            out.push(BoardBuilding {
                building: Building {
                    id: b_id,
                    grid_id: row.try_get("b_grid")?,
                    name: row.try_get("b_name")?,
                    address: row.try_get("b_address")?,
                    created_at: row.try_get("b_created")?,
                },
                units: Vec::new(),
            });
        }
        let Some(building) = out.last_mut() else {
            continue;
        };
        let Some(u_id) = row.try_get::<Option<i64>, _>("u_id")? else {
            continue;
        };
        if building.units.last().map(|u| u.unit.id) != Some(u_id) {
            building.units.push(BoardUnit {
                unit: Unit {
                    id: u_id,
                    building_id: b_id,
                    name: row
                        .try_get::<Option<String>, _>("u_name")?
                        .unwrap_or_default(),
                },
                rooms: Vec::new(),
            });
        }
        let Some(unit) = building.units.last_mut() else {
            continue;
        };
        let Some(r_id) = row.try_get::<Option<i64>, _>("r_id")? else {
            continue;
        };
        if unit.rooms.last().map(|r| r.room.id) != Some(r_id) {
            unit.rooms.push(BoardRoom {
                room: Room {
                    id: r_id,
                    unit_id: u_id,
                    name: row
                        .try_get::<Option<String>, _>("r_name")?
                        .unwrap_or_default(),
                    floor: row.try_get("r_floor")?,
                },
                households: Vec::new(),
            });
        }
        let Some(room) = unit.rooms.last_mut() else {
            continue;
        };
        let Some(h_id) = row.try_get::<Option<i64>, _>("h_id")? else {
            continue;
        };
        let ownership: Option<String> = row.try_get("h_ownership")?;
        let ownership = Ownership::parse(ownership.as_deref().unwrap_or("")).map_err(corrupt)?;
        let (members, oldest) = count_of.get(&h_id).copied().unwrap_or((0, None));
        room.households.push(BoardHousehold {
            id: h_id,
            ownership,
            area_centi: row.try_get("h_area")?,
            members,
            oldest_birth_ym: oldest,
            tags: tags_of.remove(&h_id).unwrap_or_default(),
        });
    }
    Ok(out)
}
