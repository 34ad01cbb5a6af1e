//! Care and volunteers on the command line: the alert job, the demo's volunteers and
//! visits, and the care benchmark.

pub mod alerts;
pub mod care_bench;
pub mod visits_demo;
pub mod volunteers_demo;
