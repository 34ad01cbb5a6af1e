//! Resident requests through the real router: a resident reports, follows, rates and
//! reopens; staff take requests by phone, work their queue and act on requests (pages
//! and API); forms need their CSRF token; bad input gets 404, 400 or 422 naming the field.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::requests::{
    act, api_get, id_from, json, rate, report_publicly, resolve, take, take_call,
};
use crate::support::{CSRF, TestApp, form_encode};

#[tokio::test]
async fn a_resident_reports_follows_rates_and_reopens() {
    let t = TestApp::new().await;
    let resident = t.login("resident").await;
    let grid = t.login("grid").await;

    t.get("/requests/new", &resident)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("name=\"description\"")
        .assert_contains("name=\"photo\"");
    let id = report_publicly(&t, &resident, "楼道水管漏水，地面都是水", "repairs_water").await;
    let page = t
        .get(&format!("/requests/{id}?done=request_submitted"), &resident)
        .await;
    page.assert_status(StatusCode::OK)
        .assert_contains("楼道水管漏水")
        .assert_contains("Submitted")
        .assert_contains("Sent. You can follow it here.");
    let number = format!("-{id:06}");
    t.get("/requests/mine", &resident)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&number);

    // The grid worker sees it in the queue and works it through.
    t.get("/requests/queue?kind=scope", &grid)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&number)
        .assert_contains("data-live=\"/requests/queue/events\"");
    t.get(&format!("/requests/{id}"), &grid)
        .await
        .assert_contains("value=\"accept\"");
    resolve(&t, &grid, id, "已修好").await;

    // The resident reads the timeline (no staff names) and rates.
    let page = t.get(&format!("/requests/{id}"), &resident).await;
    page.assert_status(StatusCode::OK)
        .assert_contains("Resolved")
        .assert_contains("已修好")
        .assert_contains("action=\"/requests/");
    assert!(
        !page.body.contains("Test grid"),
        "staff names leak: {}",
        page.body
    );
    rate(&t, &resident, id, &[("rating", "5"), ("comment", "很及时")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    t.get(&format!("/requests/{id}"), &resident)
        .await
        .assert_contains("5/5")
        .assert_contains("Closed");
    // Rating twice is a conflict shown on the page.
    rate(&t, &resident, id, &[("rating", "4")])
        .await
        .assert_status(StatusCode::CONFLICT);

    // A second one, resolved, is reopened by the resident within the window.
    let id2 = report_publicly(&t, &resident, "小区路灯不亮，晚上很黑", "public_facilities").await;
    resolve(&t, &grid, id2, "已修好").await;
    let missing_reason = act(&t, &resident, id2, &[("action", "reopen")]).await;
    missing_reason.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    act(
        &t,
        &resident,
        id2,
        &[("action", "reopen"), ("reason", "还是不亮")],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get(&format!("/requests/{id2}"), &resident)
        .await
        .assert_contains("Reopened")
        .assert_contains("还是不亮");

    // The inbox tells the resident what happened, and can be marked read.
    let inbox = t.get("/requests/inbox", &resident).await;
    inbox
        .assert_status(StatusCode::OK)
        .assert_contains("Resolved")
        .assert_contains("unread");
    let api = api_get(&t, "/api/v1/requests/inbox", &resident).await;
    api.assert_status(StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    let newest = v["items"][0]["id"].as_i64().expect("an inbox line");
    assert!(v["unread"].as_i64().unwrap_or(0) > 0);
    t.post_form(
        "/requests/inbox/read",
        &[("_csrf", CSRF), ("up_to_id", &newest.to_string())],
        &resident,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let api = api_get(&t, "/api/v1/requests/inbox", &resident).await;
    let v: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(v["unread"], 0);
}

#[tokio::test]
async fn staff_take_calls_work_the_queue_and_act_through_the_api() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    t.get("/requests/intake", &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("staff_walk_in");
    // A call without a number to call back is refused, naming the field.
    let refused = take(
        &t,
        &staff,
        ("staff_phone", "repairs_water", "楼上漏水到我家天花板"),
        &[],
    )
    .await;
    refused
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("id=\"contact_phone-error\"");
    let taken = take(
        &t,
        &staff,
        ("staff_phone", "repairs_water", "楼上漏水到我家天花板"),
        &[("contact_name", "王芳"), ("contact_phone", "13812345678")],
    )
    .await;
    taken.assert_status(StatusCode::SEE_OTHER);
    let id = id_from(&taken);
    // Contact data is masked on the page.
    let page = t.get(&format!("/requests/{id}"), &staff).await;
    page.assert_contains("138****5678").assert_contains("王*");
    assert!(!page.body.contains("13812345678"));

    // The queue: filters and SLA badges.
    let q = t.get("/requests/queue?kind=scope", &staff).await;
    q.assert_status(StatusCode::OK)
        .assert_contains(&format!("/requests/{id}"))
        .assert_contains("sla-on_track");
    let filtered = t
        .get("/requests/queue?kind=scope&status=closed", &staff)
        .await;
    assert!(!filtered.body.contains(&format!("/requests/{id}\"")));
    t.get("/requests/queue?kind=nonsense", &staff)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    // The API: read, act with the version, a stale version is a conflict.
    let got = api_get(&t, &format!("/api/v1/requests/{id}"), &staff).await;
    got.assert_status(StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&got.body).expect("json");
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["contact_phone"], "138****5678");
    let version = v["version"].as_i64().expect("version");
    let accepted = json(
        &t,
        "POST",
        &format!("/api/v1/requests/{id}/transitions"),
        &staff,
        &format!(r#"{{"action":"accept","version":{version}}}"#),
    )
    .await;
    accepted.assert_status(StatusCode::OK);
    let stale = json(
        &t,
        "POST",
        &format!("/api/v1/requests/{id}/transitions"),
        &staff,
        &format!(r#"{{"action":"assign","version":{version},"party":"role:grid_worker"}}"#),
    )
    .await;
    stale.assert_status(StatusCode::CONFLICT);
    let tl = api_get(&t, &format!("/api/v1/requests/{id}/timeline"), &staff).await;
    tl.assert_status(StatusCode::OK)
        .assert_contains("\"accept\"");
    let queue = api_get(&t, "/api/v1/requests?queue=scope&status=accepted", &staff).await;
    queue
        .assert_status(StatusCode::OK)
        .assert_contains(&format!("\"id\":{id}"));
    let cats = api_get(&t, "/api/v1/requests/categories", &staff).await;
    cats.assert_status(StatusCode::OK)
        .assert_contains("repairs_water");

    // A duplicate is suggested for a second call about the same thing, and merged.
    let second = take(
        &t,
        &staff,
        ("staff_walk_in", "repairs_water", "楼上漏水到我家天花板了"),
        &[("contact_phone", "13912345678")],
    )
    .await;
    let id2 = id_from(&second);
    let page = t.get(&format!("/requests/{id2}"), &staff).await;
    page.assert_contains("id=\"duplicates\"")
        .assert_contains(&format!("name=\"original\" value=\"{id}\""));
    act(
        &t,
        &staff,
        id2,
        &[("action", "mark_duplicate"), ("original", &id.to_string())],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get(&format!("/requests/{id2}"), &staff)
        .await
        .assert_contains("Duplicate");

    // The settings page opens for staff (routing and responders).
    t.get("/requests/settings", &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("id=\"routing\"");
}

#[tokio::test]
async fn forms_need_their_csrf_token() {
    let t = TestApp::new().await;
    let resident = t.login("resident").await;
    let grid = t.nodes.grid.to_string();
    let res = t
        .post_form(
            "/requests",
            &[
                ("description", "没有令牌的表单"),
                ("place", "grid"),
                ("grid_id", &grid),
            ],
            &resident,
        )
        .await;
    res.assert_status(StatusCode::FORBIDDEN);
    let id = report_publicly(&t, &resident, "小区门禁坏了，进不去", "public_facilities").await;
    let staff = t.login("staff").await;
    t.post_form(
        &format!("/requests/{id}/act"),
        &[("_csrf", "wrong"), ("action", "accept")],
        &staff,
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    // The API with a session cookie needs the header.
    let req = Request::post(format!("/api/v1/requests/{id}/transitions"))
        .header(header::COOKIE, staff.as_str())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"action":"accept"}"#))
        .expect("request");
    t.send(req).await.assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_input_gets_clear_answers() {
    let t = TestApp::new().await;
    let resident = t.login("resident").await;
    let staff = t.login("staff").await;
    // Wrong ids: 404 on pages and API.
    for path in ["/requests/999999", "/requests/not-a-number"] {
        t.get(path, &staff)
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
    api_get(&t, "/api/v1/requests/999999", &staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Another resident's request is not found for a resident who did not raise it.
    let id = report_publicly(&t, &staff, "消防通道被车堵住了", "parking").await;
    t.get(&format!("/requests/{id}"), &resident)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Malformed JSON: 400; invalid fields: 422 naming the field.
    json(&t, "POST", "/api/v1/requests", &resident, "{not json")
        .await
        .assert_status(StatusCode::BAD_REQUEST)
        .assert_contains("malformed_json");
    let empty = json(
        &t,
        "POST",
        "/api/v1/requests",
        &resident,
        r#"{"description":"  "}"#,
    )
    .await;
    empty
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("description");
    let rating = json(
        &t,
        "POST",
        &format!("/api/v1/requests/{id}/rating"),
        &staff,
        r#"{"rating":9}"#,
    )
    .await;
    rating
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("rating");
    let action = json(
        &t,
        "POST",
        &format!("/api/v1/requests/{id}/transitions"),
        &staff,
        r#"{"action":"explode"}"#,
    )
    .await;
    action
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("action");
    // A page form with no description: 422, the field marked.
    let grid = t.nodes.grid.to_string();
    let res = t
        .post_form(
            "/requests",
            &[
                ("_csrf", CSRF),
                ("description", ""),
                ("place", "grid"),
                ("grid_id", &grid),
            ],
            &resident,
        )
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("id=\"description-error\"");
    // A page query that is not a number: 400.
    t.get("/requests/mine?page=x", &resident)
        .await
        .assert_status(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_public_board_shows_public_requests_without_personal_data() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let grid = t.nodes.grid.to_string();
    let taken = take(
        &t,
        &staff,
        ("staff_phone", "public_facilities", "李雷家门口的路灯坏了"),
        &[
            ("contact_name", "李雷"),
            ("contact_phone", "13812345678"),
            ("public", "1"),
        ],
    )
    .await;
    let id = id_from(&taken);
    let page = t.get("/requests/public", "").await;
    page.assert_status(StatusCode::OK)
        .assert_contains(&format!("-{id:06}"))
        .assert_contains("<svg");
    for secret in ["李雷", "13812345678", "5678"] {
        assert!(!page.body.contains(secret), "{secret} shown publicly");
    }
    // Its pin on the map and its row in the list open the request's public page.
    let number = page
        .body
        .split("href=\"/requests/public/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the request's public page")
        .to_owned();
    assert!(number.ends_with(&format!("-{id:06}")), "{number}");
    page.assert_contains("href=\"/requests/new\"");
    let one = t.get(&format!("/requests/public/{number}"), "").await;
    // The category, status and place; not the free text, which may name people.
    one.assert_status(StatusCode::OK)
        .assert_contains(&number)
        .assert_contains("Public facilities")
        .assert_contains("Xingfu Community · Grid One")
        .assert_contains("<svg");
    t.get_in(&format!("/requests/public/{number}"), "", "zh-CN")
        .await
        .assert_contains("公共设施")
        .assert_contains("幸福社区 · 第一网格");
    assert!(!one.body.contains("路灯坏了"), "free text shown publicly");
    for secret in ["李雷", "13812345678"] {
        assert!(!one.body.contains(secret), "{secret} shown publicly");
    }
    // Narrowed to the grid: the report action carries the grid.
    t.get(&format!("/requests/public?place={grid}"), "")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&format!("href=\"/requests/new?grid_id={grid}\""));
    for (place, status) in [
        ("999999", StatusCode::NOT_FOUND),
        ("abc", StatusCode::BAD_REQUEST),
    ] {
        t.get(&format!("/requests/public?place={place}"), "")
            .await
            .assert_status(status);
    }
}

#[tokio::test]
async fn a_request_not_shown_publicly_has_no_public_page() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    // Taken by phone without the resident's consent to show it publicly.
    let taken = take_call(&t, &staff, &[]).await;
    let id = id_from(&taken);
    for number in [id.to_string(), "R-2026-99999999".to_owned()] {
        t.get(&format!("/requests/public/{number}"), "")
            .await
            .assert_status(StatusCode::NOT_FOUND);
    }
}

/// The category field suggests from the whole sentence: a stairwell light that is out,
/// with old people on the stairs, is an electrical repair, not a lift breakdown.
#[tokio::test]
async fn the_category_field_suggests_from_the_whole_sentence() {
    let t = TestApp::new().await;
    let resident = t.login("resident").await;
    let text = form_encode("3栋2单元楼道灯坏了，晚上很黑，老人上下楼不安全");
    let res = t
        .get_in(
            &format!("/requests/suggest?description={text}"),
            &resident,
            "zh-CN",
        )
        .await;
    res.assert_status(StatusCode::OK);
    assert!(
        res.body.contains("value=\"repairs_electricity\" selected"),
        "{}",
        res.body
    );
    assert!(!res.body.contains("value=\"repairs_lift\" selected"));
}
