//! `/api/v1/care/visits`: the visits due (the caller's as a carer, or a grid's), logging
//! a visit, a visit's notes (traced), and the caller's open alerts.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::care::visits::{DueItem, NewVisit};
use civicgrid_app::domain::care::visits::{Mode, Outcome};
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/care/visits/due", due)
        .post("/api/v1/care/visits", log)
        .get("/api/v1/care/visits/{id}/notes", notes)
        .get("/api/v1/care/alerts", alerts)
}

/// The care visits API's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(due, log, notes, alerts))]
pub(crate) struct Api;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
pub struct DueQuery {
    /// A grid whose list to read (who views or manages care there); absent: the
    /// caller's own list as a carer.
    pub grid_id: Option<i64>,
}

/// One visit due.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DueVisit {
    pub pairing_id: i64,
    pub resident_name: String,
    /// 1栋1单元204室, when the ledger knows the room.
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
    /// overdue, today, this_week.
    pub due: String,
    pub due_at: Option<DateTime<Utc>>,
    /// A retry of a visit that did not reach the resident, within the day.
    pub retry_at: Option<DateTime<Utc>>,
    /// in_person, phone, video.
    pub mode: String,
    pub cadence_days: i64,
    pub level: i64,
    /// carer, grid_worker, staff: how far the missed visit's alert climbed.
    pub alert: Option<String>,
    /// Nobody reached the resident for two cadences.
    pub red: bool,
    pub last_visit_at: Option<DateTime<Utc>>,
    /// The caller is a carer on it and may log a visit.
    pub may_log: bool,
}

pub(crate) fn due_visit(i: DueItem) -> DueVisit {
    let l = i.line;
    DueVisit {
        pairing_id: l.id,
        resident_name: l.resident_name,
        building: l.building_name,
        unit: l.unit_name,
        room: l.room_name,
        due: i.due.code().to_owned(),
        due_at: l.next_due_at.map(time),
        retry_at: l.retry_at.map(time),
        mode: i.mode.code().to_owned(),
        cadence_days: l.cadence_days,
        level: l.level,
        alert: i.alert.map(|a| a.code().to_owned()),
        red: l.red != 0,
        last_visit_at: l.last_visit_at.map(time),
        may_log: i.may_log,
    }
}

#[utoipa::path(get, path = "/api/v1/care/visits/due", tag = "care",
    params(DueQuery),
    responses(
        (status = 200, body = Vec<DueVisit>, description = "Overdue first, then today, then the next seven days"),
        (status = 404, body = ErrorBody, description = "A grid the caller does not follow"),
    ))]
pub async fn due(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Json<Vec<DueVisit>>> {
    let list = match q.grid_id {
        Some(g) => st.app.grid_care_visits(&caller.actor, g).await?,
        None => st.app.my_care_visits(&caller.actor).await?,
    };
    Ok(Json(list.items.into_iter().map(due_visit).collect()))
}

/// A visit to log (photos are posted on the page).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitBody {
    pub pairing_id: i64,
    /// When it happened; now when absent. Not in the future, at most 14 days back.
    pub visited_at: Option<DateTime<Utc>>,
    #[schema(pattern = "^(in_person|phone|video)$")]
    pub mode: String,
    #[schema(pattern = "^(well|needs_help|not_reached|in_hospital|moved_away)$")]
    pub outcome: String,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub notes: String,
    /// For needs_help: what the resident needs (the notes when empty).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub help: String,
    /// For needs_help: the request's category; suggested from the text when absent.
    pub category: Option<String>,
}

/// A visit logged.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoggedVisit {
    pub visit_id: i64,
    pub pairing_id: i64,
    pub visited_at: DateTime<Utc>,
    pub mode: String,
    pub outcome: String,
    /// The next visit's due time; null: the pairing ended (moved away).
    pub next_due_at: Option<DateTime<Utc>>,
    /// The request raised for needs_help: R-2026-000123.
    pub request_number: Option<String>,
    pub request_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/care/visits", tag = "care",
    request_body = VisitBody,
    responses(
        (status = 201, body = LoggedVisit, description = "Logged; needs_help also raised a request"),
        (status = 404, body = ErrorBody, description = "No such pairing the caller can see"),
        (status = 422, body = ErrorBody, description = "A field at fault: not a carer of this pairing (pairing_id), a time in the future (visited_at), an unknown outcome or mode"),
    ))]
pub async fn log(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<VisitBody>,
) -> ApiResult<Response> {
    let inv =
        |e: civicgrid_app::domain::care::visits::VisitError| AppError::invalid(e.field, e.message);
    let input = NewVisit {
        pairing_id: b.pairing_id,
        visited_at: b.visited_at.map(|t| t.timestamp_millis()),
        mode: Mode::parse(&b.mode).map_err(inv)?,
        outcome: Outcome::parse(&b.outcome).map_err(inv)?,
        notes: b.notes,
        photo: None,
        help: b.help,
        category: b.category,
    };
    let done = st.app.log_visit(&caller.actor, input).await?;
    let v = &done.visit;
    Ok(created(
        format!("/api/v1/care/visits/{}/notes", v.id),
        LoggedVisit {
            visit_id: v.id,
            pairing_id: v.pairing_id,
            visited_at: time(v.visited_at),
            mode: v.mode.code().to_owned(),
            outcome: v.outcome.code().to_owned(),
            next_due_at: done.next_due_at.map(time),
            request_number: done.request.as_ref().map(|r| r.1.clone()),
            request_id: done.request.as_ref().map(|r| r.0.0),
        },
    ))
}

/// A visit with its notes opened.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VisitNotes {
    pub visit_id: i64,
    pub pairing_id: i64,
    pub visited_at: DateTime<Utc>,
    pub mode: String,
    pub outcome: String,
    pub notes: Option<String>,
    pub request_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/care/visits/{id}/notes", tag = "care",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = VisitNotes, description = "Opened for a carer, the grid worker or the community's staff; the look is traced on the resident's data-access page"),
        (status = 403, body = ErrorBody, description = "The caller sees the pairing but not its notes"),
        (status = 404, body = ErrorBody, description = "No such visit the caller can see"),
    ))]
pub async fn notes(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<VisitNotes>> {
    let (v, notes) = st.app.care_visit_notes(&caller.actor, id).await?;
    Ok(Json(VisitNotes {
        visit_id: v.id,
        pairing_id: v.pairing_id,
        visited_at: time(v.visited_at),
        mode: v.mode.code().to_owned(),
        outcome: v.outcome.code().to_owned(),
        notes,
        request_id: v.request_id,
    }))
}

/// An open missed-visit alert.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AlertOut {
    pub pairing_id: i64,
    pub resident_name: String,
    /// carer, grid_worker, staff.
    pub level: String,
    pub due_at: DateTime<Utc>,
    pub raised_at: DateTime<Utc>,
}

#[utoipa::path(get, path = "/api/v1/care/alerts", tag = "care",
    responses((status = 200, body = Vec<AlertOut>, description = "The open alerts for the caller: as a carer, a grid worker, or staff; the highest level first")))]
pub async fn alerts(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<AlertOut>>> {
    let list = st.app.my_care_alerts(&caller.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|a| AlertOut {
                pairing_id: a.alert.pairing_id,
                resident_name: a.alert.resident_name,
                level: a.level.code().to_owned(),
                due_at: time(a.alert.due_at),
                raised_at: time(a.alert.raised_at),
            })
            .collect(),
    ))
}
