//! Co-governance through the real router: estates built from the ledger, owners' votes
//! decided by art. 278 from paper ballots, proxies and residents' own ballots, and the
//! published result — through the API and through the pages.

mod support;

#[path = "participation/estates.rs"]
mod estates;
#[path = "participation/pages.rs"]
mod pages;
#[path = "participation/votes.rs"]
mod votes;
