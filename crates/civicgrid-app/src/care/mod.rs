//! Care and volunteers (关爱与志愿服务): the volunteer registry, teams, activities and
//! shifts, and the hours ledger.

pub mod activities;
pub mod hours;
pub mod teams;
pub mod volunteers;
