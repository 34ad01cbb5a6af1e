//! `/api/v1/activities`: volunteer activities and their shifts — publish one, list
//! those the caller follows or may join, read one with its shifts (and, for staff,
//! its roster), sign up or withdraw, assign a volunteer, confirm attendance with hours.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use civicgrid_app::AppError;
use civicgrid_app::care::activities::{ActivityLine, ActivityView, NewActivity};
use civicgrid_app::domain::care::activities::{ActivitySpec, Attendance, ShiftSpec, parse_time};
use civicgrid_app::domain::care::hours::{format_hours, parse_hours};
use civicgrid_app::domain::care::volunteers::Skill;
use civicgrid_app::domain::privacy::mask_name;
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/activities", list)
        .post("/api/v1/activities", create)
        .get("/api/v1/activities/{id}", get)
        .post("/api/v1/activities/{id}/shifts/{shift_id}/signup", sign_up)
        .post(
            "/api/v1/activities/{id}/shifts/{shift_id}/withdraw",
            withdraw,
        )
        .post("/api/v1/activities/{id}/shifts/{shift_id}/assign", assign)
        .post(
            "/api/v1/activities/{id}/shifts/{shift_id}/attendance",
            attendance,
        )
}

/// The activities' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, sign_up, withdraw, assign, attendance))]
pub(crate) struct Api;

/// A shift: its day and times in the community's time, and its slots.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftBody {
    pub on: NaiveDate,
    /// `09:00`.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub starts: String,
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub ends: String,
    #[schema(minimum = 1, maximum = 500)]
    pub slots: i64,
}

/// An activity to publish, with its shifts.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewActivityBody {
    /// The community or grid it is published to.
    pub published_to: i64,
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    /// Where to meet.
    #[schema(min_length = 1, max_length = 100)]
    pub place: String,
    /// Skills wanted, by code.
    #[serde(default)]
    pub skills: Vec<String>,
    pub shifts: Vec<ShiftBody>,
}

/// A volunteer to assign.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    pub volunteer_id: i64,
}

/// What happened on a shift for one place: attended with hours, or absent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceBody {
    pub signup_id: i64,
    #[schema(pattern = "^(attended|absent)$")]
    pub outcome: String,
    /// Hours served when attended (`2.5`), at most the shift's length.
    pub hours: Option<String>,
}

/// An activity.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Activity {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub place: String,
    /// The community or grid it is published to.
    pub node_id: i64,
    pub node_name: String,
    pub skills: Vec<String>,
    /// published or cancelled.
    pub state: String,
    pub created_at: DateTime<Utc>,
}

/// An activity on a list, with its slots.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityItem {
    pub activity: Activity,
    pub first_start: Option<DateTime<Utc>>,
    pub slots: i64,
    pub taken: i64,
}

fn activity(a: civicgrid_app::care::activities::Activity, node_name: String) -> Activity {
    Activity {
        id: a.id,
        title: a.title,
        description: a.description,
        place: a.place,
        node_id: a.node_id,
        node_name,
        skills: a.skills.iter().map(|s| s.code().to_owned()).collect(),
        state: a.state.code().to_owned(),
        created_at: time(a.created_at),
    }
}

impl From<ActivityLine> for ActivityItem {
    fn from(l: ActivityLine) -> ActivityItem {
        ActivityItem {
            first_start: l.first_start.map(time),
            slots: l.slots,
            taken: l.taken,
            activity: activity(l.a, l.place_name),
        }
    }
}

/// The activities the caller sees.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityList {
    /// Where the caller follows volunteering (staff); null when nowhere.
    pub managed: Option<Vec<ActivityItem>>,
    /// Open to the caller's own verified entry; null when they are not verified.
    pub open: Option<Vec<ActivityItem>>,
}

/// A place on a shift (staff see every place; a volunteer their own).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Place {
    pub signup_id: i64,
    pub volunteer_id: i64,
    /// Masked (张*).
    pub name: String,
    /// signed_up, withdrawn, attended or absent.
    pub state: String,
    pub hours: Option<String>,
    pub assigned: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ShiftOut {
    pub id: i64,
    pub on: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub slots: i64,
    pub taken: i64,
    pub started: bool,
    pub mine: Option<Place>,
    pub may_sign_up: bool,
    pub may_withdraw: bool,
    pub roster: Vec<Place>,
}

/// An activity with its shifts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityDetail {
    pub activity: Activity,
    pub shifts: Vec<ShiftOut>,
    pub may_manage: bool,
}

fn place(s: &civicgrid_app::care::activities::Signup, name: &str) -> Place {
    Place {
        signup_id: s.id,
        volunteer_id: s.volunteer_id,
        name: mask_name(name),
        state: s.state.code().to_owned(),
        hours: s.minutes.map(format_hours),
        assigned: s.assigned_by.is_some(),
    }
}

impl From<ActivityView> for ActivityDetail {
    fn from(v: ActivityView) -> ActivityDetail {
        ActivityDetail {
            shifts: v
                .shifts
                .iter()
                .map(|s| ShiftOut {
                    id: s.shift.id,
                    on: s.shift.on,
                    starts_at: time(s.shift.starts_at),
                    ends_at: time(s.shift.ends_at),
                    slots: s.shift.slots,
                    taken: s.shift.taken,
                    started: s.started,
                    mine: s.mine.as_ref().map(|m| place(m, "")),
                    may_sign_up: s.may_sign_up,
                    may_withdraw: s.may_withdraw,
                    roster: s.roster.iter().map(|r| place(&r.signup, &r.name)).collect(),
                })
                .collect(),
            may_manage: v.may_manage,
            activity: activity(v.a, v.place_name),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/activities", tag = "volunteers",
    responses((status = 200, body = ActivityList)))]
pub async fn list(State(st): State<AppState>, caller: ApiCaller) -> ApiResult<Json<ActivityList>> {
    let l = st.app.activities(&caller.actor).await?;
    let items = |v: Option<Vec<ActivityLine>>| {
        v.map(|v| v.into_iter().map(ActivityItem::from).collect::<Vec<_>>())
    };
    Ok(Json(ActivityList {
        managed: items(l.managed),
        open: items(l.open),
    }))
}

#[utoipa::path(post, path = "/api/v1/activities", tag = "volunteers",
    request_body = NewActivityBody,
    responses(
        (status = 201, body = ActivityDetail, description = "Published"),
        (status = 403, body = ErrorBody, description = "The caller runs volunteering nowhere"),
        (status = 422, body = ErrorBody, description = "A field at fault: a place the caller does not run, no shift, a shift ending before it starts"),
    ))]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<NewActivityBody>,
) -> ApiResult<Response> {
    let skills = b
        .skills
        .iter()
        .map(|s| {
            Skill::parse(s)
                .map_err(|_| AppError::invalid("skills", "choose skills of the catalogue"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let shifts = b
        .shifts
        .iter()
        .map(|s| {
            Ok(ShiftSpec {
                on: s.on,
                starts: parse_time("starts", &s.starts)
                    .map_err(|e| AppError::invalid(e.field, e.message))?,
                ends: parse_time("ends", &s.ends)
                    .map_err(|e| AppError::invalid(e.field, e.message))?,
                slots: s.slots,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let a = st
        .app
        .create_activity(
            &caller.actor,
            NewActivity {
                node_id: b.published_to,
                spec: ActivitySpec {
                    title: b.title,
                    description: b.description,
                    place: b.place,
                    skills,
                },
                shifts,
            },
        )
        .await?;
    let v = st.app.activity(&caller.actor, a.id).await?;
    Ok(created(
        format!("/api/v1/activities/{}", a.id),
        ActivityDetail::from(v),
    ))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "volunteers",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = ActivityDetail),
        (status = 404, body = ErrorBody, description = "No such activity in the caller's sight or reach"),
    ))]
pub async fn get(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ActivityDetail>> {
    Ok(Json(st.app.activity(&caller.actor, id).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/activities/{id}/shifts/{shift_id}/signup", tag = "volunteers",
    params(("id" = i64, Path), ("shift_id" = i64, Path)),
    responses(
        (status = 204, description = "Signed up"),
        (status = 403, body = ErrorBody, description = "The caller is not a verified volunteer"),
        (status = 422, body = ErrorBody, description = "The shift is full or has started, the activity was cancelled or is outside the caller's area"),
    ))]
pub async fn sign_up(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, shift_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    st.app
        .sign_up_for_shift(&caller.actor, id, shift_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/activities/{id}/shifts/{shift_id}/withdraw", tag = "volunteers",
    params(("id" = i64, Path), ("shift_id" = i64, Path)),
    responses(
        (status = 204, description = "The place given back"),
        (status = 403, body = ErrorBody, description = "The caller is not in the registry"),
        (status = 422, body = ErrorBody, description = "No place held, or the shift has started"),
    ))]
pub async fn withdraw(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, shift_id)): ApiPath<(i64, i64)>,
) -> ApiResult<StatusCode> {
    st.app
        .withdraw_from_shift(&caller.actor, id, shift_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/activities/{id}/shifts/{shift_id}/assign", tag = "volunteers",
    params(("id" = i64, Path), ("shift_id" = i64, Path)), request_body = AssignBody,
    responses(
        (status = 204, description = "Assigned"),
        (status = 403, body = ErrorBody, description = "The caller does not run volunteering there"),
        (status = 422, body = ErrorBody, description = "Not a verified volunteer within reach, already on it, or the shift is full"),
    ))]
pub async fn assign(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, shift_id)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<AssignBody>,
) -> ApiResult<StatusCode> {
    st.app
        .assign_to_shift(&caller.actor, id, shift_id, b.volunteer_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a page or client says happened on a place, read once.
pub(crate) fn attendance_of(outcome: &str, hours: Option<&str>) -> Result<Attendance, AppError> {
    match outcome.trim() {
        "attended" => {
            let raw = hours
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .ok_or_else(|| AppError::invalid("hours", "give the hours served"))?;
            let m = parse_hours("hours", raw).map_err(|e| AppError::invalid(e.field, e.message))?;
            Ok(Attendance::Attended(m))
        }
        "absent" => Ok(Attendance::Absent),
        _ => Err(AppError::invalid("outcome", "attended or absent")),
    }
}

#[utoipa::path(post, path = "/api/v1/activities/{id}/shifts/{shift_id}/attendance", tag = "volunteers",
    params(("id" = i64, Path), ("shift_id" = i64, Path)), request_body = AttendanceBody,
    responses(
        (status = 204, description = "Recorded; attended hours are in the volunteer's hours ledger"),
        (status = 403, body = ErrorBody, description = "The caller does not run volunteering there"),
        (status = 422, body = ErrorBody, description = "Hours on a future date, more than the shift lasted, or the place recorded already"),
    ))]
pub async fn attendance(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, shift_id)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<AttendanceBody>,
) -> ApiResult<StatusCode> {
    let what = attendance_of(&b.outcome, b.hours.as_deref())?;
    st.app
        .confirm_attendance(&caller.actor, id, shift_id, b.signup_id, what)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
