//! The emergency pages: switching into emergency mode or a drill, the situation with
//! its checklist, duty roster and incident log, the plans, welfare checks; material
//! depots and their stock boards, material requests, transfers and deliveries; the
//! situation report.

pub(crate) mod checks;
pub(crate) mod depots;
pub(crate) mod materials;
pub(crate) mod modes;
pub(crate) mod plans;
pub(crate) mod sitrep;
mod sitrep_xlsx;
