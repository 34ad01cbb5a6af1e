//! Co-governance on the command line: the demo's estate and votes, and the vote
//! benchmark.

pub mod demo;
pub mod vote_bench;
