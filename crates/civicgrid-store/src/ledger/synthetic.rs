//! Ledger rows written straight to the tables, for tests and benchmarks that need many
//! residents without going through the import: places are created as needed, personal
//! data is sealed and the name is indexed exactly as the application does.

use std::collections::HashMap;

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::ledger::search::name_terms;
use sqlx::{AnyConnection, Row};

use crate::crypto::FieldKeys;
use crate::{StoreResult, ledger::pii, ledger::search, now_ms};

/// A resident to write.
#[derive(Debug, Clone)]
pub struct SynthResident<'a> {
    pub grid_id: i64,
    pub building: &'a str,
    pub unit: &'a str,
    pub room: &'a str,
    pub name: &'a str,
    pub gender: &'a str,
    pub birth: Date,
    pub phone: Option<&'a Phone>,
    pub relation: &'a str,
    pub status: &'a str,
    pub tags: &'a [&'a str],
}

/// Remembers the places and households already written, so a bulk load looks each up
/// once.
#[derive(Debug, Default)]
pub struct Writer {
    households: HashMap<(i64, String, String, String), i64>,
}

async fn id_of(
    conn: &mut AnyConnection,
    select: &'static str,
    insert: &'static str,
    parent: i64,
    name: &str,
) -> StoreResult<i64> {
    if let Some(row) = sqlx::query(select)
        .bind(parent)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(row.try_get("id")?);
    }
    let mut query = sqlx::query(insert).bind(parent).bind(name);
    if insert.contains("$3") {
        query = query.bind(now_ms());
    }
    let row = query.fetch_one(&mut *conn).await?;
    Ok(row.try_get("id")?)
}

impl Writer {
    /// The household living in a room, created (with its building, unit and room) if
    /// needed.
    pub async fn household(
        &mut self,
        conn: &mut AnyConnection,
        grid_id: i64,
        building: &str,
        unit: &str,
        room: &str,
    ) -> StoreResult<i64> {
        let key = (
            grid_id,
            building.to_owned(),
            unit.to_owned(),
            room.to_owned(),
        );
        if let Some(id) = self.households.get(&key) {
            return Ok(*id);
        }
        let b = id_of(
            conn,
            "SELECT id FROM buildings WHERE grid_id = $1 AND name = $2",
            "INSERT INTO buildings (grid_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
            grid_id,
            building,
        )
        .await?;
        let u = id_of(
            conn,
            "SELECT id FROM units WHERE building_id = $1 AND name = $2",
            "INSERT INTO units (building_id, name) VALUES ($1, $2) RETURNING id",
            b,
            unit,
        )
        .await?;
        let r = id_of(
            conn,
            "SELECT id FROM rooms WHERE unit_id = $1 AND name = $2",
            "INSERT INTO rooms (unit_id, name) VALUES ($1, $2) RETURNING id",
            u,
            room,
        )
        .await?;
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO households (room_id, grid_id, ownership, created_at, updated_at) \
             VALUES ($1, $2, 'owner', $3, $3) RETURNING id",
        )
        .bind(r)
        .bind(grid_id)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        let id: i64 = row.try_get("id")?;
        self.households.insert(key, id);
        Ok(id)
    }

    /// Writes one resident, its tags and its search terms; returns its id.
    pub async fn resident(
        &mut self,
        conn: &mut AnyConnection,
        keys: &FieldKeys,
        r: &SynthResident<'_>,
    ) -> StoreResult<i64> {
        let household = self
            .household(conn, r.grid_id, r.building, r.unit, r.room)
            .await?;
        let sealed = pii::seal(keys, None, r.phone, r.birth);
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO residents (household_id, grid_id, name, gender, birth_ym, \
             birth_date_enc, phone_enc, phone_idx, phone_last4_idx, relation, \
             residence_status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
        )
        .bind(household)
        .bind(r.grid_id)
        .bind(r.name)
        .bind(r.gender)
        .bind(sealed.birth_ym)
        .bind(&sealed.birth_date_enc)
        .bind(&sealed.phone_enc)
        .bind(&sealed.phone_idx)
        .bind(&sealed.phone_last4_idx)
        .bind(r.relation)
        .bind(r.status)
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
        let id: i64 = row.try_get("id")?;
        for tag in r.tags {
            sqlx::query("INSERT INTO resident_tags (resident_id, tag_code) VALUES ($1, $2)")
                .bind(id)
                .bind(*tag)
                .execute(&mut *conn)
                .await?;
        }
        search::index_residents(conn, &[(id, name_terms(r.name))], false).await?;
        Ok(id)
    }
}

/// What a benchmark needs to know about one resident to ask realistic queries.
#[derive(Debug, Clone)]
pub struct Probe {
    pub name: String,
    pub phone_enc: Option<Vec<u8>>,
    pub phone_idx: Option<Vec<u8>>,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
    pub grid_id: i64,
    /// The grid's parent (its community).
    pub community_id: Option<i64>,
}

/// The resident with `id`, if any, with its place.
pub async fn probe(conn: &mut AnyConnection, id: i64) -> StoreResult<Option<Probe>> {
    let row = sqlx::query(
        "SELECT r.name, r.phone_enc, r.phone_idx, r.grid_id, g.parent_id, b.name AS building, \
         u.name AS unit, rm.name AS room FROM residents r \
         JOIN org_nodes g ON g.id = r.grid_id \
         LEFT JOIN households h ON h.id = r.household_id \
         LEFT JOIN rooms rm ON rm.id = h.room_id LEFT JOIN units u ON u.id = rm.unit_id \
         LEFT JOIN buildings b ON b.id = u.building_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Probe {
        name: row.try_get("name")?,
        phone_enc: row.try_get("phone_enc")?,
        phone_idx: row.try_get("phone_idx")?,
        building: row.try_get("building")?,
        unit: row.try_get("unit")?,
        room: row.try_get("room")?,
        grid_id: row.try_get("grid_id")?,
        community_id: row.try_get("parent_id")?,
    }))
}

/// The largest resident id (0 when there are none).
pub async fn max_resident_id(conn: &mut AnyConnection) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM residents")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("m")?)
}
