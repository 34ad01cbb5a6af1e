//! What the import tests share: the residents file's header, the upload form, and
//! following an import job to its end.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use super::{CSRF, TestApp, TestResponse};

/// The header row of a residents file, in the order the import expects.
pub const HEADER: &str = "社区,网格,楼栋,单元,房号,姓名,性别,出生日期,身份证号,联系电话,与户主关系,居住状态,标签,建筑面积,产权";

/// Posts the import form: the CSRF token, `fields`, then `file` named `name` of
/// `content_type`.
pub async fn upload_file(
    t: &TestApp,
    cookies: &str,
    fields: &[(&str, &str)],
    (name, content_type, file): (&str, &str, &[u8]),
) -> TestResponse {
    let boundary = "cgboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in [("_csrf", CSRF)].iter().chain(fields) {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/ledger/import")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, cookies)
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::from(body))
        .expect("request");
    t.send(req).await
}

/// Follows a job's page until its import has ended.
pub async fn finished(t: &TestApp, cookies: &str, path: &str) -> TestResponse {
    for _ in 0..600 {
        let page = t.get(path, cookies).await;
        page.assert_status(StatusCode::OK);
        if !page.body.contains("Importing…") {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let last = t.get(path, cookies).await;
    panic!("the import job at {path} did not finish: {}", last.body);
}
