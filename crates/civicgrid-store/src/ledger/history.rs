//! The change history of ledger records, and the link from a user account to a
//! resident.

use sqlx::AnyConnection;

use crate::StoreResult;
use crate::repo::found;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HistoryEntry {
    pub id: i64,
    pub subject_type: String,
    pub subject_id: i64,
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub reason: Option<String>,
    /// JSON object of what changed (personal values masked).
    pub changes: String,
}

#[derive(Debug, Clone)]
pub struct NewHistory<'a> {
    pub subject_type: &'a str,
    pub subject_id: i64,
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub actor_label: &'a str,
    pub action: &'a str,
    pub reason: Option<&'a str>,
    pub changes: &'a str,
}

pub async fn insert_history(conn: &mut AnyConnection, h: &NewHistory<'_>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO ledger_history (subject_type, subject_id, at_ms, actor_user_id, actor_label, action, \
         reason, changes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(h.subject_type)
    .bind(h.subject_id)
    .bind(h.at_ms)
    .bind(h.actor_user_id)
    .bind(h.actor_label)
    .bind(h.action)
    .bind(h.reason)
    .bind(h.changes)
    .fetch_one(&mut *conn)
    .await?)
}

/// Records one bulk act on the ledger (see migration 13, `ledger_batches`): the
/// residents it creates name it instead of each carrying a history entry.
pub async fn insert_batch(conn: &mut AnyConnection, b: &NewBatch) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO ledger_batches (at_ms, actor_user_id, actor_label, action, reason) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(b.at_ms)
    .bind(b.actor_user_id)
    .bind(b.actor_label.as_str())
    .bind(b.action.as_str())
    .bind(b.reason.as_deref())
    .fetch_one(&mut *conn)
    .await?)
}

/// Who, when, what and why of a bulk act on the ledger.
#[derive(Debug, Clone)]
pub struct NewBatch {
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub reason: Option<String>,
}

/// History of one subject, newest first: its own entries and, for a resident created
/// by a bulk act, that act (its changes an empty object: the record itself is what it
/// created, and later entries name each change from → to).
pub async fn history(
    conn: &mut AnyConnection,
    subject_type: &str,
    subject_id: i64,
    limit: i64,
) -> StoreResult<Vec<HistoryEntry>> {
    Ok(sqlx::query_as(
        "SELECT id, subject_type, subject_id, at_ms, actor_user_id, actor_label, action, \
         reason, changes FROM ledger_history WHERE subject_type = $1 AND subject_id = $2 \
         UNION ALL \
         SELECT 0 AS id, 'resident' AS subject_type, r.id AS subject_id, b.at_ms, \
         b.actor_user_id, b.actor_label, b.action, b.reason, '{}' AS changes \
         FROM residents r JOIN ledger_batches b ON b.id = r.created_in_batch \
         WHERE $1 = 'resident' AND r.id = $2 \
         ORDER BY at_ms DESC, id DESC LIMIT $3",
    )
    .bind(subject_type)
    .bind(subject_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

// ---------------------------------------------------------------------------------
// Accounts linked to residents

/// Links (or with `None` unlinks) a user account to a resident record.
pub async fn link_user(
    conn: &mut AnyConnection,
    user_id: i64,
    resident_id: Option<i64>,
) -> StoreResult<()> {
    found(
        sqlx::query("UPDATE users SET resident_id = $1 WHERE id = $2")
            .bind(resident_id)
            .bind(user_id)
            .execute(&mut *conn)
            .await?,
    )
}

/// The resident record a user account is linked to.
pub async fn resident_of_user(conn: &mut AnyConnection, user_id: i64) -> StoreResult<Option<i64>> {
    let v: Option<Option<i64>> = sqlx::query_scalar("SELECT resident_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(v.flatten())
}
