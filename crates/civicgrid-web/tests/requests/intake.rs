//! Staff intake picks the caller's ledger record from a masked search.

use axum::http::StatusCode;
use civicgrid_app::ledger::ResidentInput;

use crate::support::TestApp;
use crate::support::requests::{api_get, id_from, parsed, take_call};

/// A resident record in the test grid: 王小明, phone ending 5678, 3栋 1单元 201.
async fn ledger_resident(t: &TestApp) -> i64 {
    let (_, household) = t
        .household_in(
            t.nodes.grid,
            ("3", "1", "201", Some(2)),
            "owner",
            Some("90"),
        )
        .await;
    t.resident(ResidentInput {
        household_id: household,
        name: "王小明".into(),
        gender: Some("male".into()),
        birth_date: Some("1950-05-06".into()),
        phone: Some("13912345678".into()),
        relation: "head".into(),
        ..ResidentInput::default()
    })
    .await
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
    let queue = api_get(&t, "/api/v1/requests?queue=scope", &staff).await;
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
    // The match says where they live as people say it, not "3 1 201".
    fragment.assert_contains("Bldg 3, Unit 1, Room 201");
    t.get_in(
        "/requests/intake/residents?resident_q=5678",
        &staff,
        "zh-CN,zh;q=0.9",
    )
    .await
    .assert_contains("3栋1单元201室");
    // Outside the searcher's area nothing is found.
    t.get("/requests/intake/residents?resident_q=5678", &other_staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Nothing found");
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
    let rec = civicgrid_store::requests::get_request(
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

#[tokio::test]
async fn a_call_entered_later_keeps_when_it_was_received() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    // Two hours ago in the community's time (UTC+8 by default).
    let local = chrono::Utc::now().naive_utc() + chrono::Duration::hours(8 - 2);
    let typed = local.format("%Y-%m-%dT%H:%M").to_string();
    let taken = take_call(&t, &staff, &[("received_at", typed.as_str())]).await;
    taken.assert_status(StatusCode::SEE_OTHER);
    let id = id_from(&taken);
    t.get_in(&format!("/requests/{id}"), &staff, "zh-CN")
        .await
        .assert_contains(&local.format("%Y-%m-%d %H:%M").to_string());

    // A time that is not one, or one still to come, names the field.
    let tomorrow = (local + chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    for wrong in ["昨天下午", tomorrow.as_str()] {
        let refused = take_call(&t, &staff, &[("received_at", wrong)]).await;
        refused
            .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
            .assert_contains("id=\"i-received\" type=\"datetime-local\" name=\"received_at\"")
            .assert_contains("aria-invalid=\"true\"");
    }
}

#[tokio::test]
async fn the_api_takes_when_a_call_was_received() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let body = |at: &str| {
        serde_json::json!({
            "description": "楼下烧烤店夜里很吵", "category": "noise",
            "channel": "staff_phone", "contact_phone": "13812345678",
            "grid_id": t.nodes.grid, "received_at": at,
        })
        .to_string()
    };
    let earlier = (chrono::Utc::now() - chrono::Duration::hours(3)).to_rfc3339();
    let made = t
        .json("POST", "/api/v1/requests", &staff, &body(&earlier))
        .await;
    made.assert_status(StatusCode::CREATED);
    let created = parsed(&made)["request"]["created_at"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .expect("created_at");
    let wanted = chrono::DateTime::parse_from_rfc3339(&earlier).unwrap();
    assert!(
        (created - wanted).num_seconds().abs() <= 1,
        "{created} vs {wanted}"
    );

    let later = (chrono::Utc::now() + chrono::Duration::hours(3)).to_rfc3339();
    let refused = t
        .json("POST", "/api/v1/requests", &staff, &body(&later))
        .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let message = parsed(&refused)["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.starts_with("received_at:"), "{message}");
}
