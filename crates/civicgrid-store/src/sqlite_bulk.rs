//! The SQLite side of a bulk load, on a native connection of its own.
//!
//! A million-row import spends most of its time handing values to the database, so on
//! SQLite the load bypasses the pooled driver: one `rusqlite` connection to the same
//! file (the same SQLite library, so file locks are shared correctly), each table
//! written with one prepared single-row statement stepped per row, the statement
//! compiled once per chunk. Every call runs on a blocking thread; the connection moves
//! there and back. Dropping the connection mid-transaction rolls it back.

use foldhash::{HashMap, HashMapExt};
use std::path::PathBuf;

use civicgrid_domain::audit::AuditFields;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::ledger_bulk::{
    GridPlaces, HistoryRow, NewHousehold, PlacedHousehold, ResidentRow, StoredResident, floor_of,
};
use crate::{StoreError, StoreResult, now_ms};

/// Settings of the load's connection: durable commits and enforced foreign keys as
/// everywhere, a 256 MiB page cache so the indexes a load keeps touching stay in
/// memory, reads through a memory map, and a log allowed to grow to about 200 MB
/// between checkpoints (pages that every chunk rewrites are copied into the database
/// once, not at every commit).
const PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
     PRAGMA synchronous = FULL; PRAGMA cache_size = -262144; PRAGMA mmap_size = 1073741824; \
     PRAGMA wal_autocheckpoint = 50000; PRAGMA temp_store = MEMORY;";

/// The name index (FTS5) gathers new terms in memory and writes them out as a segment
/// when that memory passes `hashsize` (1 MiB by default): a 50,000-row chunk would
/// leave dozens of small segments to merge. At 64 MiB a chunk is one segment. The
/// setting is stored with the index; ordinary writes of a few rows never reach it.
pub(crate) const NAME_INDEX_HASH: &str =
    "INSERT INTO resident_search(resident_search, rank) VALUES('hashsize', 67108864);";

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            rusqlite::Error::SqliteFailure(f, msg)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                StoreError::Conflict(msg.clone().unwrap_or_else(|| e.to_string()))
            }
            _ => StoreError::Native(e.to_string()),
        }
    }
}

/// A native connection for one bulk load.
pub struct SqliteBulk {
    conn: Option<Connection>,
    /// The database file.
    path: PathBuf,
    /// This connection has written the name index since its last commit (a held
    /// load then cannot build it beside; see [`crate::sqlite_names`]).
    names_written: bool,
    /// The load's chunks share one transaction, committed by [`SqliteBulk::finish`].
    held: bool,
    /// The held load dropped the unique ID-number index in its transaction: no other
    /// writer can add a resident until the index is built again before it commits.
    unique_dropped: bool,
    /// The held load has committed at least once (other writers may have run since).
    released: bool,
    /// A held load's name-index entries, written in one pass before it commits: the
    /// index then gets one or two large segments instead of one per chunk to merge.
    pending_names: Vec<(i64, String)>,
    /// Time spent in the database, for the load's debug log.
    busy: std::time::Duration,
    /// The same time by the kind of call (the calling function's name).
    busy_by: Vec<(&'static str, std::time::Duration)>,
}

impl SqliteBulk {
    /// Opens the database file at `path` (which must exist: the pool created it).
    pub async fn open(path: PathBuf) -> StoreResult<SqliteBulk> {
        let file = path.clone();
        let conn = tokio::task::spawn_blocking(move || -> StoreResult<Connection> {
            let conn = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.execute_batch(PRAGMAS)?;
            conn.execute_batch(NAME_INDEX_HASH)?;
            Ok(conn)
        })
        .await
        .map_err(|e| StoreError::Native(format!("opening the bulk connection: {e}")))??;
        Ok(SqliteBulk {
            conn: Some(conn),
            path: file,
            names_written: false,
            held: false,
            unique_dropped: false,
            released: false,
            pending_names: Vec::new(),
            busy: std::time::Duration::ZERO,
            busy_by: Vec::new(),
        })
    }

    /// Runs `f` on the connection, on a blocking thread.
    pub async fn call<R, F>(&mut self, f: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    {
        let conn = self
            .conn
            .take()
            .ok_or_else(|| StoreError::Native("the bulk connection was lost".into()))?;
        let (conn, result, took) = tokio::task::spawn_blocking(move || {
            let start = std::time::Instant::now();
            let r = f(&conn);
            (conn, r, start.elapsed())
        })
        .await
        .map_err(|e| StoreError::Native(format!("bulk write stopped: {e}")))?;
        self.conn = Some(conn);
        self.busy += took;
        let kind = std::any::type_name::<F>().trim_end_matches("::{{closure}}");
        match self.busy_by.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, t)) => *t += took,
            None => self.busy_by.push((kind, took)),
        }
        result
    }

    /// Makes the chunks of this load one transaction: the first `begin` opens it, the
    /// chunks' commits leave it open, and [`SqliteBulk::finish`] commits it with the
    /// deferred indexes built inside. Other writers wait until then; dropping the
    /// connection before rolls the whole load back.
    pub fn hold(&mut self) -> StoreResult<()> {
        self.held = true;
        match &self.conn {
            Some(c) => Ok(c.execute_batch("PRAGMA cache_size = -2097152")?),
            None => Ok(()),
        }
    }

    /// `BEGIN IMMEDIATE` (after rolling back whatever an abandoned chunk left open);
    /// in a held load, only when none is open. A held load's first transaction drops
    /// the unique ID-number index: the reader has refused duplicates within the file,
    /// the ledger was empty, and no one else writes until the index is back.
    pub async fn begin(&mut self) -> StoreResult<()> {
        let (held, drop_unique) = (self.held, self.held && !self.released);
        let dropped = self
            .call(move |c| {
                if !c.is_autocommit() {
                    if held {
                        return Ok(false);
                    }
                    c.execute_batch("ROLLBACK")?;
                }
                c.execute_batch("BEGIN IMMEDIATE")?;
                if drop_unique {
                    c.execute_batch("DROP INDEX IF EXISTS residents_id_number")?;
                }
                Ok(drop_unique)
            })
            .await?;
        self.unique_dropped |= dropped;
        Ok(())
    }

    /// Commits the open transaction, if any, after building the unique ID-number
    /// index again where this load dropped it.
    async fn commit_held(&mut self) -> StoreResult<()> {
        self.rebuild_unique().await?;
        self.names_written = false;
        self.call(move |c| {
            if !c.is_autocommit() {
                c.execute_batch("COMMIT")?;
            }
            Ok(())
        })
        .await
    }

    /// Builds the unique ID-number index again if this load dropped it.
    async fn rebuild_unique(&mut self) -> StoreResult<()> {
        if !std::mem::take(&mut self.unique_dropped) {
            return Ok(());
        }
        self.call(move |c| {
            let started = std::time::Instant::now();
            c.execute_batch(crate::bulk_indexes::ID_NUMBER_UNIQUE)?;
            tracing::debug!(took = ?started.elapsed(), "unique ID-number index built");
            Ok(())
        })
        .await
    }

    /// Commits a held load's transaction so far, so that another connection can write
    /// (the next `begin` opens a new one); a load that is not held has nothing open.
    pub async fn release(&mut self) -> StoreResult<()> {
        if !self.held {
            return Ok(());
        }
        let started = std::time::Instant::now();
        self.write_pending_names().await?;
        self.commit_held().await?;
        self.released = true;
        tracing::debug!(took = ?started.elapsed(), "held load released");
        Ok(())
    }

    /// Adds residents to the name index (see [`crate::search::index_residents`]); a
    /// held load's new residents wait for [`Self::write_pending_names`].
    pub async fn index_residents(
        &mut self,
        entries: Vec<(i64, String)>,
        replace: bool,
    ) -> StoreResult<()> {
        if self.held && !replace {
            self.pending_names.extend(entries);
            return Ok(());
        }
        self.names_written = true;
        self.call(move |c| index_residents(c, entries, replace))
            .await
    }

    async fn write_pending_names(&mut self) -> StoreResult<()> {
        if self.pending_names.is_empty() {
            return Ok(());
        }
        let entries = std::mem::take(&mut self.pending_names);
        self.names_written = true;
        self.call(move |c| index_residents(c, entries, false)).await
    }

    /// Commits the chunk's transaction (a no-op in a held load).
    pub async fn commit(&mut self) -> StoreResult<()> {
        if self.held {
            return Ok(());
        }
        self.call(|c| Ok(c.execute_batch("COMMIT")?)).await
    }

    /// Ends the load: builds the deferred indexes if asked (sorting on two threads,
    /// in this connection's large cache), commits a held load, then copies the log
    /// into the database while this connection still holds it. A held load whose name
    /// index this connection has not written since its last commit builds the pending
    /// entries beside the database meanwhile (see [`crate::sqlite_names`]).
    pub async fn finish(mut self, build_indexes: bool) -> StoreResult<()> {
        tracing::debug!(busy = ?self.busy, "bulk load written");
        for (kind, took) in &self.busy_by {
            tracing::debug!(?took, kind, "bulk load calls");
        }
        let beside = if self.held && !self.names_written && !self.pending_names.is_empty() {
            let (path, entries) = (self.path.clone(), std::mem::take(&mut self.pending_names));
            Some(tokio::task::spawn_blocking(move || {
                let started = std::time::Instant::now();
                let built = crate::sqlite_names::build_beside(&path, entries);
                tracing::debug!(took = ?started.elapsed(), "name index built beside");
                built
            }))
        } else {
            let started = std::time::Instant::now();
            self.write_pending_names().await?;
            tracing::debug!(took = ?started.elapsed(), "pending name index written");
            None
        };
        let built_beside = beside.is_some();
        let result = self.finish_indexes(build_indexes, beside).await;
        if built_beside {
            crate::sqlite_names::remove_side(&self.path);
        }
        result
    }

    async fn finish_indexes(
        &mut self,
        build_indexes: bool,
        beside: Option<tokio::task::JoinHandle<StoreResult<PathBuf>>>,
    ) -> StoreResult<()> {
        self.call(move |c| {
            if build_indexes {
                c.execute_batch("PRAGMA threads = 2")?;
                for (name, ddl) in crate::bulk_indexes::DEFERRABLE {
                    let started = std::time::Instant::now();
                    c.execute_batch(ddl)?;
                    tracing::debug!(took = ?started.elapsed(), name, "deferred index built");
                }
            }
            Ok(())
        })
        .await?;
        self.rebuild_unique().await?;
        if let Some(handle) = beside {
            let side = handle
                .await
                .map_err(|e| StoreError::Native(format!("building the name index: {e}")))??;
            self.call(move |c| {
                let started = std::time::Instant::now();
                crate::sqlite_names::copy_back(c, &side)?;
                tracing::debug!(took = ?started.elapsed(), "name index copied in");
                Ok(())
            })
            .await?;
        }
        let started = std::time::Instant::now();
        self.commit_held().await?;
        tracing::debug!(took = ?started.elapsed(), "bulk load committed");
        self.call(move |c| {
            let started = std::time::Instant::now();
            c.execute_batch("PRAGMA wal_checkpoint(PASSIVE)")?;
            tracing::debug!(took = ?started.elapsed(), "log copied into the database");
            Ok(())
        })
        .await
    }
}

/// See [`crate::ledger_bulk::grid_places`].
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

/// Inserts (parent id, name) rows with `sql`, whose third parameter (if `extra` is
/// given) is computed from the name; returns (parent id, name) → new id.
fn insert_named(
    c: &Connection,
    sql: &str,
    rows: Vec<(i64, String)>,
    extra: Option<&ExtraColumn>,
) -> StoreResult<HashMap<(i64, String), i64>> {
    let mut st = c.prepare(sql)?;
    let mut out = HashMap::with_capacity(rows.len());
    for (parent, name) in rows {
        match extra {
            Some(f) => st.execute(params![parent, name, f(&name)])?,
            None => st.execute(params![parent, name])?,
        };
        out.insert((parent, name), c.last_insert_rowid());
    }
    Ok(out)
}

pub fn insert_buildings(
    c: &Connection,
    rows: Vec<(i64, String)>,
) -> StoreResult<HashMap<(i64, String), i64>> {
    let now = now_ms();
    insert_named(
        c,
        "INSERT INTO buildings (grid_id, name, created_at) VALUES (?1, ?2, ?3)",
        rows,
        Some(&move |_| Some(now)),
    )
}

pub fn insert_units(
    c: &Connection,
    rows: Vec<(i64, String)>,
) -> StoreResult<HashMap<(i64, String), i64>> {
    insert_named(
        c,
        "INSERT INTO units (building_id, name) VALUES (?1, ?2)",
        rows,
        None,
    )
}

pub fn insert_rooms(
    c: &Connection,
    rows: Vec<(i64, String)>,
) -> StoreResult<HashMap<(i64, String), i64>> {
    insert_named(
        c,
        "INSERT INTO rooms (unit_id, name, floor) VALUES (?1, ?2, ?3)",
        rows,
        Some(&floor_of),
    )
}

pub fn insert_households(
    c: &Connection,
    rows: Vec<NewHousehold>,
) -> StoreResult<HashMap<(i64, String), i64>> {
    let now = now_ms();
    let mut st = c.prepare(
        "INSERT INTO households (room_id, grid_id, ownership, area_centi, active, created_at, \
         updated_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)",
    )?;
    let mut out = HashMap::with_capacity(rows.len());
    for h in rows {
        st.execute(params![
            h.room_id,
            h.grid_id,
            h.ownership,
            h.area_centi,
            now
        ])?;
        out.insert((h.room_id, h.ownership), c.last_insert_rowid());
    }
    Ok(out)
}

pub fn set_household_area(c: &Connection, id: i64, area_centi: Option<i64>) -> StoreResult<()> {
    c.execute(
        "UPDATE households SET area_centi = ?1, updated_at = ?2 WHERE id = ?3",
        params![area_centi, now_ms(), id],
    )?;
    Ok(())
}

/// See [`crate::ledger_bulk::residents_by_id_index`].
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

/// See [`crate::ledger_bulk::insert_residents`]: the new ids in the order of `rows`.
pub fn insert_residents(
    c: &Connection,
    rows: Vec<ResidentRow>,
    batch: Option<i64>,
) -> StoreResult<Vec<i64>> {
    let now = now_ms();
    let mut st = c.prepare(
        "INSERT INTO residents (household_id, grid_id, name, gender, birth_ym, birth_date_enc, \
         id_number_enc, id_number_idx, phone_enc, phone_idx, phone_last4_idx, relation, \
         residence_status, created_at, updated_at, created_in_batch) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15)",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        st.execute(params![
            r.household_id,
            r.grid_id,
            r.name,
            r.gender,
            r.pii.birth_ym,
            r.pii.birth_date_enc,
            r.pii.id_number_enc,
            r.pii.id_number_idx,
            r.pii.phone_enc,
            r.pii.phone_idx,
            r.pii.phone_last4_idx,
            r.relation,
            r.residence_status,
            now,
            batch,
        ])?;
        out.push(c.last_insert_rowid());
    }
    Ok(out)
}

/// See [`crate::ledger_bulk::update_resident`].
pub fn update_resident(c: &Connection, id: i64, r: ResidentRow) -> StoreResult<()> {
    c.execute(
        "UPDATE residents SET household_id = ?1, grid_id = ?2, name = ?3, gender = ?4, \
         birth_ym = ?5, birth_date_enc = ?6, phone_enc = ?7, phone_idx = ?8, \
         phone_last4_idx = ?9, relation = ?10, residence_status = ?11, updated_at = ?12, \
         version = version + 1 WHERE id = ?13",
        params![
            r.household_id,
            r.grid_id,
            r.name,
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

/// See [`crate::ledger_bulk::replace_tags`].
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

/// See [`crate::search::index_residents`].
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
pub fn insert_batch(c: &Connection, b: &crate::ledger::NewBatch) -> StoreResult<i64> {
    c.execute(
        "INSERT INTO ledger_batches (at_ms, actor_user_id, actor_label, action, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![b.at_ms, b.actor_user_id, b.actor_label, b.action, b.reason],
    )?;
    Ok(c.last_insert_rowid())
}

/// See [`crate::ledger_bulk::insert_history`].
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

/// Appends one audit entry to the chain (see [`crate::audit::append`]).
pub fn audit_append(c: &Connection, fields: &AuditFields) -> StoreResult<i64> {
    let (last, head_hash): (i64, String) = c.query_row(
        "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let chained = crate::audit::chain(last - 1, head_hash, std::slice::from_ref(fields));
    let Some(e) = chained.first() else {
        return Err(StoreError::Corrupt("no audit entry was chained".into()));
    };
    let f = e.fields;
    c.execute(
        "INSERT INTO audit_log (seq, at_ms, actor_user_id, actor_token_id, actor_label, \
         action, target_type, target_id, scope_path, reason, details, prev_hash, hash) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            e.seq,
            f.at_ms,
            f.actor_user_id,
            f.actor_token_id,
            f.actor_label,
            f.action,
            f.target_type,
            f.target_id,
            f.scope_path,
            f.reason,
            f.details,
            e.prev_hash,
            e.hash
        ],
    )?;
    c.execute("UPDATE audit_head SET hash = ?1 WHERE id = 1", [&e.hash])?;
    Ok(e.seq)
}
