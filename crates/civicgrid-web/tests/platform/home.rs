//! The home page per role through the real router: each role lands on what it works
//! on, never on a list of its permissions, with figures read from the data.

use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::domain::requests::Channel;
use civicgrid_app::requests::intake::NewRequest;

use crate::support::TestApp;

const ZH: &str = "zh-CN,zh;q=0.9";

async fn actor(t: &TestApp, username: &str) -> Actor {
    t.app
        .actor_of_account(&Actor::system(), username)
        .await
        .expect("account")
}

/// Two requests in Grid One made overdue (their deadline moved into the past) and
/// one waiting and due soon (warned, its deadline still ahead).
async fn seed_requests(t: &TestApp) {
    let resident = actor(t, "resident").await;
    let mut ids = Vec::new();
    // Noise goes to the grid worker; sanitation to the property company, and without
    // one to the community staff.
    for (text, category) in [
        ("楼道灯坏了", "sanitation"),
        ("楼上深夜装修噪音", "noise"),
        ("垃圾未清运", "sanitation"),
    ] {
        let v = t
            .app
            .submit_request(
                &resident,
                NewRequest {
                    channel: Channel::ResidentWeb,
                    category: Some(category.into()),
                    description: text.into(),
                    grid_id: Some(t.nodes.grid),
                    building_id: None,
                    room_id: None,
                    point: None,
                    address: "1栋".into(),
                    on_behalf: None,
                    public: false,
                    received_at: None,
                },
            )
            .await
            .expect("submit");
        ids.push(v.id.0);
    }
    let mut tx = t.app.db().begin_write().await.expect("tx");
    for id in &ids[..2] {
        sqlx::query("UPDATE requests SET due_at = 1000, warn_at = 500 WHERE id = $1")
            .bind(*id)
            .execute(&mut *tx)
            .await
            .expect("backdate");
    }
    sqlx::query("UPDATE requests SET due_at = $2, warn_at = 500 WHERE id = $1")
        .bind(ids[2])
        .bind(i64::MAX / 2)
        .execute(&mut *tx)
        .await
        .expect("warn");
    civicgrid_store::commit(tx).await.expect("commit");
}

fn figure(body: &str, href: &str) -> String {
    let at = body
        .find(&format!("href=\"{href}\""))
        .unwrap_or_else(|| panic!("no link to {href} in {body}"));
    let rest = &body[at..];
    let start = rest.find("<strong>").expect("figure") + "<strong>".len();
    let end = rest.find("</strong>").expect("figure end");
    rest[start..end].to_owned()
}

/// The count of the home page's figure linking to `href`, if there is one.
fn count_of(body: &str, href: &str) -> Option<i64> {
    let marker = format!("href=\"{href}\"><strong>");
    let at = body.find(&marker)? + marker.len();
    let rest = &body[at..];
    rest[..rest.find("</strong>")?].parse().ok()
}

#[tokio::test]
async fn each_role_lands_on_its_work_not_its_permissions() {
    let t = TestApp::new().await;
    seed_requests(&t).await;

    // The resident: one big button, their open requests, their household.
    let c = t.login("resident").await;
    let r = t.get_in("/", &c, ZH).await;
    r.assert_contains("我要反映")
        .assert_contains("href=\"/requests/new\"")
        .assert_contains("楼道灯坏了")
        .assert_contains("href=\"/me/household\"");

    // Community staff: what waits, counted from the data, linking to the queue.
    let c = t.login("staff").await;
    let r = t.get_in("/", &c, ZH).await;
    r.assert_contains("待受理").assert_contains("已超时");
    assert_eq!(
        figure(&r.body, "/requests/queue?kind=scope&amp;status=submitted"),
        "3"
    );
    assert_eq!(figure(&r.body, "/requests/queue?kind=overdue"), "2");
    assert_eq!(figure(&r.body, "/requests/queue?kind=due_soon"), "1");
    // Each count opens its own filter of the queue.
    let soon = t.get_in("/requests/queue?kind=due_soon", &c, ZH).await;
    soon.assert_contains("即将超时")
        .assert_contains("垃圾未清运");
    assert!(
        !soon.body.contains("楼道灯坏了"),
        "an overdue one is not due soon"
    );
    let late = t.get_in("/requests/queue?kind=overdue", &c, ZH).await;
    late.assert_contains("楼道灯坏了")
        .assert_contains("楼上深夜装修噪音");
    assert!(
        !late.body.contains("垃圾未清运"),
        "a due-soon one is not overdue"
    );
    assert_eq!(figure(&r.body, "/requests/queue?kind=flagged"), "0");
    r.assert_contains("href=\"/requests/intake\"")
        .assert_contains("href=\"/ledger/search\"");

    // The street: each community side by side, with its open and overdue counts.
    let c = t.login("street").await;
    let r = t.get_in("/", &c, ZH).await;
    r.assert_contains("幸福社区")
        .assert_contains("data-label=\"社区\"")
        .assert_contains("<strong class=\"overdue\">2</strong>");
    assert!(!r.body.contains("和平社区"), "another street's community");

    // The grid worker: today's tasks and their grid's room board.
    let c = t.login("grid").await;
    let r = t.get_in("/", &c, ZH).await;
    r.assert_contains("今日任务")
        .assert_contains("楼上深夜装修噪音")
        .assert_contains(&format!("href=\"/ledger/grids/{}\"", t.nodes.grid));

    // The responder: its organisations' open requests.
    let c = t.login("responder").await;
    t.get_in("/", &c, ZH)
        .await
        .assert_contains("本单位在办诉求")
        .assert_contains("href=\"/requests/queue?kind=my_orgs\"");

    // The auditor: what the logs recorded lately, counted and listed, linking to
    // them; not the accounts, which it does not manage.
    let c = t.login("auditor").await;
    let r = t.get_in("/", &c, ZH).await;
    r.assert_contains("href=\"/audit\"")
        .assert_contains("href=\"/audit/views\"")
        .assert_contains("最新审计记录")
        .assert_contains("data-label=\"操作人\"");
    assert!(
        count_of(&r.body, "/audit").is_some_and(|n| n > 0),
        "{}",
        r.body
    );
    assert!(count_of(&r.body, "/audit/views").is_some(), "{}", r.body);
    assert!(count_of(&r.body, "/users").is_none(), "{}", r.body);

    // The administrator: the accounts and units it manages, and the audit log.
    let c = t.login("admin").await;
    let r = t.get_in("/", &c, ZH).await;
    r.assert_contains("账号").assert_contains("组织单元");
    assert!(
        count_of(&r.body, "/users").is_some_and(|n| n >= 8),
        "{}",
        r.body
    );
    assert!(
        count_of(&r.body, "/org").is_some_and(|n| n >= 4),
        "{}",
        r.body
    );
    assert!(
        count_of(&r.body, "/audit").is_some_and(|n| n > 0),
        "{}",
        r.body
    );
    r.assert_contains("最新审计记录");

    // Nobody sees the list of permissions any more.
    for who in ["admin", "resident", "staff", "street", "grid", "responder"] {
        let c = t.login(who).await;
        let r = t.get_in("/", &c, ZH).await;
        assert!(!r.body.contains("您的角色"), "{who} sees the role list");
        assert!(!r.body.contains("class=\"may\""), "{who} sees permissions");
    }
}

#[tokio::test]
async fn menus_offer_what_each_role_may_reach_and_fold_on_a_phone() {
    let t = TestApp::new().await;
    let c = t.login("staff").await;
    let r = t.get_in("/", &c, ZH).await;
    for href in [
        "/ledger/search",
        "/ledger/import",
        "/ledger/export",
        "/requests/settings",
    ] {
        r.assert_contains(&format!("href=\"{href}\""));
    }
    r.assert_contains(&format!(
        "href=\"/ledger/population/{}\"",
        t.nodes.community
    ))
    .assert_contains("<details class=\"phonenav\">");
    let c = t.login("resident").await;
    let r = t.get_in("/", &c, ZH).await;
    r.assert_contains("href=\"/me/data-access\"");
    for href in ["/ledger/import", "/requests/settings", "/audit/views"] {
        assert!(
            !r.body.contains(&format!("href=\"{href}\"")),
            "a resident is offered {href}"
        );
    }
}
