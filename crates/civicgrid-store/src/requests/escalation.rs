//! The escalation job's queries. The job reads the open requests whose next step is
//! due and moves each up with `WHERE escalation_level < $target`, so running it twice,
//! or on two instances at once, never takes a step twice. On PostgreSQL the job also
//! takes a transaction-scoped advisory lock so that only one instance works at a time.

use civicgrid_domain::requests::RequestId;
use civicgrid_domain::requests::sla::EscalationLevel;
use sqlx::AnyConnection;

use super::records::{RequestRecord, RequestRow};
use crate::dialect::backend_of;
use crate::repo::records;
use crate::{Backend, StoreResult};

/// Key of the advisory lock the escalation job holds ("cg-escalate").
pub const ESCALATION_LOCK_KEY: i64 = 0x6367_2d65_7363_616c;

/// Takes the job's lock for the rest of the transaction on PostgreSQL; returns false
/// when another instance holds it. SQLite serialises writers already (`BEGIN
/// IMMEDIATE`), so there it always succeeds.
pub async fn try_job_lock(conn: &mut AnyConnection, key: i64) -> StoreResult<bool> {
    match backend_of(conn) {
        Backend::Sqlite => Ok(true),
        Backend::Postgres => Ok(sqlx::query_scalar::<_, bool>(
            "SELECT pg_try_advisory_xact_lock($1)",
        )
        .bind(key)
        .fetch_one(&mut *conn)
        .await?),
    }
}

/// Open requests whose next escalation step is due at `now_ms`, earliest first.
pub async fn due_steps(
    conn: &mut AnyConnection,
    now_ms: i64,
    limit: i64,
) -> StoreResult<Vec<RequestRecord>> {
    let rows: Vec<RequestRow> = sqlx::query_as(select_requests!(
        "WHERE next_step_at IS NOT NULL AND next_step_at <= $1 AND open = 1 \
         ORDER BY next_step_at, id LIMIT $2"
    ))
    .bind(now_ms)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    records(rows)
}

/// Moves a request up to `target` and sets its next step, unless it is already there
/// or higher. Returns whether it moved. The version is left alone: an escalation does
/// not invalidate what a member of staff is looking at.
pub async fn escalate(
    conn: &mut AnyConnection,
    id: RequestId,
    target: EscalationLevel,
    next_step_at: Option<i64>,
    at_ms: i64,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE requests SET escalation_level = $2, next_step_at = $3, updated_at = $4 \
         WHERE id = $1 AND escalation_level < $2 AND open = 1",
    )
    .bind(id.0)
    .bind(i64::from(target.rank()))
    .bind(next_step_at)
    .bind(at_ms)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Clears a stale next step (the request is already at or past the level it pointed to).
pub async fn set_next_step(
    conn: &mut AnyConnection,
    id: RequestId,
    next_step_at: Option<i64>,
) -> StoreResult<()> {
    sqlx::query("UPDATE requests SET next_step_at = $2 WHERE id = $1")
        .bind(id.0)
        .bind(next_step_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Resolved requests waiting for confirmation since before `resolved_before`, oldest
/// first: candidates for closing once the reopen window has passed.
pub async fn stale_resolved(
    conn: &mut AnyConnection,
    resolved_before: i64,
    limit: i64,
) -> StoreResult<Vec<RequestRecord>> {
    let rows: Vec<RequestRow> = sqlx::query_as(select_requests!(
        "WHERE status = 'resolved' AND resolved_at < $1 ORDER BY resolved_at, id LIMIT $2"
    ))
    .bind(resolved_before)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    records(rows)
}
