//! civicgrid use cases: one function per user action. Authorization is decided here
//! (through [`authz`]), and every governance change writes its audit entry in the same
//! transaction as the change.
#![forbid(unsafe_code)]

pub mod authz;
pub mod care;
pub mod emergency;
mod error;
pub mod insight;
pub mod ledger;
pub mod participation;
mod photo;
pub mod platform;
pub mod privacy;
pub mod requests;

use std::sync::Arc;

pub use civicgrid_domain as domain;
pub use error::{AppError, AppResult};

/// Milliseconds since the Unix epoch, now: the clock the use cases and their callers
/// read (times are stored in UTC milliseconds).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

use civicgrid_store::Db;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// A session expires after this long without use.
    pub session_idle_secs: i64,
    /// How many password hashes may be computed at once (each takes ~19 MiB and a core).
    pub password_hash_concurrency: usize,
    /// Keys sealing personal data; the command line loads them from outside the
    /// database. The default is a random key for throw-away databases (tests).
    pub field_keys: civicgrid_store::crypto::FieldKeys,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            session_idle_secs: 8 * 3600,
            password_hash_concurrency: 2,
            field_keys: civicgrid_store::crypto::FieldKeys::ephemeral(),
        }
    }
}

/// The application: the database plus the shared resources of the use cases.
#[derive(Clone)]
pub struct App {
    db: Db,
    config: AppConfig,
    hasher: Arc<platform::password::Hasher>,
    requests: Arc<requests::Shared>,
    verified_tokens: Arc<platform::token_cache::TokenCache>,
}

impl App {
    pub fn new(db: Db, config: AppConfig) -> App {
        let hasher = Arc::new(platform::password::Hasher::new(
            config.password_hash_concurrency,
        ));
        App {
            db,
            config,
            hasher,
            requests: Arc::new(requests::Shared::default()),
            verified_tokens: Arc::new(platform::token_cache::TokenCache::default()),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }
}

impl App {
    /// Checks that the database answers.
    pub async fn health(&self) -> AppResult<()> {
        let mut conn = self.db.read().await?;
        civicgrid_store::platform::org::count(&mut conn).await?;
        Ok(())
    }
}
