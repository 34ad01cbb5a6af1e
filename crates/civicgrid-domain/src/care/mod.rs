//! Care and volunteers (关爱与志愿服务): pure types and rules.

pub mod alerts;
pub mod coverage;
pub mod pairings;
pub mod policies;
pub mod visits;
