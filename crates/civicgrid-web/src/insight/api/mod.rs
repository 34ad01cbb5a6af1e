//! The insight API: a place's counted figures under `/api/v1/insight`.

pub(crate) mod dashboard;
