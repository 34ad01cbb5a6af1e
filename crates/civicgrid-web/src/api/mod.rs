//! The JSON API under `/api/v1`, described by OpenAPI 3 at `/api/openapi.json` with
//! Swagger UI at `/api/docs`. One module per capability; each handler extracts its
//! inputs, calls one use case and answers JSON (errors as `{"error":{"code","message"}}`).

use utoipa::OpenApi;

use crate::routes::{RouteInfo, Routes};
use crate::state::AppState;

mod audit;
mod ledger;
mod ledger_search;
mod me;
mod model;
mod org;
pub(crate) mod request_policy;
mod requests;
mod session;
mod tokens;
mod user_access;
mod users;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "civicgrid API",
        description = "Community governance: hierarchy, accounts, audit.\n\n\
            Authenticate with `Authorization: Bearer <api token>`, or with the session \
            cookie set by `POST /api/v1/session`; writes made with the cookie must send \
            `X-CSRF-Token`. Times are RFC 3339 in UTC. Errors are \
            `{\"error\":{\"code\":\"…\",\"message\":\"…\"}}` with stable codes."
    ),
    paths(
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
        ledger::board,
        ledger::household,
        ledger::resident,
        ledger::create_resident,
        ledger::update_resident,
        ledger::unmask,
        ledger::my_household,
        ledger_search::search,
        ledger_search::population,
        requests::categories,
        requests::submit,
        requests::queue,
        requests::inbox,
        requests::get_request,
        requests::timeline,
        requests::transition,
        requests::rate,
        requests::clear_flag,
        requests::comment,
        requests::photos,
        requests::add_photo,
        requests::photo,
        requests::policy,
        requests::set_policy,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&Security),
    security(("api_token" = []), ("session_cookie" = [])),
    tags(
        (name = "session", description = "Signing in and out with a session cookie"),
        (name = "accounts", description = "The caller"),
        (name = "org", description = "The hierarchy: city, district, street, community, grid"),
        (name = "users", description = "Accounts, role assignments and sessions"),
        (name = "audit", description = "The hash-chained audit log"),
        (name = "tokens", description = "API tokens for integrations"),
        (name = "ledger", description = "The household ledger; personal data masked unless unmasked with a purpose"),
        (name = "requests", description = "Resident requests: intake, transitions, ratings, comments, photos, flags, work queues, inbox, policy"),
    ),
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::SecurityScheme;
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::extract::SESSION_COOKIE,
                "Set by POST /api/v1/session; writes also need the X-CSRF-Token header",
            ))),
        );
    }
}

pub(crate) fn routes(r: Routes) -> Routes {
    let r = session::routes(r);
    let r = me::routes(r);
    let r = org::routes(r);
    let r = users::routes(r);
    let r = user_access::routes(r);
    let r = audit::routes(r);
    let r = tokens::routes(r);
    let r = ledger::routes(r);
    let r = ledger_search::routes(r);
    let r = requests::routes(r);
    let docs: axum::Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", ApiDoc::openapi())
        .into();
    r.merge_recorded(
        docs,
        &[
            RouteInfo {
                method: "GET",
                path: "/api/docs",
            },
            RouteInfo {
                method: "GET",
                path: "/api/openapi.json",
            },
        ],
    )
}
