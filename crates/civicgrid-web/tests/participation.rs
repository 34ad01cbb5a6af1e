//! Co-governance through the real router: estates built from the ledger, owners' votes
//! decided by art. 278 from paper ballots, proxies and residents' own ballots, the
//! published result — through the API and through the pages — and notices (targeting,
//! receipts, coverage, follow-up, the poster's code, the board and attached files), and deliberation
//! (proposals, support, moderated discussion, the council's meetings), and commitments
//! followed from a passed vote to delivery.

mod support;

#[path = "participation/commitments.rs"]
mod commitments;
#[path = "participation/deliberation.rs"]
mod deliberation;
#[path = "participation/estates.rs"]
mod estates;
#[path = "participation/notice_files.rs"]
mod notice_files;
#[path = "participation/notices.rs"]
mod notices;
#[path = "participation/pages.rs"]
mod pages;
#[path = "participation/votes.rs"]
mod votes;
