//! Insight (数据洞察): pure types and rules — the measures a dashboard and a report
//! show, the periods they are counted over, and how a figure compares with the period
//! before and with its sibling areas.

pub mod measures;
pub mod period;
