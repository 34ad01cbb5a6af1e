//! The request policy (deadlines, escalation, poor ratings, duplicates) edited on the
//! settings page and through the API.

use axum::http::StatusCode;

use crate::support::requests::{POLICY_DEFAULTS, api_get, json, parsed, policy_json};
use crate::support::{CSRF, TestApp};

/// The policy form (the defaults) with some fields changed.
fn policy_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    std::iter::once(("_csrf", CSRF))
        .chain(POLICY_DEFAULTS.iter().map(|(k, v)| {
            changes
                .iter()
                .find(|(ck, _)| ck == k)
                .map_or((*k, *v), |(ck, cv)| (*ck, *cv))
        }))
        .collect()
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
    let before = api_get(&t, "/api/v1/requests/policy", &admin).await;
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
    let got = api_get(&t, "/api/v1/requests/policy", &staff).await;
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

    let got = api_get(&t, "/api/v1/requests/policy", &resident).await;
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
    let again = parsed(&api_get(&t, "/api/v1/requests/policy", &staff).await);
    assert_eq!(again, v);
}
