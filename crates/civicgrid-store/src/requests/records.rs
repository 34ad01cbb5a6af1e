//! The requests themselves: intake, reading, and writing back a changed state under
//! optimistic locking.

use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::requests::routing::Party;
use civicgrid_domain::requests::sla::{Deadlines, EscalationLevel};
use civicgrid_domain::requests::{Channel, Rating, RequestId, Status};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use super::{corrupt, degrees_to_e7, e7_to_degrees, flag};
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

pub(super) fn from_row(r: &AnyRow) -> StoreResult<RequestRecord> {
    let channel: String = r.try_get("channel")?;
    let status: String = r.try_get("status")?;
    let held_from: Option<String> = r.try_get("held_from")?;
    let party: String = r.try_get("party")?;
    let level: i64 = r.try_get("escalation_level")?;
    let lon: Option<i64> = r.try_get("lon_e7")?;
    let lat: Option<i64> = r.try_get("lat_e7")?;
    let rating: Option<i64> = r.try_get("rating")?;
    let due_at: Option<i64> = r.try_get("due_at")?;
    let flagged: i64 = r.try_get("flagged")?;
    let return_visit: i64 = r.try_get("return_visit")?;
    let public: i64 = r.try_get("public")?;
    let duplicate_of: Option<i64> = r.try_get("duplicate_of")?;
    Ok(RequestRecord {
        id: RequestId(r.try_get("id")?),
        category: r.try_get("category")?,
        channel: Channel::parse(&channel).map_err(corrupt)?,
        description: r.try_get("description")?,
        grid_id: r.try_get("grid_id")?,
        community_id: r.try_get("community_id")?,
        path: OrgPath::from_stored(r.try_get("path")?),
        building_id: r.try_get("building_id")?,
        room_id: r.try_get("room_id")?,
        point: lon
            .zip(lat)
            .map(|(x, y)| (e7_to_degrees(x), e7_to_degrees(y))),
        address: r.try_get("address")?,
        requester_user_id: r.try_get("requester_user_id")?,
        requester_resident_id: r.try_get("requester_resident_id")?,
        contact_name: r.try_get("contact_name")?,
        contact_phone_enc: r.try_get("contact_phone_enc")?,
        contact_phone_idx: r.try_get("contact_phone_idx")?,
        intake_user_id: r.try_get("intake_user_id")?,
        intake_token_id: r.try_get("intake_token_id")?,
        status: Status::parse(&status).map_err(corrupt)?,
        held_from: held_from
            .as_deref()
            .map(Status::parse)
            .transpose()
            .map_err(corrupt)?,
        party: Party::decode(&party).map_err(corrupt)?,
        assignee_user_id: r.try_get("assignee_user_id")?,
        routed_rule_id: r.try_get("routed_rule_id")?,
        escalation_level: u8::try_from(level)
            .ok()
            .and_then(EscalationLevel::from_rank)
            .ok_or_else(|| corrupt(format!("escalation level {level}")))?,
        next_step_at: r.try_get("next_step_at")?,
        deadlines: Deadlines {
            response_warn_ms: r.try_get("response_warn_at")?,
            response_due_ms: r.try_get("response_due_at")?,
            resolution_warn_ms: r.try_get("resolution_warn_at")?,
            resolution_due_ms: r.try_get("resolution_due_at")?,
        },
        warn_at: r.try_get("warn_at")?,
        due_at: due_at.filter(|d| *d != HELD_DUE),
        held_at: r.try_get("held_at")?,
        responded_at: r.try_get("responded_at")?,
        resolved_at: r.try_get("resolved_at")?,
        closed_at: r.try_get("closed_at")?,
        rating: rating
            .map(|v| {
                u8::try_from(v)
                    .map_err(corrupt)
                    .and_then(|v| Rating::new(v).map_err(corrupt))
            })
            .transpose()?,
        rating_comment: r.try_get("rating_comment")?,
        rated_at: r.try_get("rated_at")?,
        flagged: flagged != 0,
        return_visit_pending: return_visit != 0,
        return_visit_at: r.try_get("return_visit_at")?,
        public: public != 0,
        duplicate_of: duplicate_of.map(RequestId),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
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
    q.bind(&rec.category)
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
        .bind(rec.routed_rule_id)
        .bind(i64::from(rec.escalation_level.rank()))
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
        .bind(rec.created_at)
        .bind(rec.updated_at)
}

pub async fn get_request(conn: &mut AnyConnection, id: RequestId) -> StoreResult<RequestRecord> {
    let row = sqlx::query(select_requests!("WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// Writes back the changeable part of `rec` (status, party, deadlines, escalation,
/// rating, flags, category, duplicate link) if the stored version is still
/// `rec.version`, and bumps the version. Returns the new version, or `None` when
/// someone else changed the request first (nothing is written then).
pub async fn update_request(
    conn: &mut AnyConnection,
    rec: &RequestRecord,
) -> StoreResult<Option<i64>> {
    let n = sqlx::query(
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
    .bind(rec.assignee_user_id)
    .bind(i64::from(rec.escalation_level.rank()))
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

/// Duplicate candidates: requests of the community created at or after `since_ms`
/// that are not themselves duplicates or rejected, newest first, at most `limit`.
pub async fn duplicate_candidates(
    conn: &mut AnyConnection,
    community_id: i64,
    since_ms: i64,
    limit: i64,
) -> StoreResult<Vec<CandidateRow>> {
    let rows = sqlx::query(
        "SELECT id, category, description, building_id, lon_e7, lat_e7, status, created_at \
         FROM requests WHERE community_id = $1 AND created_at >= $2 \
         AND status NOT IN ('duplicate', 'rejected') ORDER BY created_at DESC, id DESC LIMIT $3",
    )
    .bind(community_id)
    .bind(since_ms)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let lon: Option<i64> = r.try_get("lon_e7")?;
            let lat: Option<i64> = r.try_get("lat_e7")?;
            let status: String = r.try_get("status")?;
            Ok(CandidateRow {
                id: RequestId(r.try_get("id")?),
                category: r.try_get("category")?,
                description: r.try_get("description")?,
                building_id: r.try_get("building_id")?,
                point: lon
                    .zip(lat)
                    .map(|(x, y)| (e7_to_degrees(x), e7_to_degrees(y))),
                status: Status::parse(&status).map_err(corrupt)?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// (description, category) of the community's latest requests whose category stands
/// (not rejected or duplicate), newest first, at most `limit`: the classifier's lessons.
pub async fn training_samples(
    conn: &mut AnyConnection,
    community_id: i64,
    limit: i64,
) -> StoreResult<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT description, category FROM requests WHERE community_id = $1 \
         AND status NOT IN ('duplicate', 'rejected') ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(community_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("description")?, r.try_get("category")?)))
        .collect()
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
