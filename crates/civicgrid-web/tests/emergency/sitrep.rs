//! The situation report from live data: a flood in the community, a welfare-check
//! campaign with one household needing medicine and one not reached, water issued to a
//! household, an incident logged and an urgent request open. The report page, its
//! workbook and the API all say the same figures; the street admin's report of their
//! street holds the community; another community's staff find nothing; a drill is
//! marked as one.

use std::io::Cursor;

use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use civicgrid_app::domain::platform::access::Actor;

use super::support::{TestApp, TestResponse};

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).expect("JSON")
}

/// The id at the end of a redirect's path (`/emergency/7?done=…` → 7).
fn id_in(res: &TestResponse) -> i64 {
    res.assert_status(StatusCode::SEE_OTHER);
    res.location()
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|s| s.parse().ok())
        .expect("an id")
}

#[tokio::test]
async fn the_situation_report_counts_what_happened() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let street = t.login("street").await;
    let other_staff = t.login("other_staff").await;
    let grid_id = t
        .app
        .actor_of_account(&Actor::system(), "grid")
        .await
        .expect("account")
        .user_id
        .expect("id");
    let community = t.nodes.community.to_string();
    let (_, alone, _) = t.household_of_one(t.nodes.grid, "3", "302", "孙秀兰").await;
    let (_, away, _) = t.household_of_one(t.nodes.grid, "3", "101", "周建国").await;

    // Nothing runs: the street's report says so.
    t.get_in("/emergency/sitrep", &street, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("目前辖区内没有进行中的应急响应");

    let id = id_in(
        &t.submit(
            "/emergency",
            &[&[
                ("node", community.as_str()),
                ("kind", "emergency"),
                ("hazard", "flood"),
                ("level", "2"),
                ("reason", "长江水位超警戒"),
            ]],
            &staff,
        )
        .await,
    );
    let checker = format!("checker_{grid_id}");
    let campaign = id_in(
        &t.submit(
            &format!("/emergency/{id}/campaigns"),
            &[&[
                ("campaign_node", community.as_str()),
                ("hours", "6"),
                (checker.as_str(), "1"),
            ]],
            &staff,
        )
        .await,
    );
    let check = |household: i64, outcome: &'static str, key: &'static str| {
        vec![
            ("household_id", household.to_string()),
            ("outcome", outcome.to_owned()),
            ("client_key", key.to_owned()),
            ("need_medicine", "1".to_owned()),
        ]
    };
    for (h, outcome, key) in [(alone, "needs_help", "s-1"), (away, "not_reached", "s-2")] {
        let f = check(h, outcome, key);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        t.submit(
            &format!("/emergency/campaigns/{campaign}/checks"),
            &[&f],
            &staff,
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    }
    t.submit(
        &format!("/emergency/{id}/incidents"),
        &[&[
            ("incident_kind", "decision"),
            ("incident_text", "启用社区服务中心为临时安置点"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);

    // Two boxes of water issued to the household.
    let depot = json(
        &t.json(
            "POST",
            "/api/v1/depots",
            &staff,
            &format!(r#"{{"node_id":{community},"name":"幸福社区应急仓库"}}"#),
        )
        .await
        .body,
    )["depot"]["id"]
        .as_i64()
        .expect("depot");
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
    .assert_status(StatusCode::SEE_OTHER);
    let water = json(
        &t.json("GET", "/api/v1/material-items", &staff, "")
            .await
            .body,
    )[0]["id"]
        .as_i64()
        .expect("item");
    t.json(
        "POST",
        &format!("/api/v1/depots/{depot}/movements"),
        &staff,
        &format!(r#"{{"kind":"receive","item_id":{water},"quantity":10,"batch_code":"B1"}}"#),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let request = id_in(
        &t.submit(
            "/materials/requests",
            &[&[
                ("household_id", &alone.to_string()),
                ("item_0", &water.to_string()),
                ("quantity_0", "2"),
            ]],
            &staff,
        )
        .await,
    );
    t.submit(
        &format!("/materials/requests/{request}/issue"),
        &[&[
            ("depot_id", &depot.to_string()),
            ("deliverer_id", &grid_id.to_string()),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);

    // The page.
    let path = format!("/emergency/{id}/sitrep");
    t.get_in(&path, &staff, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("应急情况报告")
        .assert_contains("3栋1单元302室")
        .assert_contains("启用社区服务中心为临时安置点")
        .assert_contains("矿泉水550ml")
        .assert_contains("1 / 2");
    t.get(&path, &other_staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&format!("{path}?format=pdf"), &staff)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    // The API says the same.
    let api = json(
        &t.json(
            "GET",
            &format!("/api/v1/emergencies/{id}/sitrep"),
            &staff,
            "",
        )
        .await
        .body,
    );
    let total = &api["total"];
    assert_eq!(
        (
            total["targeted"].as_i64(),
            total["checked"].as_i64(),
            total["needing_help"].as_i64(),
            total["unreached"].as_i64(),
            total["materials_on_the_way"].as_i64(),
        ),
        (Some(2), Some(1), Some(1), Some(1), Some(1))
    );
    assert_eq!(total["needs"][0]["need"], "medicine");
    assert_eq!(total["needs"][0]["households"], 1);
    let section = &api["sections"][0];
    assert_eq!(section["issued"][0]["quantity"], 2);
    assert_eq!(section["needing_help"][0]["room"], "302");
    assert_eq!(section["incidents"].as_array().map(Vec::len), Some(1));

    // The workbook: a summary row per community and a total, and the households.
    let xlsx = t
        .get_in(&format!("{path}?format=xlsx"), &staff, "zh-CN")
        .await;
    xlsx.assert_status(StatusCode::OK);
    let mut book = Xlsx::new(Cursor::new(xlsx.bytes.clone())).expect("a workbook");
    let names = book.sheet_names();
    assert_eq!(names, ["概况", "需要帮助的住户", "物资发放", "事件记录"]);
    let summary = book.worksheet_range("概况").expect("summary");
    let rows: Vec<Vec<Data>> = summary.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(rows[0][0], Data::String("社区".into()));
    assert_eq!(rows.len(), 3, "heading, the community, the total");
    assert_eq!(rows[1][3], Data::Float(2.0), "targeted");
    assert_eq!(rows[2][0], Data::String("合计".into()));
    let help = book.worksheet_range("需要帮助的住户").expect("help");
    assert_eq!(
        help.get((1, 1)),
        Some(&Data::String("3栋1单元302室".into()))
    );
    assert_eq!(help.get((1, 2)), Some(&Data::String("药品".into())));

    // The street admin's report of what runs in the street holds the community.
    let all = json(
        &t.json("GET", "/api/v1/emergencies/sitrep", &street, "")
            .await
            .body,
    );
    assert_eq!(all["sections"].as_array().map(Vec::len), Some(1));
    assert_eq!(all["total"]["needing_help"], 1);
    t.get_in("/emergency/sitrep", &street, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("辖区应急情况报告")
        .assert_contains("3栋1单元302室");
    // Another community's staff follow nothing of it.
    let none = json(
        &t.json("GET", "/api/v1/emergencies/sitrep", &other_staff, "")
            .await
            .body,
    );
    assert_eq!(none["sections"].as_array().map(Vec::len), Some(0));
}
