//! The JSON API's city: a small hierarchy, an administrator account and API tokens,
//! behind the real router; answers come back parsed as JSON.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header, request};
use civicgrid_app::{App, AppConfig};
use civicgrid_web::{AppState, WebConfig, build_router};
use serde_json::Value;

use super::{fresh_app, plain_node, send, token, user};

pub const ADMIN_PASSWORD: &str = "admin-password-1";

/// A square of 0.01° from (lon, lat) as GeoJSON text.
pub fn square(lon: f64, lat: f64) -> String {
    super::corner_square(lon, lat, 0.01)
}

/// City C → district C-D → street C-D-S → communities C-D-S-A and C-D-S-B; grid
/// C-D-S-A-1 (with a boundary) in community A.
pub struct Api {
    pub router: Router,
    pub app: App,
    pub config: WebConfig,
    pub city: i64,
    pub community_a: i64,
    pub community_b: i64,
    pub grid_a: i64,
    /// The `admin` account (system_admin at the city).
    pub admin_id: i64,
    /// A system_admin token bound to the city.
    pub admin_token: String,
    /// A community_staff token bound to community A.
    pub staff_token: String,
    _dir: tempfile::TempDir,
}

/// What came back.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The JSON body, or `Null` when the body is empty or not JSON.
    pub body: Value,
}

impl Reply {
    /// The stable error code of an error reply.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl Api {
    pub async fn new() -> Api {
        Api::with_config(WebConfig::default()).await
    }

    pub async fn with_config(config: WebConfig) -> Api {
        let (app, dir) = fresh_app(AppConfig::default()).await;
        let city = plain_node(&app, None, "C", None).await;
        let district = plain_node(&app, Some(city), "C-D", None).await;
        let street = plain_node(&app, Some(district), "C-D-S", None).await;
        let community_a = plain_node(&app, Some(street), "C-D-S-A", None).await;
        let community_b = plain_node(&app, Some(street), "C-D-S-B", None).await;
        let grid_a = plain_node(
            &app,
            Some(community_a),
            "C-D-S-A-1",
            Some(square(120.0, 30.0)),
        )
        .await;
        let admin_id = user(&app, "admin", ADMIN_PASSWORD, "system_admin", city).await;
        let admin_token = token(&app, "admin-token", "system_admin", city).await;
        let staff_token = token(&app, "staff-token", "community_staff", community_a).await;
        let router = build_router(AppState::new(app.clone(), config.clone()));
        Api {
            router,
            app,
            config,
            city,
            community_a,
            community_b,
            grid_a,
            admin_id,
            admin_token,
            staff_token,
            _dir: dir,
        }
    }

    /// Sends a request through the whole router.
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = send(&self.router, req).await;
        Reply {
            status: res.status,
            body: serde_json::from_str(&res.body).unwrap_or(Value::Null),
            headers: res.headers,
        }
    }

    /// A request with a bearer token and, when given, a JSON body.
    pub async fn call(&self, method: Method, uri: &str, token: &str, body: Option<Value>) -> Reply {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        self.send(with_json(req, body)).await
    }

    /// A request as the system administrator's token.
    pub async fn admin(&self, method: Method, uri: &str, body: Option<Value>) -> Reply {
        self.call(method, uri, &self.admin_token, body).await
    }

    /// A request with a raw body and content type, as the administrator.
    pub async fn raw(
        &self,
        method: Method,
        uri: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri).header(
            header::AUTHORIZATION,
            format!("Bearer {}", self.admin_token),
        );
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// A request authenticated by session cookie (`cookie` is the `Cookie` header), with
    /// `X-CSRF-Token` when `csrf` is given.
    pub async fn with_cookie(
        &self,
        method: Method,
        uri: &str,
        cookie: &str,
        csrf: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, cookie);
        if let Some(t) = csrf {
            req = req.header("x-csrf-token", t);
        }
        self.send(with_json(req, body)).await
    }
}

/// `req` finished with `body` as JSON, or with no body.
fn with_json(req: request::Builder, body: Option<Value>) -> Request<Body> {
    match body {
        Some(v) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap()
}

/// The `Cookie` header a browser would send back after `reply` (name=value pairs of
/// every `Set-Cookie`).
pub fn cookies_from(reply: &Reply) -> String {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}
