//! Co-governance through the real router: estates, votes and ballots.

mod support;

#[path = "participation/pages.rs"]
mod pages;
