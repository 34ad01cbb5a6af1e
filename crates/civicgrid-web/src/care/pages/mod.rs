//! The care pages: volunteers, activities, teams, hours; pairings, policies, visits
//! and coverage.

pub(crate) mod activities;
pub(crate) mod coverage;
pub(crate) mod hours;
pub(crate) mod pairings;
pub(crate) mod policies;
pub(crate) mod teams;
pub(crate) mod visits;
pub(crate) mod volunteers;
