//! The ledger's part of the JSON API: boards, households and residents, search and
//! population summaries.

mod records;
mod search;

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    let r = records::routes(r);
    search::routes(r)
}

/// The ledger's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    records::board,
    records::household,
    records::resident,
    records::create_resident,
    records::update_resident,
    records::unmask,
    records::my_household,
    search::search,
    search::population,
))]
pub(crate) struct Api;
