//! `/api/v1/volunteers`: the volunteer registry — a resident's own entry (sign up,
//! change what they offer), staff adding residents of the ledger, verifying, declining
//! and suspending them, and each volunteer's hours ledger with its corrections. Names
//! are masked on the list.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use civicgrid_app::AppError;
use civicgrid_app::care::hours::HoursLedger;
use civicgrid_app::care::volunteers::{Volunteer as Stored, VolunteerFilter, VolunteerLine};
use civicgrid_app::domain::care::volunteers::{Availability, Coverage, Profile, Skill, Status};
use civicgrid_app::domain::privacy::mask_name;
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/volunteers", list)
        .post("/api/v1/volunteers", add)
        .get("/api/v1/volunteers/me", me)
        .put("/api/v1/volunteers/me", sign_up)
        .get("/api/v1/volunteers/{id}", get)
        .post("/api/v1/volunteers/{id}/status", move_to)
        .get("/api/v1/volunteers/{id}/hours", hours)
        .post("/api/v1/volunteers/{id}/hours", correct)
}

/// The volunteers' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, add, me, sign_up, get, move_to, hours, correct))]
pub(crate) struct Api;

/// What a volunteer offers.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// Codes of the catalogue: first_aid, elderly_care, tutoring, repairs, legal,
    /// psychological, driving, languages.
    pub skills: Vec<String>,
    /// weekdays, evenings, weekends, holidays.
    pub availability: Vec<String>,
    #[serde(default)]
    pub vehicle: bool,
    /// grid (their own) or community (the whole of it).
    #[schema(pattern = "^(grid|community)$")]
    pub coverage: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

pub(crate) fn profile_of(
    skills: &[String],
    availability: &[String],
    vehicle: bool,
    coverage: &str,
    note: String,
) -> Result<Profile, AppError> {
    let skills = skills
        .iter()
        .map(|s| {
            Skill::parse(s)
                .map_err(|_| AppError::invalid("skills", "choose skills of the catalogue"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let availability = availability
        .iter()
        .map(|s| {
            Availability::parse(s)
                .map_err(|_| AppError::invalid("availability", "choose times of the list"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let coverage = Coverage::parse(coverage)
        .map_err(|_| AppError::invalid("coverage", "choose your grid or your community"))?;
    Ok(Profile {
        skills,
        availability,
        vehicle,
        coverage,
        note,
    })
}

impl ProfileBody {
    fn profile(self) -> Result<Profile, AppError> {
        profile_of(
            &self.skills,
            &self.availability,
            self.vehicle,
            &self.coverage,
            self.note,
        )
    }
}

/// A resident of the ledger to add, verified at once, with what they offer (the
/// fields of [`ProfileBody`]).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddVolunteerBody {
    pub resident_id: i64,
    /// Codes of the catalogue: first_aid, elderly_care, tutoring, repairs, legal,
    /// psychological, driving, languages.
    pub skills: Vec<String>,
    /// weekdays, evenings, weekends, holidays.
    pub availability: Vec<String>,
    #[serde(default)]
    pub vehicle: bool,
    /// grid (their own) or community (the whole of it).
    #[schema(pattern = "^(grid|community)$")]
    pub coverage: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

/// A move: verified, declined or suspended (declining and suspending need a reason).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    #[schema(pattern = "^(verified|declined|suspended)$")]
    pub status: String,
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A correction of an entry's hours, by a signed number of hours (`-0.5`, `1`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    /// The entry corrected (a shift's entry or an earlier correction of it).
    pub entry_id: i64,
    /// Hours to add (negative: to take away), at most two decimals.
    pub hours: String,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// The registry's filters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
pub struct ListQuery {
    /// pending, verified, declined or suspended.
    pub status: Option<String>,
    /// A skill's code.
    pub skill: Option<String>,
}

/// A volunteer's entry.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Volunteer {
    pub id: i64,
    /// Masked on lists (张*), in full on one entry.
    pub name: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub skills: Vec<String>,
    pub availability: Vec<String>,
    pub vehicle: bool,
    pub coverage: String,
    pub note: String,
    /// The grid where they live.
    pub grid_name: String,
    /// The place they cover.
    pub area_name: String,
    pub verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn volunteer(v: Stored, grid_name: String, area_name: String, masked: bool) -> Volunteer {
    Volunteer {
        id: v.id,
        name: if masked { mask_name(&v.name) } else { v.name },
        status: v.status.code().to_owned(),
        status_reason: v.status_reason,
        skills: v
            .profile
            .skills
            .iter()
            .map(|s| s.code().to_owned())
            .collect(),
        availability: v
            .profile
            .availability
            .iter()
            .map(|a| a.code().to_owned())
            .collect(),
        vehicle: v.profile.vehicle,
        coverage: v.profile.coverage.code().to_owned(),
        note: v.profile.note,
        grid_name,
        area_name,
        verified_at: v.verified_at.map(time),
        created_at: time(v.created_at),
    }
}

impl From<VolunteerLine> for Volunteer {
    fn from(l: VolunteerLine) -> Volunteer {
        volunteer(l.v, l.grid_name, l.area_name, true)
    }
}

/// An entry of the hours ledger.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HoursEntryOut {
    pub id: i64,
    /// shift or correction.
    pub kind: String,
    /// Hours, two decimals at most; a correction may be negative.
    pub hours: String,
    pub minutes: i64,
    pub served_on: NaiveDate,
    /// The activity it traces to.
    pub activity_id: i64,
    pub activity_title: String,
    pub corrects_id: Option<i64>,
    pub reason: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// A volunteer's hours: totals by year and every entry, the latest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Hours {
    pub total_hours: String,
    /// (year, hours).
    pub years: Vec<YearHours>,
    pub entries: Vec<HoursEntryOut>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct YearHours {
    pub year: i32,
    pub hours: String,
}

pub(crate) fn hours_of(h: HoursLedger) -> Hours {
    use civicgrid_app::domain::care::hours::format_hours;
    Hours {
        total_hours: format_hours(h.total),
        years: h
            .years
            .into_iter()
            .map(|(year, m)| YearHours {
                year,
                hours: format_hours(m),
            })
            .collect(),
        entries: h
            .entries
            .into_iter()
            .map(|e| HoursEntryOut {
                id: e.entry.id,
                kind: e.entry.kind.code().to_owned(),
                hours: format_hours(e.entry.minutes),
                minutes: e.entry.minutes,
                served_on: e.entry.served_on,
                activity_id: e.activity_id,
                activity_title: e.title,
                corrects_id: e.entry.corrects_id,
                reason: e.entry.reason,
                recorded_at: time(e.entry.recorded_at),
            })
            .collect(),
    }
}

/// One volunteer with their hours.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VolunteerDetail {
    pub volunteer: Volunteer,
    pub community_name: String,
    pub teams: Vec<String>,
    pub hours: Hours,
}

/// The caller's own entry, if any.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyVolunteering {
    /// The account is linked to a living ledger record (may sign up).
    pub linked: bool,
    pub volunteer: Option<Volunteer>,
    pub hours: Hours,
}

#[utoipa::path(get, path = "/api/v1/volunteers", tag = "volunteers",
    params(ListQuery),
    responses(
        (status = 200, body = Vec<Volunteer>, description = "Newest first, names masked"),
        (status = 403, body = ErrorBody, description = "The caller sees the registry nowhere"),
    ))]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<Volunteer>>> {
    let filter = VolunteerFilter {
        status: match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(Status::parse(s).map_err(|_| {
                AppError::invalid("status", "pending, verified, declined or suspended")
            })?),
            None => None,
        },
        skill: match q.skill.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(
                Skill::parse(s)
                    .map_err(|_| AppError::invalid("skill", "a skill of the catalogue"))?,
            ),
            None => None,
        },
    };
    let list = st.app.volunteers(&caller.actor, &filter).await?;
    Ok(Json(list.into_iter().map(Volunteer::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/volunteers", tag = "volunteers",
    request_body = AddVolunteerBody,
    responses(
        (status = 201, body = Volunteer, description = "Added, verified"),
        (status = 403, body = ErrorBody, description = "The caller runs volunteering nowhere"),
        (status = 422, body = ErrorBody, description = "A field at fault: a resident out of the caller's places or already in the registry, no skill"),
    ))]
pub async fn add(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<AddVolunteerBody>,
) -> ApiResult<Response> {
    let profile = profile_of(&b.skills, &b.availability, b.vehicle, &b.coverage, b.note)?;
    let v = st
        .app
        .add_volunteer(&caller.actor, b.resident_id, profile)
        .await?;
    let view = st.app.volunteer(&caller.actor, v.id).await?;
    Ok(created(
        format!("/api/v1/volunteers/{}", v.id),
        volunteer(view.v, view.grid_name, view.area_name, false),
    ))
}

#[utoipa::path(get, path = "/api/v1/volunteers/me", tag = "volunteers",
    responses((status = 200, body = MyVolunteering, description = "The caller's own entry and hours")))]
pub async fn me(State(st): State<AppState>, caller: ApiCaller) -> ApiResult<Json<MyVolunteering>> {
    let mine = st.app.my_volunteering(&caller.actor).await?;
    let names = mine
        .home
        .as_ref()
        .map(|h| (h.grid_name.clone(), h.community_name.clone()));
    Ok(Json(MyVolunteering {
        linked: mine.home.is_some(),
        volunteer: mine.volunteer.map(|v| {
            let (grid, community) = names.clone().unwrap_or_default();
            let area = if v.area_id == v.community_id {
                community
            } else {
                grid.clone()
            };
            volunteer(v, grid, area, false)
        }),
        hours: hours_of(mine.hours),
    }))
}

#[utoipa::path(put, path = "/api/v1/volunteers/me", tag = "volunteers",
    request_body = ProfileBody,
    responses(
        (status = 200, body = Volunteer, description = "Signed up (pending), or what the entry offers changed"),
        (status = 403, body = ErrorBody, description = "The account is not linked to a living ledger record"),
        (status = 422, body = ErrorBody, description = "A field at fault"),
    ))]
pub async fn sign_up(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<ProfileBody>,
) -> ApiResult<Json<Volunteer>> {
    let profile = b.profile()?;
    let v = st.app.volunteer_sign_up(&caller.actor, profile).await?;
    let mine = st.app.my_volunteering(&caller.actor).await?;
    let (grid, community) = mine
        .home
        .map(|h| (h.grid_name, h.community_name))
        .unwrap_or_default();
    let area = if v.area_id == v.community_id {
        community
    } else {
        grid.clone()
    };
    Ok(Json(volunteer(v, grid, area, false)))
}

#[utoipa::path(get, path = "/api/v1/volunteers/{id}", tag = "volunteers",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = VolunteerDetail),
        (status = 404, body = ErrorBody, description = "No such volunteer in the caller's sight"),
    ))]
pub async fn get(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<VolunteerDetail>> {
    let v = st.app.volunteer(&caller.actor, id).await?;
    Ok(Json(VolunteerDetail {
        community_name: v.community_name,
        teams: v.teams.into_iter().map(|(t, _)| t.name).collect(),
        hours: hours_of(v.hours),
        volunteer: volunteer(v.v, v.grid_name, v.area_name, false),
    }))
}

#[utoipa::path(post, path = "/api/v1/volunteers/{id}/status", tag = "volunteers",
    params(("id" = i64, Path)), request_body = StatusBody,
    responses(
        (status = 200, body = Volunteer),
        (status = 403, body = ErrorBody, description = "The caller does not run volunteering there"),
        (status = 422, body = ErrorBody, description = "Not allowed from where it stands, or no reason"),
    ))]
pub async fn move_to(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StatusBody>,
) -> ApiResult<Json<Volunteer>> {
    let to = Status::parse(&b.status)
        .map_err(|_| AppError::invalid("status", "verified, declined or suspended"))?;
    st.app
        .move_volunteer(&caller.actor, id, to, b.reason.as_deref())
        .await?;
    let v = st.app.volunteer(&caller.actor, id).await?;
    Ok(Json(volunteer(v.v, v.grid_name, v.area_name, false)))
}

#[utoipa::path(get, path = "/api/v1/volunteers/{id}/hours", tag = "volunteers",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = Hours),
        (status = 404, body = ErrorBody, description = "No such volunteer in the caller's sight"),
    ))]
pub async fn hours(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Hours>> {
    Ok(Json(hours_of(
        st.app.volunteer_hours(&caller.actor, id).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/volunteers/{id}/hours", tag = "volunteers",
    params(("id" = i64, Path)), request_body = CorrectionBody,
    responses(
        (status = 201, body = Hours, description = "The correction appended; the ledger as it now stands"),
        (status = 403, body = ErrorBody, description = "The caller does not run volunteering there"),
        (status = 422, body = ErrorBody, description = "No reason, no hours, or hours below zero or beyond the shift"),
    ))]
pub async fn correct(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CorrectionBody>,
) -> ApiResult<Response> {
    let delta = civicgrid_app::domain::care::hours::parse_correction("hours", &b.hours)
        .map_err(|e| AppError::invalid(e.field, e.message))?;
    st.app
        .correct_hours(&caller.actor, id, b.entry_id, delta, &b.reason)
        .await?;
    let h = st.app.volunteer_hours(&caller.actor, id).await?;
    Ok(created(
        format!("/api/v1/volunteers/{id}/hours"),
        hours_of(h),
    ))
}
