//! Commitments (落实事项) through the pages and the API: staff start one only from a
//! vote that closed and passed, with an owner of the same community; the owner's member
//! posts progress with a photo (wrong and oversized files told apart) and ticks
//! milestones; staff link a request of the community and record spending; anyone reads
//! the page with its overdue milestone and whole history, and the vote's result page
//! and the hub list it.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use civicgrid_app::domain::participation::votes::{Electorate, VoteKind, VoteSpec, VoteState};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::domain::requests::ResponderKind;
use civicgrid_app::participation::votes::Tally;
use civicgrid_store::participation::votes::{self as votes_repo, VoteRecord};

use super::support::multipart::{File, submit as submit_multipart};
use super::support::{PASSWORD, TestApp, user};

/// A households' proposal of the test community stored as `state`, its published
/// result saying `passed`.
async fn vote(t: &TestApp, title: &str, state: VoteState, passed: Option<bool>) -> i64 {
    let mut tx = t.app.db().begin_write().await.unwrap();
    let place = civicgrid_store::platform::org::get(&mut tx, t.nodes.community)
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let tally = Tally {
        counted_at: now,
        electorate: 10,
        electorate_area_centi: 0,
        ballots: 8,
        choices: Vec::new(),
        passed,
        art278: None,
        counts: None,
        rounds: None,
        winner: None,
        buildings: Vec::new(),
    };
    let v = VoteRecord {
        id: 0,
        node_id: t.nodes.community,
        scope: place.path.clone(),
        estate_id: None,
        spec: VoteSpec {
            kind: VoteKind::Proposal,
            title: title.into(),
            body: String::new(),
            options: Vec::new(),
            max_choices: 1,
            ranked: false,
            electorate: Electorate::Households,
            min_age: 18,
            matter: None,
        },
        state,
        closes_at: now,
        created_by: None,
        created_at: now,
        opened_at: Some(now),
        closed_at: None,
        total_area: 0,
        total_heads: 10,
        result: None,
        version: 1,
    };
    let id = votes_repo::insert_vote(&mut tx, &v).await.unwrap();
    let closed = (state == VoteState::Closed).then_some(now);
    let stored = VoteRecord {
        id,
        closed_at: closed,
        result: closed.map(|_| serde_json::to_string(&tally).unwrap()),
        ..v
    };
    votes_repo::update_vote(&mut tx, &stored)
        .await
        .unwrap()
        .unwrap();
    civicgrid_store::commit(tx).await.unwrap();
    id
}

/// A 2×2 PNG.
fn tiny_png() -> Vec<u8> {
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(data);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 2u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&2u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    v.extend(chunk(b"IHDR", &ihdr));
    v.extend(chunk(b"IDAT", &[1, 2, 3, 4]));
    v.extend(chunk(b"IEND", &[]));
    v
}

fn id_in(location: &str) -> i64 {
    location
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|n| n.parse().ok())
        .expect("an id in the redirect")
}

fn day(offset: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn a_passed_vote_is_followed_to_delivery_in_public() {
    let t = TestApp::new().await;
    let sys = Actor::system();
    let passed = vote(&t, "东门延时开放", VoteState::Closed, Some(true)).await;
    let failed = vote(&t, "拆除花坛", VoteState::Closed, Some(false)).await;
    let open = vote(&t, "增设快递柜", VoteState::Open, None).await;
    let company = t
        .app
        .create_responder_org(
            &sys,
            ResponderKind::PropertyCompany,
            "湖光物业",
            t.nodes.community,
        )
        .await
        .unwrap();
    let elsewhere = t
        .app
        .create_responder_org(
            &sys,
            ResponderKind::PropertyCompany,
            "和平物业",
            t.nodes.other_community,
        )
        .await
        .unwrap();
    let member = user(
        &t.app,
        "deliverer",
        PASSWORD,
        "responder",
        t.nodes.community,
    )
    .await;
    t.app
        .set_responder_member(&sys, company.id, member, true)
        .await
        .unwrap();
    let staff = t.login("staff").await;
    let deliverer = t.login("deliverer").await;
    let resident = t.login("resident").await;

    // Only passed votes are offered; the form names what is wrong.
    t.get(
        &format!("/participation/commitments/new?vote={passed}"),
        &staff,
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("东门延时开放")
    .assert_contains("湖光物业");
    let (passed_s, failed_s, open_s) = (passed.to_string(), failed.to_string(), open.to_string());
    let (company_s, elsewhere_s) = (company.id.to_string(), elsewhere.id.to_string());
    for v in [&failed_s, &open_s] {
        t.submit(
            "/participation/commitments",
            &[&[("vote_id", v), ("title", "试试")]],
            &staff,
        )
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("Choose a vote that closed and passed");
    }
    t.submit(
        "/participation/commitments",
        &[&[
            ("vote_id", &passed_s),
            ("title", "东门"),
            ("owner_org_id", &elsewhere_s),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("Choose an organisation of this community");
    t.submit(
        "/participation/commitments",
        &[&[
            ("vote_id", &passed_s),
            ("title", "东门"),
            ("m1_title", "开工"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("Give the due date as YYYY-MM-DD");
    // A resident may not start one.
    t.submit(
        "/participation/commitments",
        &[&[("vote_id", &passed_s), ("title", "东门")]],
        &resident,
    )
    .await
    .assert_refused();

    let (past, later) = (day(-3), day(20));
    let made = t
        .submit(
            "/participation/commitments",
            &[&[
                ("vote_id", &passed_s),
                ("title", "东门夜间开放延长至23点"),
                ("summary", "加装照明，安排保安值守"),
                ("owner_org_id", &company_s),
                ("m1_title", "加装照明"),
                ("m1_due", &past),
                ("m2_title", "保安值守"),
                ("m2_due", &later),
            ]],
            &staff,
        )
        .await;
    made.assert_status(StatusCode::SEE_OTHER);
    let id = id_in(made.location());
    let path = format!("/participation/commitments/{id}");

    // Public: no sign-in needed; the overdue milestone says so; the source in words.
    let page = t.get(&path, "").await;
    page.assert_status(StatusCode::OK)
        .assert_contains("东门夜间开放延长至23点")
        .assert_contains("Vote “东门延时开放” (passed)")
        .assert_contains("湖光物业")
        .assert_contains("Overdue")
        .assert_contains("Planned");
    assert!(
        !page.body.contains("Post progress"),
        "no forms for visitors"
    );
    t.get_in(&path, "", "zh-CN")
        .await
        .assert_contains("已逾期")
        .assert_contains("落实单位");

    // The owner's member: a wrong file and an oversized one are told apart.
    let updates = format!("{path}/updates");
    let text = File {
        field: "photo",
        name: "a.txt",
        content_type: "image/png",
        data: b"not an image at all",
    };
    submit_multipart(
        &t,
        &updates,
        &deliverer,
        &[("update", "照明已装好")],
        Some(text),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("Only JPEG, PNG or WebP images are accepted");
    let mut big = tiny_png();
    big.resize(8 * 1024 * 1024 + 16, 0);
    let big_file = File {
        field: "photo",
        name: "big.png",
        content_type: "image/png",
        data: &big,
    };
    submit_multipart(
        &t,
        &updates,
        &deliverer,
        &[("update", "照明已装好")],
        Some(big_file),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("The photo is larger than 8 MB");
    let png = tiny_png();
    let good = File {
        field: "photo",
        name: "gate.png",
        content_type: "image/png",
        data: &png,
    };
    submit_multipart(
        &t,
        &updates,
        &deliverer,
        &[("update", "照明已装好")],
        Some(good),
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let view = t.app.commitment(None, id).await.unwrap();
    let photo = view.updates[0].photos[0];
    let img = t
        .send(
            Request::get(format!("/participation/commitments/photos/{photo}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    img.assert_status(StatusCode::OK);
    assert_eq!(img.header(axum::http::header::CONTENT_TYPE), "image/png");

    // The member ticks the overdue milestone; a resident may not.
    let first = view.milestones[0].m.id.to_string();
    let tick = format!("{path}/milestones/tick");
    t.submit(
        &tick,
        &[&[("milestone_id", &first), ("done", "1")]],
        &resident,
    )
    .await
    .assert_refused();
    t.submit(
        &tick,
        &[&[("milestone_id", &first), ("done", "1")]],
        &deliverer,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);

    // Staff link a request of the community and record the maintenance fund's spending.
    let req = t
        .app
        .submit_request(
            &sys,
            super::support::requests::noise_by_phone(t.nodes.grid, true),
        )
        .await
        .unwrap();
    let req_s = req.id.0.to_string();
    t.submit(
        &format!("{path}/requests"),
        &[&[("request_id", &req_s)]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.submit(
        &format!("{path}/requests"),
        &[&[("request_id", &req_s)]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let spend = format!("{path}/spending");
    let spent_on = day(-1);
    t.submit(
        &spend,
        &[&[
            ("what", "灯具"),
            ("amount", "十八"),
            ("spent_on", &spent_on),
            ("payer", "专项维修资金"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("Give the amount in yuan");
    t.submit(
        &spend,
        &[&[
            ("what", "灯具"),
            ("amount", "18600"),
            ("spent_on", &spent_on),
            ("payer", "专项维修资金"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    // Not delivered while a milestone is open.
    t.submit(&format!("{path}/state"), &[&[("to", "delivered")]], &staff)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    let page = t.get(&path, "").await;
    page.assert_status(StatusCode::OK)
        .assert_contains("In progress")
        .assert_contains(&req.number)
        .assert_contains("¥18,600.00")
        .assert_contains("照明已装好")
        .assert_contains(&format!("/participation/commitments/photos/{photo}"));
    // The history in time order.
    let at = |s: &str| {
        page.body
            .find(s)
            .unwrap_or_else(|| panic!("{s} on the page"))
    };
    assert!(at("Created from the vote") < at("Progress posted"));
    assert!(at("Progress posted") < at("Spending recorded"));

    // The API reads the same, without signing in.
    let api = t
        .send(
            Request::get(format!("/api/v1/commitments/{id}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    api.assert_status(StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["commitment"]["state"], "in_progress");
    assert_eq!(v["spent_fen"], 1_860_000);
    assert_eq!(v["milestones"][0]["overdue"], false);

    // The vote's result page and the hub list it; the failed vote has nothing.
    t.get(&format!("/participation/votes/{passed}/result"), "")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&path);
    let start = format!("/participation/commitments/new?vote={passed}");
    t.get(&format!("/participation/votes/{passed}/result"), &staff)
        .await
        .assert_contains(&start);
    let public = t
        .get(&format!("/participation/votes/{passed}/result"), &resident)
        .await;
    assert!(!public.body.contains(&start), "only staff start one");
    let none = t
        .get(&format!("/participation/votes/{failed}/result"), &staff)
        .await;
    none.assert_contains("No commitment follows this decision yet.");
    assert!(!none.body.contains("/participation/commitments/new"));
    t.get("/participation", &resident)
        .await
        .assert_contains(&path);
    t.get("/", &deliverer)
        .await
        .assert_contains("Commitments being delivered");

    // Every change is in the audit log, in words.
    let admin = t.login("admin").await;
    t.get_in("/audit", &admin, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("落实事项立项")
        .assert_contains("发布落实进展")
        .assert_contains("落实节点完成")
        .assert_contains("记录落实支出");
}

#[tokio::test]
async fn the_api_creates_and_refuses_by_field() {
    let t = TestApp::new().await;
    let passed = vote(&t, "东门延时开放", VoteState::Closed, Some(true)).await;
    let staff = t.login("staff").await;
    let other = t.login("other_staff").await;
    let body = format!(
        r#"{{"vote_id":{passed},"title":"东门","milestones":[{{"title":"开工","due_on":"2027-01-31"}}]}}"#
    );
    // Out of the caller's places, the vote is as if missing.
    let r = t.json("POST", "/api/v1/commitments", &other, &body).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("vote_id");
    let r = t.json("POST", "/api/v1/commitments", &staff, &body).await;
    r.assert_status(StatusCode::CREATED);
    let c: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["state"], "planned");
    let bad = t
        .json(
            "POST",
            &format!("/api/v1/commitments/{id}/spending"),
            &staff,
            r#"{"what":"灯具","amount_fen":0,"spent_on":"2026-12-01","payer":"维修资金"}"#,
        )
        .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("amount");
    let list = t.json("GET", "/api/v1/commitments", &staff, "").await;
    list.assert_status(StatusCode::OK).assert_contains("东门");
    // Another community's staff may not change it.
    t.json(
        "PUT",
        &format!("/api/v1/commitments/{id}"),
        &other,
        r#"{"title":"改名"}"#,
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
}
