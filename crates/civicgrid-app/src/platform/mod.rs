//! The platform's use cases: the organisation hierarchy, accounts and their roles,
//! sign-in and sessions, API tokens, reading the audit log, and the figures of those
//! who oversee them.

pub mod audit;
pub mod auth;
pub mod menu;
pub mod org;
pub mod overview;
pub(crate) mod password;
pub(crate) mod token_cache;
pub mod tokens;
pub mod users;
