use civicgrid_store::StoreError;
use thiserror::Error;

/// What a use case can answer instead of a result. The web layer maps each variant to
/// an HTTP status and a stable snake_case code.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthenticated,
    #[error("you may not do this here")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("too many failed sign-ins; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: i64 },
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    pub fn invalid(field: &'static str, message: impl std::fmt::Display) -> AppError {
        AppError::Invalid {
            field,
            message: message.to_string(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Invalid { .. } => "invalid_input",
            AppError::Conflict(_) => "conflict",
            AppError::Throttled { .. } => "too_many_attempts",
            AppError::Internal(_) => "internal",
        }
    }
}

/// A missing or unreadable input of a request action, on the field it names.
impl From<civicgrid_domain::requests::ActionInputError> for AppError {
    fn from(e: civicgrid_domain::requests::ActionInputError) -> Self {
        AppError::invalid(e.field(), e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("record"),
            StoreError::Conflict(m) => AppError::Conflict(conflict_message(&m)),
            other => AppError::Internal(Box::new(other)),
        }
    }
}

/// Turns a database's uniqueness message into one a user can act on.
fn conflict_message(db_message: &str) -> String {
    let m = db_message.to_lowercase();
    let what = if m.contains("username") {
        "that username is taken"
    } else if m.contains("code") {
        "that code is already used by another node"
    } else if m.contains("role_assignments") || m.contains("user_id") {
        "the user already holds that role there"
    } else if m.contains("api_tokens") || m.contains("name") {
        "that name is already used"
    } else {
        "that already exists"
    };
    what.to_owned()
}

pub type AppResult<T> = Result<T, AppError>;
