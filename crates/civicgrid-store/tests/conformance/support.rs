//! The harness behind `conformance!`: a fresh database per test, clean-up even when the
//! body panics, and small builders shared by the repository tests.

use std::future::Future;
use std::io::Write;
use std::sync::{Once, OnceLock};

use civicgrid_domain::platform::audit::AuditFields;
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::platform::org::{self, NewNode, OrgNode};
use civicgrid_store::{AnyConnection, Db, StoreError, StoreResult, Unique, commit};
use sqlx::AssertSqlSafe;
use tokio::task::JoinError;

/// Admin URL of a PostgreSQL server on which tests may create and drop databases.
pub const POSTGRES_ENV: &str = "CIVICGRID_TEST_POSTGRES_URL";

/// Runs `body` on a fresh, migrated SQLite database in a temporary directory.
pub async fn run_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_sqlite_at(None, body).await
}

/// Runs `body` on a fresh SQLite database migrated up to `version` (all: `None`).
pub async fn run_sqlite_at<F, Fut>(version: Option<i64>, body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let db = Db::open_sqlite(&dir.path().join("conformance.sqlite"))
        .await
        .expect("open the SQLite database");
    match version {
        None => db.migrate().await,
        Some(v) => db.migrate_to(v).await,
    }
    .expect("migrate the SQLite database");
    let outcome = tokio::spawn(body(db.clone())).await;
    db.close().await;
    drop(dir);
    if let Err(e) = outcome {
        resume(e);
    }
}

/// Runs `body` on a fresh, migrated PostgreSQL database `cg_test_<random>`, dropped
/// afterwards whatever happened; passes without running when the variable is unset.
pub async fn run_postgres<F, Fut>(body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_postgres_at(None, body).await
}

/// As [`run_postgres`], the database migrated up to `version` (all: `None`).
pub async fn run_postgres_at<F, Fut>(version: Option<i64>, body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(admin_url) = postgres_url() else {
        static NOTE: Once = Once::new();
        NOTE.call_once(|| {
            // Straight to stderr, past the test harness's capture, and only once.
            let _ = writeln!(
                std::io::stderr(),
                "note: {POSTGRES_ENV} is not set; the PostgreSQL conformance tests pass \
                 without running"
            );
        });
        return;
    };
    if let Some(why) = UNREACHABLE.get() {
        panic!("{POSTGRES_ENV} is set, but PostgreSQL could not be reached: {why}");
    }
    let name = format!("cg_test_{}", uuid::Uuid::new_v4().simple());
    let admin = match Db::connect(&admin_url).await {
        Ok(admin) => admin,
        Err(e) => {
            // The rest of the suite fails at once instead of waiting out the same error.
            let why = UNREACHABLE.get_or_init(|| e.to_string());
            panic!("{POSTGRES_ENV} is set, but PostgreSQL could not be reached: {why}");
        }
    };
    create_database(&admin, &name).await;

    let setup = async {
        let db = Db::connect(&with_database(&admin_url, &name)).await?;
        match version {
            None => db.migrate().await?,
            Some(v) => db.migrate_to(v).await?,
        }
        Ok::<Db, StoreError>(db)
    };
    let outcome = match setup.await {
        Ok(db) => {
            let outcome = tokio::spawn(body(db.clone())).await;
            db.close().await;
            outcome.map_err(Failure::Body)
        }
        Err(e) => Err(Failure::Setup(e)),
    };

    let dropped = admin
        .pool()
        .execute_sql(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
    admin.close().await;
    match outcome {
        Ok(()) => {}
        Err(Failure::Setup(e)) => panic!("could not set up database {name}: {e}"),
        Err(Failure::Body(e)) => resume(e),
    }
    if let Err(e) = dropped {
        panic!("could not drop database {name}: {e}");
    }
}

/// The admin URL the PostgreSQL variants run against; `None` when the variable is not
/// set. Set, it must be a PostgreSQL URL: a blank or other value fails the test rather
/// than letting the PostgreSQL variants pass without running (or run on SQLite).
pub fn postgres_url() -> Option<String> {
    let raw = std::env::var_os(POSTGRES_ENV)?;
    let url = raw
        .to_str()
        .unwrap_or_else(|| panic!("{POSTGRES_ENV} is not valid UTF-8"))
        .trim();
    assert!(
        url.starts_with("postgres://") || url.starts_with("postgresql://"),
        "{POSTGRES_ENV} must be a postgres:// URL (unset it to run on SQLite only), not {url:?}"
    );
    Some(url.to_owned())
}

/// Why the first PostgreSQL test could not connect, if one could not.
static UNREACHABLE: OnceLock<String> = OnceLock::new();

enum Failure {
    Setup(StoreError),
    Body(JoinError),
}

/// Creates the test database. It prefers an ICU `en-US` collation, which sorts unlike
/// bytes ("alice" before "Bob"), so that a query whose order depends on the database's
/// collation fails here instead of in production; servers without ICU (or older than
/// PostgreSQL 15) get the cluster's default.
async fn create_database(admin: &Db, name: &str) {
    let icu = admin
        .pool()
        .execute_sql(format!(
            "CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
        ))
        .await;
    if icu.is_err() {
        admin
            .pool()
            .execute_sql(format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
    }
}

/// The admin URL with its database replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let path = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    let mut out = format!("{}/{name}", &base[..path]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

fn resume(e: JoinError) -> ! {
    match e.try_into_panic() {
        Ok(payload) => std::panic::resume_unwind(payload),
        Err(e) => panic!("the test body did not finish: {e}"),
    }
}

/// Runs one dynamically built statement (tests only: database names, tampering).
pub trait ExecuteSql {
    fn execute_sql(&self, sql: String) -> impl Future<Output = StoreResult<u64>> + Send;
}

impl ExecuteSql for sqlx::AnyPool {
    async fn execute_sql(&self, sql: String) -> StoreResult<u64> {
        Ok(sqlx::query(AssertSqlSafe(sql))
            .execute(self)
            .await?
            .rows_affected())
    }
}

/// Whether a repository answered "not found".
pub fn not_found<T>(r: StoreResult<T>) -> bool {
    matches!(r, Err(StoreError::NotFound))
}

/// Whether a write was refused because another resident holds the ID number.
pub fn id_number_taken<T>(r: &StoreResult<T>) -> bool {
    matches!(r, Err(StoreError::Conflict(Unique::ResidentIdNumber)))
}

/// A fixed "now" for tests that pass times explicitly: 2023-11-14T22:13:20Z.
pub const T0: i64 = 1_700_000_000_000;
pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;

/// Inserts a node with names derived from its code.
pub async fn node(
    conn: &mut AnyConnection,
    parent: Option<&OrgNode>,
    kind: NodeKind,
    code: &str,
) -> OrgNode {
    let name_zh = format!("{code}名");
    let name_en = format!("{code} name");
    org::insert(
        conn,
        &NewNode {
            parent,
            kind,
            code,
            name_zh: &name_zh,
            name_en: &name_en,
            boundary: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("insert node {code}: {e}"))
}

/// One line of the hierarchy from a city down to a grid.
pub struct Chain {
    pub city: OrgNode,
    pub district: OrgNode,
    pub street: OrgNode,
    pub community: OrgNode,
    pub grid: OrgNode,
}

/// Inserts city C › district D › street S › community M › grid G.
pub async fn chain(conn: &mut AnyConnection) -> Chain {
    let city = node(conn, None, NodeKind::City, "C").await;
    let district = node(conn, Some(&city), NodeKind::District, "D").await;
    let street = node(conn, Some(&district), NodeKind::Street, "S").await;
    let community = node(conn, Some(&street), NodeKind::Community, "M").await;
    let grid = node(conn, Some(&community), NodeKind::Grid, "G").await;
    Chain {
        city,
        district,
        street,
        community,
        grid,
    }
}

/// A city (id 1) with districts D02..=D41 beneath it (ids 2..=41), so that both
/// `/1/4/` and `/1/40/` exist; index `i` of the result holds node id `i + 1`.
pub async fn wide_tree(db: &Db) -> Vec<OrgNode> {
    let mut tx = db.begin_write().await.unwrap();
    let city = node(&mut tx, None, NodeKind::City, "CITY").await;
    let mut nodes = vec![city.clone()];
    for i in 2..=41 {
        nodes.push(
            node(
                &mut tx,
                Some(&city),
                NodeKind::District,
                &format!("D{i:02}"),
            )
            .await,
        );
    }
    commit(tx).await.unwrap();
    for (i, n) in nodes.iter().enumerate() {
        assert_eq!(n.id, i as i64 + 1, "a fresh database numbers nodes from 1");
    }
    nodes
}

/// Audit fields with the given action, scope, actor and target; the rest fixed.
pub fn audit_fields(
    action: &str,
    scope_path: Option<&str>,
    actor_user_id: Option<i64>,
    target: (&str, &str),
) -> AuditFields {
    AuditFields {
        at_ms: T0,
        actor_user_id,
        actor_token_id: None,
        actor_label: actor_user_id.map_or_else(|| "system".to_owned(), |id| format!("user{id}")),
        action: action.to_owned(),
        target_type: target.0.to_owned(),
        target_id: target.1.to_owned(),
        scope_path: scope_path.map(str::to_owned),
        reason: None,
        details: r#"{"k":"v"}"#.to_owned(),
    }
}

#[test]
fn with_database_replaces_only_the_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/test?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgresql://h:5432", "x"),
        "postgresql://h:5432/x"
    );
}
