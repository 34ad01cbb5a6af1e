//! Privacy through the real router: residents see who was shown their data, and
//! auditors read that log within their scope.

mod support;

#[path = "privacy/data_access.rs"]
mod data_access;
