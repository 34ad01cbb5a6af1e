//! Acting on a request: every transition of the state machine, the requester's
//! rating, clearing the flag a poor rating left, and comments.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::AppError;
use civicgrid_app::domain::requests::{Action, ActionInput, ActionKind};
use civicgrid_app::requests::RequestView;
use serde::Deserialize;

use crate::api::{created, words};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath};
use crate::state::AppState;

use super::records::TimelineLine;
use super::{Request, id_of, notify};

/// Tells those watching the queues that the request changed, and answers with it.
fn changed(st: &AppState, out: RequestView) -> ApiResult<Json<Request>> {
    notify(st, &out);
    Ok(Json(out.into()))
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
    /// Required for reject, refer, hold, reopen, resolve (what was done) and reassignment.
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

#[utoipa::path(post, path = "/api/v1/requests/{id}/transitions", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    request_body = TransitionBody,
    responses(
        (status = 200, body = Request),
        (status = 403, body = ErrorBody, description = "The caller may not take this action"),
        (status = 409, body = ErrorBody, description = "The status does not allow it, or the version is stale"),
    ))]
pub async fn transition(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
    ApiJson(b): ApiJson<TransitionBody>,
) -> ApiResult<Json<Request>> {
    let id = id_of(&raw)?;
    let kind = ActionKind::parse(b.action.trim()).map_err(|e| AppError::invalid("action", e))?;
    let input = ActionInput {
        reason: b.reason.as_deref(),
        party: b.party.as_deref(),
        user_id: b.user_id,
        original: b.original.as_deref(),
    };
    let action = Action::from_input(kind, input).map_err(AppError::from)?;
    let out = st
        .app
        .act_on_request(&caller.actor, id, b.version, action)
        .await?;
    changed(&st, out)
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/rating", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    request_body = RatingBody,
    responses(
        (status = 200, body = Request),
        (status = 403, body = ErrorBody, description = "Only the requester rates"),
        (status = 409, body = ErrorBody, description = "Not resolved, or already rated"),
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
    changed(&st, out)
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
        (status = 403, body = ErrorBody, description = "Only supervisors (community staff, street office) clear flags"),
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
    changed(&st, out)
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
        (status = 403, body = ErrorBody, description = "Only the requester, handlers and the assigned responders comment"),
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
