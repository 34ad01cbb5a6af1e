//! Care and volunteers: commands and demo data.

pub mod alerts;
pub mod visits_demo;
