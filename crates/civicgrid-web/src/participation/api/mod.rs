//! `/api/v1/estates` and `/api/v1/votes`: estates, votes, paper ballots by room and the
//! tally with both majorities of art. 278.

use crate::routes::Routes;

mod notices;

// Each resource adds its routes on a line of its own.
#[allow(clippy::let_and_return)]
pub(crate) fn routes(r: Routes) -> Routes {
    let r = notices::routes(r);
    r
}

/// The co-governance API's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    notices::create,
    notices::publish,
    notices::list,
    notices::get_notice,
    notices::read,
    notices::coverage,
))]
pub(crate) struct Api;
