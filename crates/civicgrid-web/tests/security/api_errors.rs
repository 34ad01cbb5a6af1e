//! See `security.rs`. Errors in the shape their clients read (JSON under `/api/`, the
//! Open311 error document under `/open311/`, an HTML page elsewhere), records outside
//! the caller's sight answered exactly like missing ones, assignment only to those who
//! can work on a request, CSRF tokens renewed with the session, and an OpenAPI document
//! that lists the error answers.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::domain::requests::{Channel, RequestId};
use civicgrid_app::ledger::ResidentInput;
use civicgrid_app::requests::intake::{NewRequest, OnBehalf};
use serde_json::Value;

use crate::support::*;

fn json(res: &TestResponse) -> Value {
    serde_json::from_str(&res.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", res.status, res.body))
}

/// The response is `{"error":{"code":code,…}}` with a JSON content type.
#[track_caller]
fn assert_json_error(res: &TestResponse, status: StatusCode, code: &str) {
    assert_eq!(res.status, status, "body: {}", res.body);
    assert!(
        res.header(header::CONTENT_TYPE)
            .starts_with("application/json"),
        "content type {:?} for {}",
        res.header(header::CONTENT_TYPE),
        res.body
    );
    let v = json(res);
    assert_eq!(v["error"]["code"], code, "body: {}", res.body);
    assert!(v["error"]["message"].is_string(), "body: {}", res.body);
}

async fn call(
    t: &TestApp,
    method: &str,
    path: &str,
    cookies: &str,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> TestResponse {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("x-csrf-token", CSRF);
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies);
    }
    if let Some(ct) = content_type {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    t.send(req.body(body.into()).expect("request")).await
}

async fn json_call(
    t: &TestApp,
    method: &str,
    path: &str,
    cookies: &str,
    body: Value,
) -> TestResponse {
    call(
        t,
        method,
        path,
        cookies,
        Some("application/json"),
        body.to_string(),
    )
    .await
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_json() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    for path in ["/api/v1/nope", "/api/v1/ledger/nope/1", "/api/nope", "/api"] {
        let res = t.get(path, &admin).await;
        assert_json_error(&res, StatusCode::NOT_FOUND, "not_found");
        // Anonymous callers get the same shape.
        let res = t.get(path, "").await;
        assert_json_error(&res, StatusCode::NOT_FOUND, "not_found");
    }
    let res = call(&t, "DELETE", "/api/v1/me", &admin, None, Body::empty()).await;
    assert_json_error(&res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert!(
        res.header(header::ALLOW).contains("GET"),
        "{:?}",
        res.headers
    );
    let res = call(&t, "PUT", "/api/v1/org/nodes", &admin, None, Body::empty()).await;
    assert_json_error(&res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let allow = res.header(header::ALLOW).to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    // The documents' own routes too.
    let res = call(&t, "POST", "/api/openapi.json", "", None, Body::empty()).await;
    assert_json_error(&res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn unknown_pages_and_methods_answer_an_html_page() {
    let t = TestApp::new().await;
    let res = t.get("/no-such-page", "").await;
    res.assert_status(StatusCode::NOT_FOUND)
        .assert_contains("This page or record does not exist");
    assert!(res.header(header::CONTENT_TYPE).starts_with("text/html"));
    let res = call(&t, "DELETE", "/login", "", None, Body::empty()).await;
    res.assert_status(StatusCode::METHOD_NOT_ALLOWED)
        .assert_contains("This page does not take that action");
    assert!(res.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert!(res.header(header::ALLOW).contains("GET"));
}

#[tokio::test]
async fn unknown_open311_paths_answer_the_open311_error_document() {
    let t = TestApp::new().await;
    let res = t.get("/open311/v2/nope.json", "").await;
    res.assert_status(StatusCode::NOT_FOUND);
    assert!(
        res.header(header::CONTENT_TYPE)
            .starts_with("application/json")
    );
    let v = json(&res);
    assert_eq!(v[0]["code"], 404, "{}", res.body);
    let res = t.get("/open311/v2/nope.xml", "").await;
    res.assert_status(StatusCode::NOT_FOUND)
        .assert_contains("<errors><error><code>404</code>");
    let res = call(
        &t,
        "DELETE",
        "/open311/v2/requests.json",
        "",
        None,
        Body::empty(),
    )
    .await;
    res.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(json(&res)[0]["code"], 405, "{}", res.body);
    assert!(res.header(header::ALLOW).contains("GET"));
}

#[tokio::test]
async fn extractor_rejections_answer_json() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    let nodes = "/api/v1/org/nodes";
    // Malformed JSON.
    let res = call(
        &t,
        "POST",
        nodes,
        &admin,
        Some("application/json"),
        "{\"code\":",
    )
    .await;
    assert_json_error(&res, StatusCode::BAD_REQUEST, "malformed_json");
    // Well-formed, but a field of the wrong type or missing.
    let res = json_call(&t, "POST", nodes, &admin, serde_json::json!({"code": 5})).await;
    assert_json_error(&res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    // Not JSON at all.
    let res = call(&t, "POST", nodes, &admin, Some("text/plain"), "code=x").await;
    assert_json_error(
        &res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let res = call(&t, "POST", nodes, &admin, None, "{}").await;
    assert_json_error(
        &res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    // Larger than the body limit.
    let big = format!("{{\"code\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let res = call(&t, "POST", nodes, &admin, Some("application/json"), big).await;
    assert_json_error(&res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    // A path or query value of the wrong type.
    let res = t.get("/api/v1/org/nodes/not-a-number", &admin).await;
    assert_json_error(&res, StatusCode::BAD_REQUEST, "invalid_path");
    let res = t.get("/api/v1/users?limit=many", &admin).await;
    assert_json_error(&res, StatusCode::BAD_REQUEST, "invalid_query");
}

#[tokio::test]
async fn a_huge_offset_does_not_overflow() {
    let t = TestApp::new().await;
    // The street admin's listing is narrowed to scopes (the path that added the
    // offset to the limit); the admin's is not.
    for who in ["street", "admin"] {
        let cookies = t.login(who).await;
        let res = t
            .get(
                &format!("/api/v1/users?limit=500&offset={}", i64::MAX),
                &cookies,
            )
            .await;
        res.assert_status(StatusCode::OK);
        assert_eq!(json(&res), serde_json::json!([]), "{who}");
    }
}

/// Ledger records in a grid of the other community (outside every S1 account's scope):
/// (grid, room, household, resident).
async fn ledger_elsewhere(t: &TestApp) -> (i64, i64, i64, i64) {
    let grid = node(
        &t.app,
        Some(t.nodes.other_community),
        "TC-D-S2-C1-G1",
        "和平一网格",
        "Heping Grid One",
        None,
    )
    .await;
    let (room, household) = t
        .household_in(grid, ("5", "1", "501", Some(5)), "owner", None)
        .await;
    let resident = t
        .resident(ResidentInput {
            household_id: household,
            name: "赵六".into(),
            gender: Some("male".into()),
            birth_date: Some("1960-05-06".into()),
            relation: "head".into(),
            ..ResidentInput::default()
        })
        .await;
    (grid, room, household, resident)
}

/// What a missing record answers, with the id replaced so bodies compare equal.
fn normalised(res: &TestResponse, id: i64) -> (StatusCode, String) {
    (res.status, res.body.replace(&id.to_string(), "ID"))
}

#[tokio::test]
async fn ledger_records_out_of_sight_are_not_found_like_missing_ones() {
    let t = TestApp::new().await;
    let (grid, _room, household, resident) = ledger_elsewhere(&t).await;
    let missing = 9_999_999;
    let staff = t.login("staff").await;
    let grid_worker = t.login("grid").await;
    for cookies in [&staff, &grid_worker] {
        for (template, id) in [
            ("/api/v1/ledger/residents/{id}", resident),
            ("/api/v1/ledger/households/{id}", household),
            ("/api/v1/ledger/grids/{id}/board", grid),
            ("/api/v1/ledger/population/{id}", grid),
        ] {
            let at = |id: i64| template.replace("{id}", &id.to_string());
            let out = t.get(&at(id), cookies).await;
            assert_json_error(&out, StatusCode::NOT_FOUND, "not_found");
            let none = t.get(&at(missing), cookies).await;
            assert_eq!(
                normalised(&out, id),
                normalised(&none, missing),
                "{template}"
            );
        }
        // Writes too.
        for (method, template, body) in [
            (
                "PATCH",
                "/api/v1/ledger/residents/{id}",
                serde_json::json!({"name": "张三", "reason": "test"}),
            ),
            (
                "POST",
                "/api/v1/ledger/residents/{id}/unmask",
                serde_json::json!({"purpose": "test"}),
            ),
        ] {
            let at = |id: i64| template.replace("{id}", &id.to_string());
            let out = json_call(&t, method, &at(resident), cookies, body.clone()).await;
            assert_json_error(&out, StatusCode::NOT_FOUND, "not_found");
            let none = json_call(&t, method, &at(missing), cookies, body).await;
            assert_eq!(
                normalised(&out, resident),
                normalised(&none, missing),
                "{template}"
            );
        }
        // A household named in the body: the same objection as a missing one.
        let add = |h: i64| {
            serde_json::json!({"household_id": h, "name": "钱七", "gender": "female",
                "birth_date": "1990-01-02", "relation": "other", "reason": "test"})
        };
        let out = json_call(
            &t,
            "POST",
            "/api/v1/ledger/residents",
            cookies,
            add(household),
        )
        .await;
        let none = json_call(
            &t,
            "POST",
            "/api/v1/ledger/residents",
            cookies,
            add(missing),
        )
        .await;
        assert_json_error(&out, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
        assert_eq!(normalised(&out, household), normalised(&none, missing));
    }
    // The HTML pages answer the not-found page alike.
    let out = t
        .get(&format!("/ledger/residents/{resident}"), &staff)
        .await;
    let none = t.get(&format!("/ledger/residents/{missing}"), &staff).await;
    out.assert_status(StatusCode::NOT_FOUND);
    none.assert_status(StatusCode::NOT_FOUND);
    // One who sees a record but may not do this is refused, as before: the street
    // admin of S1 views the ledger there but does not edit it or unmask.
    let street = t.login("street").await;
    let in_scope = ledger_elsewhere_in_s1(&t).await;
    let res = json_call(
        &t,
        "PATCH",
        &format!("/api/v1/ledger/residents/{in_scope}"),
        &street,
        serde_json::json!({"name": "张三", "reason": "test"}),
    )
    .await;
    assert_json_error(&res, StatusCode::FORBIDDEN, "forbidden");
    // One who may not use the ledger anywhere is refused alike, existing or not.
    let resident_user = t.login("resident").await;
    for id in [in_scope, resident, missing] {
        let res = t
            .get(&format!("/api/v1/ledger/residents/{id}"), &resident_user)
            .await;
        assert_json_error(&res, StatusCode::FORBIDDEN, "forbidden");
    }
}

/// A resident record in grid G1 of S1.
async fn ledger_elsewhere_in_s1(t: &TestApp) -> i64 {
    t.household_of_one(t.nodes.grid, "1", "101", "孙八").await.2
}

#[tokio::test]
async fn nodes_out_of_sight_are_not_found_like_missing_ones() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let other = t.nodes.other_community;
    let missing = 9_999_999;
    for (method, path, body) in [
        ("GET", "/api/v1/org/nodes/{id}", None),
        ("GET", "/api/v1/org/nodes?parent_id={id}", None),
        (
            "PATCH",
            "/api/v1/org/nodes/{id}",
            Some(serde_json::json!({"name_en": "Renamed"})),
        ),
    ] {
        let send = |id: i64| {
            let path = path.replace("{id}", &id.to_string());
            let body = body.clone();
            let t = &t;
            let staff = &staff;
            async move {
                match body {
                    Some(b) => json_call(t, method, &path, staff, b).await,
                    None => t.get(&path, staff).await,
                }
            }
        };
        let out = send(other).await;
        assert_json_error(&out, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(
            normalised(&out, other),
            normalised(&send(missing).await, missing),
            "{method} {path}"
        );
    }
    // A parent named in the body: the same objection as a missing one.
    let create = |parent: i64| serde_json::json!({"parent_id": parent, "code": "NEW-X", "name_zh": "新", "name_en": "New"});
    let out = json_call(&t, "POST", "/api/v1/org/nodes", &staff, create(other)).await;
    let none = json_call(&t, "POST", "/api/v1/org/nodes", &staff, create(missing)).await;
    assert_json_error(&out, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert_eq!(normalised(&out, other), normalised(&none, missing));
    // In sight but not manageable: refused. A grid worker sees its grid, may not edit.
    let grid_worker = t.login("grid").await;
    let res = json_call(
        &t,
        "PATCH",
        &format!("/api/v1/org/nodes/{}", t.nodes.grid),
        &grid_worker,
        serde_json::json!({"name_en": "Renamed"}),
    )
    .await;
    assert_json_error(&res, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn requests_cannot_be_raised_at_places_out_of_sight() {
    let t = TestApp::new().await;
    let (grid, room, _household, resident) = ledger_elsewhere(&t).await;
    let staff = t.login("staff").await;
    let missing = 9_999_999;
    let intake = |field: &str, id: i64| {
        let mut b = serde_json::json!({
            "description": "楼道灯坏了好几天", "category": "public_facilities",
            "channel": "staff_phone", "contact_phone": "13812345678",
        });
        b[field] = id.into();
        b
    };
    for (field, id) in [("grid_id", grid), ("room_id", room)] {
        let out = json_call(&t, "POST", "/api/v1/requests", &staff, intake(field, id)).await;
        let none = json_call(
            &t,
            "POST",
            "/api/v1/requests",
            &staff,
            intake(field, missing),
        )
        .await;
        assert_json_error(&out, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
        assert_eq!(normalised(&out, id), normalised(&none, missing), "{field}");
    }
    // A resident of the ledger named on whose behalf: the same.
    let behalf = |r: i64| {
        let mut b = intake("grid_id", t.nodes.grid);
        b["resident_id"] = r.into();
        b
    };
    let out = json_call(&t, "POST", "/api/v1/requests", &staff, behalf(resident)).await;
    let none = json_call(&t, "POST", "/api/v1/requests", &staff, behalf(missing)).await;
    assert_json_error(&out, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    assert_eq!(normalised(&out, resident), normalised(&none, missing));
}

#[tokio::test]
async fn a_request_is_assigned_only_to_someone_who_can_work_on_it_there() {
    let t = TestApp::new().await;
    let sys = Actor::system();
    let id = t
        .app
        .submit_request(
            &sys,
            NewRequest {
                channel: Channel::StaffPhone,
                category: Some("noise".into()),
                description: "楼下装修噪音从早上七点开始".into(),
                grid_id: Some(t.nodes.grid),
                building_id: None,
                room_id: None,
                point: None,
                address: "1栋".into(),
                on_behalf: Some(OnBehalf {
                    contact_phone: Some("13812345678".into()),
                    ..OnBehalf::default()
                }),
                public: false,
                received_at: None,
            },
        )
        .await
        .expect("request")
        .id;
    let RequestId(id) = id;
    let staff = t.login("staff").await;
    let user_id = |name: &str| {
        let app = t.app.clone();
        let name = name.to_owned();
        async move {
            app.list_users(&Actor::system(), Some(name.as_str()), 10, 0)
                .await
                .expect("users")
                .into_iter()
                .find(|u| u.username == name)
                .map(|u| u.id)
                .expect("user")
        }
    };
    let assign = |user: i64| {
        serde_json::json!({"action": "assign", "party": "role:grid_worker", "user_id": user,
            "reason": "test"})
    };
    let path = format!("/api/v1/requests/{id}/transitions");
    // Not a grid worker at all (a resident of the grid; the other community's staff),
    // or nobody: refused on the field.
    for user in [
        user_id("resident").await,
        user_id("other_staff").await,
        9_999_999,
    ] {
        let res = json_call(&t, "POST", &path, &staff, assign(user)).await;
        assert_json_error(&res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
        assert!(
            json(&res)["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("user_id")),
            "{}",
            res.body
        );
    }
    // A grid worker of another grid: not where the request is.
    let other_grid_worker = t
        .app
        .create_user(
            &sys,
            &civicgrid_app::platform::users::NewUser {
                username: "grid2-worker".into(),
                display_name: "Grid two".into(),
                password: PASSWORD.into(),
                role: "grid_worker".into(),
                node_id: t.nodes.grid2,
            },
            None,
        )
        .await
        .expect("user")
        .id;
    let res = json_call(&t, "POST", &path, &staff, assign(other_grid_worker)).await;
    assert_json_error(&res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    // The grid worker of its grid takes it.
    let res = json_call(&t, "POST", &path, &staff, assign(user_id("grid").await)).await;
    res.assert_status(StatusCode::OK);
    assert_eq!(json(&res)["assignee_user_id"], user_id("grid").await);
}

fn csrf_cookie(res: &TestResponse) -> Option<String> {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|c| c.strip_prefix("cg_csrf="))
        .filter_map(|c| c.split(';').next())
        .map(str::to_owned)
        .next_back()
}

#[tokio::test]
async fn signing_in_and_out_renews_the_csrf_token() {
    let t = TestApp::new().await;
    let before = format!("cg_csrf={CSRF}");
    let res = t
        .post_form(
            "/login",
            &[
                ("_csrf", CSRF),
                ("username", "staff"),
                ("password", PASSWORD),
                ("next", "/"),
            ],
            &before,
        )
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let fresh = csrf_cookie(&res).expect("a new CSRF cookie at sign-in");
    assert_ne!(fresh, CSRF);
    assert_eq!(
        res.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter(|v| v.as_bytes().starts_with(b"cg_csrf="))
            .count(),
        1
    );
    // A failed sign-in changes nothing.
    let res = t
        .post_form(
            "/login",
            &[
                ("_csrf", CSRF),
                ("username", "staff"),
                ("password", "wrong-password"),
            ],
            &before,
        )
        .await;
    assert_eq!(csrf_cookie(&res), None);
    // Signing out renews it again.
    let cookies = t.login("staff").await;
    let res = t.post_form("/logout", &[("_csrf", CSRF)], &cookies).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let after = csrf_cookie(&res).expect("a new CSRF cookie at sign-out");
    assert_ne!(after, CSRF);
    // The API's sign-in returns the renewed token and sets it.
    let res = json_call(
        &t,
        "POST",
        "/api/v1/session",
        &before,
        serde_json::json!({"username": "staff", "password": PASSWORD}),
    )
    .await;
    res.assert_status(StatusCode::OK);
    let set = csrf_cookie(&res).expect("a new CSRF cookie from the API");
    assert_ne!(set, CSRF);
    assert_eq!(json(&res)["csrf_token"], set.as_str());
}

#[tokio::test]
async fn the_openapi_document_lists_the_error_answers() {
    let t = TestApp::new().await;
    let res = t.get("/api/openapi.json", "").await;
    res.assert_status(StatusCode::OK);
    let doc = json(&res);
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            let has = |s: &str| responses.contains_key(s);
            let name = format!("{method} {path}");
            assert!(has("400"), "{name}: 400");
            let is_error = |s: &str| {
                op["responses"][s]["content"]["application/json"]["schema"]["$ref"]
                    == "#/components/schemas/ErrorBody"
            };
            assert!(is_error("400"), "{name}: 400 is not the error body");
            if op.get("requestBody").is_some() {
                for s in ["413", "415", "422"] {
                    assert!(has(s) && is_error(s), "{name}: {s}");
                }
            }
            if path.contains('{') {
                assert!(has("404") && is_error("404"), "{name}: 404");
            }
            if op.get("security") != Some(&serde_json::json!([{}])) {
                assert!(has("401") && has("403"), "{name}: 401/403");
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} operations");
}
