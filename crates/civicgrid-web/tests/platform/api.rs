//! The JSON API under `/api/v1`, driven through the real router: every endpoint's
//! happy path, the error contract for bad input and bad credentials, scopes, CSRF,
//! throttling, and the OpenAPI document against the route table.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use civicgrid_web::route_list;
use serde_json::{Value, json};

use crate::support::api::{ADMIN_PASSWORD, Api, cookies_from, square};

fn ids(list: &Value) -> BTreeSet<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn openapi_document_lists_every_api_route() {
    let api = Api::new().await;
    let req = Request::get("/api/openapi.json")
        .body(Body::empty())
        .unwrap();
    let doc = api.send(req).await;
    assert_eq!(doc.status, StatusCode::OK);
    let version = doc.body["openapi"].as_str().unwrap();
    assert!(version.starts_with("3."), "openapi version {version}");
    let paths = doc.body["paths"].as_object().unwrap();
    let mut registered = BTreeSet::new();
    for r in route_list()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1"))
    {
        let method = r.method.to_lowercase();
        assert!(
            paths.get(r.path).and_then(|p| p.get(&method)).is_some(),
            "{} {} is not in the OpenAPI document",
            r.method,
            r.path
        );
        registered.insert((method, r.path.to_owned()));
    }
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            assert!(
                registered.contains(&(method.clone(), path.clone())),
                "the document lists {method} {path}, which is not a route"
            );
        }
    }
    assert!(doc.body["components"]["securitySchemes"]["api_token"].is_object());
}

#[tokio::test]
async fn session_sign_in_csrf_and_sign_out() {
    let api = Api::new().await;
    let creds = json!({"username": "admin", "password": ADMIN_PASSWORD});
    let req = Request::post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(creds.to_string()))
        .unwrap();
    let login = api.send(req).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.body["user"]["username"], "admin");
    assert_eq!(login.body["roles"][0]["role"], "system_admin");
    assert!(login.body["expires_at"].as_str().unwrap().ends_with('Z'));
    assert!(!login.body.to_string().contains("password"));
    let csrf = login.body["csrf_token"].as_str().unwrap().to_owned();
    assert!(!csrf.is_empty());
    let cookie = cookies_from(&login);
    assert!(cookie.contains("cg_session=") && cookie.contains("cg_csrf="));
    assert!(login.header("set-cookie").contains("HttpOnly"));

    let me = api
        .with_cookie(Method::GET, "/api/v1/me", &cookie, None, None)
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["label"], "admin");

    let uri = format!("/api/v1/users/{}", api.admin_id);
    let edit = json!({"display_name": "Chief"});
    let no_csrf = api
        .with_cookie(Method::PATCH, &uri, &cookie, None, Some(edit.clone()))
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert_eq!(no_csrf.code(), "csrf_failed");
    let wrong = api
        .with_cookie(
            Method::PATCH,
            &uri,
            &cookie,
            Some("nope"),
            Some(edit.clone()),
        )
        .await;
    assert_eq!(wrong.code(), "csrf_failed");
    let ok = api
        .with_cookie(Method::PATCH, &uri, &cookie, Some(&csrf), Some(edit))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["display_name"], "Chief");

    let out = api
        .with_cookie(
            Method::DELETE,
            "/api/v1/session",
            &cookie,
            Some(&csrf),
            None,
        )
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    let after = api
        .with_cookie(Method::GET, "/api/v1/me", &cookie, None, None)
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.code(), "unauthenticated");

    let by_token = api.admin(Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(by_token.status, StatusCode::BAD_REQUEST);
    assert_eq!(by_token.code(), "no_session");
}

#[tokio::test]
async fn failed_sign_ins_are_throttled() {
    let api = Api::new().await;
    let attempt = |password: &str| {
        Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"username": "admin", "password": password}).to_string(),
            ))
            .unwrap()
    };
    for _ in 0..5 {
        let r = api.send(attempt("wrong-password")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.code(), "unauthenticated");
    }
    let r = api.send(attempt(ADMIN_PASSWORD)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code(), "too_many_attempts");
    let wait: i64 = r.header("retry-after").parse().unwrap();
    assert!(wait > 0);
}

#[tokio::test]
async fn org_nodes_list_read_create_and_edit() {
    let api = Api::new().await;
    let all = api.admin(Method::GET, "/api/v1/org/nodes", None).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body.as_array().unwrap().len(), 6);

    let uri = format!("/api/v1/org/nodes?parent_id={}", api.community_a);
    let children = api.admin(Method::GET, &uri, None).await;
    assert_eq!(ids(&children.body), BTreeSet::from([api.grid_a]));

    let uri = format!("/api/v1/org/nodes/{}", api.grid_a);
    let grid = api.admin(Method::GET, &uri, None).await;
    assert_eq!(grid.status, StatusCode::OK);
    let node = &grid.body["node"];
    assert_eq!(node["kind"], "grid");
    assert_eq!(node["code"], "C-D-S-A-1");
    assert_eq!(node["boundary"]["type"], "Polygon", "boundary is an object");
    assert!(node["created_at"].as_str().unwrap().ends_with('Z'));
    let ancestors = grid.body["ancestor_ids"].as_array().unwrap();
    assert_eq!(ancestors.len(), 4);
    assert_eq!(ancestors[0], api.city);
    assert_eq!(ancestors[3], api.community_a);
    assert_eq!(grid.body["counts"]["grid"], 1);

    let boundary: Value = serde_json::from_str(&square(121.0, 31.0)).unwrap();
    let new = json!({
        "parent_id": api.community_b, "code": "C-D-S-B-1", "name_zh": "二网格",
        "name_en": "Grid B1", "boundary": boundary, "reason": "new estate"
    });
    let created = api
        .admin(Method::POST, "/api/v1/org/nodes", Some(new))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["kind"], "grid");
    assert_eq!(created.body["boundary"]["type"], "Polygon");
    let location = created.header("location").to_owned();
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/org/nodes/{id}"));
    let fetched = api.admin(Method::GET, &location, None).await;
    assert_eq!(fetched.body["node"]["name_en"], "Grid B1");

    let rename = json!({"name_en": "Lakeside grid", "reason": "renamed"});
    let edited = api.admin(Method::PATCH, &location, Some(rename)).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.body["name_en"], "Lakeside grid");
    assert_eq!(edited.body["code"], "C-D-S-B-1", "absent fields are kept");
    assert_eq!(edited.body["boundary"]["type"], "Polygon");
    let cleared = api
        .admin(Method::PATCH, &location, Some(json!({"boundary": null})))
        .await;
    assert!(cleared.body["boundary"].is_null());

    let bad = json!({"code": "bad code!"});
    let invalid = api.admin(Method::PATCH, &location, Some(bad)).await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(invalid.code(), "invalid_input");
    assert!(
        invalid.body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("code")
    );

    let uri = format!("/api/v1/audit?target_type=org_node&target_id={id}");
    let trail = api.admin(Method::GET, &uri, None).await;
    assert_eq!(trail.body[0]["action"], "org.node.update");
    assert_eq!(trail.body[1]["reason"], "renamed");
    assert_eq!(trail.body[2]["action"], "org.node.create");
}

#[tokio::test]
async fn users_roles_passwords_and_sessions() {
    let api = Api::new().await;
    let new = json!({
        "username": "grid-worker-1", "display_name": "Wang", "password": "first-password",
        "role": "grid_worker", "node_id": api.grid_a, "reason": "hired"
    });
    let created = api.admin(Method::POST, "/api/v1/users", Some(new)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert!(!created.body.to_string().contains("password"));
    let id = created.body["id"].as_i64().unwrap();
    let location = created.header("location").to_owned();
    assert_eq!(location, format!("/api/v1/users/{id}"));

    let found = api
        .admin(
            Method::GET,
            "/api/v1/users?q=worker&limit=10&offset=0",
            None,
        )
        .await;
    assert_eq!(ids(&found.body), BTreeSet::from([id]));
    let page = api
        .admin(Method::GET, "/api/v1/users?limit=1&offset=1", None)
        .await;
    assert_eq!(page.body.as_array().unwrap().len(), 1);

    api.app
        .login("grid-worker-1", "first-password", "test", "test", None)
        .await
        .unwrap();
    let detail = api.admin(Method::GET, &location, None).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.body["user"]["display_name"], "Wang");
    assert_eq!(detail.body["roles"][0]["role"], "grid_worker");
    assert_eq!(detail.body["roles"][0]["node_id"], api.grid_a);
    assert_eq!(detail.body["live_sessions"], 1);

    let edit = json!({"display_name": "Wang Wei", "reason": "typo"});
    let edited = api.admin(Method::PATCH, &location, Some(edit)).await;
    assert_eq!(edited.body["display_name"], "Wang Wei");
    assert_eq!(edited.body["active"], true, "absent fields are kept");

    let uri = format!("{location}/password");
    let pw = json!({"password": "second-password", "reason": "forgotten"});
    let reset = api.admin(Method::POST, &uri, Some(pw)).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    let detail = api.admin(Method::GET, &location, None).await;
    assert_eq!(
        detail.body["live_sessions"], 0,
        "a reset signs the user out"
    );

    let uri = format!("{location}/roles");
    let grant = json!({"role": "volunteer", "node_id": api.community_a, "reason": "helps"});
    let granted = api.admin(Method::POST, &uri, Some(grant)).await;
    assert_eq!(granted.status, StatusCode::CREATED, "{}", granted.body);
    assert_eq!(granted.body["role"], "volunteer");
    let role_uri = granted.header("location").to_owned();
    let aid = granted.body["id"].as_i64().unwrap();
    assert_eq!(role_uri, format!("{location}/roles/{aid}"));
    let revoked = api
        .admin(Method::DELETE, &format!("{role_uri}?reason=moved"), None)
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let again = api.admin(Method::DELETE, &role_uri, None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    api.app
        .login("grid-worker-1", "second-password", "test", "test", None)
        .await
        .unwrap();
    let uri = format!("{location}/sessions?reason=lost%20phone");
    let out = api.admin(Method::DELETE, &uri, None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let detail = api.admin(Method::GET, &location, None).await;
    assert_eq!(detail.body["live_sessions"], 0);
    let trail = api
        .admin(
            Method::GET,
            &format!("/api/v1/audit?target_type=user&target_id={id}"),
            None,
        )
        .await;
    assert_eq!(trail.body[0]["action"], "user.sessions.revoke");
    assert_eq!(trail.body[0]["reason"], "lost phone");
}

#[tokio::test]
async fn audit_entries_are_chained_and_verified() {
    let api = Api::new().await;
    let page = api.admin(Method::GET, "/api/v1/audit?limit=3", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let entries = page.body.as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["prev_hash"], entries[1]["hash"]);
    let newest = entries[0]["seq"].as_i64().unwrap();
    assert!(newest > entries[1]["seq"].as_i64().unwrap());
    assert!(entries[0]["at"].as_str().unwrap().ends_with('Z'));
    assert!(entries[0]["details"].is_object());

    let uri = format!("/api/v1/audit?before_seq={newest}&limit=500");
    let older = api.admin(Method::GET, &uri, None).await;
    let older = older.body.as_array().unwrap();
    assert_eq!(older.len() as i64, newest - 1);
    assert_eq!(older[0]["seq"], newest - 1);

    let v = api.admin(Method::GET, "/api/v1/audit/verify", None).await;
    assert_eq!(v.status, StatusCode::OK);
    assert_eq!(v.body["intact"], true);
    assert!(v.body["first_break"].is_null());
    assert_eq!(v.body["head_seq"], newest);
    assert_eq!(v.body["checked"], newest);

    let staff = api
        .call(Method::GET, "/api/v1/audit", &api.staff_token, None)
        .await;
    assert_eq!(staff.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn tokens_are_shown_once_listed_and_revoked() {
    let api = Api::new().await;
    let new = json!({"name": "open311-bridge", "role": "auditor", "node_id": api.community_a});
    let created = api.admin(Method::POST, "/api/v1/tokens", Some(new)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("cg_"));
    let id = created.body["token"]["id"].as_i64().unwrap();
    assert_eq!(created.header("location"), format!("/api/v1/tokens/{id}"));

    let me = api.call(Method::GET, "/api/v1/me", &secret, None).await;
    assert_eq!(me.body["label"], "token:open311-bridge");

    let list = api.admin(Method::GET, "/api/v1/tokens", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body.as_array().unwrap().len(), 3);
    let text = list.body.to_string();
    assert!(!text.contains(&secret) && !text.contains("hash") && !text.contains("secret"));
    let mine = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap();
    assert_eq!(mine["role"], "auditor");
    assert!(mine["last_used_at"].is_string());
    assert!(mine["revoked_at"].is_null());

    let uri = format!("/api/v1/tokens/{id}?reason=rotated");
    let revoked = api.admin(Method::DELETE, &uri, None).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let gone = api.call(Method::GET, "/api/v1/me", &secret, None).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    let twice = api.admin(Method::DELETE, &uri, None).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.code(), "conflict");
}

#[tokio::test]
async fn bad_requests_get_clear_client_errors() {
    let api = Api::new().await;
    let nodes = "/api/v1/org/nodes";
    let json_ct = Some("application/json");
    let r = api
        .raw(Method::POST, nodes, json_ct, b"{\"code\": ".to_vec())
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );

    let body = json!({"username": "x-user", "display_name": "X", "password": "long-password",
        "role": "resident", "node_id": "not-a-number"});
    let r = api.admin(Method::POST, "/api/v1/users", Some(body)).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input")
    );
    let r = api
        .admin(Method::POST, nodes, Some(json!({"code": "X"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "missing fields");

    let r = api.raw(Method::POST, nodes, None, b"{}".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.code(), "unsupported_media_type");

    let r = api.admin(Method::GET, "/api/v1/org/nodes/abc", None).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "invalid_path")
    );
    let r = api.admin(Method::GET, "/api/v1/users/1.5", None).await;
    assert_eq!(r.code(), "invalid_path");
    let r = api
        .admin(Method::GET, "/api/v1/users?limit=many", None)
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "invalid_query")
    );

    for uri in ["/api/v1/org/nodes/999999", "/api/v1/users/999999"] {
        let r = api.admin(Method::GET, uri, None).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{uri}"
        );
    }
    let r = api
        .admin(Method::DELETE, "/api/v1/tokens/999999", None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let mut big = b"{\"code\":\"".to_vec();
    big.resize(api.config.max_body_bytes + 1, b'a');
    let r = api.raw(Method::POST, nodes, json_ct, big).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
}

#[tokio::test]
async fn callers_must_authenticate_and_stay_in_scope() {
    let api = Api::new().await;
    let r = api
        .call(Method::GET, "/api/v1/me", "cg_not-a-real-token", None)
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    let req = Request::get("/api/v1/org/nodes")
        .header(header::AUTHORIZATION, "Basic YWRtaW46eA==")
        .body(Body::empty())
        .unwrap();
    assert_eq!(api.send(req).await.status, StatusCode::UNAUTHORIZED);
    let req = Request::get("/api/v1/users").body(Body::empty()).unwrap();
    let r = api.send(req).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );

    let staff = &api.staff_token;
    let other = format!("/api/v1/org/nodes/{}", api.community_b);
    // Outside the caller's sight: not found, as a node that does not exist.
    let r = api.call(Method::GET, &other, staff, None).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"));
    let own = format!("/api/v1/org/nodes/{}", api.grid_a);
    assert_eq!(
        api.call(Method::GET, &own, staff, None).await.status,
        StatusCode::OK
    );
    let visible = api
        .call(Method::GET, "/api/v1/org/nodes", staff, None)
        .await;
    assert_eq!(
        ids(&visible.body),
        BTreeSet::from([api.community_a, api.grid_a])
    );

    let grid = json!({"parent_id": api.community_b, "code": "C-D-S-B-9",
        "name_zh": "外", "name_en": "Outside"});
    let r = api
        .call(Method::POST, "/api/v1/org/nodes", staff, Some(grid))
        .await;
    // A parent outside the caller's sight is refused as a missing one is.
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input")
    );
}
