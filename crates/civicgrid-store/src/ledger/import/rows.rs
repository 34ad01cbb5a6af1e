//! Bulk writes of the household ledger for imports: places of a grid read in one
//! query, and buildings, units, rooms, households, residents, tags, history and the
//! name index written with multi-row `INSERT … VALUES` statements. Each statement's
//! text depends only on its row count, so full batches reuse one prepared statement.

use compact_str::CompactString;
use foldhash::{HashMap, HashMapExt};

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, FromRow, Row};

use crate::dialect::{anon, in_list, query, values_sql};
use crate::ledger::pii::SealedPii;
use crate::{StoreResult, now_ms};

/// New rows' ids by the key the importer finds them by: (parent id, name) for a
/// building, unit or room, (room id, ownership) for a household.
pub type Named = HashMap<(i64, String), i64>;

/// Rows per multi-row statement (the widest has 15 columns: 6,000 parameters, within
/// both backends' limits).
pub const BATCH: usize = 2000;

/// The places of one grid: building, unit and room ids by name, and active households
/// by room and ownership. Looked up by borrowed names, so a row's place is found
/// without copying its cells.
#[derive(Debug, Default, Clone)]
pub struct GridPlaces {
    pub buildings: HashMap<String, i64>,
    /// building id → unit name → unit id
    pub units: HashMap<i64, HashMap<String, i64>>,
    /// unit id → room name → room id
    pub rooms: HashMap<i64, HashMap<String, i64>>,
    /// room id → its active households (the first of each ownership counts)
    pub households: HashMap<i64, Vec<PlacedHousehold>>,
}

/// An active household of a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedHousehold {
    pub ownership: String,
    pub id: i64,
    /// Floor area in hundredths of m².
    pub area_centi: Option<i64>,
}

impl GridPlaces {
    pub fn unit(&self, building: i64, name: &str) -> Option<i64> {
        self.units.get(&building)?.get(name).copied()
    }

    pub fn room(&self, unit: i64, name: &str) -> Option<i64> {
        self.rooms.get(&unit)?.get(name).copied()
    }

    /// The room's active household of `ownership`.
    pub fn household(&self, room: i64, ownership: &str) -> Option<&PlacedHousehold> {
        self.households
            .get(&room)?
            .iter()
            .find(|h| h.ownership == ownership)
    }

    pub fn household_mut(&mut self, room: i64, ownership: &str) -> Option<&mut PlacedHousehold> {
        self.households
            .get_mut(&room)?
            .iter_mut()
            .find(|h| h.ownership == ownership)
    }

    pub fn add_unit(&mut self, building: i64, name: String, id: i64) {
        self.units.entry(building).or_default().insert(name, id);
    }

    pub fn add_room(&mut self, unit: i64, name: String, id: i64) {
        self.rooms.entry(unit).or_default().insert(name, id);
    }

    /// Adds a household unless the room already has one of that ownership.
    pub fn add_household(&mut self, room: i64, h: PlacedHousehold) {
        if self.household(room, &h.ownership).is_none() {
            self.households.entry(room).or_default().push(h);
        }
    }
}

/// Reads every building, unit, room and active household of a grid.
pub async fn grid_places(conn: &mut AnyConnection, grid_id: i64) -> StoreResult<GridPlaces> {
    let mut p = GridPlaces::default();
    let rows = sqlx::query(
        "SELECT b.id AS bid, b.name AS bname, u.id AS uid, u.name AS uname, r.id AS rid, \
         r.name AS rname FROM buildings b LEFT JOIN units u ON u.building_id = b.id \
         LEFT JOIN rooms r ON r.unit_id = u.id WHERE b.grid_id = $1",
    )
    .bind(grid_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let bid: i64 = r.try_get("bid")?;
        p.buildings.insert(r.try_get("bname")?, bid);
        if let Some(uid) = r.try_get::<Option<i64>, _>("uid")? {
            p.add_unit(bid, r.try_get("uname")?, uid);
            if let Some(rid) = r.try_get::<Option<i64>, _>("rid")? {
                p.add_room(uid, r.try_get("rname")?, rid);
            }
        }
    }
    let rows = sqlx::query(
        "SELECT id, room_id, ownership, area_centi FROM households \
         WHERE grid_id = $1 AND active = 1 ORDER BY id",
    )
    .bind(grid_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        p.add_household(
            r.try_get("room_id")?,
            PlacedHousehold {
                ownership: r.try_get("ownership")?,
                id: r.try_get("id")?,
                area_centi: r.try_get("area_centi")?,
            },
        );
    }
    Ok(p)
}

/// Inserts buildings (grid id, name); returns (grid id, name) → id.
pub async fn insert_buildings(
    conn: &mut AnyConnection,
    rows: &[(i64, String)],
) -> StoreResult<Named> {
    let now = now_ms();
    let mut out = HashMap::new();
    for chunk in rows.chunks(BATCH) {
        let sql = values_sql(
            "INSERT INTO buildings (grid_id, name, created_at)",
            3,
            chunk.len(),
            "RETURNING id, grid_id, name",
            anon(conn),
        );
        let mut q = query(sql);
        for (g, n) in chunk {
            q = q.bind(*g).bind(n.clone()).bind(now);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.insert(
                (r.try_get("grid_id")?, r.try_get("name")?),
                r.try_get("id")?,
            );
        }
    }
    Ok(out)
}

/// Inserts units (building id, name); returns (building id, name) → id.
pub async fn insert_units(conn: &mut AnyConnection, rows: &[(i64, String)]) -> StoreResult<Named> {
    insert_named(
        conn,
        rows,
        "INSERT INTO units (building_id, name)",
        "building_id",
    )
    .await
}

/// Inserts rooms (unit id, name); returns (unit id, name) → id. The floor is read
/// from names like `302` (floor 3) or `1203` (floor 12).
pub async fn insert_rooms(conn: &mut AnyConnection, rows: &[(i64, String)]) -> StoreResult<Named> {
    let mut out = HashMap::new();
    for chunk in rows.chunks(BATCH) {
        let sql = values_sql(
            "INSERT INTO rooms (unit_id, name, floor)",
            3,
            chunk.len(),
            "RETURNING id, unit_id, name",
            anon(conn),
        );
        let mut q = query(sql);
        for (u, n) in chunk {
            q = q.bind(*u).bind(n.clone()).bind(floor_of(n));
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.insert(
                (r.try_get("unit_id")?, r.try_get("name")?),
                r.try_get("id")?,
            );
        }
    }
    Ok(out)
}

/// `302` → 3, `1203` → 12, `B1` → none.
pub fn floor_of(room: &str) -> Option<i64> {
    if room.len() >= 3 && room.len() <= 4 && room.bytes().all(|b| b.is_ascii_digit()) {
        room[..room.len() - 2].parse().ok().filter(|f: &i64| *f > 0)
    } else {
        None
    }
}

async fn insert_named(
    conn: &mut AnyConnection,
    rows: &[(i64, String)],
    prefix: &str,
    parent: &str,
) -> StoreResult<Named> {
    let mut out = HashMap::new();
    for chunk in rows.chunks(BATCH) {
        let sql = values_sql(
            prefix,
            2,
            chunk.len(),
            &format!("RETURNING id, {parent}, name"),
            anon(conn),
        );
        let mut q = query(sql);
        for (p, n) in chunk {
            q = q.bind(*p).bind(n.clone());
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.insert((r.try_get(parent)?, r.try_get("name")?), r.try_get("id")?);
        }
    }
    Ok(out)
}

/// A household to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHousehold {
    pub room_id: i64,
    pub grid_id: i64,
    pub ownership: String,
    pub area_centi: Option<i64>,
}

/// Inserts households; returns (room id, ownership) → id.
pub async fn insert_households(
    conn: &mut AnyConnection,
    rows: &[NewHousehold],
) -> StoreResult<Named> {
    let now = now_ms();
    let mut out = HashMap::new();
    for chunk in rows.chunks(BATCH) {
        let sql = values_sql(
            "INSERT INTO households (room_id, grid_id, ownership, area_centi, active, created_at, updated_at)",
            7,
            chunk.len(),
            "RETURNING id, room_id, ownership",
            anon(conn),
        );
        let mut q = query(sql);
        for h in chunk {
            q = q
                .bind(h.room_id)
                .bind(h.grid_id)
                .bind(h.ownership.clone())
                .bind(h.area_centi)
                .bind(1i64)
                .bind(now)
                .bind(now);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.insert(
                (r.try_get("room_id")?, r.try_get("ownership")?),
                r.try_get("id")?,
            );
        }
    }
    Ok(out)
}

pub async fn set_household_area(
    conn: &mut AnyConnection,
    household_id: i64,
    area_centi: Option<i64>,
) -> StoreResult<()> {
    sqlx::query("UPDATE households SET area_centi = $1, updated_at = $2 WHERE id = $3")
        .bind(area_centi)
        .bind(now_ms())
        .bind(household_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What an import compares a row with: the stored resident, its sealed fields' blind
/// indexes (never plaintext) and its tags.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredResident {
    pub id: i64,
    pub id_number_idx: Vec<u8>,
    pub household_id: Option<i64>,
    pub grid_id: i64,
    pub name: String,
    pub gender: String,
    pub phone_idx: Option<Vec<u8>>,
    pub phone_enc: Option<Vec<u8>>,
    pub relation: String,
    pub residence_status: String,
    #[sqlx(skip)]
    pub tags: Vec<String>,
}

/// Residents whose ID-number blind index is one of `indexes`, with their tags.
pub async fn residents_by_id_index(
    conn: &mut AnyConnection,
    indexes: &[Vec<u8>],
) -> StoreResult<Vec<StoredResident>> {
    let mut out = Vec::new();
    for chunk in indexes.chunks(BATCH) {
        let sql = format!(
            "SELECT id, id_number_idx, household_id, grid_id, name, gender, phone_idx, phone_enc, \
             relation, residence_status FROM residents WHERE id_number_idx IN ({})",
            in_list(chunk.len(), anon(conn))
        );
        let mut q = query(sql);
        for i in chunk {
            q = q.bind(i.clone());
        }
        let rows = q.fetch_all(&mut *conn).await?;
        let start = out.len();
        for r in &rows {
            out.push(StoredResident::from_row(r)?);
        }
        if rows.is_empty() {
            continue;
        }
        let ids: Vec<i64> = out[start..].iter().map(|s| s.id).collect();
        let sql = format!(
            "SELECT resident_id, tag_code FROM resident_tags WHERE resident_id IN ({}) \
             ORDER BY resident_id, tag_code",
            in_list(ids.len(), anon(conn))
        );
        let mut q = query(sql);
        for id in &ids {
            q = q.bind(*id);
        }
        let mut tags = tags_by_resident(&q.fetch_all(&mut *conn).await?)?;
        for s in &mut out[start..] {
            s.tags = tags.remove(&s.id).unwrap_or_default();
        }
    }
    Ok(out)
}

/// Tag codes by resident, from rows of `resident_id, tag_code` in that order.
fn tags_by_resident(rows: &[AnyRow]) -> StoreResult<HashMap<i64, Vec<String>>> {
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for r in rows {
        tags.entry(r.try_get("resident_id")?)
            .or_default()
            .push(r.try_get("tag_code")?);
    }
    Ok(tags)
}

/// A resident to insert or the new values of one to update.
#[derive(Debug, Clone)]
pub struct ResidentRow {
    pub household_id: i64,
    pub grid_id: i64,
    pub name: CompactString,
    pub gender: &'static str,
    pub relation: &'static str,
    pub residence_status: &'static str,
    pub pii: SealedPii,
}

/// Inserts residents; returns the new ids in the order of `rows` (matched by the
/// unique ID-number blind index, which every imported resident has).
pub async fn insert_residents(
    conn: &mut AnyConnection,
    rows: &[ResidentRow],
    batch: Option<i64>,
) -> StoreResult<Vec<i64>> {
    let now = now_ms();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(BATCH) {
        let sql = values_sql(
            "INSERT INTO residents (household_id, grid_id, name, gender, birth_ym, birth_date_enc, \
             phone_enc, phone_idx, phone_last4_idx, relation, residence_status, \
             id_number_enc, id_number_idx, created_at, updated_at, created_in_batch)",
            16,
            chunk.len(),
            "RETURNING id, id_number_idx",
            anon(conn),
        );
        let mut q = query(sql);
        for r in chunk {
            q = bind_resident(q, r)
                .bind(r.pii.id_number_enc.clone())
                .bind(r.pii.id_number_idx.clone())
                .bind(now)
                .bind(now)
                .bind(batch);
        }
        let mut ids: HashMap<Vec<u8>, i64> = HashMap::with_capacity(chunk.len());
        for r in q.fetch_all(&mut *conn).await? {
            let idx: Option<Vec<u8>> = r.try_get("id_number_idx")?;
            ids.insert(idx.unwrap_or_default(), r.try_get("id")?);
        }
        for r in chunk {
            let key = r.pii.id_number_idx.clone().unwrap_or_default();
            let id = ids.get(&key).copied().ok_or_else(|| {
                crate::StoreError::Corrupt("inserted resident not returned".into())
            })?;
            out.push(id);
        }
    }
    Ok(out)
}

/// Replaces a resident's imported values (personal fields re-sealed) and bumps its
/// version.
pub async fn update_resident(
    conn: &mut AnyConnection,
    id: i64,
    r: &ResidentRow,
) -> StoreResult<()> {
    let update = sqlx::query(
        "UPDATE residents SET household_id = $1, grid_id = $2, name = $3, gender = $4, \
         birth_ym = $5, birth_date_enc = $6, phone_enc = $7, phone_idx = $8, phone_last4_idx = $9, \
         relation = $10, residence_status = $11, updated_at = $12, version = version + 1 \
         WHERE id = $13",
    );
    bind_resident(update, r)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Binds what an import writes of a resident besides its ID number, in this order:
/// household, grid, name, gender, birth month, sealed birth date, sealed phone and its
/// two indexes, relation, residence status.
fn bind_resident<'q>(
    q: Query<'q, Any, AnyArguments>,
    r: &ResidentRow,
) -> Query<'q, Any, AnyArguments> {
    q.bind(r.household_id)
        .bind(r.grid_id)
        .bind(r.name.to_string())
        .bind(r.gender)
        .bind(r.pii.birth_ym)
        .bind(r.pii.birth_date_enc.clone())
        .bind(r.pii.phone_enc.clone())
        .bind(r.pii.phone_idx.clone())
        .bind(r.pii.phone_last4_idx.clone())
        .bind(r.relation)
        .bind(r.residence_status)
}

/// Removes the tags of `residents`, then inserts `(resident id, tag code)` pairs.
pub async fn replace_tags(
    conn: &mut AnyConnection,
    residents: &[i64],
    tags: &[(i64, String)],
) -> StoreResult<()> {
    for chunk in residents.chunks(BATCH) {
        let sql = format!(
            "DELETE FROM resident_tags WHERE resident_id IN ({})",
            in_list(chunk.len(), anon(conn))
        );
        let mut q = query(sql);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in tags.chunks(BATCH) {
        let sql = values_sql(
            "INSERT INTO resident_tags (resident_id, tag_code)",
            2,
            chunk.len(),
            "",
            anon(conn),
        );
        let mut q = query(sql);
        for (id, code) in chunk {
            q = q.bind(*id).bind(code.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A history entry written by an import.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub subject_type: &'static str,
    pub subject_id: i64,
    pub action: &'static str,
    /// JSON object of what changed, personal values masked.
    pub changes: String,
}

/// Appends history entries, all by `actor` at one moment, with one `reason`.
pub async fn insert_history(
    conn: &mut AnyConnection,
    actor_user_id: Option<i64>,
    actor_label: &str,
    reason: &str,
    rows: &[HistoryRow],
) -> StoreResult<()> {
    let now = now_ms();
    for chunk in rows.chunks(BATCH) {
        let sql = values_sql(
            "INSERT INTO ledger_history (subject_type, subject_id, at_ms, actor_user_id, \
             actor_label, action, reason, changes)",
            8,
            chunk.len(),
            "",
            anon(conn),
        );
        let mut q = query(sql);
        for h in chunk {
            q = q
                .bind(h.subject_type)
                .bind(h.subject_id)
                .bind(now)
                .bind(actor_user_id)
                .bind(actor_label.to_owned())
                .bind(h.action)
                .bind(reason.to_owned())
                .bind(h.changes.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Masked rows for an export: every resident of the grids under `scope_prefixes`
/// (materialised paths), in place order.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub community: String,
    pub grid: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub name: String,
    pub gender: String,
    pub birth_ym: i64,
    pub id_number_enc: Option<Vec<u8>>,
    pub id_number_idx: Option<Vec<u8>>,
    pub phone_enc: Option<Vec<u8>>,
    pub phone_idx: Option<Vec<u8>>,
    pub relation: String,
    pub residence_status: String,
    /// `;`-separated tag codes.
    #[sqlx(skip)]
    pub tags: String,
    pub area_centi: Option<i64>,
    pub ownership: String,
}

/// Residents of the grids whose path lies in `[from, to)`, with their places.
pub async fn export_rows(
    conn: &mut AnyConnection,
    from: &str,
    to: &str,
) -> StoreResult<Vec<ExportRow>> {
    let rows = sqlx::query(
        "SELECT c.code AS community, g.code AS grid, b.name AS building, u.name AS unit, \
         rm.name AS room, r.id AS rid, r.name AS name, r.gender, r.birth_ym, r.id_number_enc, \
         r.id_number_idx, r.phone_enc, r.phone_idx, r.relation, r.residence_status, h.area_centi, h.ownership \
         FROM residents r JOIN households h ON h.id = r.household_id \
         JOIN rooms rm ON rm.id = h.room_id JOIN units u ON u.id = rm.unit_id \
         JOIN buildings b ON b.id = u.building_id JOIN org_nodes g ON g.id = r.grid_id \
         JOIN org_nodes c ON c.id = g.parent_id \
         WHERE g.path >= $1 AND g.path < $2 ORDER BY g.code, b.name, u.name, rm.name, r.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let tag_rows = sqlx::query(
        "SELECT t.resident_id, t.tag_code FROM resident_tags t JOIN residents r ON r.id = t.resident_id \
         JOIN org_nodes g ON g.id = r.grid_id WHERE g.path >= $1 AND g.path < $2 \
         ORDER BY t.resident_id, t.tag_code",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut tags = tags_by_resident(&tag_rows)?;
    rows.iter()
        .map(|r| {
            let rid: i64 = r.try_get("rid")?;
            Ok(ExportRow {
                tags: tags.remove(&rid).unwrap_or_default().join(";"),
                ..ExportRow::from_row(r)?
            })
        })
        .collect()
}
