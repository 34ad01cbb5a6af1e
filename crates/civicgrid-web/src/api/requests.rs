//! `/api/v1/requests`: resident requests — raise one (as a resident, or as staff on a
//! resident's behalf), read it and its timeline, act on it (every transition of the
//! state machine), rate it, comment on it, add and read its photos, clear the flag a
//! poor rating left, the work queues, the caller's inbox, the category catalogue and
//! the policy. Personal data (contact name and phone) is always masked.

use axum::Json;
use axum::extract::{FromRequest, Request as HttpRequest, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::requests::routing::Party;
use civicgrid_app::domain::requests::{ActionKind, Category, Channel, RequestId, Status};
use civicgrid_app::requests::intake::{NewRequest, OnBehalf};
use civicgrid_app::requests::photo_check::MAX_PHOTO_BYTES;
use civicgrid_app::requests::reading::{QueueKind, QueueQuery, TimelineEntry};
use civicgrid_app::requests::transitions::Assignment;
use civicgrid_app::requests::{RequestView, parse_public_number};
use civicgrid_app::store::requests::PhotoMeta;
use serde::{Deserialize, Serialize};

use super::model::{created, time, words};
use super::request_policy::PolicyBody;
use crate::error::{ApiError, ApiResult, ErrorBody, Failure};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::{AppState, RequestChange};

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/requests/categories", categories)
        .get("/api/v1/requests/inbox", inbox)
        .get("/api/v1/requests", queue)
        .post("/api/v1/requests", submit)
        .get("/api/v1/requests/{id}", get_request)
        .get("/api/v1/requests/{id}/timeline", timeline)
        .post("/api/v1/requests/{id}/transitions", transition)
        .post("/api/v1/requests/{id}/rating", rate)
        .post("/api/v1/requests/{id}/flag/clear", clear_flag)
        .post("/api/v1/requests/{id}/comments", comment)
        .get("/api/v1/requests/{id}/photos", photos)
        .post_with_body_limit(
            "/api/v1/requests/{id}/photos",
            add_photo,
            MAX_PHOTO_BYTES + 64 * 1024,
        )
        .get("/api/v1/requests/{id}/photos/{photo_id}", photo)
        .get("/api/v1/requests/policy", policy)
        .put("/api/v1/requests/policy", set_policy)
}

/// A request as its reader may see it; contact data masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Request {
    /// `R-2026-000123`; also accepted in paths instead of the id.
    pub number: String,
    pub id: i64,
    pub category: String,
    /// resident_web, staff_phone, staff_walk_in, patrol, api, open311.
    pub channel: String,
    pub description: String,
    pub grid_id: i64,
    pub community_id: i64,
    pub building_id: Option<i64>,
    pub room_id: Option<i64>,
    /// [longitude, latitude], WGS-84.
    pub point: Option<[f64; 2]>,
    pub address: String,
    /// submitted, accepted, assigned, in_progress, resolved, closed, rejected,
    /// duplicate, referred, on_hold, reopened.
    pub status: String,
    /// `org:<id>` or `role:<role>`.
    pub party: String,
    pub assignee_user_id: Option<i64>,
    pub escalation_level: String,
    pub response_due_at: DateTime<Utc>,
    pub resolution_due_at: DateTime<Utc>,
    /// The running clock's due time; null on hold or once done.
    pub due_at: Option<DateTime<Utc>>,
    /// on_track, warning or overdue; null when no clock runs.
    pub sla: Option<String>,
    pub responded_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub rating: Option<u8>,
    pub rating_comment: Option<String>,
    pub flagged: bool,
    pub return_visit_pending: bool,
    pub public: bool,
    pub duplicate_of: Option<i64>,
    /// Masked (`张*`).
    pub contact_name: Option<String>,
    /// Masked (`138****5678`).
    pub contact_phone: Option<String>,
    /// The caller raised it.
    pub mine: bool,
    /// Actions the caller may take now (for `POST …/transitions`).
    pub actions: Vec<String>,
    /// The caller may rate it now.
    pub may_rate: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back as `version` with a change; a stale one is refused (409).
    pub version: i64,
}

impl From<RequestView> for Request {
    fn from(v: RequestView) -> Request {
        Request {
            number: v.number,
            id: v.id.0,
            category: v.category,
            channel: v.channel,
            description: v.description,
            grid_id: v.grid_id,
            community_id: v.community_id,
            building_id: v.building_id,
            room_id: v.room_id,
            point: v.point.map(|(lon, lat)| [lon, lat]),
            address: v.address,
            status: v.status.code().to_owned(),
            party: v.party,
            assignee_user_id: v.assignee_user_id,
            escalation_level: v.escalation_level,
            response_due_at: time(v.response_due_at),
            resolution_due_at: time(v.resolution_due_at),
            due_at: v.due_at.map(time),
            sla: v.sla.map(|s| s.code().to_owned()),
            responded_at: v.responded_at.map(time),
            resolved_at: v.resolved_at.map(time),
            closed_at: v.closed_at.map(time),
            rating: v.rating,
            rating_comment: v.rating_comment,
            flagged: v.flagged,
            return_visit_pending: v.return_visit_pending,
            public: v.public,
            duplicate_of: v.duplicate_of.map(|d| d.0),
            contact_name: v.contact_name,
            contact_phone: v.contact_phone,
            mine: v.mine,
            actions: v.actions.iter().map(|a| a.code().to_owned()).collect(),
            may_rate: v.may_rate,
            created_at: time(v.created_at),
            updated_at: time(v.updated_at),
            version: v.version,
        }
    }
}

/// A new request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequestBody {
    /// A category code; omitted, the suggested category is used when it is confident.
    pub category: Option<String>,
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub description: String,
    /// Where: a grid, a building or a room (the grid is found from either), or a
    /// point alone (the grid containing it). A resident bound to one grid may omit all.
    pub grid_id: Option<i64>,
    pub building_id: Option<i64>,
    pub room_id: Option<i64>,
    /// WGS-84; give both or neither.
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: Option<f64>,
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: Option<f64>,
    /// A hint of where, without personal data.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: String,
    /// May be shown publicly (when its category allows).
    #[serde(default)]
    pub public: bool,
    /// api (default), staff_phone, staff_walk_in or patrol (staff only).
    #[schema(schema_with = words::intake_channel)]
    pub channel: Option<String>,
    /// For staff intake: whom to call back (stored sealed, shown masked).
    #[schema(max_length = 50)]
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// For staff intake: the resident's ledger record (find it with
    /// `GET /api/v1/ledger/search`); the caller must handle requests where they live.
    pub resident_id: Option<i64>,
}

/// The new request, and earlier ones it may duplicate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Submitted {
    pub request: Request,
    /// Ids of earlier requests it may duplicate, best first.
    pub duplicate_suggestions: Vec<i64>,
}

/// A change of state.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// accept, assign, start, resolve, close, reject, mark_duplicate, refer, hold,
    /// resume, reopen.
    #[schema(schema_with = words::action)]
    pub action: String,
    /// The version read; a stale one is refused (409).
    pub version: Option<i64>,
    /// Required for reject, refer, hold, reopen and reassignment; the note of resolve.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
    /// For assign: `org:<id>` or `role:<role>`.
    #[schema(schema_with = words::party)]
    pub party: Option<String>,
    /// For assign: a person within the party.
    pub user_id: Option<i64>,
    /// For mark_duplicate: the original's id or number.
    pub original: Option<String>,
}

/// The requester's rating, 1–5, once per resolution.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingBody {
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i64,
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

/// A line of a timeline (staff names only for staff readers).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TimelineLine {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub actor_role: Option<String>,
    pub actor_label: Option<String>,
    pub party: Option<String>,
    pub related_id: Option<i64>,
    pub note: Option<String>,
    /// Shown to the resident.
    pub visible: bool,
}

impl From<TimelineEntry> for TimelineLine {
    fn from(e: TimelineEntry) -> TimelineLine {
        TimelineLine {
            id: e.id,
            at: time(e.at_ms),
            kind: e.kind,
            from_status: e.from_status.map(|s| s.code().to_owned()),
            to_status: e.to_status.map(|s| s.code().to_owned()),
            actor_role: e.actor_role,
            actor_label: e.actor_label,
            party: e.party,
            related_id: e.related_id.map(|r| r.0),
            note: e.note,
            visible: e.visible,
        }
    }
}

/// A page of a queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueuePage {
    pub items: Vec<Request>,
    pub page: u32,
    pub page_size: u32,
    /// Another page follows.
    pub more: bool,
}

/// Which queue and filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// mine (default), my_orgs, scope, overdue, all, return_visits, flagged, raised.
    #[param(pattern = "^(mine|my_orgs|scope|overdue|all|return_visits|flagged|raised)$")]
    pub queue: Option<String>,
    /// Only under this node.
    pub within_node: Option<i64>,
    #[param(schema_with = words::request_status)]
    pub status: Option<String>,
    pub category: Option<String>,
    /// `org:<id>` or `role:<role>`.
    #[param(schema_with = words::party)]
    pub party: Option<String>,
    /// From 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// 1 to 200 (50 when omitted).
    #[param(minimum = 1, maximum = 200)]
    pub page_size: Option<u32>,
}

/// One line of the caller's inbox.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxLine {
    pub id: i64,
    pub request_id: i64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub status: String,
    pub read: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub items: Vec<InboxLine>,
    pub unread: i64,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxParams {
    /// Lines older than this line id (the next page).
    pub before: Option<i64>,
    /// 1 to 200 (50 when omitted).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A category of the catalogue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryEntry {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub description: String,
    /// Who normally answers: grid_worker, community_staff or a responder kind.
    pub party_kind: String,
    pub response_minutes: u32,
    pub resolution_minutes: u32,
    pub public: bool,
    pub active: bool,
}

impl From<Category> for CategoryEntry {
    fn from(c: Category) -> CategoryEntry {
        CategoryEntry {
            party_kind: c.party_kind.code().to_owned(),
            code: c.code,
            name_zh: c.name_zh,
            name_en: c.name_en,
            description: c.description,
            response_minutes: c.response_minutes,
            resolution_minutes: c.resolution_minutes,
            public: c.public,
            active: c.active,
        }
    }
}

fn id_of(raw: &str) -> Result<RequestId, ApiError> {
    parse_public_number(raw).ok_or_else(|| ApiError(Failure::not_found()))
}

fn notify(st: &AppState, v: &RequestView) {
    st.request_changes.notify(RequestChange {
        id: v.id.0,
        grid_id: v.grid_id,
    });
}

#[utoipa::path(get, path = "/api/v1/requests/categories", tag = "requests",
    responses((status = 200, body = Vec<CategoryEntry>), (status = 401, body = ErrorBody)))]
pub async fn categories(
    State(st): State<AppState>,
    _caller: ApiCaller,
) -> ApiResult<Json<Vec<CategoryEntry>>> {
    let all = st.app.request_categories().await?;
    Ok(Json(all.into_iter().map(CategoryEntry::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/requests", tag = "requests",
    request_body = NewRequestBody,
    responses(
        (status = 201, body = Submitted, headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A field is invalid; the message and code name it"),
    ))]
pub async fn submit(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<NewRequestBody>,
) -> ApiResult<Response> {
    let channel = match b.channel.as_deref().map(str::trim) {
        None | Some("") => {
            if caller.signed_in.is_some() && caller.actor.token_id.is_none() {
                Channel::ResidentWeb
            } else {
                Channel::Api
            }
        }
        Some(c) => match Channel::parse(c) {
            Ok(ch) if ch.is_staff_intake() || ch == Channel::Api => ch,
            _ => {
                return Err(AppError::invalid(
                    "channel",
                    "api, staff_phone, staff_walk_in or patrol",
                )
                .into());
            }
        },
    };
    let point = match (b.longitude, b.latitude) {
        (Some(lon), Some(lat)) => Some((lon, lat)),
        (None, None) => None,
        _ => {
            return Err(AppError::invalid("latitude", "give both longitude and latitude").into());
        }
    };
    let on_behalf = (b.contact_name.is_some()
        || b.contact_phone.is_some()
        || b.resident_id.is_some())
    .then(|| OnBehalf {
        user_id: None,
        resident_id: b.resident_id,
        contact_name: b.contact_name.clone(),
        contact_phone: b.contact_phone.clone(),
    });
    let done = st
        .app
        .submit_request(
            &caller.actor,
            NewRequest {
                channel,
                category: b.category,
                description: b.description,
                grid_id: b.grid_id,
                building_id: b.building_id,
                room_id: b.room_id,
                point,
                address: b.address,
                on_behalf,
                public: b.public,
            },
        )
        .await?;
    let v = st.app.request(&caller.actor, done.id).await?;
    notify(&st, &v);
    Ok(created(
        format!("/api/v1/requests/{}", done.id.0),
        Submitted {
            request: v.into(),
            duplicate_suggestions: done.duplicates.iter().map(|d| d.id.0).collect(),
        },
    ))
}

#[utoipa::path(get, path = "/api/v1/requests", tag = "requests",
    params(QueueParams),
    responses(
        (status = 200, body = QueuePage),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn queue(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> ApiResult<Json<QueuePage>> {
    let kind = match p.queue.as_deref().map(str::trim).unwrap_or("mine") {
        "mine" => QueueKind::Mine,
        "my_orgs" => QueueKind::MyOrgs,
        "scope" => QueueKind::Scope,
        "overdue" => QueueKind::Overdue,
        "all" => QueueKind::All,
        "return_visits" => QueueKind::ReturnVisits,
        "flagged" => QueueKind::Flagged,
        "raised" => QueueKind::Raised,
        _ => return Err(AppError::invalid("queue", "no such queue").into()),
    };
    let status = match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Status::parse(s).map_err(|e| AppError::invalid("status", e))?),
    };
    let party = match p.party.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Party::decode(s).map_err(|e| AppError::invalid("party", e))?),
    };
    let page = st
        .app
        .request_queue(
            &caller.actor,
            &QueueQuery {
                kind,
                within_node: p.within_node,
                status,
                category: p.category.filter(|c| !c.trim().is_empty()),
                party,
                page: p.page.unwrap_or(1),
                page_size: p.page_size.unwrap_or(50),
            },
        )
        .await?;
    Ok(Json(QueuePage {
        items: page.items.into_iter().map(Request::from).collect(),
        page: page.page,
        page_size: page.page_size,
        more: page.more,
    }))
}

#[utoipa::path(get, path = "/api/v1/requests/inbox", tag = "requests",
    params(InboxParams),
    responses((status = 200, body = Inbox), (status = 401, body = ErrorBody)))]
pub async fn inbox(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<InboxParams>,
) -> ApiResult<Json<Inbox>> {
    let (items, unread) = st
        .app
        .request_inbox(&caller.actor, p.before, p.limit.unwrap_or(50))
        .await?;
    Ok(Json(Inbox {
        items: items
            .into_iter()
            .map(|i| InboxLine {
                id: i.id,
                request_id: i.request_id.0,
                at: time(i.at_ms),
                kind: i.kind,
                status: i.status.code().to_owned(),
                read: i.read_at.is_some(),
            })
            .collect(),
        unread,
    }))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "requests",
    params(("id" = String, Path, description = "An id or a number (R-2026-000123)")),
    responses(
        (status = 200, body = Request),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such request, or not one the caller may see"),
    ))]
pub async fn get_request(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
) -> ApiResult<Json<Request>> {
    let id = id_of(&raw)?;
    Ok(Json(st.app.request(&caller.actor, id).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/timeline", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    responses(
        (status = 200, body = Vec<TimelineLine>, description = "Oldest first; the requester sees only the lines meant for them"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn timeline(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
) -> ApiResult<Json<Vec<TimelineLine>>> {
    let id = id_of(&raw)?;
    let lines = st.app.request_timeline(&caller.actor, id).await?;
    Ok(Json(lines.into_iter().map(TimelineLine::from).collect()))
}

fn need_reason(reason: Option<&str>) -> Result<&str, AppError> {
    reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| AppError::invalid("reason", "say why"))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/transitions", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    request_body = TransitionBody,
    responses(
        (status = 200, body = Request),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The caller may not take this action"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The status does not allow it, or the version is stale"),
        (status = 422, body = ErrorBody),
    ))]
pub async fn transition(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
    ApiJson(b): ApiJson<TransitionBody>,
) -> ApiResult<Json<Request>> {
    let id = id_of(&raw)?;
    let kind = ActionKind::parse(b.action.trim()).map_err(|e| AppError::invalid("action", e))?;
    let (app, a, v) = (&st.app, &caller.actor, b.version);
    let why = b.reason.as_deref();
    let out = match kind {
        ActionKind::Accept => app.accept_request(a, id, v).await,
        ActionKind::Assign => {
            let party = b
                .party
                .as_deref()
                .ok_or_else(|| AppError::invalid("party", "say who takes it"))
                .and_then(|p| Party::decode(p.trim()).map_err(|e| AppError::invalid("party", e)))?;
            let to = Assignment {
                party,
                user_id: b.user_id,
            };
            app.assign_request(a, id, v, to, why).await
        }
        ActionKind::Start => app.start_request(a, id, v).await,
        ActionKind::Resolve => app.resolve_request(a, id, v, why).await,
        ActionKind::Close => app.close_request(a, id, v).await,
        ActionKind::Reject => app.reject_request(a, id, v, need_reason(why)?).await,
        ActionKind::Refer => app.refer_request(a, id, v, need_reason(why)?).await,
        ActionKind::Hold => app.hold_request(a, id, v, need_reason(why)?).await,
        ActionKind::Resume => app.resume_request(a, id, v).await,
        ActionKind::Reopen => app.reopen_request(a, id, v, need_reason(why)?).await,
        ActionKind::MarkDuplicate => {
            let original = b
                .original
                .as_deref()
                .and_then(parse_public_number)
                .ok_or_else(|| AppError::invalid("original", "give the original's id or number"))?;
            app.mark_request_duplicate(a, id, v, original).await
        }
    }?;
    notify(&st, &out);
    Ok(Json(out.into()))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/rating", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    request_body = RatingBody,
    responses(
        (status = 200, body = Request),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Only the requester rates"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Not resolved, or already rated"),
        (status = 422, body = ErrorBody),
    ))]
pub async fn rate(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
    ApiJson(b): ApiJson<RatingBody>,
) -> ApiResult<Json<Request>> {
    let id = id_of(&raw)?;
    let score = u8::try_from(b.rating)
        .ok()
        .filter(|s| (1..=5).contains(s))
        .ok_or_else(|| AppError::invalid("rating", "from 1 to 5"))?;
    let out = st
        .app
        .rate_request(&caller.actor, id, score, b.comment.as_deref())
        .await?;
    notify(&st, &out);
    Ok(Json(out.into()))
}

/// Why a flag is cleared: what was done about the poor rating.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearFlagBody {
    /// Required; kept in the timeline (staff only) and the audit log.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = "\\S")]
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/flag/clear", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    request_body = ClearFlagBody,
    responses(
        (status = 200, body = Request),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Only supervisors (community staff, street office) clear flags"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The request is not flagged"),
        (status = 422, body = ErrorBody, description = "No reason given; the code names the field"),
    ))]
pub async fn clear_flag(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
    ApiJson(b): ApiJson<ClearFlagBody>,
) -> ApiResult<Json<Request>> {
    let id = id_of(&raw)?;
    let out = st
        .app
        .clear_request_flag(&caller.actor, id, b.reason.as_deref().unwrap_or(""))
        .await?;
    notify(&st, &out);
    Ok(Json(out.into()))
}

/// A note on a request's timeline.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// 1–500 characters.
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub text: String,
    /// Staff and responders: the resident may read it (false when omitted). The
    /// requester's own comments are always shown to them.
    #[serde(default)]
    pub visible: bool,
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/comments", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    request_body = CommentBody,
    responses(
        (status = 201, body = TimelineLine, headers(("Location" = String)), description = "The new timeline line"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Only the requester, handlers and the assigned responders comment"),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn comment(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
    ApiJson(b): ApiJson<CommentBody>,
) -> ApiResult<Response> {
    let id = id_of(&raw)?;
    let event = st
        .app
        .comment_request(&caller.actor, id, &b.text, b.visible)
        .await
        .map_err(|e| match e {
            // The use case calls the text a comment; here it is the field `text`.
            AppError::Invalid {
                field: "comment",
                message,
            } => AppError::Invalid {
                field: "text",
                message,
            },
            other => other,
        })?;
    let line = st
        .app
        .request_timeline(&caller.actor, id)
        .await?
        .into_iter()
        .find(|e| e.id == event)
        .map(TimelineLine::from)
        .ok_or_else(|| AppError::NotFound("comment"))?;
    Ok(created(format!("/api/v1/requests/{}/timeline", id.0), line))
}

/// A photo of a request (the bytes at `url`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Photo {
    pub id: i64,
    pub request_id: i64,
    /// `intake` (with the report) or `resolution` (the work done).
    pub stage: String,
    /// image/jpeg, image/png or image/webp, decided by the content.
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// Hex SHA-256 of the stored bytes (location metadata already removed).
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    pub url: String,
}

impl From<PhotoMeta> for Photo {
    fn from(m: PhotoMeta) -> Photo {
        Photo {
            url: format!("/api/v1/requests/{}/photos/{}", m.request_id.0, m.id),
            id: m.id,
            request_id: m.request_id.0,
            stage: m.stage,
            content_type: m.content_type,
            bytes: m.byte_len,
            width: m.width,
            height: m.height,
            sha256: m.sha256,
            uploaded_at: time(m.uploaded_at),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/photos", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    responses(
        (status = 200, body = Vec<Photo>),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn photos(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
) -> ApiResult<Json<Vec<Photo>>> {
    let id = id_of(&raw)?;
    let list = st.app.request_photos(&caller.actor, id).await?;
    Ok(Json(list.into_iter().map(Photo::from).collect()))
}

fn bad_upload(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError(Failure::new(status, code, message))
}

/// The fields of a photo upload: the image and, optionally, its stage.
async fn read_upload(
    st: &AppState,
    req: HttpRequest,
) -> Result<(Option<String>, Option<Vec<u8>>), ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return Err(bad_upload(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the photo as multipart/form-data in a part named `photo`",
        ));
    }
    let mut mp = axum::extract::Multipart::from_request(req, st)
        .await
        .map_err(|r| bad_upload(r.status(), "invalid_multipart", r.body_text()))?;
    let too_large = |status: StatusCode, text: String| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            bad_upload(
                status,
                "payload_too_large",
                format!("photo: at most {} MB", MAX_PHOTO_BYTES / (1024 * 1024)),
            )
        } else {
            bad_upload(status, "invalid_multipart", text)
        }
    };
    let (mut stage, mut photo) = (None, None);
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(too_large(e.status(), e.body_text())),
        };
        match field.name().unwrap_or("") {
            "photo" => {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| too_large(e.status(), e.body_text()))?;
                if bytes.len() > MAX_PHOTO_BYTES {
                    return Err(too_large(StatusCode::PAYLOAD_TOO_LARGE, String::new()));
                }
                photo = Some(bytes.to_vec());
            }
            "stage" => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| too_large(e.status(), e.body_text()))?;
                stage = Some(text.trim().to_owned());
            }
            _ => {
                return Err(
                    AppError::invalid("photo", "send only the parts `photo` and `stage`").into(),
                );
            }
        }
    }
    Ok((stage, photo))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/photos", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    request_body(content_type = "multipart/form-data", description = "`photo`: the image \
        (JPEG, PNG or WebP, decided by its content; at most 8 MB; location metadata is \
        removed before it is stored). `stage`: `intake` or `resolution` (when omitted, \
        `intake` for the requester, `resolution` for staff)."),
    responses(
        (status = 201, body = Photo, headers(("Location" = String))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Only the requester and those working on it add photos"),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "More than 8 MB"),
        (status = 415, body = ErrorBody, description = "Not multipart/form-data"),
        (status = 422, body = ErrorBody, description = "Not a JPEG, PNG or WebP image, or a bad stage; the code names the field"),
    ))]
pub async fn add_photo(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
    req: HttpRequest,
) -> ApiResult<Response> {
    let id = id_of(&raw)?;
    // The same rule as the page: the requester, or someone who may act on it now; the
    // body is read only after that.
    let v = st.app.request(&caller.actor, id).await?;
    if !v.mine && v.actions.is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let (stage, photo) = read_upload(&st, req).await?;
    let data = photo
        .filter(|p| !p.is_empty())
        .ok_or_else(|| AppError::invalid("photo", "send the image in a part named `photo`"))?;
    let stage = stage
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| if v.mine { "intake" } else { "resolution" }.to_owned());
    let photo_id = st
        .app
        .add_request_photo(&caller.actor, id, &stage, "", &data, None)
        .await?;
    let meta = st
        .app
        .request_photos(&caller.actor, id)
        .await?
        .into_iter()
        .find(|p| p.id == photo_id)
        .ok_or(AppError::NotFound("photo"))?;
    let body = Photo::from(meta);
    Ok(created(body.url.clone(), body))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/photos/{photo_id}", tag = "requests",
    params(
        ("id" = String, Path, description = "An id or a number"),
        ("photo_id" = i64, Path, description = "The photo's id"),
    ),
    responses(
        (status = 200, description = "The image bytes (image/jpeg, image/png or image/webp)", content_type = "image/*"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such photo of this request, or not one the caller may see"),
    ))]
pub async fn photo(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath((raw, photo_raw)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let id = id_of(&raw)?;
    let photo_id = photo_raw
        .trim()
        .parse::<i64>()
        .map_err(|_| ApiError(Failure::not_found()))?;
    let (meta, data) = st.app.request_photo(&caller.actor, photo_id).await?;
    if meta.request_id != id {
        return Err(AppError::NotFound("photo").into());
    }
    let ct = match meta.content_type.as_str() {
        "image/jpeg" | "image/png" | "image/webp" => meta.content_type.clone(),
        _ => "application/octet-stream".to_owned(),
    };
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            (header::ETAG, format!("\"{}\"", meta.sha256)),
        ],
        data,
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/requests/policy", tag = "requests",
    responses((status = 200, body = PolicyBody), (status = 401, body = ErrorBody)))]
pub async fn policy(State(st): State<AppState>, _caller: ApiCaller) -> ApiResult<Json<PolicyBody>> {
    Ok(Json(PolicyBody::from(&st.app.request_policy().await?)))
}

#[utoipa::path(put, path = "/api/v1/requests/policy", tag = "requests",
    request_body = PolicyBody,
    responses(
        (status = 200, body = PolicyBody, description = "The policy now in force"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Needs the request catalogue permission (system administrators)"),
        (status = 422, body = ErrorBody, description = "A field is out of range; the message names it"),
    ))]
pub async fn set_policy(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<PolicyBody>,
) -> ApiResult<Json<PolicyBody>> {
    // Who may change it is answered before what was sent is judged.
    if !caller
        .actor
        .can_somewhere(civicgrid_app::domain::platform::access::Permission::ManageRequestCatalogue)
    {
        return Err(AppError::Forbidden.into());
    }
    let current = st.app.request_policy().await?;
    let next = b.apply(current)?;
    st.app.set_request_policy(&caller.actor, next).await?;
    Ok(Json(PolicyBody::from(&st.app.request_policy().await?)))
}
