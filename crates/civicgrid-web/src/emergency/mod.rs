//! Emergency mode: pages and API.

pub(crate) mod api;
pub(crate) mod pages;
