//! Care and volunteers (关爱与志愿服务).

pub mod activities;
pub mod hours;
pub mod teams;
pub mod volunteers;
