//! Co-governance records: estates, notices, deliberation, votes and ballots,
//! commitments.

pub mod commitments;
pub mod deliberation;
pub mod estates;
pub mod notice_attachments;
pub mod notices;
pub mod votes;
