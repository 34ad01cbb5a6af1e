//! The timeline of a request, the residents' inbox and the outbox of notifications.

use civicgrid_domain::requests::{RequestId, Status};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use super::{corrupt, flag};
use crate::repo::records;
use crate::{StoreError, StoreResult};

/// One line of a request's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEvent {
    pub id: i64,
    pub request_id: RequestId,
    pub at_ms: i64,
    /// `submitted`, an action code (`accept`, `assign`, …), `comment`, `escalate`,
    /// `rate`, `return_visit`, `flag`, `duplicate_linked`, `recategorize`, `auto_close`.
    pub kind: String,
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    pub actor_label: String,
    /// The role the actor acted in (`grid_worker`, …; `requester`, `system`).
    pub actor_role: Option<String>,
    /// The party assigned, for assignments and escalations (`org:3`, `role:…`).
    pub party: Option<String>,
    /// The other request of a duplicate link.
    pub related_id: Option<RequestId>,
    /// A reason, comment or rating comment.
    pub note: Option<String>,
    /// Shown to the resident who raised the request.
    pub visible: bool,
}

/// A timeline line to append; `id` is ignored.
pub type NewEvent = RequestEvent;

/// A status as stored, `NULL` for none.
fn status_of(code: Option<String>) -> StoreResult<Option<Status>> {
    code.as_deref()
        .map(Status::parse)
        .transpose()
        .map_err(corrupt)
}

/// A `request_events` row as stored: statuses as their codes, `visible` as 0 or 1.
#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    request_id: i64,
    at_ms: i64,
    kind: String,
    from_status: Option<String>,
    to_status: Option<String>,
    actor_user_id: Option<i64>,
    actor_token_id: Option<i64>,
    actor_label: String,
    actor_role: Option<String>,
    party: Option<String>,
    related_id: Option<i64>,
    note: Option<String>,
    visible: i64,
}

impl TryFrom<EventRow> for RequestEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> StoreResult<Self> {
        Ok(RequestEvent {
            id: r.id,
            request_id: RequestId(r.request_id),
            at_ms: r.at_ms,
            kind: r.kind,
            from_status: status_of(r.from_status)?,
            to_status: status_of(r.to_status)?,
            actor_user_id: r.actor_user_id,
            actor_token_id: r.actor_token_id,
            actor_label: r.actor_label,
            actor_role: r.actor_role,
            party: r.party,
            related_id: r.related_id.map(RequestId),
            note: r.note,
            visible: r.visible != 0,
        })
    }
}

/// Binds the [`event_columns!`] of `e`, in order (its id is not among them).
pub(super) fn bind_event<'q>(
    q: Query<'q, Any, AnyArguments>,
    e: &'q NewEvent,
) -> Query<'q, Any, AnyArguments> {
    q.bind(e.request_id.0)
        .bind(e.at_ms)
        .bind(&e.kind)
        .bind(e.from_status.map(Status::code))
        .bind(e.to_status.map(Status::code))
        .bind(e.actor_user_id)
        .bind(e.actor_token_id)
        .bind(&e.actor_label)
        .bind(e.actor_role.as_deref())
        .bind(e.party.as_deref())
        .bind(e.related_id.map(|r| r.0))
        .bind(e.note.as_deref())
        .bind(flag(e.visible))
}

/// Appends a timeline line; returns its id.
pub async fn insert_event(conn: &mut AnyConnection, e: &NewEvent) -> StoreResult<i64> {
    let inserted = bind_event(
        sqlx::query(concat!(
            "INSERT INTO request_events (",
            event_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id"
        )),
        e,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(inserted.try_get("id")?)
}

/// A request's timeline, oldest first; only resident-visible lines when `visible_only`.
pub async fn events(
    conn: &mut AnyConnection,
    id: RequestId,
    visible_only: bool,
) -> StoreResult<Vec<RequestEvent>> {
    records(
        sqlx::query_as::<_, EventRow>(concat!(
            "SELECT id, ",
            event_columns!(),
            " FROM request_events WHERE request_id = $1 AND ($2 = 0 OR visible = 1) ORDER BY id"
        ))
        .bind(id.0)
        .bind(flag(visible_only))
        .fetch_all(&mut *conn)
        .await?,
    )
}

/// One line of a resident's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    pub id: i64,
    pub user_id: i64,
    pub request_id: RequestId,
    pub event_id: i64,
    pub at_ms: i64,
    /// The event's kind.
    pub kind: String,
    /// The request's status after the event.
    pub status: Status,
    pub read_at: Option<i64>,
}

/// A `request_inbox` row as stored: the status as its code.
#[derive(sqlx::FromRow)]
struct InboxItemRow {
    id: i64,
    user_id: i64,
    request_id: i64,
    event_id: i64,
    at_ms: i64,
    kind: String,
    status: String,
    read_at: Option<i64>,
}

impl TryFrom<InboxItemRow> for InboxItem {
    type Error = StoreError;

    fn try_from(r: InboxItemRow) -> StoreResult<Self> {
        Ok(InboxItem {
            id: r.id,
            user_id: r.user_id,
            request_id: RequestId(r.request_id),
            event_id: r.event_id,
            at_ms: r.at_ms,
            kind: r.kind,
            status: Status::parse(&r.status).map_err(corrupt)?,
            read_at: r.read_at,
        })
    }
}

/// A resident's inbox, newest first: lines with an id below `before_id` when given.
pub async fn inbox(
    conn: &mut AnyConnection,
    user_id: i64,
    before_id: Option<i64>,
    limit: i64,
) -> StoreResult<Vec<InboxItem>> {
    let rows: Vec<InboxItemRow> = sqlx::query_as(
        "SELECT id, user_id, request_id, event_id, at_ms, kind, status, read_at FROM request_inbox \
         WHERE user_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(before_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    records(rows)
}

pub async fn unread_count(conn: &mut AnyConnection, user_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM request_inbox WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Marks a user's lines read, up to and including `up_to_id`; returns how many.
pub async fn mark_read(
    conn: &mut AnyConnection,
    user_id: i64,
    up_to_id: i64,
    at_ms: i64,
) -> StoreResult<u64> {
    Ok(sqlx::query(
        "UPDATE request_inbox SET read_at = $3 WHERE user_id = $1 AND id <= $2 AND read_at IS NULL",
    )
    .bind(user_id)
    .bind(up_to_id)
    .bind(at_ms)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

/// A notification waiting for an outbound channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub at_ms: i64,
    pub request_id: RequestId,
    pub event_id: i64,
    /// `user:<id>`, `party:<party>` or `role:<role>@<path>`.
    pub recipient: String,
    /// JSON without personal data.
    pub payload: String,
    pub attempts: i64,
}

/// A pending `request_outbox` row as stored.
#[derive(sqlx::FromRow)]
struct PendingOutboxRow {
    id: i64,
    at_ms: i64,
    request_id: i64,
    event_id: i64,
    recipient: String,
    payload: String,
    attempts: i64,
}

impl From<PendingOutboxRow> for OutboxItem {
    fn from(r: PendingOutboxRow) -> Self {
        OutboxItem {
            id: r.id,
            at_ms: r.at_ms,
            request_id: RequestId(r.request_id),
            event_id: r.event_id,
            recipient: r.recipient,
            payload: r.payload,
            attempts: r.attempts,
        }
    }
}

/// The oldest pending notifications, at most `limit`.
pub async fn pending_outbox(conn: &mut AnyConnection, limit: i64) -> StoreResult<Vec<OutboxItem>> {
    let rows: Vec<PendingOutboxRow> = sqlx::query_as(
        "SELECT id, at_ms, request_id, event_id, recipient, payload, attempts FROM request_outbox \
         WHERE state = 'pending' ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(OutboxItem::from).collect())
}

/// Records a delivery attempt: `delivered`, or still `pending` until `max_attempts`,
/// then `failed`. Only a pending row changes, so two deliverers cannot both mark it.
pub async fn outbox_attempted(
    conn: &mut AnyConnection,
    id: i64,
    delivered: bool,
    max_attempts: i64,
    at_ms: i64,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE request_outbox SET attempts = attempts + 1, \
         state = CASE WHEN $2 = 1 THEN 'delivered' WHEN attempts + 1 >= $3 THEN 'failed' \
         ELSE 'pending' END, delivered_at = CASE WHEN $2 = 1 THEN $4 ELSE NULL END \
         WHERE id = $1 AND state = 'pending'",
    )
    .bind(id)
    .bind(flag(delivered))
    .bind(max_attempts)
    .bind(at_ms)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0)
}
