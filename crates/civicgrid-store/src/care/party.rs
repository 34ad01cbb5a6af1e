//! Party members registered where they live, their pledges for the year, the notes
//! of fulfilment, the requests staff linked to them, and the real activity that
//! fulfils pledges (care visits as a carer, confirmed volunteer hours).

use chrono::NaiveDate;
use civicgrid_domain::care::party::{MemberStatus, PledgeKind};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, flag, records};
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub id: i64,
    pub resident_id: i64,
    /// The account that registered (the member's own), if any.
    pub user_id: Option<i64>,
    pub community_id: i64,
    /// The grid where the member lives: who may see the registration.
    pub scope: OrgPath,
    /// The party organisation of the member's employer (所在党组织).
    pub organisation: String,
    pub status: MemberStatus,
    pub status_reason: Option<String>,
    /// The member shows a public badge (党员示范岗) to the community.
    pub public_badge: bool,
    pub confirmed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// The resident's name (from the ledger).
    pub name: String,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: i64,
    resident_id: i64,
    user_id: Option<i64>,
    community_id: i64,
    scope_path: String,
    organisation: String,
    status: String,
    status_reason: Option<String>,
    public_badge: i64,
    confirmed_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
    name: String,
}

impl TryFrom<MemberRow> for MemberRecord {
    type Error = StoreError;

    fn try_from(r: MemberRow) -> StoreResult<Self> {
        Ok(MemberRecord {
            id: r.id,
            resident_id: r.resident_id,
            user_id: r.user_id,
            community_id: r.community_id,
            scope: OrgPath::from_stored(r.scope_path),
            organisation: r.organisation,
            status: MemberStatus::parse(&r.status).map_err(corrupt)?,
            status_reason: r.status_reason,
            public_badge: r.public_badge != 0,
            confirmed_at: r.confirmed_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            name: r.name,
        })
    }
}

macro_rules! select_members {
    ($rest:literal) => {
        concat!(
            "SELECT m.id, m.resident_id, m.user_id, m.community_id, m.scope_path, \
             m.organisation, m.status, m.status_reason, m.public_badge, m.confirmed_at, \
             m.created_at, m.updated_at, m.version, r.name \
             FROM party_members m JOIN residents r ON r.id = m.resident_id ",
            $rest
        )
    };
}

/// Stores a new registration; `id`, `version` and `name` of `m` are ignored.
pub async fn insert_member(conn: &mut AnyConnection, m: &MemberRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO party_members (resident_id, user_id, community_id, scope_path, \
         organisation, status, status_reason, public_badge, confirmed_at, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(m.resident_id)
    .bind(m.user_id)
    .bind(m.community_id)
    .bind(m.scope.as_str())
    .bind(m.organisation.as_str())
    .bind(m.status.code())
    .bind(m.status_reason.as_deref())
    .bind(flag(m.public_badge))
    .bind(m.confirmed_at)
    .bind(m.created_at)
    .bind(m.updated_at)
    .fetch_one(conn)
    .await?)
}

/// Writes everything but the resident and `created_at` if `m` is still at its version;
/// returns the new version, or `None` when someone changed it first.
pub async fn update_member(conn: &mut AnyConnection, m: &MemberRecord) -> StoreResult<Option<i64>> {
    let done = sqlx::query(
        "UPDATE party_members SET user_id = $2, community_id = $3, scope_path = $4, \
         organisation = $5, status = $6, status_reason = $7, public_badge = $8, \
         confirmed_at = $9, updated_at = $10, version = version + 1 \
         WHERE id = $1 AND version = $11",
    )
    .bind(m.id)
    .bind(m.user_id)
    .bind(m.community_id)
    .bind(m.scope.as_str())
    .bind(m.organisation.as_str())
    .bind(m.status.code())
    .bind(m.status_reason.as_deref())
    .bind(flag(m.public_badge))
    .bind(m.confirmed_at)
    .bind(m.updated_at)
    .bind(m.version)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(m.version + 1))
}

pub async fn get_member(conn: &mut AnyConnection, id: i64) -> StoreResult<MemberRecord> {
    let row: MemberRow = sqlx::query_as(select_members!("WHERE m.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// The registration of a ledger record, if there is one.
pub async fn member_of_resident(
    conn: &mut AnyConnection,
    resident_id: i64,
) -> StoreResult<Option<MemberRecord>> {
    let row: Option<MemberRow> = sqlx::query_as(select_members!("WHERE m.resident_id = $1"))
        .bind(resident_id)
        .fetch_optional(conn)
        .await?;
    row.map(TryInto::try_into).transpose()
}

/// Registrations of members living inside `scope`, at `status` when given, newest
/// first, at most `limit`.
pub async fn list_members(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    status: Option<MemberStatus>,
    limit: i64,
) -> StoreResult<Vec<MemberRecord>> {
    let rows: Vec<MemberRow> = match status {
        Some(s) => {
            sqlx::query_as(select_members!(
                "WHERE m.scope_path >= $1 AND m.scope_path < $2 AND m.status = $3 \
                 ORDER BY m.id DESC LIMIT $4"
            ))
            .bind(scope.as_str())
            .bind(prefix_end(scope.as_str()))
            .bind(s.code())
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query_as(select_members!(
                "WHERE m.scope_path >= $1 AND m.scope_path < $2 ORDER BY m.id DESC LIMIT $3"
            ))
            .bind(scope.as_str())
            .bind(prefix_end(scope.as_str()))
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
    };
    records(rows)
}

/// Confirmed members of `community_id` who show a public badge, by name.
pub async fn badge_holders(
    conn: &mut AnyConnection,
    community_id: i64,
) -> StoreResult<Vec<MemberRecord>> {
    let rows: Vec<MemberRow> = sqlx::query_as(select_members!(
        "WHERE m.community_id = $1 AND m.status = 'confirmed' AND m.public_badge = 1 \
         ORDER BY m.id"
    ))
    .bind(community_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// How many registrations of members inside `scope` stand at `status`.
pub async fn count_members(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    status: MemberStatus,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM party_members WHERE scope_path >= $1 AND scope_path < $2 \
         AND status = $3",
    )
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(status.code())
    .fetch_one(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeRecord {
    pub id: i64,
    pub member_id: i64,
    pub year: i32,
    pub kind: PledgeKind,
    pub text: String,
    /// Times, or minutes for volunteering.
    pub target: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct PledgeRow {
    id: i64,
    member_id: i64,
    year: i64,
    kind: String,
    text: String,
    target: i64,
    created_by: Option<i64>,
    created_at: i64,
}

impl TryFrom<PledgeRow> for PledgeRecord {
    type Error = StoreError;

    fn try_from(r: PledgeRow) -> StoreResult<Self> {
        Ok(PledgeRecord {
            id: r.id,
            member_id: r.member_id,
            year: i32::try_from(r.year).map_err(corrupt)?,
            kind: PledgeKind::parse(&r.kind).map_err(corrupt)?,
            text: r.text,
            target: r.target,
            created_by: r.created_by,
            created_at: r.created_at,
        })
    }
}

/// Stores a new pledge; `id` of `p` is ignored.
pub async fn insert_pledge(conn: &mut AnyConnection, p: &PledgeRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO party_pledges (member_id, year, kind, text, target, created_by, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(p.member_id)
    .bind(i64::from(p.year))
    .bind(p.kind.code())
    .bind(p.text.as_str())
    .bind(p.target)
    .bind(p.created_by)
    .bind(p.created_at)
    .fetch_one(conn)
    .await?)
}

pub async fn get_pledge(conn: &mut AnyConnection, id: i64) -> StoreResult<PledgeRecord> {
    let row: PledgeRow = sqlx::query_as(
        "SELECT id, member_id, year, kind, text, target, created_by, created_at \
         FROM party_pledges WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    row.try_into()
}

/// A member's pledges of `year`, oldest first.
pub async fn pledges_of_member(
    conn: &mut AnyConnection,
    member_id: i64,
    year: i32,
) -> StoreResult<Vec<PledgeRecord>> {
    let rows: Vec<PledgeRow> = sqlx::query_as(
        "SELECT id, member_id, year, kind, text, target, created_by, created_at \
         FROM party_pledges WHERE member_id = $1 AND year = $2 ORDER BY id",
    )
    .bind(member_id)
    .bind(i64::from(year))
    .fetch_all(conn)
    .await?;
    records(rows)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteRecord {
    pub id: i64,
    pub pledge_id: i64,
    pub on: NaiveDate,
    /// Times, or minutes for volunteering.
    pub amount: i64,
    /// What was done and who can confirm it.
    pub text: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: i64,
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    id: i64,
    pledge_id: i64,
    on_date: String,
    amount: i64,
    text: String,
    recorded_by: Option<i64>,
    recorded_at: i64,
}

impl TryFrom<NoteRow> for NoteRecord {
    type Error = StoreError;

    fn try_from(r: NoteRow) -> StoreResult<Self> {
        Ok(NoteRecord {
            id: r.id,
            pledge_id: r.pledge_id,
            on: NaiveDate::parse_from_str(&r.on_date, "%Y-%m-%d").map_err(corrupt)?,
            amount: r.amount,
            text: r.text,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
    }
}

/// Appends a note of fulfilment; `id` of `n` is ignored.
pub async fn insert_note(conn: &mut AnyConnection, n: &NoteRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO party_pledge_notes (pledge_id, on_date, amount, text, recorded_by, \
         recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(n.pledge_id)
    .bind(n.on.format("%Y-%m-%d").to_string())
    .bind(n.amount)
    .bind(n.text.as_str())
    .bind(n.recorded_by)
    .bind(n.recorded_at)
    .fetch_one(conn)
    .await?)
}

/// The notes of a member's pledges of `year`, newest first.
pub async fn notes_of_member(
    conn: &mut AnyConnection,
    member_id: i64,
    year: i32,
) -> StoreResult<Vec<NoteRecord>> {
    let rows: Vec<NoteRow> = sqlx::query_as(
        "SELECT n.id, n.pledge_id, n.on_date, n.amount, n.text, n.recorded_by, n.recorded_at \
         FROM party_pledge_notes n JOIN party_pledges p ON p.id = n.pledge_id \
         WHERE p.member_id = $1 AND p.year = $2 ORDER BY n.on_date DESC, n.id DESC",
    )
    .bind(member_id)
    .bind(i64::from(year))
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// Links a request the member helped resolve; `false` when it was linked already.
pub async fn link_request(
    conn: &mut AnyConnection,
    member_id: i64,
    request_id: i64,
    by: Option<i64>,
    at: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO party_request_links (member_id, request_id, linked_by, linked_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (member_id, request_id) DO NOTHING",
    )
    .bind(member_id)
    .bind(request_id)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A request linked to a member, as their evidence shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedRequest {
    pub request_id: i64,
    pub category: String,
    pub description: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

/// The requests linked to a member that were resolved in `[from_ms, to_ms)`, newest
/// first.
pub async fn linked_requests(
    conn: &mut AnyConnection,
    member_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<Vec<LinkedRequest>> {
    Ok(sqlx::query_as(
        "SELECT q.id AS request_id, q.category, q.description, q.created_at, q.resolved_at \
         FROM party_request_links l JOIN requests q ON q.id = l.request_id \
         WHERE l.member_id = $1 AND q.resolved_at >= $2 AND q.resolved_at < $3 \
         ORDER BY q.resolved_at DESC",
    )
    .bind(member_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(conn)
    .await?)
}

/// Requests of `community_id` resolved since `since_ms` that are not linked to
/// `member_id` yet, newest first, at most `limit` (the choices for a link).
pub async fn resolved_unlinked(
    conn: &mut AnyConnection,
    community_id: i64,
    member_id: i64,
    since_ms: i64,
    limit: i64,
) -> StoreResult<Vec<LinkedRequest>> {
    Ok(sqlx::query_as(
        "SELECT q.id AS request_id, q.category, q.description, q.created_at, q.resolved_at \
         FROM requests q WHERE q.community_id = $1 AND q.resolved_at >= $2 \
         AND NOT EXISTS (SELECT 1 FROM party_request_links l \
                         WHERE l.member_id = $3 AND l.request_id = q.id) \
         ORDER BY q.resolved_at DESC LIMIT $4",
    )
    .bind(community_id)
    .bind(since_ms)
    .bind(member_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// A care visit made by a member as a carer: when and how.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CarerVisit {
    pub visit_id: i64,
    pub visited_at: i64,
    pub mode: String,
    pub outcome: String,
}

/// The care visits `user_id` logged as a carer in `[from_ms, to_ms)`, newest first.
pub async fn visits_by_carer(
    conn: &mut AnyConnection,
    user_id: i64,
    from_ms: i64,
    to_ms: i64,
) -> StoreResult<Vec<CarerVisit>> {
    Ok(sqlx::query_as(
        "SELECT id AS visit_id, visited_at, mode, outcome FROM care_visits \
         WHERE carer_user_id = $1 AND visited_at >= $2 AND visited_at < $3 \
         ORDER BY visited_at DESC",
    )
    .bind(user_id)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(conn)
    .await?)
}

/// A day of confirmed volunteer hours: the activity and the minutes (corrections
/// included).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServedDay {
    pub served_on: String,
    pub activity_id: i64,
    pub title: String,
    pub minutes: i64,
}

/// The volunteer hours of ledger record `resident_id` served from `from` up to (not
/// including) `to`, summed per day and activity, newest first.
pub async fn hours_served(
    conn: &mut AnyConnection,
    resident_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<ServedDay>> {
    Ok(sqlx::query_as(
        "SELECT h.served_on, a.id AS activity_id, a.title, CAST(SUM(h.minutes) AS BIGINT) AS minutes \
         FROM volunteers v JOIN volunteer_hours h ON h.volunteer_id = v.id \
         JOIN volunteer_signups s ON s.id = h.signup_id \
         JOIN volunteer_shifts f ON f.id = s.shift_id \
         JOIN volunteer_activities a ON a.id = f.activity_id \
         WHERE v.resident_id = $1 AND h.served_on >= $2 AND h.served_on < $3 \
         GROUP BY h.served_on, a.id, a.title ORDER BY h.served_on DESC, a.id",
    )
    .bind(resident_id)
    .bind(from.format("%Y-%m-%d").to_string())
    .bind(to.format("%Y-%m-%d").to_string())
    .fetch_all(conn)
    .await?)
}
