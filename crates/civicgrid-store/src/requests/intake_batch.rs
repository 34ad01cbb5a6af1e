//! Many new requests written at once, for group-committed intake: ids reserved up
//! front, then the requests, their first timeline lines, audit entries, inbox and
//! outbox rows and Open311 tokens written with one multi-row statement per table. On
//! SQLite every one of those statements goes to the database in a single call, so a
//! batch costs four calls (begin, start, write, commit) however large it is. A
//! transition of a single request uses the same writers with one row.

use civicgrid_domain::platform::audit::AuditFields;
use civicgrid_domain::requests::{RequestId, Status};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use super::events::bind_event;
use super::{NewEvent, REQUEST_COLUMNS, RequestRecord};
use crate::dialect::{anon, backend_of, query, values_sql};
use crate::{Backend, StoreResult, platform::audit};

/// Most rows per statement: the widest row (a request) has 48 columns, well within
/// both backends' parameter limits.
pub const BATCH_ROWS: usize = 64;

type Q<'q> = Query<'q, Any, AnyArguments>;

/// The tables whose ids a batch reserves before writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdSeries {
    Requests,
    Events,
}

impl IdSeries {
    fn table(self) -> &'static str {
        match self {
            IdSeries::Requests => "requests",
            IdSeries::Events => "request_events",
        }
    }
}

/// Draws `n` fresh ids of `series` from the column's identity sequence, ascending
/// (PostgreSQL; SQLite continues after the largest id in [`start_batch`]).
async fn draw_ids(conn: &mut AnyConnection, series: IdSeries, n: usize) -> StoreResult<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    let table = series.table();
    let rows = query(format!(
        "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id \
         FROM generate_series(1, $1)"
    ))
    .bind(count)
    .fetch_all(&mut *conn)
    .await?;
    let mut ids = rows
        .iter()
        .map(|r| r.try_get::<i64, _>("id"))
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    Ok(ids)
}

/// What a batch of new requests starts from: reserved ids, and on SQLite (whose write
/// lock is already held) the head of the audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchStart {
    pub request_ids: Vec<i64>,
    pub event_ids: Vec<i64>,
    audit_head: Option<(i64, String)>,
}

/// Reserves ids for `n` new requests with one timeline line each. Must run inside a
/// write transaction: on SQLite (one call) the ids continue after the largest, and the
/// write lock keeps anyone else from taking them; on PostgreSQL they come from the
/// identity sequences.
pub async fn start_batch(conn: &mut AnyConnection, n: usize) -> StoreResult<BatchStart> {
    match backend_of(conn) {
        Backend::Sqlite => {
            let row = sqlx::query(
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM requests) AS r, \
                 (SELECT COALESCE(MAX(id), 0) FROM request_events) AS e, seq, hash \
                 FROM audit_head WHERE id = 1",
            )
            .fetch_one(&mut *conn)
            .await?;
            let (r, e): (i64, i64) = (row.try_get("r")?, row.try_get("e")?);
            let count = i64::try_from(n).unwrap_or(i64::MAX);
            Ok(BatchStart {
                request_ids: (1..=count).map(|k| r + k).collect(),
                event_ids: (1..=count).map(|k| e + k).collect(),
                audit_head: Some((row.try_get("seq")?, row.try_get("hash")?)),
            })
        }
        Backend::Postgres => Ok(BatchStart {
            request_ids: draw_ids(conn, IdSeries::Requests, n).await?,
            event_ids: draw_ids(conn, IdSeries::Events, n).await?,
            audit_head: None,
        }),
    }
}

/// Everything a batch of new requests writes; ids from [`start_batch`].
#[derive(Debug, Default)]
pub struct NewRequests {
    pub requests: Vec<RequestRecord>,
    pub events: Vec<NewEvent>,
    /// One per request, in order: appended to the audit chain in this order.
    pub audits: Vec<AuditFields>,
    pub inbox: Vec<InboxRow>,
    pub outbox: Vec<OutboxRow>,
    pub tokens: Vec<Open311TokenRow>,
}

/// Writes a batch started with [`start_batch`].
pub async fn write_batch(
    conn: &mut AnyConnection,
    start: &BatchStart,
    b: &NewRequests,
) -> StoreResult<()> {
    let fits = [
        b.requests.len(),
        b.events.len(),
        b.audits.len(),
        b.inbox.len(),
        b.outbox.len(),
        b.tokens.len(),
    ]
    .iter()
    .all(|n| *n <= BATCH_ROWS);
    match &start.audit_head {
        Some((seq, hash)) if fits => {
            // SQLite: every statement in one call, anonymous parameters bound in turn.
            let chained = audit::chain(*seq, hash.clone(), &b.audits);
            let mut sql = Vec::new();
            let tables = [
                (b.requests.len(), requests_sql as fn(usize, bool) -> String),
                (b.events.len(), events_sql),
                (chained.len(), audit::insert_sql),
                (b.inbox.len(), inbox_sql),
                (b.outbox.len(), outbox_sql),
                (b.tokens.len(), tokens_sql),
            ];
            for (rows, make) in tables {
                if rows > 0 {
                    sql.push(make(rows, true));
                }
            }
            let head = chained.last().map(|c| (c.seq, c.hash.clone()));
            if head.is_some() {
                sql.push("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1".to_owned());
            }
            if sql.is_empty() {
                return Ok(());
            }
            let mut q = query(sql.join(";\n"));
            q = bind_requests(q, &b.requests);
            q = bind_events(q, &b.events);
            q = audit::bind_chained(q, &chained);
            q = bind_inbox(q, &b.inbox);
            q = bind_outbox(q, &b.outbox);
            q = bind_tokens(q, &b.tokens);
            if let Some((seq, hash)) = head {
                q = q.bind(seq).bind(hash);
            }
            q.execute(&mut *conn).await?;
            Ok(())
        }
        _ => {
            insert_requests_with_ids(conn, &b.requests).await?;
            insert_events_with_ids(conn, &b.events).await?;
            audit::append_many(conn, &b.audits).await?;
            insert_inbox_rows(conn, &b.inbox).await?;
            insert_outbox_rows(conn, &b.outbox).await?;
            insert_open311_tokens(conn, &b.tokens).await?;
            Ok(())
        }
    }
}

/// Runs `sql(rows)` with `bind` for every chunk of `rows`.
async fn insert_chunks<T>(
    conn: &mut AnyConnection,
    rows: &[T],
    sql: fn(usize, bool) -> String,
    bind: for<'q> fn(Q<'q>, &'q [T]) -> Q<'q>,
) -> StoreResult<()> {
    let anon = anon(conn);
    for chunk in rows.chunks(BATCH_ROWS) {
        bind(query(sql(chunk.len(), anon)), chunk)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

fn requests_sql(rows: usize, anon: bool) -> String {
    values_sql(
        concat!(
            "INSERT INTO requests (id, ",
            request_columns!(),
            ", version)"
        ),
        REQUEST_COLUMNS + 2,
        rows,
        "",
        anon,
    )
}

fn bind_requests<'q>(mut q: Q<'q>, recs: &'q [RequestRecord]) -> Q<'q> {
    for rec in recs {
        q = super::records::bind_request(q.bind(rec.id.0), rec).bind(1i64);
    }
    q
}

/// Writes new requests whose ids were reserved with [`reserve_ids`] (version 1).
pub async fn insert_requests_with_ids(
    conn: &mut AnyConnection,
    recs: &[RequestRecord],
) -> StoreResult<()> {
    insert_chunks(conn, recs, requests_sql, bind_requests).await
}

fn events_sql(rows: usize, anon: bool) -> String {
    values_sql(
        concat!("INSERT INTO request_events (id, ", event_columns!(), ")"),
        14,
        rows,
        "",
        anon,
    )
}

fn bind_events<'q>(mut q: Q<'q>, events: &'q [NewEvent]) -> Q<'q> {
    for e in events {
        q = bind_event(q.bind(e.id), e);
    }
    q
}

/// Appends timeline lines whose ids were reserved with [`reserve_ids`].
pub async fn insert_events_with_ids(
    conn: &mut AnyConnection,
    events: &[NewEvent],
) -> StoreResult<()> {
    insert_chunks(conn, events, events_sql, bind_events).await
}

/// A line for a resident's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRow {
    pub user_id: i64,
    pub request_id: RequestId,
    pub event_id: i64,
    pub at_ms: i64,
    pub kind: String,
    pub status: Status,
}

fn inbox_sql(rows: usize, anon: bool) -> String {
    values_sql(
        "INSERT INTO request_inbox (user_id, request_id, event_id, at_ms, kind, status)",
        6,
        rows,
        "",
        anon,
    )
}

fn bind_inbox<'q>(mut q: Q<'q>, rows: &'q [InboxRow]) -> Q<'q> {
    for r in rows {
        q = q
            .bind(r.user_id)
            .bind(r.request_id.0)
            .bind(r.event_id)
            .bind(r.at_ms)
            .bind(&r.kind)
            .bind(r.status.code());
    }
    q
}

pub async fn insert_inbox_rows(conn: &mut AnyConnection, rows: &[InboxRow]) -> StoreResult<()> {
    insert_chunks(conn, rows, inbox_sql, bind_inbox).await
}

/// A notification waiting to be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub at_ms: i64,
    pub request_id: RequestId,
    pub event_id: i64,
    pub recipient: String,
    pub payload: String,
}

fn outbox_sql(rows: usize, anon: bool) -> String {
    values_sql(
        "INSERT INTO request_outbox (at_ms, request_id, event_id, recipient, payload)",
        5,
        rows,
        "",
        anon,
    )
}

fn bind_outbox<'q>(mut q: Q<'q>, rows: &'q [OutboxRow]) -> Q<'q> {
    for r in rows {
        q = q
            .bind(r.at_ms)
            .bind(r.request_id.0)
            .bind(r.event_id)
            .bind(&r.recipient)
            .bind(&r.payload);
    }
    q
}

pub async fn insert_outbox_rows(conn: &mut AnyConnection, rows: &[OutboxRow]) -> StoreResult<()> {
    insert_chunks(conn, rows, outbox_sql, bind_outbox).await
}

/// An Open311 token standing for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311TokenRow {
    pub token: String,
    pub request_id: RequestId,
    pub at_ms: i64,
}

fn tokens_sql(rows: usize, anon: bool) -> String {
    values_sql(
        "INSERT INTO request_open311_tokens (token, request_id, created_at)",
        3,
        rows,
        "",
        anon,
    )
}

fn bind_tokens<'q>(mut q: Q<'q>, rows: &'q [Open311TokenRow]) -> Q<'q> {
    for r in rows {
        q = q.bind(&r.token).bind(r.request_id.0).bind(r.at_ms);
    }
    q
}

pub async fn insert_open311_tokens(
    conn: &mut AnyConnection,
    rows: &[Open311TokenRow],
) -> StoreResult<()> {
    insert_chunks(conn, rows, tokens_sql, bind_tokens).await
}
