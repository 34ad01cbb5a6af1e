//! Mapping errors to HTTP: stable JSON codes for the API, an HTML page for browsers.
//!
//! JSON: `{"error":{"code":"snake_case_code","message":"…"}}`. Internal details are
//! logged with the request id and never sent.

use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use civicgrid_app::AppError;
use serde::Serialize;

use crate::requests::open311::{Format, Open311Failure};

/// A failure as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds to wait before retrying (`Retry-After`).
    pub retry_after: Option<i64>,
}

impl Failure {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn not_found() -> Failure {
        Failure::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such page or resource",
        )
    }

    pub fn method_not_allowed() -> Failure {
        Failure::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this resource does not accept that method; the Allow header lists those it does",
        )
    }

    /// A failure known only by its status (a layer answered without a body).
    pub fn of_status(status: StatusCode) -> Failure {
        let (code, message) = match status {
            StatusCode::BAD_REQUEST => ("bad_request", "the request could not be read"),
            StatusCode::UNAUTHORIZED => ("unauthenticated", "sign in first"),
            StatusCode::FORBIDDEN => ("forbidden", "you may not do this here"),
            StatusCode::NOT_FOUND => ("not_found", "no such page or resource"),
            StatusCode::METHOD_NOT_ALLOWED => return Failure::method_not_allowed(),
            StatusCode::REQUEST_TIMEOUT => ("request_timeout", "the request took too long"),
            StatusCode::CONFLICT => ("conflict", "the request conflicts with the current state"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the body is too large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "the body's content type is not accepted here",
            ),
            StatusCode::UNPROCESSABLE_ENTITY => ("invalid_input", "the input is not valid"),
            StatusCode::TOO_MANY_REQUESTS => ("too_many_attempts", "too many requests"),
            StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "the service is not available"),
            s if s.is_server_error() => ("internal", "internal error"),
            _ => ("bad_request", "the request was refused"),
        };
        Failure::new(status, code, message)
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Failure {
        let status = match &e {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if let AppError::Internal(source) = &e {
            tracing::error!(error = %source, "internal error");
        }
        Failure {
            status,
            code: e.code(),
            message: e.to_string(),
            retry_after: match e {
                AppError::Throttled { retry_after_secs } => Some(retry_after_secs),
                _ => None,
            },
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, snake_case: unauthenticated, forbidden, not_found, method_not_allowed,
    /// invalid_input, malformed_json, invalid_path, invalid_query, unsupported_media_type,
    /// conflict, too_many_attempts, payload_too_large, csrf_failed, internal…
    pub code: String,
    pub message: String,
}

/// An API error: answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub Failure);

impl<E: Into<Failure>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let f = self.0;
        let mut res = (
            f.status,
            Json(ErrorBody {
                error: ErrorDetail {
                    code: f.code.to_owned(),
                    message: f.message,
                },
            }),
        )
            .into_response();
        if let Some(secs) = f.retry_after
            && let Ok(v) = secs.to_string().parse()
        {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A page error: the response carries the [`Failure`] as an extension and the
/// page-rendering middleware turns it into an HTML page in the reader's language
/// (or a redirect to the sign-in page when signing in would help).
#[derive(Debug)]
pub struct PageError(pub Failure);

impl<E: Into<Failure>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut res = self.0.status.into_response();
        res.extensions_mut().insert(self.0);
        res
    }
}

pub type PageResult<T> = Result<T, PageError>;

/// Who reads the answers under a path: API clients (JSON errors), Open311 clients (the
/// specification's error document) or browsers (an HTML page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    Api,
    Open311,
    Page,
}

fn surface(path: &str) -> Surface {
    if path == "/api" || path.starts_with("/api/") {
        Surface::Api
    } else if path == "/open311" || path.starts_with("/open311/") {
        Surface::Open311
    } else {
        Surface::Page
    }
}

/// An Open311 error is written in the format the resource's extension asks for (XML,
/// the specification's default, without one).
fn open311_format(path: &str) -> Format {
    let last = path.rsplit('/').next().unwrap_or("");
    Format::split(last).map_or(Format::Xml, |(_, f)| f)
}

/// `failure` in the shape the clients of `path` read.
fn answer(path: &str, failure: Failure) -> Response {
    match surface(path) {
        Surface::Api => ApiError(failure).into_response(),
        Surface::Open311 => {
            Open311Failure::new(failure.status, open311_format(path), failure.message)
                .into_response()
        }
        Surface::Page => PageError(failure).into_response(),
    }
}

/// No route has this path.
pub(crate) async fn unmatched_path(uri: Uri) -> Response {
    answer(uri.path(), Failure::not_found())
}

/// A route has this path but not this method (`Allow` is added by the router).
pub(crate) async fn unmatched_method(uri: Uri) -> Response {
    answer(uri.path(), Failure::method_not_allowed())
}

/// The outermost layer: an error answered without a body (a timeout, a layer's
/// refusal, a mounted service) gets the document its clients read — JSON under
/// `/api/`, the Open311 error document under `/open311/`, an HTML page elsewhere —
/// keeping the headers it had (`Allow`, `Retry-After`, …).
pub(crate) async fn error_bodies(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let (parts, body) = req.into_parts();
    let lang = crate::i18n::lang_of(&parts);
    let res = next.run(Request::from_parts(parts, body)).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return res;
    }
    let (parts, _) = res.into_parts();
    let failure = Failure::of_status(status);
    let mut fresh = match surface(&path) {
        Surface::Page => crate::page::error_page(lang, "", None, &failure),
        _ => answer(&path, failure),
    };
    for (name, value) in &parts.headers {
        if name != header::CONTENT_LENGTH
            && name != header::CONTENT_ENCODING
            && !fresh.headers().contains_key(name)
        {
            fresh.headers_mut().append(name.clone(), value.clone());
        }
    }
    fresh
}
