//! The requests themselves: intake, reading, and writing back a changed state under
//! optimistic locking.

use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::requests::routing::Party;
use civicgrid_domain::requests::sla::{Deadlines, EscalationLevel};
use civicgrid_domain::requests::{Channel, Rating, RequestId, Status};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use super::{corrupt, degrees_to_e7, e7_to_degrees, flag};
use crate::repo::records;
use crate::{StoreError, StoreResult};

/// Stored in `due_at` while a request is on hold: no clock runs, and it sorts after
/// every real due time in the work queues. Read back as `None`.
pub const HELD_DUE: i64 = i64::MAX;

/// A request as stored. On insert `id` and `version` are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    pub id: RequestId,
    pub category: String,
    pub channel: Channel,
    pub description: String,
    pub grid_id: i64,
    pub community_id: i64,
    /// Materialised path of the grid.
    pub path: OrgPath,
    pub building_id: Option<i64>,
    pub room_id: Option<i64>,
    /// WGS-84 (longitude, latitude).
    pub point: Option<(f64, f64)>,
    /// A free-text hint of where (not personal: "east gate", "3栋 stairwell").
    pub address: String,
    /// The resident's account, when they raised it themselves or have one.
    pub requester_user_id: Option<i64>,
    /// The resident's ledger record, when known.
    pub requester_resident_id: Option<i64>,
    /// Name of the person to call back (shown masked).
    pub contact_name: Option<String>,
    /// Their phone, sealed ([`crate::crypto::FieldKeys::seal`] under
    /// [`F_CONTACT_PHONE`]); never stored in clear.
    pub contact_phone_enc: Option<String>,
    /// Blind index of the phone, to find a caller's earlier requests.
    pub contact_phone_idx: Option<String>,
    /// Staff account that entered it (phone, walk-in, patrol).
    pub intake_user_id: Option<i64>,
    /// API token that posted it (API, Open311).
    pub intake_token_id: Option<i64>,
    pub status: Status,
    /// The status before a hold (to resume to).
    pub held_from: Option<Status>,
    /// Who must act.
    pub party: Party,
    /// A person within the party who took it, if any.
    pub assignee_user_id: Option<i64>,
    /// The routing rule that chose the party on intake (`None`: the category default).
    pub routed_rule_id: Option<i64>,
    pub escalation_level: EscalationLevel,
    /// When the escalation job should next look at it; `None` when no step is ahead.
    pub next_step_at: Option<i64>,
    pub deadlines: Deadlines,
    /// The running clock's warning and due instants; `None` when no clock runs.
    pub warn_at: Option<i64>,
    pub due_at: Option<i64>,
    pub held_at: Option<i64>,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<Rating>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<i64>,
    /// Rated poorly under the "flag" policy, for a supervisor to look at.
    pub flagged: bool,
    /// A staff return visit (回访) is owed.
    pub return_visit_pending: bool,
    pub return_visit_at: Option<i64>,
    /// May appear on the public page (category public; without personal data).
    pub public: bool,
    pub duplicate_of: Option<RequestId>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// Associated-data label of the sealed contact phone.
pub const F_CONTACT_PHONE: &str = "requests.contact_phone";

/// A `requests` row as [`select_requests!`] reads it: codes as text, the point as
/// two integers, booleans as 0 or 1.
#[derive(sqlx::FromRow)]
pub(super) struct RequestRow {
    id: i64,
    category: String,
    channel: String,
    description: String,
    grid_id: i64,
    community_id: i64,
    path: String,
    building_id: Option<i64>,
    room_id: Option<i64>,
    lon_e7: Option<i64>,
    lat_e7: Option<i64>,
    address: String,
    requester_user_id: Option<i64>,
    requester_resident_id: Option<i64>,
    contact_name: Option<String>,
    contact_phone_enc: Option<String>,
    contact_phone_idx: Option<String>,
    intake_user_id: Option<i64>,
    intake_token_id: Option<i64>,
    status: String,
    held_from: Option<String>,
    party: String,
    assignee_user_id: Option<i64>,
    routed_rule_id: Option<i64>,
    escalation_level: i64,
    next_step_at: Option<i64>,
    response_warn_at: i64,
    response_due_at: i64,
    resolution_warn_at: i64,
    resolution_due_at: i64,
    warn_at: Option<i64>,
    due_at: Option<i64>,
    held_at: Option<i64>,
    responded_at: Option<i64>,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    rating: Option<i64>,
    rating_comment: Option<String>,
    rated_at: Option<i64>,
    flagged: i64,
    return_visit: i64,
    return_visit_at: Option<i64>,
    public: i64,
    duplicate_of: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

impl TryFrom<RequestRow> for RequestRecord {
    type Error = StoreError;

    fn try_from(r: RequestRow) -> StoreResult<Self> {
        let level = r.escalation_level;
        Ok(RequestRecord {
            id: RequestId(r.id),
            category: r.category,
            channel: Channel::parse(&r.channel).map_err(corrupt)?,
            description: r.description,
            grid_id: r.grid_id,
            community_id: r.community_id,
            path: OrgPath::from_stored(r.path),
            building_id: r.building_id,
            room_id: r.room_id,
            point: point_of(r.lon_e7, r.lat_e7),
            address: r.address,
            requester_user_id: r.requester_user_id,
            requester_resident_id: r.requester_resident_id,
            contact_name: r.contact_name,
            contact_phone_enc: r.contact_phone_enc,
            contact_phone_idx: r.contact_phone_idx,
            intake_user_id: r.intake_user_id,
            intake_token_id: r.intake_token_id,
            status: Status::parse(&r.status).map_err(corrupt)?,
            held_from: r
                .held_from
                .as_deref()
                .map(Status::parse)
                .transpose()
                .map_err(corrupt)?,
            party: Party::decode(&r.party).map_err(corrupt)?,
            assignee_user_id: r.assignee_user_id,
            routed_rule_id: r.routed_rule_id,
            escalation_level: u8::try_from(level)
                .ok()
                .and_then(EscalationLevel::from_rank)
                .ok_or_else(|| corrupt(format!("escalation level {level}")))?,
            next_step_at: r.next_step_at,
            deadlines: Deadlines {
                response_warn_ms: r.response_warn_at,
                response_due_ms: r.response_due_at,
                resolution_warn_ms: r.resolution_warn_at,
                resolution_due_ms: r.resolution_due_at,
            },
            warn_at: r.warn_at,
            due_at: r.due_at.filter(|d| *d != HELD_DUE),
            held_at: r.held_at,
            responded_at: r.responded_at,
            resolved_at: r.resolved_at,
            closed_at: r.closed_at,
            rating: r
                .rating
                .map(|v| {
                    u8::try_from(v)
                        .map_err(corrupt)
                        .and_then(|v| Rating::new(v).map_err(corrupt))
                })
                .transpose()?,
            rating_comment: r.rating_comment,
            rated_at: r.rated_at,
            flagged: r.flagged != 0,
            return_visit_pending: r.return_visit != 0,
            return_visit_at: r.return_visit_at,
            public: r.public != 0,
            duplicate_of: r.duplicate_of.map(RequestId),
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

/// The stored point (WGS-84 × 10^7) as degrees, when both halves are there.
fn point_of(lon_e7: Option<i64>, lat_e7: Option<i64>) -> Option<(f64, f64)> {
    lon_e7
        .zip(lat_e7)
        .map(|(x, y)| (e7_to_degrees(x), e7_to_degrees(y)))
}

/// What `due_at` holds for a record: its due time, [`HELD_DUE`] while open without a
/// clock, `NULL` once done.
fn stored_due(rec: &RequestRecord) -> Option<i64> {
    match rec.due_at {
        Some(d) => Some(d),
        None if rec.status.is_open() => Some(HELD_DUE),
        None => None,
    }
}

/// Inserts a new request; returns its id.
pub async fn insert_request(
    conn: &mut AnyConnection,
    rec: &RequestRecord,
) -> StoreResult<RequestId> {
    let q = sqlx::query(concat!(
        "INSERT INTO requests (",
        request_columns!(),
        ", version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, \
         $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, 1) RETURNING id",
    ));
    let row = bind_request(q, rec).fetch_one(&mut *conn).await?;
    Ok(RequestId(row.try_get("id")?))
}

/// Binds the [`request_columns!`] of `rec`, in order.
pub(super) fn bind_request<'q>(
    q: Query<'q, Any, AnyArguments>,
    rec: &'q RequestRecord,
) -> Query<'q, Any, AnyArguments> {
    let q = q
        .bind(&rec.category)
        .bind(rec.channel.code())
        .bind(&rec.description)
        .bind(rec.grid_id)
        .bind(rec.community_id)
        .bind(rec.path.as_str())
        .bind(rec.building_id)
        .bind(rec.room_id)
        .bind(rec.point.map(|p| degrees_to_e7(p.0)))
        .bind(rec.point.map(|p| degrees_to_e7(p.1)))
        .bind(&rec.address)
        .bind(rec.requester_user_id)
        .bind(rec.requester_resident_id)
        .bind(rec.contact_name.as_deref())
        .bind(rec.contact_phone_enc.as_deref())
        .bind(rec.contact_phone_idx.as_deref())
        .bind(rec.intake_user_id)
        .bind(rec.intake_token_id)
        .bind(rec.status.code())
        .bind(rec.held_from.map(Status::code))
        .bind(flag(rec.status.is_open()))
        .bind(rec.party.encode())
        .bind(rec.assignee_user_id)
        .bind(rec.routed_rule_id);
    bind_progress(q, rec)
        .bind(rec.created_at)
        .bind(rec.updated_at)
}

/// Binds what changes as a request is handled, from `escalation_level` to
/// `duplicate_of` in [`request_columns!`] order: the same run an insert and an update
/// write.
fn bind_progress<'q>(
    q: Query<'q, Any, AnyArguments>,
    rec: &'q RequestRecord,
) -> Query<'q, Any, AnyArguments> {
    q.bind(i64::from(rec.escalation_level.rank()))
        .bind(rec.next_step_at)
        .bind(rec.deadlines.response_warn_ms)
        .bind(rec.deadlines.response_due_ms)
        .bind(rec.deadlines.resolution_warn_ms)
        .bind(rec.deadlines.resolution_due_ms)
        .bind(rec.warn_at)
        .bind(stored_due(rec))
        .bind(rec.held_at)
        .bind(rec.responded_at)
        .bind(rec.resolved_at)
        .bind(rec.closed_at)
        .bind(rec.rating.map(|r| i64::from(r.value())))
        .bind(rec.rating_comment.as_deref())
        .bind(rec.rated_at)
        .bind(flag(rec.flagged))
        .bind(flag(rec.return_visit_pending))
        .bind(rec.return_visit_at)
        .bind(flag(rec.public))
        .bind(rec.duplicate_of.map(|d| d.0))
}

pub async fn get_request(conn: &mut AnyConnection, id: RequestId) -> StoreResult<RequestRecord> {
    sqlx::query_as::<_, RequestRow>(select_requests!("WHERE id = $1"))
        .bind(id.0)
        .fetch_one(&mut *conn)
        .await?
        .try_into()
}

/// Writes back the changeable part of `rec` (status, party, deadlines, escalation,
/// rating, flags, category, duplicate link) if the stored version is still
/// `rec.version`, and bumps the version. Returns the new version, or `None` when
/// someone else changed the request first (nothing is written then).
pub async fn update_request(
    conn: &mut AnyConnection,
    rec: &RequestRecord,
) -> StoreResult<Option<i64>> {
    let q = sqlx::query(
        "UPDATE requests SET category = $3, status = $4, held_from = $5, open = $6, party = $7, \
         assignee_user_id = $8, escalation_level = $9, next_step_at = $10, \
         response_warn_at = $11, response_due_at = $12, resolution_warn_at = $13, \
         resolution_due_at = $14, warn_at = $15, due_at = $16, held_at = $17, \
         responded_at = $18, resolved_at = $19, closed_at = $20, rating = $21, \
         rating_comment = $22, rated_at = $23, flagged = $24, return_visit = $25, \
         return_visit_at = $26, public = $27, duplicate_of = $28, updated_at = $29, \
         version = version + 1 WHERE id = $1 AND version = $2",
    )
    .bind(rec.id.0)
    .bind(rec.version)
    .bind(&rec.category)
    .bind(rec.status.code())
    .bind(rec.held_from.map(Status::code))
    .bind(flag(rec.status.is_open()))
    .bind(rec.party.encode())
    .bind(rec.assignee_user_id);
    let n = bind_progress(q, rec)
        .bind(rec.updated_at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok((n == 1).then_some(rec.version + 1))
}

/// An earlier request that a new one may duplicate, as the domain compares them.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateRow {
    pub id: RequestId,
    pub category: String,
    pub description: String,
    pub building_id: Option<i64>,
    pub point: Option<(f64, f64)>,
    pub status: Status,
    pub created_at: i64,
}

/// A duplicate candidate as stored: the status as its code, the point as two integers.
#[derive(sqlx::FromRow)]
struct CandidateColumns {
    id: i64,
    category: String,
    description: String,
    building_id: Option<i64>,
    lon_e7: Option<i64>,
    lat_e7: Option<i64>,
    status: String,
    created_at: i64,
}

impl TryFrom<CandidateColumns> for CandidateRow {
    type Error = StoreError;

    fn try_from(r: CandidateColumns) -> StoreResult<Self> {
        Ok(CandidateRow {
            id: RequestId(r.id),
            category: r.category,
            description: r.description,
            building_id: r.building_id,
            point: point_of(r.lon_e7, r.lat_e7),
            status: Status::parse(&r.status).map_err(corrupt)?,
            created_at: r.created_at,
        })
    }
}

/// Duplicate candidates: requests of the community created at or after `since_ms`
/// that are not themselves duplicates or rejected, newest first, at most `limit`.
pub async fn duplicate_candidates(
    conn: &mut AnyConnection,
    community_id: i64,
    since_ms: i64,
    limit: i64,
) -> StoreResult<Vec<CandidateRow>> {
    let rows: Vec<CandidateColumns> = sqlx::query_as(
        "SELECT id, category, description, building_id, lon_e7, lat_e7, status, created_at \
         FROM requests WHERE community_id = $1 AND created_at >= $2 \
         AND status NOT IN ('duplicate', 'rejected') ORDER BY created_at DESC, id DESC LIMIT $3",
    )
    .bind(community_id)
    .bind(since_ms)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    records(rows)
}

/// (description, category) of the community's latest requests whose category stands
/// (not rejected or duplicate), newest first, at most `limit`: the classifier's lessons.
pub async fn training_samples(
    conn: &mut AnyConnection,
    community_id: i64,
    limit: i64,
) -> StoreResult<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT description, category FROM requests WHERE community_id = $1 \
         AND status NOT IN ('duplicate', 'rejected') ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(community_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// The request an Open311 token stands for.
pub async fn request_of_open311_token(
    conn: &mut AnyConnection,
    token: &str,
) -> StoreResult<Option<RequestId>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT request_id FROM request_open311_tokens WHERE token = $1")
            .bind(token)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(id.map(RequestId))
}
