//! Co-governance through its pages: staff set up an estate from the ledger and run an
//! owners' vote on a major matter; an owner votes online, a tenant is told why they
//! cannot, staff enter a paper ballot at the door, the tally shows art. 278's bounds
//! met exactly, and the published result is public and final.

use axum::http::{StatusCode, header};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::ResidentInput;

use super::support::{PASSWORD, TestApp, user};

/// A room of building 1 in the test grid with one household (`ownership`, `area` m²)
/// headed by `name`: (room, resident).
async fn home(
    t: &TestApp,
    room: &str,
    ownership: &str,
    area: Option<&str>,
    name: &str,
) -> (i64, i64) {
    let (room, household) = t
        .household_in(t.nodes.grid, ("1", "1", room, Some(1)), ownership, area)
        .await;
    let resident = t
        .resident(ResidentInput {
            household_id: household,
            name: name.into(),
            gender: Some("female".into()),
            birth_date: Some("1970-05-06".into()),
            relation: "head".into(),
            ..ResidentInput::default()
        })
        .await;
    (room, resident)
}

/// Tomorrow in the community's time, as a `datetime-local` field says it.
fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1) + chrono::Duration::hours(8))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The id at the end of a redirect such as `/participation/votes/7?done=…`.
fn id_in(location: &str) -> i64 {
    location
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|n| n.parse().ok())
        .expect("an id in the redirect")
}

#[tokio::test]
async fn an_owners_vote_runs_from_the_estate_to_the_published_result() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let (_, owner) = home(&t, "101", "owner", Some("100"), "甲业主").await;
    let (room_b, _) = home(&t, "102", "owner", Some("80"), "乙业主").await;
    let (_, tenant) = home(&t, "103", "tenant", Some("60"), "丙租户").await;
    let sys = Actor::system();
    t.app
        .link_username_to_resident(&sys, owner, "resident")
        .await
        .expect("link the owner");
    user(&t.app, "tenant", PASSWORD, "resident", t.nodes.grid).await;
    t.app
        .link_username_to_resident(&sys, tenant, "tenant")
        .await
        .expect("link the tenant");

    // The estate, with building 1 ticked.
    let community = t.nodes.community.to_string();
    let made = t
        .submit(
            "/participation/estates",
            &[&[("community_id", &community), ("name", "阳光花园")]],
            &staff,
        )
        .await;
    made.assert_status(StatusCode::SEE_OTHER);
    let estate = id_in(made.location());
    let building = t.app.estate(&sys, estate).await.expect("estate").buildings[0].building_id;
    let tick = format!("b{building}");
    t.submit(
        &format!("/participation/estates/{estate}"),
        &[&[("name", "阳光花园"), (&tick, "1")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    // Three rooms; the tenant's room has no owner in the ledger: the developer's.
    t.get_in(&format!("/participation/estates/{estate}"), &staff, "zh-CN")
        .await
        .assert_contains("阳光花园")
        .assert_contains("<strong>240</strong>")
        .assert_contains("开发建设单位名下");

    // A major matter (rebuilding), drafted and opened.
    let estate_s = estate.to_string();
    let closes = tomorrow();
    let drafted = t
        .submit(
            "/participation/votes",
            &[&[
                ("kind", "owners"),
                ("title", "加装电梯"),
                ("estate_id", &estate_s),
                ("matter", "rebuild"),
                ("closes_at", &closes),
            ]],
            &staff,
        )
        .await;
    drafted.assert_status(StatusCode::SEE_OTHER);
    let vote = id_in(drafted.location());
    let path = format!("/participation/votes/{vote}");
    t.submit(&format!("{path}/open"), &[], &staff)
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // The owner votes online; the tenant is told why they cannot.
    let owner_c = t.login("resident").await;
    t.get_in(&path, &owner_c, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("我的投票");
    let cast = t
        .submit(
            &format!("{path}/ballot"),
            &[&[("choice", "agree")]],
            &owner_c,
        )
        .await;
    cast.assert_status(StatusCode::SEE_OTHER);
    assert!(cast.location().contains("done=ballot_cast"));
    t.get_in(&path, &owner_c, "zh-CN")
        .await
        .assert_contains("当前选择")
        .assert_contains("同意");
    let tenant_c = t.login("tenant").await;
    t.get_in(&path, &tenant_c, "zh-CN")
        .await
        .assert_contains("台账未登记您为本小区业主");
    t.submit(
        &format!("{path}/ballot"),
        &[&[("choice", "agree")]],
        &tenant_c,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);

    // A paper ballot without a collector names the field; with one it counts.
    let room_b = room_b.to_string();
    t.submit(
        &format!("{path}/paper"),
        &[&[("room_id", &room_b), ("choice", "agree"), ("collector", "")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("Name who collected the ballot");
    t.submit(
        &format!("{path}/paper"),
        &[&[
            ("room_id", &room_b),
            ("choice", "agree"),
            ("collector", "楼长 李"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);

    // 180 of 240 m² and exactly 2 of 3 owners took part; all of them agree: passes.
    let tally = t.get_in(&format!("{path}/tally"), &staff, "zh-CN").await;
    tally
        .assert_status(StatusCode::OK)
        .assert_contains("按目前票数：可以通过")
        .assert_contains("参与表决人数占比 66.7%")
        .assert_contains("1栋1单元103室");

    // The result is published, public and final.
    let result = format!("{path}/result");
    assert_eq!(t.get(&result, "").await.status, StatusCode::NOT_FOUND);
    t.submit(&format!("{path}/close"), &[], &staff)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    t.get_in(&result, "", "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("表决通过")
        .assert_contains("需四分之三以上");
    t.submit(
        &format!("{path}/ballot"),
        &[&[("choice", "oppose")]],
        &owner_c,
    )
    .await
    .assert_status(StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_vote_cannot_open_while_a_room_has_no_area() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    home(&t, "101", "owner", Some("100"), "甲业主").await;
    home(&t, "102", "owner", None, "乙业主").await;
    let sys = Actor::system();
    let estate = t
        .app
        .create_estate(&sys, t.nodes.community, "阳光花园")
        .await
        .expect("estate");
    let building = t
        .app
        .estate(&sys, estate.id)
        .await
        .expect("estate")
        .buildings[0]
        .building_id;
    t.app
        .update_estate(&sys, estate.id, "阳光花园", None, &[building])
        .await
        .expect("buildings");
    t.get_in(
        &format!("/participation/estates/{}", estate.id),
        &staff,
        "zh-CN",
    )
    .await
    .assert_contains("1 套房屋在台账中没有面积")
    .assert_contains("1栋1单元102室");
    let estate_s = estate.id.to_string();
    let closes = tomorrow();
    let drafted = t
        .submit(
            "/participation/votes",
            &[&[
                ("kind", "owners"),
                ("title", "选聘物业"),
                ("estate_id", &estate_s),
                ("matter", "property_company"),
                ("closes_at", &closes),
            ]],
            &staff,
        )
        .await;
    let vote = id_in(drafted.location());
    t.submit(&format!("/participation/votes/{vote}/open"), &[], &staff)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("every room needs an area");
    // A draft that names no matter is refused on that field.
    t.submit(
        "/participation/votes",
        &[&[
            ("kind", "owners"),
            ("title", "选聘物业"),
            ("estate_id", &estate_s),
            ("closes_at", &closes),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("aria-invalid=\"true\"");
}

#[tokio::test]
async fn a_vote_past_its_closing_time_is_closed_and_published_by_the_job() {
    use civicgrid_app::domain::participation::votes::{Electorate, VoteKind, VoteSpec};
    use civicgrid_app::participation::votes::NewVote;
    let t = TestApp::new().await;
    home(&t, "101", "owner", Some("100"), "甲业主").await;
    let sys = Actor::system();
    let now = civicgrid_app::now_ms();
    let vote = t
        .app
        .create_vote(
            &sys,
            NewVote {
                spec: VoteSpec {
                    kind: VoteKind::Proposal,
                    title: "增设充电棚".into(),
                    body: String::new(),
                    options: Vec::new(),
                    max_choices: 1,
                    ranked: false,
                    electorate: Electorate::Households,
                    min_age: 18,
                    matter: None,
                },
                node_id: Some(t.nodes.grid),
                estate_id: None,
                closes_at: now + 3_600_000,
            },
        )
        .await
        .expect("draft");
    t.app.open_vote(&sys, vote.id).await.expect("open");
    assert_eq!(t.app.close_due_votes(now).await.expect("job"), 0);
    assert_eq!(
        t.app.close_due_votes(now + 7_200_000).await.expect("job"),
        1
    );
    // Published, and a second run finds nothing left to close.
    t.get(&format!("/participation/votes/{}/result", vote.id), "")
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        t.app.close_due_votes(now + 7_200_000).await.expect("job"),
        0
    );
}

#[tokio::test]
async fn staff_record_a_rooms_owner_on_the_estate_page() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let sys = Actor::system();
    let (_, landlord) = home(&t, "101", "owner", Some("100"), "甲业主").await;
    let (let_room, _) = home(&t, "102", "tenant", Some("80"), "乙租户").await;
    let community = t.nodes.community.to_string();
    let made = t
        .submit(
            "/participation/estates",
            &[&[("community_id", &community), ("name", "阳光花园")]],
            &staff,
        )
        .await;
    made.assert_status(StatusCode::SEE_OTHER);
    let estate = id_in(made.location());
    let building = t.app.estate(&sys, estate).await.expect("estate").buildings[0].building_id;
    let tick = format!("b{building}");
    let page = format!("/participation/estates/{estate}");
    t.submit(&page, &[&[("name", "阳光花园"), (&tick, "1")]], &staff)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let electorate = async || {
        let e = t.app.estate(&sys, estate).await.expect("estate").electorate;
        (e.owners, e.developer_rooms)
    };
    // The let room's owner is unknown: the developer's.
    assert_eq!(electorate().await, (2, 1));
    t.get_in(&page, &staff, "zh-CN")
        .await
        .assert_contains("登记房屋业主")
        .assert_contains(&format!("{page}/room-owners"));

    // The pickers find the estate's room and the ledger's resident, with htmx and
    // without JavaScript.
    let (room_s, landlord_s) = (let_room.to_string(), landlord.to_string());
    t.get(&format!("{page}/rooms?room_q=1-1-102"), &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&format!("value=\"{room_s}\""));
    t.get(
        &format!(
            "{page}/owners?owner_q={}",
            crate::support::form_encode("甲业主")
        ),
        &staff,
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains(&format!("value=\"{landlord_s}\""));
    let owners = format!("{page}/room-owners");
    t.submit(&owners, &[&[("room_q", "102"), ("find_room", "1")]], &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&format!("value=\"{room_s}\""));

    // Errors name the field: no owner, both an owner and the developer, no room.
    let refused = t.submit(&owners, &[&[("room_id", &room_s)]], &staff).await;
    refused
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("id=\"owner-error\"");
    t.submit(
        &owners,
        &[&[
            ("room_id", &room_s),
            ("owner", &landlord_s),
            ("developer", "1"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("id=\"owner-error\"");
    t.submit(&owners, &[&[("developer", "1")]], &staff)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("id=\"room_id-error\"");
    assert_eq!(electorate().await, (2, 1));

    // The landlord owns the let room too: one owner of two rooms.
    let saved = t
        .submit(
            &owners,
            &[&[("room_id", &room_s), ("owner", &landlord_s)]],
            &staff,
        )
        .await;
    saved.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(saved.location(), format!("{page}?done=estate_owner_saved"));
    assert_eq!(electorate().await, (1, 0));
    t.get(saved.location(), &staff)
        .await
        .assert_contains("owner is recorded");

    // Not sold after all: the developer's again.
    t.submit(
        &owners,
        &[&[("room_id", &room_s), ("developer", "1")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(electorate().await, (2, 1));
}

/// An owners' vote on a new estate of building 1, opened by `staff`: its page's path.
async fn open_owners_vote(t: &TestApp, staff: &str) -> String {
    let sys = Actor::system();
    let community = t.nodes.community.to_string();
    let made = t
        .submit(
            "/participation/estates",
            &[&[("community_id", &community), ("name", "阳光花园")]],
            staff,
        )
        .await;
    made.assert_status(StatusCode::SEE_OTHER);
    let estate = id_in(made.location());
    let building = t.app.estate(&sys, estate).await.expect("estate").buildings[0].building_id;
    let tick = format!("b{building}");
    t.submit(
        &format!("/participation/estates/{estate}"),
        &[&[("name", "阳光花园"), (&tick, "1")]],
        staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let estate_s = estate.to_string();
    let closes = tomorrow();
    let drafted = t
        .submit(
            "/participation/votes",
            &[&[
                ("kind", "owners"),
                ("title", "更换物业"),
                ("estate_id", &estate_s),
                ("matter", "property_company"),
                ("closes_at", &closes),
            ]],
            staff,
        )
        .await;
    drafted.assert_status(StatusCode::SEE_OTHER);
    let path = format!("/participation/votes/{}", id_in(drafted.location()));
    t.submit(&format!("{path}/open"), &[], staff)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    path
}

#[tokio::test]
async fn a_paper_ballot_keeps_its_scan_for_the_auditor_and_staff_only() {
    use super::support::multipart::{File, submit};
    use civicgrid_app::domain::participation::ballot_scans::MAX_SCAN_BYTES;

    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let auditor = t.login("auditor").await;
    let (room, owner) = home(&t, "101", "owner", Some("100"), "甲业主").await;
    home(&t, "102", "owner", Some("80"), "乙业主").await;
    t.app
        .link_username_to_resident(&Actor::system(), owner, "resident")
        .await
        .expect("link the owner");
    let path = open_owners_vote(&t, &staff).await;
    let room = room.to_string();
    let fields = [
        ("room_id", room.as_str()),
        ("choice", "agree"),
        ("collector", "楼长 李"),
    ];
    let paper = format!("{path}/paper");
    let ballots = format!("{path}/ballots");

    // A file that is neither an image nor a PDF, and a PDF over the limit: refused on
    // the scan field, and no ballot is written.
    let text = File {
        field: "scan",
        name: "ballot.pdf",
        content_type: "application/pdf",
        data: b"not really a PDF",
    };
    submit(&t, &paper, &staff, &fields, Some(text))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("The scan was not accepted")
        .assert_contains("not a PDF document nor a JPEG, PNG or WebP image");
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(MAX_SCAN_BYTES + 1, b' ');
    let too_big = File {
        field: "scan",
        name: "ballot.pdf",
        content_type: "application/pdf",
        data: &big,
    };
    submit(&t, &paper, &staff, &fields, Some(too_big))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("The scan was not accepted")
        .assert_contains("the file is larger than 8 MB");
    t.get_in(&ballots, &auditor, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("还没有选票。");
    t.get_in("/audit", &auditor, "zh-CN")
        .await
        .assert_status(StatusCode::OK);
    assert!(
        !t.get_in("/audit", &auditor, "zh-CN")
            .await
            .body
            .contains("附纸质票扫描件")
    );

    // The paper form asks for the scan; a PDF is kept with the ballot.
    t.get_in(&format!("{path}/tally"), &staff, "zh-CN")
        .await
        .assert_contains("enctype=\"multipart/form-data\"")
        .assert_contains("name=\"scan\"");
    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
    let sheet = File {
        field: "scan",
        name: "101.pdf",
        content_type: "application/pdf",
        data: pdf,
    };
    submit(&t, &paper, &staff, &fields, Some(sheet))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // A replacement photographed at the door: an image, its text chunk removed.
    let photo = super::support::requests::png(4, 3, Some(b"Location\0Huguang"));
    let snap = File {
        field: "scan",
        name: "101.png",
        content_type: "image/png",
        data: &photo,
    };
    let again = [
        ("room_id", room.as_str()),
        ("choice", "oppose"),
        ("collector", "楼长 李"),
    ];
    submit(&t, &paper, &staff, &again, Some(snap))
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // The auditor sees both ballots, each with its scan to open.
    let list = t.get_in(&ballots, &auditor, "zh-CN").await;
    list.assert_status(StatusCode::OK)
        .assert_contains("查看扫描件");
    let scans: Vec<String> = list
        .body
        .split("href=\"/participation/ballot-scans/")
        .skip(1)
        .filter_map(|s| {
            s.split('"')
                .next()
                .map(|id| format!("/participation/ballot-scans/{id}"))
        })
        .collect();
    assert_eq!(scans.len(), 2, "{}", list.body);
    let first = t.get(&scans[0], &auditor).await;
    first.assert_status(StatusCode::OK);
    assert_eq!(first.header(header::CONTENT_TYPE), "application/pdf");
    assert_eq!(first.body.as_bytes(), pdf);
    let second = t.get(&scans[1], &staff).await;
    second.assert_status(StatusCode::OK);
    assert_eq!(second.header(header::CONTENT_TYPE), "image/png");
    assert!(!second.body.contains("Huguang"));
    // The audit log notes the scan with each ballot.
    t.get_in("/audit", &auditor, "zh-CN")
        .await
        .assert_contains("附纸质票扫描件");

    // Ballots are secret: the voter, another resident, a grid worker and staff of
    // another community do not see the scan.
    for who in ["resident", "grid", "other_staff", "volunteer"] {
        let cookies = t.login(who).await;
        t.get(&scans[0], &cookies).await.assert_refused();
    }
    assert_ne!(
        t.get(&scans[0], "").await.status,
        StatusCode::OK,
        "signed out"
    );
    t.get("/participation/ballot-scans/999999", &auditor)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
