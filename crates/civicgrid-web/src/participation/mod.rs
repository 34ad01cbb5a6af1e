//! Co-governance pages and API: estates, notices, votes, ballots and published results.

pub(crate) mod api;
pub(crate) mod pages;

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    let r = pages::routes(r);
    api::routes(r)
}
