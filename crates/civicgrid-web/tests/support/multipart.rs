//! Multipart forms, as a browser sends an upload: text fields, then at most one file.

use axum::body::Body;
use axum::http::{Request, header, request};

use super::{CSRF, TestApp, TestResponse};

/// The boundary between the parts of every test upload.
pub const BOUNDARY: &str = "civicgrid-test-boundary";

/// The file of an upload: the form field it fills, its file name, the type it claims
/// and its bytes.
pub struct File<'a> {
    pub field: &'a str,
    pub name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
}

/// A multipart body: `fields` in order, then `file` if there is one.
pub fn body(fields: &[(&str, &str)], file: Option<File<'_>>) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some(file) = file {
        let File {
            field,
            name,
            content_type,
            data,
        } = file;
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; \
                 filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A POST of a multipart body to `path` from the browser holding `cookies`.
pub fn post(path: &str, cookies: &str) -> request::Builder {
    Request::post(path).header(header::COOKIE, cookies).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={BOUNDARY}"),
    )
}

/// POSTs a page's multipart form as the browser does, in English: its CSRF token,
/// `fields`, then `file` if there is one.
pub async fn submit(
    t: &TestApp,
    path: &str,
    cookies: &str,
    fields: &[(&str, &str)],
    file: Option<File<'_>>,
) -> TestResponse {
    let mut all = vec![("_csrf", CSRF)];
    all.extend_from_slice(fields);
    let req = post(path, cookies)
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::from(body(&all, file)))
        .expect("request");
    t.send(req).await
}
