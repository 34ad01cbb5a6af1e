use civicgrid_store::{StoreError, Unique};
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
            StoreError::Conflict(rule) => AppError::Conflict(conflict_message(&rule).to_owned()),
            StoreError::Stale => {
                AppError::Conflict("the record was changed meanwhile; reload and try again".into())
            }
            StoreError::Refused(why) => AppError::Conflict(why.to_owned()),
            other => AppError::Internal(Box::new(other)),
        }
    }
}

/// What a user reads when a write broke the uniqueness rule `rule`.
fn conflict_message(rule: &Unique) -> &'static str {
    match rule {
        Unique::Username => "that username is taken",
        Unique::NodeCode => "that code is already used by another node",
        Unique::RoleAssignment => "the user already holds that role there",
        Unique::TokenName
        | Unique::TokenHash
        | Unique::BuildingName
        | Unique::UnitName
        | Unique::RoomName => "that name is already used",
        Unique::NodePath
        | Unique::SessionToken
        | Unique::ResidentIdNumber
        | Unique::ResidentTag
        | Unique::Open311Token
        | Unique::Other(_) => "that already exists",
    }
}

pub type AppResult<T> = Result<T, AppError>;
