//! The one harness of the web tests: a fresh SQLite database in a temporary data
//! directory, a small city, one account per role, and helpers that send requests
//! through the real router (with every middleware) without opening a socket.
//!
//! [`TestApp`] is the city most tests use, signed in through the login form. The JSON
//! API tests drive it with tokens ([`api`]), Open311 clients with an API key
//! ([`open311`]), and the authorization table walks its own two-sided city
//! ([`authz`]); all are built from the pieces here.
#![allow(dead_code)]

pub mod api;
pub mod authz;
pub mod ledger;
pub mod multipart;
pub mod open311;
pub mod requests;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::ResidentInput;
use civicgrid_app::platform::org::NodeInput;
use civicgrid_app::platform::tokens::NewToken;
use civicgrid_app::platform::users::NewUser;
use civicgrid_app::{App, AppConfig};
use civicgrid_store::Db;
use civicgrid_web::{AppState, WebConfig, build_router};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Password of every seeded account.
pub const PASSWORD: &str = "test-password-1";
/// The CSRF token the test browser holds in its `cg_csrf` cookie; forms echo it in `_csrf`.
pub const CSRF: &str = "test-csrf-token";

/// Ids of the seeded hierarchy:
/// city TC → district TC-D → street S1 → community C1 → grids G1, G2,
/// and a second street S2 → community C2 (out of scope for the S1 accounts).
#[derive(Debug, Clone, Copy)]
pub struct Nodes {
    pub city: i64,
    pub district: i64,
    pub street: i64,
    pub community: i64,
    pub grid: i64,
    pub grid2: i64,
    pub other_street: i64,
    pub other_community: i64,
}

/// (username, role, where) of the seeded accounts.
pub const ACCOUNTS: &[(&str, &str, Where)] = &[
    ("admin", "system_admin", Where::City),
    ("auditor", "auditor", Where::City),
    ("street", "street_admin", Where::Street),
    ("staff", "community_staff", Where::Community),
    ("grid", "grid_worker", Where::Grid),
    ("responder", "responder", Where::Community),
    ("volunteer", "volunteer", Where::Community),
    ("resident", "resident", Where::Grid),
    ("other_staff", "community_staff", Where::OtherCommunity),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    City,
    Street,
    Community,
    Grid,
    OtherCommunity,
}

impl Nodes {
    pub fn at(&self, w: Where) -> i64 {
        match w {
            Where::City => self.city,
            Where::Street => self.street,
            Where::Community => self.community,
            Where::Grid => self.grid,
            Where::OtherCommunity => self.other_community,
        }
    }
}

pub struct TestApp {
    pub router: Router,
    pub app: App,
    pub nodes: Nodes,
    _dir: tempfile::TempDir,
}

/// A response with its body read.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (a download's bytes).
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn location(&self) -> &str {
        self.header(header::LOCATION)
    }

    /// Panics with the body when the status is not `expected`.
    #[track_caller]
    pub fn assert_status(&self, expected: StatusCode) -> &Self {
        assert_eq!(
            self.status, expected,
            "unexpected status; body:\n{}",
            self.body
        );
        self
    }

    #[track_caller]
    /// A refusal: 403 (seen but not allowed), 404 (out of sight, as if missing) or 422
    /// (a record named in the form that is out of sight, as if missing).
    pub fn assert_refused(&self) -> &Self {
        assert!(
            matches!(
                self.status,
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
            ),
            "expected a refusal, got {}; body:\n{}",
            self.status,
            self.body
        );
        self
    }

    pub fn assert_contains(&self, needle: &str) -> &Self {
        assert!(
            self.body.contains(needle),
            "expected {needle:?} in the body:\n{}",
            self.body
        );
        self
    }
}

/// A square-ish polygon around (lon, lat), as GeoJSON.
pub fn square(lon: f64, lat: f64, half: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{a},{b}],[{c},{b}],[{c},{d}],[{a},{d}],[{a},{b}]]]}}"#,
        a = lon - half,
        b = lat - half,
        c = lon + half,
        d = lat + half
    )
}

/// A square with its south-west corner at (lon, lat), `side` degrees wide, as GeoJSON.
pub fn corner_square(lon: f64, lat: f64, side: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{lon},{lat}],[{},{lat}],[{},{}],[{lon},{}],[{lon},{lat}]]]}}"#,
        lon + side,
        lon + side,
        lat + side,
        lat + side
    )
}

/// A node made by the system.
pub async fn node(
    app: &App,
    parent: Option<i64>,
    code: &str,
    zh: &str,
    en: &str,
    boundary: Option<String>,
) -> i64 {
    app.create_node(
        &Actor::system(),
        &NodeInput {
            parent_id: parent,
            kind: None,
            code: code.into(),
            name_zh: zh.into(),
            name_en: en.into(),
            boundary,
        },
        Some("test seed"),
    )
    .await
    .unwrap_or_else(|e| panic!("seeding {code}: {e}"))
    .id
}

/// A node named after its code (`节点{code}`, `Node {code}`).
pub async fn plain_node(
    app: &App,
    parent: Option<i64>,
    code: &str,
    boundary: Option<String>,
) -> i64 {
    let (zh, en) = (format!("节点{code}"), format!("Node {code}"));
    node(app, parent, code, &zh, &en, boundary).await
}

/// An account holding `role` at `node_id`, made by the system; its id.
pub async fn user(app: &App, username: &str, password: &str, role: &str, node_id: i64) -> i64 {
    app.create_user(
        &Actor::system(),
        &NewUser {
            username: username.into(),
            display_name: format!("Test {username}"),
            password: password.into(),
            role: role.into(),
            node_id,
        },
        Some("test seed"),
    )
    .await
    .unwrap_or_else(|e| panic!("seeding {username}: {e}"))
    .id
}

/// An API token holding `role` at `node_id`; its secret.
pub async fn token(app: &App, name: &str, role: &str, node_id: i64) -> String {
    app.create_token(
        &Actor::system(),
        &NewToken {
            name: name.into(),
            role: role.into(),
            node_id,
        },
        None,
    )
    .await
    .unwrap_or_else(|e| panic!("seeding token {name}: {e}"))
    .secret
}

/// A fresh, migrated SQLite database in a temporary data directory, with the default
/// catalogue in place.
pub async fn fresh_app(config: AppConfig) -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open_sqlite(&dir.path().join("db.sqlite"))
        .await
        .expect("open sqlite");
    db.migrate().await.expect("migrate");
    let app = App::new(db, config);
    app.prepare().await.expect("prepare");
    (app, dir)
}

/// Sends `req` through `router` and reads the whole answer.
pub async fn send(router: &Router, req: Request<Body>) -> TestResponse {
    let res = router.clone().oneshot(req).await.expect("router answers");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    TestResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

async fn seed_nodes(app: &App) -> Nodes {
    let city = node(app, None, "TC", "测试市", "Test City", None).await;
    let district = node(
        app,
        Some(city),
        "TC-D",
        "测试区",
        "Test District",
        Some(square(114.3, 30.5, 0.05)),
    )
    .await;
    let street = node(
        app,
        Some(district),
        "TC-D-S1",
        "一号街道",
        "First Street",
        Some(square(114.28, 30.5, 0.02)),
    )
    .await;
    let community = node(
        app,
        Some(street),
        "TC-D-S1-C1",
        "幸福社区",
        "Xingfu Community",
        Some(square(114.28, 30.5, 0.01)),
    )
    .await;
    let grid = node(
        app,
        Some(community),
        "TC-D-S1-C1-G1",
        "第一网格",
        "Grid One",
        Some(square(114.275, 30.5, 0.004)),
    )
    .await;
    let grid2 = node(
        app,
        Some(community),
        "TC-D-S1-C1-G2",
        "第二网格",
        "Grid Two",
        Some(square(114.285, 30.5, 0.004)),
    )
    .await;
    let other_street = node(
        app,
        Some(district),
        "TC-D-S2",
        "二号街道",
        "Second Street",
        None,
    )
    .await;
    let other_community = node(
        app,
        Some(other_street),
        "TC-D-S2-C1",
        "和平社区",
        "Heping Community",
        None,
    )
    .await;
    Nodes {
        city,
        district,
        street,
        community,
        grid,
        grid2,
        other_street,
        other_community,
    }
}

impl TestApp {
    /// A fresh database with the seeded city and one account per entry of [`ACCOUNTS`].
    pub async fn new() -> TestApp {
        TestApp::with_config(WebConfig::default()).await
    }

    /// The same, served with `config`.
    pub async fn with_config(config: WebConfig) -> TestApp {
        let (app, dir) = fresh_app(AppConfig {
            password_hash_concurrency: 4,
            ..AppConfig::default()
        })
        .await;
        let nodes = seed_nodes(&app).await;
        for (username, role, at) in ACCOUNTS {
            user(&app, username, PASSWORD, role, nodes.at(*at)).await;
        }
        let router = build_router(AppState::new(app.clone(), config));
        TestApp {
            router,
            app,
            nodes,
            _dir: dir,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        send(&self.router, req).await
    }

    /// GET with the given `Cookie` header (may be empty), in English.
    pub async fn get(&self, path: &str, cookies: &str) -> TestResponse {
        self.get_in(path, cookies, "en").await
    }

    /// GET with the given `Cookie` and `Accept-Language` headers.
    pub async fn get_in(&self, path: &str, cookies: &str, accept_language: &str) -> TestResponse {
        let mut req = Request::get(path).header(header::ACCEPT_LANGUAGE, accept_language);
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    /// POSTs exactly `fields` as a form (include `("_csrf", CSRF)` for a valid post).
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        cookies: &str,
    ) -> TestResponse {
        self.post_form_in(path, fields, cookies, "en").await
    }

    /// POSTs a page's form as the browser does: its CSRF token, then each group of
    /// `fields` in turn.
    pub async fn submit(
        &self,
        path: &str,
        fields: &[&[(&str, &str)]],
        cookies: &str,
    ) -> TestResponse {
        let mut all = vec![("_csrf", CSRF)];
        for group in fields {
            all.extend_from_slice(group);
        }
        self.post_form(path, &all, cookies).await
    }

    pub async fn post_form_in(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        cookies: &str,
        accept_language: &str,
    ) -> TestResponse {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT_LANGUAGE, accept_language);
        if !cookies.is_empty() {
            req = req.header(header::COOKIE, cookies);
        }
        self.send(req.body(Body::from(body)).expect("request"))
            .await
    }

    /// A JSON call from a signed-in browser: the session cookie plus the CSRF header.
    pub async fn json(&self, method: &str, path: &str, cookies: &str, body: &str) -> TestResponse {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, cookies)
            .header("x-csrf-token", CSRF)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .expect("request");
        self.send(req).await
    }

    /// A room (`building`, `unit`, `room`, `floor`) in `grid` with one household in it
    /// (`ownership`, `area` m²), made by the system: (room, household).
    pub async fn household_in(
        &self,
        grid: i64,
        (building, unit, room, floor): (&str, &str, &str, Option<i64>),
        ownership: &str,
        area: Option<&str>,
    ) -> (i64, i64) {
        let sys = Actor::system();
        let room = self
            .app
            .add_room(&sys, grid, building, unit, room, floor)
            .await
            .expect("room");
        let household = self
            .app
            .add_household(&sys, room, ownership, area)
            .await
            .expect("household");
        (room, household)
    }

    /// A resident record, made by the system.
    pub async fn resident(&self, input: ResidentInput) -> i64 {
        self.app
            .add_resident(&Actor::system(), &input, None)
            .await
            .expect("resident")
    }

    /// A household of one resident (`name`, head, no personal numbers) in room `room`
    /// of building `building`, unit 1, made by the system: (room, household, resident).
    pub async fn household_of_one(
        &self,
        grid: i64,
        building: &str,
        room: &str,
        name: &str,
    ) -> (i64, i64, i64) {
        let (room, household) = self
            .household_in(grid, (building, "1", room, Some(1)), "owner", None)
            .await;
        let resident = self
            .resident(ResidentInput {
                household_id: household,
                name: name.into(),
                gender: Some("female".into()),
                birth_date: Some("1980-01-02".into()),
                relation: "head".into(),
                ..ResidentInput::default()
            })
            .await;
        (room, household, resident)
    }

    /// Posts the sign-in form from a browser holding only its CSRF cookie.
    pub async fn sign_in(&self, username: &str, password: &str, next: &str) -> TestResponse {
        let fields = [
            ("_csrf", CSRF),
            ("username", username),
            ("password", password),
            ("next", next),
        ];
        self.post_form("/login", &fields, &format!("cg_csrf={CSRF}"))
            .await
    }

    /// Signs `username` in through the login form; returns the `Cookie` header value
    /// (CSRF and session cookies) to send with later requests.
    pub async fn login(&self, username: &str) -> String {
        let csrf_cookie = format!("cg_csrf={CSRF}");
        let res = self.sign_in(username, PASSWORD, "/").await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "login of {username} failed: {}",
            res.body
        );
        let session = res
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("cg_session="))
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_owned();
        format!("{csrf_cookie}; cg_session={session}")
    }
}

/// `application/x-www-form-urlencoded` encoding of one key or value.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
