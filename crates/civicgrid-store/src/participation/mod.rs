//! Co-governance records: estates, notices, votes and ballots, commitments.

pub mod commitments;
pub mod estates;
pub mod notices;
pub mod votes;
