//! The insight pages: the dashboard of a place.

pub(crate) mod dashboard;
