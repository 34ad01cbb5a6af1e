//! The care API: volunteers and activities, and visits under `/api/v1/care`.

pub(crate) mod activities;
pub(crate) mod coverage;
pub(crate) mod pairings;
pub(crate) mod party;
pub(crate) mod visits;
pub(crate) mod volunteers;
