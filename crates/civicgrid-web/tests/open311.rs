//! Open311 GeoReport v2 as a client sees it, through the real router and every
//! middleware: list services, post a request with an API token and a point, read it
//! back by id and by token in XML and JSON, and the specification's errors. Every XML
//! answer is parsed with quick-xml to prove it well-formed.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::platform::org::NodeInput;
use civicgrid_app::platform::tokens::NewToken;
use civicgrid_app::store::Db;
use civicgrid_app::{App, AppConfig};
use civicgrid_web::{AppState, WebConfig, build_router};
use http_body_util::BodyExt;
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::Value;
use tower::ServiceExt;

/// A square boundary in WGS-84 as GeoJSON.
fn square(lon: f64, lat: f64, side: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{lon},{lat}],[{},{lat}],[{},{}],[{lon},{}],[{lon},{lat}]]]}}"#,
        lon + side,
        lon + side,
        lat + side,
        lat + side
    )
}

struct Fx {
    router: Router,
    app: App,
    grid: [i64; 2],
    key: String,
    /// A token of another community, to read with.
    other_key: String,
    _dir: tempfile::TempDir,
}

async fn node(app: &App, parent: Option<i64>, code: &str, boundary: Option<String>) -> i64 {
    app.create_node(
        &Actor::system(),
        &NodeInput {
            parent_id: parent,
            kind: None,
            code: code.into(),
            name_zh: format!("节点{code}"),
            name_en: format!("Node {code}"),
            boundary,
        },
        None,
    )
    .await
    .unwrap()
    .id
}

async fn token(app: &App, name: &str, role: &str, node_id: i64) -> String {
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
    .unwrap()
    .secret
}

async fn fixture(jurisdiction: Option<&str>) -> Fx {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_sqlite(&dir.path().join("db.sqlite"))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let app = App::new(db, AppConfig::default());
    app.prepare().await.unwrap();
    let city = node(&app, None, "JC", None).await;
    let district = node(&app, Some(city), "JC-D", None).await;
    let street = node(&app, Some(district), "JC-D-S", None).await;
    let community = node(&app, Some(street), "JC-D-S-C", None).await;
    let g1 = node(
        &app,
        Some(community),
        "JC-D-S-C-G1",
        Some(square(114.30, 30.58, 0.01)),
    )
    .await;
    let g2 = node(
        &app,
        Some(community),
        "JC-D-S-C-G2",
        Some(square(114.31, 30.58, 0.01)),
    )
    .await;
    let other = node(&app, Some(street), "JC-D-S-O", None).await;
    let key = token(&app, "open311-client", "community_staff", community).await;
    let other_key = token(&app, "other-client", "community_staff", other).await;
    let config = WebConfig {
        open311_jurisdiction: jurisdiction.map(str::to_owned),
        ..WebConfig::default()
    };
    Fx {
        router: build_router(AppState::new(app.clone(), config)),
        app,
        grid: [g1, g2],
        key,
        other_key,
        _dir: dir,
    }
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        assert!(
            self.content_type.starts_with("application/json"),
            "{}",
            self.content_type
        );
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// Parses the XML answer fully (well-formed, declaration first) and returns the
    /// root's name and the text of every element by path (`request/status`).
    fn xml(&self) -> (String, Vec<(String, String)>) {
        assert!(
            self.content_type.starts_with("text/xml"),
            "{}",
            self.content_type
        );
        assert!(
            self.body
                .starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
            "{}",
            self.body
        );
        let mut reader = Reader::from_str(&self.body);
        let mut stack: Vec<String> = Vec::new();
        let mut root = String::new();
        let mut texts = Vec::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    let name = AsRef::<str>::as_ref(&e.name()).to_owned();
                    if stack.is_empty() {
                        root.clone_from(&name);
                    }
                    stack.push(name);
                }
                Ok(Event::Empty(e)) => {
                    let name = AsRef::<str>::as_ref(&e.name()).to_owned();
                    if stack.is_empty() {
                        root.clone_from(&name);
                    }
                    let mut path = stack[1.min(stack.len())..].join("/");
                    if !path.is_empty() {
                        path.push('/');
                    }
                    path.push_str(&name);
                    texts.push((path, String::new()));
                }
                Ok(Event::Text(t)) => {
                    let text = t.xml10_content().into_owned();
                    texts.push((stack[1.min(stack.len())..].join("/"), text));
                }
                Ok(Event::GeneralRef(r)) => {
                    // An entity reference (&amp; …) inside text: resolved and appended.
                    let name = AsRef::<str>::as_ref(&r).to_owned();
                    let c = match name.as_str() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    texts.push((stack[1.min(stack.len())..].join("/"), c.to_owned()));
                }
                Ok(Event::End(_)) => {
                    stack.pop();
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!(
                    "not well-formed at {}: {e}\n{}",
                    reader.buffer_position(),
                    self.body
                ),
            }
        }
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
        (root, texts)
    }

    fn xml_value(&self, path: &str) -> Option<String> {
        let (_, texts) = self.xml();
        let parts: Vec<String> = texts
            .into_iter()
            .filter(|(p, _)| p == path)
            .map(|(_, t)| t)
            .collect();
        (!parts.is_empty()).then(|| parts.concat())
    }
}

async fn call(fx: &Fx, method: &str, uri: &str, form: Option<&[(&str, &str)]>) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match form {
        Some(fields) => {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(
                fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            )
        }
        None => Body::empty(),
    };
    let res = fx
        .router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        content_type,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn is_iso_with_offset(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok() && (s.ends_with('Z') || s[19..].contains(':'))
}

#[tokio::test]
async fn a_client_lists_services_posts_and_reads_back() {
    let fx = fixture(None).await;

    // Discovery.
    let d = call(&fx, "GET", "/open311/v2/discovery.json", None).await;
    assert_eq!(d.status, StatusCode::OK);
    let j = d.json();
    assert_eq!(
        j["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert!(j["endpoints"][0]["formats"].is_array());
    let d = call(&fx, "GET", "/open311/v2/discovery.xml", None).await;
    assert_eq!(d.xml().0, "discovery");
    assert_eq!(
        d.xml_value("endpoints/endpoint/formats/format").as_deref(),
        Some("text/xmlapplication/json")
    );

    // Services, both formats, the same list.
    let s = call(&fx, "GET", "/open311/v2/services.json", None).await;
    assert_eq!(s.status, StatusCode::OK);
    let services = s.json();
    let list = services.as_array().unwrap();
    assert!(list.len() >= 10);
    let parking = list
        .iter()
        .find(|s| s["service_code"] == "parking")
        .unwrap();
    assert_eq!(parking["metadata"], false);
    assert_eq!(parking["type"], "realtime");
    let x = call(&fx, "GET", "/open311/v2/services.xml", None).await;
    let (root, texts) = x.xml();
    assert_eq!(root, "services");
    let codes: Vec<&str> = texts
        .iter()
        .filter(|(p, _)| p == "service/service_code")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(codes.len(), list.len());
    assert!(codes.contains(&"parking"));

    // A service definition: no attributes.
    let def = call(&fx, "GET", "/open311/v2/services/parking.json", None).await;
    assert_eq!(def.status, StatusCode::OK);
    assert_eq!(def.json()["attributes"], serde_json::json!([]));
    let def = call(&fx, "GET", "/open311/v2/services/parking.xml", None).await;
    assert_eq!(def.xml().0, "service_definition");
    assert_eq!(def.xml_value("service_code").as_deref(), Some("parking"));

    // Post with a point in grid 2, contact details included.
    let posted = call(
        &fx,
        "POST",
        "/open311/v2/requests.json",
        Some(&[
            ("api_key", &fx.key),
            ("service_code", "parking"),
            ("lat", "30.585"),
            ("long", "114.315"),
            ("address_string", "3栋东侧 <消防通道>"),
            ("description", "车辆长期占用消防通道 & 堵住出口"),
            ("first_name", "小明"),
            ("last_name", "王"),
            ("phone", "13812345678"),
            ("email", "wang@example.org"),
        ]),
    )
    .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    let p = posted.json();
    let id = p[0]["service_request_id"].as_str().unwrap().to_owned();
    let tok = p[0]["token"].as_str().unwrap().to_owned();
    // The contact is never echoed back.
    for secret in ["小明", "13812345678", "5678", "wang@example.org"] {
        assert!(!posted.body.contains(secret), "{secret} in {}", posted.body);
    }

    // It landed in the grid whose boundary holds the point.
    let view = fx
        .app
        .request(
            &Actor::system(),
            civicgrid_app::domain::requests::RequestId(id.parse().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(view.grid_id, fx.grid[1]);
    assert_eq!(view.channel, "open311");
    assert_eq!(view.contact_phone.as_deref(), Some("138****5678"));

    // Read back by id, JSON: a one-element list with the spec's fields.
    let one = call(&fx, "GET", &format!("/open311/v2/requests/{id}.json"), None).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    let r = one.json();
    assert_eq!(r.as_array().unwrap().len(), 1);
    let r = &r[0];
    assert_eq!(r["service_request_id"], id.as_str());
    assert_eq!(r["status"], "open");
    assert!(r["status_notes"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(r["service_code"], "parking");
    assert_eq!(r["description"], "车辆长期占用消防通道 & 堵住出口");
    assert_eq!(r["lat"], 30.585);
    assert_eq!(r["long"], 114.315);
    assert!(is_iso_with_offset(
        r["requested_datetime"].as_str().unwrap()
    ));
    assert!(is_iso_with_offset(r["updated_datetime"].as_str().unwrap()));
    for secret in ["小明", "王小明", "13812345678", "5678", "wang@"] {
        assert!(!one.body.contains(secret), "{secret} in {}", one.body);
    }

    // The same in XML, escaped and well-formed.
    let one = call(&fx, "GET", &format!("/open311/v2/requests/{id}.xml"), None).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.xml().0, "service_requests");
    assert!(one.body.contains("&lt;消防通道&gt;") && one.body.contains("&amp; 堵住出口"));
    assert_eq!(
        one.xml_value("request/service_request_id").as_deref(),
        Some(id.as_str())
    );
    assert_eq!(one.xml_value("request/status").as_deref(), Some("open"));
    assert_eq!(
        one.xml_value("request/address").as_deref(),
        Some("3栋东侧 <消防通道>")
    );
    assert!(is_iso_with_offset(
        &one.xml_value("request/requested_datetime").unwrap()
    ));

    // The token stands for the request.
    let t = call(&fx, "GET", &format!("/open311/v2/tokens/{tok}.json"), None).await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(t.json()[0]["service_request_id"], id.as_str());
    let t = call(&fx, "GET", &format!("/open311/v2/tokens/{tok}.xml"), None).await;
    assert_eq!(
        t.xml_value("request/service_request_id").as_deref(),
        Some(id.as_str())
    );

    // Listed among the requests, filtered by service, status and ids.
    let l = call(
        &fx,
        "GET",
        "/open311/v2/requests.json?service_code=parking&status=open",
        None,
    )
    .await;
    assert_eq!(l.status, StatusCode::OK, "{}", l.body);
    assert!(
        l.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["service_request_id"] == id.as_str())
    );
    let l = call(&fx, "GET", "/open311/v2/requests.json?status=closed", None).await;
    assert_eq!(l.json(), serde_json::json!([]));
    let l = call(
        &fx,
        "GET",
        &format!("/open311/v2/requests.xml?service_request_id={id}"),
        None,
    )
    .await;
    assert_eq!(l.xml().0, "service_requests");
    assert_eq!(
        l.xml_value("request/service_request_id").as_deref(),
        Some(id.as_str())
    );
    let l = call(
        &fx,
        "GET",
        "/open311/v2/requests.json?page=2&page_size=1",
        None,
    )
    .await;
    assert_eq!(l.json(), serde_json::json!([]));

    // Its first status shows up as an update.
    let u = call(&fx, "GET", "/open311/v2/servicerequestupdates.json", None).await;
    assert_eq!(u.status, StatusCode::OK, "{}", u.body);
    let ups = u.json();
    assert!(
        ups.as_array()
            .unwrap()
            .iter()
            .any(|u| u["service_request_id"] == id.as_str()
                && u["status"] == "open"
                && is_iso_with_offset(u["updated_datetime"].as_str().unwrap()))
    );
    let u = call(&fx, "GET", "/open311/v2/servicerequestupdates.xml", None).await;
    assert_eq!(u.xml().0, "service_request_updates");
}

#[tokio::test]
async fn private_categories_stay_off_the_public_reads() {
    let fx = fixture(None).await;
    let posted = call(
        &fx,
        "POST",
        "/open311/v2/requests.xml",
        Some(&[
            ("api_key", &fx.key),
            ("service_code", "noise"),
            ("lat", "30.585"),
            ("long", "114.305"),
            ("description", "楼上深夜装修"),
        ]),
    )
    .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    assert_eq!(posted.xml().0, "service_requests");
    let id = posted.xml_value("request/service_request_id").unwrap();
    // Anonymous: not found, not listed.
    let one = call(&fx, "GET", &format!("/open311/v2/requests/{id}.json"), None).await;
    assert_eq!(one.status, StatusCode::NOT_FOUND);
    let l = call(&fx, "GET", "/open311/v2/requests.json", None).await;
    assert_eq!(l.json(), serde_json::json!([]));
    // The posting token may read it; a token of another community may not.
    let one = call(
        &fx,
        "GET",
        &format!("/open311/v2/requests/{id}.json?api_key={}", fx.key),
        None,
    )
    .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.json()[0]["service_code"], "noise");
    let one = call(
        &fx,
        "GET",
        &format!("/open311/v2/requests/{id}.json?api_key={}", fx.other_key),
        None,
    )
    .await;
    assert_eq!(one.status, StatusCode::NOT_FOUND);
}

/// Asserts an error document in the format asked, with the status as its code.
async fn error(
    fx: &Fx,
    method: &str,
    uri: &str,
    form: Option<&[(&str, &str)]>,
    status: u16,
) -> String {
    let a = call(fx, method, uri, form).await;
    assert_eq!(a.status.as_u16(), status, "{uri}: {}", a.body);
    if uri.contains(".json") {
        let j = a.json();
        assert_eq!(j[0]["code"], status, "{}", a.body);
        j[0]["description"].as_str().unwrap().to_owned()
    } else {
        assert_eq!(a.xml().0, "errors");
        assert_eq!(
            a.xml_value("error/code").as_deref(),
            Some(status.to_string().as_str())
        );
        a.xml_value("error/description").unwrap()
    }
}

#[tokio::test]
async fn errors_follow_the_specification() {
    let fx = fixture(Some("jiangcheng.gov.cn")).await;
    let key = fx.key.clone();
    let post = "/open311/v2/requests.json";
    let xml_post = "/open311/v2/requests.xml";
    // Missing api_key: 400; an invalid one: 403.
    let d = error(
        &fx,
        "POST",
        post,
        Some(&[
            ("service_code", "parking"),
            ("lat", "30.585"),
            ("long", "114.305"),
            ("description", "x"),
        ]),
        400,
    )
    .await;
    assert!(d.contains("api_key"), "{d}");
    let d = error(
        &fx,
        "POST",
        xml_post,
        Some(&[
            ("api_key", "cg_not-a-token"),
            ("service_code", "parking"),
            ("lat", "30.585"),
            ("long", "114.305"),
            ("description", "x"),
        ]),
        403,
    )
    .await;
    assert!(d.contains("api_key"), "{d}");
    // Missing service_code or location: 400; an unknown service: 404.
    let d = error(
        &fx,
        "POST",
        post,
        Some(&[
            ("api_key", &key),
            ("lat", "30.585"),
            ("long", "114.305"),
            ("description", "x"),
        ]),
        400,
    )
    .await;
    assert!(d.contains("service_code"), "{d}");
    let d = error(
        &fx,
        "POST",
        post,
        Some(&[
            ("api_key", &key),
            ("service_code", "parking"),
            ("description", "x"),
        ]),
        400,
    )
    .await;
    assert!(d.contains("lat"), "{d}");
    error(
        &fx,
        "POST",
        post,
        Some(&[
            ("api_key", &key),
            ("service_code", "potholes"),
            ("lat", "30.585"),
            ("long", "114.305"),
            ("description", "x"),
        ]),
        404,
    )
    .await;
    // A point outside every grid: a clear 400.
    let d = error(
        &fx,
        "POST",
        xml_post,
        Some(&[
            ("api_key", &key),
            ("service_code", "parking"),
            ("lat", "31.5"),
            ("long", "114.305"),
            ("description", "x"),
        ]),
        400,
    )
    .await;
    assert!(d.contains("outside every grid"), "{d}");
    let d = error(
        &fx,
        "POST",
        post,
        Some(&[
            ("api_key", &key),
            ("service_code", "parking"),
            ("lat", "95"),
            ("long", "114.305"),
            ("description", "x"),
        ]),
        400,
    )
    .await;
    assert!(d.contains("lat"), "{d}");
    // A phone that is not one, an empty description.
    let d = error(
        &fx,
        "POST",
        post,
        Some(&[
            ("api_key", &key),
            ("service_code", "parking"),
            ("lat", "30.585"),
            ("long", "114.305"),
            ("description", "x"),
            ("phone", "12"),
        ]),
        400,
    )
    .await;
    assert!(d.starts_with("phone"), "{d}");
    let d = error(
        &fx,
        "POST",
        post,
        Some(&[
            ("api_key", &key),
            ("service_code", "parking"),
            ("lat", "30.585"),
            ("long", "114.305"),
        ]),
        400,
    )
    .await;
    assert!(d.contains("description"), "{d}");
    // Another jurisdiction: 404; this one (any case) is accepted.
    error(
        &fx,
        "GET",
        "/open311/v2/services.xml?jurisdiction_id=example.org",
        None,
        404,
    )
    .await;
    let ok = call(
        &fx,
        "GET",
        "/open311/v2/services.json?jurisdiction_id=JIANGCHENG.gov.cn",
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let ok = call(
        &fx,
        "POST",
        post,
        Some(&[
            ("api_key", &key),
            ("jurisdiction_id", "jiangcheng.gov.cn"),
            ("service_code", "parking"),
            ("lat", "30.585"),
            ("long", "114.305"),
            ("description", "占道"),
        ]),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    // Unknown ids, services and tokens: 404.
    error(&fx, "GET", "/open311/v2/requests/999999.json", None, 404).await;
    error(&fx, "GET", "/open311/v2/requests/abc.xml", None, 404).await;
    error(&fx, "GET", "/open311/v2/services/potholes.xml", None, 404).await;
    error(&fx, "GET", "/open311/v2/tokens/00ff.json", None, 404).await;
    error(&fx, "GET", "/open311/v2/tokens/%3Cscript%3E.xml", None, 404).await;
    // Bad filters: 400 naming the parameter.
    let d = error(
        &fx,
        "GET",
        "/open311/v2/requests.json?start_date=yesterday",
        None,
        400,
    )
    .await;
    assert!(d.contains("start_date"), "{d}");
    let d = error(
        &fx,
        "GET",
        "/open311/v2/requests.xml?status=pending",
        None,
        400,
    )
    .await;
    assert!(d.contains("status"), "{d}");
    let d = error(
        &fx,
        "GET",
        "/open311/v2/requests.json?page_size=5000",
        None,
        400,
    )
    .await;
    assert!(d.contains("page_size"), "{d}");
    let d = error(
        &fx,
        "GET",
        "/open311/v2/requests.json?start_date=2025-01-01T00:00:00Z&end_date=2025-12-01T00:00:00Z",
        None,
        400,
    )
    .await;
    assert!(d.contains("90 days"), "{d}");
    let d = error(
        &fx,
        "GET",
        "/open311/v2/requests.json?service_request_id=1,x",
        None,
        400,
    )
    .await;
    assert!(d.contains("service_request_id"), "{d}");
    // A read with an invalid api_key is refused rather than silently anonymous.
    error(
        &fx,
        "GET",
        "/open311/v2/requests.json?api_key=nope",
        None,
        403,
    )
    .await;
}
