//! `/api/v1/requests`: resident requests — raise one (as a resident, or as staff on a
//! resident's behalf), read it and its timeline, act on it (every transition of the
//! state machine), rate it, comment on it, add and read its photos, clear the flag a
//! poor rating left, the work queues, the caller's inbox, the category catalogue and
//! the policy. Personal data (contact name and phone) is always masked.

use chrono::{DateTime, Utc};
use civicgrid_app::domain::requests::RequestId;
use civicgrid_app::domain::requests::photo::MAX_PHOTO_BYTES;
use civicgrid_app::requests::{RequestView, parse_public_number};
use serde::Serialize;

use crate::api::time;
use crate::error::{ApiError, Failure};
use crate::routes::Routes;
use crate::state::{AppState, RequestChange};

mod actions;
mod photos;
pub(crate) mod policy;
mod records;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/requests/categories", records::categories)
        .get("/api/v1/requests/inbox", records::inbox)
        .get("/api/v1/requests", records::queue)
        .post("/api/v1/requests", records::submit)
        .get("/api/v1/requests/{id}", records::get_request)
        .get("/api/v1/requests/{id}/timeline", records::timeline)
        .post("/api/v1/requests/{id}/transitions", actions::transition)
        .post("/api/v1/requests/{id}/rating", actions::rate)
        .post("/api/v1/requests/{id}/flag/clear", actions::clear_flag)
        .post("/api/v1/requests/{id}/comments", actions::comment)
        .get("/api/v1/requests/{id}/photos", photos::photos)
        .post_with_body_limit(
            "/api/v1/requests/{id}/photos",
            photos::add_photo,
            MAX_PHOTO_BYTES + 64 * 1024,
        )
        .get("/api/v1/requests/{id}/photos/{photo_id}", photos::photo)
        .get("/api/v1/requests/policy", policy::policy)
        .put("/api/v1/requests/policy", policy::set_policy)
}

/// The requests API's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    records::categories,
    records::submit,
    records::queue,
    records::inbox,
    records::get_request,
    records::timeline,
    actions::transition,
    actions::rate,
    actions::clear_flag,
    actions::comment,
    photos::photos,
    photos::add_photo,
    photos::photo,
    policy::policy,
    policy::set_policy,
))]
pub(crate) struct Api;

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

pub(super) fn id_of(raw: &str) -> Result<RequestId, ApiError> {
    parse_public_number(raw).ok_or_else(|| ApiError(Failure::not_found()))
}

pub(super) fn notify(st: &AppState, v: &RequestView) {
    st.request_changes.notify(RequestChange {
        id: v.id.0,
        grid_id: v.grid_id,
    });
}
