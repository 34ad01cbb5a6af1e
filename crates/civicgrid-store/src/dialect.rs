//! Where the two backends' SQL differs in form: which backend a connection talks to,
//! how a generated statement writes its placeholders, and the multi-row `VALUES` and
//! `IN (…)` lists that bulk writes build. Repositories ask here instead of spelling a
//! dialect out themselves.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AssertSqlSafe};

use crate::Backend;

/// Which backend a connection talks to.
pub fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("PostgreSQL") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Whether generated statements use anonymous `?` placeholders on this connection:
/// on SQLite, which finds a numbered parameter by a linear search of its names (so a
/// wide statement with `$n` would cost time quadratic in its width).
pub fn anon(conn: &AnyConnection) -> bool {
    backend_of(conn) == Backend::Sqlite
}

/// `INSERT … VALUES ($1,…,$k),(…)` for `rows` rows of `cols` columns, then `suffix`.
/// With `anon` the placeholders are `?` (see [`anon`]).
pub fn values_sql(prefix: &str, cols: usize, rows: usize, suffix: &str, anon: bool) -> String {
    let mut s = String::with_capacity(prefix.len() + rows * cols * 6 + suffix.len());
    s.push_str(prefix);
    s.push_str(" VALUES ");
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            push_placeholder(&mut s, &mut n, anon);
        }
        s.push(')');
    }
    s.push(' ');
    s.push_str(suffix);
    s
}

/// `$1,$2,…,$n` (or `?,?,…` with `anon`) for an `IN (…)` list.
pub fn in_list(n: usize, anon: bool) -> String {
    let mut s = String::with_capacity(n * 4);
    let mut next = 1;
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        push_placeholder(&mut s, &mut next, anon);
    }
    s
}

/// Appends the next placeholder: `?`, or `$next` (and counts it).
fn push_placeholder(s: &mut String, next: &mut usize, anon: bool) {
    if anon {
        s.push('?');
    } else {
        s.push('$');
        s.push_str(itoa::Buffer::new().format(*next));
        *next += 1;
    }
}

/// A query over a statement text built at run time from fixed pieces (never from
/// input: values always go in as bound parameters).
pub(crate) fn query(sql: String) -> Query<'static, Any, AnyArguments> {
    sqlx::query(AssertSqlSafe(sql))
}

/// [`query`] reading rows into `T`.
pub(crate) fn query_as<T>(sql: String) -> sqlx::query::QueryAs<'static, Any, T, AnyArguments>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
{
    sqlx::query_as(AssertSqlSafe(sql))
}
