//! The emergency API: emergencies under `/api/v1/emergencies`; depots and their
//! ledgers under `/api/v1/depots`, material requests under `/api/v1/material-requests`.

pub(crate) mod depots;
pub(crate) mod materials;
pub(crate) mod modes;
