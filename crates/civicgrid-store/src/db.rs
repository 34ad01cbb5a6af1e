//! The database handle: an `AnyPool` (and on SQLite the one connection writes take) plus
//! which backend it talks to.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection, Executor, Transaction};

use crate::{StoreError, StoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A write transaction; dropped without `commit` it rolls back.
pub type WriteTx = Transaction<'static, Any>;
/// A pooled connection for reads.
pub type ReadConn = PoolConnection<Any>;

#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    /// SQLite: the one connection write transactions run on. SQLite lets one writer in
    /// at a time; writers queue for this connection in order, instead of each holding a
    /// connection of `pool` while it sleeps in SQLite's busy handler — which left
    /// reads waiting for a connection behind them (a welfare-check board read took
    /// 70 ms at the median while 200 checkers sent checks, against 2 ms idle).
    writer: Option<AnyPool>,
    backend: Backend,
    /// The database file, when SQLite runs on one (a bulk load opens it natively).
    sqlite_path: Option<std::path::PathBuf>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Applied to every new SQLite connection. `synchronous=FULL` makes an acknowledged
/// commit survive power loss; `busy_timeout` lets writers queue instead of failing.
/// Every SQLite connection: WAL, enforced foreign keys, durable commits; a 32 MiB page
/// cache (SQLite's default is 2 MiB, so a busy ledger's indexes would be read again
/// through the kernel on every write) and reads through a memory map of up to 1 GiB.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
     PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; PRAGMA cache_size = -32768; \
     PRAGMA mmap_size = 1073741824;";

impl Db {
    /// Opens (creating if needed) the SQLite database file at `path`.
    pub async fn open_sqlite(path: &Path) -> StoreResult<Db> {
        // The driver reads a URL and percent-decodes its path: escape what it would eat
        // ('%', '?', '#'), and make the path absolute so no part of it is taken for a host.
        let absolute = std::path::absolute(path).map_err(|e| StoreError::Database(e.into()))?;
        let path = absolute
            .display()
            .to_string()
            .replace('%', "%25")
            .replace('?', "%3F")
            .replace('#', "%23");
        let mut db = Db::connect(&format!("sqlite://{path}?mode=rwc")).await?;
        db.sqlite_path = Some(absolute);
        Ok(db)
    }

    /// Connects to `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                "DATABASE_URL must start with postgres:// or sqlite:".into(),
            )));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool_options = |max: u32| {
            AnyPoolOptions::new()
                .acquire_timeout(Duration::from_secs(15))
                // An embedded SQLite connection cannot drop away like a network one, so
                // a ping (a round trip to its worker thread) before every use buys nothing.
                .test_before_acquire(backend == Backend::Postgres)
                .max_connections(max)
        };
        let sqlite = |max: u32| {
            pool_options(max).after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(sqlx::raw_sql(SQLITE_PRAGMAS)).await?;
                    Ok(())
                })
            })
        };
        let (pool, writer) = match backend {
            Backend::Sqlite => (
                sqlite(8).connect_with(options.clone()).await?,
                Some(
                    sqlite(1)
                        .after_release(|conn, _meta| {
                            Box::pin(async move {
                                // A transaction dropped without a commit queued its
                                // rollback; once the ping is answered it has run. Should
                                // the connection still be inside one, the next writer
                                // gets a new connection instead.
                                conn.ping().await?;
                                let clean = !conn.is_in_transaction();
                                if !clean {
                                    tracing::warn!("the write connection came back inside a transaction: closed");
                                }
                                Ok(clean)
                            })
                        })
                        .connect_lazy_with(options),
                ),
            ),
            Backend::Postgres => (pool_options(16).connect_with(options).await?, None),
        };
        Ok(Db {
            pool,
            writer,
            backend,
            sqlite_path: None,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies this backend's migrations that have not run yet.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        // An import stopped half-way may have left deferred indexes unbuilt.
        let mut conn = self.pool.acquire().await?;
        crate::ledger::import::indexes::ensure(&mut conn).await?;
        // A migration that recreated the name index left it for Rust to refill; the
        // write lock is taken only then (and the check made again under it).
        let refill = self.backend == Backend::Sqlite
            && crate::ledger::search::name_index::needs_fill(&mut conn).await?;
        drop(conn);
        if refill {
            let mut tx = self.begin_write().await?;
            crate::ledger::search::name_index::ensure_filled(&mut tx).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Applies this backend's migrations up to and including `version` only: how an
    /// upgrade is rehearsed on a database as an older release left it.
    pub async fn migrate_to(&self, version: i64) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run_to(version, &self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run_to(version, &self.pool).await?,
        }
        Ok(())
    }

    /// A connection for reads.
    pub async fn read(&self) -> StoreResult<ReadConn> {
        Ok(self.pool.acquire().await?)
    }

    /// Starts a write transaction. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so it never fails half-way on a lock upgrade.
    pub async fn begin_write(&self) -> StoreResult<WriteTx> {
        Ok(match (&self.writer, self.backend) {
            (Some(writer), _) => writer.begin_with("BEGIN IMMEDIATE").await?,
            (None, Backend::Sqlite) => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            (None, Backend::Postgres) => self.pool.begin().await?,
        })
    }

    /// Starts a write transaction (as [`Self::begin_write`]) on a connection the caller
    /// holds, such as a writer task's own, sparing a trip through the pool.
    pub async fn begin_write_on<'c>(
        &self,
        conn: &'c mut sqlx::AnyConnection,
    ) -> StoreResult<Transaction<'c, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => conn.begin().await?,
        })
    }

    /// Writes a consistent copy of the SQLite database to `dest` (`VACUUM INTO`).
    pub async fn backup_sqlite(&self, dest: &Path) -> StoreResult<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Database(sqlx::Error::Configuration(
                "backup copies the embedded SQLite database; use pg_dump for PostgreSQL".into(),
            )));
        }
        let dest = dest.display().to_string();
        sqlx::query("VACUUM INTO $1")
            .bind(dest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Closes the pool's idle connections (it opens new ones when asked again);
    /// returns how many it still has open, all of them in use.
    pub async fn close_idle(&self) -> StoreResult<u32> {
        let mut open = 0;
        for pool in std::iter::once(&self.pool).chain(&self.writer) {
            while let Some(conn) = pool.try_acquire() {
                conn.close().await?;
            }
            open += pool.size();
        }
        Ok(open)
    }

    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        self.pool.close().await;
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// A savepoint inside the transaction `conn` is in: committing it releases it,
/// dropping it rolls back to it and leaves the rest of the transaction intact.
pub async fn savepoint(conn: &mut sqlx::AnyConnection) -> StoreResult<Transaction<'_, Any>> {
    Ok(conn.begin().await?)
}

/// Commits a write transaction.
pub async fn commit(tx: Transaction<'_, Any>) -> StoreResult<()> {
    Ok(tx.commit().await?)
}

impl Db {
    /// The SQLite database file, if this database is one.
    pub(crate) fn sqlite_path(&self) -> Option<&Path> {
        self.sqlite_path.as_deref()
    }
}
