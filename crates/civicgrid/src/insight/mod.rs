//! Insight on the command line: counting a month's dashboard figures.

pub mod count;
