//! The platform's pages and API: signing in, the home page, the organisation
//! hierarchy, accounts and their roles, the caller's own account, API tokens and the
//! audit log.

pub(crate) mod api;
pub(crate) mod pages;

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    let r = pages::routes(r);
    api::routes(r)
}
