//! Pure types and rules of community governance. No I/O, no async.
#![forbid(unsafe_code)]

pub mod access;
pub mod account;
pub mod audit;
pub mod geo;
pub mod ledger;
pub mod org;
pub mod requests;
