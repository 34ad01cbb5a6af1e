//! A community's staff open a depot, add items and receive batches; the board warns of
//! low stock and batches expiring soon. A household's material request is raised from
//! the ledger, issued to a volunteer, who confirms the hand-over on their phone page.
//! A request the community depot cannot fill asks the street depot, whose admin
//! transfers the stock through the API. Bad input is refused on its field; other
//! communities' staff find nothing; a volunteer sees only their own deliveries.

use axum::http::StatusCode;
use civicgrid_app::domain::platform::access::Actor;

use super::support::{TestApp, TestResponse};

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).expect("JSON")
}

fn redirected_to(res: &TestResponse, prefix: &str) {
    res.assert_status(StatusCode::SEE_OTHER);
    assert!(res.location().starts_with(prefix), "{}", res.location());
}

/// The id at the end of a redirect's path (`/materials/requests/7?done=…` → 7).
fn id_in(location: &str) -> i64 {
    location
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|s| s.parse().ok())
        .expect("an id")
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(days))
        .date_naive()
        .to_string()
}

#[tokio::test]
async fn materials_go_from_the_depot_to_the_door() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let street = t.login("street").await;
    let volunteer = t.login("volunteer").await;
    let other_staff = t.login("other_staff").await;
    let volunteer_id = t
        .app
        .actor_of_account(&Actor::system(), "volunteer")
        .await
        .expect("account")
        .user_id
        .expect("id");

    // A depot for the community, one for the street (through the API).
    let r = t
        .submit(
            "/materials/depots",
            &[&[
                ("depot_place", &t.nodes.community.to_string()),
                ("depot_name", "幸福社区应急仓库"),
                ("depot_address", "社区服务中心一楼"),
            ]],
            &staff,
        )
        .await;
    redirected_to(&r, "/materials/depots/");
    let depot = id_in(r.location());
    t.submit(
        "/materials/depots",
        &[&[
            ("depot_place", &t.nodes.community.to_string()),
            ("depot_name", " "),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("Name the depot");
    let created = t
        .json(
            "POST",
            "/api/v1/depots",
            &street,
            &format!(
                r#"{{"node_id":{},"name":"一号街道应急仓库"}}"#,
                t.nodes.street
            ),
        )
        .await;
    created.assert_status(StatusCode::CREATED);
    let street_depot = json(&created.body)["depot"]["id"].as_i64().expect("id");

    // Items, a batch expiring soon and a minimum above it.
    redirected_to(
        &t.submit(
            "/materials/items",
            &[&[
                ("item_name", "矿泉水550ml"),
                ("item_kind", "water"),
                ("item_unit", "box"),
            ]],
            &staff,
        )
        .await,
        "/materials?done=materials_item_added",
    );
    t.submit(
        "/materials/items",
        &[&[
            ("item_name", "矿泉水550ml"),
            ("item_kind", "water"),
            ("item_unit", "box"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let items = json(
        &t.json("GET", "/api/v1/material-items", &staff, "")
            .await
            .body,
    );
    let water = items[0]["id"].as_i64().expect("item");
    let water_s = water.to_string();
    let soon = in_days(10);
    let receive = |q: &'static str| {
        [
            ("kind", "receive"),
            ("item_id", water_s.as_str()),
            ("quantity", q),
            ("batch_code", "20260601"),
            ("expires_on", soon.as_str()),
        ]
    };
    let path = format!("/materials/depots/{depot}/movements");
    t.submit(&path, &[&receive("很多")], &staff)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("Give a quantity");
    redirected_to(
        &t.submit(&path, &[&receive("6")], &staff).await,
        &format!("/materials/depots/{depot}?done=materials_received"),
    );
    redirected_to(
        &t.submit(
            &format!("/materials/depots/{depot}/minimums"),
            &[&[("item_id", water_s.as_str()), ("minimum", "10")]],
            &staff,
        )
        .await,
        &format!("/materials/depots/{depot}?done=materials_minimum"),
    );
    t.get(&format!("/materials/depots/{depot}"), &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Below minimum")
        .assert_contains("Expires within 30 days")
        .assert_contains("矿泉水550ml");
    // The street's stock, through the API.
    t.json(
        "POST",
        &format!("/api/v1/depots/{street_depot}/movements"),
        &street,
        &format!(
            r#"{{"kind":"receive","item_id":{water},"quantity":100,"batch_code":"20260701"}}"#
        ),
    )
    .await
    .assert_status(StatusCode::CREATED);
    // A write-off needs its reason, and cannot take more than the batch holds.
    let board = json(
        &t.json("GET", &format!("/api/v1/depots/{depot}"), &staff, "")
            .await
            .body,
    );
    assert_eq!(board["lines"][0]["low"], true);
    let batch = board["lines"][0]["batches"][0]["id"]
        .as_i64()
        .expect("batch");
    t.json(
        "POST",
        &format!("/api/v1/depots/{depot}/movements"),
        &staff,
        &format!(r#"{{"kind":"write_off","batch_id":{batch},"quantity":7,"reason":"破损"}}"#),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.submit(
        &path,
        &[&[
            ("kind", "write_off"),
            ("batch_id", &batch.to_string()),
            ("quantity", "1"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    // A household of the ledger: an elderly woman living alone.
    let (_, household, _) = t.household_of_one(t.nodes.grid, "5", "501", "赵秀英").await;
    let head = t
        .app
        .household_card(&Actor::system(), household)
        .await
        .expect("card")
        .members[0]
        .id;
    t.app
        .set_resident_tags(&Actor::system(), head, &["elderly_alone".into()], None)
        .await
        .expect("tags");
    // Found by name on the form, then raised.
    t.get("/materials/requests/new?household_q=赵秀英", &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&format!("value=\"{household}\""));
    let r = t
        .submit(
            "/materials/requests",
            &[&[
                ("household_id", &household.to_string()),
                ("item_0", water_s.as_str()),
                ("quantity_0", "2"),
                ("request_note", "下午家里有人"),
            ]],
            &staff,
        )
        .await;
    redirected_to(&r, "/materials/requests/");
    let request = id_in(r.location());
    t.submit(
        "/materials/requests",
        &[&[("household_id", &household.to_string())]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("Choose items");
    t.get_in("/materials/requests", &staff, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("待分配")
        .assert_contains("独居老人")
        .assert_contains("赵**");
    // Out of sight for another community; not the volunteer's to see yet.
    t.get(&format!("/materials/requests/{request}"), &other_staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&format!("/materials/depots/{depot}"), &other_staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&format!("/materials/requests/{request}"), &volunteer)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Issued to the volunteer, who delivers it from their own page.
    redirected_to(
        &t.submit(
            &format!("/materials/requests/{request}/issue"),
            &[&[
                ("depot_id", &depot.to_string()),
                ("deliverer_id", &volunteer_id.to_string()),
            ]],
            &staff,
        )
        .await,
        &format!("/materials/requests/{request}?done=materials_issued"),
    );
    t.get("/", &volunteer)
        .await
        .assert_contains("households wait for your delivery");
    t.get_in("/materials/deliveries", &volunteer, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("5栋1单元501室")
        .assert_contains("下午家里有人");
    redirected_to(
        &t.submit(
            &format!("/materials/requests/{request}/delivered"),
            &[&[("handover", "交给本人"), ("from", "deliveries")]],
            &volunteer,
        )
        .await,
        "/materials/deliveries?done=materials_delivered",
    );
    let detail = json(
        &t.json(
            "GET",
            &format!("/api/v1/material-requests/{request}"),
            &staff,
            "",
        )
        .await
        .body,
    );
    assert_eq!(detail["request"]["status"], "delivered");
    assert_eq!(detail["movements"][0]["quantity"], -2);

    // Too little in the community depot: the street depot is asked, and transfers.
    let big = t
        .json(
            "POST",
            "/api/v1/material-requests",
            &staff,
            &format!(
                r#"{{"household_id":{household},"lines":[{{"item_id":{water},"quantity":20}}]}}"#
            ),
        )
        .await;
    big.assert_status(StatusCode::CREATED);
    let big = json(&big.body)["request"]["id"].as_i64().expect("id");
    t.json(
        "POST",
        &format!("/api/v1/material-requests/{big}/issue"),
        &staff,
        &format!(r#"{{"depot_id":{depot}}}"#),
    )
    .await
    .assert_status(StatusCode::CONFLICT);
    let transfers = json(
        &t.json("GET", "/api/v1/material-transfers", &street, "")
            .await
            .body,
    );
    assert_eq!(transfers[0]["quantity"], 16);
    assert_eq!(transfers[0]["may_decide"], true);
    let transfer = transfers[0]["id"].as_i64().expect("transfer");
    t.json(
        "POST",
        &format!("/api/v1/material-transfers/{transfer}"),
        &staff,
        r#"{"decision":"fulfil"}"#,
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    t.json(
        "POST",
        &format!("/api/v1/material-transfers/{transfer}"),
        &street,
        r#"{"decision":"fulfil","quantity":20}"#,
    )
    .await
    .assert_status(StatusCode::OK);
    t.get("/", &staff)
        .await
        .assert_contains("Emergency materials")
        .assert_contains("1 material requests waiting");
    let run = json(
        &t.json(
            "POST",
            &format!("/api/v1/depots/{depot}/allocate"),
            &staff,
            "",
        )
        .await
        .body,
    );
    assert_eq!(run["issued"][0], big);
    let ledger = json(
        &t.json(
            "GET",
            &format!("/api/v1/depots/{depot}/movements"),
            &auditor_cookie(&t).await,
            "",
        )
        .await
        .body,
    );
    let kinds: Vec<&str> = ledger
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["issue", "issue", "transfer_in", "issue", "receive"]);
}

async fn auditor_cookie(t: &TestApp) -> String {
    t.login("auditor").await
}
