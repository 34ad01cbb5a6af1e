//! Emergency mode (应急): pure types and rules — material reserves and their stock
//! ledger, material requests and their priority.

pub mod materials;
pub mod materials_priority;
