//! `/api/v1/estates` and `/api/v1/votes`: estates, votes, paper ballots by room and the
//! tally with both majorities of art. 278.

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r
}

/// The co-governance API's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub(crate) struct Api;
