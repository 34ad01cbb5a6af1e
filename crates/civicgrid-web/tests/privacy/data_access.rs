//! Through the real router: a resident card or household card shown to staff (page or
//! API) leaves a trace that the resident reads on /me/data-access and auditors on
//! /audit/views; the audit log shows scopes as the names of their units.

use axum::http::StatusCode;
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_store::privacy::data_access::ViewFilter;

use crate::support::ledger::{ZHANG_ID, zhang_xiuying};
use crate::support::{CSRF, TestApp};

struct Ledger {
    household: i64,
    resident: i64,
}

async fn seed(t: &TestApp) -> Ledger {
    let (household, resident) = zhang_xiuying(t, None, &[]).await;
    Ledger {
        household,
        resident,
    }
}

async fn views_of(t: &TestApp, resident: i64) -> usize {
    t.app
        .data_views(
            &Actor::system(),
            ViewFilter {
                resident_id: Some(resident),
                ..ViewFilter::default()
            },
            500,
        )
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn the_resident_sees_who_was_shown_their_card() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    let grid = t.login("grid").await;
    // The community's staff link the resident account to the record (a form of the card).
    let staff = t.login("staff").await;
    t.post_form(
        &format!("/ledger/residents/{}/link", l.resident),
        &[("_csrf", CSRF), ("username", "resident")],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let resident = t.login("resident").await;
    t.get("/me/data-access", &resident)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Linked an account to a resident");
    assert_eq!(views_of(&t, l.resident).await, 0, "no card shown yet");

    t.get(&format!("/ledger/residents/{}", l.resident), &grid)
        .await
        .assert_status(StatusCode::OK);
    let street = t.login("street").await;
    t.get(&format!("/ledger/households/{}", l.household), &street)
        .await
        .assert_status(StatusCode::OK);
    // The JSON API shows the same card, and leaves the same trace.
    t.get(&format!("/api/v1/ledger/residents/{}", l.resident), &grid)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(views_of(&t, l.resident).await, 3);

    let page = t.get("/me/data-access", &resident).await;
    page.assert_status(StatusCode::OK)
        .assert_contains("Viewed a resident card (masked)")
        .assert_contains("Viewed a household card (masked)")
        .assert_contains("Grid worker")
        .assert_contains("Street administrator")
        .assert_contains("Masked view: no purpose needed");
    // In words, the code only as a hint.
    assert!(!page.body.contains(">ledger.resident.view<"));
    page.assert_contains("title=\"ledger.resident.view\"");
    assert!(!page.body.contains(ZHANG_ID));
    t.get_in("/me/data-access", &resident, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("查看居民卡片（已脱敏）")
        .assert_contains("网格员");

    // Unmasking is shown with its stated purpose.
    t.post_form(
        &format!("/ledger/residents/{}/unmask", l.resident),
        &[("_csrf", CSRF), ("purpose", "subsidy payment")],
        &grid,
    )
    .await
    .assert_status(StatusCode::OK);
    t.get("/me/data-access", &resident)
        .await
        .assert_contains("Viewed the full personal data")
        .assert_contains("subsidy payment");

    // A refused look leaves nothing.
    let before = views_of(&t, l.resident).await;
    let other_staff = t.login("other_staff").await;
    let res = t
        .get(&format!("/ledger/residents/{}", l.resident), &other_staff)
        .await;
    // (Outside the other staff's sight: not found, as a missing record.)
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(views_of(&t, l.resident).await, before);
}

#[tokio::test]
async fn auditors_read_card_views_and_scopes_by_name() {
    let t = TestApp::new().await;
    let l = seed(&t).await;
    let grid = t.login("grid").await;
    t.get(&format!("/ledger/residents/{}", l.resident), &grid)
        .await
        .assert_status(StatusCode::OK);

    let auditor = t.login("auditor").await;
    let page = t.get("/audit/views", &auditor).await;
    page.assert_status(StatusCode::OK)
        .assert_contains("Card views")
        .assert_contains("张**")
        .assert_contains("Bldg 3, Unit 2, Room 501")
        .assert_contains("Viewed a resident card (masked)")
        .assert_contains("Grid worker")
        .assert_contains("Test City › Test District › First Street › Xingfu Community › Grid One")
        .assert_contains(&format!("href=\"/org/{}\"", t.nodes.grid));
    // No personal value in full for the auditor: a masked name and the room.
    for secret in ["张秀英", ZHANG_ID, "13812345678"] {
        assert!(!page.body.contains(secret), "{secret} on /audit/views");
    }
    // Filtered by resident and by account.
    t.get(
        &format!("/audit/views?resident_id={}", l.resident),
        &auditor,
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("Views of 张**’s record")
    .assert_contains("href=\"/audit/views\"");
    t.get("/audit/views?resident_id=999999", &auditor)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Views of this resident’s record")
        .assert_contains("No entries.");
    t.get("/audit/views?user_id=1&before_id=", &auditor)
        .await
        .assert_status(StatusCode::OK);
    t.get("/audit/views?resident_id=abc", &auditor)
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    t.get_in("/audit/views", &auditor, "zh-CN")
        .await
        .assert_contains("信息查看记录")
        .assert_contains("3栋2单元501室")
        .assert_contains("测试市 › 测试区 › 一号街道 › 幸福社区 › 第一网格");

    // The audit log names the units of a scope instead of its path.
    let audit = t.get("/audit", &auditor).await;
    audit
        .assert_status(StatusCode::OK)
        .assert_contains("Test City › Test District › First Street › Xingfu Community")
        .assert_contains("Added a resident")
        .assert_contains(&format!("href=\"/org/{}\"", t.nodes.grid));
    assert!(!audit.body.contains("<code>/1/"), "a raw path is shown");
    t.get("/audit?target_type=resident", &auditor)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Added a resident")
        .assert_contains(&format!("href=\"/ledger/residents/{}\"", l.resident));
}
