//! Repositories of the platform: the organisation hierarchy, accounts and their role
//! assignments, sessions and login throttling, API tokens, and the audit log.

pub mod accounts;
pub mod audit;
pub mod org;
pub mod sessions;
pub mod tokens;
