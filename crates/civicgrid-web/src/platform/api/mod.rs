//! The platform's part of the JSON API: sessions, the caller, the hierarchy, accounts
//! and their roles, the audit log and API tokens.

mod audit;
mod me;
mod org;
mod session;
mod tokens;
mod user_access;
mod users;

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    let r = session::routes(r);
    let r = me::routes(r);
    let r = org::routes(r);
    let r = users::routes(r);
    let r = user_access::routes(r);
    let r = audit::routes(r);
    tokens::routes(r)
}

/// The platform's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    session::login,
    session::logout,
    me::me,
    org::list_nodes,
    org::create_node,
    org::get_node,
    org::update_node,
    users::list_users,
    users::create_user,
    users::get_user,
    users::update_user,
    users::reset_password,
    user_access::grant_role,
    user_access::revoke_role,
    user_access::revoke_sessions,
    audit::list_entries,
    audit::verify,
    tokens::list_tokens,
    tokens::create_token,
    tokens::revoke_token,
))]
pub(crate) struct Api;
