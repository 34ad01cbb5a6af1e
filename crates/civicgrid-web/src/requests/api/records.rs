//! Requests as records: raising one, the category catalogue, the work queues, the
//! caller's inbox, one request and its timeline.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::requests::routing::Party;
use civicgrid_app::domain::requests::{Category, Channel, Status};
use civicgrid_app::requests::intake::{NewRequest, OnBehalf};
use civicgrid_app::requests::reading::{QueueKind, QueueQuery, TimelineEntry};
use serde::{Deserialize, Serialize};

use crate::api::{created, time, words};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

use super::{Request, id_of, notify};

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
    /// For staff intake entered later: when the call or visit was received (RFC 3339,
    /// within the last 30 days, not in the future); the deadlines run from then.
    pub received_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The new request, and earlier ones it may duplicate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Submitted {
    pub request: Request,
    /// Ids of earlier requests it may duplicate, best first.
    pub duplicate_suggestions: Vec<i64>,
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
    /// mine (default), my_orgs, scope, due_soon, overdue, all, return_visits, flagged, raised.
    #[param(pattern = "^(mine|my_orgs|scope|due_soon|overdue|all|return_visits|flagged|raised)$")]
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

#[utoipa::path(get, path = "/api/v1/requests/categories", tag = "requests",
    responses((status = 200, body = Vec<CategoryEntry>)))]
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
                received_at: b.received_at.map(|t| t.timestamp_millis()),
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
    responses((status = 200, body = QueuePage)))]
pub async fn queue(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> ApiResult<Json<QueuePage>> {
    let kind = match p.queue.as_deref().map(str::trim).unwrap_or("mine") {
        "mine" => QueueKind::Mine,
        "my_orgs" => QueueKind::MyOrgs,
        "scope" => QueueKind::Scope,
        "due_soon" => QueueKind::DueSoon,
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
    responses((status = 200, body = Inbox)))]
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
