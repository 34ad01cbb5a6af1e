//! Co-governance: estates, notices, votes and ballots.

use crate::Case;

pub fn cases() -> Vec<Case> {
    Vec::new()
}
