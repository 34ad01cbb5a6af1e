//! Emergency mode: repositories — plans and their duty roster, activations with their
//! checklist, the incident log, welfare-check campaigns; material depots, items and
//! minimums, batches and the stock ledger, material requests and transfer requests.

pub mod checks;
pub mod depots;
pub mod materials;
pub mod modes;
pub mod sitrep;
pub mod stock;
