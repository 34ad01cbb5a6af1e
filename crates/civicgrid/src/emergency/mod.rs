//! Emergency mode on the command line: the demo's plans.

pub mod plans_demo;
