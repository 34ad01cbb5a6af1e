//! Deliberation through the pages and the API: a resident raises a proposal, a
//! neighbour's support reaches the community's threshold and puts it before the
//! residents' council, a comment is removed with its reason kept, the council's meeting
//! records its outcome; a proposal put to a vote becomes a draft vote; errors name the
//! field at fault.

use axum::http::StatusCode;
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::ResidentInput;
use serde_json::Value;

use super::support::{PASSWORD, TestApp, user};

/// A household in the test grid headed by `name`, linked to a new resident account
/// `username` (the seeded `resident` account when it exists): signed in, its cookies.
async fn neighbour(t: &TestApp, room: &str, name: &str, username: &str) -> String {
    let (_, household) = t
        .household_in(t.nodes.grid, ("1", "1", room, Some(1)), "owner", Some("90"))
        .await;
    let resident = t
        .resident(ResidentInput {
            household_id: household,
            name: name.into(),
            gender: Some("male".into()),
            birth_date: Some("1965-02-03".into()),
            relation: "head".into(),
            ..ResidentInput::default()
        })
        .await;
    if username != "resident" {
        user(&t.app, username, PASSWORD, "resident", t.nodes.grid).await;
    }
    t.app
        .link_username_to_resident(&Actor::system(), resident, username)
        .await
        .expect("link the account");
    t.login(username).await
}

/// The id at the end of a redirect such as `/participation/proposals/7?done=…`.
fn id_in(location: &str) -> i64 {
    location
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|n| n.parse().ok())
        .expect("an id in the redirect")
}

fn tomorrow_local() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1) + chrono::Duration::hours(8))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[tokio::test]
async fn a_proposal_gathers_support_and_the_council_decides_it() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let community = t.nodes.community.to_string();
    t.submit(
        "/participation/deliberation-rules",
        &[&[
            ("community_id", &community),
            ("threshold", "2"),
            ("window_days", "14"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let bad_rules = t
        .submit(
            "/participation/deliberation-rules",
            &[&[
                ("community_id", &community),
                ("threshold", "0"),
                ("window_days", "14"),
            ]],
            &staff,
        )
        .await;
    bad_rules.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_rules.body.contains("aria-invalid"),
        "the threshold is named"
    );

    let author = neighbour(&t, "301", "王建华", "resident").await;
    let other = neighbour(&t, "302", "李秀英", "neighbour").await;

    // A proposal without its reason is refused, naming the field.
    let fields: &[(&str, &str)] = &[
        ("title", "3栋北侧增设电动车充电桩"),
        ("description", "在3栋北侧空地增设10个充电桩"),
        ("cost", "30,000"),
    ];
    let missing = t
        .submit("/participation/proposals", &[fields], &author)
        .await;
    missing.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.body.contains("say why it is needed"),
        "{}",
        missing.body
    );

    let raised = t
        .submit(
            "/participation/proposals",
            &[fields, &[("reason", "楼道充电有火灾隐患")]],
            &author,
        )
        .await;
    raised.assert_status(StatusCode::SEE_OTHER);
    let id = id_in(raised.location());
    let page = format!("/participation/proposals/{id}");
    t.get_in(&page, &author, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("征集附议")
        .assert_contains("<strong>1</strong> / 2")
        .assert_contains("¥30,000.00");

    // The author's own support counted already; twice is refused.
    t.submit(&format!("{page}/support"), &[], &author)
        .await
        .assert_status(StatusCode::CONFLICT);
    // The neighbour's support reaches the threshold: the council's agenda.
    t.submit(&format!("{page}/support"), &[], &other)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    t.get_in(&page, &other, "zh-CN")
        .await
        .assert_contains("待议事会商议")
        .assert_contains("您已附议");

    // A comment, removed by staff with a reason that stays in its place.
    t.submit(
        &format!("{page}/comments"),
        &[&[("body", "支持！但别占消防通道")]],
        &other,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.submit(&format!("{page}/comments"), &[&[("body", "  ")]], &other)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let view = t
        .app
        .proposal(&Actor::system(), id)
        .await
        .expect("proposal");
    let comment = view.comments[0].id;
    t.submit(
        &format!("/participation/proposal-comments/{comment}/remove"),
        &[&[("reason", "other"), ("note", "")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    t.submit(
        &format!("/participation/proposal-comments/{comment}/remove"),
        &[&[("reason", "personal_data"), ("note", "")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let shown = t.get_in(&page, &author, "zh-CN").await;
    shown
        .assert_contains("已被管理员删除")
        .assert_contains("泄露个人信息");
    assert!(
        !shown.body.contains("别占消防通道"),
        "a removed comment's text is hidden"
    );

    // The council meets: the proposal waits on the meetings page, is put on the agenda
    // and adopted.
    t.get_in("/participation/meetings", &staff, "zh-CN")
        .await
        .assert_contains("3栋北侧增设电动车充电桩");
    let tick = format!("c{}p{id}", t.nodes.community);
    let when = tomorrow_local();
    let planned = t
        .submit(
            "/participation/meetings",
            &[&[
                ("community_id", &community),
                ("title", "12月居民议事会"),
                ("held_at", &when),
                ("place", "社区活动室"),
                (&tick, "1"),
                ("matters", "春季绿化方案"),
            ]],
            &staff,
        )
        .await;
    planned.assert_status(StatusCode::SEE_OTHER);
    let meeting = id_in(planned.location());
    // A matter is added through the API too; one without a title is refused by name.
    let items = format!("/api/v1/meetings/{meeting}/items");
    let blank = t.json("POST", &items, &staff, r#"{"title": " "}"#).await;
    assert_eq!(
        blank.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        blank.body
    );
    assert!(blank.body.contains("title"), "{}", blank.body);
    let added = t
        .json("POST", &items, &staff, r#"{"title": "楼道堆物清理"}"#)
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert!(added.body.contains("楼道堆物清理"), "{}", added.body);
    let m = t
        .app
        .meeting(&Actor::system(), meeting)
        .await
        .expect("meeting");
    assert_eq!(m.items.len(), 3);
    let third = m.items[2].item.id.to_string();
    let (i3, o3) = (format!("i{third}"), format!("o{third}"));
    let (first, second) = (
        m.items[0].item.id.to_string(),
        m.items[1].item.id.to_string(),
    );
    let (i1, i2, o1, o2) = (
        format!("i{first}"),
        format!("i{second}"),
        format!("o{first}"),
        format!("o{second}"),
    );
    let record = format!("/participation/meetings/{meeting}/record");
    // Every item needs its outcome.
    let incomplete = t
        .submit(
            &record,
            &[&[
                ("attendees", "王主任\n李秀英、王建华"),
                ("minutes", "会议同意增设充电桩，由物业负责施工。"),
                (&i1, "1"),
                (&i2, "1"),
                (&i3, "1"),
                (&o1, "adopted"),
                (&o3, "rejected"),
            ]],
            &staff,
        )
        .await;
    incomplete.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(incomplete.body.contains("春季绿化方案"), "names the item");
    t.submit(
        &record,
        &[&[
            ("attendees", "王主任\n李秀英、王建华"),
            ("minutes", "会议同意增设充电桩，由物业负责施工。"),
            (&i1, "1"),
            (&i2, "1"),
            (&i3, "1"),
            (&o1, "adopted"),
            (&o2, "deferred"),
            (&o3, "rejected"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    // Residents read the record; the proposal is adopted.
    t.get_in(
        &format!("/participation/meetings/{meeting}"),
        &other,
        "zh-CN",
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("已召开")
    .assert_contains("李秀英")
    .assert_contains("由物业负责施工");
    t.get_in(&page, &author, "zh-CN")
        .await
        .assert_contains("已通过")
        .assert_contains("12月居民议事会");
    t.submit(
        &record,
        &[&[("attendees", "王主任"), ("minutes", "再记")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::CONFLICT);

    // The council's decision is followed to delivery; a deferred matter is no decision.
    t.get_in(
        &format!("/participation/meetings/{meeting}"),
        &staff,
        "zh-CN",
    )
    .await
    .assert_contains(&format!("/participation/commitments/new?item={first}"));
    let deferred = t
        .submit(
            "/participation/commitments",
            &[&[("meeting_item_id", &second), ("title", "春季绿化")]],
            &staff,
        )
        .await;
    deferred.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        deferred
            .body
            .contains("choose a decision the council adopted")
    );
    let made = t
        .submit(
            "/participation/commitments",
            &[&[
                ("meeting_item_id", &first),
                ("title", "3栋北侧充电桩建设"),
                ("m1_title", "完成施工"),
                ("m1_due", "2027-03-31"),
            ]],
            &staff,
        )
        .await;
    made.assert_status(StatusCode::SEE_OTHER);
    let commitment = id_in(made.location());
    t.get_in(
        &format!("/participation/commitments/{commitment}"),
        "",
        "zh-CN",
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("12月居民议事会 · 3栋北侧增设电动车充电桩")
    .assert_contains(&format!("/participation/meetings/{meeting}"));
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).expect("JSON")
}

#[tokio::test]
async fn a_proposal_put_to_a_vote_becomes_a_draft_vote() {
    let t = TestApp::new().await;
    let author = neighbour(&t, "401", "赵敏", "resident").await;
    let raised = t
        .json(
            "POST",
            "/api/v1/proposals",
            &author,
            r#"{"title": "小区西门增设快递柜", "description": "西门内侧放置两组快递柜", "reason": "老人取件不便", "cost_fen": 1200000}"#,
        )
        .await;
    assert_eq!(raised.status, StatusCode::CREATED, "{}", raised.body);
    let p = json(&raised.body);
    let id = p["proposal"]["id"].as_i64().unwrap();
    assert_eq!(p["proposal"]["state"], "open");
    assert_eq!(p["proposal"]["supporters"], 1);
    assert_eq!(p["supported"], true);

    let bad = t
        .json(
            "POST",
            "/api/v1/proposals",
            &author,
            r#"{"title": "x", "description": "d", "reason": "r"}"#,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("title:"), "{}", bad.body);

    // Residents may not put it to a vote; staff may, once.
    let closes = (chrono::Utc::now() + chrono::Duration::days(5)).to_rfc3339();
    let body = format!(r#"{{"electorate": "households", "closes_at": "{closes}"}}"#);
    let uri = format!("/api/v1/proposals/{id}/vote");
    assert_eq!(
        t.json("POST", &uri, &author, &body).await.status,
        StatusCode::FORBIDDEN
    );
    let staff = t.login("staff").await;
    let sent = t.json("POST", &uri, &staff, &body).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let vote = json(&sent.body)["vote_id"].as_i64().unwrap();
    assert_eq!(
        t.json("POST", &uri, &staff, &body).await.status,
        StatusCode::CONFLICT
    );
    let v = t
        .app
        .vote(&Actor::system(), vote)
        .await
        .expect("the draft vote");
    assert_eq!(v.vote.spec.kind.code(), "proposal");
    assert_eq!(v.vote.spec.title, "小区西门增设快递柜");
    assert_eq!(v.vote.state.code(), "draft");
    let got = t
        .json("GET", &format!("/api/v1/proposals/{id}"), &author, "")
        .await;
    let got = json(&got.body);
    assert_eq!(got["proposal"]["state"], "voting");
    assert_eq!(got["proposal"]["vote_id"], vote);
    // The discussion has ended.
    let late = t
        .json(
            "POST",
            &format!("/api/v1/proposals/{id}/comments"),
            &author,
            r#"{"body": "还能说吗"}"#,
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    // Someone outside the community does not see it.
    let outsider = t.login("other_staff").await;
    let hidden = t
        .json("GET", &format!("/api/v1/proposals/{id}"), &outsider, "")
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_proposal_is_raised_with_its_photo_or_not_at_all() {
    use super::support::multipart;
    use super::support::requests::{photo, png};
    let t = TestApp::new().await;
    let author = neighbour(&t, "501", "孙丽", "resident").await;
    let fields: &[(&str, &str)] = &[
        ("title", "垃圾分类点加装洗手池"),
        ("description", "在东侧垃圾分类点旁加装一个洗手池"),
        ("reason", "投放厨余垃圾后没处洗手"),
    ];
    // Not an image: refused on the photo field, and no proposal is written.
    let bad = multipart::submit(
        &t,
        "/participation/proposals",
        &author,
        fields,
        Some(photo("image/png", b"not an image at all")),
    )
    .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("id=\"photo-error\""),
        "the photo is named"
    );
    assert!(
        t.app.proposals(&Actor::system()).await.unwrap().is_empty(),
        "nothing is half-written"
    );
    let image = png(32, 24, None);
    let good = multipart::submit(
        &t,
        "/participation/proposals",
        &author,
        fields,
        Some(photo("image/png", &image)),
    )
    .await;
    good.assert_status(StatusCode::SEE_OTHER);
    let id = id_in(good.location());
    let view = t
        .app
        .proposal(&Actor::system(), id)
        .await
        .expect("proposal");
    assert_eq!(view.photos.len(), 1);
    t.get(
        &format!("/participation/proposal-photos/{}", view.photos[0].id),
        &author,
    )
    .await
    .assert_status(StatusCode::OK);
}
