//! The care pages: volunteers, activities, teams, hours; party members and their
//! pledges; pairings, policies, visits and coverage.

pub(crate) mod activities;
pub(crate) mod coverage;
pub(crate) mod hours;
pub(crate) mod pairings;
pub(crate) mod party;
pub(crate) mod party_members;
pub(crate) mod policies;
pub(crate) mod teams;
pub(crate) mod visits;
pub(crate) mod volunteers;
