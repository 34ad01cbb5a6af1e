//! Insight (数据洞察): use cases — counting each month's figures per place and adding
//! them up the tree (run on a schedule by `serve`, or by `civicgrid insight count`),
//! and the dashboard of a place read from those figures.

pub mod counting;
pub mod dashboard;
