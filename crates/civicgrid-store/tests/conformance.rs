//! Store conformance suite: every public repository function, run on SQLite always and
//! on PostgreSQL when `CIVICGRID_TEST_POSTGRES_URL` is set (an admin URL, e.g.
//! `postgres://postgres@127.0.0.1:5432/test`). Each test gets a fresh database.
//!
//! A test is written once with [`conformance!`], which expands to a module holding a
//! `sqlite` and a `postgres` test function.

/// `conformance!(name, |db: Db| async move { ... });` defines `mod name` with the
/// tests `name::sqlite` and `name::postgres`. The body gets a freshly migrated [`Db`];
/// the postgres variant passes without running when the variable is unset, and fails
/// when it is set but PostgreSQL cannot be reached.
macro_rules! conformance {
    ($(#[$meta:meta])* $name:ident, $body:expr $(,)?) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                crate::support::run_sqlite($body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                crate::support::run_postgres($body).await;
            }
        }
    };
}

/// A conformance test that starts from a database as migration `$version` left it.
macro_rules! upgrade {
    ($(#[$meta:meta])* $name:ident, $version:expr, $body:expr $(,)?) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                crate::support::run_sqlite_at(Some($version), $body).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                crate::support::run_postgres_at(Some($version), $body).await;
            }
        }
    };
}

#[path = "conformance/support.rs"]
mod support;

#[path = "conformance/accounts.rs"]
mod accounts;
#[path = "conformance/audit.rs"]
mod audit;
#[path = "conformance/bulk_indexes.rs"]
mod bulk_indexes;
#[path = "conformance/care_visits.rs"]
mod care_visits;
#[path = "conformance/commitments.rs"]
mod commitments;
#[path = "conformance/coverage.rs"]
mod coverage;
#[path = "conformance/data_access.rs"]
mod data_access;
#[path = "conformance/db.rs"]
mod db;
#[path = "conformance/deliberation.rs"]
mod deliberation;
#[path = "conformance/dialect.rs"]
mod dialect;
#[path = "conformance/emergency.rs"]
mod emergency;
#[path = "conformance/emergency_materials.rs"]
mod emergency_materials;
#[path = "conformance/harness.rs"]
mod harness;
#[path = "conformance/import_jobs.rs"]
mod import_jobs;
#[path = "conformance/insight.rs"]
mod insight;
#[path = "conformance/ledger.rs"]
mod ledger;
#[path = "conformance/ledger_bulk.rs"]
mod ledger_bulk;
#[path = "conformance/ledger_places.rs"]
mod ledger_places;
#[path = "conformance/name_index.rs"]
mod name_index;
#[path = "conformance/notices.rs"]
mod notices;
#[path = "conformance/org.rs"]
mod org;
#[path = "conformance/participation.rs"]
mod participation;
#[path = "conformance/party.rs"]
mod party;
#[path = "conformance/requests.rs"]
mod requests;
#[path = "conformance/requests_overview.rs"]
mod requests_overview;
#[path = "conformance/requests_side.rs"]
mod requests_side;
#[path = "conformance/search.rs"]
mod search;
#[path = "conformance/sessions.rs"]
mod sessions;
#[path = "conformance/tokens.rs"]
mod tokens;
#[path = "conformance/unique.rs"]
mod unique;
#[path = "conformance/upgrades.rs"]
mod upgrades;
#[path = "conformance/volunteers.rs"]
mod volunteers;
#[path = "conformance/vote_rooms.rs"]
mod vote_rooms;
#[path = "conformance/vote_totals.rs"]
mod vote_totals;
#[path = "conformance/welfare_checks.rs"]
mod welfare_checks;
