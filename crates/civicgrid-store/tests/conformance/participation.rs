//! Co-governance records: estates, votes, ballots and proxies.
