//! The care API.

pub(crate) mod activities;
pub(crate) mod volunteers;
