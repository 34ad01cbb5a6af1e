//! Emergency mode: repositories — material depots, items and minimums, batches and
//! the stock ledger, material requests and transfer requests.

pub mod depots;
pub mod materials;
pub mod stock;
