//! One connection held for the length of a bulk load, whose write transactions run on
//! it one after another. On SQLite with a database file it is a native connection of
//! its own ([`crate::ledger::import::sqlite`]); otherwise (PostgreSQL) a pooled connection,
//! closed rather than returned to the pool when the load ends, so no other work
//! inherits its settings. A transaction dropped without [`BulkTx::commit`] is rolled
//! back (the caller drops the connection with it).

use civicgrid_domain::platform::audit::AuditFields;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Executor, Transaction};

use crate::ledger::import::names::LoadNames;
use crate::ledger::import::rows::{
    self as pooled, GridPlaces, HistoryRow, Named, NewHousehold, ResidentRow,
};
use crate::ledger::import::sqlite::SqliteBulk;
use crate::ledger::import::sqlite::rows::{self as native, PlaceLevel};
use crate::{Backend, Db, StoreResult};

pub enum BulkConn {
    Pooled {
        conn: PoolConnection<Any>,
        backend: Backend,
    },
    Native(SqliteBulk),
}

/// A write transaction of a bulk load.
pub enum BulkTx<'c> {
    Pooled(Transaction<'c, Any>),
    Native(&'c mut SqliteBulk),
}

impl Db {
    pub async fn bulk_conn(&self) -> StoreResult<BulkConn> {
        if let Some(path) = self.sqlite_path() {
            return Ok(BulkConn::Native(
                SqliteBulk::open(path.to_owned(), self.clone()).await?,
            ));
        }
        let mut conn = self.pool().acquire().await?;
        conn.close_on_drop();
        if self.backend() == Backend::Sqlite {
            conn.execute(sqlx::raw_sql(
                "PRAGMA cache_size = -131072; PRAGMA wal_autocheckpoint = 50000;",
            ))
            .await?;
        }
        Ok(BulkConn::Pooled {
            conn,
            backend: self.backend(),
        })
    }
}

impl BulkConn {
    /// Writes the whole load in one transaction where the backend allows it (a SQLite
    /// database file; see [`SqliteBulk::hold`]); elsewhere each chunk still commits.
    pub async fn hold(&mut self) -> StoreResult<()> {
        match self {
            BulkConn::Native(n) => n.hold().await,
            BulkConn::Pooled { .. } => Ok(()),
        }
    }

    /// Commits what a held load has written so far (see [`SqliteBulk::release`]).
    pub async fn release(&mut self) -> StoreResult<()> {
        match self {
            BulkConn::Native(n) => n.release().await,
            BulkConn::Pooled { .. } => Ok(()),
        }
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite).
    pub async fn begin(&mut self) -> StoreResult<BulkTx<'_>> {
        use sqlx::Connection;
        Ok(match self {
            BulkConn::Pooled { conn, backend } => BulkTx::Pooled(match backend {
                Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
                Backend::Postgres => conn.begin().await?,
            }),
            BulkConn::Native(n) => {
                n.begin().await?;
                BulkTx::Native(n)
            }
        })
    }

    /// Ends the load: builds the deferred indexes (see [`crate::ledger::import::indexes`]) if
    /// asked, and on SQLite copies the log into the database while this connection
    /// still holds it.
    pub async fn finish(self, build_indexes: bool) -> StoreResult<()> {
        match self {
            BulkConn::Pooled { mut conn, backend } => {
                if build_indexes {
                    crate::ledger::import::indexes::ensure(&mut conn).await?;
                }
                if backend == Backend::Sqlite {
                    conn.execute(sqlx::raw_sql("PRAGMA wal_checkpoint(PASSIVE);"))
                        .await?;
                }
                Ok(())
            }
            BulkConn::Native(n) => n.finish(build_indexes).await,
        }
    }
}

impl BulkTx<'_> {
    pub async fn commit(self) -> StoreResult<()> {
        match self {
            BulkTx::Pooled(tx) => crate::commit(tx).await,
            BulkTx::Native(n) => n.commit().await,
        }
    }

    /// Whether this load is the only connection to its database (see
    /// [`SqliteBulk::hold`]): nothing else may read or write it until the load ends,
    /// so the load reads what it needs through its own connection.
    ///
    /// Covered by: crates/civicgrid-app/tests/ledger/import.rs
    /// (the importer asks it of every held load)
    pub fn exclusive(&self) -> bool {
        match self {
            BulkTx::Native(n) => n.exclusive(),
            BulkTx::Pooled(_) => false,
        }
    }

    /// See [`pooled::grid_places`].
    pub async fn grid_places(&mut self, grid_id: i64) -> StoreResult<GridPlaces> {
        match self {
            BulkTx::Pooled(tx) => pooled::grid_places(tx, grid_id).await,
            BulkTx::Native(n) => n.call(move |c| native::grid_places(c, grid_id)).await,
        }
    }

    pub async fn insert_buildings(&mut self, rows: Vec<(i64, String)>) -> StoreResult<Named> {
        match self {
            BulkTx::Pooled(tx) => pooled::insert_buildings(tx, &rows).await,
            BulkTx::Native(n) => n.insert_places(PlaceLevel::Building, rows).await,
        }
    }

    pub async fn insert_units(&mut self, rows: Vec<(i64, String)>) -> StoreResult<Named> {
        match self {
            BulkTx::Pooled(tx) => pooled::insert_units(tx, &rows).await,
            BulkTx::Native(n) => n.insert_places(PlaceLevel::Unit, rows).await,
        }
    }

    pub async fn insert_rooms(&mut self, rows: Vec<(i64, String)>) -> StoreResult<Named> {
        match self {
            BulkTx::Pooled(tx) => pooled::insert_rooms(tx, &rows).await,
            BulkTx::Native(n) => n.insert_places(PlaceLevel::Room, rows).await,
        }
    }

    pub async fn insert_households(&mut self, rows: Vec<NewHousehold>) -> StoreResult<Named> {
        match self {
            BulkTx::Pooled(tx) => pooled::insert_households(tx, &rows).await,
            BulkTx::Native(n) => n.insert_households(rows).await,
        }
    }

    pub async fn set_household_area(&mut self, id: i64, area: Option<i64>) -> StoreResult<()> {
        match self {
            BulkTx::Pooled(tx) => pooled::set_household_area(tx, id, area).await,
            BulkTx::Native(n) => {
                n.write(move |c| native::set_household_area(c, id, area))
                    .await
            }
        }
    }

    pub async fn residents_by_id_index(
        &mut self,
        indexes: Vec<Vec<u8>>,
    ) -> StoreResult<Vec<pooled::StoredResident>> {
        match self {
            BulkTx::Pooled(tx) => pooled::residents_by_id_index(tx, &indexes).await,
            BulkTx::Native(n) => {
                n.call(move |c| native::residents_by_id_index(c, indexes))
                    .await
            }
        }
    }

    /// Inserts residents created by the bulk act `batch` (see [`Self::insert_batch`]);
    /// returns their ids in the order of `rows`.
    pub async fn insert_residents(
        &mut self,
        rows: Vec<ResidentRow>,
        batch: Option<i64>,
    ) -> StoreResult<Vec<i64>> {
        match self {
            BulkTx::Pooled(tx) => pooled::insert_residents(tx, &rows, batch).await,
            BulkTx::Native(n) => n.insert_residents(rows, batch).await,
        }
    }

    /// Records the bulk act this transaction performs, now, by the given actor; the
    /// residents it creates name it (their history shows it).
    pub async fn insert_batch(
        &mut self,
        actor_user_id: Option<i64>,
        actor_label: String,
        action: &'static str,
        reason: String,
    ) -> StoreResult<i64> {
        let b = crate::ledger::NewBatch {
            at_ms: crate::now_ms(),
            actor_user_id,
            actor_label,
            action: action.to_owned(),
            reason: Some(reason),
        };
        match self {
            BulkTx::Pooled(tx) => crate::ledger::insert_batch(tx, &b).await,
            BulkTx::Native(n) => n.insert_batch(b).await,
        }
    }

    pub async fn update_resident(&mut self, id: i64, row: ResidentRow) -> StoreResult<()> {
        match self {
            BulkTx::Pooled(tx) => pooled::update_resident(tx, id, &row).await,
            BulkTx::Native(n) => n.write(move |c| native::update_resident(c, id, row)).await,
        }
    }

    pub async fn replace_tags(
        &mut self,
        residents: Vec<i64>,
        tags: Vec<(i64, String)>,
    ) -> StoreResult<()> {
        match self {
            BulkTx::Pooled(tx) => pooled::replace_tags(tx, &residents, &tags).await,
            BulkTx::Native(n) => {
                n.write(move |c| native::replace_tags(c, residents, tags))
                    .await
            }
        }
    }

    /// See [`crate::ledger::search::index_residents`].
    pub async fn index_residents(
        &mut self,
        entries: Vec<(i64, String)>,
        replace: bool,
    ) -> StoreResult<()> {
        match self {
            BulkTx::Pooled(tx) => {
                crate::ledger::search::index_residents(tx, &entries, replace).await
            }
            BulkTx::Native(n) => n.index_residents(entries, replace).await,
        }
    }

    /// Adds a load's new residents to the name index by the number of their name in
    /// `names`, the load's names so far (see [`crate::ledger::import::names`]). On SQLite a held
    /// load gathers them into its name postings when it ends.
    pub async fn index_new_residents(
        &mut self,
        names: &LoadNames,
        residents: Vec<(i64, u32)>,
    ) -> StoreResult<()> {
        match self {
            BulkTx::Pooled(tx) => {
                let entries = names.expand(&residents)?;
                crate::ledger::search::index_residents(tx, &entries, false).await
            }
            BulkTx::Native(n) => n.index_new_residents(names, residents).await,
        }
    }

    pub async fn insert_history(
        &mut self,
        actor_user_id: Option<i64>,
        actor_label: String,
        reason: String,
        rows: Vec<HistoryRow>,
    ) -> StoreResult<()> {
        match self {
            BulkTx::Pooled(tx) => {
                pooled::insert_history(tx, actor_user_id, &actor_label, &reason, &rows).await
            }
            BulkTx::Native(n) => {
                n.write(move |c| {
                    native::insert_history(c, actor_user_id, &actor_label, &reason, rows)
                })
                .await
            }
        }
    }

    /// Appends one entry to the audit chain in this transaction.
    pub async fn audit_append(&mut self, fields: AuditFields) -> StoreResult<i64> {
        match self {
            BulkTx::Pooled(tx) => crate::platform::audit::append(tx, &fields).await,
            BulkTx::Native(n) => n.audit_append(fields).await,
        }
    }
}
