//! Care and volunteers on the command line: the demo's volunteers.

pub mod volunteers_demo;
