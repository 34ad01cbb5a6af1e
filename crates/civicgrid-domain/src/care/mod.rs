//! Care and volunteers (关爱与志愿服务): pure types and rules — volunteers, teams,
//! activities, hours; party members and their pledges; visit policies, pairings,
//! visits, alerts and coverage.

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
