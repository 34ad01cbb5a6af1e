//! Care pairings and visits through the real router: staff pair a resident living
//! alone with the grid worker, who logs visits on the phone page; "needs help" raises
//! a request; bad input is refused on its field; sealed notes are read on a page of
//! their own and every look is traced; a carer who is away is replaced without moving
//! the due date; the alert job raises each alert once however often it runs.

mod support;

use axum::http::StatusCode;
use civicgrid_app::domain::care::visits::DAY_MS;
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::ResidentInput;
use civicgrid_store::care::{alerts, pairings as pairing_repo};
use civicgrid_store::privacy::data_access::{self, ViewFilter};
use serde_json::Value;
use support::{CSRF, TestApp};

/// A resident holding `tag` in a room of the first grid; returns its id.
async fn resident(t: &TestApp, room: &str, name: &str, tag: &str) -> i64 {
    let (_, household) = t
        .household_in(t.nodes.grid, ("3", "1", room, Some(2)), "owner", None)
        .await;
    t.resident(ResidentInput {
        household_id: household,
        name: name.into(),
        gender: Some("female".into()),
        birth_date: Some("1941-03-04".into()),
        id_number: None,
        phone: None,
        relation: "head".into(),
        residence_status: None,
        tags: vec![tag.into()],
    })
    .await
}

async fn user_id(t: &TestApp, username: &str) -> i64 {
    t.app
        .actor_of_account(&Actor::system(), username)
        .await
        .expect("account")
        .user_id
        .expect("id")
}

/// Staff pair the resident with `carers` on the page; returns the pairing's id.
async fn pair(t: &TestApp, staff: &str, resident: i64, carers: &[i64]) -> i64 {
    let r = resident.to_string();
    let node = t.nodes.grid.to_string();
    let keys: Vec<String> = carers.iter().map(|c| format!("carer_{c}")).collect();
    let mut fields = vec![("node", node.as_str()), ("resident_id", r.as_str())];
    fields.extend(keys.iter().map(|k| (k.as_str(), "on")));
    let res = t.submit("/care/pairings", &[&fields], staff).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let loc = res.location().to_owned();
    loc.trim_start_matches("/care/pairings/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("pairing id")
}

fn body(res: &support::TestResponse) -> Value {
    serde_json::from_str(&res.body).unwrap_or_else(|_| panic!("not JSON: {}", res.body))
}

#[tokio::test]
async fn the_grid_worker_logs_a_visit_in_one_tap_on_the_phone_page() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let grid = t.login("grid").await;
    let r = resident(&t, "501", "孙奶奶", "elderly_alone").await;
    let grid_id = user_id(&t, "grid").await;
    let p = pair(&t, &staff, r, &[grid_id]).await;

    // Due at once: on the grid worker's list today, with its one-tap form.
    let list = t.get("/care/visits", &grid).await;
    list.assert_status(StatusCode::OK)
        .assert_contains("孙奶奶")
        .assert_contains(&format!("/care/pairings/{p}/visits"));
    let p_path = format!("/care/pairings/{p}/visits");
    let res = t
        .submit(
            &p_path,
            &[&[
                ("mode", "in_person"),
                ("outcome", "well"),
                ("notes", "精神很好，冰箱里有菜"),
            ]],
            &grid,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/care/visits?done=care_visit_logged");
    // The next visit falls due a cadence later (weekly for a resident living alone
    // aged 80+, fortnightly otherwise): not today any more.
    let stored = {
        let mut conn = t.app.db().read().await.unwrap();
        pairing_repo::get_pairing(&mut conn, p).await.unwrap()
    };
    let last = stored.last_visit_at.expect("visited");
    assert_eq!(stored.next_due_at, Some(last + stored.cadence.as_ms()));

    // The pairing page lists the visit with its notes hidden; the notes page opens
    // them and the look is traced for the resident's data-access page.
    let page = t.get(&format!("/care/pairings/{p}"), &grid).await;
    page.assert_status(StatusCode::OK)
        .assert_contains("Show notes");
    assert!(!page.body.contains("精神很好"), "notes shown on the list");
    let visit = page
        .body
        .split("/care/visits/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("a notes link")
        .to_owned();
    t.get(&format!("/care/visits/{visit}/notes"), &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("精神很好");
    let mut conn = t.app.db().read().await.unwrap();
    let views = data_access::list(
        &mut conn,
        &ViewFilter {
            resident_id: Some(r),
            ..ViewFilter::default()
        },
        50,
    )
    .await
    .unwrap();
    assert!(
        views
            .iter()
            .any(|v| v.action == "care.visit.notes.view" && v.actor_label == "staff")
    );
    assert!(views.iter().any(|v| v.action == "care.pairing.view"));
    drop(conn);
    // The street sees the pairing but not the notes; the volunteer does not see it.
    let street = t.login("street").await;
    t.get(&format!("/care/visits/{visit}/notes"), &street)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let volunteer = t.login("volunteer").await;
    t.get(&format!("/care/pairings/{p}"), &volunteer)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn needs_help_raises_a_request_and_bad_visits_are_refused_by_field() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let volunteer = t.login("volunteer").await;
    let r = resident(&t, "502", "周爷爷", "disabled").await;
    let v_id = user_id(&t, "volunteer").await;
    let p = pair(&t, &staff, r, &[v_id]).await;

    let res = t
        .json(
            "POST",
            "/api/v1/care/visits",
            &volunteer,
            &format!(
                r#"{{"pairing_id":{p},"mode":"phone","outcome":"needs_help","help":"家里水管漏水，需要人上门修理"}}"#
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let v = body(&res);
    let number = v["request_number"].as_str().expect("a request number");
    assert!(number.starts_with("R-"), "{number}");
    let request_id = v["request_id"].as_i64().expect("request id");
    let mut conn = t.app.db().read().await.unwrap();
    let rec = civicgrid_store::requests::get_request(
        &mut conn,
        civicgrid_app::domain::requests::RequestId(request_id),
    )
    .await
    .unwrap();
    assert_eq!(rec.requester_resident_id, Some(r));
    assert_eq!(rec.grid_id, t.nodes.grid);
    drop(conn);

    // A time in the future, an unknown outcome: refused on the field.
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let res = t
        .json(
            "POST",
            "/api/v1/care/visits",
            &volunteer,
            &format!(
                r#"{{"pairing_id":{p},"mode":"phone","outcome":"well","visited_at":"{future}"}}"#
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("visited_at"), "{}", res.body);
    let res = t
        .json(
            "POST",
            "/api/v1/care/visits",
            &volunteer,
            &format!(r#"{{"pairing_id":{p},"mode":"phone","outcome":"fine"}}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("outcome"), "{}", res.body);
    // Not paired with you: staff who see it are refused; the grid worker of the
    // grid is not a carer of this pairing either.
    let grid = t.login("grid").await;
    let well = format!(r#"{{"pairing_id":{p},"mode":"phone","outcome":"well"}}"#);
    t.json("POST", "/api/v1/care/visits", &staff, &well)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    t.json("POST", "/api/v1/care/visits", &grid, &well)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // On the page, the objection names the field.
    let res = t
        .submit(
            &format!("/care/pairings/{p}/visits"),
            &[&[("mode", "in_person"), ("outcome", "lost")]],
            &volunteer,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("outcome-error"), "{}", res.body);

    // Not reached: a retry today, the due date no later than it was.
    let before = {
        let mut conn = t.app.db().read().await.unwrap();
        pairing_repo::get_pairing(&mut conn, p).await.unwrap()
    };
    let res = t
        .json(
            "POST",
            "/api/v1/care/visits",
            &volunteer,
            &format!(r#"{{"pairing_id":{p},"mode":"in_person","outcome":"not_reached"}}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let after = {
        let mut conn = t.app.db().read().await.unwrap();
        pairing_repo::get_pairing(&mut conn, p).await.unwrap()
    };
    let retry = after.retry_at.expect("a retry");
    assert!(retry - civicgrid_app::now_ms() <= 3 * 3_600_000 + 1000);
    assert!(after.next_due_at <= before.next_due_at);
}

#[tokio::test]
async fn a_carer_away_is_replaced_and_the_due_date_stays() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let r = resident(&t, "503", "吴奶奶", "low_income").await;
    let grid_id = user_id(&t, "grid").await;
    let v_id = user_id(&t, "volunteer").await;
    let p = pair(&t, &staff, r, &[grid_id]).await;
    let due = {
        let mut conn = t.app.db().read().await.unwrap();
        pairing_repo::get_pairing(&mut conn, p)
            .await
            .unwrap()
            .next_due_at
    };
    let res = t
        .json(
            "POST",
            &format!("/api/v1/care/pairings/{p}/reassign"),
            &staff,
            &format!(r#"{{"carer_id":{grid_id},"new_carer_id":{v_id},"reason":"leave"}}"#),
        )
        .await;
    res.assert_status(StatusCode::OK);
    let v = body(&res);
    assert_eq!(
        v["next_due_at"],
        serde_json::to_value(due.map(civicgrid_web::api::time)).unwrap()
    );
    let detail = body(&t.get(&format!("/api/v1/care/pairings/{p}"), &staff).await);
    assert_eq!(detail["carers"][0][0].as_i64(), Some(v_id));
    // Someone who is not a carer of it cannot be "replaced".
    t.json(
        "POST",
        &format!("/api/v1/care/pairings/{p}/reassign"),
        &staff,
        &format!(r#"{{"carer_id":{grid_id},"new_carer_id":{v_id},"reason":"moved"}}"#),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    // Coverage counts the pairing.
    let cov = body(
        &t.get(
            &format!("/api/v1/care/coverage/{}", t.nodes.community),
            &staff,
        )
        .await,
    );
    assert_eq!(cov["total"]["paired"].as_i64(), Some(1));
    assert!(cov["total"]["vulnerable"].as_i64() >= Some(1));
    t.get(&format!("/care/coverage/{}", t.nodes.community), &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("<svg");
    // A household: the resident and the family living with them, visited together.
    let r2 = resident(&t, "506", "冯奶奶", "empty_nest").await;
    let h2 = {
        let mut conn = t.app.db().read().await.unwrap();
        civicgrid_store::ledger::get_resident(&mut conn, r2)
            .await
            .unwrap()
            .household_id
            .expect("a household")
    };
    let (r2s, h2s, g) = (r2.to_string(), h2.to_string(), t.nodes.grid.to_string());
    let carer = format!("carer_{grid_id}");
    let hidden = format!("household_of_{r2}");
    let res = t
        .submit(
            "/care/pairings",
            &[&[
                ("node", g.as_str()),
                ("resident_id", r2s.as_str()),
                (hidden.as_str(), h2s.as_str()),
                ("whole_household", "on"),
                (carer.as_str(), "on"),
            ]],
            &staff,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let mut conn = t.app.db().read().await.unwrap();
    let paired = pairing_repo::active_pairing_of(&mut conn, r2)
        .await
        .unwrap();
    assert_eq!(paired.and_then(|p| p.household_id), Some(h2));
    let _ = CSRF;
}

#[tokio::test]
async fn the_alert_job_raises_each_alert_once_however_often_it_runs() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let grid_id = user_id(&t, "grid").await;
    let r1 = resident(&t, "504", "郑奶奶", "elderly_alone").await;
    let r2 = resident(&t, "505", "王爷爷", "disabled").await;
    let p1 = pair(&t, &staff, r1, &[grid_id]).await;
    let p2 = pair(&t, &staff, r2, &[grid_id]).await;
    let now = civicgrid_app::now_ms();
    let alerts_of = |p: i64| {
        let app = t.app.clone();
        async move {
            let mut conn = app.db().read().await.unwrap();
            alerts::alerts_of(&mut conn, p).await.unwrap()
        }
    };
    // Two days late: the carer's alert.
    let first = t.app.run_care_alerts(now + 2 * DAY_MS).await.unwrap();
    assert_eq!(first.raised, 2);
    let again = t.app.run_care_alerts(now + 2 * DAY_MS).await.unwrap();
    assert_eq!(again.raised, 0);
    let a1 = alerts_of(p1).await;
    assert_eq!(a1.len(), 1);
    // Two runs at once, later: each level once.
    let later = now + 40 * DAY_MS;
    let (x, y) = tokio::join!(t.app.run_care_alerts(later), t.app.run_care_alerts(later));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x.raised + y.raised, 2, "{x:?} {y:?}");
    assert_eq!(x.red + y.red, 2, "{x:?} {y:?}");
    let levels: Vec<i64> = alerts_of(p1).await.iter().map(|a| a.1).collect();
    assert_eq!(levels, vec![1, 3]);
    assert_eq!(alerts_of(p2).await.len(), 2);
    let third = t.app.run_care_alerts(later).await.unwrap();
    assert_eq!((third.raised, third.red), (0, 0));
    // The staff's alerts; the grid's board flags the red.
    let list = body(&t.get("/api/v1/care/alerts", &staff).await);
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let board = t
        .get(&format!("/care/coverage/{}", t.nodes.grid), &staff)
        .await;
    board
        .assert_status(StatusCode::OK)
        .assert_contains("care-red");
}
