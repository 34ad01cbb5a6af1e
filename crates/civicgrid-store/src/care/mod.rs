//! Care and volunteers: repositories.

pub mod alerts;
pub mod coverage;
pub mod pairings;
pub mod policies;
pub mod visits;
