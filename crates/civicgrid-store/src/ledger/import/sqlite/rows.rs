//! The rows of a SQLite bulk load, written on its native connection: each table with
//! one prepared single-row statement stepped per row, compiled once per call. A held
//! load passes the ids it assigned itself (see [`crate::ledger::import::sqlite`]); otherwise
//! SQLite assigns them.

use civicgrid_domain::platform::audit::AuditFields;
use rusqlite::{Connection, OptionalExtension, Statement, params};

use crate::ledger::import::rows::{
    GridPlaces, HistoryRow, Named, NewHousehold, PlacedHousehold, ResidentRow, StoredResident,
    floor_of,
};
use crate::platform::audit;
use crate::{StoreError, StoreResult, now_ms};

/// See [`crate::ledger::import::rows::grid_places`].
pub fn grid_places(c: &Connection, grid_id: i64) -> StoreResult<GridPlaces> {
    let mut p = GridPlaces::default();
    let mut st = c.prepare(
        "SELECT b.id, b.name, u.id, u.name, r.id, r.name FROM buildings b \
         LEFT JOIN units u ON u.building_id = b.id LEFT JOIN rooms r ON r.unit_id = u.id \
         WHERE b.grid_id = ?1",
    )?;
    let mut rows = st.query([grid_id])?;
    while let Some(r) = rows.next()? {
        let bid: i64 = r.get(0)?;
        p.buildings.insert(r.get(1)?, bid);
        if let Some(uid) = r.get::<_, Option<i64>>(2)? {
            p.add_unit(bid, r.get(3)?, uid);
            if let Some(rid) = r.get::<_, Option<i64>>(4)? {
                p.add_room(uid, r.get(5)?, rid);
            }
        }
    }
    let mut st = c.prepare(
        "SELECT id, room_id, ownership, area_centi FROM households \
         WHERE grid_id = ?1 AND active = 1 ORDER BY id",
    )?;
    let mut rows = st.query([grid_id])?;
    while let Some(r) = rows.next()? {
        p.add_household(
            r.get(1)?,
            PlacedHousehold {
                ownership: r.get(2)?,
                id: r.get(0)?,
                area_centi: r.get(3)?,
            },
        );
    }
    Ok(p)
}

/// The value of a place's third column, computed from its name.
type ExtraColumn = dyn Fn(&str) -> Option<i64>;

/// Inserts (parent id, name) rows with `sql`, whose first parameter is the row's id
/// (`first_id` onwards, or `NULL` for SQLite to choose) and whose fourth (if `extra`
/// is given) is computed from the name; returns the ids in the order of `rows`.
fn insert_named(
    c: &Connection,
    sql: &str,
    rows: &[(i64, String)],
    extra: Option<&ExtraColumn>,
    first_id: Option<i64>,
) -> StoreResult<Vec<i64>> {
    insert_numbered(
        c,
        sql,
        rows,
        first_id,
        |st, id, (parent, name)| match extra {
            Some(f) => st.execute(params![id, parent, name, f(name)]),
            None => st.execute(params![id, parent, name]),
        },
    )
}

/// Inserts each of `rows` with the statement `sql`, stepped by `step` with the row's
/// id (`first_id` onwards, or `None` for SQLite to choose); returns the ids in order.
fn insert_numbered<T>(
    c: &Connection,
    sql: &str,
    rows: &[T],
    first_id: Option<i64>,
    mut step: impl FnMut(&mut Statement<'_>, Option<i64>, &T) -> rusqlite::Result<usize>,
) -> StoreResult<Vec<i64>> {
    let mut st = c.prepare(sql)?;
    let mut ids = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        step(&mut st, first_id.map(|f| f + i as i64), row)?;
        ids.push(c.last_insert_rowid());
    }
    Ok(ids)
}

/// (parent id, name) → id of places inserted in that order.
///
/// Covered by: crates/civicgrid-store/tests/conformance/ledger_bulk.rs
/// (places written by a bulk load on SQLite)
pub fn named_ids(rows: &[(i64, String)], ids: impl IntoIterator<Item = i64>) -> Named {
    rows.iter().cloned().zip(ids).collect()
}

/// A place's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceLevel {
    Building,
    Unit,
    Room,
}

/// Inserts buildings, units or rooms as (parent id, name); see [`insert_named`].
///
/// Covered by: crates/civicgrid-store/tests/conformance/ledger_bulk.rs
/// (places written by a bulk load on SQLite)
pub fn insert_places(
    c: &Connection,
    level: PlaceLevel,
    rows: &[(i64, String)],
    first_id: Option<i64>,
) -> StoreResult<Vec<i64>> {
    match level {
        PlaceLevel::Building => {
            let now = now_ms();
            insert_named(
                c,
                "INSERT INTO buildings (id, grid_id, name, created_at) VALUES (?1, ?2, ?3, ?4)",
                rows,
                Some(&move |_| Some(now)),
                first_id,
            )
        }
        PlaceLevel::Unit => insert_named(
            c,
            "INSERT INTO units (id, building_id, name) VALUES (?1, ?2, ?3)",
            rows,
            None,
            first_id,
        ),
        PlaceLevel::Room => insert_named(
            c,
            "INSERT INTO rooms (id, unit_id, name, floor) VALUES (?1, ?2, ?3, ?4)",
            rows,
            Some(&floor_of),
            first_id,
        ),
    }
}

/// Inserts households (ids from `first_id` on, or chosen by SQLite); returns their
/// ids in the order of `rows`.
pub fn insert_households(
    c: &Connection,
    rows: &[NewHousehold],
    first_id: Option<i64>,
) -> StoreResult<Vec<i64>> {
    let now = now_ms();
    insert_numbered(
        c,
        "INSERT INTO households (id, room_id, grid_id, ownership, area_centi, active, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)",
        rows,
        first_id,
        |st, id, h| {
            st.execute(params![
                id,
                h.room_id,
                h.grid_id,
                h.ownership,
                h.area_centi,
                now
            ])
        },
    )
}

/// (room id, ownership) → id of households inserted in that order.
///
/// Covered by: crates/civicgrid-store/tests/conformance/ledger_bulk.rs
/// (households written by a bulk load on SQLite)
pub fn household_ids(rows: &[NewHousehold], ids: impl IntoIterator<Item = i64>) -> Named {
    rows.iter()
        .zip(ids)
        .map(|(h, id)| ((h.room_id, h.ownership.clone()), id))
        .collect()
}

pub fn set_household_area(c: &Connection, id: i64, area_centi: Option<i64>) -> StoreResult<()> {
    c.execute(
        "UPDATE households SET area_centi = ?1, updated_at = ?2 WHERE id = ?3",
        params![area_centi, now_ms(), id],
    )?;
    Ok(())
}

/// See [`crate::ledger::import::rows::residents_by_id_index`].
pub fn residents_by_id_index(
    c: &Connection,
    indexes: Vec<Vec<u8>>,
) -> StoreResult<Vec<StoredResident>> {
    let mut st = c.prepare(
        "SELECT id, id_number_idx, household_id, grid_id, name, gender, phone_idx, phone_enc, \
         relation, residence_status FROM residents WHERE id_number_idx = ?1",
    )?;
    let mut tags =
        c.prepare("SELECT tag_code FROM resident_tags WHERE resident_id = ?1 ORDER BY tag_code")?;
    let mut out = Vec::new();
    for idx in indexes {
        let found = st
            .query_row([&idx], |r| {
                Ok(StoredResident {
                    id: r.get(0)?,
                    id_number_idx: r.get(1)?,
                    household_id: r.get(2)?,
                    grid_id: r.get(3)?,
                    name: r.get(4)?,
                    gender: r.get(5)?,
                    phone_idx: r.get(6)?,
                    phone_enc: r.get(7)?,
                    relation: r.get(8)?,
                    residence_status: r.get(9)?,
                    tags: Vec::new(),
                })
            })
            .optional()?;
        if let Some(mut s) = found {
            s.tags = tags
                .query_map([s.id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            out.push(s);
        }
    }
    Ok(out)
}

/// See [`crate::ledger::import::rows::insert_residents`]: the new ids in the order of `rows`
/// (`first_id` onwards, or chosen by SQLite).
pub fn insert_residents(
    c: &Connection,
    rows: &[ResidentRow],
    batch: Option<i64>,
    first_id: Option<i64>,
) -> StoreResult<Vec<i64>> {
    let mut st = c.prepare(
        "INSERT INTO residents (id, household_id, grid_id, name, gender, birth_ym, \
         birth_date_enc, id_number_enc, id_number_idx, phone_enc, phone_idx, phone_last4_idx, \
         relation, residence_status, created_at, updated_at, created_in_batch) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16)",
    )?;
    // The same for every row: bound once (each row's step leaves bindings in place).
    st.raw_bind_parameter(15, now_ms())?;
    st.raw_bind_parameter(16, batch)?;
    let mut ids = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        st.raw_bind_parameter(1, first_id.map(|f| f + i as i64))?;
        st.raw_bind_parameter(2, r.household_id)?;
        st.raw_bind_parameter(3, r.grid_id)?;
        st.raw_bind_parameter(4, r.name.as_str())?;
        st.raw_bind_parameter(5, r.gender)?;
        st.raw_bind_parameter(6, r.pii.birth_ym)?;
        st.raw_bind_parameter(7, &r.pii.birth_date_enc)?;
        st.raw_bind_parameter(8, &r.pii.id_number_enc)?;
        st.raw_bind_parameter(9, &r.pii.id_number_idx)?;
        st.raw_bind_parameter(10, &r.pii.phone_enc)?;
        st.raw_bind_parameter(11, &r.pii.phone_idx)?;
        st.raw_bind_parameter(12, &r.pii.phone_last4_idx)?;
        st.raw_bind_parameter(13, r.relation)?;
        st.raw_bind_parameter(14, r.residence_status)?;
        st.raw_execute()?;
        ids.push(c.last_insert_rowid());
    }
    Ok(ids)
}

/// See [`crate::ledger::import::rows::update_resident`].
pub fn update_resident(c: &Connection, id: i64, r: ResidentRow) -> StoreResult<()> {
    c.execute(
        "UPDATE residents SET household_id = ?1, grid_id = ?2, name = ?3, gender = ?4, \
         birth_ym = ?5, birth_date_enc = ?6, phone_enc = ?7, phone_idx = ?8, \
         phone_last4_idx = ?9, relation = ?10, residence_status = ?11, updated_at = ?12, \
         version = version + 1 WHERE id = ?13",
        params![
            r.household_id,
            r.grid_id,
            r.name.as_str(),
            r.gender,
            r.pii.birth_ym,
            r.pii.birth_date_enc,
            r.pii.phone_enc,
            r.pii.phone_idx,
            r.pii.phone_last4_idx,
            r.relation,
            r.residence_status,
            now_ms(),
            id
        ],
    )?;
    Ok(())
}

/// See [`crate::ledger::import::rows::replace_tags`].
pub fn replace_tags(
    c: &Connection,
    residents: Vec<i64>,
    tags: Vec<(i64, String)>,
) -> StoreResult<()> {
    replace_pairs(
        c,
        "DELETE FROM resident_tags WHERE resident_id = ?1",
        residents,
        "INSERT INTO resident_tags (resident_id, tag_code) VALUES (?1, ?2)",
        tags,
    )
}

/// See [`crate::ledger::search::index_residents`].
pub fn index_residents(
    c: &Connection,
    entries: Vec<(i64, String)>,
    replace: bool,
) -> StoreResult<()> {
    // One point delete each: FTS5 finds a rowid fast only when it is compared by `=`.
    let stale: Vec<i64> = if replace {
        entries.iter().map(|(id, _)| *id).collect()
    } else {
        Vec::new()
    };
    if !stale.is_empty() {
        let mut mark = c.prepare(crate::ledger::import::postings::STALE_SQL)?;
        for id in &stale {
            mark.execute([id])?;
        }
    }
    replace_pairs(
        c,
        "DELETE FROM resident_search WHERE rowid = ?1",
        stale,
        "INSERT INTO resident_search (rowid, terms) VALUES (?1, ?2)",
        entries,
    )
}

/// Deletes the rows of `ids` with `delete`, then inserts the (id, text) `pairs` with
/// `insert`.
fn replace_pairs(
    c: &Connection,
    delete: &str,
    ids: Vec<i64>,
    insert: &str,
    pairs: Vec<(i64, String)>,
) -> StoreResult<()> {
    if !ids.is_empty() {
        let mut del = c.prepare(delete)?;
        for id in ids {
            del.execute([id])?;
        }
    }
    let mut ins = c.prepare(insert)?;
    for (id, text) in pairs {
        ins.execute(params![id, text])?;
    }
    Ok(())
}

/// See [`crate::ledger::insert_batch`].
pub fn insert_batch(
    c: &Connection,
    b: &crate::ledger::NewBatch,
    id: Option<i64>,
) -> StoreResult<i64> {
    c.execute(
        "INSERT INTO ledger_batches (id, at_ms, actor_user_id, actor_label, action, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            b.at_ms,
            b.actor_user_id,
            b.actor_label,
            b.action,
            b.reason
        ],
    )?;
    Ok(c.last_insert_rowid())
}

/// See [`crate::ledger::import::rows::insert_history`].
pub fn insert_history(
    c: &Connection,
    actor_user_id: Option<i64>,
    actor_label: &str,
    reason: &str,
    rows: Vec<HistoryRow>,
) -> StoreResult<()> {
    let now = now_ms();
    let mut st = c.prepare(
        "INSERT INTO ledger_history (subject_type, subject_id, at_ms, actor_user_id, \
         actor_label, action, reason, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for h in rows {
        st.execute(params![
            h.subject_type,
            h.subject_id,
            now,
            actor_user_id,
            actor_label,
            h.action,
            reason,
            h.changes
        ])?;
    }
    Ok(())
}

/// Appends one audit entry to the chain, in the steps of [`audit::TAKE_SEQS_SQL`].
pub fn audit_append(c: &Connection, fields: &AuditFields) -> StoreResult<i64> {
    let (taken, head_hash): (i64, String) =
        c.query_row(audit::TAKE_SEQS_SQL, [1i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let chained = audit::chain_taken(taken, head_hash, std::slice::from_ref(fields));
    let Some(e) = chained.first() else {
        return Err(StoreError::Corrupt("no audit entry was chained".into()));
    };
    c.execute(&audit::insert_sql(1, true), e.row())?;
    c.execute(audit::SET_HEAD_HASH_SQL, [&e.hash])?;
    Ok(e.seq)
}
