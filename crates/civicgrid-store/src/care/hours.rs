//! The hours ledger (时间银行): entries are only inserted, never updated or deleted.

use chrono::NaiveDate;
use civicgrid_domain::care::hours::EntryKind;
use sqlx::AnyConnection;

use crate::repo::{corrupt, records};
use crate::{StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursEntry {
    pub id: i64,
    pub volunteer_id: i64,
    pub kind: EntryKind,
    /// Minutes served (a correction may be negative).
    pub minutes: i64,
    /// The day of the shift it traces to.
    pub served_on: NaiveDate,
    /// The place on a shift it traces to (and so the shift and activity).
    pub signup_id: i64,
    /// The entry a correction corrects.
    pub corrects_id: Option<i64>,
    pub reason: Option<String>,
    pub recorded_by: Option<i64>,
    pub recorded_at: i64,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    volunteer_id: i64,
    kind: String,
    minutes: i64,
    served_on: String,
    signup_id: i64,
    corrects_id: Option<i64>,
    reason: Option<String>,
    recorded_by: Option<i64>,
    recorded_at: i64,
}

impl TryFrom<EntryRow> for HoursEntry {
    type Error = StoreError;

    fn try_from(r: EntryRow) -> StoreResult<Self> {
        Ok(HoursEntry {
            id: r.id,
            volunteer_id: r.volunteer_id,
            kind: EntryKind::parse(&r.kind).map_err(corrupt)?,
            minutes: r.minutes,
            served_on: NaiveDate::parse_from_str(&r.served_on, "%Y-%m-%d").map_err(corrupt)?,
            signup_id: r.signup_id,
            corrects_id: r.corrects_id,
            reason: r.reason,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
    }
}

macro_rules! select_entries {
    ($rest:literal) => {
        concat!(
            "SELECT id, volunteer_id, kind, minutes, served_on, signup_id, corrects_id, reason, \
             recorded_by, recorded_at FROM volunteer_hours ",
            $rest
        )
    };
}

/// Appends an entry; `id` of `e` is ignored.
pub async fn append_entry(conn: &mut AnyConnection, e: &HoursEntry) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO volunteer_hours (volunteer_id, kind, minutes, served_on, signup_id, \
         corrects_id, reason, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(e.volunteer_id)
    .bind(e.kind.code())
    .bind(e.minutes)
    .bind(e.served_on.format("%Y-%m-%d").to_string())
    .bind(e.signup_id)
    .bind(e.corrects_id)
    .bind(e.reason.as_deref())
    .bind(e.recorded_by)
    .bind(e.recorded_at)
    .fetch_one(conn)
    .await?)
}

pub async fn get_entry(conn: &mut AnyConnection, id: i64) -> StoreResult<HoursEntry> {
    let row: EntryRow = sqlx::query_as(select_entries!("WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// A volunteer's entries, the latest first.
pub async fn entries_of(
    conn: &mut AnyConnection,
    volunteer_id: i64,
) -> StoreResult<Vec<HoursEntry>> {
    let rows: Vec<EntryRow> =
        sqlx::query_as(select_entries!("WHERE volunteer_id = $1 ORDER BY id DESC"))
            .bind(volunteer_id)
            .fetch_all(conn)
            .await?;
    records(rows)
}

/// The minutes a place on a shift holds now: its entry and every correction.
pub async fn minutes_of_signup(conn: &mut AnyConnection, signup_id: i64) -> StoreResult<i64> {
    let m: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) FROM volunteer_hours \
             WHERE signup_id = $1",
    )
    .bind(signup_id)
    .fetch_one(conn)
    .await?;
    Ok(m.unwrap_or(0))
}
