//! Care and volunteers: repositories — the volunteer registry, teams, activities and
//! shifts, the hours ledger; visit policies, pairings, visits, alerts and coverage.

pub mod activities;
pub mod alerts;
pub mod coverage;
pub mod hours;
pub mod pairings;
pub mod party;
pub mod policies;
pub mod teams;
pub mod visits;
pub mod volunteers;
