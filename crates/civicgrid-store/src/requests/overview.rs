//! Figures for the home pages: a scope's work counts and each community's results,
//! each read by one query (the communities grouped, never one query per community).

use civicgrid_domain::platform::org::OrgPath;
use sqlx::{AnyConnection, Row};

use crate::{StoreResult, prefix_end};

/// What waits in a subtree at an instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkCounts {
    /// Open and not yet accepted.
    pub submitted: i64,
    /// Open, past the warning but not yet the deadline.
    pub due_soon: i64,
    /// Open and past the deadline.
    pub overdue: i64,
    /// Flagged after a poor rating (until staff clear the flag).
    pub flagged: i64,
}

/// The work counts of the requests located in `scope` at `now_ms`.
pub async fn work_counts(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    now_ms: i64,
) -> StoreResult<WorkCounts> {
    let end = prefix_end(scope.as_str());
    let row = sqlx::query(
        "SELECT \
           CAST(COALESCE(SUM(CASE WHEN open = 1 AND status = 'submitted' THEN 1 ELSE 0 END), 0) AS BIGINT) AS submitted, \
           CAST(COALESCE(SUM(CASE WHEN open = 1 AND due_at >= $3 AND warn_at <= $3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS due_soon, \
           CAST(COALESCE(SUM(CASE WHEN open = 1 AND due_at < $3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue, \
           CAST(COALESCE(SUM(CASE WHEN flagged = 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS flagged \
         FROM requests WHERE path >= $1 AND path < $2 AND (open = 1 OR flagged = 1)",
    )
    .bind(scope.as_str())
    .bind(end.as_str())
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    Ok(WorkCounts {
        submitted: row.try_get("submitted")?,
        due_soon: row.try_get("due_soon")?,
        overdue: row.try_get("overdue")?,
        flagged: row.try_get("flagged")?,
    })
}

/// One community's results: its open work now, and what was closed and rated since
/// an instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommunityFigures {
    pub community_id: i64,
    pub open: i64,
    pub overdue: i64,
    /// Closed since the instant.
    pub closed: i64,
    /// Of those, resolved (or closed) by their resolution deadline.
    pub closed_on_time: i64,
    /// Ratings given since the instant: their sum and count.
    pub rating_sum: i64,
    pub rated: i64,
}

/// The figures of every community with requests under `scope`, grouped in one query;
/// communities without any are absent. Open and overdue at `now_ms`; closed and
/// rated from `since_ms` on.
pub async fn community_figures(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    now_ms: i64,
    since_ms: i64,
) -> StoreResult<Vec<CommunityFigures>> {
    let end = prefix_end(scope.as_str());
    let rows = sqlx::query(
        "SELECT community_id, \
           CAST(SUM(CASE WHEN open = 1 THEN 1 ELSE 0 END) AS BIGINT) AS open_n, \
           CAST(SUM(CASE WHEN open = 1 AND due_at < $3 THEN 1 ELSE 0 END) AS BIGINT) AS overdue_n, \
           CAST(SUM(CASE WHEN open = 0 AND closed_at >= $4 THEN 1 ELSE 0 END) AS BIGINT) AS closed_n, \
           CAST(SUM(CASE WHEN open = 0 AND closed_at >= $4 \
                     AND COALESCE(resolved_at, closed_at) <= resolution_due_at THEN 1 ELSE 0 END) AS BIGINT) AS on_time_n, \
           CAST(SUM(CASE WHEN rated_at >= $4 AND rating IS NOT NULL THEN rating ELSE 0 END) AS BIGINT) AS rating_sum, \
           CAST(SUM(CASE WHEN rated_at >= $4 AND rating IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS rated_n \
         FROM requests WHERE path >= $1 AND path < $2 \
           AND (open = 1 OR closed_at >= $4 OR rated_at >= $4) \
         GROUP BY community_id ORDER BY community_id",
    )
    .bind(scope.as_str())
    .bind(end.as_str())
    .bind(now_ms)
    .bind(since_ms)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CommunityFigures {
                community_id: r.try_get("community_id")?,
                open: r.try_get("open_n")?,
                overdue: r.try_get("overdue_n")?,
                closed: r.try_get("closed_n")?,
                closed_on_time: r.try_get("on_time_n")?,
                rating_sum: r.try_get("rating_sum")?,
                rated: r.try_get("rated_n")?,
            })
        })
        .collect()
}
