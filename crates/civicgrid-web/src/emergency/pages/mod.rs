//! The emergency pages: switching into emergency mode or a drill, the situation with
//! its checklist, duty roster and incident log, the plans, welfare checks; material
//! depots and their stock boards, material requests, transfers and deliveries.

pub(crate) mod checks;
pub(crate) mod depots;
pub(crate) mod materials;
pub(crate) mod modes;
pub(crate) mod plans;
