//! Insight: the dashboard pages and API.

pub(crate) mod api;
pub(crate) mod pages;
