//! The household ledger through the real router: the board, cards and forms, masking
//! and unmasking, and imports that run as jobs.

mod support;

#[path = "ledger/import_jobs.rs"]
mod import_jobs;
#[path = "ledger/pages.rs"]
mod pages;
#[path = "ledger/places.rs"]
mod places;
