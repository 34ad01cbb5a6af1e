//! `/api/v1/emergencies`: switching communities into emergency mode or a drill and
//! back, the situation of one (checklist, duty roster, incident log), and the log.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::modes::{Hazard, Kind, Level};
use civicgrid_app::emergency::modes::{Activation, Situation, StartEmergency};
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/emergencies", list)
        .post("/api/v1/emergencies", start)
        .get("/api/v1/emergencies/{id}", get)
        .post("/api/v1/emergencies/{id}/end", end)
        .post("/api/v1/emergencies/{id}/incidents", incident)
}

/// The emergencies' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, start, get, end, incident))]
pub(crate) struct Api;

/// A switch into emergency mode or a drill.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartEmergencyBody {
    /// A community, or a street (every community of it).
    pub node_id: i64,
    #[schema(pattern = "^(emergency|drill)$")]
    pub kind: String,
    #[schema(pattern = "^(flood|epidemic|fire|heat|typhoon|earthquake)$")]
    pub hazard: String,
    /// 1 (the gravest) to 4.
    #[schema(pattern = "^[1-4]$")]
    pub level: String,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// Publish an important notice to every household.
    #[serde(default)]
    pub notify: bool,
}

/// The switch back to normal.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndEmergencyBody {
    #[schema(min_length = 1, max_length = 500)]
    pub closing_note: String,
}

/// An entry of the incident log.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentBody {
    #[schema(pattern = "^(event|decision|resource)$")]
    pub kind: String,
    #[schema(min_length = 1, max_length = 500)]
    pub text: String,
    /// When it happened (default: now).
    pub happened_at: Option<DateTime<Utc>>,
}

/// An activation: a community in emergency mode or a drill.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EmergencyOut {
    pub id: i64,
    pub community_id: i64,
    pub kind: String,
    pub hazard: String,
    pub level: String,
    pub reason: String,
    pub urgent_categories: Vec<String>,
    pub urgent_response_minutes: u32,
    pub urgent_resolution_minutes: u32,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub closing_note: Option<String>,
}

pub(crate) fn out(a: Activation) -> EmergencyOut {
    EmergencyOut {
        id: a.id,
        community_id: a.community_id,
        kind: a.kind.code().to_owned(),
        hazard: a.hazard.code().to_owned(),
        level: a.level.code().to_owned(),
        reason: a.reason,
        urgent_categories: a.urgent_categories,
        urgent_response_minutes: a.urgent_response_minutes,
        urgent_resolution_minutes: a.urgent_resolution_minutes,
        started_at: time(a.started_at),
        ended_at: a.ended_at.map(time),
        closing_note: a.closing_note,
    }
}

/// A step of the checklist.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StepOut {
    pub position: i64,
    pub text: String,
    pub done_at: Option<DateTime<Utc>>,
}

/// A person on duty.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DutyOut {
    pub name: String,
    pub duty: String,
    pub contact: String,
}

/// An entry of the incident log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentOut {
    pub id: i64,
    pub kind: String,
    pub text: String,
    pub happened_at: DateTime<Utc>,
}

/// The situation of one activation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SituationOut {
    pub emergency: EmergencyOut,
    pub community_name: String,
    pub checklist: Vec<StepOut>,
    pub roster: Vec<DutyOut>,
    pub incidents: Vec<IncidentOut>,
    /// Open requests of the community in its urgent categories.
    pub urgent_open: i64,
}

fn situation_out(s: Situation) -> SituationOut {
    SituationOut {
        community_name: s.community_name,
        checklist: s
            .checklist
            .into_iter()
            .map(|x| StepOut {
                position: x.position,
                text: x.text,
                done_at: x.done_at.map(time),
            })
            .collect(),
        roster: s
            .roster
            .into_iter()
            .map(|d| DutyOut {
                name: d.name,
                duty: d.duty,
                contact: d.contact,
            })
            .collect(),
        incidents: s
            .incidents
            .into_iter()
            .map(|i| IncidentOut {
                id: i.id,
                kind: i.kind,
                text: i.text,
                happened_at: time(i.happened_at),
            })
            .collect(),
        urgent_open: s.urgent_open,
        emergency: out(s.a),
    }
}

#[utoipa::path(get, path = "/api/v1/emergencies", tag = "emergency",
    responses(
        (status = 200, body = Vec<EmergencyOut>, description = "Running and past, newest first"),
        (status = 403, body = ErrorBody, description = "The caller follows emergencies nowhere"),
    ))]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<EmergencyOut>>> {
    let all = st.app.emergencies(&caller.actor).await?;
    Ok(Json(all.into_iter().map(|(a, _)| out(a)).collect()))
}

#[utoipa::path(post, path = "/api/v1/emergencies", tag = "emergency",
    request_body = StartEmergencyBody,
    responses(
        (status = 201, body = Vec<EmergencyOut>, description = "One activation per community switched"),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A field at fault; `community` when one runs already"),
    ))]
pub async fn start(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<StartEmergencyBody>,
) -> ApiResult<Response> {
    let kind = Kind::parse(&b.kind).map_err(|_| AppError::invalid("kind", "emergency or drill"))?;
    let hazard =
        Hazard::parse(&b.hazard).map_err(|_| AppError::invalid("hazard", "choose the hazard"))?;
    let level =
        Level::parse(&b.level).map_err(|_| AppError::invalid("emergency_level", "1, 2, 3 or 4"))?;
    let started = st
        .app
        .start_emergency(
            &caller.actor,
            &StartEmergency {
                node_id: b.node_id,
                kind,
                hazard,
                level,
                reason: b.reason,
                notify: b.notify,
            },
        )
        .await?;
    Ok(created(
        "/api/v1/emergencies".into(),
        started.into_iter().map(out).collect::<Vec<_>>(),
    ))
}

#[utoipa::path(get, path = "/api/v1/emergencies/{id}", tag = "emergency",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = SituationOut),
        (status = 404, body = ErrorBody, description = "No such emergency in the caller's sight"),
    ))]
pub async fn get(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<SituationOut>> {
    Ok(Json(situation_out(
        st.app.emergency_situation(&caller.actor, id).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/emergencies/{id}/end", tag = "emergency",
    params(("id" = i64, Path)),
    request_body = EndEmergencyBody,
    responses(
        (status = 200, body = EmergencyOut),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "No closing note, or ended already"),
    ))]
pub async fn end(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EndEmergencyBody>,
) -> ApiResult<Json<EmergencyOut>> {
    Ok(Json(out(st
        .app
        .end_emergency(&caller.actor, id, &b.closing_note)
        .await?)))
}

#[utoipa::path(post, path = "/api/v1/emergencies/{id}/incidents", tag = "emergency",
    params(("id" = i64, Path)),
    request_body = IncidentBody,
    responses(
        (status = 201, body = IncidentOut),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A field at fault"),
    ))]
pub async fn incident(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<IncidentBody>,
) -> ApiResult<Response> {
    let i = st
        .app
        .log_incident(
            &caller.actor,
            id,
            &b.kind,
            &b.text,
            b.happened_at.map(|t| t.timestamp_millis()),
        )
        .await?;
    Ok(created(
        format!("/api/v1/emergencies/{id}"),
        IncidentOut {
            id: i.id,
            kind: i.kind,
            text: i.text,
            happened_at: time(i.happened_at),
        },
    ))
}
