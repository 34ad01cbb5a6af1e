//! Pure types and rules of community governance. No I/O, no async.
#![forbid(unsafe_code)]

pub mod care;
pub mod emergency;
pub mod geo;
pub mod insight;
pub mod ledger;
pub mod participation;
pub mod platform;
pub mod privacy;
pub mod requests;
