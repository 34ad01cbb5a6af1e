//! The ledger pages through the real router: the room board, masked resident cards,
//! unmasking with a purpose (audited), a resident's own pages, and forms that keep
//! what was typed when they reject it.

use axum::http::StatusCode;
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::ResidentInput;
use civicgrid_store::platform::audit::AuditFilter;

use crate::support::ledger::{ZHANG_ID, zhang_xiuying};
use crate::support::{CSRF, TestApp};

struct Ledger {
    household: i64,
    resident: i64,
    other: i64,
}

async fn seed(t: &TestApp) -> Ledger {
    let (household, resident) = zhang_xiuying(t, Some("92.5"), &["独居老人"]).await;
    let (_, h2) = t
        .household_in(
            t.nodes.grid,
            ("3栋", "2单元", "502", Some(5)),
            "tenant",
            None,
        )
        .await;
    let other = t
        .resident(ResidentInput {
            household_id: h2,
            name: "刘德明".into(),
            gender: Some("male".into()),
            birth_date: Some("1988-08-08".into()),
            relation: "head".into(),
            ..ResidentInput::default()
        })
        .await;
    Ledger {
        household,
        resident,
        other,
    }
}

#[tokio::test]
async fn grid_worker_sees_the_board_and_masked_cards() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    let grid = t.login("grid").await;
    t.get("/ledger", &grid)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&format!("/ledger/grids/{}", t.nodes.grid));
    let board = t
        .get(&format!("/ledger/grids/{}", t.nodes.grid), &grid)
        .await;
    board
        .assert_status(StatusCode::OK)
        .assert_contains("Bldg 3 Unit 2")
        .assert_contains("501")
        .assert_contains("room occupied")
        .assert_contains("room rented")
        .assert_contains("Elderly living alone")
        .assert_contains(&format!("/ledger/households/{}", l.household));
    t.get(&format!("/ledger/households/{}", l.household), &grid)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("张秀英")
        .assert_contains("92.50");
    let card = t
        .get(&format!("/ledger/residents/{}", l.resident), &grid)
        .await;
    card.assert_status(StatusCode::OK)
        .assert_contains("110105********002X")
        .assert_contains("138****5678")
        .assert_contains("1949-12-**");
    assert!(
        !card.body.contains(ZHANG_ID)
            && !card.body.contains("13812345678")
            && !card.body.contains("1949-12-31")
    );
    // Chinese interface.
    t.get_in(&format!("/ledger/grids/{}", t.nodes.grid), &grid, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("每栋每户");
    // Someone without ledger rights is refused.
    let volunteer = t.login("volunteer").await;
    let res = t
        .get(&format!("/ledger/residents/{}", l.resident), &volunteer)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let other_staff = t.login("other_staff").await;
    let res = t
        .get(&format!("/ledger/grids/{}", t.nodes.grid), &other_staff)
        .await;
    // Another community's grid is out of sight: not found, as a missing one.
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unmasking_needs_a_purpose_and_is_audited() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    let grid = t.login("grid").await;
    let path = format!("/ledger/residents/{}/unmask", l.resident);
    let res = t
        .post_form(&path, &[("_csrf", CSRF), ("purpose", "  ")], &grid)
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!res.body.contains(ZHANG_ID));
    let res = t
        .post_form(
            &path,
            &[("_csrf", CSRF), ("purpose", "subsidy payment")],
            &grid,
        )
        .await;
    res.assert_status(StatusCode::OK)
        .assert_contains(ZHANG_ID)
        .assert_contains("13812345678")
        .assert_contains("1949-12-31");
    assert!(
        res.header(axum::http::header::CACHE_CONTROL)
            .contains("no-store")
    );
    // Not cached on the card afterwards.
    let again = t
        .get(&format!("/ledger/residents/{}", l.resident), &grid)
        .await;
    assert!(!again.body.contains(ZHANG_ID));
    let entries = t
        .app
        .audit_entries(
            &Actor::system(),
            AuditFilter {
                target_type: Some("resident".into()),
                target_id: Some(l.resident.to_string()),
                ..AuditFilter::default()
            },
            50,
        )
        .await
        .unwrap();
    let e = entries
        .iter()
        .find(|e| e.fields.action == "ledger.resident.unmask")
        .expect("an unmask entry");
    assert_eq!(e.fields.reason.as_deref(), Some("subsidy payment"));
    assert!(!e.fields.details.contains(ZHANG_ID));
    // A street admin may look but not unmask.
    let street = t.login("street").await;
    let res = t
        .post_form(&path, &[("_csrf", CSRF), ("purpose", "curious")], &street)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_resident_sees_their_own_household_and_who_accessed_it() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    let resident_cookie = t.login("resident").await;
    t.get("/me/household", &resident_cookie)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("not linked");
    let grid = t.login("grid").await;
    let staff = t.login("staff").await;
    // Linking (by the community's staff) needs an account that exists; the form keeps
    // what was typed.
    let link = format!("/ledger/residents/{}/link", l.resident);
    t.post_form(
        &link,
        &[("_csrf", CSRF), ("username", "nobody-here")],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("value=\"nobody-here\"");
    let res = t
        .post_form(&link, &[("_csrf", CSRF), ("username", "resident")], &staff)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    t.post_form(
        &format!("/ledger/residents/{}/unmask", l.resident),
        &[("_csrf", CSRF), ("purpose", "welfare visit")],
        &grid,
    )
    .await
    .assert_status(StatusCode::OK);
    let mine = t.get("/me/household", &resident_cookie).await;
    mine.assert_status(StatusCode::OK)
        .assert_contains("张秀英")
        .assert_contains("501");
    assert!(!mine.body.contains("刘德明"), "another household leaked");
    assert!(!mine.body.contains(ZHANG_ID));
    t.get("/me/data-access", &resident_cookie)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("welfare visit")
        .assert_contains("grid")
        .assert_contains("ledger.resident.unmask");
    // Their account cannot open the staff cards, neither theirs nor others'.
    let res = t
        .get(&format!("/ledger/residents/{}", l.other), &resident_cookie)
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // The JSON view agrees.
    let api = t.get("/api/v1/me/household", &resident_cookie).await;
    api.assert_status(StatusCode::OK).assert_contains("张秀英");
    assert!(!api.body.contains("刘德明"));
}

#[tokio::test]
async fn forms_reject_bad_input_and_keep_what_was_typed() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    let grid = t.login("grid").await;
    let add = format!("/ledger/households/{}/residents", l.household);
    let typed = [
        ("name", "陈小红"),
        ("id_number", "110105194912310021"),
        ("phone", "13900001111"),
        ("relation", "child"),
        ("tag_low_income", "1"),
    ];
    let res = t.submit(&add, &[&typed], &grid).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("value=\"陈小红\"")
        .assert_contains("value=\"13900001111\"")
        .assert_contains("name=\"tag_low_income\" value=\"1\" checked")
        .assert_contains("aria-invalid=\"true\"");
    // The edit form needs a reason.
    let res = t
        .post_form(
            &format!("/ledger/residents/{}/edit", l.resident),
            &[
                ("_csrf", CSRF),
                ("name", "张秀兰"),
                ("phone", "12"),
                ("reason", ""),
            ],
            &grid,
        )
        .await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("value=\"张秀兰\"");
    // A valid add goes through and lands on the new card with its history.
    let born = [
        ("name", "陈小红"),
        ("gender", "female"),
        ("birth_date", "2015-06-01"),
        ("relation", "grandchild"),
        ("reason", "birth registration"),
    ];
    let res = t.submit(&add, &[&born], &grid).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let card = t.get(res.location(), &grid).await;
    card.assert_status(StatusCode::OK)
        .assert_contains("陈小红")
        .assert_contains("Resident added")
        .assert_contains("birth registration")
        .assert_contains("Minor");
    // A death with a bad date is refused, then recorded.
    let path = format!("/ledger/residents/{}/departure", l.resident);
    let death = |date| [("status", "deceased"), ("date", date), ("reason", "family")];
    t.submit(&path, &[&death("2999-01-01")], &grid)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("value=\"2999-01-01\"");
    let res = t.submit(&path, &[&death("2026-01-05")], &grid).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    t.get(&format!("/ledger/residents/{}", l.resident), &grid)
        .await
        .assert_contains("Deceased")
        .assert_contains("Death recorded");
}

#[tokio::test]
async fn the_api_masks_and_unmasks_with_a_purpose() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    let grid = t.login("grid").await;
    let res = t
        .get(&format!("/api/v1/ledger/residents/{}", l.resident), &grid)
        .await;
    res.assert_status(StatusCode::OK)
        .assert_contains("110105********002X");
    assert!(!res.body.contains(ZHANG_ID));
    t.get(
        &format!("/api/v1/ledger/grids/{}/board", t.nodes.grid),
        &grid,
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("\"state\":\"occupied\"");
    t.get("/api/openapi.json", "")
        .await
        .assert_contains("/api/v1/ledger/residents/{id}/unmask");
}
