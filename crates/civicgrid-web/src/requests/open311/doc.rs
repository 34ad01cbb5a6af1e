//! One document, two formats: every Open311 answer is built once as a [`Doc`] (fields
//! in the specification's order) and written as XML (with quick-xml, text escaped) or
//! JSON (lists as arrays).

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// The format a client asked for by the resource's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// `services.json` → (`services`, Json); no or another extension → `None`.
    pub fn split(resource: &str) -> Option<(&str, Format)> {
        if let Some(stem) = resource.strip_suffix(".json") {
            Some((stem, Format::Json))
        } else {
            resource
                .strip_suffix(".xml")
                .map(|stem| (stem, Format::Xml))
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }
}

/// The format of a resource routed by its full name (`services.json`,
/// `requests.xml`, …), read from the request path's extension; XML, the
/// specification's default, when it has none.
impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Format::split(parts.uri.path()).map_or(Format::Xml, |(_, format)| format))
    }
}

/// A value of an Open311 document.
#[derive(Debug, Clone, PartialEq)]
pub enum Doc {
    /// An empty element in XML, `null` in JSON.
    Null,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A list: in XML each item is an element named by the first field; in JSON an
    /// array.
    List(&'static str, Vec<Doc>),
    /// Fields in order.
    Object(Vec<(&'static str, Doc)>),
}

impl Doc {
    pub fn text(s: impl Into<String>) -> Doc {
        Doc::Text(s.into())
    }

    pub fn opt_text(s: Option<impl Into<String>>) -> Doc {
        s.map_or(Doc::Null, |s| Doc::Text(s.into()))
    }

    pub fn opt_number(n: Option<f64>) -> Doc {
        n.filter(|n| n.is_finite()).map_or(Doc::Null, Doc::Number)
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Doc::Null => s.serialize_none(),
            Doc::Text(t) => s.serialize_str(t),
            // Whole numbers (error codes) as integers, as the specification shows them.
            Doc::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => s.serialize_i64(*n as i64),
            Doc::Number(n) if n.is_finite() => s.serialize_f64(*n),
            Doc::Number(_) => s.serialize_none(),
            Doc::Bool(b) => s.serialize_bool(*b),
            Doc::List(_, items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Doc::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Text as XML 1.0 allows it: characters it forbids (most C0 controls, U+FFFE, U+FFFF)
/// become U+FFFD; quick-xml then escapes markup.
fn xml_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let ok = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if s.chars().all(ok) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(
            s.chars()
                .map(|c| if ok(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

fn number(n: f64) -> String {
    // Whole numbers without a fraction; others as Rust prints them (shortest exact).
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

fn write_value(w: &mut Writer<Vec<u8>>, name: &str, v: &Doc) -> std::io::Result<()> {
    let el = w.create_element(name);
    match v {
        Doc::Null => {
            el.write_empty()?;
        }
        Doc::Text(t) => {
            el.write_text_content(BytesText::new(&xml_safe(t)))?;
        }
        Doc::Number(n) if n.is_finite() => {
            el.write_text_content(BytesText::new(&number(*n)))?;
        }
        Doc::Number(_) => {
            el.write_empty()?;
        }
        Doc::Bool(b) => {
            el.write_text_content(BytesText::new(if *b { "true" } else { "false" }))?;
        }
        Doc::List(item, items) => {
            if items.is_empty() {
                el.write_empty()?;
            } else {
                el.write_inner_content(|w| {
                    for i in items {
                        write_value(w, item, i)?;
                    }
                    Ok(())
                })?;
            }
        }
        Doc::Object(fields) => {
            el.write_inner_content(|w| {
                for (k, v) in fields {
                    write_value(w, k, v)?;
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// The XML text of `doc` under the root element `root`, with the declaration.
pub fn to_xml(root: &str, doc: &Doc) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new(Vec::with_capacity(1024));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    write_value(&mut w, root, doc)?;
    Ok(w.into_inner())
}

/// An answer: a document with its XML root name, in a format, with a status.
pub struct Reply {
    pub status: StatusCode,
    pub format: Format,
    pub root: &'static str,
    pub doc: Doc,
}

impl Reply {
    pub fn ok(format: Format, root: &'static str, doc: Doc) -> Reply {
        Reply {
            status: StatusCode::OK,
            format,
            root,
            doc,
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let body = match self.format {
            Format::Json => serde_json::to_vec(&self.doc).map_err(std::io::Error::other),
            Format::Xml => to_xml(self.root, &self.doc),
        };
        match body {
            Ok(body) => {
                let mut res = (self.status, body).into_response();
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(self.format.content_type()),
                );
                res
            }
            Err(e) => {
                tracing::error!(error = %e, "open311: writing a document failed");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// An Open311 error: `<errors><error><code/><description/></error></errors>`, or in
/// JSON `[{"code":400,"description":"…"}]`.
#[derive(Debug)]
pub struct Open311Failure {
    pub status: StatusCode,
    pub format: Format,
    pub description: String,
}

impl Open311Failure {
    pub fn new(status: StatusCode, format: Format, description: impl Into<String>) -> Self {
        Open311Failure {
            status,
            format,
            description: description.into(),
        }
    }
}

impl IntoResponse for Open311Failure {
    fn into_response(self) -> Response {
        let doc = Doc::List(
            "error",
            vec![Doc::Object(vec![
                ("code", Doc::Number(f64::from(self.status.as_u16()))),
                ("description", Doc::Text(self.description)),
            ])],
        );
        Reply {
            status: self.status,
            format: self.format,
            root: "errors",
            doc,
        }
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_keep_order_and_escape() {
        let doc = Doc::List(
            "request",
            vec![Doc::Object(vec![
                ("service_request_id", Doc::text("12")),
                ("description", Doc::text("<b>&\"井盖\"</b>\u{1}")),
                ("lat", Doc::Number(30.5)),
                ("address_id", Doc::Null),
                ("metadata", Doc::Bool(false)),
                ("formats", Doc::List("format", vec![Doc::text("text/xml")])),
                ("attributes", Doc::List("attribute", vec![])),
            ])],
        );
        let xml = String::from_utf8(to_xml("service_requests", &doc).unwrap()).unwrap();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request>\
             <service_request_id>12</service_request_id>\
             <description>&lt;b&gt;&amp;&quot;井盖&quot;&lt;/b&gt;\u{FFFD}</description>\
             <lat>30.5</lat><address_id/><metadata>false</metadata>\
             <formats><format>text/xml</format></formats><attributes/></request>\
             </service_requests>"
        );
        let json = serde_json::to_string(&doc).unwrap();
        assert_eq!(
            json,
            r#"[{"service_request_id":"12","description":"<b>&\"井盖\"</b>\u0001","lat":30.5,"address_id":null,"metadata":false,"formats":["text/xml"],"attributes":[]}]"#
        );
        assert_eq!(number(400.0), "400");
        assert_eq!(number(114.305_539_1), "114.3055391");
        assert_eq!(Format::split("a.b.json"), Some(("a.b", Format::Json)));
        assert_eq!(Format::split("x.xml"), Some(("x", Format::Xml)));
        assert_eq!(Format::split("x.html"), None);
    }
}
