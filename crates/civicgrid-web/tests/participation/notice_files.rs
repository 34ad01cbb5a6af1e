//! Files attached to notices through the real router: sent with the notice form,
//! listed on the notice and served to its readers (anonymous readers of a public one
//! too), refused with the field named and nothing written, added and removed only
//! while the notice is a draft, and hidden with a notice that is not public.

use axum::http::{StatusCode, header};
use serde_json::Value;

use crate::support::multipart::{self, File};
use crate::support::{CSRF, TestApp};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";

fn pdf(name: &str) -> File<'_> {
    File {
        field: "attachments",
        name,
        content_type: "application/pdf",
        data: PDF,
    }
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn notice_count(t: &TestApp, cookies: &str) -> usize {
    let res = t
        .json("GET", "/api/v1/notices?list=scope", cookies, "")
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    json(&res.body).as_array().map_or(0, Vec::len)
}

/// POSTs `file` to the API's attachments of notice `id` as `cookies`.
async fn attach(
    t: &TestApp,
    id: i64,
    cookies: &str,
    file: File<'_>,
) -> crate::support::TestResponse {
    let req = multipart::post(&format!("/api/v1/notices/{id}/attachments"), cookies)
        .header("x-csrf-token", CSRF)
        .body(axum::body::Body::from(multipart::body(&[], Some(file))))
        .expect("request");
    t.send(req).await
}

#[tokio::test]
async fn a_notice_sent_with_a_file_shows_and_serves_it_to_its_readers() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let community = t.nodes.community.to_string();
    let res = multipart::submit(
        &t,
        "/notices",
        &staff,
        &[
            ("scope_id", &community),
            ("title_zh", "停车方案征求意见"),
            ("body_zh", "方案见附件。"),
            ("target", "everyone"),
            ("action", "publish"),
        ],
        Some(pdf("停车方案.pdf")),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let id: i64 = res
        .location()
        .strip_prefix("/notices/")
        .and_then(|r| r.split('?').next())
        .and_then(|s| s.parse().ok())
        .expect("notice id");
    let v = json(
        &t.json("GET", &format!("/api/v1/notices/{id}"), &staff, "")
            .await
            .body,
    );
    let file = &v["attachments"][0];
    assert_eq!(file["file_name"], "停车方案.pdf");
    assert_eq!(file["content_type"], "application/pdf");
    let file_id = file["id"].as_i64().expect("file id");
    // The notice lists it; anyone reads it, since the notice is on the public board.
    let page = t.get(&format!("/notices/{id}"), "").await;
    page.assert_status(StatusCode::OK)
        .assert_contains("停车方案.pdf")
        .assert_contains(&format!("/notice-attachments/{file_id}"));
    let served = t.get(&format!("/notice-attachments/{file_id}"), "").await;
    served.assert_status(StatusCode::OK);
    assert_eq!(served.header(header::CONTENT_TYPE), "application/pdf");
    assert!(
        served
            .header(header::CONTENT_DISPOSITION)
            .starts_with("inline; filename*=UTF-8''%E5%81%9C"),
        "{:?}",
        served.headers
    );
    assert_eq!(served.body.as_bytes(), PDF);
    let api = t
        .json(
            "GET",
            &format!("/api/v1/notice-attachments/{file_id}"),
            &staff,
            "",
        )
        .await;
    assert_eq!(api.status, StatusCode::OK);
    // Once published, its files stay as they were read.
    let res = attach(&t, id, &staff, pdf("补充.pdf")).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let res = t
        .json(
            "DELETE",
            &format!("/api/v1/notice-attachments/{file_id}"),
            &staff,
            "",
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
}

#[tokio::test]
async fn a_refused_file_names_the_field_and_writes_nothing() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let community = t.nodes.community.to_string();
    let before = notice_count(&t, &staff).await;
    for (file, why) in [
        (
            File {
                field: "attachments",
                name: "tool.exe",
                content_type: "application/pdf",
                data: b"MZ\x90\x00\x03",
            },
            "PDF",
        ),
        (
            File {
                field: "attachments",
                name: "cut.pdf",
                content_type: "application/pdf",
                data: b"%PDF-1.4\n1 0 obj",
            },
            "cut.pdf",
        ),
    ] {
        let res = multipart::submit(
            &t,
            "/notices",
            &staff,
            &[
                ("scope_id", &community),
                ("title_zh", "停车方案"),
                ("body_zh", "见附件"),
                ("action", "publish"),
            ],
            Some(file),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("attachments-error"), "{}", res.body);
        assert!(res.body.contains(why), "{}", res.body);
    }
    assert_eq!(notice_count(&t, &staff).await, before);
}

#[tokio::test]
async fn a_draft_takes_up_to_five_files_and_hides_them_until_published() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let resident = t.login("resident").await;
    let body = format!(
        r#"{{"scope_id": {}, "title_zh": "绿化改造", "body_zh": "方案见附件", "publish": false}}"#,
        t.nodes.community
    );
    let res = t.json("POST", "/api/v1/notices", &staff, &body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = json(&res.body)["id"].as_i64().expect("id");
    // Without a file the objection names the field.
    let res = t
        .json(
            "POST",
            &format!("/api/v1/notices/{id}/attachments"),
            &staff,
            "{}",
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("attachments"), "{}", res.body);
    let mut last = Value::Null;
    for i in 0..5 {
        let name = format!("图纸{i}.pdf");
        let res = attach(&t, id, &staff, pdf(&name)).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        last = json(&res.body);
    }
    assert_eq!(last.as_array().map(Vec::len), Some(5));
    let res = attach(&t, id, &staff, pdf("多余.pdf")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("at most 5"), "{}", res.body);
    // A resident may neither add files nor read those of a draft.
    let first = last[0]["id"].as_i64().expect("file id");
    attach(&t, id, &resident, pdf("我的.pdf"))
        .await
        .assert_refused();
    t.get(&format!("/notice-attachments/{first}"), &resident)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&format!("/notice-attachments/{first}"), "")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Removing one through the page, then the draft is published with four.
    let res = t
        .post_form(
            &format!("/notice-attachments/{first}/remove"),
            &[("_csrf", CSRF)],
            &staff,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let v = json(
        &t.json("GET", &format!("/api/v1/notices/{id}"), &staff, "")
            .await
            .body,
    );
    assert_eq!(v["attachments"].as_array().map(Vec::len), Some(4));
    // Adding and removing are in the audit log, with the notice as their target.
    let auditor = t.login("auditor").await;
    let res = t
        .json(
            "GET",
            &format!("/api/v1/audit?target_type=notice&target_id={id}"),
            &auditor,
            "",
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let actions: Vec<String> = json(&res.body)
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        actions.iter().filter(|a| *a == "notice.attach").count(),
        5,
        "{actions:?}"
    );
    assert!(actions.iter().any(|a| a == "notice.detach"), "{actions:?}");
}
