//! `/api/v1/session`: signing in and out from a browser script. The session lives in
//! the same HttpOnly cookie the pages use; writes made with it must send the returned
//! `csrf_token` in `X-CSRF-Token`. Integrations use API tokens instead.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use serde::{Deserialize, Serialize};

use super::me::RoleAt;
use crate::api::{User, time};
use crate::error::{ApiError, ApiResult, ErrorBody, Failure};
use crate::extract::{ApiCaller, ApiJson, ClientAddr, session_cookie, session_token};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.post("/api/v1/session", login)
        .delete("/api/v1/session", logout)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// The signed-in user; the session token itself is only in the cookie.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub user: User,
    pub roles: Vec<RoleAt>,
    /// Send this in `X-CSRF-Token` with every write made with the session cookie.
    pub csrf_token: String,
    /// When the session ends unless it is used (each use extends it).
    pub expires_at: DateTime<Utc>,
}

#[utoipa::path(post, path = "/api/v1/session", tag = "session",
    request_body = Credentials,
    responses(
        (status = 200, body = SessionInfo, description = "Signed in; the session cookie is set"),
        (status = 401, body = ErrorBody, description = "Wrong username or password"),
        (status = 429, body = ErrorBody, description = "Too many failed attempts; see Retry-After"),
    ),
    security(()))]
pub async fn login(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Credentials>,
) -> ApiResult<Response> {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let old = session_token(&headers);
    let s = st
        .app
        .login(&body.username, &body.password, &client, ua, old.as_deref())
        .await
        .map_err(|e| match e {
            AppError::Unauthenticated => ApiError(Failure::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "wrong username or password, or the account is inactive",
            )),
            other => ApiError::from(other),
        })?;
    let signed_in = s.signed_in;
    // A new CSRF token comes with the new session (sent below with the cookies).
    let mut res = StatusCode::OK.into_response();
    let csrf_token = crate::csrf::rotate(&mut res, st.config.secure_cookies);
    let info = SessionInfo {
        roles: signed_in
            .actor
            .assignments
            .iter()
            .map(RoleAt::from)
            .collect(),
        user: User::from(signed_in.user),
        csrf_token,
        expires_at: time(signed_in.session.expires_at),
    };
    let (parts, _) = res.into_parts();
    let mut res = (parts, Json(info)).into_response();
    let max_age = st.app.config().session_idle_secs;
    if let Some(c) = session_cookie(&s.token, st.config.secure_cookies, max_age) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses(
        (status = 204, description = "Signed out; the session cookie is cleared"),
        (status = 400, body = ErrorBody, description = "Called with an API token, which has no session"),
        (status = 403, body = ErrorBody, description = "Missing or wrong X-CSRF-Token"),
    ),
    security(("session_cookie" = [])))]
pub async fn logout(
    State(st): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let token = match (caller.signed_in, session_token(&headers)) {
        (Some(_), Some(token)) => token,
        _ => {
            return Err(ApiError(Failure::new(
                StatusCode::BAD_REQUEST,
                "no_session",
                "an API token has no session to end; revoke the token instead",
            )));
        }
    };
    st.app.logout(&token).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Some(c) = session_cookie("", st.config.secure_cookies, 0) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    crate::csrf::rotate(&mut res, st.config.secure_cookies);
    Ok(res)
}
