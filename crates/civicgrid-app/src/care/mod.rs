//! Care and volunteers (关爱与志愿服务): use cases — the volunteer registry, teams,
//! activities and shifts, the hours ledger; party members and their pledges; visit
//! policies, pairings, visits, alerts and coverage.

pub mod activities;
pub mod alerts;
pub mod coverage;
pub mod hours;
pub mod pairings;
pub mod party;
pub mod party_year;
pub mod policies;
pub mod teams;
pub mod visits;
pub mod volunteers;
