//! What the request tests share: reading ids and JSON out of answers, the report,
//! action, rating and intake forms, a request worked to its resolution, a photo, and
//! the request policy as JSON.

use axum::http::StatusCode;
use civicgrid_app::domain::requests::Channel;
use civicgrid_app::requests::intake::{NewRequest, OnBehalf};

use super::{TestApp, TestResponse, multipart};

/// The id in a `Location: /requests/<id>?done=…` redirect.
pub fn id_from(res: &TestResponse) -> i64 {
    res.location()
        .trim_start_matches("/requests/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no request id in {:?}: {}", res.location(), res.body))
}

/// The body of a JSON answer.
pub fn parsed(res: &TestResponse) -> serde_json::Value {
    serde_json::from_str(&res.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", res.body))
}

/// A JSON call from a signed-in browser.
pub async fn json(
    t: &TestApp,
    method: &str,
    path: &str,
    cookies: &str,
    body: &str,
) -> TestResponse {
    t.json(method, path, cookies, body).await
}

/// A JSON read from a signed-in browser.
pub async fn api_get(t: &TestApp, path: &str, cookies: &str) -> TestResponse {
    t.json("GET", path, cookies, "").await
}

/// Posts the action form of request `id` with `fields`.
pub async fn act(t: &TestApp, cookies: &str, id: i64, fields: &[(&str, &str)]) -> TestResponse {
    t.submit(&format!("/requests/{id}/act"), &[fields], cookies)
        .await
}

/// A resident raises `text` about `category` at 3栋东侧 in the test grid, with `extra`
/// fields; the new request's id.
async fn raise(
    t: &TestApp,
    cookies: &str,
    text: &str,
    category: &str,
    extra: &[(&str, &str)],
) -> i64 {
    let grid = t.nodes.grid.to_string();
    let report = [
        ("description", text),
        ("category", category),
        ("place", "grid"),
        ("grid_id", grid.as_str()),
        ("address", "3栋东侧"),
    ];
    let res = t.submit("/requests", &[&report, extra], cookies).await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert!(res.location().contains("done=request_submitted"));
    id_from(&res)
}

/// A request the resident raised about public facilities in the test grid.
pub async fn report(t: &TestApp, cookies: &str, text: &str) -> i64 {
    raise(t, cookies, text, "public_facilities", &[]).await
}

/// A request the resident raised about `category` in the test grid, shown publicly.
pub async fn report_publicly(t: &TestApp, cookies: &str, text: &str, category: &str) -> i64 {
    raise(t, cookies, text, category, &[("public", "1")]).await
}

/// Posts the action form; the action must be taken.
pub async fn act_ok(t: &TestApp, cookies: &str, id: i64, fields: &[(&str, &str)]) {
    act(t, cookies, id, fields)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

/// Staff accept request `id`, give it to the grid workers and start on it.
pub async fn start_work(t: &TestApp, staff: &str, id: i64) {
    act_ok(t, staff, id, &[("action", "accept")]).await;
    act_ok(
        t,
        staff,
        id,
        &[("action", "assign"), ("party", "role:grid_worker")],
    )
    .await;
    act_ok(t, staff, id, &[("action", "start")]).await;
}

/// Staff take request `id` through to its resolution, saying `note` was done.
pub async fn resolve(t: &TestApp, staff: &str, id: i64, note: &str) {
    start_work(t, staff, id).await;
    act_ok(t, staff, id, &[("action", "resolve"), ("reason", note)]).await;
}

/// Posts the rating form of request `id` with `fields`.
pub async fn rate(t: &TestApp, cookies: &str, id: i64, fields: &[(&str, &str)]) -> TestResponse {
    t.submit(&format!("/requests/{id}/rate"), &[fields], cookies)
        .await
}

/// A request the resident raised, resolved by staff and rated 1 of 5 (flagged under
/// the "flag" policy).
pub async fn poorly_rated(t: &TestApp, resident: &str, staff: &str, text: &str) -> i64 {
    let id = report(t, resident, text).await;
    resolve(t, staff, id, "已处理").await;
    rate(t, resident, id, &[("rating", "1"), ("comment", "没修好")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    id
}

/// An administrator sets the policy so that a poor rating flags the request for a
/// supervisor instead of reopening it.
pub async fn flag_poor_ratings(t: &TestApp, admin: &str) {
    let policy = policy_json(&[("poor_rating", "flag".into())]);
    t.json("PUT", "/api/v1/requests/policy", admin, &policy)
        .await
        .assert_status(StatusCode::OK);
}

/// A tiny PNG `width` × `height`, with a text chunk saying `text` if there is one.
pub fn png(width: u32, height: u32, text: Option<&[u8]>) -> Vec<u8> {
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
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    v.extend(chunk(b"IHDR", &ihdr));
    if let Some(text) = text {
        v.extend(chunk(b"tEXt", text));
    }
    v.extend(chunk(b"IDAT", &[1, 2, 3, 4]));
    v.extend(chunk(b"IEND", &[]));
    v
}

/// A photo of `data` in a request's upload form, claiming to be `content_type`.
pub fn photo<'a>(content_type: &'a str, data: &'a [u8]) -> multipart::File<'a> {
    multipart::File {
        field: "photo",
        name: "photo",
        content_type,
        data,
    }
}

/// A call about renovation noise from 7 in the morning at 1栋 in `grid`, taken by phone
/// with the caller's number, shown publicly if `public`.
pub fn noise_by_phone(grid: i64, public: bool) -> NewRequest {
    NewRequest {
        channel: Channel::StaffPhone,
        category: Some("noise".into()),
        description: "楼下装修噪音从早上七点开始".into(),
        grid_id: Some(grid),
        building_id: None,
        room_id: None,
        point: None,
        address: "1栋".into(),
        on_behalf: Some(OnBehalf {
            contact_phone: Some("13812345678".into()),
            ..OnBehalf::default()
        }),
        public,
        received_at: None,
    }
}

/// Staff take a call (channel, category, description) in the test grid, with the
/// caller's contact and any `more` fields.
pub async fn take(
    t: &TestApp,
    staff: &str,
    (channel, category, description): (&str, &str, &str),
    more: &[(&str, &str)],
) -> TestResponse {
    let grid = t.nodes.grid.to_string();
    let call = [
        ("channel", channel),
        ("description", description),
        ("category", category),
        ("grid_id", grid.as_str()),
    ];
    t.submit("/requests/intake", &[&call, more], staff).await
}

/// Staff take a phone call about a dark street lamp in the test grid; `fields` add to
/// or override the form.
pub async fn take_call(t: &TestApp, staff: &str, fields: &[(&str, &str)]) -> TestResponse {
    let mut more = vec![("contact_phone", "13812345678")];
    more.extend_from_slice(fields);
    let call = (
        "staff_phone",
        "public_facilities",
        "小区东门路灯不亮，晚上很黑",
    );
    take(t, staff, call, &more).await
}

/// The request policy's defaults as form fields.
pub const POLICY_DEFAULTS: &[(&str, &str)] = &[
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

/// The request policy as JSON: the defaults, with `changes`.
pub fn policy_json(changes: &[(&str, serde_json::Value)]) -> String {
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
