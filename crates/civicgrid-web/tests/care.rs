//! Care and volunteers through the real router: residents volunteering, staff keeping
//! the registry, activities with shifts, attendance and the hours ledger, teams;
//! party members registering, pledging and keeping their pledges.

mod support;

#[path = "care/party.rs"]
mod party;
#[path = "care/volunteers.rs"]
mod volunteers;
