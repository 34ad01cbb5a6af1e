//! Emergency mode: repositories — plans and their duty roster, activations with their
//! checklist, the incident log.

pub mod checks;
pub mod modes;
