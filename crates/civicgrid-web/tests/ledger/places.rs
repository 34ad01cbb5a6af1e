//! Places as people say them on the ledger pages, the room board as buildings, units
//! and floors, and the household forms' pickers (rooms, households) — through the
//! real router.

use axum::http::StatusCode;
use civicgrid_app::ledger::ResidentInput;

use crate::support::{CSRF, TestApp};

struct Seeded {
    room: i64,
    household: i64,
    head: i64,
    child: i64,
    neighbour: i64,
    far_room: i64,
}

async fn seed(t: &TestApp) -> Seeded {
    t.app.prepare().await.unwrap();
    let (room, household) = t
        .household_in(t.nodes.grid, ("1", "1", "204", Some(2)), "owner", None)
        .await;
    let head = t
        .resident(ResidentInput {
            household_id: household,
            name: "张秀英".into(),
            gender: Some("female".into()),
            birth_date: Some("1940-03-04".into()),
            relation: "head".into(),
            tags: vec!["独居老人".into()],
            ..ResidentInput::default()
        })
        .await;
    let child = t
        .resident(ResidentInput {
            household_id: household,
            name: "李小明".into(),
            gender: Some("male".into()),
            birth_date: Some("1990-05-06".into()),
            relation: "child".into(),
            ..ResidentInput::default()
        })
        .await;
    // The same unit, a floor up and a floor down; a vacant room beside.
    let (_, neighbour) = t
        .household_in(t.nodes.grid, ("1", "1", "304", Some(3)), "tenant", None)
        .await;
    t.resident(ResidentInput {
        household_id: neighbour,
        name: "王建国".into(),
        gender: Some("male".into()),
        birth_date: Some("1970-01-02".into()),
        relation: "head".into(),
        ..ResidentInput::default()
    })
    .await;
    t.household_in(t.nodes.grid, ("1", "1", "104", Some(1)), "owner", None)
        .await;
    t.app
        .add_room(
            &civicgrid_app::domain::platform::access::Actor::system(),
            t.nodes.grid,
            "1",
            "1",
            "203",
            Some(2),
        )
        .await
        .unwrap();
    // A room in the other grid of the community, which the grid worker may not edit.
    let (far_room, far) = t
        .household_in(t.nodes.grid2, ("9", "1", "601", Some(6)), "owner", None)
        .await;
    t.resident(ResidentInput {
        household_id: far,
        name: "赵远方".into(),
        gender: Some("male".into()),
        birth_date: Some("1980-01-02".into()),
        relation: "head".into(),
        ..ResidentInput::default()
    })
    .await;
    Seeded {
        room,
        household,
        head,
        child,
        neighbour,
        far_room,
    }
}

#[tokio::test]
async fn the_household_is_named_by_its_address_not_a_number() {
    let t = TestApp::new().await;
    let s = seed(&t).await;
    let grid = t.login("grid").await;
    let page = t
        .get_in(
            &format!("/ledger/households/{}", s.household),
            &grid,
            "zh-CN",
        )
        .await;
    page.assert_status(StatusCode::OK)
        .assert_contains("1栋1单元204室")
        .assert_contains("<details class=\"more-action\" id=\"split\"")
        .assert_contains("<details class=\"more-action\" id=\"merge\"")
        .assert_contains("table class=\"cards\"")
        .assert_contains("data-label=\"与户主关系\"");
    assert!(
        !page.body.contains(&format!("#{}", s.household))
            && !page.body.contains(&format!("#{}", s.room))
            && !page.body.contains("房屋编号（id）"),
        "{}",
        page.body
    );
    t.get(&format!("/ledger/households/{}", s.household), &grid)
        .await
        .assert_contains("Bldg 1, Unit 1, Room 204");
    let resident = t
        .get_in(&format!("/ledger/residents/{}", s.head), &grid, "zh-CN")
        .await;
    resident
        .assert_status(StatusCode::OK)
        .assert_contains("1栋1单元204室")
        .assert_contains("<details class=\"more-action\" id=\"move\"");
    // History in words, not codes.
    assert!(
        !resident.body.contains("resident.create"),
        "{}",
        resident.body
    );
    resident.assert_contains("新增居民");
}

#[tokio::test]
async fn the_board_groups_by_building_unit_and_floor() {
    let t = TestApp::new().await;
    let s = seed(&t).await;
    let grid = t.login("grid").await;
    let board = t
        .get_in(&format!("/ledger/grids/{}", t.nodes.grid), &grid, "zh-CN")
        .await;
    board
        .assert_status(StatusCode::OK)
        .assert_contains("<h3>1栋 1单元</h3>")
        .assert_contains("3层")
        .assert_contains("2人")
        .assert_contains("独居老人")
        .assert_contains(&format!("/ledger/households/{}", s.household));
    let b = &board.body;
    // Top floor first; rooms of a floor left to right.
    let at = |needle: &str| b.find(needle).unwrap_or(usize::MAX);
    assert!(at("3层") < at("2层") && at("2层") < at("1层"), "{b}");
    assert!(at(">203<") < at(">204<"), "{b}");
    assert!(!b.contains(&format!("#{}", s.room)), "{b}");
}

#[tokio::test]
async fn the_room_picker_finds_only_rooms_the_actor_may_edit() {
    let t = TestApp::new().await;
    let s = seed(&t).await;
    let grid = t.login("grid").await;
    let url = format!("/ledger/households/{}/rooms?room_q=", s.household);
    let found = t.get_in(&format!("{url}1-1-203"), &grid, "zh-CN").await;
    found
        .assert_status(StatusCode::OK)
        .assert_contains("1栋1单元203室");
    // The other grid's room is not the grid worker's to use.
    let far = t.get_in(&format!("{url}601"), &grid, "zh-CN").await;
    far.assert_status(StatusCode::OK);
    assert!(!far.body.contains(&s.far_room.to_string()), "{}", far.body);
    let staff = t.login("staff").await;
    t.get_in(&format!("{url}601"), &staff, "zh-CN")
        .await
        .assert_contains("9栋1单元601室");
    // Someone who may only read the ledger does not search.
    let volunteer = t.login("volunteer").await;
    let res = t.get(&format!("{url}203"), &volunteer).await;
    assert!(res.status.is_client_error());
    // Without JavaScript: the search button shows the form again with the matches.
    let res = t
        .post_form(
            &format!("/ledger/households/{}/split", s.household),
            &[("_csrf", CSRF), ("room_q", "203"), ("find_room", "1")],
            &grid,
        )
        .await;
    res.assert_status(StatusCode::OK)
        .assert_contains("Bldg 1, Unit 1, Room 203")
        .assert_contains("<details class=\"more-action\" id=\"split\" open");
}

#[tokio::test]
async fn split_and_merge_work_with_the_picked_values() {
    let t = TestApp::new().await;
    let s = seed(&t).await;
    let grid = t.login("grid").await;
    let found = t
        .get(
            &format!("/ledger/households/{}/rooms?room_q=203", s.household),
            &grid,
        )
        .await;
    let value = pick_value(&found.body, "room_id").expect("a room to pick");
    let member = format!("member_{}", s.child);
    let res = t
        .post_form(
            &format!("/ledger/households/{}/split", s.household),
            &[
                ("_csrf", CSRF),
                ("room_id", &value),
                ("ownership", "tenant"),
                (&member, "1"),
                ("reason", "分户"),
            ],
            &grid,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let new_household = t.get_in(res.location(), &grid, "zh-CN").await;
    new_household
        .assert_contains("1栋1单元203室")
        .assert_contains("李小明");
    // Merge: find the neighbour by address, then by a member's name.
    let url = format!("/ledger/households/{}/merge-targets?into_q=", s.household);
    let by_name = t.get(&format!("{url}王建国"), &grid).await;
    let into = pick_value(&by_name.body, "into_household_id").expect("a household to pick");
    assert_eq!(into, s.neighbour.to_string());
    assert!(by_name.body.contains("王**"), "{}", by_name.body);
    assert!(!by_name.body.contains("王建国"), "{}", by_name.body);
    let mine = t.get(&format!("{url}张秀英"), &grid).await;
    assert!(
        pick_value(&mine.body, "into_household_id").is_none(),
        "{}",
        mine.body
    );
    let far = t.get(&format!("{url}赵远方"), &grid).await;
    assert!(
        pick_value(&far.body, "into_household_id").is_none(),
        "{}",
        far.body
    );
    let res = t
        .post_form(
            &format!("/ledger/households/{}/merge", s.household),
            &[
                ("_csrf", CSRF),
                ("into_household_id", &into),
                ("reason", "并户"),
            ],
            &grid,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    t.get_in(res.location(), &grid, "zh-CN")
        .await
        .assert_contains("1栋1单元304室")
        .assert_contains("张秀英");
}

/// The first value offered by a picker's radio buttons named `field`.
fn pick_value(body: &str, field: &str) -> Option<String> {
    let marker = format!("name=\"{field}\" value=\"");
    let mut rest = body;
    while let Some(i) = rest.find(&marker) {
        let after = &rest[i + marker.len()..];
        let v: String = after.chars().take_while(|c| *c != '"').collect();
        if !v.is_empty() {
            return Some(v);
        }
        rest = after;
    }
    None
}

#[tokio::test]
async fn the_board_adds_a_household_in_a_room_found_by_the_picker() {
    let t = TestApp::new().await;
    let s = seed(&t).await;
    let grid = t.login("grid").await;
    // The form searches rooms instead of listing every room of the grid.
    let board = t
        .get_in(&format!("/ledger/grids/{}", t.nodes.grid), &grid, "zh-CN")
        .await;
    board
        .assert_contains("name=\"room_q\"")
        .assert_contains(&format!("hx-get=\"/ledger/grids/{}/rooms\"", t.nodes.grid));
    assert!(!board.body.contains("id=\"f-room-id\""), "{}", board.body);
    // With htmx: this grid's rooms, as people say them; not the other grid's.
    let url = format!("/ledger/grids/{}/rooms?room_q=", t.nodes.grid);
    let found = t.get_in(&format!("{url}1栋1单元203"), &grid, "zh-CN").await;
    found
        .assert_status(StatusCode::OK)
        .assert_contains("1栋1单元203室");
    assert!(!found.body.contains("<html"), "{}", found.body);
    let value = pick_value(&found.body, "room_id").expect("a room to pick");
    let far = t.get_in(&format!("{url}9-1-601"), &grid, "zh-CN").await;
    assert!(pick_value(&far.body, "room_id").is_none(), "{}", far.body);
    // Someone who may only read the ledger does not search.
    let volunteer = t.login("volunteer").await;
    assert!(
        t.get(&format!("{url}203"), &volunteer)
            .await
            .status
            .is_client_error()
    );
    // Without JavaScript: the search button shows the board again with the matches
    // and what was typed.
    let action = format!("/ledger/grids/{}/households", t.nodes.grid);
    t.post_form(
        &action,
        &[
            ("_csrf", CSRF),
            ("room_q", "1-1-203"),
            ("find_room", "1"),
            ("area_m2", "72"),
        ],
        &grid,
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("Bldg 1, Unit 1, Room 203")
    .assert_contains("value=\"72\"");
    // The picked room gets the household.
    let res = t
        .post_form(
            &action,
            &[
                ("_csrf", CSRF),
                ("room_id", &value),
                ("ownership", "tenant"),
                ("area_m2", "72"),
            ],
            &grid,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    t.get_in(res.location(), &grid, "zh-CN")
        .await
        .assert_contains("1栋1单元203室");
    assert_ne!(value, s.far_room.to_string());
}
