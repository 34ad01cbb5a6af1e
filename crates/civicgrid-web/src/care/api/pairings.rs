//! `/api/v1/care/pairings` and `/api/v1/care/policies`: pairing a vulnerable resident
//! with carers, a pairing's schedule, reassigning a carer who is away, ending it; a
//! community's visit policies.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::care::pairings::{NewPairing, StoredPairing};
use civicgrid_app::domain::care::pairings::AwayReason;
use civicgrid_app::domain::care::policies::{Cadence, PolicySpec};
use civicgrid_app::domain::care::visits::Mode;
use serde::{Deserialize, Serialize};

use super::visits::DueVisit;
use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/care/pairings", list)
        .post("/api/v1/care/pairings", create)
        .get("/api/v1/care/pairings/{id}", get)
        .put("/api/v1/care/pairings/{id}/schedule", schedule)
        .post("/api/v1/care/pairings/{id}/reassign", reassign)
        .post("/api/v1/care/pairings/{id}/end", end)
        .get("/api/v1/care/policies/{id}", policies)
        .put("/api/v1/care/policies/{id}", put_policy)
}

/// The care pairings API's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, schedule, reassign, end, policies, put_policy))]
pub(crate) struct Api;

/// A care pairing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Pairing {
    pub id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    pub resident_id: i64,
    /// Set when the whole household is visited.
    pub household_id: Option<i64>,
    pub level: i64,
    pub cadence_days: i64,
    /// in_person, phone, video.
    pub mode: String,
    /// Cadence and way set for this pairing instead of the policy's.
    pub overridden: bool,
    pub active: bool,
    pub next_due_at: Option<DateTime<Utc>>,
    pub retry_at: Option<DateTime<Utc>>,
    /// 0 none, 1 carer, 2 grid worker, 3 staff.
    pub alert_level: i64,
    pub red: bool,
    pub last_visit_at: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

fn pairing(p: StoredPairing) -> Pairing {
    Pairing {
        id: p.id,
        community_id: p.community_id,
        grid_id: p.grid_id,
        resident_id: p.resident_id,
        household_id: p.household_id,
        level: p.level,
        cadence_days: p.cadence.as_days(),
        mode: p.mode.code().to_owned(),
        overridden: p.overridden,
        active: p.active,
        next_due_at: p.next_due_at.map(time),
        retry_at: p.retry_at.map(time),
        alert_level: p.alert_level,
        red: p.red,
        last_visit_at: p.last_visit_at.map(time),
        started_at: time(p.started_at),
        ended_at: p.ended_at.map(time),
    }
}

fn mode_of(raw: Option<&str>) -> Result<Option<Mode>, AppError> {
    raw.map(|m| Mode::parse(m).map_err(|e| AppError::invalid(e.field, e.message)))
        .transpose()
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
pub struct ListQuery {
    /// A grid, community or street the caller follows; absent: the narrowest place
    /// where the caller follows care.
    pub node_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/care/pairings", tag = "care",
    params(ListQuery),
    responses(
        (status = 200, body = Vec<DueVisit>, description = "Active pairings of the place, red and most overdue first"),
        (status = 404, body = ErrorBody, description = "A place the caller does not follow"),
    ))]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<DueVisit>>> {
    let now = civicgrid_app::now_ms();
    let node = match q.node_id {
        Some(n) => n,
        None => st
            .app
            .care_places(&caller.actor)
            .await?
            .last()
            .map(|n| n.id)
            .ok_or(AppError::Forbidden)?,
    };
    let lines = st.app.care_pairings(&caller.actor, node).await?;
    let mut out = Vec::new();
    for l in lines {
        let due = l
            .next_due_at
            .map(|d| civicgrid_app::domain::care::visits::due_bucket(d, now))
            .unwrap_or(civicgrid_app::domain::care::visits::Due::Later);
        let mode = Mode::parse(&l.mode).map_err(|e| AppError::Internal(e.to_string().into()))?;
        out.push(super::visits::due_visit(
            civicgrid_app::care::visits::DueItem {
                due,
                mode,
                alert: civicgrid_app::domain::care::alerts::AlertLevel::from_rank(l.alert_level),
                may_log: false,
                line: l,
            },
        ));
    }
    Ok(Json(out))
}

/// A resident (holding a care tag) or a household to pair, and the carers.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairingBody {
    pub resident_id: Option<i64>,
    pub household_id: Option<i64>,
    /// Account ids: one to five.
    pub carers: Vec<i64>,
    /// Instead of the policy's.
    #[schema(minimum = 1, maximum = 366)]
    pub cadence_days: Option<i64>,
    #[schema(pattern = "^(in_person|phone|video)$")]
    pub mode: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/care/pairings", tag = "care",
    request_body = PairingBody,
    responses(
        (status = 201, body = Pairing, description = "Paired; the first visit is due at once"),
        (status = 403, body = ErrorBody, description = "The caller manages care nowhere"),
        (status = 422, body = ErrorBody, description = "A field at fault: no care tag, already paired, a carer not serving the community, no policy and no cadence"),
    ))]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<PairingBody>,
) -> ApiResult<Response> {
    let new = NewPairing {
        resident_id: b.resident_id,
        household_id: b.household_id,
        carers: b.carers,
        cadence_days: b.cadence_days,
        mode: mode_of(b.mode.as_deref())?,
    };
    let p = st.app.pair_for_care(&caller.actor, new).await?;
    Ok(created(
        format!("/api/v1/care/pairings/{}", p.id),
        pairing(p),
    ))
}

/// A pairing with its carers and recent visits (notes not included).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PairingDetail {
    pub pairing: Pairing,
    pub resident_name: String,
    /// (account id, name).
    pub carers: Vec<(i64, String)>,
    pub visits: Vec<VisitLine>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VisitLine {
    pub id: i64,
    pub visited_at: DateTime<Utc>,
    pub mode: String,
    pub outcome: String,
    pub carer: String,
    pub has_notes: bool,
    pub request_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/care/pairings/{id}", tag = "care",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = PairingDetail, description = "The view is traced on the resident's data-access page"),
        (status = 404, body = ErrorBody, description = "No such pairing the caller can see"),
    ))]
pub async fn get(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<PairingDetail>> {
    let v = st.app.care_pairing(&caller.actor, id).await?;
    Ok(Json(PairingDetail {
        resident_name: v.resident_name,
        carers: v.carers,
        visits: v
            .visits
            .into_iter()
            .map(|x| VisitLine {
                id: x.id,
                visited_at: time(x.visited_at),
                mode: x.mode.code().to_owned(),
                outcome: x.outcome.code().to_owned(),
                carer: x.carer_name,
                has_notes: x.has_notes,
                request_id: x.request_id,
            })
            .collect(),
        pairing: pairing(v.pairing),
    }))
}

/// A schedule for this pairing; neither field: back to the community's policy.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    #[schema(minimum = 1, maximum = 366)]
    pub cadence_days: Option<i64>,
    #[schema(pattern = "^(in_person|phone|video)$")]
    pub mode: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/care/pairings/{id}/schedule", tag = "care",
    params(("id" = i64, Path)), request_body = ScheduleBody,
    responses(
        (status = 200, body = Pairing),
        (status = 422, body = ErrorBody, description = "A field at fault"),
    ))]
pub async fn schedule(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ScheduleBody>,
) -> ApiResult<Json<Pairing>> {
    let mode = mode_of(b.mode.as_deref())?;
    let p = st
        .app
        .set_pairing_schedule(&caller.actor, id, b.cadence_days, mode)
        .await?;
    Ok(Json(pairing(p)))
}

/// A carer who is away and who takes over.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignBody {
    pub carer_id: i64,
    pub new_carer_id: i64,
    #[schema(pattern = "^(leave|moved|other)$")]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/care/pairings/{id}/reassign", tag = "care",
    params(("id" = i64, Path)), request_body = ReassignBody,
    responses(
        (status = 200, body = Pairing, description = "Reassigned; the due date did not move"),
        (status = 422, body = ErrorBody, description = "A field at fault"),
    ))]
pub async fn reassign(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReassignBody>,
) -> ApiResult<Json<Pairing>> {
    let reason = AwayReason::parse(&b.reason).map_err(|e| AppError::invalid(e.field, e.message))?;
    let p = st
        .app
        .reassign_carer(&caller.actor, id, b.carer_id, b.new_carer_id, reason)
        .await?;
    Ok(Json(pairing(p)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndBody {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/care/pairings/{id}/end", tag = "care",
    params(("id" = i64, Path)), request_body = EndBody,
    responses(
        (status = 200, body = Pairing),
        (status = 422, body = ErrorBody, description = "No reason, or already ended"),
    ))]
pub async fn end(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EndBody>,
) -> ApiResult<Json<Pairing>> {
    Ok(Json(pairing(
        st.app.end_pairing(&caller.actor, id, &b.reason).await?,
    )))
}

/// A visit policy: by care tag (and a second tag the resident must also hold).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitPolicyBody {
    pub tag: String,
    #[serde(default)]
    pub with_tag: String,
    #[schema(minimum = 1, maximum = 3)]
    pub level: i64,
    #[schema(minimum = 1, maximum = 366)]
    pub cadence_days: i64,
    #[schema(pattern = "^(in_person|phone|video)$")]
    pub mode: String,
}

#[utoipa::path(get, path = "/api/v1/care/policies/{id}", tag = "care",
    params(("id" = i64, Path, description = "A community")),
    responses(
        (status = 200, body = Vec<VisitPolicyBody>, description = "The community's policies (the defaults while none were written)"),
        (status = 404, body = ErrorBody, description = "A community the caller does not follow"),
    ))]
pub async fn policies(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<VisitPolicyBody>>> {
    let v = st.app.care_policies(&caller.actor, id).await?;
    Ok(Json(
        v.policies
            .into_iter()
            .map(|p| VisitPolicyBody {
                tag: p.spec.tag,
                with_tag: p.spec.with_tag,
                level: p.spec.level,
                cadence_days: p.spec.cadence.as_days(),
                mode: p.spec.mode.code().to_owned(),
            })
            .collect(),
    ))
}

#[utoipa::path(put, path = "/api/v1/care/policies/{id}", tag = "care",
    params(("id" = i64, Path, description = "A community")), request_body = VisitPolicyBody,
    responses(
        (status = 200, body = VisitPolicyBody, description = "Written, and carried to the pairings that follow it"),
        (status = 422, body = ErrorBody, description = "A field at fault"),
    ))]
pub async fn put_policy(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<VisitPolicyBody>,
) -> ApiResult<Json<VisitPolicyBody>> {
    let spec = PolicySpec {
        tag: b.tag,
        with_tag: b.with_tag,
        level: b.level,
        cadence: Cadence::days(b.cadence_days)
            .map_err(|e| AppError::invalid(e.field, e.message))?,
        mode: Mode::parse(&b.mode).map_err(|e| AppError::invalid(e.field, e.message))?,
    };
    let p = st.app.set_care_policy(&caller.actor, id, spec).await?;
    Ok(Json(VisitPolicyBody {
        tag: p.spec.tag,
        with_tag: p.spec.with_tag,
        level: p.spec.level,
        cadence_days: p.spec.cadence.as_days(),
        mode: p.spec.mode.code().to_owned(),
    }))
}
