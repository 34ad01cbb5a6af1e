//! Emergency mode on the command line: the demo's plans, material depots and welfare
//! checks.

pub mod checks_demo;
pub mod materials_demo;
pub mod plans_demo;
