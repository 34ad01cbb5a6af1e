//! The dialect helpers: which backend a connection talks to, and the placeholders of
//! generated statements on each.

use civicgrid_store::dialect::{anon, backend_of, in_list, values_sql};
use civicgrid_store::{Backend, Db};

#[test]
fn values_lists_number_or_hide_their_placeholders() {
    assert_eq!(
        values_sql("INSERT INTO t (a, b)", 2, 2, "RETURNING id", false),
        "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4) RETURNING id"
    );
    assert_eq!(
        values_sql("INSERT INTO t (a)", 1, 2, "", true),
        "INSERT INTO t (a) VALUES (?),(?) "
    );
    assert_eq!(
        values_sql("INSERT INTO t (a)", 1, 11, "", false)
            .rsplit(',')
            .next(),
        Some("($11) ")
    );
}

#[test]
fn in_lists_number_or_hide_their_placeholders() {
    assert_eq!(in_list(3, false), "$1,$2,$3");
    assert_eq!(in_list(3, true), "?,?,?");
    assert_eq!(in_list(1, false), "$1");
    assert_eq!(in_list(0, true), "");
}

conformance!(the_connection_knows_its_backend, |db: Db| async move {
    let conn = db.read().await.unwrap();
    assert_eq!(backend_of(&conn), db.backend());
    // SQLite gets anonymous placeholders, PostgreSQL numbered ones.
    assert_eq!(anon(&conn), db.backend() == Backend::Sqlite);
});

conformance!(
    generated_statements_run_on_both_backends,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let sql = values_sql(
            "INSERT INTO request_settings (key, value, updated_at)",
            3,
            3,
            "",
            anon(&tx),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for k in ["a", "b", "c"] {
            q = q.bind(k).bind(format!("{k}-value")).bind(0i64);
        }
        q.execute(&mut *tx).await.unwrap();
        let sql = format!(
            "SELECT value FROM request_settings WHERE key IN ({}) ORDER BY key",
            in_list(2, anon(&tx))
        );
        let values: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind("c")
            .bind("a")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        assert_eq!(values, ["a-value", "c-value"]);
    }
);
