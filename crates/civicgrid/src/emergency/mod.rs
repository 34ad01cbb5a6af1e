//! Emergency mode on the command line: the demo's plans and material depots.

pub mod emergency_bench;
pub mod materials_demo;
pub mod plans_demo;
