//! Repositories of the platform: the organisation hierarchy, accounts and their role
//! assignments, sessions and login throttling, API tokens, the audit log, and the
//! figures of those who oversee them.

pub mod accounts;
pub mod audit;
pub mod org;
pub mod overview;
pub mod sessions;
pub mod tokens;
