//! Emergency mode on the command line: the demo's plans, material depots and welfare
//! checks, and the emergency benchmark.

pub mod checks_demo;
pub mod emergency_bench;
pub mod materials_demo;
pub mod plans_demo;
