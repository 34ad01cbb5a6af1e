//! What an account may do and where it is signed in: role assignments
//! (`/api/v1/users/{id}/roles`) and sessions (`/api/v1/users/{id}/sessions`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use civicgrid_app::platform::users::RoleGrant;
use serde::Deserialize;

use crate::api::{ReasonQuery, RoleAssignment, created};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.post("/api/v1/users/{id}/roles", grant_role)
        .delete("/api/v1/users/{id}/roles/{assignment_id}", revoke_role)
        .delete("/api/v1/users/{id}/sessions", revoke_sessions)
}

/// A role to grant at a node.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct GrantRole {
    #[serde(flatten)]
    pub grant: RoleGrant,
    /// Why (kept in the audit log).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "users",
    params(("id" = i64, Path)), request_body = GrantRole,
    responses(
        (status = 201, body = RoleAssignment, headers(("Location" = String))),
        (status = 409, body = ErrorBody, description = "The user already holds that role there"),
    ))]
pub async fn grant_role(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<GrantRole>,
) -> ApiResult<Response> {
    let a = st
        .app
        .grant_role(&caller.actor, id, &body.grant, body.reason.as_deref())
        .await?;
    Ok(created(
        format!("/api/v1/users/{id}/roles/{}", a.assignment.id),
        RoleAssignment::from(a),
    ))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{assignment_id}", tag = "users",
    params(("id" = i64, Path), ("assignment_id" = i64, Path), ReasonQuery),
    responses((status = 204, description = "Role revoked")))]
pub async fn revoke_role(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath((id, assignment_id)): ApiPath<(i64, i64)>,
    ApiQuery(q): ApiQuery<ReasonQuery>,
) -> ApiResult<StatusCode> {
    st.app
        .revoke_role(&caller.actor, id, assignment_id, q.reason.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "users",
    params(("id" = i64, Path), ReasonQuery),
    responses((status = 204, description = "The user is signed out everywhere")))]
pub async fn revoke_sessions(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ReasonQuery>,
) -> ApiResult<StatusCode> {
    st.app
        .revoke_sessions(&caller.actor, id, q.reason.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
