//! The Open311 GeoReport v2 city: one street whose community has two grids with
//! boundaries, and API keys for clients in and out of that community. Every XML answer
//! is parsed with quick-xml to prove it well-formed.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use civicgrid_app::{App, AppConfig};
use civicgrid_web::{AppState, WebConfig, build_router};
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::Value;

use super::{corner_square, form_encode, fresh_app, plain_node, send, token};

/// A city of one street whose community has two grids, read and posted to by Open311
/// clients holding API keys.
pub struct Fx {
    pub router: Router,
    pub app: App,
    pub grid: [i64; 2],
    pub key: String,
    /// A token of another community, to read with.
    pub other_key: String,
    _dir: tempfile::TempDir,
}

pub async fn fixture(jurisdiction: Option<&str>) -> Fx {
    let (app, dir) = fresh_app(AppConfig::default()).await;
    let city = plain_node(&app, None, "JC", None).await;
    let district = plain_node(&app, Some(city), "JC-D", None).await;
    let street = plain_node(&app, Some(district), "JC-D-S", None).await;
    let community = plain_node(&app, Some(street), "JC-D-S-C", None).await;
    let g1 = plain_node(
        &app,
        Some(community),
        "JC-D-S-C-G1",
        Some(corner_square(114.30, 30.58, 0.01)),
    )
    .await;
    let g2 = plain_node(
        &app,
        Some(community),
        "JC-D-S-C-G2",
        Some(corner_square(114.31, 30.58, 0.01)),
    )
    .await;
    let other = plain_node(&app, Some(street), "JC-D-S-O", None).await;
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

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        assert!(
            self.content_type.starts_with("application/json"),
            "{}",
            self.content_type
        );
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// Parses the XML answer fully (well-formed, declaration first) and returns the
    /// root's name and the text of every element by path (`request/status`).
    pub fn xml(&self) -> (String, Vec<(String, String)>) {
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

    pub fn xml_value(&self, path: &str) -> Option<String> {
        let (_, texts) = self.xml();
        let parts: Vec<String> = texts
            .into_iter()
            .filter(|(p, _)| p == path)
            .map(|(_, t)| t)
            .collect();
        (!parts.is_empty()).then(|| parts.concat())
    }
}

pub async fn call(fx: &Fx, method: &str, uri: &str, form: Option<&[(&str, &str)]>) -> Answer {
    let mut req = Request::builder().method(method).uri(uri);
    let body = match form {
        Some(fields) => {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(
                fields
                    .iter()
                    .map(|(k, v)| format!("{k}={}", form_encode(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            )
        }
        None => Body::empty(),
    };
    let res = send(&fx.router, req.body(body).unwrap()).await;
    Answer {
        status: res.status,
        content_type: res.header(header::CONTENT_TYPE).to_owned(),
        body: res.body,
    }
}
