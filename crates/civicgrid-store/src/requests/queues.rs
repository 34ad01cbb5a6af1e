//! Work queues and listings. Each queue has its own query text so that each reads
//! through its own index at a million requests:
//!
//! | queue | index | order |
//! |---|---|---|
//! | a party's open requests | `requests_party_queue` | earliest due first |
//! | a person's open requests | `requests_assignee_queue` | earliest due first |
//! | open requests in a subtree | `requests_path_queue` | earliest due first |
//! | overdue requests | `requests_overdue` | earliest due first |
//! | every request in a subtree | `requests_path_status` | newest first |
//! | a requester's requests | `requests_requester` | newest first |
//!
//! The [`Narrowing`] filters apply on top of any queue.

use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::requests::{RequestId, Status};
use sqlx::AnyConnection;

use super::records::{RequestRecord, RequestRow};
use crate::repo::records;
use crate::{StoreResult, prefix_end};

/// Which requests, in which order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queue {
    /// Open requests whose party is this (`org:12`, `role:grid_worker`), earliest due first.
    Party(String),
    /// Open requests taken by this user, earliest due first.
    Assignee(i64),
    /// Open requests located in this subtree, earliest due first.
    OpenIn(OrgPath),
    /// Open requests due before this instant (overdue at it), earliest due first.
    OverdueAt(i64),
    /// Every request in this subtree, newest first.
    AllIn(OrgPath),
    /// Every request this user raised, newest first.
    Requester(i64),
}

/// Filters narrowing any queue; `None` does not narrow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    /// Only requests located in this subtree.
    pub within: Option<OrgPath>,
    pub status: Option<Status>,
    pub category: Option<String>,
    pub party: Option<String>,
    /// Only requests due before this instant.
    pub due_before: Option<i64>,
    /// Only requests in warning at this instant: warned, not yet due ("due soon").
    pub warning_at: Option<i64>,
    /// Only requests created in `[from, to)`.
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    /// Only requests owing a staff return visit.
    pub return_visit_pending: bool,
    /// Only flagged requests (poor ratings under the flag policy).
    pub flagged: bool,
    /// Only requests that may be shown publicly.
    pub public_only: bool,
}

/// The narrowing clause shared by every queue; parameters `$3`…`$13` and `$16`
/// (`$14` and `$15` are the page's limit and offset).
macro_rules! narrowed {
    ($head:literal, $order:literal) => {
        select_requests!(concat!(
            $head,
            " AND (CAST($3 AS TEXT) IS NULL OR (path >= $3 AND path < $4)) \
             AND (CAST($5 AS TEXT) IS NULL OR status = $5) \
             AND (CAST($6 AS TEXT) IS NULL OR category = $6) \
             AND (CAST($7 AS TEXT) IS NULL OR party = $7) \
             AND (CAST($8 AS BIGINT) IS NULL OR due_at < $8) \
             AND (CAST($9 AS BIGINT) IS NULL OR created_at >= $9) \
             AND (CAST($10 AS BIGINT) IS NULL OR created_at < $10) \
             AND ($11 = 0 OR return_visit = 1) AND ($12 = 0 OR flagged = 1) \
             AND ($13 = 0 OR public = 1) \
             AND (CAST($16 AS BIGINT) IS NULL OR (warn_at <= $16 AND due_at >= $16)) ",
            $order,
            " LIMIT $14 OFFSET $15"
        ))
    };
}

/// One page of a queue: at most `limit` requests after skipping `offset`.
pub async fn queue(
    conn: &mut AnyConnection,
    queue: &Queue,
    n: &Narrowing,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<RequestRecord>> {
    let (sql, key_text, key_end, key_num): (
        &'static str,
        Option<String>,
        Option<String>,
        Option<i64>,
    ) = match queue {
        Queue::Party(p) => (
            narrowed!(
                "WHERE open = 1 AND party = $1 AND $2 = $2",
                "ORDER BY due_at, id"
            ),
            Some(p.clone()),
            Some(String::new()),
            None,
        ),
        Queue::Assignee(u) => (
            narrowed!(
                "WHERE open = 1 AND assignee_user_id = $1 AND $2 = $2",
                "ORDER BY due_at, id"
            ),
            None,
            Some(String::new()),
            Some(*u),
        ),
        Queue::OpenIn(p) => (
            narrowed!(
                "WHERE open = 1 AND path >= $1 AND path < $2",
                "ORDER BY due_at, id"
            ),
            Some(p.as_str().to_owned()),
            Some(prefix_end(p.as_str())),
            None,
        ),
        Queue::OverdueAt(t) => (
            narrowed!(
                "WHERE open = 1 AND due_at < $1 AND $2 = $2",
                "ORDER BY due_at, id"
            ),
            None,
            Some(String::new()),
            Some(*t),
        ),
        Queue::AllIn(p) => (
            narrowed!("WHERE path >= $1 AND path < $2", "ORDER BY id DESC"),
            Some(p.as_str().to_owned()),
            Some(prefix_end(p.as_str())),
            None,
        ),
        Queue::Requester(u) => (
            narrowed!(
                "WHERE requester_user_id = $1 AND $2 = $2",
                "ORDER BY id DESC"
            ),
            None,
            Some(String::new()),
            Some(*u),
        ),
    };
    let within_end = n.within.as_ref().map(|p| prefix_end(p.as_str()));
    let mut q = sqlx::query_as::<_, RequestRow>(sql);
    q = match key_num {
        Some(v) => q.bind(v),
        None => q.bind(key_text),
    };
    let rows = q
        .bind(key_end)
        .bind(n.within.as_ref().map(|p| p.as_str().to_owned()))
        .bind(within_end)
        .bind(n.status.map(Status::code))
        .bind(n.category.as_deref())
        .bind(n.party.as_deref())
        .bind(n.due_before)
        .bind(n.created_from)
        .bind(n.created_to)
        .bind(i64::from(n.return_visit_pending))
        .bind(i64::from(n.flagged))
        .bind(i64::from(n.public_only))
        .bind(limit)
        .bind(offset)
        .bind(n.warning_at)
        .fetch_all(&mut *conn)
        .await?;
    records(rows)
}

/// How many open requests lie in a subtree, and how many of them are overdue at `now`.
pub async fn open_counts(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    now_ms: i64,
) -> StoreResult<(i64, i64)> {
    let end = prefix_end(scope.as_str());
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM requests WHERE open = 1 AND path >= $1 AND path < $2",
    )
    .bind(scope.as_str())
    .bind(end.as_str())
    .fetch_one(&mut *conn)
    .await?;
    let overdue: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM requests WHERE open = 1 AND path >= $1 AND path < $2 \
         AND due_at < $3",
    )
    .bind(scope.as_str())
    .bind(end.as_str())
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    Ok((open, overdue))
}

/// Requests by id, in the order asked (missing ids left out).
pub async fn requests_by_ids(
    conn: &mut AnyConnection,
    ids: &[RequestId],
) -> StoreResult<Vec<RequestRecord>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row: Option<RequestRow> = sqlx::query_as(select_requests!("WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(row) = row {
            out.push(row.try_into()?);
        }
    }
    Ok(out)
}
