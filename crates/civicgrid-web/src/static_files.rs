//! Front-end assets, compiled into the binary so it runs from anywhere.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::{Failure, PageError};
use crate::extract::PagePath;
use crate::routes::Routes;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/static/{file}", asset)
}

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/app.css"),
    ),
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/htmx.min.js"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/app.js"),
    ),
    // The optional base map's library (see map_tiles.rs), BSD-2-Clause.
    (
        "leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../static/vendor/leaflet.js"),
    ),
    (
        "leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("../static/vendor/leaflet.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../static/favicon.svg"),
    ),
];

async fn asset(PagePath(file): PagePath<String>) -> Result<Response, PageError> {
    let (_, mime, body) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or_else(|| PageError(Failure::not_found()))?;
    let mut res = (*body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(res)
}
