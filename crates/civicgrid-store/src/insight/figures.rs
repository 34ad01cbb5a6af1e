//! The figures kept per place and month: rewritten by each count of the month (a whole
//! period's measures in one transaction), read by a place, by its children, or as a
//! trend over months.

use sqlx::AnyConnection;

use crate::StoreResult;

/// Rows written per statement.
const CHUNK: usize = 200;

/// Removes the figures of `period`: every measure when `measures` is `None` (a count
/// that recounts everything), else only those named.
pub async fn clear(
    conn: &mut AnyConnection,
    period: &str,
    measures: Option<&[&str]>,
) -> StoreResult<u64> {
    let done = match measures {
        None => {
            sqlx::query("DELETE FROM insight_figures WHERE period = $1")
                .bind(period)
                .execute(&mut *conn)
                .await?
        }
        Some(names) => {
            let list = format!(",{},", names.join(","));
            sqlx::query(
                "DELETE FROM insight_figures WHERE period = $1 AND $2 LIKE '%,' || measure || ',%'",
            )
            .bind(period)
            .bind(list)
            .execute(&mut *conn)
            .await?
        }
    };
    Ok(done.rows_affected())
}

/// Writes figures of `period`: (node, measure, value), each (node, measure) once.
pub async fn insert(
    conn: &mut AnyConnection,
    period: &str,
    rows: &[(i64, String, i64)],
    counted_at: i64,
) -> StoreResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let mut sql = String::from(
            "INSERT INTO insight_figures (node_id, period, measure, value, counted_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            let b = i * 3;
            sql.push_str(&format!("(${}, $1, ${}, ${}, $2)", b + 3, b + 4, b + 5));
        }
        let mut q = crate::dialect::query(sql).bind(period).bind(counted_at);
        for (node, measure, value) in chunk {
            q = q.bind(*node).bind(measure.as_str()).bind(*value);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A figure as read: (period, measure, value).
pub type Figure = (String, String, i64);

/// The figures of `node_id` for the periods `from..=to` (codes that sort by time).
pub async fn of_node(
    conn: &mut AnyConnection,
    node_id: i64,
    from: &str,
    to: &str,
) -> StoreResult<Vec<Figure>> {
    Ok(sqlx::query_as(
        "SELECT period, measure, value FROM insight_figures \
         WHERE node_id = $1 AND period >= $2 AND period <= $3 ORDER BY period, measure",
    )
    .bind(node_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// The figures of `parent_id`'s children for `period`: (child, measure, value).
pub async fn of_children(
    conn: &mut AnyConnection,
    parent_id: i64,
    period: &str,
) -> StoreResult<Vec<(i64, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT f.node_id, f.measure, f.value FROM org_nodes n \
         JOIN insight_figures f ON f.node_id = n.id AND f.period = $2 \
         WHERE n.parent_id = $1 ORDER BY f.node_id, f.measure",
    )
    .bind(parent_id)
    .bind(period)
    .fetch_all(conn)
    .await?)
}

/// A count of a period: when it ran, how long it took, and why it failed if it did.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CountRecord {
    pub period: String,
    pub counted_at: i64,
    pub took_ms: i64,
    pub error: Option<String>,
}

/// Notes a count of `c.period` (replacing the note of the one before).
pub async fn note_count(conn: &mut AnyConnection, c: &CountRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO insight_counts (period, counted_at, took_ms, error) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (period) DO UPDATE SET counted_at = excluded.counted_at, \
         took_ms = excluded.took_ms, error = excluded.error",
    )
    .bind(&c.period)
    .bind(c.counted_at)
    .bind(c.took_ms)
    .bind(c.error.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

/// The last count of `period`, if any ran.
pub async fn last_count(
    conn: &mut AnyConnection,
    period: &str,
) -> StoreResult<Option<CountRecord>> {
    Ok(sqlx::query_as(
        "SELECT period, counted_at, took_ms, error FROM insight_counts WHERE period = $1",
    )
    .bind(period)
    .fetch_optional(conn)
    .await?)
}

/// The periods among `from..=to` that have been counted without error, in order.
pub async fn counted_periods(
    conn: &mut AnyConnection,
    from: &str,
    to: &str,
) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT period FROM insight_counts WHERE period >= $1 AND period <= $2 \
         AND error IS NULL ORDER BY period",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}
