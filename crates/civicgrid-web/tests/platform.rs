//! Platform core through the real router: the pages in both languages, the account,
//! token and audit forms, and the JSON API under `/api/v1`.

mod support;

#[path = "platform/api.rs"]
mod api;
#[path = "platform/home.rs"]
mod home;
#[path = "platform/page_forms.rs"]
mod page_forms;
#[path = "platform/pages.rs"]
mod pages;
