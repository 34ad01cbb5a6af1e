//! Care and volunteers on the command line: the alert job and the demo's volunteers
//! and visits.

pub mod alerts;
pub mod visits_demo;
pub mod volunteers_demo;
