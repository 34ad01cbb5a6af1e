//! `/api/v1/material-requests`: material requests for households — raising one, the
//! list (waiting ones by priority), one request, issuing it from a depot, its
//! deliverer, cancelling and the hand-over; and the caller's own deliveries. Heads of
//! households are named masked.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::materials::{Line, RequestStatus, Source};
use civicgrid_app::domain::privacy::mask_name;
use civicgrid_app::emergency::materials::{MaterialRequest, RequestLine};
use serde::{Deserialize, Serialize};

use super::depots::{MovementOut, movement_out};
use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/material-requests", list)
        .post("/api/v1/material-requests", create)
        .get("/api/v1/material-requests/{id}", get)
        .post("/api/v1/material-requests/{id}/issue", issue)
        .post("/api/v1/material-requests/{id}/deliverer", deliverer)
        .post("/api/v1/material-requests/{id}/cancel", cancel)
        .post("/api/v1/material-requests/{id}/delivered", delivered)
        .get("/api/v1/material-deliveries", deliveries)
}

/// The material requests' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, get, issue, deliverer, cancel, delivered, deliveries))]
pub(crate) struct Api;

/// A line of a request.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MaterialLineOut {
    pub item_id: i64,
    pub item_name: String,
    pub unit: String,
    pub quantity: i64,
}

/// A line asked for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialLineBody {
    pub item_id: i64,
    pub quantity: i64,
}

/// A new material request for a household of the ledger.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialRequestBody {
    pub household_id: i64,
    pub lines: Vec<MaterialLineBody>,
    /// staff (default), request or welfare_check.
    #[serde(default)]
    #[schema(pattern = "^(staff|request|welfare_check)$")]
    pub source: Option<String>,
    /// The resident request or welfare check it comes from.
    pub source_id: Option<i64>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

/// How urgent a request is.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PriorityOut {
    pub score: i64,
    /// From the household's care tags.
    pub vulnerability: i64,
    /// From the household's size.
    pub size: i64,
    /// From hours waited.
    pub waiting: i64,
}

/// A material request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MaterialRequestOut {
    pub id: i64,
    pub household_id: i64,
    /// Building, unit and room.
    pub building: String,
    pub unit: String,
    pub room: String,
    /// Masked (张*).
    pub head: Option<String>,
    pub source: String,
    pub source_id: Option<i64>,
    /// waiting, issued, delivered or cancelled.
    pub status: String,
    pub status_reason: Option<String>,
    pub note: String,
    pub people: i64,
    pub care_tags: Vec<String>,
    pub priority: PriorityOut,
    pub lines: Vec<MaterialLineOut>,
    pub depot_id: Option<i64>,
    pub deliverer_user_id: Option<i64>,
    pub deliverer: Option<String>,
    pub raised_at: DateTime<Utc>,
    pub issued_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

fn request_out(l: RequestLine) -> MaterialRequestOut {
    let r: MaterialRequest = l.r;
    MaterialRequestOut {
        id: r.id,
        household_id: r.household_id,
        building: r.building,
        unit: r.unit,
        room: r.room,
        head: r.head_name.as_deref().map(mask_name),
        source: r.source.code().to_owned(),
        source_id: r.source.id(),
        status: r.status.code().to_owned(),
        status_reason: r.status_reason,
        note: r.note,
        people: r.people,
        care_tags: r.care_tags,
        priority: PriorityOut {
            score: l.priority.score(),
            vulnerability: l.priority.vulnerability,
            size: l.priority.size,
            waiting: l.priority.waiting,
        },
        lines: l
            .lines
            .into_iter()
            .map(|x| MaterialLineOut {
                item_id: x.item_id,
                item_name: x.item_name,
                unit: x.unit.code().to_owned(),
                quantity: x.quantity,
            })
            .collect(),
        depot_id: r.depot_id,
        deliverer_user_id: r.deliverer_user_id,
        deliverer: r.deliverer_name,
        raised_at: time(r.raised_at),
        issued_at: r.issued_at.map(time),
        delivered_at: r.delivered_at.map(time),
    }
}

/// A request with its issue movements.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MaterialRequestDetail {
    pub request: MaterialRequestOut,
    pub movements: Vec<MovementOut>,
    pub may_manage: bool,
    pub may_confirm: bool,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
pub struct MaterialRequestQuery {
    /// waiting, issued, delivered or cancelled.
    pub status: Option<String>,
}

/// Issue from a depot, naming the deliverer if known.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    pub depot_id: i64,
    pub deliverer_id: Option<i64>,
}

/// A volunteer or grid worker of the community.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelivererBody {
    pub deliverer_id: i64,
}

/// Why a request is cancelled, or who received the delivery.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialNoteBody {
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

async fn detail(st: &AppState, caller: &ApiCaller, id: i64) -> ApiResult<MaterialRequestDetail> {
    let v = st.app.material_request(&caller.actor, id).await?;
    Ok(MaterialRequestDetail {
        movements: v.movements.iter().map(movement_out).collect(),
        may_manage: v.may_manage,
        may_confirm: v.may_confirm,
        request: request_out(RequestLine {
            r: v.r,
            lines: v.lines,
            priority: v.priority,
        }),
    })
}

#[utoipa::path(get, path = "/api/v1/material-requests", tag = "materials",
    params(MaterialRequestQuery),
    responses(
        (status = 200, body = Vec<MaterialRequestOut>, description = "Waiting ones by priority first, then newest first"),
        (status = 403, body = ErrorBody),
    ))]
pub async fn list(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<MaterialRequestQuery>,
) -> ApiResult<Json<Vec<MaterialRequestOut>>> {
    let status =
        match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => Some(RequestStatus::parse(s).map_err(|_| {
                AppError::invalid("status", "waiting, issued, delivered or cancelled")
            })?),
            None => None,
        };
    Ok(Json(
        st.app
            .material_requests(&caller.actor, status)
            .await?
            .into_iter()
            .map(request_out)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/material-requests", tag = "materials",
    request_body = MaterialRequestBody,
    responses(
        (status = 201, body = MaterialRequestDetail),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such household in the caller's sight"),
        (status = 422, body = ErrorBody, description = "No lines, an unknown item, a household nobody lives in"),
    ))]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<MaterialRequestBody>,
) -> ApiResult<Response> {
    let source = match (b.source.as_deref().unwrap_or("staff"), b.source_id) {
        ("staff", _) => Source::Staff,
        ("request", Some(id)) => Source::Request(id),
        ("welfare_check", Some(id)) => Source::WelfareCheck(id),
        _ => {
            return Err(AppError::invalid(
                "source",
                "staff, or request or welfare_check with its source_id",
            )
            .into());
        }
    };
    let lines: Vec<Line> = b
        .lines
        .iter()
        .map(|l| Line {
            item_id: l.item_id,
            quantity: l.quantity,
        })
        .collect();
    let r = st
        .app
        .raise_material_request(&caller.actor, b.household_id, &lines, source, &b.note)
        .await?;
    let d = detail(&st, &caller, r.id).await?;
    Ok(created(format!("/api/v1/material-requests/{}", r.id), d))
}

#[utoipa::path(get, path = "/api/v1/material-requests/{id}", tag = "materials",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = MaterialRequestDetail),
        (status = 404, body = ErrorBody, description = "No such request in the caller's sight (a deliverer sees only their own)"),
    ))]
pub async fn get(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<MaterialRequestDetail>> {
    Ok(Json(detail(&st, &caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/material-requests/{id}/issue", tag = "materials",
    params(("id" = i64, Path)),
    request_body = IssueBody,
    responses(
        (status = 200, body = MaterialRequestDetail, description = "Issued, earliest expiry first"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The depot holds too little (a community depot asks its street depot for the rest)"),
        (status = 422, body = ErrorBody, description = "Not waiting, a depot not serving the household, a deliverer not of the community"),
    ))]
pub async fn issue(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<IssueBody>,
) -> ApiResult<Json<MaterialRequestDetail>> {
    st.app
        .issue_material_request(&caller.actor, id, b.depot_id, b.deliverer_id)
        .await?;
    Ok(Json(detail(&st, &caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/material-requests/{id}/deliverer", tag = "materials",
    params(("id" = i64, Path)),
    request_body = DelivererBody,
    responses(
        (status = 200, body = MaterialRequestDetail),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn deliverer(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DelivererBody>,
) -> ApiResult<Json<MaterialRequestDetail>> {
    st.app
        .assign_material_deliverer(&caller.actor, id, b.deliverer_id)
        .await?;
    Ok(Json(detail(&st, &caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/material-requests/{id}/cancel", tag = "materials",
    params(("id" = i64, Path)),
    request_body = MaterialNoteBody,
    responses(
        (status = 200, body = MaterialRequestDetail),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Not waiting, or no reason"),
    ))]
pub async fn cancel(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MaterialNoteBody>,
) -> ApiResult<Json<MaterialRequestDetail>> {
    st.app
        .cancel_material_request(&caller.actor, id, b.reason.as_deref())
        .await?;
    Ok(Json(detail(&st, &caller, id).await?))
}

#[utoipa::path(post, path = "/api/v1/material-requests/{id}/delivered", tag = "materials",
    params(("id" = i64, Path)),
    request_body = MaterialNoteBody,
    responses(
        (status = 200, body = MaterialRequestDetail, description = "Handed over; `reason` says to whom"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "Not a delivery of the caller, nor in their sight"),
        (status = 422, body = ErrorBody, description = "Not on its way"),
    ))]
pub async fn delivered(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MaterialNoteBody>,
) -> ApiResult<Json<MaterialRequestDetail>> {
    st.app
        .confirm_material_delivery(&caller.actor, id, b.reason.as_deref())
        .await?;
    Ok(Json(detail(&st, &caller, id).await?))
}

#[utoipa::path(get, path = "/api/v1/material-deliveries", tag = "materials",
    responses((status = 200, body = Vec<MaterialRequestOut>, description = "The caller's deliveries, those on their way first")))]
pub async fn deliveries(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<MaterialRequestOut>>> {
    Ok(Json(
        st.app
            .my_material_deliveries(&caller.actor)
            .await?
            .into_iter()
            .map(request_out)
            .collect(),
    ))
}
