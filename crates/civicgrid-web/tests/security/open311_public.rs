//! See `security.rs`. Public reads of requests show no contact data: Open311 (one
//! request and the list, JSON and XML, status updates) without a token that may view
//! the request reads what the public board reads — text without phone numbers, ID
//! numbers or e-mail addresses, the address no finer than building and unit, the
//! point rounded to about 100 m. A post's visibility is its category's rule.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::platform::tokens::NewToken;
use serde_json::Value;

use crate::support::*;

const DESCRIPTION: &str = "车辆占用消防通道，请联系王先生13812345678或座机010-12345678，\
     +86 139 8765 4321，身份证11010519491231002X，邮箱wang@example.org，3栋2单元门口";
const REDACTED_DESCRIPTION: &str = "车辆占用消防通道，请联系王先生***或座机***，\
     ***，身份证***，邮箱***，3栋2单元门口";
const ADDRESS: &str = "3栋2单元501室 电话0755 1234 5678";

/// What must never reach the public, in any field or format.
const SECRETS: &[&str] = &[
    "13812345678",
    "010-12345678",
    "139 8765 4321",
    "11010519491231002X",
    "wang@example.org",
    "0755 1234 5678",
    "1234 5678",
    "501室",
    "30.5012",
    "114.2761",
    "小明",
];

async fn token(t: &TestApp, name: &str, node_id: i64) -> String {
    t.app
        .create_token(
            &Actor::system(),
            &NewToken {
                name: name.into(),
                role: "community_staff".into(),
                node_id,
            },
            None,
        )
        .await
        .expect("token")
        .secret
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(t: &TestApp, key: &str, service_code: &str) -> String {
    let res = t
        .send(
            Request::post("/open311/v2/requests.json")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form(&[
                    ("api_key", key),
                    ("service_code", service_code),
                    ("lat", "30.5012345"),
                    ("long", "114.2761234"),
                    ("address_string", ADDRESS),
                    ("description", DESCRIPTION),
                    ("first_name", "小明"),
                    ("last_name", "王"),
                    ("phone", "13812345678"),
                ])))
                .expect("request"),
        )
        .await;
    res.assert_status(StatusCode::CREATED);
    let v: Value = serde_json::from_str(&res.body).expect("json");
    v[0]["service_request_id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

#[track_caller]
fn assert_no_secrets(what: &str, body: &str) {
    for secret in SECRETS {
        assert!(!body.contains(secret), "{what}: {secret:?} in\n{body}");
    }
}

/// What anyone without a token reads at `path`: answered, and without a secret.
async fn read_publicly(t: &TestApp, path: &str) -> TestResponse {
    let res = t.get(path, "").await;
    res.assert_status(StatusCode::OK);
    assert_no_secrets(path, &res.body);
    res
}

/// Whether the request the Open311 post answered with `id` is shown publicly.
async fn shown_publicly(t: &TestApp, id: &str) -> bool {
    t.app
        .request(
            &Actor::system(),
            civicgrid_app::domain::requests::RequestId(id.parse().expect("a number")),
        )
        .await
        .expect("the request")
        .public
}

#[track_caller]
fn assert_public_reading(r: &Value) {
    assert_eq!(r["description"], REDACTED_DESCRIPTION);
    assert_eq!(r["address"], "3栋2单元 电话***");
    assert_eq!(r["lat"], 30.501);
    assert_eq!(r["long"], 114.276);
}

#[tokio::test]
async fn anonymous_reads_show_no_contact_data() {
    let t = TestApp::new().await;
    let key = token(&t, "integrator", t.nodes.community).await;
    let id = post(&t, &key, "parking").await;

    // One request and the list, JSON: the public reading.
    let one = read_publicly(&t, &format!("/open311/v2/requests/{id}.json")).await;
    let v: Value = serde_json::from_str(&one.body).expect("json");
    assert_public_reading(&v[0]);
    for path in [
        "/open311/v2/requests.json".to_owned(),
        format!("/open311/v2/requests.json?service_request_id={id}"),
        "/open311/v2/requests.json?service_code=parking&status=open".to_owned(),
    ] {
        let list = read_publicly(&t, &path).await;
        let v: Value = serde_json::from_str(&list.body).expect("json");
        let r = v
            .as_array()
            .and_then(|l| l.iter().find(|r| r["service_request_id"] == id.as_str()))
            .unwrap_or_else(|| panic!("{path}: {id} not listed in {v}"));
        assert_public_reading(r);
    }

    // The same in XML.
    for path in [
        format!("/open311/v2/requests/{id}.xml"),
        "/open311/v2/requests.xml".to_owned(),
        format!("/open311/v2/requests.xml?service_request_id={id}"),
    ] {
        read_publicly(&t, &path)
            .await
            .assert_contains("<lat>30.501</lat>")
            .assert_contains("<long>114.276</long>")
            .assert_contains("<address>3栋2单元 电话***</address>")
            .assert_contains("请联系王先生***或座机***");
    }

    // Status updates, the token lookup and the public board.
    for path in [
        "/open311/v2/servicerequestupdates.json",
        "/open311/v2/servicerequestupdates.xml",
        "/requests/public",
    ] {
        read_publicly(&t, path).await;
    }
    let board = t.get("/requests/public", "").await;
    board.assert_contains(&format!("{:06}", id.parse::<i64>().expect("a number")));

    // A token of another community reads no more than the public.
    let other = token(&t, "elsewhere", t.nodes.other_community).await;
    let r = t
        .get(
            &format!("/open311/v2/requests/{id}.json?api_key={other}"),
            "",
        )
        .await;
    r.assert_status(StatusCode::OK);
    assert_no_secrets("another community's token", &r.body);

    // A token that may view the request reads it in full (never the contact fields).
    let r = t
        .get(&format!("/open311/v2/requests/{id}.json?api_key={key}"), "")
        .await;
    r.assert_status(StatusCode::OK);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(v[0]["description"], DESCRIPTION);
    assert_eq!(v[0]["address"], ADDRESS);
    assert_eq!(v[0]["lat"], 30.5012345);
    assert!(!r.body.contains("小明"));
}

#[tokio::test]
async fn a_post_is_public_only_when_its_category_is() {
    let t = TestApp::new().await;
    let key = token(&t, "integrator", t.nodes.community).await;
    // `noise` is a private category: posted through Open311 it stays private.
    let id = post(&t, &key, "noise").await;
    assert!(!shown_publicly(&t, &id).await);
    for path in [
        format!("/open311/v2/requests/{id}.json"),
        format!("/open311/v2/requests/{id}.xml"),
    ] {
        t.get(&path, "").await.assert_status(StatusCode::NOT_FOUND);
    }
    for path in [
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        "/open311/v2/servicerequestupdates.json",
        "/requests/public",
    ] {
        read_publicly(&t, path).await;
    }
    let list = t.get("/open311/v2/requests.json", "").await;
    assert_eq!(list.body, "[]");
    // `parking` is public: it shows.
    let id = post(&t, &key, "parking").await;
    assert!(shown_publicly(&t, &id).await);
}
