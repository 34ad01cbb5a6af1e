//! The platform's use cases: the organisation hierarchy, accounts and their roles,
//! sign-in and sessions, API tokens, and reading the audit log.

pub mod audit;
pub mod auth;
pub mod menu;
pub mod org;
pub(crate) mod password;
pub(crate) mod token_cache;
pub mod tokens;
pub mod users;
