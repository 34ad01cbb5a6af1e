//! The household ledger's pages and API: the room board, households and residents,
//! tags, import and export, search and population summaries.

pub(crate) mod api;
pub(crate) mod pages;

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    let r = pages::routes(r);
    api::routes(r)
}
