//! What Open311 GeoReport v2 reads: the publicly showable requests in a time range
//! (`GET requests`), and their status changes (`GET servicerequestupdates`).
//!
//! "Publicly showable" is decided twice: the request's own `public` flag (its category
//! was public and the requester agreed at intake) and its category being public now,
//! so that a category taken off the public list hides its requests at once.

use civicgrid_domain::requests::{RequestId, Status};
use sqlx::{AnyConnection, Row};

use super::corrupt;
use super::records::{RequestRecord, RequestRow};
use crate::StoreResult;
use crate::repo::records;

/// A `GET requests` query; `None` does not narrow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicQuery {
    /// Only requests created in `[from, to]` (UTC ms).
    pub created_from: i64,
    pub created_to: i64,
    pub category: Option<String>,
    /// `Some(true)`: only open ones; `Some(false)`: only closed ones.
    pub open: Option<bool>,
    pub limit: i64,
    pub offset: i64,
}

/// Publicly showable requests, newest first.
pub async fn public_requests(
    conn: &mut AnyConnection,
    q: &PublicQuery,
) -> StoreResult<Vec<RequestRecord>> {
    let rows: Vec<RequestRow> = sqlx::query_as(select_requests!(
        "WHERE public = 1 AND created_at >= $1 AND created_at <= $2 \
         AND (CAST($3 AS TEXT) IS NULL OR category = $3) \
         AND ($4 = 0 OR open = $5) \
         AND category IN (SELECT code FROM request_categories WHERE public = 1) \
         ORDER BY created_at DESC, id DESC LIMIT $6 OFFSET $7"
    ))
    .bind(q.created_from)
    .bind(q.created_to)
    .bind(q.category.as_deref())
    .bind(i64::from(q.open.is_some()))
    .bind(i64::from(q.open.unwrap_or(false)))
    .bind(q.limit)
    .bind(q.offset)
    .fetch_all(&mut *conn)
    .await?;
    records(rows)
}

/// One publicly showable request, if it is one.
pub async fn public_request(
    conn: &mut AnyConnection,
    id: RequestId,
) -> StoreResult<Option<RequestRecord>> {
    let row: Option<RequestRow> = sqlx::query_as(select_requests!(
        "WHERE id = $1 AND public = 1 \
         AND category IN (SELECT code FROM request_categories WHERE public = 1)"
    ))
    .bind(id.0)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(RequestRecord::try_from).transpose()
}

/// A change of status of a publicly showable request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// The timeline line's id.
    pub id: i64,
    pub request_id: RequestId,
    pub at_ms: i64,
    pub status: Status,
}

/// Status changes of publicly showable requests made in `[from, to]`, oldest first.
pub async fn public_status_updates(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<StatusUpdate>> {
    let rows = sqlx::query(
        "SELECT e.id, e.request_id, e.at_ms, e.to_status FROM request_events e \
         JOIN requests r ON r.id = e.request_id \
         WHERE e.at_ms >= $1 AND e.at_ms <= $2 AND e.to_status IS NOT NULL \
         AND e.visible = 1 AND r.public = 1 \
         AND r.category IN (SELECT code FROM request_categories WHERE public = 1) \
         ORDER BY e.at_ms, e.id LIMIT $3 OFFSET $4",
    )
    .bind(from)
    .bind(to)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("to_status")?;
            Ok(StatusUpdate {
                id: r.try_get("id")?,
                request_id: RequestId(r.try_get("request_id")?),
                at_ms: r.try_get("at_ms")?,
                status: Status::parse(&status).map_err(corrupt)?,
            })
        })
        .collect()
}
