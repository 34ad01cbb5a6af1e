//! Emergency mode's use cases: material depots, their stock ledger, material requests
//! served by priority, transfers from the street depot and deliveries — and stock
//! that concurrent issues never drive below zero, on SQLite and on PostgreSQL.

mod support;

#[path = "emergency/materials.rs"]
mod materials;
