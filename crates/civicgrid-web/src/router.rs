//! The router: every capability's routes, in one list, with the middleware stack
//! around them. A new capability adds one line to [`all_routes`].

use axum::Router;

use crate::routes::{RouteInfo, Routes};
use crate::state::{AppState, WebConfig};

fn all_routes() -> Routes {
    let r = Routes::new();
    let r = crate::health::routes(r);
    let r = crate::static_files::routes(r);
    let r = crate::platform::routes(r);
    let r = crate::ledger::routes(r);
    let r = crate::requests::routes(r);
    let r = crate::participation::routes(r);
    let r = crate::care::pages::visits::routes(r);
    let r = crate::care::pages::pairings::routes(r);
    let r = crate::care::pages::coverage::routes(r);
    let r = crate::care::pages::policies::routes(r);
    let r = crate::care::api::visits::routes(r);
    let r = crate::care::api::pairings::routes(r);
    let r = crate::care::api::coverage::routes(r);
    let r = crate::care::pages::volunteers::routes(r);
    let r = crate::care::pages::activities::routes(r);
    let r = crate::care::pages::hours::routes(r);
    let r = crate::care::pages::teams::routes(r);
    let r = crate::care::api::volunteers::routes(r);
    let r = crate::care::api::activities::routes(r);
    let r = crate::care::pages::party::routes(r);
    let r = crate::care::pages::party_members::routes(r);
    let r = crate::care::api::party::routes(r);
    let r = crate::emergency::pages::modes::routes(r);
    let r = crate::emergency::pages::plans::routes(r);
    let r = crate::emergency::pages::checks::routes(r);
    let r = crate::emergency::pages::sitrep::routes(r);
    let r = crate::emergency::api::modes::routes(r);
    let r = crate::emergency::api::sitrep::routes(r);
    let r = crate::emergency::api::plans::routes(r);
    let r = crate::insight::pages::dashboard::routes(r);
    let r = crate::insight::api::dashboard::routes(r);
    let r = crate::emergency::pages::depots::routes(r);
    let r = crate::emergency::pages::materials::routes(r);
    let r = crate::emergency::api::depots::routes(r);
    let r = crate::emergency::api::materials::routes(r);
    crate::openapi::routes(r)
}

/// The whole application: every route with the middleware stack around it.
pub fn build_router(state: AppState) -> Router {
    let config: WebConfig = state.config.clone();
    let routes = all_routes();
    // Unknown paths and methods answer in the shape their clients read: JSON under
    // /api/, the Open311 error document under /open311/, an HTML page elsewhere. The
    // method fallback must come after every route (it is set on those registered).
    let router = routes
        .router
        .fallback(crate::error::unmatched_path)
        .method_not_allowed_fallback(crate::error::unmatched_method)
        .with_state(state.clone());
    crate::middleware::apply(router, &config, state)
        .layer(axum::middleware::from_fn(crate::error::error_bodies))
}

/// Every registered route, sorted.
pub fn route_list() -> Vec<RouteInfo> {
    let mut list = all_routes().list;
    list.sort();
    list.dedup();
    list
}
