//! Co-governance through the real router: estates built from the ledger, owners' votes
//! decided by art. 278 from paper ballots, proxies and residents' own ballots, and the
//! published result.

mod support;

#[path = "participation/estates.rs"]
mod estates;
#[path = "participation/votes.rs"]
mod votes;
