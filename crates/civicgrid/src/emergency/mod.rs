//! Emergency mode on the command line: the demo's material depots.

pub mod materials_demo;
