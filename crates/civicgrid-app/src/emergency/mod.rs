//! Emergency mode (应急管理): use cases — plans and duty rosters, switching a
//! community (or every community of a street) into emergency mode or a drill and
//! back, the checklist, the incident log and the situation.

pub mod checks;
pub mod modes;
pub mod plans;
