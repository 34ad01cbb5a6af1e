//! The name search index: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL. The
//! dialect difference lives here and nowhere else.

use sqlx::AnyConnection;

use crate::{Backend, StoreResult};

/// Which backend a connection talks to.
pub fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("PostgreSQL") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Sets the search terms of one resident (replacing earlier ones).
pub async fn index_resident(
    conn: &mut AnyConnection,
    resident_id: i64,
    terms: &str,
) -> StoreResult<()> {
    match backend_of(conn) {
        Backend::Sqlite => {
            sqlx::query("DELETE FROM resident_search WHERE rowid = $1")
                .bind(resident_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("INSERT INTO resident_search (rowid, terms) VALUES ($1, $2)")
                .bind(resident_id)
                .bind(terms)
                .execute(&mut *conn)
                .await?;
        }
        Backend::Postgres => {
            sqlx::query(
                "INSERT INTO resident_search (resident_id, terms) VALUES ($1, to_tsvector('simple', $2)) \
                 ON CONFLICT (resident_id) DO UPDATE SET terms = excluded.terms",
            )
            .bind(resident_id)
            .bind(terms)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Removes a resident from the index.
pub async fn unindex_resident(conn: &mut AnyConnection, resident_id: i64) -> StoreResult<()> {
    let sql = match backend_of(conn) {
        Backend::Sqlite => "DELETE FROM resident_search WHERE rowid = $1",
        Backend::Postgres => "DELETE FROM resident_search WHERE resident_id = $1",
    };
    sqlx::query(sql)
        .bind(resident_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
