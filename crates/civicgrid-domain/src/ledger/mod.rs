//! The household ledger (一房一户): who lives where, who needs care, who may vote.

pub mod date;
pub mod id_number;
pub mod import;
pub mod natural;
pub mod person;
pub mod phone;
pub mod place;
pub mod search;
pub mod tags;
