//! Emergency mode through the real router: staff write a flood plan with a duty
//! roster, switch the community into a drill, which every page of the community marks
//! as a drill (a resident's too, not another community's); a request of an urgent
//! category gets the plan's short deadline; the checklist is ticked, the incident log
//! kept, and the community switched back with a closing note. Bad input is refused on
//! its field, and a second switch while one runs is refused.

mod support;

use axum::http::StatusCode;
use civicgrid_app::ledger::ResidentInput;
use serde_json::Value;
use support::TestApp;

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn a_community_switches_into_a_drill_and_back() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let resident = t.login("resident").await;
    let grid = t.login("grid").await;
    let other_staff = t.login("other_staff").await;
    let community = t.nodes.community.to_string();
    let staff_id = t
        .app
        .actor_of_account(
            &civicgrid_app::domain::platform::access::Actor::system(),
            "staff",
        )
        .await
        .unwrap()
        .user_id
        .unwrap()
        .to_string();

    // The plan starts from the flood template; the roster takes people serving here.
    t.get(
        &format!("/emergency/plans/edit?node={community}&hazard=flood"),
        &staff,
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("防汛应急预案");
    let plan = |steps: &'static str| {
        let community = community.clone();
        let staff_id = staff_id.clone();
        move || {
            vec![
                ("node", community.clone()),
                ("hazard", "flood".to_owned()),
                ("plan_title", "幸福社区防汛预案".to_owned()),
                ("steps", steps.to_owned()),
                ("cat_noise", "1".to_owned()),
                ("urgent_response_minutes", "10".to_owned()),
                ("urgent_resolution_minutes", "120".to_owned()),
                ("tag_elderly_alone", "1".to_owned()),
                ("duty_user_0", staff_id.clone()),
                ("duty_0", "总指挥".to_owned()),
                ("contact_0", "027-88886666".to_owned()),
            ]
        }
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let t = &t;
        let staff = staff.clone();
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.submit("/emergency/plans", &[&f], &staff).await
        }
    };
    post(plan("")())
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("List at least one step");
    post(plan("值班人员到岗\n逐户排查独居老人\n转移低洼地带群众")())
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // A reason is needed; then the community switches into a drill.
    let start = |reason: &'static str| {
        vec![
            ("node", community.clone()),
            ("kind", "drill".to_owned()),
            ("hazard", "flood".to_owned()),
            ("level", "3".to_owned()),
            ("reason", reason.to_owned()),
            ("notify", "1".to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let t = &t;
        let staff = staff.clone();
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.submit("/emergency", &[&f], &staff).await
        }
    };
    send(start(" "))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let r = send(start("汛期防汛演练")).await;
    r.assert_status(StatusCode::SEE_OTHER);
    let id: i64 = r
        .location()
        .trim_start_matches("/emergency/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("the situation");
    // A second switch while the drill runs is refused, naming the community.
    send(start("again"))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("emergency mode or a drill already");

    // Every household was told, the notice marked as a drill.
    t.get_in("/notices", &staff, "zh-CN")
        .await
        .assert_contains("【演练】");
    // Every page of the community says it is a drill; another community's does not.
    t.get_in("/", &resident, "zh-CN")
        .await
        .assert_contains("应急演练（非真实事件）")
        .assert_contains("幸福社区");
    let home = t.get("/", &other_staff).await;
    assert!(!home.body.contains("Drill (not a real event)"));
    t.get(&format!("/emergency/{id}"), &other_staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // The grid worker follows their community's drill; the roster and steps show.
    t.get(&format!("/emergency/{id}"), &grid)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("总指挥")
        .assert_contains("逐户排查独居老人");

    // An urgent category gets the plan's 10-minute response; parking, with the same
    // 30 minutes of its own, keeps them.
    let raise = |category: &'static str| {
        let t = &t;
        let resident = resident.clone();
        async move {
            let r = t
                .json(
                    "POST",
                    "/api/v1/requests",
                    &resident,
                    &format!(
                        r#"{{"category":"{category}","description":"楼上深夜施工","grid_id":{}}}"#,
                        t.nodes.grid
                    ),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            let due = json(&r.body)["request"]["response_due_at"]
                .as_str()
                .unwrap()
                .to_owned();
            chrono::DateTime::parse_from_rfc3339(&due).unwrap()
        }
    };
    let urgent = raise("noise").await;
    let usual = raise("parking").await;
    assert!(urgent < usual, "{urgent} is not before {usual}");

    // The checklist and the log; then back to normal with a closing note.
    t.submit(
        &format!("/emergency/{id}/steps/0"),
        &[&[("done", "1")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.submit(
        &format!("/emergency/{id}/steps/9"),
        &[&[("done", "1")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.submit(
        &format!("/emergency/{id}/incidents"),
        &[&[
            ("incident_kind", "decision"),
            ("incident_text", "转移低洼地带 12 户"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let s = json(
        &t.json("GET", &format!("/api/v1/emergencies/{id}"), &staff, "")
            .await
            .body,
    );
    assert!(s["checklist"][0]["done_at"].is_string(), "{s}");
    assert_eq!(s["incidents"][0]["text"], "转移低洼地带 12 户");
    assert_eq!(s["emergency"]["kind"], "drill");
    assert_eq!(s["roster"][0]["duty"], "总指挥");
    t.submit(
        &format!("/emergency/{id}/end"),
        &[&[("closing_note", "")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.submit(
        &format!("/emergency/{id}/end"),
        &[&[("closing_note", "演练结束，转移用时 40 分钟")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let home = t.get_in("/", &resident, "zh-CN").await;
    assert!(!home.body.contains("应急演练（非真实事件）"));
}

/// A resident of the first grid holding `tag` (none: untagged) in building `building`.
async fn household(t: &TestApp, building: &str, room: &str, name: &str, tag: &str) -> i64 {
    let (_, household) = t
        .household_in(t.nodes.grid, (building, "1", room, Some(3)), "owner", None)
        .await;
    t.resident(ResidentInput {
        household_id: household,
        name: name.into(),
        gender: Some("female".into()),
        birth_date: Some("1945-05-06".into()),
        relation: "head".into(),
        tags: if tag.is_empty() {
            Vec::new()
        } else {
            vec![tag.into()]
        },
        ..ResidentInput::default()
    })
    .await;
    household
}

#[tokio::test]
async fn a_welfare_check_campaign_reaches_the_households_that_need_it() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let grid = t.login("grid").await;
    let other_staff = t.login("other_staff").await;
    let alone = household(&t, "3", "302", "孙奶奶", "elderly_alone").await;
    let disabled = household(&t, "3", "101", "周爷爷", "disabled").await;
    household(&t, "5", "201", "吴先生", "").await;
    let grid_id = t
        .app
        .actor_of_account(
            &civicgrid_app::domain::platform::access::Actor::system(),
            "grid",
        )
        .await
        .unwrap()
        .user_id
        .unwrap();
    let community = t.nodes.community.to_string();
    let r = t
        .submit(
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
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let id = r
        .location()
        .trim_start_matches("/emergency/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    // The campaign needs a checker; then targets the care groups, split by building.
    let checker = format!("checker_{grid_id}");
    let start = |with_checker: bool| {
        let mut f = vec![
            ("campaign_node", community.clone()),
            ("ctag_elderly_alone", "1".to_owned()),
            ("ctag_disabled", "1".to_owned()),
            ("hours", "6".to_owned()),
        ];
        if with_checker {
            f.push((checker.as_str(), "1".to_owned()));
        }
        f
    };
    let post = |path: String, fields: Vec<(&str, String)>, who: String| {
        let t = &t;
        let fields: Vec<(String, String)> =
            fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        async move {
            let f: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            t.submit(&path, &[&f], &who).await
        }
    };
    post(
        format!("/emergency/{id}/campaigns"),
        start(false),
        staff.clone(),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("checker serving the community");
    let r = post(
        format!("/emergency/{id}/campaigns"),
        start(true),
        staff.clone(),
    )
    .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let campaign = r
        .location()
        .trim_start_matches("/emergency/campaigns/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    // The grid worker's phone page: the two households, room 101 first.
    let page = t.get_in("/emergency/checks", &grid, "zh-CN").await;
    page.assert_status(StatusCode::OK)
        .assert_contains("还有 2 户");
    let first = page.body.find("101").expect("room 101");
    let second = page.body.find("302").expect("room 302");
    assert!(first < second, "walking order");

    // Needs help without saying what is refused; a retry with the same key counts once.
    let check =
        |household: i64, outcome: &'static str, need: Option<&'static str>, key: &'static str| {
            let mut f = vec![
                ("household_id", household.to_string()),
                ("outcome", outcome.to_owned()),
                ("client_key", key.to_owned()),
            ];
            if let Some(n) = need {
                f.push(("need_medicine", n.to_owned()));
            }
            f
        };
    let path = format!("/emergency/campaigns/{campaign}/checks");
    post(
        path.clone(),
        check(alone, "needs_help", None, "k-1"),
        grid.clone(),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("Say what help is needed");
    for _ in 0..2 {
        post(
            path.clone(),
            check(alone, "needs_help", Some("1"), "k-2"),
            grid.clone(),
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    }
    post(
        path.clone(),
        check(disabled, "not_reached", None, "k-3"),
        grid.clone(),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let mut conn = t.app.db().read().await.unwrap();
    let checks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM welfare_checks")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(checks, 2);
    // The household needing medicine has a request raised by the check.
    let raised: String = sqlx::query_scalar(
        "SELECT q.description FROM welfare_checks c JOIN requests q ON q.id = c.request_id \
         WHERE c.household_id = $1",
    )
    .bind(alone)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert!(raised.contains("药品"), "{raised}");
    drop(conn);
    // Not reached: back on the list with one attempt.
    t.get_in("/emergency/checks", &grid, "zh-CN")
        .await
        .assert_contains("还有 1 户")
        .assert_contains("已尝试 1 次");

    // The board: 1 of 2 checked, 1 needing help, 1 not reached; staff reassign the
    // building; another community's staff find nothing.
    let board = format!("/emergency/campaigns/{campaign}");
    t.get_in(&board, &staff, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("1 / 2");
    t.get(&board, &other_staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let staff_id = t
        .app
        .actor_of_account(
            &civicgrid_app::domain::platform::access::Actor::system(),
            "staff",
        )
        .await
        .unwrap()
        .user_id
        .unwrap();
    let building: i64 = {
        let mut conn = t.app.db().read().await.unwrap();
        sqlx::query_scalar("SELECT building_id FROM welfare_targets WHERE household_id = $1")
            .bind(disabled)
            .fetch_one(&mut *conn)
            .await
            .unwrap()
    };
    post(
        format!("{board}/reassign"),
        vec![
            ("building_id", building.to_string()),
            ("checker_id", staff_id.to_string()),
        ],
        staff.clone(),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get_in("/emergency/checks", &grid, "zh-CN")
        .await
        .assert_contains("目前没有分给你的排查任务");
}

#[path = "emergency/materials.rs"]
mod materials;

#[path = "emergency/sitrep.rs"]
mod sitrep;

#[path = "emergency/plans_api.rs"]
mod plans_api;

#[path = "emergency/welfare.rs"]
mod welfare;
