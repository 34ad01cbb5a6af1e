//! A community's flood plan through the API: the template while nothing is written,
//! then written with its duty roster; bad input is refused on its field; another
//! community's staff find no such place.

use axum::http::StatusCode;
use civicgrid_app::domain::platform::access::Actor;

use super::support::TestApp;

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).expect("JSON")
}

#[tokio::test]
async fn a_plan_is_read_and_written_through_the_api() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let other_staff = t.login("other_staff").await;
    let grid_id = t
        .app
        .actor_of_account(&Actor::system(), "grid")
        .await
        .expect("account")
        .user_id
        .expect("id");
    let path = format!("/api/v1/emergency-plans/{}/flood", t.nodes.community);

    let template = t.json("GET", &path, &staff, "").await;
    template.assert_status(StatusCode::OK);
    let template = json(&template.body);
    assert_eq!(template["written"], false);
    assert!(!template["steps"].as_array().expect("steps").is_empty());

    // (The test's request catalogue is empty: no category is urgent.)
    let body = |categories: &str| {
        format!(
            r#"{{"title":"幸福社区防汛预案","steps":["值班到岗","逐户排查独居老人"],
            "urgent_categories":[{categories}],"urgent_response_minutes":15,
            "urgent_resolution_minutes":240,"check_tags":["elderly_alone"],
            "materials":["沙袋 200 个"],
            "roster":[{{"user_id":{grid_id},"duty":"值班员","contact":"027-8888"}}]}}"#
        )
    };
    let written = t.json("PUT", &path, &staff, &body("")).await;
    written.assert_status(StatusCode::OK);
    let written = json(&written.body);
    assert_eq!(written["written"], true);
    assert_eq!(written["title"], "幸福社区防汛预案");
    assert_eq!(written["roster"][0]["duty"], "值班员");
    assert_eq!(
        json(&t.json("GET", &path, &staff, "").await.body)["materials"][0],
        "沙袋 200 个"
    );

    t.json("PUT", &path, &staff, &body(r#""no_such_category""#))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("urgent_categories");
    t.json(
        "GET",
        &format!("/api/v1/emergency-plans/{}/meteor", t.nodes.community),
        &staff,
        "",
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("hazard");
    t.json("PUT", &path, &staff, r#"{"title":"x"}"#)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.json("GET", &path, &other_staff, "")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.json("PUT", &path, &other_staff, &body(""))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
