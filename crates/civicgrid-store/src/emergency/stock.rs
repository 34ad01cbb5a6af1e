//! Batches and the stock ledger: a batch's quantity changes only through
//! [`apply_movement`], which writes the movement explaining it in the same statement
//! sequence (callers hold the transaction) and refuses to take a batch below zero; and
//! transfer requests from a community depot to its street's.

use chrono::NaiveDate;
use civicgrid_domain::emergency::materials::{MovementKind, TransferStatus};
use sqlx::{AnyConnection, Row};

use crate::dialect::{anon, in_list, query, query_as};
use crate::repo::{corrupt, records};
use crate::{StoreError, StoreResult};

fn date(raw: Option<String>) -> StoreResult<Option<NaiveDate>> {
    raw.map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(corrupt))
        .transpose()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRecord {
    pub id: i64,
    pub depot_id: i64,
    pub item_id: i64,
    pub batch_code: String,
    pub expires_on: Option<NaiveDate>,
    pub quantity: i64,
    pub received_at: i64,
}

#[derive(sqlx::FromRow)]
struct BatchRow {
    id: i64,
    depot_id: i64,
    item_id: i64,
    batch_code: String,
    expires_on: Option<String>,
    quantity: i64,
    received_at: i64,
}

impl TryFrom<BatchRow> for BatchRecord {
    type Error = StoreError;

    fn try_from(r: BatchRow) -> StoreResult<Self> {
        Ok(BatchRecord {
            id: r.id,
            depot_id: r.depot_id,
            item_id: r.item_id,
            batch_code: r.batch_code,
            expires_on: date(r.expires_on)?,
            quantity: r.quantity,
            received_at: r.received_at,
        })
    }
}

const SELECT_BATCHES: &str = "SELECT id, depot_id, item_id, batch_code, expires_on, quantity, \
                              received_at FROM material_batches ";

/// Opens an empty batch (quantity 0) of `item_id` in `depot_id`; a receipt or a
/// transfer then fills it through [`apply_movement`].
pub async fn open_batch(
    conn: &mut AnyConnection,
    depot_id: i64,
    item_id: i64,
    batch_code: &str,
    expires_on: Option<NaiveDate>,
    received_at: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO material_batches (depot_id, item_id, batch_code, expires_on, quantity, \
         received_at) VALUES ($1, $2, $3, $4, 0, $5) RETURNING id",
    )
    .bind(depot_id)
    .bind(item_id)
    .bind(batch_code)
    .bind(expires_on.map(|d| d.to_string()))
    .bind(received_at)
    .fetch_one(conn)
    .await?)
}

pub async fn get_batch(conn: &mut AnyConnection, id: i64) -> StoreResult<BatchRecord> {
    let row: BatchRow = query_as(format!("{SELECT_BATCHES}WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// The batch of `item_id` in `depot_id` with that code and expiry, if there is one
/// (a transfer adds to it rather than opening another).
pub async fn find_batch(
    conn: &mut AnyConnection,
    depot_id: i64,
    item_id: i64,
    batch_code: &str,
    expires_on: Option<NaiveDate>,
) -> StoreResult<Option<BatchRecord>> {
    let row: Option<BatchRow> = query_as(format!(
        "{SELECT_BATCHES}WHERE depot_id = $1 AND item_id = $2 AND batch_code = $3 \
         AND COALESCE(expires_on, '') = $4 ORDER BY id LIMIT 1"
    ))
    .bind(depot_id)
    .bind(item_id)
    .bind(batch_code)
    .bind(expires_on.map(|d| d.to_string()).unwrap_or_default())
    .fetch_optional(conn)
    .await?;
    row.map(TryInto::try_into).transpose()
}

/// A depot's batches holding stock (of `item_id` only, when given), earliest expiry
/// first (no expiry last).
pub async fn batches(
    conn: &mut AnyConnection,
    depot_id: i64,
    item_id: Option<i64>,
) -> StoreResult<Vec<BatchRecord>> {
    let order = "ORDER BY CASE WHEN expires_on IS NULL THEN 1 ELSE 0 END, expires_on, id";
    let rows: Vec<BatchRow> = match item_id {
        Some(item) => {
            query_as(format!(
                "{SELECT_BATCHES}WHERE depot_id = $1 AND item_id = $2 AND quantity > 0 {order}"
            ))
            .bind(depot_id)
            .bind(item)
            .fetch_all(conn)
            .await?
        }
        None => {
            query_as(format!(
                "{SELECT_BATCHES}WHERE depot_id = $1 AND quantity > 0 {order}"
            ))
            .bind(depot_id)
            .fetch_all(conn)
            .await?
        }
    };
    records(rows)
}

/// A movement to write: which batch, how many (signed: + in, − out) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMovement<'a> {
    pub batch_id: i64,
    pub kind: MovementKind,
    pub quantity: i64,
    pub reason: Option<&'a str>,
    pub request_id: Option<i64>,
    pub transfer_id: Option<i64>,
    pub other_depot_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub actor_label: &'a str,
    pub at: i64,
}

/// One line of the stock ledger, with its item's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementRecord {
    pub id: i64,
    pub depot_id: i64,
    pub item_id: i64,
    pub item_name: String,
    pub batch_id: i64,
    pub batch_code: String,
    pub kind: MovementKind,
    pub quantity: i64,
    pub balance: i64,
    pub reason: Option<String>,
    pub request_id: Option<i64>,
    pub transfer_id: Option<i64>,
    pub other_depot_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub at: i64,
}

#[derive(sqlx::FromRow)]
struct MovementRow {
    id: i64,
    depot_id: i64,
    item_id: i64,
    item_name: String,
    batch_id: i64,
    batch_code: String,
    kind: String,
    quantity: i64,
    balance: i64,
    reason: Option<String>,
    request_id: Option<i64>,
    transfer_id: Option<i64>,
    other_depot_id: Option<i64>,
    actor_user_id: Option<i64>,
    actor_label: String,
    at: i64,
}

impl TryFrom<MovementRow> for MovementRecord {
    type Error = StoreError;

    fn try_from(r: MovementRow) -> StoreResult<Self> {
        Ok(MovementRecord {
            id: r.id,
            depot_id: r.depot_id,
            item_id: r.item_id,
            item_name: r.item_name,
            batch_id: r.batch_id,
            batch_code: r.batch_code,
            kind: MovementKind::parse(&r.kind).map_err(corrupt)?,
            quantity: r.quantity,
            balance: r.balance,
            reason: r.reason,
            request_id: r.request_id,
            transfer_id: r.transfer_id,
            other_depot_id: r.other_depot_id,
            actor_user_id: r.actor_user_id,
            actor_label: r.actor_label,
            at: r.at,
        })
    }
}

const SELECT_MOVEMENTS: &str = "SELECT m.id, m.depot_id, m.item_id, i.name AS item_name, \
     m.batch_id, b.batch_code, m.kind, m.quantity, m.balance, m.reason, m.request_id, \
     m.transfer_id, m.other_depot_id, m.actor_user_id, m.actor_label, m.at \
     FROM material_movements m JOIN material_items i ON i.id = m.item_id \
     JOIN material_batches b ON b.id = m.batch_id ";

/// Changes a batch by `m.quantity` and appends the movement saying so; the caller's
/// transaction holds both. Taking more than the batch holds changes nothing and is
/// [`StoreError::Refused`] (a conditional update: concurrent takers never drive it
/// below zero). Returns the movement's id and the batch's balance after it.
pub async fn apply_movement(
    conn: &mut AnyConnection,
    m: &NewMovement<'_>,
) -> StoreResult<(i64, i64)> {
    if m.quantity == 0 {
        return Err(StoreError::Refused("a movement moves something"));
    }
    let balance: Option<i64> = if m.quantity < 0 {
        sqlx::query_scalar(
            "UPDATE material_batches SET quantity = quantity - $2 \
             WHERE id = $1 AND quantity >= $2 RETURNING quantity",
        )
        .bind(m.batch_id)
        .bind(-m.quantity)
        .fetch_optional(&mut *conn)
        .await?
    } else {
        sqlx::query_scalar(
            "UPDATE material_batches SET quantity = quantity + $2 WHERE id = $1 RETURNING quantity",
        )
        .bind(m.batch_id)
        .bind(m.quantity)
        .fetch_optional(&mut *conn)
        .await?
    };
    let Some(balance) = balance else {
        // No such batch, or not enough in it.
        get_batch(conn, m.batch_id).await?;
        return Err(StoreError::Refused("not enough stock in the batch"));
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO material_movements (depot_id, item_id, batch_id, kind, quantity, balance, \
         reason, request_id, transfer_id, other_depot_id, actor_user_id, actor_label, at) \
         SELECT depot_id, item_id, id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 \
         FROM material_batches WHERE id = $1 RETURNING id",
    )
    .bind(m.batch_id)
    .bind(m.kind.code())
    .bind(m.quantity)
    .bind(balance)
    .bind(m.reason)
    .bind(m.request_id)
    .bind(m.transfer_id)
    .bind(m.other_depot_id)
    .bind(m.actor_user_id)
    .bind(m.actor_label)
    .bind(m.at)
    .fetch_one(conn)
    .await?;
    Ok((id, balance))
}

/// A depot's ledger, newest first, at most `limit`.
pub async fn movements(
    conn: &mut AnyConnection,
    depot_id: i64,
    limit: i64,
) -> StoreResult<Vec<MovementRecord>> {
    let rows: Vec<MovementRow> = query_as(format!(
        "{SELECT_MOVEMENTS}WHERE m.depot_id = $1 ORDER BY m.id DESC LIMIT $2"
    ))
    .bind(depot_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// The movements that issued a material request, in order.
pub async fn movements_of_request(
    conn: &mut AnyConnection,
    request_id: i64,
) -> StoreResult<Vec<MovementRecord>> {
    let rows: Vec<MovementRow> = query_as(format!(
        "{SELECT_MOVEMENTS}WHERE m.request_id = $1 ORDER BY m.id"
    ))
    .bind(request_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRecord {
    pub id: i64,
    /// The street depot asked.
    pub from_depot_id: i64,
    /// The community depot short of the item.
    pub to_depot_id: i64,
    pub item_id: i64,
    pub quantity: i64,
    pub status: TransferStatus,
    /// The material request that found the shortage, if one did.
    pub request_id: Option<i64>,
    pub reason: Option<String>,
    pub raised_by: Option<i64>,
    pub raised_at: i64,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct TransferRow {
    id: i64,
    from_depot_id: i64,
    to_depot_id: i64,
    item_id: i64,
    quantity: i64,
    status: String,
    request_id: Option<i64>,
    reason: Option<String>,
    raised_by: Option<i64>,
    raised_at: i64,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
    version: i64,
}

impl TryFrom<TransferRow> for TransferRecord {
    type Error = StoreError;

    fn try_from(r: TransferRow) -> StoreResult<Self> {
        Ok(TransferRecord {
            id: r.id,
            from_depot_id: r.from_depot_id,
            to_depot_id: r.to_depot_id,
            item_id: r.item_id,
            quantity: r.quantity,
            status: TransferStatus::parse(&r.status).map_err(corrupt)?,
            request_id: r.request_id,
            reason: r.reason,
            raised_by: r.raised_by,
            raised_at: r.raised_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            version: r.version,
        })
    }
}

const SELECT_TRANSFERS: &str = "SELECT id, from_depot_id, to_depot_id, item_id, quantity, \
     status, request_id, reason, raised_by, raised_at, decided_by, decided_at, version \
     FROM material_transfers ";

/// Stores a new transfer request; `id` and `version` of `t` are ignored.
pub async fn insert_transfer(conn: &mut AnyConnection, t: &TransferRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO material_transfers (from_depot_id, to_depot_id, item_id, quantity, status, \
         request_id, reason, raised_by, raised_at, decided_by, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(t.from_depot_id)
    .bind(t.to_depot_id)
    .bind(t.item_id)
    .bind(t.quantity)
    .bind(t.status.code())
    .bind(t.request_id)
    .bind(t.reason.as_deref())
    .bind(t.raised_by)
    .bind(t.raised_at)
    .bind(t.decided_by)
    .bind(t.decided_at)
    .fetch_one(conn)
    .await?)
}

pub async fn get_transfer(conn: &mut AnyConnection, id: i64) -> StoreResult<TransferRecord> {
    let row: TransferRow = query_as(format!("{SELECT_TRANSFERS}WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// Records the decision on a transfer if it is still at its version; returns the new
/// version, or `None` when someone decided first.
pub async fn decide_transfer(
    conn: &mut AnyConnection,
    t: &TransferRecord,
) -> StoreResult<Option<i64>> {
    let done = sqlx::query(
        "UPDATE material_transfers SET status = $2, quantity = $3, reason = $4, decided_by = $5, \
         decided_at = $6, version = version + 1 WHERE id = $1 AND version = $7",
    )
    .bind(t.id)
    .bind(t.status.code())
    .bind(t.quantity)
    .bind(t.reason.as_deref())
    .bind(t.decided_by)
    .bind(t.decided_at)
    .bind(t.version)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(t.version + 1))
}

/// The open transfer request of `to_depot_id` for `item_id`, if there is one (a
/// shortage asks once).
pub async fn open_transfer(
    conn: &mut AnyConnection,
    to_depot_id: i64,
    item_id: i64,
) -> StoreResult<Option<TransferRecord>> {
    let row: Option<TransferRow> = query_as(format!(
        "{SELECT_TRANSFERS}WHERE to_depot_id = $1 AND item_id = $2 AND status = 'open' \
         ORDER BY id LIMIT 1"
    ))
    .bind(to_depot_id)
    .bind(item_id)
    .fetch_optional(conn)
    .await?;
    row.map(TryInto::try_into).transpose()
}

/// Transfer requests from or to any of `depot_ids`, open ones first, newest first, at
/// most `limit`.
pub async fn transfers_of(
    conn: &mut AnyConnection,
    depot_ids: &[i64],
    limit: i64,
) -> StoreResult<Vec<TransferRecord>> {
    if depot_ids.is_empty() {
        return Ok(Vec::new());
    }
    let anon = anon(conn);
    let list = in_list(depot_ids.len(), anon);
    let (a, b) = if anon {
        (list.clone(), list)
    } else {
        let n = depot_ids.len();
        let second: Vec<String> = (n + 1..=2 * n).map(|i| format!("${i}")).collect();
        (list, second.join(","))
    };
    let limit_at = if anon {
        "?".to_owned()
    } else {
        format!("${}", 2 * depot_ids.len() + 1)
    };
    let sql = format!(
        "{SELECT_TRANSFERS}WHERE from_depot_id IN ({a}) OR to_depot_id IN ({b}) \
         ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, id DESC LIMIT {limit_at}"
    );
    let mut q = query_as::<TransferRow>(sql);
    for id in depot_ids.iter().chain(depot_ids) {
        q = q.bind(*id);
    }
    records(q.bind(limit).fetch_all(conn).await?)
}

/// How many transfer requests to `from_depot_ids` wait for a decision.
pub async fn count_open_transfers(
    conn: &mut AnyConnection,
    from_depot_ids: &[i64],
) -> StoreResult<i64> {
    if from_depot_ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "SELECT COUNT(*) FROM material_transfers WHERE status = 'open' AND from_depot_id IN ({})",
        in_list(from_depot_ids.len(), anon(conn))
    );
    let mut q = query(sql);
    for id in from_depot_ids {
        q = q.bind(*id);
    }
    Ok(q.fetch_one(conn).await?.try_get(0)?)
}
