//! Repository of browser sessions and login throttling.
//!
//! Session tokens are stored only as hashes; the app layer hashes before calling.

use sqlx::AnyConnection;

use crate::repo::found;
use crate::{StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub user_agent: String,
}

macro_rules! select_sessions {
    ($rest:literal) => {
        concat!(
            "SELECT id, user_id, created_at, last_seen_at, expires_at, revoked_at, user_agent \
             FROM sessions ",
            $rest
        )
    };
}

pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: i64,
    now: i64,
    expires_at: i64,
    user_agent: &str,
) -> StoreResult<Session> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, user_agent) \
         VALUES ($1, $2, $3, $3, $4, $5) RETURNING id",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .bind(user_agent)
    .fetch_one(&mut *conn)
    .await?;
    Ok(sqlx::query_as(select_sessions!("WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// The live (not revoked, not expired) session with this token hash.
pub async fn find_live(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> StoreResult<Option<Session>> {
    Ok(sqlx::query_as(select_sessions!(
        "WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Slides the session's expiry forward; called at most once a minute per session.
pub async fn touch(
    conn: &mut AnyConnection,
    session_id: i64,
    now: i64,
    expires_at: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
        .bind(now)
        .bind(expires_at)
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn revoke(conn: &mut AnyConnection, session_id: i64, now: i64) -> StoreResult<()> {
    found(
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(session_id)
            .execute(&mut *conn)
            .await?,
    )
}

/// Revokes every live session of a user; returns how many were revoked.
pub async fn revoke_all_of_user(
    conn: &mut AnyConnection,
    user_id: i64,
    now: i64,
) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// A user's sessions that are still live, newest first.
pub async fn live_of_user(
    conn: &mut AnyConnection,
    user_id: i64,
    now: i64,
) -> StoreResult<Vec<Session>> {
    Ok(sqlx::query_as(select_sessions!(
        "WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn get(conn: &mut AnyConnection, session_id: i64) -> StoreResult<Session> {
    sqlx::query_as(select_sessions!("WHERE id = $1"))
        .bind(session_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)
}

/// Deletes sessions that expired or were revoked before `before`.
pub async fn purge(conn: &mut AnyConnection, before: i64) -> StoreResult<u64> {
    let done = sqlx::query(
        "DELETE FROM sessions WHERE expires_at < $1 OR (revoked_at IS NOT NULL AND revoked_at < $1)",
    )
    .bind(before)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Throttle state of one key (`user:NAME` or `ip:ADDR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct ThrottleState {
    pub failures: i64,
    pub window_start: i64,
    pub locked_until: i64,
}

pub async fn throttle_get(conn: &mut AnyConnection, key: &str) -> StoreResult<ThrottleState> {
    let row: Option<ThrottleState> = sqlx::query_as(
        "SELECT failures, window_start, locked_until FROM login_throttle WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.unwrap_or_default())
}

pub async fn throttle_put(
    conn: &mut AnyConnection,
    key: &str,
    s: ThrottleState,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, \
         window_start = excluded.window_start, locked_until = excluded.locked_until",
    )
    .bind(key)
    .bind(s.failures)
    .bind(s.window_start)
    .bind(s.locked_until)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn throttle_clear(conn: &mut AnyConnection, key: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM login_throttle WHERE key = $1")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Counts one failed sign-in for `key` atomically (concurrent failures are all
/// counted on both backends). A window older than `window_ms` starts afresh.
pub async fn throttle_fail(
    conn: &mut AnyConnection,
    key: &str,
    now: i64,
    window_ms: i64,
) -> StoreResult<ThrottleState> {
    let row = sqlx::query_as(
        "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET \
         failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
         window_start = CASE WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END \
         RETURNING failures, window_start, locked_until",
    )
    .bind(key)
    .bind(now)
    .bind(now - window_ms)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row)
}

/// Counts one sign-in attempt for `key` before its password is checked, in one
/// statement (concurrent attempts are all counted, in order, on both backends): unless
/// `key` is locked at `now`, its count goes up by one (a window older than `window_ms`
/// starts afresh at `now`). Returns the state after; a `locked_until` after `now` says
/// the attempt was refused and not counted.
pub async fn throttle_begin(
    conn: &mut AnyConnection,
    key: &str,
    now: i64,
    window_ms: i64,
) -> StoreResult<ThrottleState> {
    let row = sqlx::query_as(
        "INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (key) DO UPDATE SET \
         failures = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.failures \
           WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END, \
         window_start = CASE WHEN login_throttle.locked_until > $2 THEN login_throttle.window_start \
           WHEN login_throttle.window_start < $3 THEN $2 ELSE login_throttle.window_start END \
         RETURNING failures, window_start, locked_until",
    )
    .bind(key)
    .bind(now)
    .bind(now.saturating_sub(window_ms))
    .fetch_one(&mut *conn)
    .await?;
    Ok(row)
}

/// Takes back one attempt counted by [`throttle_begin`] (it succeeded); never below 0.
pub async fn throttle_forgive(conn: &mut AnyConnection, key: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0",
    )
    .bind(key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Makes `key` wait until `until` (never shortening an existing wait).
pub async fn throttle_lock(conn: &mut AnyConnection, key: &str, until: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE login_throttle SET locked_until = CASE WHEN locked_until > $2 THEN locked_until ELSE $2 END \
         WHERE key = $1",
    )
    .bind(key)
    .bind(until)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
