//! Resident requests through the real router: reporting and working a request, the
//! poor-rating flag, the policy, comments and photos, staff intake, and Open311.

mod support;

#[path = "requests/base_map.rs"]
mod base_map;
#[path = "requests/comments_and_photos.rs"]
mod comments_and_photos;
#[path = "requests/flags.rs"]
mod flags;
#[path = "requests/intake.rs"]
mod intake;
#[path = "requests/loop_closing.rs"]
mod loop_closing;
#[path = "requests/open311.rs"]
mod open311;
#[path = "requests/policy.rs"]
mod policy;
#[path = "requests/recategorize.rs"]
mod recategorize;
#[path = "requests/reporting.rs"]
mod reporting;
