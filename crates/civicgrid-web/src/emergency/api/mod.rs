//! The emergency API: emergencies under `/api/v1/emergencies`, their plans under
//! `/api/v1/emergency-plans`; depots and their
//! ledgers under `/api/v1/depots`, material requests under `/api/v1/material-requests`.

pub(crate) mod depots;
pub(crate) mod materials;
pub(crate) mod modes;
pub(crate) mod plans;
pub(crate) mod sitrep;
