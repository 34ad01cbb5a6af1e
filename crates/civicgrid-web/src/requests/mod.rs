//! Resident requests' pages and API: raising a request, the staff queues, a request's
//! page and actions, the category catalogue and policy, the public board, and Open311
//! GeoReport v2.

pub(crate) mod api;
pub(crate) mod open311;
pub(crate) mod pages;

use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    let r = pages::routes(r);
    let r = open311::routes(r);
    api::routes(r)
}
