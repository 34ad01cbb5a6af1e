//! A resident signs up as a volunteer, staff verify them and add a neighbour from the
//! ledger, publish an activity with shifts; the resident takes a shift (a full one, a
//! started one and one outside their area are refused), the organiser confirms
//! attendance (future dates and more hours than the shift are refused), the hours go
//! into the ledger, a correction is appended with its reason, and the resident reads
//! their hours by year and their certificate. Teams keep leaders. The API reads the
//! same, names masked on lists.

use axum::http::StatusCode;
use civicgrid_app::domain::platform::access::Actor;
use serde_json::Value;

use super::support::{PASSWORD, TestApp, user};

pub(super) fn day(offset: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

fn id_in(location: &str) -> i64 {
    location
        .split('?')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|n| n.parse().ok())
        .expect("an id in the redirect")
}

pub(super) fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// `username`, a resident account linked to a new ledger record named `name` in `grid`.
pub(super) async fn linked_resident(
    t: &TestApp,
    username: &str,
    grid: i64,
    building: &str,
    name: &str,
) -> i64 {
    let (_, _, resident) = t.household_of_one(grid, building, "101", name).await;
    if username != "resident" {
        user(&t.app, username, PASSWORD, "resident", grid).await;
    }
    t.app
        .link_username_to_resident(&Actor::system(), resident, username)
        .await
        .expect("link");
    resident
}

/// Moves the first shift of the database to a day in the past (2024-03-02, 09:00–11:00
/// in the community's time), as if time had passed since the sign-up.
async fn first_shift_into_the_past(t: &TestApp) {
    let mut conn = t.app.db().begin_write().await.unwrap();
    civicgrid_store::raw_execute(
        &mut conn,
        "UPDATE volunteer_shifts SET on_date = '2024-03-02', starts_at = 1709341200000, \
         ends_at = 1709348400000 WHERE id = (SELECT MIN(id) FROM volunteer_shifts)",
    )
    .await
    .unwrap();
    civicgrid_store::commit(conn).await.unwrap();
}

#[tokio::test]
async fn a_resident_volunteers_takes_a_shift_and_sees_confirmed_hours() {
    let t = TestApp::new().await;
    linked_resident(&t, "resident", t.nodes.grid, "3", "张秀英").await;
    let neighbour_record = linked_resident(&t, "neighbour", t.nodes.grid2, "8", "李建国").await;
    let resident = t.login("resident").await;
    let neighbour = t.login("neighbour").await;
    let staff = t.login("staff").await;
    let unlinked = t.login("volunteer").await;

    // An account without a ledger record is told why, and cannot sign up.
    t.get("/care/volunteer", &unlinked)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("not linked to a record");
    t.submit(
        "/care/volunteer",
        &[&[
            ("skill_first_aid", "1"),
            ("avail_weekends", "1"),
            ("coverage", "grid"),
        ]],
        &unlinked,
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);

    // The resident signs up; the form names what is missing.
    t.get("/care/volunteer", &resident)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Become a volunteer");
    t.submit(
        "/care/volunteer",
        &[&[("avail_weekends", "1"), ("coverage", "grid")]],
        &resident,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("Choose at least one skill");
    let r = t
        .submit(
            "/care/volunteer",
            &[&[
                ("skill_first_aid", "1"),
                ("skill_elderly_care", "1"),
                ("avail_weekends", "1"),
                ("coverage", "grid"),
                ("vehicle", "1"),
            ]],
            &resident,
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    t.get("/care/volunteer", &resident)
        .await
        .assert_contains("Waiting to be verified")
        .assert_contains("First aid");
    // Not verified yet: no activities to take.
    t.get("/care/activities", &resident)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("activities open once you are verified");

    // Staff see the registry with names masked, filter it and verify.
    let mine = json(
        &t.json("GET", "/api/v1/volunteers/me", &resident, "")
            .await
            .body,
    );
    let vid = mine["volunteer"]["id"].as_i64().expect("an entry");
    assert_eq!(mine["volunteer"]["status"], "pending");
    t.get("/care/volunteers", &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("张**")
        .assert_contains("Waiting to be verified");
    t.get("/care/volunteers?skill=legal", &staff)
        .await
        .assert_contains("No volunteers match.");
    t.submit(
        &format!("/care/volunteers/{vid}/status"),
        &[&[("status", "declined")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("say why");
    t.submit(
        &format!("/care/volunteers/{vid}/status"),
        &[&[("status", "verified")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    // Staff of another community do not see them at all.
    let other = t.login("other_staff").await;
    t.get(&format!("/care/volunteers/{vid}"), &other)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Staff add the neighbour from the ledger, covering the whole community; once.
    let (rid, vid_s) = (neighbour_record.to_string(), vid.to_string());
    let _ = vid_s;
    let added = t
        .submit(
            "/care/volunteers",
            &[&[
                ("resident_id", &rid),
                ("skill_repairs", "1"),
                ("avail_evenings", "1"),
                ("coverage", "community"),
            ]],
            &staff,
        )
        .await;
    added.assert_status(StatusCode::SEE_OTHER);
    let nid = id_in(added.location());
    t.submit(
        "/care/volunteers",
        &[&[
            ("resident_id", &rid),
            ("skill_repairs", "1"),
            ("avail_evenings", "1"),
            ("coverage", "community"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("in the registry already");
    t.submit(
        "/care/volunteers",
        &[&[
            ("resident_id", &rid),
            ("skill_repairs", "1"),
            ("avail_evenings", "1"),
            ("coverage", "community"),
        ]],
        &other,
    )
    .await
    .assert_refused();

    // Staff publish an activity in the resident's grid: a shift with two places and
    // one with one; and one in the other grid.
    let (grid_s, grid2_s) = (t.nodes.grid.to_string(), t.nodes.grid2.to_string());
    let (d1, d2) = (day(3), day(4));
    t.submit(
        "/care/activities",
        &[&[
            ("published_to", &grid_s),
            ("title", "敬老院探访"),
            ("place", "社区活动室"),
            ("s1_on", &d1),
            ("s1_starts", "11:00"),
            ("s1_ends", "09:00"),
            ("s1_slots", "2"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("the shift must end after it starts");
    let created = t
        .submit(
            "/care/activities",
            &[&[
                ("published_to", &grid_s),
                ("title", "敬老院探访"),
                ("place", "社区活动室"),
                ("skill_elderly_care", "1"),
                ("s1_on", &d1),
                ("s1_starts", "09:00"),
                ("s1_ends", "11:00"),
                ("s1_slots", "2"),
                ("s2_on", &d2),
                ("s2_starts", "14:00"),
                ("s2_ends", "16:00"),
                ("s2_slots", "1"),
            ]],
            &staff,
        )
        .await;
    created.assert_status(StatusCode::SEE_OTHER);
    let aid = id_in(created.location());
    let elsewhere = t
        .submit(
            "/care/activities",
            &[&[
                ("published_to", &grid2_s),
                ("title", "8栋义务维修"),
                ("place", "8栋楼下"),
                ("s1_on", &d1),
                ("s1_starts", "09:00"),
                ("s1_ends", "10:00"),
                ("s1_slots", "3"),
            ]],
            &staff,
        )
        .await;
    let far = id_in(elsewhere.location());
    let detail = json(
        &t.json("GET", &format!("/api/v1/activities/{aid}"), &staff, "")
            .await
            .body,
    );
    let shift1 = detail["shifts"][0]["id"].as_i64().unwrap();
    let shift2 = detail["shifts"][1]["id"].as_i64().unwrap();
    let far_shift = json(
        &t.json("GET", &format!("/api/v1/activities/{far}"), &staff, "")
            .await
            .body,
    )["shifts"][0]["id"]
        .as_i64()
        .unwrap();

    // The verified resident sees it and signs up for both shifts.
    t.get("/care/activities", &resident)
        .await
        .assert_contains("敬老院探访");
    t.get(&format!("/care/activities/{aid}"), &resident)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Sign up");
    for s in [shift1, shift2] {
        t.submit(
            &format!("/care/activities/{aid}/shifts/{s}/signup"),
            &[&[]],
            &resident,
        )
        .await
        .assert_status(StatusCode::SEE_OTHER);
    }
    // Twice is refused; so is a full shift, and an activity outside the area covered.
    t.submit(
        &format!("/care/activities/{aid}/shifts/{shift1}/signup"),
        &[&[]],
        &resident,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("holds a place on this shift already");
    t.submit(
        &format!("/care/activities/{aid}/shifts/{shift2}/signup"),
        &[&[]],
        &neighbour,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("the shift is full");
    t.submit(
        &format!("/care/activities/{far}/shifts/{far_shift}/signup"),
        &[&[]],
        &resident,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("outside the area the volunteer covers");
    // Withdrawing gives the place back; staff assign the neighbour to it.
    t.submit(
        &format!("/care/activities/{aid}/shifts/{shift2}/withdraw"),
        &[&[]],
        &resident,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.submit(
        &format!("/care/activities/{aid}/shifts/{shift2}/assign"),
        &[&[("volunteer_id", &nid.to_string())]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get("/care/volunteer", &resident)
        .await
        .assert_contains("Upcoming shifts")
        .assert_contains("敬老院探访");

    // Before the day, attendance is refused: hours on a future date.
    let roster = json(
        &t.json("GET", &format!("/api/v1/activities/{aid}"), &staff, "")
            .await
            .body,
    );
    let place = roster["shifts"][0]["roster"][0]["signup_id"]
        .as_i64()
        .unwrap();
    assert_eq!(roster["shifts"][0]["roster"][0]["name"], "张**");
    let place_s = place.to_string();
    t.submit(
        &format!("/care/activities/{aid}/shifts/{shift1}/attendance"),
        &[&[
            ("signup_id", &place_s),
            ("outcome", "attended"),
            ("hours", "2"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("future date");

    // The shift took place: more hours than it lasted are refused, two are recorded.
    first_shift_into_the_past(&t).await;
    t.submit(
        &format!("/care/activities/{aid}/shifts/{shift1}/attendance"),
        &[&[
            ("signup_id", &place_s),
            ("outcome", "attended"),
            ("hours", "3"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("more hours than the shift lasts");
    t.submit(
        &format!("/care/activities/{aid}/shifts/{shift1}/attendance"),
        &[&[
            ("signup_id", &place_s),
            ("outcome", "attended"),
            ("hours", "2"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    // Signing up for a shift that has started is refused.
    t.submit(
        &format!("/care/activities/{aid}/shifts/{shift1}/signup"),
        &[&[]],
        &neighbour,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("already started");

    // The hours are in the ledger; a correction is a new entry with its reason.
    let hours = json(
        &t.json(
            "GET",
            &format!("/api/v1/volunteers/{vid}/hours"),
            &staff,
            "",
        )
        .await
        .body,
    );
    assert_eq!(hours["total_hours"], "2");
    let entry = hours["entries"][0]["id"].as_i64().unwrap().to_string();
    t.submit(
        &format!("/care/volunteers/{vid}/hours"),
        &[&[("entry_id", &entry), ("hours", "-0.5")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("say why the hours are corrected");
    t.submit(
        &format!("/care/volunteers/{vid}/hours"),
        &[&[("entry_id", &entry), ("hours", "+1"), ("reason", "多算")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("more hours than the shift lasts");
    t.submit(
        &format!("/care/volunteers/{vid}/hours"),
        &[&[
            ("entry_id", &entry),
            ("hours", "-0.5"),
            ("reason", "提前半小时离开"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let hours = json(
        &t.json("GET", "/api/v1/volunteers/me", &resident, "")
            .await
            .body,
    )["hours"]
        .clone();
    assert_eq!(hours["total_hours"], "1.5");
    assert_eq!(hours["years"][0]["year"], 2024);
    let entries = hours["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0]["kind"].as_str(), entries[0]["hours"].as_str()),
        (Some("correction"), Some("-0.5"))
    );
    assert_eq!(
        entries[1]["hours"], "2",
        "the corrected entry stays as it was"
    );
    assert_eq!(entries[0]["corrects_id"], entries[1]["id"]);

    // The resident's page and certificate.
    t.get("/care/volunteer", &resident)
        .await
        .assert_contains("In 2024")
        .assert_contains("提前半小时离开")
        .assert_contains("Certificate of hours");
    t.get("/care/volunteer/certificate", &resident)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("张秀英")
        .assert_contains("has served 1.5 hours");
    t.get("/care/volunteer/certificate", &unlinked)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Every change is in the audit log.
    let admin = t.login("admin").await;
    let audit = t.get("/audit", &admin).await;
    for action in [
        "Signed up as a volunteer",
        "s status changed",
        "Volunteer added from the ledger",
        "Activity published",
        "Signed up for a shift",
        "Assigned to a shift",
        "Attendance confirmed",
        "Volunteer hours corrected",
    ] {
        assert!(audit.body.contains(action), "{action} not in the audit log");
    }

    // The API: lists masked, a resident cannot read the registry.
    let list = json(
        &t.json("GET", "/api/v1/volunteers?status=verified", &staff, "")
            .await
            .body,
    );
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert!(
        names.contains(&"张**") && names.contains(&"李**"),
        "{names:?}"
    );
    t.json("GET", "/api/v1/volunteers", &resident, "")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let auditor = t.login("auditor").await;
    t.json(
        "GET",
        &format!("/api/v1/volunteers/{vid}/hours"),
        &auditor,
        "",
    )
    .await
    .assert_status(StatusCode::OK);
    t.json(
        "POST",
        &format!("/api/v1/activities/{aid}/shifts/{shift2}/attendance"),
        &staff,
        r#"{"signup_id":1,"outcome":"attended","hours":"1"}"#,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn teams_gather_verified_volunteers_with_leaders() {
    let t = TestApp::new().await;
    let record = linked_resident(&t, "resident", t.nodes.grid, "3", "张秀英").await;
    let staff = t.login("staff").await;
    let added = t
        .submit(
            "/care/volunteers",
            &[&[
                ("resident_id", &record.to_string()),
                ("skill_tutoring", "1"),
                ("avail_weekends", "1"),
                ("coverage", "community"),
            ]],
            &staff,
        )
        .await;
    let vid = id_in(added.location()).to_string();
    let community = t.nodes.community.to_string();
    t.submit(
        "/care/teams",
        &[&[
            ("community_id", &community),
            ("name", " "),
            ("team_kind", "building"),
        ]],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("give the team a name");
    let created = t
        .submit(
            "/care/teams",
            &[&[
                ("community_id", &community),
                ("name", "3栋志愿服务队"),
                ("team_kind", "building"),
            ]],
            &staff,
        )
        .await;
    created.assert_status(StatusCode::SEE_OTHER);
    let team = id_in(created.location());
    t.submit(
        &format!("/care/teams/{team}/members"),
        &[&[("volunteer_id", &vid), ("change", "lead")]],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.get(&format!("/care/teams/{team}"), &staff)
        .await
        .assert_contains("张**")
        .assert_contains("Leader");
    t.get("/care/teams", &staff)
        .await
        .assert_contains("3栋志愿服务队")
        .assert_contains("Building team");
    let resident = t.login("resident").await;
    t.get("/care/volunteer", &resident)
        .await
        .assert_contains("3栋志愿服务队");
    // Staff elsewhere neither see nor change it.
    let other = t.login("other_staff").await;
    t.get(&format!("/care/teams/{team}"), &other)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.submit(
        &format!("/care/teams/{team}/members"),
        &[&[("volunteer_id", &vid), ("change", "remove")]],
        &other,
    )
    .await
    .assert_refused();
}
