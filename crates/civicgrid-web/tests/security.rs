//! Regression tests for the holes of the security review, each through the real router:
//! one module per class of hole, each covering the route named in the review and the
//! others of the same shape.

mod support;

#[path = "security/accounts.rs"]
mod accounts;
#[path = "security/api_errors.rs"]
mod api_errors;
#[path = "security/import_scope.rs"]
mod import_scope;
#[path = "security/open311_public.rs"]
mod open311_public;
#[path = "security/redirects.rs"]
mod redirects;
#[path = "security/throttle.rs"]
mod throttle;
#[path = "security/uploads.rs"]
mod uploads;
