//! A party member registers where they live, staff confirm them, they pledge for the
//! year and see fulfilment accumulate from a care visit they log as a carer, a
//! resolved request staff link to them and a note with evidence; the yearly summary
//! per party organisation shows it; the badge wall shows only those who opted in.
//! Bad input is refused on its field: a pledge for another member, a kind pledged
//! twice, a note dated in the future. Membership stays private: other communities'
//! staff find nothing, lists mask names, and a look by staff is traced on the
//! member's data-access page.

use axum::http::StatusCode;
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::ResidentInput;

use super::support::requests::{report, resolve};
use super::support::{TestApp, TestResponse};
use super::volunteers::{day, json, linked_resident};

fn redirected_to(res: &TestResponse, prefix: &str) {
    res.assert_status(StatusCode::SEE_OTHER);
    assert!(res.location().starts_with(prefix), "{}", res.location());
}

async fn user_id(t: &TestApp, username: &str) -> i64 {
    t.app
        .actor_of_account(&Actor::system(), username)
        .await
        .expect("account")
        .user_id
        .expect("id")
}

/// The member's registration id, read through the API as the member.
async fn my_member_id(t: &TestApp, cookies: &str) -> i64 {
    let me = json(&t.json("GET", "/api/v1/party/me", cookies, "").await.body);
    me["member"]["id"].as_i64().expect("registered")
}

#[tokio::test]
async fn a_party_member_registers_pledges_and_sees_fulfilment_accumulate() {
    let t = TestApp::new().await;
    linked_resident(&t, "resident", t.nodes.grid, "3", "王建军").await;
    linked_resident(&t, "neighbour", t.nodes.grid2, "8", "李红梅").await;
    let member = t.login("resident").await;
    let neighbour = t.login("neighbour").await;
    let staff = t.login("staff").await;
    let other_staff = t.login("other_staff").await;
    let grid = t.login("grid").await;
    let unlinked = t.login("volunteer").await;

    // An account without a ledger record cannot register.
    t.get("/care/party", &unlinked)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("not linked to a resident");
    t.submit("/care/party", &[&[("organisation", "某党支部")]], &unlinked)
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // The member registers; the organisation is needed.
    t.submit("/care/party", &[&[("organisation", " ")]], &member)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("Name your party organisation");
    let r = t
        .submit(
            "/care/party",
            &[&[
                ("organisation", "市交通局机关第二党支部"),
                ("public_badge", "1"),
            ]],
            &member,
        )
        .await;
    redirected_to(&r, "/care/party?done=party_saved");
    let id = my_member_id(&t, &member).await;
    t.submit(
        "/care/party",
        &[&[("organisation", "市第一医院党委")]],
        &neighbour,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let neighbour_id = my_member_id(&t, &neighbour).await;

    // Before confirmation there is nothing to pledge.
    let pledge = |kind: &'static str, text: &'static str, target: &'static str| {
        let year = day(0)[..4].to_owned();
        let member_id = id.to_string();
        move || {
            vec![
                ("member_id", member_id.clone()),
                ("pledge_year", year.clone()),
                ("pledge_kind", kind.to_owned()),
                ("pledge_text", text.to_owned()),
                ("pledge_target", target.to_owned()),
            ]
        }
    };
    let post_pledge = |fields: Vec<(&'static str, String)>| {
        let t = &t;
        let member = member.clone();
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.submit("/care/party/pledges", &[&f], &member).await
        }
    };
    post_pledge(pledge("visits", "每月走访两户独居老人", "24")())
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("once the community has confirmed");

    // Staff see the registration masked on the list; other communities' staff and a
    // grid worker do not see party members at all.
    t.get("/care/party-members", &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("王**")
        .assert_contains("市交通局机关第二党支部");
    let list = t.get("/care/party-members", &other_staff).await;
    list.assert_status(StatusCode::OK);
    assert!(!list.body.contains("王**"));
    t.get(&format!("/care/party-members/{id}"), &other_staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get("/care/party-members", &grid)
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // Declining needs a reason; confirming is one tap.
    t.submit(
        &format!("/care/party-members/{id}/status"),
        &[&[("status", "declined")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .submit(
            &format!("/care/party-members/{id}/status"),
            &[&[("status", "confirmed")]],
            &staff,
        )
        .await;
    redirected_to(&r, &format!("/care/party-members/{id}?done=party_moved"));

    // Pledges: a visits pledge, a requests pledge, another kind; visits twice is refused.
    for (kind, text, target) in [
        ("visits", "每月走访两户独居老人", "24"),
        ("requests", "协助解决邻里急难愁盼", "2"),
        ("other", "汛期参加防汛值守", "4"),
    ] {
        let r = post_pledge(pledge(kind, text, target)()).await;
        redirected_to(&r, "/care/party?year=");
    }
    post_pledge(pledge("visits", "再走访", "3")())
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("pledged this kind already");
    post_pledge(pledge("volunteering", "志愿服务", "abc")())
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("Give a target");

    // A pledge for another member: the neighbour's registration is not theirs to
    // pledge on (page and API), and staff cannot pledge for a member either.
    let year: i32 = day(0)[..4].parse().unwrap();
    let body = format!(r#"{{"year":{year},"kind":"other","text":"代为承诺","target":"1"}}"#);
    let r = t
        .json(
            "POST",
            &format!("/api/v1/party-members/{id}/pledges"),
            &neighbour,
            &body,
        )
        .await;
    r.assert_status(StatusCode::NOT_FOUND);
    let r = t
        .json(
            "POST",
            &format!("/api/v1/party-members/{id}/pledges"),
            &staff,
            &body,
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json(&r.body)["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("member:")),
        "{}",
        r.body
    );
    // The neighbour is still pending: their own pledge waits for confirmation.
    let r = t
        .json(
            "POST",
            &format!("/api/v1/party-members/{neighbour_id}/pledges"),
            &neighbour,
            &body,
        )
        .await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    // Real activity: the member is a carer on a pairing and logs a visit.
    let (_, household) = t
        .household_in(t.nodes.grid, ("5", "1", "301", Some(3)), "owner", None)
        .await;
    let elder = t
        .resident(ResidentInput {
            household_id: household,
            name: "赵奶奶".into(),
            gender: Some("female".into()),
            birth_date: Some("1938-02-01".into()),
            relation: "head".into(),
            tags: vec!["elderly_alone".into()],
            ..ResidentInput::default()
        })
        .await;
    let carer = user_id(&t, "resident").await.to_string();
    let elder = elder.to_string();
    let node = t.nodes.grid.to_string();
    let key = format!("carer_{carer}");
    let r = t
        .submit(
            "/care/pairings",
            &[&[
                ("node", node.as_str()),
                ("resident_id", elder.as_str()),
                (key.as_str(), "on"),
            ]],
            &staff,
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let pairing = r
        .location()
        .trim_start_matches("/care/pairings/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    t.submit(
        &format!("/care/pairings/{pairing}/visits"),
        &[&[("mode", "in_person"), ("outcome", "well")]],
        &member,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);

    // A request of the community resolved with the member's help, linked by staff;
    // an unresolved one is refused on its field.
    let resolved = report(&t, &member, "3栋楼道灯坏了").await;
    resolve(&t, &staff, resolved, "已更换灯泡").await;
    let open = report(&t, &member, "5栋门禁坏了").await;
    let page = t.get(&format!("/care/party-members/{id}"), &staff).await;
    page.assert_status(StatusCode::OK)
        .assert_contains("王建军")
        .assert_contains(&format!("{resolved:06}"));
    t.submit(
        &format!("/care/party-members/{id}/requests"),
        &[&[("request_id", open.to_string().as_str())]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .submit(
            &format!("/care/party-members/{id}/requests"),
            &[&[("request_id", resolved.to_string().as_str())]],
            &staff,
        )
        .await;
    redirected_to(&r, &format!("/care/party-members/{id}?done=party_linked"));
    // Other communities' staff cannot link to this member.
    t.json(
        "POST",
        &format!("/api/v1/party-members/{id}/requests"),
        &other_staff,
        &format!(r#"{{"request_id":{resolved}}}"#),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);

    // A note with evidence: a future date is refused, today's is kept.
    let me = json(&t.json("GET", "/api/v1/party/me", &member, "").await.body);
    let pledges = me["year"]["pledges"].as_array().expect("pledges").clone();
    let other = pledges
        .iter()
        .find(|p| p["kind"] == "other")
        .and_then(|p| p["id"].as_i64())
        .unwrap();
    let note_path = format!("/care/party/pledges/{other}/notes");
    let tomorrow = day(1);
    let today = day(0);
    t.submit(
        &note_path,
        &[&[
            ("note_on", tomorrow.as_str()),
            ("note_amount", "1"),
            ("note_text", "值守"),
        ]],
        &member,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("not after today");
    let r = t
        .submit(
            &note_path,
            &[&[
                ("note_on", today.as_str()),
                ("note_amount", "1"),
                ("note_text", "在江边堤段值守一晚，社区书记可证明"),
            ]],
            &member,
        )
        .await;
    redirected_to(&r, "/care/party?year=");

    // The year adds up: one visit, one linked request, one night of the watch.
    let me = json(&t.json("GET", "/api/v1/party/me", &member, "").await.body);
    let by_kind = |k: &str| {
        me["year"]["pledges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["kind"] == k)
            .unwrap()
            .clone()
    };
    assert_eq!(by_kind("visits")["from_activity"], 1, "{me}");
    assert_eq!(by_kind("requests")["fulfilled"], 1, "{me}");
    assert_eq!(by_kind("other")["from_notes"], 1, "{me}");
    assert_eq!(by_kind("other")["percent"], 25, "{me}");
    t.get("/care/party", &member)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("1 visits")
        .assert_contains("在江边堤段值守一晚");

    // The summary per party organisation, and the badge wall (opted in only).
    let s = json(
        &t.json("GET", "/api/v1/party/summary", &staff, "")
            .await
            .body,
    );
    assert_eq!(s["members"], 1, "{s}");
    assert_eq!(s["pledged"], 3, "{s}");
    assert_eq!(s["branches"][0]["organisation"], "市交通局机关第二党支部");
    t.get("/care/party/summary", &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("市交通局机关第二党支部")
        .assert_contains("王建军");
    t.get("/care/party/badges", &neighbour)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("王建军")
        .assert_contains("每月走访两户独居老人");

    // The staff's looks are on the member's data-access page.
    let mut conn = t.app.db().read().await.unwrap();
    let views = civicgrid_store::privacy::data_access::list(
        &mut conn,
        &civicgrid_store::privacy::data_access::ViewFilter::default(),
        50,
    )
    .await
    .unwrap();
    assert!(views.iter().any(|v| v.action == "party.member"));
}
