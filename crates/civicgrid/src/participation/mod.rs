//! Co-governance on the command line: the demo's estate, votes and deliberation, and
//! the vote benchmark.

pub mod deliberation_demo;
pub mod demo;
pub mod vote_bench;
