//! The emergency API under `/api/v1/emergencies` and `/api/v1/emergency-plans`.

pub(crate) mod modes;
