//! The emergency pages: switching into emergency mode or a drill, the situation with
//! its checklist, duty roster and incident log, and the plans.

pub(crate) mod checks;
pub(crate) mod modes;
pub(crate) mod plans;
