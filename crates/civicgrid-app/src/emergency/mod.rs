//! Emergency mode (应急): use cases — material depots and their stock ledger, material
//! requests for households, their issue and delivery, and transfers between depots.

pub mod depots;
pub mod materials;
pub mod stock;
