//! The route recorder. Every route is registered through [`Routes`], which keeps a list
//! of what it registered; the authorization test walks that list, so a route added
//! without a rule in the test fails it.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, on};

use crate::state::AppState;

/// One registered route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteInfo {
    pub method: &'static str,
    pub path: &'static str,
}

/// A router that remembers what was registered on it.
pub struct Routes {
    pub(crate) router: Router<AppState>,
    pub(crate) list: Vec<RouteInfo>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            list: Vec::new(),
        }
    }

    fn add<H, T>(mut self, method: Method, path: &'static str, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = match MethodFilter::try_from(method.clone()) {
            Ok(f) => f,
            Err(_) => return self,
        };
        self.router = self.router.route(path, on(filter, handler));
        self.list.push(RouteInfo {
            method: method_name(&method),
            path,
        });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(Method::GET, path, h)
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(Method::POST, path, h)
    }

    /// A POST route whose body may be larger than the default limit (uploads).
    pub fn post_with_body_limit<H: Handler<T, AppState>, T: 'static>(
        mut self,
        path: &'static str,
        h: H,
        limit: usize,
    ) -> Routes {
        self.router = self.router.route(
            path,
            axum::routing::post(h).layer(axum::extract::DefaultBodyLimit::max(limit)),
        );
        self.list.push(RouteInfo {
            method: "POST",
            path,
        });
        self
    }

    pub fn put<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(Method::PUT, path, h)
    }

    pub fn patch<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(Method::PATCH, path, h)
    }

    pub fn delete<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(Method::DELETE, path, h)
    }

    /// Mounts a service that is not a handler (static files, API docs) under a prefix;
    /// recorded as a GET of `prefix`.
    pub fn nest_service<S>(mut self, prefix: &'static str, service: S) -> Routes
    where
        S: tower::Service<axum::extract::Request, Error = std::convert::Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        self.router = self.router.nest_service(prefix, service);
        self.list.push(RouteInfo {
            method: "GET",
            path: prefix,
        });
        self
    }

    /// Adds routes built elsewhere (e.g. a merged third-party router) and records them.
    pub fn merge_recorded(mut self, router: Router<AppState>, routes: &[RouteInfo]) -> Routes {
        self.router = self.router.merge(router);
        self.list.extend_from_slice(routes);
        self
    }
}

fn method_name(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PATCH => "PATCH",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        _ => "OTHER",
    }
}
