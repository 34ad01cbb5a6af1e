//! Request extractors: who is calling, and inputs whose rejections become clear
//! errors (never a bare 500 or a panic).

use std::net::SocketAddr;

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum_extra::extract::CookieJar;
use civicgrid_app::AppError;
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::platform::auth::SignedIn;
use serde::de::DeserializeOwned;

use crate::csrf;
use crate::error::{ApiError, Failure, PageError};
use crate::state::AppState;

/// The cookie holding the session token.
pub const SESSION_COOKIE: &str = "cg_session";

fn json_failure(r: &JsonRejection) -> Failure {
    let (code, status) = match r {
        JsonRejection::JsonSyntaxError(_) => ("malformed_json", StatusCode::BAD_REQUEST),
        JsonRejection::JsonDataError(_) => ("invalid_input", StatusCode::UNPROCESSABLE_ENTITY),
        JsonRejection::MissingJsonContentType(_) => {
            ("unsupported_media_type", StatusCode::UNSUPPORTED_MEDIA_TYPE)
        }
        _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ("payload_too_large", StatusCode::PAYLOAD_TOO_LARGE)
        }
        _ => ("bad_request", StatusCode::BAD_REQUEST),
    };
    Failure::new(status, code, r.body_text())
}

fn form_failure(r: &FormRejection) -> Failure {
    if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            r.body_text(),
        )
    } else {
        Failure::new(StatusCode::BAD_REQUEST, "invalid_form", r.body_text())
    }
}

fn path_failure(r: &PathRejection) -> Failure {
    Failure::new(StatusCode::BAD_REQUEST, "invalid_path", r.body_text())
}

fn query_failure(r: &QueryRejection) -> Failure {
    Failure::new(StatusCode::BAD_REQUEST, "invalid_query", r.body_text())
}

/// A JSON body for the API.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(r) => Err(ApiError(json_failure(&r))),
        }
    }
}

/// Path parameters for the API.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(r) => Err(ApiError(path_failure(&r))),
        }
    }
}

/// Query parameters for the API.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(ApiError(query_failure(&r))),
        }
    }
}

/// Path parameters for a page.
pub struct PagePath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PagePath(v)),
            Err(r) => Err(PageError(path_failure(&r))),
        }
    }
}

/// Query parameters for a page.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(PageQuery(v)),
            Err(r) => Err(PageError(query_failure(&r))),
        }
    }
}

/// A form post from a page, accepted only with a valid CSRF token (`_csrf` field
/// matching the `cg_csrf` cookie).
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let cookie = csrf::cookie_token(req.headers());
        let form = match axum::Form::<csrf::WithCsrf<T>>::from_request(req, state).await {
            Ok(axum::Form(v)) => v,
            Err(r) => return Err(PageError(form_failure(&r))),
        };
        csrf::check(cookie.as_deref(), Some(&form.csrf)).map_err(PageError)?;
        Ok(PageForm(form.inner))
    }
}

/// The caller's network address, for throttling.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for
            && let Some(first) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
        {
            return Ok(ClientAddr(first.trim().to_owned()));
        }
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
        Ok(ClientAddr(addr))
    }
}

/// `Set-Cookie` for the session token (empty value and Max-Age=0 clears it).
pub fn session_cookie(token: &str, secure: bool, max_age_secs: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    ))
    .ok()
}

/// The session token from the cookie, if any.
pub fn session_token(headers: &axum::http::HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The signed-in user of a page request, if there is one.
pub struct MaybeUser(pub Option<SignedIn>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser
where
    AppState: FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(u) = parts.extensions.get::<SignedIn>() {
            return Ok(MaybeUser(Some(u.clone())));
        }
        let Some(token) = session_token(&parts.headers) else {
            return Ok(MaybeUser(None));
        };
        let st = AppState::from_ref(state);
        match st.app.session(&token).await {
            Ok(u) => {
                parts.extensions.insert(u.clone());
                Ok(MaybeUser(Some(u)))
            }
            Err(AppError::Unauthenticated) => Ok(MaybeUser(None)),
            Err(e) => Err(PageError(e.into())),
        }
    }
}

/// The signed-in user of a page request; without one, the browser is sent to sign in.
pub struct CurrentUser(pub SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser
where
    AppState: FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match MaybeUser::from_request_parts(parts, state).await? {
            MaybeUser(Some(u)) => Ok(CurrentUser(u)),
            MaybeUser(None) => Err(PageError(AppError::Unauthenticated.into())),
        }
    }
}

/// The caller of an API request: `Authorization: Bearer <token>`, or a browser
/// session cookie (then writes must carry `X-CSRF-Token`).
pub struct ApiCaller {
    pub actor: Actor,
    pub signed_in: Option<SignedIn>,
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let st = AppState::from_ref(state);
        if let Some(auth) = parts.headers.get(axum::http::header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty() && t.len() <= 128)
                .ok_or_else(|| {
                    ApiError(Failure::new(
                        StatusCode::UNAUTHORIZED,
                        "unauthenticated",
                        "the Authorization header must be 'Bearer <api token>'",
                    ))
                })?;
            let actor = st.app.api_token(token).await.map_err(ApiError::from)?;
            return Ok(ApiCaller {
                actor,
                signed_in: None,
            });
        }
        let token = session_token(&parts.headers)
            .ok_or_else(|| ApiError::from(AppError::Unauthenticated))?;
        let signed_in = st.app.session(&token).await.map_err(ApiError::from)?;
        if !parts.method.is_safe() {
            let header = parts
                .headers
                .get(csrf::CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            csrf::check(
                csrf::cookie_token(&parts.headers).as_deref(),
                header.as_deref(),
            )
            .map_err(ApiError)?;
        }
        Ok(ApiCaller {
            actor: signed_in.actor.clone(),
            signed_in: Some(signed_in),
        })
    }
}
