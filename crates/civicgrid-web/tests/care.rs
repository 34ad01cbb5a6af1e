//! Care and volunteers through the real router: residents volunteering, staff keeping
//! the registry, activities with shifts, attendance and the hours ledger, teams.

mod support;

#[path = "care/volunteers.rs"]
mod volunteers;
