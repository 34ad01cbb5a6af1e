//! Persistence for civicgrid: one [`Db`] over SQLite or PostgreSQL, per-backend
//! migrations, and one repository module per capability.
//!
//! Repository functions take `&mut AnyConnection`, so the same function runs on a pooled
//! connection for a read or inside a write transaction; one query text serves both
//! backends (`$1` placeholders, `RETURNING`, BIGINT times in milliseconds).
#![forbid(unsafe_code)]

pub mod care;
pub mod crypto;
mod db;
pub mod dialect;
pub mod emergency;
pub mod insight;
pub mod ledger;
pub mod participation;
pub mod platform;
pub mod privacy;
mod repo;
pub mod requests;
mod unique;

pub use db::{Backend, Db, ReadConn, WriteTx, commit, savepoint};
pub use sqlx::AnyConnection;
pub use unique::Unique;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken: which one, by its constraint's name.
    #[error("already exists: {0}")]
    Conflict(Unique),
    /// The record was changed by someone else since the caller read it (its version
    /// moved on).
    #[error("the record was changed by someone else")]
    Stale,
    /// A change that cannot apply to the records as they stand.
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// An error of the native SQLite connection a bulk load writes on.
    #[error("database error: {0}")]
    Native(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(Unique::of_violation(d.constraint(), d.message()))
            }
            _ => StoreError::Database(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Upper bound for a materialised-path prefix range: every path inside the subtree of
/// `prefix` sorts in `[prefix, prefix_end(prefix))` (paths hold only digits and `/`).
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}~")
}

/// Runs one statement outside the repositories: for operators' maintenance and for
/// tests that must change data behind the application's back.
pub async fn raw_execute(conn: &mut AnyConnection, sql: &'static str) -> StoreResult<u64> {
    Ok(sqlx::query(sql).execute(conn).await?.rows_affected())
}
