//! Repository of the household ledger (一房一户): buildings → units → rooms, households,
//! residents (personal fields stored sealed, see [`crate::ledger::pii`]), tags, the tag
//! catalogue, the change history, and the link from a user account to a resident.
//!
//! One module per kind of record; everything is re-exported here, so callers name
//! `ledger::X` whatever file `X` lives in.

mod board;
mod history;
mod households;
mod places;
mod residents;
mod tags;

pub mod import;
pub mod pii;
pub mod population;
pub mod search;
pub mod synthetic;

pub use board::*;
pub use history::*;
pub use households::*;
pub use places::*;
pub use residents::*;
pub use tags::*;

use crate::repo::{corrupt, flag};
