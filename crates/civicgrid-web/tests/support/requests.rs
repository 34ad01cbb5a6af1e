//! What the request tests share: reading ids and JSON out of answers, the action and
//! intake forms, and the request policy as JSON.

use super::{CSRF, TestApp, TestResponse};

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

/// Posts the action form of request `id` with `fields`.
pub async fn act(t: &TestApp, cookies: &str, id: i64, fields: &[(&str, &str)]) -> TestResponse {
    let mut all = vec![("_csrf", CSRF)];
    all.extend_from_slice(fields);
    t.post_form(&format!("/requests/{id}/act"), &all, cookies)
        .await
}

/// Staff take a phone call about a dark street lamp in the test grid; `fields` add to
/// or override the form.
pub async fn take_call(t: &TestApp, staff: &str, fields: &[(&str, &str)]) -> TestResponse {
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
