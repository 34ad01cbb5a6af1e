//! The SQLite side of a bulk load, on a native connection of its own.
//!
//! A million-row import spends most of its time handing values to the database, so on
//! SQLite the load bypasses the pooled driver: one `rusqlite` connection to the same
//! file (the same SQLite library, so file locks are shared correctly), on a thread of
//! its own ([`crate::ledger::import::sqlite::worker`]); the rows are written by
//! [`crate::ledger::import::sqlite::rows`]. A held load (one transaction for the whole load, see
//! [`SqliteBulk::hold`]) gives new rows their ids itself, from the largest id of each
//! table when its transaction began: no other connection can write until it commits.
//! Its writes then have nothing to return and are queued without waiting, so the
//! importer prepares the next chunk while the database writes this one. Dropping the
//! connection mid-transaction rolls it back.

pub(crate) mod index_build;
pub(crate) mod rows;
pub(crate) mod worker;

use std::path::PathBuf;

use civicgrid_domain::platform::audit::AuditFields;
use rusqlite::{Connection, OpenFlags};

use crate::ledger::import::names::LoadNames;
use crate::ledger::import::rows::{Named, NewHousehold, ResidentRow};
use crate::ledger::import::sqlite::worker::BulkWorker;
use crate::{Db, StoreError, StoreResult};
use rows::PlaceLevel;

/// Settings of the load's connection: durable commits and enforced foreign keys as
/// everywhere (a held load checks them at its commits instead, see
/// [`SqliteBulk::hold`]), a 256 MiB page cache so the indexes a load keeps touching stay in
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
                let message = msg.clone().unwrap_or_else(|| e.to_string());
                StoreError::Conflict(crate::Unique::of_violation(None, &message))
            }
            _ => StoreError::Native(e.to_string()),
        }
    }
}

/// A native connection for one bulk load.
pub struct SqliteBulk {
    worker: BulkWorker,
    /// The database file.
    path: PathBuf,
    /// The pool of the same database, whose idle connections a held load closes.
    db: Db,
    /// A held load that found itself the database's only connection switched it from
    /// the write-ahead log to a rollback journal until it ends (see [`Self::hold`]).
    rollback_journal: bool,
    /// The load's chunks share one transaction, committed by [`SqliteBulk::finish`].
    held: bool,
    /// The ids the held load's open transaction gives the rows it inserts next (set
    /// while that transaction is open).
    next: Option<NextIds>,
    /// The held load dropped the unique ID-number index in its transaction: no other
    /// writer can add a resident until the index is built again before it commits.
    unique_dropped: bool,
    /// The held load has committed at least once (other writers may have run since).
    released: bool,
    /// The held load's references are checked and it writes no more rows before it
    /// commits (see [`check_references`]).
    references_checked: bool,
    /// A held load's new residents by name number in `names`, whose name index is
    /// written in one pass before it commits (see [`crate::ledger::import::postings`]).
    pending_names: Vec<(i64, u32)>,
    /// The names of the load's new residents (see [`crate::ledger::import::names`]).
    names: LoadNames,
}

/// The next id of each table a load inserts into, and the audit chain's last entry.
#[derive(Debug, Clone, Copy)]
struct NextIds {
    building: i64,
    unit: i64,
    room: i64,
    household: i64,
    resident: i64,
    batch: i64,
    audit_seq: i64,
}

impl NextIds {
    /// Read in the load's open transaction (which keeps every other writer out).
    fn read(c: &Connection) -> StoreResult<NextIds> {
        Ok(c.query_row(
            "SELECT (SELECT coalesce(max(id), 0) FROM buildings), \
             (SELECT coalesce(max(id), 0) FROM units), (SELECT coalesce(max(id), 0) FROM rooms), \
             (SELECT coalesce(max(id), 0) FROM households), \
             (SELECT coalesce(max(id), 0) FROM residents), \
             (SELECT coalesce(max(id), 0) FROM ledger_batches), \
             (SELECT coalesce(max(seq), 0) FROM audit_head WHERE id = 1)",
            [],
            |r| {
                Ok(NextIds {
                    building: r.get::<_, i64>(0)? + 1,
                    unit: r.get::<_, i64>(1)? + 1,
                    room: r.get::<_, i64>(2)? + 1,
                    household: r.get::<_, i64>(3)? + 1,
                    resident: r.get::<_, i64>(4)? + 1,
                    batch: r.get::<_, i64>(5)? + 1,
                    audit_seq: r.get(6)?,
                })
            },
        )?)
    }

    fn place(&mut self, level: PlaceLevel) -> &mut i64 {
        match level {
            PlaceLevel::Building => &mut self.building,
            PlaceLevel::Unit => &mut self.unit,
            PlaceLevel::Room => &mut self.room,
        }
    }
}

/// Switches the database from its write-ahead log to a rollback journal, unless
/// another connection has it open (then it stays as it is): whether it did.
fn leave_wal(c: &Connection) -> StoreResult<bool> {
    let waits: u32 = c.query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
    c.busy_timeout(std::time::Duration::ZERO)?;
    let mode = c.query_row("PRAGMA journal_mode = DELETE", [], |r| {
        r.get::<_, String>(0)
    });
    c.busy_timeout(std::time::Duration::from_millis(waits.into()))?;
    match mode {
        Ok(mode) => Ok(mode.eq_ignore_ascii_case("delete")),
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::DatabaseBusy =>
        {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes the pages the load has changed into the database (or its log) ahead of the
/// commit, inside the open transaction, and starts them on their way to the disk
/// ([`crate::ledger::import::writeback`]) while the load works on: the commit is left the pages
/// changed since and an `fsync` with little to wait for. Only a head start: should the
/// file be busy, the commit writes them as it would have.
fn write_ahead_of_commit(c: &Connection, db: &std::path::Path) {
    let started = std::time::Instant::now();
    match c.cache_flush() {
        Ok(()) => {
            tracing::debug!(took = ?started.elapsed(), "pages written ahead of the commit");
            crate::ledger::import::writeback::start(db);
        }
        Err(e) => tracing::debug!(error = %e, "pages left for the commit"),
    }
}

/// Checks every reference of the database in the open transaction, as a held load
/// commits: it writes with foreign keys unenforced ([`SqliteBulk::hold`]), and one pass
/// over each table, its parents' cursors moving forward with its keys, costs a
/// fraction of a lookup per row inserted. A broken reference is an error naming it,
/// and the caller rolls the load back.
fn check_references(c: &Connection) -> StoreResult<()> {
    let started = std::time::Instant::now();
    let mut check = c.prepare("PRAGMA foreign_key_check")?;
    let mut broken = check.query([])?;
    if let Some(row) = broken.next()? {
        let table: String = row.get(0)?;
        let rowid: Option<i64> = row.get(1)?;
        let parent: String = row.get(2)?;
        return Err(StoreError::Corrupt(format!(
            "row {} of {table} names a {parent} row that does not exist; nothing was written",
            rowid.map_or_else(|| "?".to_owned(), |r| r.to_string())
        )));
    }
    tracing::debug!(took = ?started.elapsed(), "references checked");
    Ok(())
}

/// Takes `n` ids from `next`; returns the first.
fn take(next: &mut i64, n: usize) -> i64 {
    let first = *next;
    *next += n as i64;
    first
}

impl SqliteBulk {
    /// Opens the database file at `path` (which must exist: the pool created it).
    pub async fn open(path: PathBuf, db: Db) -> StoreResult<SqliteBulk> {
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
            worker: BulkWorker::start(conn)?,
            path: file,
            db,
            rollback_journal: false,
            held: false,
            next: None,
            unique_dropped: false,
            released: false,
            references_checked: false,
            pending_names: Vec::new(),
            names: LoadNames::default(),
        })
    }

    /// Runs `f` on the connection after everything queued before it.
    ///
    /// Covered by: crates/civicgrid-store/tests/conformance/ledger_bulk.rs
    /// (every BulkTx write on SQLite runs through it)
    pub async fn call<R, F>(&mut self, f: F) -> StoreResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    {
        self.worker.call(f).await
    }

    /// Runs the write `f`, whose outcome is only success or failure: queued without
    /// waiting in a held load's open transaction, else awaited.
    pub async fn write<F>(&mut self, f: F) -> StoreResult<()>
    where
        F: FnOnce(&Connection) -> StoreResult<()> + Send + 'static,
    {
        if self.next.is_some() {
            self.worker.submit(f).await
        } else {
            self.worker.call(f).await
        }
    }

    /// Makes the chunks of this load one transaction: the first `begin` opens it, the
    /// chunks' commits leave it open, and [`SqliteBulk::finish`] commits it with the
    /// deferred indexes built inside. Other writers wait until then; dropping the
    /// connection before rolls the whole load back.
    ///
    /// A held load checks its references once per commit instead of once per row
    /// (see [`check_references`]): enforced row by row, they took 40% of the time its
    /// connection spent writing a million residents.
    ///
    /// A load that finds itself the database's only connection (the pool's idle ones
    /// closed, no other process) switches it to a rollback journal until it ends: its
    /// commit then writes each page into the database once, where the write-ahead log
    /// would take it twice (into the log, then copied back). Nothing else can connect
    /// meanwhile (a pooled connection would switch it back), so such a load reads
    /// through its own connection ([`Self::exclusive`]).
    pub async fn hold(&mut self) -> StoreResult<()> {
        self.held = true;
        let alone = self.db.close_idle().await? == 0;
        self.rollback_journal = self
            .worker
            .call(move |c| {
                c.execute_batch("PRAGMA cache_size = -2097152; PRAGMA foreign_keys = OFF")?;
                if alone { leave_wal(c) } else { Ok(false) }
            })
            .await?;
        tracing::debug!(rollback_journal = self.rollback_journal, "bulk load held");
        Ok(())
    }

    /// Whether this load has the database to itself (see [`Self::hold`]).
    ///
    /// Covered by: crates/civicgrid-app/tests/ledger/import.rs
    /// (through BulkConn::exclusive on held loads)
    pub fn exclusive(&self) -> bool {
        self.rollback_journal
    }

    /// `BEGIN IMMEDIATE` (after rolling back whatever an abandoned chunk left open);
    /// in a held load, only when none is open. A held load's first transaction drops
    /// the unique ID-number index: the reader has refused duplicates within the file,
    /// the ledger was empty, and no one else writes until the index is back.
    pub async fn begin(&mut self) -> StoreResult<()> {
        if self.next.is_some() {
            return Ok(());
        }
        let (held, drop_unique) = (self.held, self.held && !self.released);
        let next = self
            .call(move |c| {
                if !c.is_autocommit() {
                    c.execute_batch("ROLLBACK")?;
                }
                c.execute_batch("BEGIN IMMEDIATE")?;
                if drop_unique {
                    c.execute_batch("DROP INDEX IF EXISTS residents_id_number")?;
                }
                if held {
                    Ok(Some(NextIds::read(c)?))
                } else {
                    Ok(None)
                }
            })
            .await?;
        self.unique_dropped |= drop_unique;
        self.next = next;
        Ok(())
    }

    /// Commits the open transaction, if any, after building the unique ID-number
    /// index again where this load dropped it.
    async fn commit_held(&mut self) -> StoreResult<()> {
        self.rebuild_unique().await?;
        self.next = None;
        let check = self.held && !std::mem::take(&mut self.references_checked);
        self.call(move |c| {
            if check && !c.is_autocommit() {
                check_references(c)?;
            }
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
            crate::ledger::import::sqlite::index_build::build(
                c,
                &[(
                    "residents_id_number",
                    crate::ledger::import::indexes::ID_NUMBER_UNIQUE,
                )],
            )
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

    /// Inserts buildings, units or rooms as (parent id, name).
    ///
    /// Covered by: crates/civicgrid-store/tests/conformance/ledger_bulk.rs
    /// (BulkTx::insert_buildings, insert_units and insert_rooms on SQLite)
    pub async fn insert_places(
        &mut self,
        level: PlaceLevel,
        places: Vec<(i64, String)>,
    ) -> StoreResult<Named> {
        let Some(next) = self.next.as_mut() else {
            return self
                .call(move |c| {
                    let ids = rows::insert_places(c, level, &places, None)?;
                    Ok(rows::named_ids(&places, ids))
                })
                .await;
        };
        let first = take(next.place(level), places.len());
        let named = rows::named_ids(&places, first..);
        self.worker
            .submit(move |c| rows::insert_places(c, level, &places, Some(first)).map(drop))
            .await?;
        Ok(named)
    }

    /// Inserts households; returns (room id, ownership) → id.
    pub async fn insert_households(&mut self, households: Vec<NewHousehold>) -> StoreResult<Named> {
        let Some(next) = self.next.as_mut() else {
            return self
                .call(move |c| {
                    let ids = rows::insert_households(c, &households, None)?;
                    Ok(rows::household_ids(&households, ids))
                })
                .await;
        };
        let first = take(&mut next.household, households.len());
        let named = rows::household_ids(&households, first..);
        self.worker
            .submit(move |c| rows::insert_households(c, &households, Some(first)).map(drop))
            .await?;
        Ok(named)
    }

    /// Inserts residents created by the bulk act `batch`; their ids in order.
    pub async fn insert_residents(
        &mut self,
        residents: Vec<ResidentRow>,
        batch: Option<i64>,
    ) -> StoreResult<Vec<i64>> {
        let Some(next) = self.next.as_mut() else {
            return self
                .call(move |c| rows::insert_residents(c, &residents, batch, None))
                .await;
        };
        let first = take(&mut next.resident, residents.len());
        let ids = (first..first + residents.len() as i64).collect();
        self.worker
            .submit(move |c| rows::insert_residents(c, &residents, batch, Some(first)).map(drop))
            .await?;
        Ok(ids)
    }

    /// Records a bulk act; returns its id.
    pub async fn insert_batch(&mut self, b: crate::ledger::NewBatch) -> StoreResult<i64> {
        let Some(next) = self.next.as_mut() else {
            return self.call(move |c| rows::insert_batch(c, &b, None)).await;
        };
        let id = take(&mut next.batch, 1);
        self.worker
            .submit(move |c| rows::insert_batch(c, &b, Some(id)).map(drop))
            .await?;
        Ok(id)
    }

    /// Appends one entry to the audit chain; returns its sequence number.
    pub async fn audit_append(&mut self, fields: AuditFields) -> StoreResult<i64> {
        let Some(next) = self.next.as_mut() else {
            return self.call(move |c| rows::audit_append(c, &fields)).await;
        };
        next.audit_seq += 1;
        let seq = next.audit_seq;
        self.worker
            .submit(move |c| match rows::audit_append(c, &fields)? {
                s if s == seq => Ok(()),
                s => Err(StoreError::Corrupt(format!(
                    "the audit chain moved during a held load (entry {s}, expected {seq})"
                ))),
            })
            .await?;
        Ok(seq)
    }

    /// Adds residents to the name index (see [`crate::ledger::search::index_residents`]).
    pub async fn index_residents(
        &mut self,
        entries: Vec<(i64, String)>,
        replace: bool,
    ) -> StoreResult<()> {
        self.write(move |c| rows::index_residents(c, entries, replace))
            .await
    }

    /// Adds new residents to the name index by the number of their name in `names`
    /// (see [`crate::ledger::import::conn::BulkTx::index_new_residents`]); a held load's wait for
    /// [`Self::write_pending_names`] or its name postings.
    pub async fn index_new_residents(
        &mut self,
        names: &LoadNames,
        residents: Vec<(i64, u32)>,
    ) -> StoreResult<()> {
        if !self.held {
            let entries = names.expand(&residents)?;
            return self.index_residents(entries, false).await;
        }
        self.names.catch_up(names);
        self.names.check(&residents)?;
        self.pending_names.extend(residents);
        Ok(())
    }

    async fn write_pending_names(&mut self) -> StoreResult<()> {
        if self.pending_names.is_empty() {
            return Ok(());
        }
        let entries = self
            .names
            .expand(&std::mem::take(&mut self.pending_names))?;
        self.call(move |c| rows::index_residents(c, entries, false))
            .await
    }

    /// Commits the chunk's transaction (a no-op in a held load).
    pub async fn commit(&mut self) -> StoreResult<()> {
        if self.held {
            return Ok(());
        }
        self.call(|c| Ok(c.execute_batch("COMMIT")?)).await
    }

    /// Ends the load: builds the deferred indexes if asked (sorting in runs, see
    /// [`crate::ledger::import::sqlite::index_build`]), commits a held load, then copies the log
    /// into the database while this connection still holds it. A held load gathers its
    /// new residents' name index meanwhile and writes it in one pass (see
    /// [`crate::ledger::import::postings`]).
    pub async fn finish(mut self, build_indexes: bool) -> StoreResult<()> {
        let postings = if self.held && !self.pending_names.is_empty() {
            let entries = std::mem::take(&mut self.pending_names);
            let names = std::mem::take(&mut self.names);
            Some(tokio::task::spawn_blocking(move || {
                let started = std::time::Instant::now();
                let postings = crate::ledger::import::postings::build(&names, &entries);
                tracing::debug!(took = ?started.elapsed(), terms = postings.len(), "name index gathered");
                postings
            }))
        } else {
            let started = std::time::Instant::now();
            self.write_pending_names().await?;
            tracing::debug!(took = ?started.elapsed(), "pending name index written");
            None
        };
        let result = self.finish_indexes(build_indexes, postings).await;
        let closed = self.worker.close().await;
        result.and(closed)
    }

    /// See [`write_ahead_of_commit`].
    async fn write_ahead(&mut self) -> StoreResult<()> {
        let db = self.path.clone();
        self.call(move |c| {
            write_ahead_of_commit(c, &db);
            Ok(())
        })
        .await
    }

    async fn finish_indexes(
        &mut self,
        build_indexes: bool,
        postings: Option<tokio::task::JoinHandle<crate::ledger::import::postings::Postings>>,
    ) -> StoreResult<()> {
        let started = std::time::Instant::now();
        self.call(|_| Ok(())).await?;
        let busy = self.worker.busy();
        tracing::debug!(busy = ?busy.total, waited = ?started.elapsed(), "bulk load written");
        for (kind, took) in &busy.by_kind {
            tracing::debug!(?took, kind, "bulk load calls");
        }
        // A held load's references are checked first, while its name index is gathered
        // beside; its rows go to the disk while its indexes are built, its indexes
        // while its name index is written.
        if self.held {
            self.call(check_references).await?;
            self.references_checked = true;
            self.write_ahead().await?;
        }
        self.call(move |c| {
            if build_indexes {
                crate::ledger::import::sqlite::index_build::build(
                    c,
                    crate::ledger::import::indexes::DEFERRABLE,
                )?;
            }
            Ok(())
        })
        .await?;
        self.rebuild_unique().await?;
        if self.held {
            self.write_ahead().await?;
        }
        if let Some(handle) = postings {
            let postings = handle
                .await
                .map_err(|e| StoreError::Native(format!("gathering the name index: {e}")))?;
            self.call(move |c| {
                let started = std::time::Instant::now();
                crate::ledger::import::postings::write(c, &postings)?;
                tracing::debug!(took = ?started.elapsed(), "name index written");
                Ok(())
            })
            .await?;
        }
        let started = std::time::Instant::now();
        self.commit_held().await?;
        tracing::debug!(took = ?started.elapsed(), "bulk load committed");
        let rollback_journal = std::mem::take(&mut self.rollback_journal);
        self.call(move |c| {
            if rollback_journal {
                // Should this fail, the pool's next connection switches it back.
                if let Err(e) = c.execute_batch("PRAGMA journal_mode = WAL") {
                    tracing::warn!(error = %e, "the database stays on a rollback journal for now");
                }
            } else {
                let started = std::time::Instant::now();
                c.execute_batch("PRAGMA wal_checkpoint(PASSIVE)")?;
                tracing::debug!(took = ?started.elapsed(), "log copied into the database");
            }
            Ok(())
        })
        .await
    }
}
