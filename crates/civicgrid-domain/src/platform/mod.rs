//! The platform every capability stands on: the organisation hierarchy, accounts and
//! their roles, what each role may do where, and the audit log's entries.

pub mod access;
pub mod account;
pub mod audit;
pub mod device;
pub mod org;
