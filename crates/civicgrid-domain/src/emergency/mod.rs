//! Emergency mode (应急管理): pure types and rules — a community's mode and its
//! activations, plans from templates by hazard, the duty roster and checklist,
//! welfare checks; material reserves and their stock ledger, material requests and
//! their priority.

pub mod checks;
pub mod materials;
pub mod materials_priority;
pub mod modes;
pub mod plans;
pub mod sitrep;

use thiserror::Error;

/// Bad input, naming the field at fault.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: &'static str,
}

impl Invalid {
    pub(crate) fn new(field: &'static str, message: &'static str) -> Invalid {
        Invalid { field, message }
    }
}
