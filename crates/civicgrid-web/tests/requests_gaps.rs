//! Resident requests, the rest of the product through the real router: a supervisor
//! clears the flag a poor rating left (page and API), the policy is edited on the
//! settings page and through the API, comments and photos go through the API, and
//! staff intake picks the resident's ledger record from a masked search.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::ResidentInput;
use common::{CSRF, TestApp, TestResponse};

const POLICY_FORM: &[(&str, &str)] = &[
    ("_csrf", CSRF),
    ("sla_warning_percent", "80"),
    ("community_staff_after_minutes", "0"),
    ("street_admin_after_minutes", "450"),
    ("poor_rating", "reopen"),
    ("reopen_window_hours", "168"),
    ("min_confidence", "0.5"),
    ("duplicate_radius_m", "150"),
    ("duplicate_window_hours", "168"),
    ("duplicate_threshold", "0.5"),
    ("duplicate_text_weight", "0.45"),
    ("duplicate_category_weight", "0.25"),
    ("duplicate_location_weight", "0.2"),
    ("duplicate_recency_weight", "0.1"),
    ("duplicate_max_results", "5"),
];

/// The policy form with some fields changed.
fn policy_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    POLICY_FORM
        .iter()
        .map(|(k, v)| {
            changes
                .iter()
                .find(|(ck, _)| ck == k)
                .map_or((*k, *v), |(ck, cv)| (*ck, *cv))
        })
        .collect()
}

fn policy_json(changes: &[(&str, serde_json::Value)]) -> String {
    let mut v = serde_json::json!({
        "sla_warning_percent": 80,
        "community_staff_after_minutes": 0,
        "street_admin_after_minutes": 450,
        "poor_rating": "reopen",
        "reopen_window_hours": 168,
        "min_confidence": 0.5,
        "duplicate_radius_m": 150.0,
        "duplicate_window_hours": 168,
        "duplicate_threshold": 0.5,
        "duplicate_text_weight": 0.45,
        "duplicate_category_weight": 0.25,
        "duplicate_location_weight": 0.2,
        "duplicate_recency_weight": 0.1,
        "duplicate_max_results": 5
    });
    for (k, value) in changes {
        v[*k] = value.clone();
    }
    v.to_string()
}

async fn json(t: &TestApp, method: &str, path: &str, cookies: &str, body: &str) -> TestResponse {
    t.json(method, path, cookies, body).await
}

fn parsed(res: &TestResponse) -> serde_json::Value {
    serde_json::from_str(&res.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", res.body))
}

/// The id in a `Location: /requests/<id>?done=…` redirect.
fn id_from(res: &TestResponse) -> i64 {
    res.location()
        .trim_start_matches("/requests/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no request id in {:?}: {}", res.location(), res.body))
}

async fn report(t: &TestApp, resident: &str, text: &str) -> i64 {
    let grid = t.nodes.grid.to_string();
    let res = t
        .post_form(
            "/requests",
            &[
                ("_csrf", CSRF),
                ("description", text),
                ("category", "public_facilities"),
                ("place", "grid"),
                ("grid_id", &grid),
                ("address", "3栋东侧"),
            ],
            resident,
        )
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    id_from(&res)
}

async fn act(t: &TestApp, cookies: &str, id: i64, fields: &[(&str, &str)]) {
    let mut all = vec![("_csrf", CSRF)];
    all.extend_from_slice(fields);
    t.post_form(&format!("/requests/{id}/act"), &all, cookies)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

/// A request the resident raised, resolved by staff and rated 1 of 5 (flagged under
/// the "flag" policy).
async fn poorly_rated(t: &TestApp, resident: &str, staff: &str, text: &str) -> i64 {
    let id = report(t, resident, text).await;
    act(t, staff, id, &[("action", "accept")]).await;
    act(
        t,
        staff,
        id,
        &[("action", "assign"), ("party", "role:grid_worker")],
    )
    .await;
    act(t, staff, id, &[("action", "start")]).await;
    act(t, staff, id, &[("action", "resolve"), ("reason", "已处理")]).await;
    t.post_form(
        &format!("/requests/{id}/rate"),
        &[("_csrf", CSRF), ("rating", "1"), ("comment", "没修好")],
        resident,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    id
}

#[tokio::test]
async fn a_supervisor_clears_the_flag_of_a_poor_rating() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    let resident = t.login("resident").await;
    let staff = t.login("staff").await;
    let grid = t.login("grid").await;
    let auditor = t.login("auditor").await;
    json(
        &t,
        "PUT",
        "/api/v1/requests/policy",
        &admin,
        &policy_json(&[("poor_rating", "flag".into())]),
    )
    .await
    .assert_status(StatusCode::OK);

    // The page: the form shows for a supervisor only, and needs a reason.
    let id = poorly_rated(&t, &resident, &staff, "楼道灯又坏了，上次没修好").await;
    let action = format!("action=\"/requests/{id}/flag/clear\"");
    t.get(&format!("/requests/{id}"), &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Flagged")
        .assert_contains(&action);
    let worker_view = t.get(&format!("/requests/{id}"), &grid).await;
    assert!(!worker_view.body.contains(&action), "{}", worker_view.body);
    t.post_form(
        &format!("/requests/{id}/flag/clear"),
        &[("_csrf", CSRF), ("reason", "已回访")],
        &grid,
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    t.post_form(
        &format!("/requests/{id}/flag/clear"),
        &[("_csrf", CSRF), ("reason", "  ")],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("id=\"reason-error\"");
    let cleared = t
        .post_form(
            &format!("/requests/{id}/flag/clear"),
            &[("_csrf", CSRF), ("reason", "已回访，重新派单维修")],
            &staff,
        )
        .await;
    cleared.assert_status(StatusCode::SEE_OTHER);
    assert!(cleared.location().contains("done=request_flag_cleared"));
    let page = t
        .get(&format!("/requests/{id}?done=request_flag_cleared"), &staff)
        .await;
    page.assert_contains("Flag cleared")
        .assert_contains("已回访，重新派单维修");
    assert!(!page.body.contains(&action));
    // The note is internal: the resident does not read it.
    let mine = t.get(&format!("/requests/{id}"), &resident).await;
    assert!(!mine.body.contains("已回访，重新派单维修"), "{}", mine.body);

    // The API: who may, a reason required, and only while flagged.
    let id2 = poorly_rated(&t, &resident, &staff, "垃圾桶满了没人清，还是没人管").await;
    let path = format!("/api/v1/requests/{id2}/flag/clear");
    json(&t, "POST", &path, &grid, r#"{"reason":"已回访"}"#)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    json(&t, "POST", &path, &auditor, r#"{"reason":"已回访"}"#)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    json(&t, "POST", &path, &resident, r#"{"reason":"已回访"}"#)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let no_reason = json(&t, "POST", &path, &staff, "{}").await;
    no_reason.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(parsed(&no_reason)["error"]["code"], "invalid_input");
    assert!(no_reason.body.contains("reason"), "{}", no_reason.body);
    json(&t, "POST", &path, &staff, r#"{"reason":"x","extra":1}"#)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    json(&t, "POST", &path, &staff, "{oops")
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    let ok = json(
        &t,
        "POST",
        &path,
        &staff,
        r#"{"reason":"已回访，居民认可"}"#,
    )
    .await;
    ok.assert_status(StatusCode::OK);
    let v = parsed(&ok);
    assert_eq!(v["flagged"], false);
    assert_eq!(v["status"], "resolved");
    json(&t, "POST", &path, &staff, r#"{"reason":"再来一次"}"#)
        .await
        .assert_status(StatusCode::CONFLICT);
    json(
        &t,
        "POST",
        "/api/v1/requests/999999/flag/clear",
        &staff,
        r#"{"reason":"x"}"#,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_policy_is_edited_on_the_settings_page() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    let staff = t.login("staff").await;

    t.get("/requests/settings", &admin)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("id=\"policy\"")
        .assert_contains("name=\"reopen_window_hours\"")
        .assert_contains("value=\"168\"")
        .assert_contains("name=\"poor_rating\" value=\"reopen\" checked");
    // Community staff open the settings (routing) but not the policy.
    let theirs = t.get("/requests/settings", &staff).await;
    theirs.assert_status(StatusCode::OK);
    assert!(!theirs.body.contains("id=\"policy\""));
    t.post_form("/requests/settings/policy", &policy_form(&[]), &staff)
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // Refused values are shown again as typed, with the field marked.
    let ladder = t
        .post_form(
            "/requests/settings/policy",
            &policy_form(&[
                ("community_staff_after_minutes", "120"),
                ("street_admin_after_minutes", "30"),
            ]),
            &admin,
        )
        .await;
    ladder
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("id=\"street_admin_after_minutes-error\"")
        .assert_contains("value=\"120\"")
        .assert_contains("value=\"30\"");
    for (field, bad) in [
        ("min_confidence", "abc"),
        ("min_confidence", "1.5"),
        ("sla_warning_percent", "100"),
        ("reopen_window_hours", "-1"),
        ("duplicate_window_hours", "2.5"),
        ("poor_rating", "ignore"),
        ("duplicate_max_results", "999"),
    ] {
        let res = t
            .post_form(
                "/requests/settings/policy",
                &policy_form(&[(field, bad)]),
                &admin,
            )
            .await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
            .assert_contains(&format!("id=\"{field}-error\""));
    }
    // Nothing was saved by the refusals.
    let before = json(&t, "GET", "/api/v1/requests/policy", &admin, "").await;
    assert_eq!(parsed(&before)["street_admin_after_minutes"], 450);

    let saved = t
        .post_form(
            "/requests/settings/policy",
            &policy_form(&[
                ("poor_rating", "flag"),
                ("reopen_window_hours", "48"),
                ("min_confidence", "0.35"),
            ]),
            &admin,
        )
        .await;
    saved.assert_status(StatusCode::SEE_OTHER);
    assert!(saved.location().contains("#policy"));
    let got = json(&t, "GET", "/api/v1/requests/policy", &staff, "").await;
    got.assert_status(StatusCode::OK);
    let v = parsed(&got);
    assert_eq!(v["poor_rating"], "flag");
    assert_eq!(v["reopen_window_hours"], 48);
    assert_eq!(v["min_confidence"], 0.35);
    t.get("/requests/settings", &admin)
        .await
        .assert_contains("name=\"poor_rating\" value=\"flag\" checked")
        .assert_contains("value=\"48\"");
}

#[tokio::test]
async fn the_policy_through_the_api() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    let staff = t.login("staff").await;
    let resident = t.login("resident").await;

    let got = json(&t, "GET", "/api/v1/requests/policy", &resident, "").await;
    got.assert_status(StatusCode::OK);
    let v = parsed(&got);
    assert_eq!(v["poor_rating"], "reopen");
    assert_eq!(v["reopen_window_hours"], 168);
    assert_eq!(v["duplicate_max_results"], 5);
    t.get("/api/v1/requests/policy", "")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);

    // Only those who manage the catalogue change it, whatever they send.
    json(
        &t,
        "PUT",
        "/api/v1/requests/policy",
        &staff,
        &policy_json(&[]),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    json(
        &t,
        "PUT",
        "/api/v1/requests/policy",
        &staff,
        &policy_json(&[("reopen_window_hours", (-1).into())]),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);

    // Bad input: 400 when it is not JSON, 422 naming the field otherwise.
    json(&t, "PUT", "/api/v1/requests/policy", &admin, "{oops")
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_contains("malformed_json");
    for (field, bad) in [
        ("reopen_window_hours", serde_json::json!(-1)),
        ("sla_warning_percent", serde_json::json!(0)),
        ("min_confidence", serde_json::json!(2.0)),
        ("duplicate_radius_m", serde_json::json!(0)),
        ("duplicate_threshold", serde_json::json!(-0.5)),
        ("poor_rating", serde_json::json!("shrug")),
        ("street_admin_after_minutes", serde_json::json!(-5)),
    ] {
        let res = json(
            &t,
            "PUT",
            "/api/v1/requests/policy",
            &admin,
            &policy_json(&[(field, bad)]),
        )
        .await;
        res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        let e = parsed(&res);
        assert_eq!(e["error"]["code"], "invalid_input");
        assert!(
            e["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(field)),
            "{field}: {}",
            res.body
        );
    }
    let missing = json(
        &t,
        "PUT",
        "/api/v1/requests/policy",
        &admin,
        r#"{"poor_rating":"flag"}"#,
    )
    .await;
    missing.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.body.contains("sla_warning_percent"),
        "{}",
        missing.body
    );
    json(
        &t,
        "PUT",
        "/api/v1/requests/policy",
        &admin,
        &policy_json(&[("unknown_knob", 1.into())]),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("unknown_knob");

    let put = json(
        &t,
        "PUT",
        "/api/v1/requests/policy",
        &admin,
        &policy_json(&[
            ("poor_rating", "flag".into()),
            ("duplicate_window_hours", 72.into()),
            ("street_admin_after_minutes", 900.into()),
        ]),
    )
    .await;
    put.assert_status(StatusCode::OK);
    let v = parsed(&put);
    assert_eq!(v["poor_rating"], "flag");
    assert_eq!(v["duplicate_window_hours"], 72);
    assert_eq!(v["street_admin_after_minutes"], 900);
    let again = parsed(&json(&t, "GET", "/api/v1/requests/policy", &staff, "").await);
    assert_eq!(again, v);
}

/// A PNG with a text chunk saying where it was taken, which must not be stored.
fn png_with_location() -> Vec<u8> {
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = u32::try_from(data.len())
            .expect("small")
            .to_be_bytes()
            .to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(data);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 64u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&48u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    v.extend(chunk(b"IHDR", &ihdr));
    v.extend(chunk(b"tEXt", b"Location\0GPS 30.5912 114.3051"));
    v.extend(chunk(b"IDAT", &[1, 2, 3, 4]));
    v.extend(chunk(b"IEND", &[]));
    v
}

const BOUNDARY: &str = "civicgrid-test-boundary";

/// A multipart body: text fields, then an optional file part named `photo`.
fn multipart(fields: &[(&str, &str)], photo: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((claimed, data)) = photo {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: {claimed}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(t: &TestApp, id: i64, cookies: &str, body: Vec<u8>) -> TestResponse {
    let req = Request::post(format!("/api/v1/requests/{id}/photos"))
        .header(header::COOKIE, cookies)
        .header("x-csrf-token", CSRF)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .expect("request");
    t.send(req).await
}

async fn take_call(t: &TestApp, staff: &str, fields: &[(&str, &str)]) -> TestResponse {
    let grid = t.nodes.grid.to_string();
    let mut all = vec![
        ("_csrf", CSRF),
        ("channel", "staff_phone"),
        ("contact_phone", "13812345678"),
        ("description", "小区东门路灯不亮，晚上很黑"),
        ("category", "public_facilities"),
        ("grid_id", grid.as_str()),
    ];
    all.extend_from_slice(fields);
    t.post_form("/requests/intake", &all, staff).await
}

#[tokio::test]
async fn comments_and_photos_through_the_api() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let auditor = t.login("auditor").await;
    let resident = t.login("resident").await;
    let taken = take_call(&t, &staff, &[]).await;
    taken.assert_status(StatusCode::SEE_OTHER);
    let id = id_from(&taken);

    // Comments.
    let path = format!("/api/v1/requests/{id}/comments");
    let added = json(
        &t,
        "POST",
        &path,
        &staff,
        r#"{"text":"已联系物业，明天上午维修","visible":true}"#,
    )
    .await;
    added.assert_status(StatusCode::CREATED);
    assert_eq!(
        added.location(),
        format!("/api/v1/requests/{id}/timeline").as_str()
    );
    let line = parsed(&added);
    assert_eq!(line["kind"], "comment");
    assert_eq!(line["visible"], true);
    assert_eq!(line["note"], "已联系物业，明天上午维修");
    let internal = parsed(&json(&t, "POST", &path, &staff, r#"{"text":"内部备注"}"#).await);
    assert_eq!(internal["visible"], false);
    let empty = json(&t, "POST", &path, &staff, r#"{"text":"   "}"#).await;
    empty.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        parsed(&empty)["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("text"))
    );
    let long = "长".repeat(501);
    let too_long = json(
        &t,
        "POST",
        &path,
        &staff,
        &format!(r#"{{"text":"{long}"}}"#),
    )
    .await;
    too_long.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        parsed(&too_long)["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("text"))
    );
    json(&t, "POST", &path, &staff, r#"{"visible":true}"#)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("text");
    json(&t, "POST", &path, &auditor, r#"{"text":"看看"}"#)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    json(&t, "POST", &path, &resident, r#"{"text":"看看"}"#)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let tl = json(
        &t,
        "GET",
        &format!("/api/v1/requests/{id}/timeline"),
        &staff,
        "",
    )
    .await;
    tl.assert_contains("已联系物业，明天上午维修")
        .assert_contains("内部备注");

    // Photos: the content decides, location text is stripped.
    let png = png_with_location();
    let up = upload(
        &t,
        id,
        &staff,
        multipart(&[("stage", "intake")], Some(("image/jpeg", &png))),
    )
    .await;
    up.assert_status(StatusCode::CREATED);
    let photo = parsed(&up);
    assert_eq!(photo["content_type"], "image/png");
    assert_eq!(photo["stage"], "intake");
    assert_eq!(photo["width"], 64);
    let url = photo["url"].as_str().expect("url").to_owned();
    assert_eq!(up.location(), url.as_str());
    let photo_id = photo["id"].as_i64().expect("id");
    let got = t.get(&url, &staff).await;
    got.assert_status(StatusCode::OK);
    assert_eq!(got.header(header::CONTENT_TYPE), "image/png");
    assert!(!got.body.contains("GPS"), "location kept");
    assert!(!got.body.contains("Location"), "text chunk kept");
    // The page serves the same photo.
    t.get(&format!("/requests/photos/{photo_id}"), &staff)
        .await
        .assert_status(StatusCode::OK);
    let list = json(
        &t,
        "GET",
        &format!("/api/v1/requests/{id}/photos"),
        &staff,
        "",
    )
    .await;
    list.assert_status(StatusCode::OK);
    assert_eq!(parsed(&list).as_array().map(Vec::len), Some(1));
    // Staff uploads default to the resolution stage.
    let resolution =
        parsed(&upload(&t, id, &staff, multipart(&[], Some(("image/png", &png)))).await);
    assert_eq!(resolution["stage"], "resolution");

    // Bad uploads.
    let not_image = upload(
        &t,
        id,
        &staff,
        multipart(&[], Some(("image/jpeg", b"<html>not a photo</html>"))),
    )
    .await;
    not_image.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        parsed(&not_image)["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("photo"))
    );
    upload(&t, id, &staff, multipart(&[("stage", "intake")], None))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("photo");
    upload(
        &t,
        id,
        &staff,
        multipart(&[("stage", "before")], Some(("image/png", &png))),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("stage");
    upload(
        &t,
        id,
        &staff,
        multipart(&[("caption", "x")], Some(("image/png", &png))),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    json(
        &t,
        "POST",
        &format!("/api/v1/requests/{id}/photos"),
        &staff,
        "{}",
    )
    .await
    .assert_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut huge = png.clone();
    huge.resize(9 * 1024 * 1024, 0);
    upload(&t, id, &staff, multipart(&[], Some(("image/png", &huge))))
        .await
        .assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let mut broken = multipart(&[], Some(("image/png", &png)));
    broken.truncate(broken.len() / 2);
    let res = upload(&t, id, &staff, broken).await;
    assert!(res.status.is_client_error(), "{}: {}", res.status, res.body);

    // Forbidden and hidden.
    upload(&t, id, &auditor, multipart(&[], Some(("image/png", &png))))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    upload(&t, id, &resident, multipart(&[], Some(("image/png", &png))))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&url, &resident)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&url, &auditor).await.assert_status(StatusCode::OK);
    let other = id_from(&take_call(&t, &staff, &[("description", "另一件事：井盖松动")]).await);
    t.get(
        &format!("/api/v1/requests/{other}/photos/{photo_id}"),
        &staff,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    t.get(&format!("/api/v1/requests/{id}/photos/x"), &staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&format!("/api/v1/requests/{id}/photos/999999"), &staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

/// A resident record in the test grid: 王小明, phone ending 5678, 3栋 1单元 201.
async fn ledger_resident(t: &TestApp) -> i64 {
    let sys = Actor::system();
    let room = t
        .app
        .add_room(&sys, t.nodes.grid, "3", "1", "201", Some(2))
        .await
        .expect("room");
    let household = t
        .app
        .add_household(&sys, room, "owner", Some("90"))
        .await
        .expect("household");
    t.app
        .add_resident(
            &sys,
            &ResidentInput {
                household_id: household,
                name: "王小明".into(),
                gender: Some("male".into()),
                birth_date: Some("1950-05-06".into()),
                id_number: None,
                phone: Some("13912345678".into()),
                relation: "head".into(),
                residence_status: None,
                tags: Vec::new(),
            },
            None,
        )
        .await
        .expect("resident")
}

#[tokio::test]
async fn staff_intake_picks_the_residents_ledger_record() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let other_staff = t.login("other_staff").await;
    let resident = t.login("resident").await;
    let auditor = t.login("auditor").await;
    let rid = ledger_resident(&t).await;
    let radio = format!("name=\"resident_id\" value=\"{rid}\"");

    t.get("/requests/intake", &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("name=\"resident_q\"")
        .assert_contains("name=\"find_resident\"")
        .assert_contains("hx-get=\"/requests/intake/residents\"");

    // Without JavaScript: "Find" re-renders the form, what was typed kept, matches as
    // radio buttons with the name masked.
    let found = take_call(
        &t,
        &staff,
        &[("find_resident", "1"), ("resident_q", "5678")],
    )
    .await;
    found
        .assert_status(StatusCode::OK)
        .assert_contains(&radio)
        .assert_contains("王**")
        .assert_contains("小区东门路灯不亮")
        .assert_contains("value=\"13812345678\"");
    assert!(!found.body.contains("王小明"), "name not masked");
    assert!(!found.body.contains("13912345678"), "phone shown");
    let by_name = take_call(
        &t,
        &staff,
        &[("find_resident", "1"), ("resident_q", "王小明")],
    )
    .await;
    by_name
        .assert_status(StatusCode::OK)
        .assert_contains(&radio);
    // Nothing was submitted by searching.
    let queue = json(&t, "GET", "/api/v1/requests?queue=scope", &staff, "").await;
    assert_eq!(parsed(&queue)["items"].as_array().map(Vec::len), Some(0));

    // With htmx: the fragment alone.
    let fragment = t
        .get("/requests/intake/residents?resident_q=5678", &staff)
        .await;
    fragment
        .assert_status(StatusCode::OK)
        .assert_contains("id=\"resident-matches\"")
        .assert_contains(&radio)
        .assert_contains("王**");
    assert!(!fragment.body.contains("<html"));
    assert!(!fragment.body.contains("王小明"));
    // Outside the searcher's area nothing is found.
    t.get("/requests/intake/residents?resident_q=5678", &other_staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("No record found");
    t.get("/requests/intake/residents?resident_q=5678", &resident)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    t.get("/requests/intake/residents?resident_q=5678", &auditor)
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // Bad choices are named; a good one is stored with the request.
    take_call(&t, &staff, &[("resident_id", "abc")])
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("id=\"resident_id-error\"");
    take_call(&t, &staff, &[("resident_id", "999999")])
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("id=\"resident_id-error\"");
    let taken = take_call(
        &t,
        &staff,
        &[("resident_q", "5678"), ("resident_id", &rid.to_string())],
    )
    .await;
    taken.assert_status(StatusCode::SEE_OTHER);
    let id = id_from(&taken);
    let mut conn = t.app.db().read().await.expect("read");
    let rec = civicgrid_app::store::requests::get_request(
        &mut conn,
        civicgrid_app::domain::requests::RequestId(id),
    )
    .await
    .expect("stored");
    assert_eq!(rec.requester_resident_id, Some(rid));
    drop(conn);
    // Choosing "no record" leaves it empty.
    let none = take_call(
        &t,
        &staff,
        &[
            ("resident_q", "5678"),
            ("resident_id", ""),
            ("description", "另一件事：楼道堆物"),
        ],
    )
    .await;
    none.assert_status(StatusCode::SEE_OTHER);
}
