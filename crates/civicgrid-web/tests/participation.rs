//! Co-governance through the real router: notices (targeting, receipts, coverage,
//! follow-up, the poster's code and the board).

mod support;

#[path = "participation/notices.rs"]
mod notices;
