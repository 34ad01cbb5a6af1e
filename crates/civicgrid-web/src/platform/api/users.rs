//! `/api/v1/users`: accounts. Roles and sessions of an account are in
//! [`super::user_access`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use civicgrid_app::platform::users::{NewUser, UserPatch};
use serde::{Deserialize, Serialize};

use crate::api::{RoleAssignment, User, created};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/users", list_users)
        .post("/api/v1/users", create_user)
        .get("/api/v1/users/{id}", get_user)
        .patch("/api/v1/users/{id}", update_user)
        .post("/api/v1/users/{id}/password", reset_password)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// A fragment of the username or display name.
    pub q: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// An account with its roles.
#[derive(Serialize, utoipa::ToSchema)]
pub struct UserDetail {
    pub user: User,
    pub roles: Vec<RoleAssignment>,
    /// Sessions currently signed in.
    pub live_sessions: usize,
}

/// A new account with its first role.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateUser {
    #[serde(flatten)]
    pub user: NewUser,
    /// Why (kept in the audit log).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A partial edit: absent fields keep their value. Deactivating an account signs it
/// out everywhere.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UpdateUser {
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub display_name: Option<String>,
    pub active: Option<bool>,
    /// Why (kept in the audit log).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A new password set by an administrator; the user is signed out everywhere.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetPassword {
    /// Not the username.
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    /// Why (kept in the audit log).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, body = Vec<User>, description = "Ordered by username")))]
pub async fn list_users(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> ApiResult<Json<Vec<User>>> {
    let users = st
        .app
        .list_users(
            &caller.actor,
            q.q.as_deref(),
            q.limit.unwrap_or(50),
            q.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(users.into_iter().map(User::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUser,
    responses(
        (status = 201, body = User, headers(("Location" = String))),
        (status = 404, body = ErrorBody, description = "No such node"),
        (status = 409, body = ErrorBody, description = "The username is taken"),
    ))]
pub async fn create_user(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CreateUser>,
) -> ApiResult<Response> {
    let user = st
        .app
        .create_user(&caller.actor, &body.user, body.reason.as_deref())
        .await?;
    Ok(created(
        format!("/api/v1/users/{}", user.id),
        User::from(user),
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path)),
    responses((status = 200, body = UserDetail)))]
pub async fn get_user(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<UserDetail>> {
    let view = st.app.user(&caller.actor, id).await?;
    Ok(Json(UserDetail {
        user: User::from(view.user),
        roles: view
            .assignments
            .into_iter()
            .map(RoleAssignment::from)
            .collect(),
        live_sessions: view.sessions.len(),
    }))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = i64, Path)), request_body = UpdateUser,
    responses((status = 200, body = User)))]
pub async fn update_user(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> ApiResult<Json<User>> {
    let patch = UserPatch {
        display_name: body.display_name,
        active: body.active,
    };
    let user = st
        .app
        .patch_user(&caller.actor, id, &patch, body.reason.as_deref())
        .await?;
    Ok(Json(User::from(user)))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users",
    params(("id" = i64, Path)), request_body = ResetPassword,
    responses((status = 204, description = "Password set; the user's sessions are ended")))]
pub async fn reset_password(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ResetPassword>,
) -> ApiResult<StatusCode> {
    st.app
        .reset_password(&caller.actor, id, &body.password, body.reason.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
