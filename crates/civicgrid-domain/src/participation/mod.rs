//! Co-governance (共商共治): estates and their owners, notices and the files attached
//! to them, votes and the owners' assembly rules of Civil Code art. 278, paper ballots'
//! scans; commitments that follow a decision to delivery.

pub mod art278;
pub mod attachments;
pub mod ballot_scans;
pub mod commitments;
pub mod deliberation;
pub mod estates;
pub mod notices;
pub mod votes;
