//! Co-governance use cases: estates, notices, votes and ballots.

pub mod estates;
pub mod notices;
pub mod votes;
