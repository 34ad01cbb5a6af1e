//! Mapping errors to HTTP: stable JSON codes for the API, an HTML page for browsers.
//!
//! JSON: `{"error":{"code":"snake_case_code","message":"…"}}`. Internal details are
//! logged with the request id and never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use civicgrid_app::AppError;
use serde::Serialize;

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
    /// Stable, snake_case: unauthenticated, forbidden, not_found, invalid_input,
    /// malformed_json, conflict, too_many_attempts, payload_too_large, csrf_failed, internal…
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
