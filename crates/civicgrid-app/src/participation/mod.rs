//! Co-governance use cases: estates, notices, deliberation, votes and ballots, and the
//! commitments that follow a decision to delivery.

pub mod commitments;
pub mod deliberation;
pub mod estates;
pub mod notices;
pub mod votes;
