//! Emergency mode (应急管理): use cases — plans and duty rosters, switching a
//! community (or every community of a street) into emergency mode or a drill and
//! back, the checklist, the incident log and the situation; welfare-check campaigns;
//! material depots and their stock ledger, material requests for households, their
//! issue and delivery, and transfers between depots; the situation report.

pub mod checks;
pub mod depots;
pub mod materials;
pub mod modes;
pub mod plans;
pub mod sitrep;
pub mod stock;
