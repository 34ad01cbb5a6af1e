//! See `security.rs`. Review item 2: an import matched residents by the city-wide
//! ID-number index and updated (moved) them wherever they lived, and a dry run said so.
//! A row matching a resident outside the importer's places is now rejected like a row
//! naming a grid outside them, in a dry run too; moving a resident, by import or by
//! hand, needs the actor's scope over both the old place and the new one.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use civicgrid_app::domain::ledger::date::Date;
use civicgrid_app::domain::ledger::id_number::compose;
use civicgrid_app::ledger::ResidentInput;
use civicgrid_store::ledger::{self as repo, ResidentRecord};

use crate::support::ledger::{HEADER, finished, upload_file};
use crate::support::*;

/// The one reason of every row reaching outside the importer's places.
const OUTSIDE: &str = "grid: outside the places where you may import";
const G1: (&str, &str) = ("TC-D-S1-C1", "TC-D-S1-C1-G1");
const OTHER: (&str, &str) = ("TC-D-S2-C1", "TC-D-S2-C1-G1");

/// A valid ID number, distinct per `seq`.
fn id_number(seq: u16) -> String {
    let born = Date::from_ymd_opt(1970, 1, 1).expect("a date");
    compose("420102", born, seq)
        .expect("an ID number")
        .as_str()
        .to_owned()
}

/// The ledger beside the seeded city: a grid in the other community, and one resident
/// (with their household and room) in each of grid 1, grid 2 and that grid.
struct Ledger {
    other_grid: i64,
    /// (resident, household, room) in grid 1, grid 2 and the other community.
    g1: (i64, i64, i64),
    g2: (i64, i64, i64),
    other: (i64, i64, i64),
}

async fn place(t: &TestApp, grid: i64, room: &str, name: &str, seq: u16) -> (i64, i64, i64) {
    let (room, household) = t
        .household_in(grid, ("1栋", "1", room, Some(1)), "owner", None)
        .await;
    let resident = t
        .resident(ResidentInput {
            household_id: household,
            name: name.into(),
            id_number: Some(id_number(seq)),
            phone: Some("13811112222".into()),
            relation: "head".into(),
            ..ResidentInput::default()
        })
        .await;
    (resident, household, room)
}

async fn seed(t: &TestApp) -> Ledger {
    t.app.prepare().await.expect("catalogue");
    let other_grid = node(
        &t.app,
        Some(t.nodes.other_community),
        OTHER.1,
        "和平第一网格",
        "Heping Grid One",
        None,
    )
    .await;
    Ledger {
        other_grid,
        g1: place(t, t.nodes.grid, "101", "甲一", 1).await,
        g2: place(t, t.nodes.grid2, "201", "乙二", 2).await,
        other: place(t, other_grid, "301", "丙三", 3).await,
    }
}

async fn record(t: &TestApp, id: i64) -> ResidentRecord {
    let mut conn = t.app.db().read().await.expect("connection");
    repo::get_resident(&mut conn, id).await.expect("resident")
}

/// Where a resident lives and what they hold, to compare before and after.
async fn state(t: &TestApp, id: i64) -> (i64, Option<i64>, Option<Vec<u8>>, i64) {
    let r = record(t, id).await;
    (r.grid_id, r.household_id, r.pii.phone_idx, r.version)
}

/// A file row in `place` (community, grid) for ID number `seq`, with `phone`.
fn row(place: (&str, &str), room: &str, name: &str, seq: u16, phone: &str) -> String {
    format!(
        "{},{},9栋,1,{room},{name},,,{},{phone},户主,户籍,,,自有",
        place.0,
        place.1,
        id_number(seq)
    )
}

fn csv(rows: &[String]) -> String {
    let mut s = HEADER.to_owned();
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

async fn upload(t: &TestApp, cookies: &str, file: &str, dry_run: bool) -> TestResponse {
    let fields: &[(&str, &str)] = if dry_run { &[("dry_run", "1")] } else { &[] };
    upload_file(
        t,
        cookies,
        fields,
        ("residents.csv", "text/csv", file.as_bytes()),
    )
    .await
}

/// What an import through the upload page ended with: its job page and rejects file.
struct Outcome {
    page: TestResponse,
    rejects: String,
}

impl Outcome {
    #[track_caller]
    fn counts(&self, inserted: u64, updated: u64, unchanged: u64, rejected: u64) -> &Self {
        for (label, n) in [
            ("Inserted", inserted),
            ("Updated", updated),
            ("Unchanged", unchanged),
            ("Rejected", rejected),
        ] {
            self.page
                .assert_contains(&format!("<th>{label}</th><td>{n}</td>"));
        }
        self
    }

    /// The reason given for spreadsheet line `line`.
    fn reason(&self, line: u64) -> Option<&str> {
        self.rejects
            .lines()
            .find(|l| {
                l.trim_start_matches('\u{feff}')
                    .starts_with(&format!("{line},"))
            })
            .and_then(|l| l.rsplit(',').next())
    }
}

/// Uploads `file` and follows its job page until the import has ended.
async fn import(t: &TestApp, cookies: &str, file: &str, dry_run: bool) -> Outcome {
    let res = upload(t, cookies, file, dry_run).await;
    assert!(res.status.is_redirection(), "{}: {}", res.status, res.body);
    let job = res.location().to_owned();
    let page = finished(t, cookies, &job).await;
    page.assert_contains("Finished");
    // A job without rejected rows has no rejects file.
    let rejects = t.get(&format!("{job}/rejects"), cookies).await;
    let rejects = match rejects.status {
        StatusCode::NOT_FOUND => String::new(),
        _ => rejects.assert_status(StatusCode::OK).body.clone(),
    };
    Outcome { page, rejects }
}

/// Whether a building of that name shows on the board of grid 1.
async fn building_shown(t: &TestApp, admin: &str, name: &str) -> bool {
    let board = t
        .get(&format!("/ledger/grids/{}", t.nodes.grid), admin)
        .await;
    board.assert_status(StatusCode::OK);
    board.body.contains(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grid_worker_cannot_reach_a_resident_of_another_community_by_id_number() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    let before = state(&t, l.other.0).await;
    let grid = t.login("grid").await;
    let admin = t.login("admin").await;
    // Line 2: the ID number of the other community's resident, placed in grid 1 with a
    // new phone. Line 3: a new ID number in a grid of the other community.
    let file = csv(&[
        row(G1, "901", "丙三", 3, "13999990000"),
        row(OTHER, "902", "丁四", 40, "13999990001"),
    ]);
    for dry_run in [true, false] {
        let out = import(&t, &grid, &file, dry_run).await;
        // Nothing tells the two rows apart: the same reason, nothing updated.
        out.counts(0, 0, 0, 2);
        out.page.assert_contains(OUTSIDE);
        assert_eq!(out.reason(2), Some(OUTSIDE), "{}", out.rejects);
        assert_eq!(out.reason(3), Some(OUTSIDE), "{}", out.rejects);
        // The resident is where they were, with the phone they had.
        assert_eq!(state(&t, l.other.0).await, before, "dry run: {dry_run}");
        // No place was made for the rejected row.
        assert!(!building_shown(&t, &admin, "9栋").await);
    }
    // And stays out of the grid worker's reach.
    t.get(&format!("/ledger/residents/{}", l.other.0), &grid)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.post_form(
        &format!("/ledger/residents/{}/unmask", l.other.0),
        &[("_csrf", CSRF), ("purpose", "check")],
        &grid,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_inside_the_importers_grid_still_works() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    let before = record(&t, l.g1.0).await;
    let grid = t.login("grid").await;
    // The grid-1 resident, in the same grid, with a new phone; and a new resident.
    let file = csv(&[
        row(G1, "101", "甲一", 1, "13999990002"),
        row(G1, "102", "戊五", 50, "13999990003"),
    ]);
    import(&t, &grid, &file, true).await.counts(1, 1, 0, 0);
    assert_eq!(record(&t, l.g1.0).await.pii.phone_idx, before.pii.phone_idx);
    import(&t, &grid, &file, false).await.counts(1, 1, 0, 0);
    let after = record(&t, l.g1.0).await;
    assert_eq!(after.grid_id, t.nodes.grid);
    assert_ne!(after.pii.phone_idx, before.pii.phone_idx);
    import(&t, &grid, &file, false).await.counts(0, 0, 2, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_a_resident_by_import_needs_the_old_place_and_the_new() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    // Grid 2's resident into grid 1: the grid-1 worker holds only the new place.
    let file = csv(&[row(G1, "903", "乙二", 2, "13999990004")]);
    let before = state(&t, l.g2.0).await;
    let grid = t.login("grid").await;
    for dry_run in [true, false] {
        let out = import(&t, &grid, &file, dry_run).await;
        out.counts(0, 0, 0, 1);
        assert_eq!(out.reason(2), Some(OUTSIDE), "{}", out.rejects);
        assert_eq!(state(&t, l.g2.0).await, before);
    }
    // The community's staff hold both places: the resident moves.
    let staff = t.login("staff").await;
    import(&t, &staff, &file, true).await.counts(0, 1, 0, 0);
    assert_eq!(state(&t, l.g2.0).await, before);
    import(&t, &staff, &file, false).await.counts(0, 1, 0, 0);
    let moved = record(&t, l.g2.0).await;
    assert_eq!(moved.grid_id, t.nodes.grid);
    assert_ne!(moved.household_id, Some(l.g2.1));
    // The same staff cannot pull in a resident of the other community.
    let other_before = state(&t, l.other.0).await;
    let file = csv(&[row(G1, "904", "丙三", 3, "13999990005")]);
    for dry_run in [true, false] {
        let out = import(&t, &staff, &file, dry_run).await;
        out.counts(0, 0, 0, 1);
        assert_eq!(out.reason(2), Some(OUTSIDE), "{}", out.rejects);
        assert_eq!(state(&t, l.other.0).await, other_before);
    }
    // Nor can that community's staff push theirs into grid 1.
    let other_staff = t.login("other_staff").await;
    let out = import(&t, &other_staff, &file, false).await;
    out.counts(0, 0, 0, 1);
    assert_eq!(out.reason(2), Some(OUTSIDE), "{}", out.rejects);
    assert_eq!(state(&t, l.other.0).await, other_before);
}

#[tokio::test]
async fn moving_a_resident_by_hand_needs_the_old_place_and_the_new() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    let grid = t.login("grid").await;
    let staff = t.login("staff").await;
    let other_staff = t.login("other_staff").await;
    let g1_before = state(&t, l.g1.0).await;
    let other_before = state(&t, l.other.0).await;
    let moving = |household: i64| {
        vec![
            ("_csrf".to_owned(), CSRF.to_owned()),
            ("household_id".to_owned(), household.to_string()),
            ("relation".to_owned(), "other".to_owned()),
            ("reason".to_owned(), "moved".to_owned()),
        ]
    };
    let move_path = |r: i64| format!("/ledger/residents/{r}/move");

    // The grid-1 worker may move no one out of grid 1 to a place they do not hold.
    for target in [l.other.1, l.g2.1] {
        post(&t, &move_path(l.g1.0), moving(target), &grid)
            .await
            .assert_refused();
    }
    assert_eq!(state(&t, l.g1.0).await, g1_before);
    // Nor pull anyone in from a place they do not hold.
    for from in [l.other.0, l.g2.0] {
        post(&t, &move_path(from), moving(l.g1.1), &grid)
            .await
            .assert_refused();
    }
    // The other community's staff may not push theirs into grid 1, nor the community's
    // staff pull them in.
    for who in [&other_staff, &staff] {
        post(&t, &move_path(l.other.0), moving(l.g1.1), who)
            .await
            .assert_refused();
    }
    assert_eq!(state(&t, l.other.0).await, other_before);

    // Households: merging into, or out of, a household outside the actor's places,
    // or splitting members off into a room there.
    let merging = |into: i64| {
        vec![
            ("_csrf".to_owned(), CSRF.to_owned()),
            ("into_household_id".to_owned(), into.to_string()),
            ("reason".to_owned(), "merged".to_owned()),
        ]
    };
    for (from, into) in [(l.g1.1, l.other.1), (l.other.1, l.g1.1)] {
        post(
            &t,
            &format!("/ledger/households/{from}/merge"),
            merging(into),
            &staff,
        )
        .await
        .assert_refused();
    }
    let splitting = vec![
        ("_csrf".to_owned(), CSRF.to_owned()),
        ("room_id".to_owned(), l.g2.2.to_string()),
        ("ownership".to_owned(), "tenant".to_owned()),
        (format!("member_{}", l.g1.0), "1".to_owned()),
        ("reason".to_owned(), "split".to_owned()),
    ];
    post(
        &t,
        &format!("/ledger/households/{}/split", l.g1.1),
        splitting,
        &grid,
    )
    .await
    .assert_refused();
    assert_eq!(state(&t, l.g1.0).await, g1_before);
    assert_eq!(state(&t, l.other.0).await, other_before);

    // Through the API: adding a resident to a household outside the caller's places.
    let req = Request::post("/api/v1/ledger/residents")
        .header(header::COOKIE, &grid)
        .header("x-csrf-token", CSRF)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({"household_id": l.other.1, "name": "己六", "gender": "female",
                "birth_date": "1985-03-04", "relation": "other", "reason": "test"})
            .to_string(),
        ))
        .expect("request");
    t.send(req).await.assert_refused();

    // Staff holding both grids of their community move a resident between them.
    post(&t, &move_path(l.g1.0), moving(l.g2.1), &staff)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let moved = record(&t, l.g1.0).await;
    assert_eq!(
        (moved.grid_id, moved.household_id),
        (t.nodes.grid2, Some(l.g2.1))
    );
    assert_eq!(record(&t, l.other.0).await.grid_id, l.other_grid);
}

async fn post(t: &TestApp, path: &str, fields: Vec<(String, String)>, who: &str) -> TestResponse {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    t.post_form(path, &fields, who).await
}
