//! The care API under `/api/v1/care`.

pub(crate) mod coverage;
pub(crate) mod pairings;
pub(crate) mod visits;
