//! Care and volunteers on the command line: the alert job, the demo's volunteers,
//! party members and visits, and the care benchmark.

pub mod alerts;
pub mod care_bench;
pub mod party_demo;
pub mod visits_demo;
pub mod volunteers_demo;
