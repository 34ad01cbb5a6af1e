//! Notices through the real router: a notice narrowed by a ledger tag reaches the
//! households with it, a resident's reading is one receipt however often they open it,
//! coverage counts by building and household, the grid worker's follow-up list and
//! its outcomes, the poster's code, the board, and bad input named by its field.

use axum::http::{StatusCode, header};
use civicgrid_app::domain::platform::access::Actor;
use serde_json::Value;

use crate::support::ledger::zhang_xiuying;
use crate::support::{CSRF, TestApp};

/// Publishes a notice through the form as `cookies`; returns its id.
async fn publish(t: &TestApp, cookies: &str, fields: &[(&str, &str)]) -> i64 {
    let mut all = vec![("_csrf", CSRF), ("action", "publish")];
    all.extend_from_slice(fields);
    let res = t.post_form("/notices", &all, cookies).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let location = res.location();
    location
        .strip_prefix("/notices/")
        .and_then(|r| r.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no notice in {location}"))
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn coverage(t: &TestApp, cookies: &str, id: i64) -> Value {
    let res = t
        .json(
            "GET",
            &format!("/api/v1/notices/{id}/coverage"),
            cookies,
            "",
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    json(&res.body)
}

#[tokio::test]
async fn the_coverage_map_shades_grids_and_pins_buildings_by_read_share() {
    let t = TestApp::new().await;
    let (_, zhang) = zhang_xiuying(&t, Some("80"), &[]).await;
    t.household_of_one(t.nodes.grid, "4", "101", "李明").await;
    t.app
        .link_username_to_resident(&Actor::system(), zhang, "resident")
        .await
        .expect("link");
    let staff = t.login("staff").await;
    let resident = t.login("resident").await;
    let grid = t.nodes.grid.to_string();
    let id = publish(
        &t,
        &staff,
        &[
            ("scope_id", &grid),
            ("title_zh", "停水通知"),
            ("body_zh", "明天九点到十二点停水。"),
        ],
    )
    .await;
    t.get(&format!("/notices/{id}"), &resident)
        .await
        .assert_status(StatusCode::OK);
    // One of the grid's two households has read it (50%): the grid is in the middle
    // band; building 3 (1 of 1) is high, building 4 (0 of 1) low.
    let page = t
        .get_in(&format!("/notices/{id}/coverage"), &staff, "zh-CN")
        .await;
    page.assert_status(StatusCode::OK)
        .assert_contains("阅读地图")
        .assert_contains("<figure class=\"map coverage-map\"><svg")
        .assert_contains(&format!(
            "<path class=\"grid-area coverage-mid\" data-id=\"{}\"",
            t.nodes.grid
        ))
        .assert_contains("<title>第一网格 · 已读 1/2</title>")
        .assert_contains("class=\"pin pin-coverage-high\"")
        .assert_contains("<title>3栋 · 已读 1/1</title>")
        .assert_contains("class=\"pin pin-coverage-low\"")
        .assert_contains("<title>4栋 · 已读 0/1</title>")
        .assert_contains(
            "<span class=\"dot pin-coverage-mid\" aria-hidden=\"true\"></span>已读 50%–89%",
        );
    assert_eq!(
        page.body.matches("<circle class=\"pin ").count(),
        2,
        "{}",
        page.body
    );
    // English titles too.
    t.get_in(&format!("/notices/{id}/coverage"), &staff, "en")
        .await
        .assert_contains("<title>Grid One · read 1/2</title>");
    // Without a boundary there is nothing to draw, and the page says so.
    t.app
        .patch_node(
            &Actor::system(),
            t.nodes.grid,
            &civicgrid_app::platform::org::NodePatch {
                boundary: Some(None),
                ..Default::default()
            },
            Some("boundary redrawn later"),
        )
        .await
        .expect("remove boundary");
    let page = t
        .get_in(&format!("/notices/{id}/coverage"), &staff, "zh-CN")
        .await;
    page.assert_status(StatusCode::OK)
        .assert_contains("暂无地图");
    assert!(!page.body.contains("coverage-map"), "{}", page.body);
}

#[tokio::test]
async fn a_notice_narrowed_by_tag_reaches_only_the_households_with_it() {
    let t = TestApp::new().await;
    let (zhang_household, _) = zhang_xiuying(&t, Some("80"), &["elderly_alone"]).await;
    t.household_of_one(t.nodes.grid, "4", "101", "李明").await;
    let staff = t.login("staff").await;
    let community = t.nodes.community.to_string();
    let id = publish(
        &t,
        &staff,
        &[
            ("scope_id", &community),
            ("title_zh", "寒潮预警"),
            ("body_zh", "今晚降温，请独居老人注意保暖。"),
            ("target", "tags"),
            ("tag_elderly_alone", "1"),
        ],
    )
    .await;
    let c = coverage(&t, &staff, id).await;
    assert_eq!(c["households"], 1, "{c}");
    assert_eq!(c["households_read"], 0);
    let row = &c["recipients"][0];
    assert_eq!(row["household_id"], zhang_household);
    assert_eq!(row["building"], "3栋");
    assert_eq!(row["room"], "501");
    // Names on lists are masked.
    assert_eq!(row["name"], "张**");
    // A targeted notice is not on the public board.
    t.get(&format!("/notices/board/{community}"), "")
        .await
        .assert_status(StatusCode::OK);
    let board = t.get(&format!("/notices/board/{community}"), "").await;
    assert!(!board.body.contains("寒潮预警"), "{}", board.body);
}

#[tokio::test]
async fn a_resident_reading_is_one_receipt_and_coverage_counts_it() {
    let t = TestApp::new().await;
    let (_, zhang) = zhang_xiuying(&t, Some("80"), &[]).await;
    t.household_of_one(t.nodes.grid, "4", "101", "李明").await;
    t.app
        .link_username_to_resident(&Actor::system(), zhang, "resident")
        .await
        .expect("link");
    let staff = t.login("staff").await;
    let resident = t.login("resident").await;
    let grid = t.nodes.grid.to_string();
    let id = publish(
        &t,
        &staff,
        &[
            ("scope_id", &grid),
            ("title_zh", "停水通知"),
            ("body_zh", "明天九点到十二点停水。"),
            ("title_en", "Water off"),
            ("body_en", "Tomorrow 9 to 12."),
            ("pinned", "1"),
        ],
    )
    .await;
    // The inbox lists it unread; the resident reads it in their language.
    t.get_in("/notices", &resident, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("停水通知")
        .assert_contains("未读");
    for _ in 0..3 {
        t.get(&format!("/notices/{id}"), &resident)
            .await
            .assert_status(StatusCode::OK)
            .assert_contains("Water off")
            .assert_contains("You read this notice on");
    }
    let again = t
        .json("POST", &format!("/api/v1/notices/{id}/read"), &resident, "")
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(json(&again.body)["addressed_to_me"], true);
    let c = coverage(&t, &staff, id).await;
    assert_eq!(
        (c["households"].clone(), c["households_read"].clone()),
        (2.into(), 1.into()),
        "{c}"
    );
    let buildings = c["buildings"].as_array().cloned().unwrap_or_default();
    let read: Vec<(String, i64, i64)> = buildings
        .iter()
        .map(|b| {
            (
                b["building"].as_str().unwrap_or("").to_owned(),
                b["households"].as_i64().unwrap_or(-1),
                b["read"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(read, vec![("3栋".to_owned(), 1, 1), ("4".to_owned(), 1, 0)]);
    // The coverage page names rooms as people say them, with a bar per building.
    t.get_in(&format!("/notices/{id}/coverage"), &staff, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("3栋2单元501室")
        .assert_contains("4栋1单元101室")
        .assert_contains("住户：已读 1 户，共 2 户")
        .assert_contains("<svg")
        .assert_contains("table class=\"cards\"");
    // A resident may not see the coverage.
    t.get(&format!("/notices/{id}/coverage"), &resident)
        .await
        .assert_refused();
    // It is on the community's public board, readable without signing in.
    t.get(&format!("/notices/board/{}", t.nodes.community), "")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Water off");
    t.get(&format!("/notices/{id}"), "")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Tomorrow 9 to 12.");
}

#[tokio::test]
async fn the_grid_worker_follows_up_households_that_have_not_read() {
    let t = TestApp::new().await;
    zhang_xiuying(&t, Some("80"), &[]).await;
    let staff = t.login("staff").await;
    let grid_worker = t.login("grid").await;
    let community = t.nodes.community.to_string();
    let id = publish(
        &t,
        &staff,
        &[
            ("scope_id", &community),
            ("title_zh", "燃气安全检查"),
            ("body_zh", "本周六入户检查燃气管道。"),
            ("important", "1"),
            ("read_by", "2099-01-01T18:00"),
        ],
    )
    .await;
    // Before the deadline the list is a preview.
    t.get_in(&format!("/notices/{id}/follow-up"), &grid_worker, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("阅读截止时间未到")
        .assert_contains("3栋2单元501室");
    // The deadline passes.
    let mut tx = t.app.db().begin_write().await.expect("tx");
    civicgrid_store::raw_execute(
        &mut tx,
        "UPDATE notices SET read_by = 1 WHERE important = 1",
    )
    .await
    .expect("deadline");
    civicgrid_store::commit(tx).await.expect("commit");
    t.get("/notices", &grid_worker)
        .await
        .assert_contains("To tell at the door or by phone")
        .assert_contains("燃气安全检查");
    let c = coverage(&t, &grid_worker, id).await;
    let receipt = c["recipients"][0]["id"].as_i64().expect("receipt");
    let path = format!("/notices/receipts/{receipt}/follow-up");
    // A bad outcome is named.
    let bad = t
        .post_form(
            &path,
            &[
                ("_csrf", CSRF),
                ("outcome", "online"),
                ("notice_id", &id.to_string()),
            ],
            &grid_worker,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("outcome-error"), "{}", bad.body);
    // Not reached keeps it on the list; told by phone takes it off.
    let res = t
        .post_form(
            &path,
            &[("_csrf", CSRF), ("outcome", "not_reached")],
            &grid_worker,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    t.get(&format!("/notices/{id}/follow-up"), &grid_worker)
        .await
        .assert_contains("Not reached")
        .assert_contains("Bldg 3");
    let res = t
        .post_form(
            &path,
            &[("_csrf", CSRF), ("outcome", "phone")],
            &grid_worker,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    t.get(&format!("/notices/{id}/follow-up"), &grid_worker)
        .await
        .assert_contains("No households to follow up.");
    let c = coverage(&t, &staff, id).await;
    assert_eq!(c["households_read"], 1);
    assert_eq!(c["recipients"][0]["reading"], "phone");
    // Once read, another outcome is refused.
    let res = t
        .post_form(
            &path,
            &[("_csrf", CSRF), ("outcome", "in_person")],
            &grid_worker,
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    // Each outcome was audited.
    let audit = t.login("admin").await;
    t.get("/audit", &audit)
        .await
        .assert_contains("notice.follow_up");
}

#[tokio::test]
async fn a_poster_code_opens_its_notice() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let community = t.nodes.community.to_string();
    let id = publish(
        &t,
        &staff,
        &[
            ("scope_id", &community),
            ("title_zh", "电梯维修"),
            ("body_zh", "1栋电梯周三停运。"),
        ],
    )
    .await;
    let poster = t.get(&format!("/notices/{id}/poster"), &staff).await;
    poster.assert_status(StatusCode::OK);
    let marker = "class=\"code\" translate=\"no\">";
    let code: String = poster
        .body
        .split(marker)
        .nth(1)
        .map(|rest| rest.chars().take(6).collect())
        .unwrap_or_default();
    assert_eq!(code.len(), 6, "{}", poster.body);
    // Typed in lower case with a space, it still opens the notice, for anyone.
    let typed = format!("{} {}", &code[..3], &code[3..]).to_lowercase();
    let res = t
        .get(
            &format!("/notices/code?code={}", crate::support::form_encode(&typed)),
            "",
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.header(header::LOCATION), format!("/notices/{id}"));
    let wrong = t.get("/notices/code?code=ZZZZZZ", "").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("code-error"), "{}", wrong.body);
    // Only those who may manage the notice print it.
    let resident = t.login("resident").await;
    t.get(&format!("/notices/{id}/poster"), &resident)
        .await
        .assert_refused();
}

#[tokio::test]
async fn bad_notices_are_refused_naming_the_field() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let community = t.nodes.community;
    let cases = [
        (format!(r#"{{"scope_id": {community}}}"#), "title_zh"),
        (
            format!(r#"{{"scope_id": {community}, "title_zh": "停电", "body_zh": ""}}"#),
            "body_zh",
        ),
        (
            format!(
                r#"{{"scope_id": {community}, "title_zh": "停电", "body_zh": "明天", "important": true}}"#
            ),
            "read_by",
        ),
        (
            format!(
                r#"{{"scope_id": {community}, "title_zh": "停电", "body_zh": "明天", "target": "tags"}}"#
            ),
            "tags",
        ),
        (
            format!(
                r#"{{"scope_id": {community}, "title_zh": "停电", "body_zh": "明天", "target": "roles", "roles": ["resident"]}}"#
            ),
            "roles",
        ),
        (
            format!(
                r#"{{"scope_id": {}, "title_zh": "停电", "body_zh": "明天"}}"#,
                t.nodes.other_community
            ),
            "scope_id",
        ),
    ];
    for (body, field) in cases {
        let res = t.json("POST", "/api/v1/notices", &staff, &body).await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            res.body
        );
        let v = json(&res.body);
        assert_eq!(v["error"]["code"], "invalid_input");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap_or("")
                .starts_with(field),
            "{body}: {v}"
        );
    }
    // The form shows the objection beside the field, and keeps what was typed.
    let res = t
        .post_form(
            "/notices",
            &[
                ("_csrf", CSRF),
                ("scope_id", ""),
                ("title_zh", "停电通知"),
                ("body_zh", "明天"),
            ],
            &staff,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("scope_id-error"), "{}", res.body);
    assert!(res.body.contains("停电通知"));
    // A draft is not published, and nobody reads it but its writers.
    let res = t
        .json(
            "POST",
            "/api/v1/notices",
            &staff,
            &format!(r#"{{"scope_id": {community}, "title_zh": "草稿", "body_zh": "内容", "publish": false}}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let draft = json(&res.body);
    assert_eq!(draft["state"], "draft");
    let id = draft["id"].as_i64().unwrap_or(0);
    let resident = t.login("resident").await;
    let seen = t.get(&format!("/notices/{id}"), &resident).await;
    assert_eq!(seen.status, StatusCode::NOT_FOUND);
    let published = t
        .json("POST", &format!("/api/v1/notices/{id}/publish"), &staff, "")
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert_eq!(json(&published.body)["state"], "published");
}
