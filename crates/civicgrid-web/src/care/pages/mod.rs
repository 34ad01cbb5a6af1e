//! Care pages.

pub(crate) mod coverage;
pub(crate) mod pairings;
pub(crate) mod policies;
pub(crate) mod visits;
