//! The care pages.

pub(crate) mod activities;
pub(crate) mod hours;
pub(crate) mod teams;
pub(crate) mod volunteers;
