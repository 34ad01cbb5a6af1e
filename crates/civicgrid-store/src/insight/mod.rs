//! Insight: repositories — each measure counted per place for a month from the
//! capability tables, and the figures kept per place and month, added up the tree.

pub mod counts;
pub mod figures;
