//! Many new requests written at once, for group-committed intake: ids reserved up
//! front, then the requests, their first timeline lines, inbox and outbox rows and
//! Open311 tokens each written with one multi-row statement per table (a transition
//! of a single request uses the same writers with one row).

use civicgrid_domain::requests::{RequestId, Status};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::{REQUEST_COLUMNS, RequestRecord, flag};
use crate::StoreResult;
use crate::ledger_bulk::{anon, query, values_sql};
use crate::search::backend_of;

use super::NewEvent;

/// Rows per statement: the widest row (a request) has 48 columns, well within both
/// backends' parameter limits.
const CHUNK: usize = 256;

/// The tables whose ids a batch reserves before writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdSeries {
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

/// Reserves `n` fresh ids of `series`, ascending. Must run inside a write transaction:
/// on SQLite it continues after the largest id (the write lock keeps anyone else
/// from taking them); on PostgreSQL it draws from the column's identity sequence.
pub async fn reserve_ids(
    conn: &mut AnyConnection,
    series: IdSeries,
    n: usize,
) -> StoreResult<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    let table = series.table();
    match backend_of(conn) {
        crate::Backend::Sqlite => {
            let row = sqlx::query(AssertSqlSafe(format!(
                "SELECT COALESCE(MAX(id), 0) AS m FROM {table}"
            )))
            .fetch_one(&mut *conn)
            .await?;
            let max: i64 = row.try_get("m")?;
            Ok((1..=count).map(|k| max + k).collect())
        }
        crate::Backend::Postgres => {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id \
                 FROM generate_series(1, $1)"
            )))
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
    }
}

/// Writes new requests whose ids were reserved with [`reserve_ids`] (version 1).
pub async fn insert_requests_with_ids(
    conn: &mut AnyConnection,
    recs: &[RequestRecord],
) -> StoreResult<()> {
    for chunk in recs.chunks(CHUNK) {
        let sql = values_sql(
            concat!(
                "INSERT INTO requests (id, ",
                request_columns!(),
                ", version)"
            ),
            REQUEST_COLUMNS + 2,
            chunk.len(),
            "",
            anon(conn),
        );
        let mut q = query(sql);
        for rec in chunk {
            q = super::records::bind_request(q.bind(rec.id.0), rec).bind(1i64);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Appends timeline lines whose ids were reserved with [`reserve_ids`].
pub async fn insert_events_with_ids(
    conn: &mut AnyConnection,
    events: &[NewEvent],
) -> StoreResult<()> {
    for chunk in events.chunks(CHUNK) {
        let sql = values_sql(
            "INSERT INTO request_events (id, request_id, at_ms, kind, from_status, to_status, \
             actor_user_id, actor_token_id, actor_label, actor_role, party, related_id, note, \
             visible)",
            14,
            chunk.len(),
            "",
            anon(conn),
        );
        let mut q = query(sql);
        for e in chunk {
            q = q
                .bind(e.id)
                .bind(e.request_id.0)
                .bind(e.at_ms)
                .bind(e.kind.clone())
                .bind(e.from_status.map(Status::code))
                .bind(e.to_status.map(Status::code))
                .bind(e.actor_user_id)
                .bind(e.actor_token_id)
                .bind(e.actor_label.clone())
                .bind(e.actor_role.clone())
                .bind(e.party.clone())
                .bind(e.related_id.map(|r| r.0))
                .bind(e.note.clone())
                .bind(flag(e.visible));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
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

pub async fn insert_inbox_rows(conn: &mut AnyConnection, rows: &[InboxRow]) -> StoreResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let sql = values_sql(
            "INSERT INTO request_inbox (user_id, request_id, event_id, at_ms, kind, status)",
            6,
            chunk.len(),
            "",
            anon(conn),
        );
        let mut q = query(sql);
        for r in chunk {
            q = q
                .bind(r.user_id)
                .bind(r.request_id.0)
                .bind(r.event_id)
                .bind(r.at_ms)
                .bind(r.kind.clone())
                .bind(r.status.code());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
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

pub async fn insert_outbox_rows(conn: &mut AnyConnection, rows: &[OutboxRow]) -> StoreResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let sql = values_sql(
            "INSERT INTO request_outbox (at_ms, request_id, event_id, recipient, payload)",
            5,
            chunk.len(),
            "",
            anon(conn),
        );
        let mut q = query(sql);
        for r in chunk {
            q = q
                .bind(r.at_ms)
                .bind(r.request_id.0)
                .bind(r.event_id)
                .bind(r.recipient.clone())
                .bind(r.payload.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// An Open311 token standing for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311TokenRow {
    pub token: String,
    pub request_id: RequestId,
    pub at_ms: i64,
}

pub async fn insert_open311_tokens(
    conn: &mut AnyConnection,
    rows: &[Open311TokenRow],
) -> StoreResult<()> {
    for chunk in rows.chunks(CHUNK) {
        let sql = values_sql(
            "INSERT INTO request_open311_tokens (token, request_id, created_at)",
            3,
            chunk.len(),
            "",
            anon(conn),
        );
        let mut q = query(sql);
        for r in chunk {
            q = q.bind(r.token.clone()).bind(r.request_id.0).bind(r.at_ms);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}
