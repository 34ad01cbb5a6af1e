//! Emergency mode through the real router: material depots, their stock board and
//! ledger, material requests served from a depot, transfers from the street depot and
//! deliveries confirmed by a volunteer.

mod support;

#[path = "emergency/materials.rs"]
mod materials;
