//! The civicgrid HTTP server: server-rendered pages, the JSON API under `/api/v1`
//! with its OpenAPI document, and the middleware every request passes through.
#![forbid(unsafe_code)]

pub mod api;
pub(crate) mod charts;
pub mod csrf;
pub mod error;
pub mod extract;
pub(crate) mod forms;
mod health;
pub mod i18n;
pub mod map_tiles;
pub mod middleware;
pub mod openapi;
pub mod page;
pub(crate) mod picker;
pub mod router;
pub mod routes;
pub mod state;
mod static_files;

mod care;
mod emergency;
mod insight;
mod ledger;
mod participation;
mod platform;
mod requests;

#[cfg(test)]
mod seams_tests;
#[cfg(test)]
mod test_files;

pub use map_tiles::MapTiles;
pub use router::{build_router, route_list};
pub use routes::RouteInfo;
pub use state::{AppState, WebConfig};

/// Serves `router` on `listener` until `shutdown` resolves, then finishes the requests
/// in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
