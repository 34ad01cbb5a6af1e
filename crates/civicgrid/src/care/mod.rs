//! Care and volunteers on the command line: the alert job and the demo's volunteers,
//! party members and visits.

pub mod alerts;
pub mod party_demo;
pub mod visits_demo;
pub mod volunteers_demo;
