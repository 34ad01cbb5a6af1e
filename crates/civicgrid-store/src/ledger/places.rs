//! Buildings, units and rooms, and where a room is.

use civicgrid_domain::platform::org::OrgPath;
use sqlx::{AnyConnection, FromRow, Row};

use super::corrupt;
use crate::repo::found;
use crate::{StoreError, StoreResult, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Building {
    pub id: i64,
    pub grid_id: i64,
    pub name: String,
    pub address: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Unit {
    pub id: i64,
    pub building_id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
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

pub async fn insert_building(
    conn: &mut AnyConnection,
    grid_id: i64,
    name: &str,
    address: &str,
) -> StoreResult<Building> {
    Ok(sqlx::query_as(
        "INSERT INTO buildings (grid_id, name, address, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id, grid_id, name, address, created_at",
    )
    .bind(grid_id)
    .bind(name)
    .bind(address)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn get_building(conn: &mut AnyConnection, id: i64) -> StoreResult<Building> {
    sqlx::query_as("SELECT id, grid_id, name, address, created_at FROM buildings WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

pub async fn update_building(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    address: &str,
) -> StoreResult<Building> {
    found(
        sqlx::query("UPDATE buildings SET name = $1, address = $2 WHERE id = $3")
            .bind(name)
            .bind(address)
            .bind(id)
            .execute(&mut *conn)
            .await?,
    )?;
    get_building(conn, id).await
}

pub async fn list_buildings(conn: &mut AnyConnection, grid_id: i64) -> StoreResult<Vec<Building>> {
    Ok(sqlx::query_as(
        "SELECT id, grid_id, name, address, created_at FROM buildings WHERE grid_id = $1 ORDER BY name, id",
    )
    .bind(grid_id)
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn find_building(
    conn: &mut AnyConnection,
    grid_id: i64,
    name: &str,
) -> StoreResult<Option<Building>> {
    Ok(sqlx::query_as(
        "SELECT id, grid_id, name, address, created_at FROM buildings WHERE grid_id = $1 AND name = $2",
    )
    .bind(grid_id)
    .bind(name)
    .fetch_optional(&mut *conn)
    .await?)
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
    Ok(sqlx::query_as(
        "SELECT id, building_id, name FROM units WHERE building_id = $1 ORDER BY name, id",
    )
    .bind(building_id)
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn delete_unit(conn: &mut AnyConnection, id: i64) -> StoreResult<()> {
    found(sqlx::query(
        "DELETE FROM units WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM rooms WHERE unit_id = $1)",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    )
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
    found(
        sqlx::query("UPDATE rooms SET name = $1, floor = $2 WHERE id = $3")
            .bind(name)
            .bind(floor)
            .bind(id)
            .execute(&mut *conn)
            .await?,
    )
}

pub async fn list_rooms(conn: &mut AnyConnection, unit_id: i64) -> StoreResult<Vec<Room>> {
    Ok(sqlx::query_as(
        "SELECT id, unit_id, name, floor FROM rooms WHERE unit_id = $1 ORDER BY floor, name, id",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?)
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
        room: Room::from_row(&row)?,
        unit_name: row.try_get("unit_name")?,
        building_id: row.try_get("building_id")?,
        building_name: row.try_get("building_name")?,
        grid_id: row.try_get("grid_id")?,
        grid_path: OrgPath::from_stored(path.ok_or_else(|| corrupt("grid without a path"))?),
        grid_name_zh: row.try_get("grid_name_zh")?,
        grid_name_en: row.try_get("grid_name_en")?,
    })
}
