//! Repository of the household ledger (一房一户): buildings → units → rooms, households,
//! residents (personal fields stored sealed, see [`crate::pii`]), tags, the tag
//! catalogue, the change history, and the link from a user account to a resident.
//!
//! The room board of a grid is read with three queries whatever the grid's size:
//! the places (buildings, units, rooms, active households), the member counts with the
//! oldest member's birth month, and the tag codes of the members.

use std::collections::HashMap;

use civicgrid_domain::ledger::person::{Gender, Ownership, Relation, ResidenceStatus};
use civicgrid_domain::ledger::tags::{TagDef, default_catalogue};
use civicgrid_domain::org::OrgPath;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::pii::SealedPii;
use crate::{StoreError, StoreResult, now_ms};

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

// ---------------------------------------------------------------------------------
// Buildings, units, rooms

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Building {
    pub id: i64,
    pub grid_id: i64,
    pub name: String,
    pub address: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: i64,
    pub building_id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: i64,
    pub unit_id: i64,
    pub name: String,
    pub floor: Option<i64>,
}

/// Where a room is: its building and unit, and the grid that holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub room: Room,
    pub unit_name: String,
    pub building_id: i64,
    pub building_name: String,
    pub grid_id: i64,
    pub grid_path: OrgPath,
    pub grid_name_zh: String,
    pub grid_name_en: String,
}

fn building_from_row(row: &AnyRow) -> StoreResult<Building> {
    Ok(Building {
        id: row.try_get("id")?,
        grid_id: row.try_get("grid_id")?,
        name: row.try_get("name")?,
        address: row.try_get("address")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn insert_building(
    conn: &mut AnyConnection,
    grid_id: i64,
    name: &str,
    address: &str,
) -> StoreResult<Building> {
    let row = sqlx::query(
        "INSERT INTO buildings (grid_id, name, address, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id, grid_id, name, address, created_at",
    )
    .bind(grid_id)
    .bind(name)
    .bind(address)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?;
    building_from_row(&row)
}

pub async fn get_building(conn: &mut AnyConnection, id: i64) -> StoreResult<Building> {
    let row =
        sqlx::query("SELECT id, grid_id, name, address, created_at FROM buildings WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
    building_from_row(&row)
}

pub async fn update_building(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    address: &str,
) -> StoreResult<Building> {
    let n = sqlx::query("UPDATE buildings SET name = $1, address = $2 WHERE id = $3")
        .bind(name)
        .bind(address)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    get_building(conn, id).await
}

pub async fn list_buildings(conn: &mut AnyConnection, grid_id: i64) -> StoreResult<Vec<Building>> {
    let rows = sqlx::query(
        "SELECT id, grid_id, name, address, created_at FROM buildings WHERE grid_id = $1 ORDER BY name, id",
    )
    .bind(grid_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(building_from_row).collect()
}

pub async fn find_building(
    conn: &mut AnyConnection,
    grid_id: i64,
    name: &str,
) -> StoreResult<Option<Building>> {
    let row = sqlx::query(
        "SELECT id, grid_id, name, address, created_at FROM buildings WHERE grid_id = $1 AND name = $2",
    )
    .bind(grid_id)
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(building_from_row).transpose()
}

pub async fn insert_unit(
    conn: &mut AnyConnection,
    building_id: i64,
    name: &str,
) -> StoreResult<Unit> {
    let id: i64 =
        sqlx::query_scalar("INSERT INTO units (building_id, name) VALUES ($1, $2) RETURNING id")
            .bind(building_id)
            .bind(name)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Unit {
        id,
        building_id,
        name: name.to_owned(),
    })
}

pub async fn list_units(conn: &mut AnyConnection, building_id: i64) -> StoreResult<Vec<Unit>> {
    let rows = sqlx::query(
        "SELECT id, building_id, name FROM units WHERE building_id = $1 ORDER BY name, id",
    )
    .bind(building_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Unit {
                id: r.try_get("id")?,
                building_id: r.try_get("building_id")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

pub async fn delete_unit(conn: &mut AnyConnection, id: i64) -> StoreResult<()> {
    let n = sqlx::query(
        "DELETE FROM units WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM rooms WHERE unit_id = $1)",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

fn room_from_row(row: &AnyRow) -> StoreResult<Room> {
    Ok(Room {
        id: row.try_get("id")?,
        unit_id: row.try_get("unit_id")?,
        name: row.try_get("name")?,
        floor: row.try_get("floor")?,
    })
}

pub async fn insert_room(
    conn: &mut AnyConnection,
    unit_id: i64,
    name: &str,
    floor: Option<i64>,
) -> StoreResult<Room> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO rooms (unit_id, name, floor) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(unit_id)
    .bind(name)
    .bind(floor)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Room {
        id,
        unit_id,
        name: name.to_owned(),
        floor,
    })
}

pub async fn update_room(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    floor: Option<i64>,
) -> StoreResult<()> {
    let n = sqlx::query("UPDATE rooms SET name = $1, floor = $2 WHERE id = $3")
        .bind(name)
        .bind(floor)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn list_rooms(conn: &mut AnyConnection, unit_id: i64) -> StoreResult<Vec<Room>> {
    let rows = sqlx::query(
        "SELECT id, unit_id, name, floor FROM rooms WHERE unit_id = $1 ORDER BY floor, name, id",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(room_from_row).collect()
}

/// A room with its building, unit and grid.
pub async fn place_of_room(conn: &mut AnyConnection, room_id: i64) -> StoreResult<Place> {
    let row = sqlx::query(
        "SELECT rm.id, rm.unit_id, rm.name, rm.floor, u.name AS unit_name, b.id AS building_id, \
         b.name AS building_name, g.id AS grid_id, g.path AS grid_path, g.name_zh AS grid_name_zh, \
         g.name_en AS grid_name_en \
         FROM rooms rm JOIN units u ON u.id = rm.unit_id JOIN buildings b ON b.id = u.building_id \
         JOIN org_nodes g ON g.id = b.grid_id WHERE rm.id = $1",
    )
    .bind(room_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let path: Option<String> = row.try_get("grid_path")?;
    Ok(Place {
        room: room_from_row(&row)?,
        unit_name: row.try_get("unit_name")?,
        building_id: row.try_get("building_id")?,
        building_name: row.try_get("building_name")?,
        grid_id: row.try_get("grid_id")?,
        grid_path: OrgPath::from_stored(path.ok_or_else(|| corrupt("grid without a path"))?),
        grid_name_zh: row.try_get("grid_name_zh")?,
        grid_name_en: row.try_get("grid_name_en")?,
    })
}

// ---------------------------------------------------------------------------------
// The room board

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

// ---------------------------------------------------------------------------------
// Households

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub id: i64,
    pub room_id: i64,
    pub grid_id: i64,
    pub ownership: Ownership,
    pub area_centi: Option<i64>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! select_households {
    ($rest:literal) => {
        concat!(
            "SELECT id, room_id, grid_id, ownership, area_centi, active, created_at, updated_at \
             FROM households ",
            $rest
        )
    };
}

fn household_from_row(row: &AnyRow) -> StoreResult<Household> {
    let ownership: String = row.try_get("ownership")?;
    let active: i64 = row.try_get("active")?;
    Ok(Household {
        id: row.try_get("id")?,
        room_id: row.try_get("room_id")?,
        grid_id: row.try_get("grid_id")?,
        ownership: Ownership::parse(&ownership).map_err(corrupt)?,
        area_centi: row.try_get("area_centi")?,
        active: active != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Inserts an active household in `room_id`; its grid is the room's.
pub async fn insert_household(
    conn: &mut AnyConnection,
    room_id: i64,
    ownership: Ownership,
    area_centi: Option<i64>,
) -> StoreResult<Household> {
    let place = place_of_room(conn, room_id).await?;
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO households (room_id, grid_id, ownership, area_centi, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
    )
    .bind(room_id)
    .bind(place.grid_id)
    .bind(ownership.code())
    .bind(area_centi)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    get_household(conn, id).await
}

pub async fn get_household(conn: &mut AnyConnection, id: i64) -> StoreResult<Household> {
    let row = sqlx::query(select_households!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    household_from_row(&row)
}

/// Active and former households that lived in a room, newest first.
pub async fn households_in_room(
    conn: &mut AnyConnection,
    room_id: i64,
) -> StoreResult<Vec<Household>> {
    let rows = sqlx::query(select_households!(
        "WHERE room_id = $1 ORDER BY active DESC, id DESC"
    ))
    .bind(room_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(household_from_row).collect()
}

pub async fn update_household(
    conn: &mut AnyConnection,
    id: i64,
    ownership: Ownership,
    area_centi: Option<i64>,
) -> StoreResult<Household> {
    let n = sqlx::query(
        "UPDATE households SET ownership = $1, area_centi = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(ownership.code())
    .bind(area_centi)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    get_household(conn, id).await
}

pub async fn set_household_active(
    conn: &mut AnyConnection,
    id: i64,
    active: bool,
) -> StoreResult<()> {
    let n = sqlx::query("UPDATE households SET active = $1, updated_at = $2 WHERE id = $3")
        .bind(flag(active))
        .bind(now_ms())
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Residents

/// A resident as stored: personal fields sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentRecord {
    pub id: i64,
    pub household_id: Option<i64>,
    pub grid_id: i64,
    pub name: String,
    pub gender: Gender,
    pub relation: Relation,
    pub status: ResidenceStatus,
    pub pii: SealedPii,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// What a new or edited resident holds.
#[derive(Debug, Clone)]
pub struct ResidentFields<'a> {
    pub household_id: Option<i64>,
    pub grid_id: i64,
    pub name: &'a str,
    pub gender: Gender,
    pub relation: Relation,
    pub status: ResidenceStatus,
    pub pii: &'a SealedPii,
}

macro_rules! select_residents {
    ($rest:literal) => {
        concat!(
            "SELECT id, household_id, grid_id, name, gender, birth_ym, birth_date_enc, id_number_enc, \
             id_number_idx, phone_enc, phone_idx, phone_last4_idx, relation, residence_status, \
             created_at, updated_at, version FROM residents ",
            $rest
        )
    };
}

fn resident_from_row(row: &AnyRow) -> StoreResult<ResidentRecord> {
    let gender: String = row.try_get("gender")?;
    let relation: String = row.try_get("relation")?;
    let status: String = row.try_get("residence_status")?;
    Ok(ResidentRecord {
        id: row.try_get("id")?,
        household_id: row.try_get("household_id")?,
        grid_id: row.try_get("grid_id")?,
        name: row.try_get("name")?,
        gender: Gender::parse(&gender).map_err(corrupt)?,
        relation: Relation::parse(&relation).map_err(corrupt)?,
        status: ResidenceStatus::parse(&status).map_err(corrupt)?,
        pii: SealedPii {
            id_number_enc: row.try_get("id_number_enc")?,
            id_number_idx: row.try_get("id_number_idx")?,
            phone_enc: row.try_get("phone_enc")?,
            phone_idx: row.try_get("phone_idx")?,
            phone_last4_idx: row.try_get("phone_last4_idx")?,
            birth_date_enc: row.try_get("birth_date_enc")?,
            birth_ym: row.try_get("birth_ym")?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

/// Inserts a resident and indexes the name for search. A second resident with the
/// same ID number is a [`StoreError::Conflict`].
pub async fn insert_resident(
    conn: &mut AnyConnection,
    f: &ResidentFields<'_>,
) -> StoreResult<ResidentRecord> {
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO residents (household_id, grid_id, name, gender, birth_ym, birth_date_enc, \
         id_number_enc, id_number_idx, phone_enc, phone_idx, phone_last4_idx, relation, \
         residence_status, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, 1) RETURNING id",
    )
    .bind(f.household_id)
    .bind(f.grid_id)
    .bind(f.name)
    .bind(f.gender.code())
    .bind(f.pii.birth_ym)
    .bind(&f.pii.birth_date_enc)
    .bind(f.pii.id_number_enc.as_deref())
    .bind(f.pii.id_number_idx.as_deref())
    .bind(f.pii.phone_enc.as_deref())
    .bind(f.pii.phone_idx.as_deref())
    .bind(f.pii.phone_last4_idx.as_deref())
    .bind(f.relation.code())
    .bind(f.status.code())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    crate::search::index_resident(
        conn,
        id,
        &civicgrid_domain::ledger::search_terms::name_terms(f.name),
    )
    .await?;
    get_resident(conn, id).await
}

pub async fn get_resident(conn: &mut AnyConnection, id: i64) -> StoreResult<ResidentRecord> {
    let row = sqlx::query(select_residents!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    resident_from_row(&row)
}

/// The resident holding an ID number (by its blind index).
pub async fn find_resident_by_id_index(
    conn: &mut AnyConnection,
    id_number_idx: &str,
) -> StoreResult<Option<ResidentRecord>> {
    let row = sqlx::query(select_residents!("WHERE id_number_idx = $1"))
        .bind(id_number_idx)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(resident_from_row).transpose()
}

/// Every member of a household, present or not, the head first.
pub async fn members(
    conn: &mut AnyConnection,
    household_id: i64,
) -> StoreResult<Vec<ResidentRecord>> {
    let rows = sqlx::query(select_residents!(
        "WHERE household_id = $1 ORDER BY CASE WHEN relation = 'head' THEN 0 ELSE 1 END, birth_ym, id"
    ))
    .bind(household_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(resident_from_row).collect()
}

/// Replaces a resident's fields when `expected_version` is still current (optimistic
/// locking); a stale version is a [`StoreError::Conflict`]. Re-indexes the name.
pub async fn update_resident(
    conn: &mut AnyConnection,
    id: i64,
    expected_version: i64,
    f: &ResidentFields<'_>,
) -> StoreResult<ResidentRecord> {
    let n = sqlx::query(
        "UPDATE residents SET household_id = $1, grid_id = $2, name = $3, gender = $4, birth_ym = $5, \
         birth_date_enc = $6, id_number_enc = $7, id_number_idx = $8, phone_enc = $9, phone_idx = $10, \
         phone_last4_idx = $11, relation = $12, residence_status = $13, updated_at = $14, \
         version = version + 1 WHERE id = $15 AND version = $16",
    )
    .bind(f.household_id)
    .bind(f.grid_id)
    .bind(f.name)
    .bind(f.gender.code())
    .bind(f.pii.birth_ym)
    .bind(&f.pii.birth_date_enc)
    .bind(f.pii.id_number_enc.as_deref())
    .bind(f.pii.id_number_idx.as_deref())
    .bind(f.pii.phone_enc.as_deref())
    .bind(f.pii.phone_idx.as_deref())
    .bind(f.pii.phone_last4_idx.as_deref())
    .bind(f.relation.code())
    .bind(f.status.code())
    .bind(now_ms())
    .bind(id)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        get_resident(conn, id).await?;
        return Err(StoreError::Conflict(
            "the resident was changed by someone else".into(),
        ));
    }
    crate::search::index_resident(
        conn,
        id,
        &civicgrid_domain::ledger::search_terms::name_terms(f.name),
    )
    .await?;
    get_resident(conn, id).await
}

/// Moves a resident into another household (and that household's grid).
pub async fn move_resident(
    conn: &mut AnyConnection,
    id: i64,
    household_id: i64,
    relation: Relation,
) -> StoreResult<ResidentRecord> {
    let target = get_household(conn, household_id).await?;
    let n = sqlx::query(
        "UPDATE residents SET household_id = $1, grid_id = $2, relation = $3, updated_at = $4, \
         version = version + 1 WHERE id = $5",
    )
    .bind(target.id)
    .bind(target.grid_id)
    .bind(relation.code())
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    get_resident(conn, id).await
}

pub async fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    status: ResidenceStatus,
) -> StoreResult<ResidentRecord> {
    let n = sqlx::query(
        "UPDATE residents SET residence_status = $1, updated_at = $2, version = version + 1 WHERE id = $3",
    )
    .bind(status.code())
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    get_resident(conn, id).await
}

/// Moves `member_ids` (all members of `from`) into a new household in `room_id`; the
/// first listed member becomes its head. Returns the new household.
pub async fn split_household(
    conn: &mut AnyConnection,
    from: i64,
    room_id: i64,
    ownership: Ownership,
    area_centi: Option<i64>,
    member_ids: &[i64],
) -> StoreResult<Household> {
    let source = get_household(conn, from).await?;
    let current: Vec<i64> = members(conn, source.id)
        .await?
        .iter()
        .map(|m| m.id)
        .collect();
    if member_ids.is_empty() || member_ids.iter().any(|m| !current.contains(m)) {
        return Err(StoreError::NotFound);
    }
    let new = insert_household(conn, room_id, ownership, area_centi).await?;
    for (i, m) in member_ids.iter().enumerate() {
        let relation = if i == 0 {
            Relation::Head
        } else {
            get_resident(conn, *m).await?.relation
        };
        let relation = if i > 0 && relation == Relation::Head {
            Relation::Other
        } else {
            relation
        };
        move_resident(conn, *m, new.id, relation).await?;
    }
    Ok(new)
}

/// Moves every member of `from` into `into` (the head of `from` becomes `other`) and
/// marks `from` inactive. Returns the ids of the moved residents.
pub async fn merge_households(
    conn: &mut AnyConnection,
    from: i64,
    into: i64,
) -> StoreResult<Vec<i64>> {
    if from == into {
        return Err(StoreError::Conflict(
            "a household cannot merge into itself".into(),
        ));
    }
    let target = get_household(conn, into).await?;
    get_household(conn, from).await?;
    let moved = members(conn, from).await?;
    for m in &moved {
        let relation = if m.relation == Relation::Head {
            Relation::Other
        } else {
            m.relation
        };
        move_resident(conn, m.id, target.id, relation).await?;
    }
    set_household_active(conn, from, false).await?;
    Ok(moved.iter().map(|m| m.id).collect())
}

// ---------------------------------------------------------------------------------
// Tags

pub async fn tags_of(conn: &mut AnyConnection, resident_id: i64) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT tag_code FROM resident_tags WHERE resident_id = $1 ORDER BY tag_code",
    )
    .bind(resident_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The tags of every member of a household: (resident id, tag code).
pub async fn tags_of_members(
    conn: &mut AnyConnection,
    household_id: i64,
) -> StoreResult<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT t.resident_id, t.tag_code FROM resident_tags t JOIN residents r ON r.id = t.resident_id \
         WHERE r.household_id = $1 ORDER BY t.resident_id, t.tag_code",
    )
    .bind(household_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("resident_id")?, r.try_get("tag_code")?)))
        .collect()
}

/// Replaces a resident's tags.
pub async fn set_tags(
    conn: &mut AnyConnection,
    resident_id: i64,
    codes: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM resident_tags WHERE resident_id = $1")
        .bind(resident_id)
        .execute(&mut *conn)
        .await?;
    let mut codes: Vec<&String> = codes.iter().collect();
    codes.sort();
    codes.dedup();
    for code in codes {
        sqlx::query("INSERT INTO resident_tags (resident_id, tag_code) VALUES ($1, $2)")
            .bind(resident_id)
            .bind(code.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A catalogue entry with whether it is offered for new assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueTag {
    pub def: TagDef,
    pub active: bool,
}

pub async fn catalogue(conn: &mut AnyConnection) -> StoreResult<Vec<CatalogueTag>> {
    let rows = sqlx::query(
        "SELECT code, name_zh, name_en, care, derived, active FROM tag_catalogue ORDER BY derived, care DESC, code",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let care: i64 = r.try_get("care")?;
            let derived: i64 = r.try_get("derived")?;
            let active: i64 = r.try_get("active")?;
            Ok(CatalogueTag {
                def: TagDef {
                    code: r.try_get("code")?,
                    name_zh: r.try_get("name_zh")?,
                    name_en: r.try_get("name_en")?,
                    care: care != 0,
                    derived: derived != 0,
                },
                active: active != 0,
            })
        })
        .collect()
}

/// Inserts or replaces a catalogue entry.
pub async fn upsert_tag(conn: &mut AnyConnection, def: &TagDef, active: bool) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tag_catalogue (code, name_zh, name_en, care, derived, active) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
         care = excluded.care, derived = excluded.derived, active = excluded.active",
    )
    .bind(&def.code)
    .bind(&def.name_zh)
    .bind(&def.name_en)
    .bind(flag(def.care))
    .bind(flag(def.derived))
    .bind(flag(active))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds the default catalogue's entries that are missing; returns how many were added.
pub async fn ensure_default_catalogue(conn: &mut AnyConnection) -> StoreResult<u64> {
    let mut added = 0;
    for def in default_catalogue() {
        added += sqlx::query(
            "INSERT INTO tag_catalogue (code, name_zh, name_en, care, derived, active) \
             VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (code) DO NOTHING",
        )
        .bind(&def.code)
        .bind(&def.name_zh)
        .bind(&def.name_en)
        .bind(flag(def.care))
        .bind(flag(def.derived))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(added)
}

// ---------------------------------------------------------------------------------
// History

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub id: i64,
    pub subject_type: String,
    pub subject_id: i64,
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub reason: Option<String>,
    /// JSON object of what changed (personal values masked).
    pub changes: String,
}

#[derive(Debug, Clone)]
pub struct NewHistory<'a> {
    pub subject_type: &'a str,
    pub subject_id: i64,
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub actor_label: &'a str,
    pub action: &'a str,
    pub reason: Option<&'a str>,
    pub changes: &'a str,
}

pub async fn insert_history(conn: &mut AnyConnection, h: &NewHistory<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO ledger_history (subject_type, subject_id, at_ms, actor_user_id, actor_label, action, \
         reason, changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(h.subject_type)
    .bind(h.subject_id)
    .bind(h.at_ms)
    .bind(h.actor_user_id)
    .bind(h.actor_label)
    .bind(h.action)
    .bind(h.reason)
    .bind(h.changes)
    .fetch_one(&mut *conn)
    .await?)
}

/// History of one subject, newest first.
pub async fn history(
    conn: &mut AnyConnection,
    subject_type: &str,
    subject_id: i64,
    limit: i64,
) -> StoreResult<Vec<HistoryEntry>> {
    let rows = sqlx::query(
        "SELECT id, subject_type, subject_id, at_ms, actor_user_id, actor_label, action, reason, changes \
         FROM ledger_history WHERE subject_type = $1 AND subject_id = $2 ORDER BY at_ms DESC, id DESC LIMIT $3",
    )
    .bind(subject_type)
    .bind(subject_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryEntry {
                id: r.try_get("id")?,
                subject_type: r.try_get("subject_type")?,
                subject_id: r.try_get("subject_id")?,
                at_ms: r.try_get("at_ms")?,
                actor_user_id: r.try_get("actor_user_id")?,
                actor_label: r.try_get("actor_label")?,
                action: r.try_get("action")?,
                reason: r.try_get("reason")?,
                changes: r.try_get("changes")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------
// Accounts linked to residents

/// Links (or with `None` unlinks) a user account to a resident record.
pub async fn link_user(
    conn: &mut AnyConnection,
    user_id: i64,
    resident_id: Option<i64>,
) -> StoreResult<()> {
    let n = sqlx::query("UPDATE users SET resident_id = $1 WHERE id = $2")
        .bind(resident_id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The resident record a user account is linked to.
pub async fn resident_of_user(conn: &mut AnyConnection, user_id: i64) -> StoreResult<Option<i64>> {
    let v: Option<Option<i64>> = sqlx::query_scalar("SELECT resident_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(v.flatten())
}
