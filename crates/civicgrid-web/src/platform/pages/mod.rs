//! The platform's pages: signing in, the home page, the organisation hierarchy,
//! accounts, the caller's own account, API tokens and the audit log.

mod account;
pub(crate) mod audit;
mod audit_details;
mod auth;
mod home;
mod org;
mod tokens;
mod users;

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    let r = home::routes(r);
    let r = auth::routes(r);
    let r = org::routes(r);
    let r = users::routes(r);
    let r = account::routes(r);
    let r = audit::routes(r);
    tokens::routes(r)
}
