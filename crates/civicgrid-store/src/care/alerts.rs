//! Missed-visit alerts and the alert job's queries. Each step is a conditional write:
//! a pairing moves up the ladder only `WHERE alert_level < $target` and only while its
//! due time is the one the job read; an alert row is keyed by (pairing, due time,
//! level) and inserted with `ON CONFLICT DO NOTHING`. Running the job twice, or on
//! two instances at once, therefore raises each alert once. On PostgreSQL the job also
//! takes a transaction-scoped advisory lock ([`CARE_ALERT_LOCK_KEY`]).

use sqlx::AnyConnection;

use super::pairings::PairingRecord;
use crate::StoreResult;

/// Key of the advisory lock the care alert job holds ("cg-carea").
pub const CARE_ALERT_LOCK_KEY: i64 = 0x6367_2d63_6172_6561;

/// Active pairings whose next alert step is due at `now`, earliest first.
pub async fn due_alert_steps(
    conn: &mut AnyConnection,
    now: i64,
    limit: i64,
) -> StoreResult<Vec<PairingRecord>> {
    super::pairings::alert_steps_due(conn, now, limit).await
}

/// Moves a pairing's ladder up to `target` for the due time `due_at` and sets when
/// the next step is due, unless it is already there or its due time moved. Returns
/// whether it moved.
pub async fn climb(
    conn: &mut AnyConnection,
    pairing_id: i64,
    due_at: i64,
    target: i64,
    next_alert_at: Option<i64>,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE care_pairings SET alert_level = $3, next_alert_at = $4 \
         WHERE id = $1 AND next_due_at = $2 AND alert_level < $3 AND active = 1",
    )
    .bind(pairing_id)
    .bind(due_at)
    .bind(target)
    .bind(next_alert_at)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Points a pairing's next alert step elsewhere (a stale pointer).
pub async fn set_next_alert(
    conn: &mut AnyConnection,
    pairing_id: i64,
    next_alert_at: Option<i64>,
) -> StoreResult<()> {
    sqlx::query("UPDATE care_pairings SET next_alert_at = $2 WHERE id = $1")
        .bind(pairing_id)
        .bind(next_alert_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Raises the alert (pairing, due time, level) unless it was raised; returns whether
/// this call raised it.
pub async fn raise(
    conn: &mut AnyConnection,
    pairing_id: i64,
    due_at: i64,
    level: i64,
    at: i64,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO care_alerts (pairing_id, due_at, level, raised_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (pairing_id, due_at, level) DO NOTHING",
    )
    .bind(pairing_id)
    .bind(due_at)
    .bind(level)
    .bind(at)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Clears a pairing's open alerts (a visit reached the resident, or it ended).
pub async fn clear(conn: &mut AnyConnection, pairing_id: i64, at: i64) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE care_alerts SET cleared_at = $2 WHERE pairing_id = $1 AND cleared_at IS NULL",
    )
    .bind(pairing_id)
    .bind(at)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Active pairings not yet red whose red time has come, earliest first.
pub async fn due_red(conn: &mut AnyConnection, now: i64, limit: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM care_pairings WHERE red_at IS NOT NULL AND red_at <= $1 AND red = 0 \
         AND active = 1 ORDER BY red_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Flags a pairing red unless it is red already or was reached since (its red time
/// moved past `now`). Returns whether it was flagged now.
pub async fn flag_red(conn: &mut AnyConnection, pairing_id: i64, now: i64) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE care_pairings SET red = 1 WHERE id = $1 AND red = 0 AND red_at <= $2 AND active = 1",
    )
    .bind(pairing_id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// An open alert, for the lists of who it went to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertLine {
    pub id: i64,
    pub pairing_id: i64,
    pub due_at: i64,
    pub level: i64,
    pub raised_at: i64,
    pub resident_id: i64,
    pub grid_id: i64,
    pub scope_path: String,
    pub resident_name: String,
}

/// The open alerts of a pairing, the highest level first.
pub async fn open_alerts_of(
    conn: &mut AnyConnection,
    pairing_id: i64,
) -> StoreResult<Vec<AlertLine>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.pairing_id, a.due_at, a.level, a.raised_at, p.resident_id, p.grid_id, \
         p.scope_path, r.name AS resident_name FROM care_alerts a \
         JOIN care_pairings p ON p.id = a.pairing_id JOIN residents r ON r.id = p.resident_id \
         WHERE a.pairing_id = $1 AND a.cleared_at IS NULL ORDER BY a.level DESC, a.id",
    )
    .bind(pairing_id)
    .fetch_all(conn)
    .await?)
}

/// Every alert of the subtree of `scope` that is still open, of level `min_level` or
/// more, the highest level and oldest first.
pub async fn open_alerts_in(
    conn: &mut AnyConnection,
    scope: &str,
    min_level: i64,
    limit: i64,
) -> StoreResult<Vec<AlertLine>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.pairing_id, a.due_at, a.level, a.raised_at, p.resident_id, p.grid_id, \
         p.scope_path, r.name AS resident_name FROM care_alerts a \
         JOIN care_pairings p ON p.id = a.pairing_id JOIN residents r ON r.id = p.resident_id \
         WHERE a.cleared_at IS NULL AND a.level >= $3 AND p.scope_path >= $1 AND p.scope_path < $2 \
         ORDER BY a.level DESC, a.raised_at, a.id LIMIT $4",
    )
    .bind(scope)
    .bind(crate::prefix_end(scope))
    .bind(min_level)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Every alert ever raised for a pairing: (due time, level), for tests and history.
pub async fn alerts_of(conn: &mut AnyConnection, pairing_id: i64) -> StoreResult<Vec<(i64, i64)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT due_at, level FROM care_alerts WHERE pairing_id = $1 ORDER BY due_at, level",
    )
    .bind(pairing_id)
    .fetch_all(conn)
    .await?;
    Ok(rows)
}
