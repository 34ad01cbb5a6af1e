//! The volunteer registry: one entry per ledger record, with the volunteer's skills,
//! times, vehicle and area, and where they stand.

use civicgrid_domain::care::volunteers::{
    Availability, Coverage, Profile, Skill, Status, join_codes, split_codes,
};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, flag, records};
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerRecord {
    pub id: i64,
    pub resident_id: i64,
    /// The account linked to the resident when they signed up, if any.
    pub user_id: Option<i64>,
    pub community_id: i64,
    /// The grid where the resident lives: who may see the entry.
    pub scope: OrgPath,
    /// The place they cover: their grid or their community.
    pub area_id: i64,
    pub area: OrgPath,
    pub profile: Profile,
    pub status: Status,
    /// Why they were declined or suspended.
    pub status_reason: Option<String>,
    pub added_by_staff: bool,
    pub verified_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// The resident's name (from the ledger).
    pub name: String,
}

#[derive(sqlx::FromRow)]
struct VolunteerRow {
    id: i64,
    resident_id: i64,
    user_id: Option<i64>,
    community_id: i64,
    scope_path: String,
    area_id: i64,
    area_path: String,
    skills: String,
    availability: String,
    vehicle: i64,
    note: String,
    status: String,
    status_reason: Option<String>,
    added_by_staff: i64,
    verified_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
    name: String,
}

impl TryFrom<VolunteerRow> for VolunteerRecord {
    type Error = StoreError;

    fn try_from(r: VolunteerRow) -> StoreResult<Self> {
        let skills = split_codes(&r.skills)
            .map(|c| Skill::parse(c).map_err(corrupt))
            .collect::<StoreResult<Vec<_>>>()?;
        let availability = split_codes(&r.availability)
            .map(|c| Availability::parse(c).map_err(corrupt))
            .collect::<StoreResult<Vec<_>>>()?;
        let area = OrgPath::from_stored(r.area_path);
        let scope = OrgPath::from_stored(r.scope_path);
        Ok(VolunteerRecord {
            id: r.id,
            resident_id: r.resident_id,
            user_id: r.user_id,
            community_id: r.community_id,
            profile: Profile {
                skills,
                availability,
                vehicle: r.vehicle != 0,
                coverage: if r.area_id == r.community_id {
                    Coverage::Community
                } else {
                    Coverage::Grid
                },
                note: r.note,
            },
            scope,
            area_id: r.area_id,
            area,
            status: Status::parse(&r.status).map_err(corrupt)?,
            status_reason: r.status_reason,
            added_by_staff: r.added_by_staff != 0,
            verified_at: r.verified_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            name: r.name,
        })
    }
}

macro_rules! select_volunteers {
    ($rest:literal) => {
        concat!(
            "SELECT v.id, v.resident_id, v.user_id, v.community_id, v.scope_path, v.area_id, \
             v.area_path, v.skills, v.availability, v.vehicle, v.note, v.status, \
             v.status_reason, v.added_by_staff, v.verified_at, v.created_at, v.updated_at, \
             v.version, r.name FROM volunteers v JOIN residents r ON r.id = v.resident_id ",
            $rest
        )
    };
}

/// Stores a new entry; `id`, `version` and `name` of `v` are ignored.
pub async fn insert_volunteer(conn: &mut AnyConnection, v: &VolunteerRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO volunteers (resident_id, user_id, community_id, scope_path, area_id, \
         area_path, skills, availability, vehicle, note, status, status_reason, added_by_staff, \
         verified_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         RETURNING id",
    )
    .bind(v.resident_id)
    .bind(v.user_id)
    .bind(v.community_id)
    .bind(v.scope.as_str())
    .bind(v.area_id)
    .bind(v.area.as_str())
    .bind(join_codes(v.profile.skills.iter().map(|s| s.code())))
    .bind(join_codes(v.profile.availability.iter().map(|a| a.code())))
    .bind(flag(v.profile.vehicle))
    .bind(v.profile.note.as_str())
    .bind(v.status.code())
    .bind(v.status_reason.as_deref())
    .bind(flag(v.added_by_staff))
    .bind(v.verified_at)
    .bind(v.created_at)
    .bind(v.updated_at)
    .fetch_one(conn)
    .await?)
}

/// Writes everything but the resident and `created_at` if `v` is still at its version;
/// returns the new version, or `None` when someone changed it first.
pub async fn update_volunteer(
    conn: &mut AnyConnection,
    v: &VolunteerRecord,
) -> StoreResult<Option<i64>> {
    let done = sqlx::query(
        "UPDATE volunteers SET user_id = $2, community_id = $3, scope_path = $4, area_id = $5, \
         area_path = $6, skills = $7, availability = $8, vehicle = $9, note = $10, status = $11, \
         status_reason = $12, verified_at = $13, updated_at = $14, version = version + 1 \
         WHERE id = $1 AND version = $15",
    )
    .bind(v.id)
    .bind(v.user_id)
    .bind(v.community_id)
    .bind(v.scope.as_str())
    .bind(v.area_id)
    .bind(v.area.as_str())
    .bind(join_codes(v.profile.skills.iter().map(|s| s.code())))
    .bind(join_codes(v.profile.availability.iter().map(|a| a.code())))
    .bind(flag(v.profile.vehicle))
    .bind(v.profile.note.as_str())
    .bind(v.status.code())
    .bind(v.status_reason.as_deref())
    .bind(v.verified_at)
    .bind(v.updated_at)
    .bind(v.version)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(v.version + 1))
}

pub async fn get_volunteer(conn: &mut AnyConnection, id: i64) -> StoreResult<VolunteerRecord> {
    let row: VolunteerRow = sqlx::query_as(select_volunteers!("WHERE v.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// The entry of a ledger record, if it is in the registry.
pub async fn volunteer_of_resident(
    conn: &mut AnyConnection,
    resident_id: i64,
) -> StoreResult<Option<VolunteerRecord>> {
    let row: Option<VolunteerRow> = sqlx::query_as(select_volunteers!("WHERE v.resident_id = $1"))
        .bind(resident_id)
        .fetch_optional(conn)
        .await?;
    row.map(TryInto::try_into).transpose()
}

/// What a registry listing is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub skill: Option<Skill>,
}

/// Entries of residents living inside `scope`, matching `filter`, newest first, at most
/// `limit`.
pub async fn list_volunteers(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    filter: &Filter,
    limit: i64,
) -> StoreResult<Vec<VolunteerRecord>> {
    let mut sql = String::from(select_volunteers!(
        "WHERE v.scope_path >= $1 AND v.scope_path < $2"
    ));
    let mut n = 3;
    if filter.status.is_some() {
        sql.push_str(&format!(" AND v.status = ${n}"));
        n += 1;
    }
    if filter.skill.is_some() {
        sql.push_str(&format!(" AND v.skills LIKE ${n}"));
        n += 1;
    }
    sql.push_str(&format!(" ORDER BY v.id DESC LIMIT ${n}"));
    let mut q = crate::dialect::query_as::<VolunteerRow>(sql)
        .bind(scope.as_str().to_owned())
        .bind(prefix_end(scope.as_str()));
    if let Some(s) = filter.status {
        q = q.bind(s.code());
    }
    if let Some(s) = filter.skill {
        q = q.bind(format!("%,{},%", s.code()));
    }
    let rows = q.bind(limit).fetch_all(conn).await?;
    records(rows)
}

/// How many entries of residents inside `scope` stand at `status`.
pub async fn count_volunteers(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    status: Status,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM volunteers WHERE scope_path >= $1 AND scope_path < $2 \
         AND status = $3",
    )
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(status.code())
    .fetch_one(conn)
    .await?)
}
