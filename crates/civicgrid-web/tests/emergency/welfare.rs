//! Welfare checks that reach the depot and the home pages: a volunteer checker finds a
//! household needing medicine and asks the community's depot for it on the same form
//! — a request and a material request are raised once however often the form is sent
//! —; the board draws every building on its map, coloured by how it stands, and links
//! the material request for staff; the households left climb onto the grid worker's
//! home page once half the time is gone, and not yet onto the staff's.

use axum::http::StatusCode;
use civicgrid_app::domain::emergency::materials::{ItemKind, ItemUnit};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::emergency::checks::NewCampaign;
use civicgrid_app::emergency::stock::Receipt;

use super::household;
use super::support::TestApp;

async fn count(t: &TestApp, sql: &'static str) -> i64 {
    let mut conn = t.app.db().read().await.expect("db");
    sqlx::query_scalar(sql)
        .fetch_one(&mut *conn)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_volunteer_checker_asks_the_depot_and_the_unchecked_climb_to_the_grid_worker() {
    let t = TestApp::new().await;
    let staff_cookie = t.login("staff").await;
    let grid = t.login("grid").await;
    let volunteer = t.login("volunteer").await;
    let staff = t
        .app
        .actor_of_account(&Actor::system(), "staff")
        .await
        .expect("staff");
    let volunteer_id = t
        .app
        .actor_of_account(&Actor::system(), "volunteer")
        .await
        .expect("volunteer")
        .user_id
        .expect("id");
    let alone = household(&t, "3", "302", "孙奶奶", "elderly_alone").await;
    household(&t, "3", "101", "周爷爷", "disabled").await;
    household(&t, "5", "201", "吴先生", "").await;

    // The community's depot keeps pills and masks (masks are not a check's to ask for).
    let depot = t
        .app
        .create_depot(&staff, t.nodes.community, "幸福社区应急仓库", "")
        .await
        .expect("depot");
    let pills = t
        .app
        .add_material_item(&staff, "硝苯地平缓释片", ItemKind::Medicine, ItemUnit::Box)
        .await
        .expect("item")
        .id;
    let masks = t
        .app
        .add_material_item(&staff, "医用口罩", ItemKind::Protective, ItemUnit::Box)
        .await
        .expect("item")
        .id;
    for item_id in [pills, masks] {
        t.app
            .receive_materials(
                &staff,
                depot.id,
                &Receipt {
                    item_id,
                    quantity: 10,
                    batch_code: String::new(),
                    expires_on: None,
                    reason: None,
                },
            )
            .await
            .expect("receipt");
    }

    // A drill; its checks began four hours ago with six hours to go.
    let r = t
        .submit(
            "/emergency",
            &[&[
                ("node", t.nodes.community.to_string().as_str()),
                ("kind", "drill"),
                ("hazard", "flood"),
                ("level", "4"),
                ("reason", "防汛演练"),
            ]],
            &staff_cookie,
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let activation: i64 = r
        .location()
        .trim_start_matches("/emergency/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("the drill");
    let (campaign, n) = t
        .app
        .start_welfare_campaign(
            &staff,
            &NewCampaign {
                activation_id: activation,
                node_id: t.nodes.community,
                tags: Vec::new(),
                hours: 6,
                checkers: vec![volunteer_id],
                started_at: Some(civicgrid_app::now_ms() - 4 * 3_600_000),
            },
        )
        .await
        .expect("campaign");
    assert_eq!(n, 3);

    // The volunteer's form offers the pills, not the masks.
    let page = t.get_in("/emergency/checks", &volunteer, "zh-CN").await;
    page.assert_status(StatusCode::OK)
        .assert_contains("申领物资")
        .assert_contains("硝苯地平缓释片（箱）");
    assert!(!page.body.contains("医用口罩"));

    let path = format!("/emergency/campaigns/{}/checks", campaign.id);
    let send = |outcome: &'static str, item: i64, key: &'static str| {
        let t = &t;
        let volunteer = volunteer.clone();
        let path = path.clone();
        async move {
            let household = alone.to_string();
            let item = item.to_string();
            t.submit(
                &path,
                &[&[
                    ("household_id", household.as_str()),
                    ("outcome", outcome),
                    ("need_medicine", "1"),
                    ("check_item_0", item.as_str()),
                    ("check_qty_0", "2"),
                    ("check_item_1", ""),
                    ("client_key", key),
                ]],
                &volunteer,
            )
            .await
        }
    };
    // Items only for a household needing help, and only what the depot keeps for it.
    send("safe", pills, "k-0")
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("tick medicine or food");
    send("needs_help", masks, "k-0")
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&t, "SELECT COUNT(*) FROM welfare_checks").await, 0);
    // Sent twice with one key: one check, one request, one material request.
    for _ in 0..2 {
        send("needs_help", pills, "k-1")
            .await
            .assert_status(StatusCode::SEE_OTHER);
    }
    assert_eq!(count(&t, "SELECT COUNT(*) FROM welfare_checks").await, 1);
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM welfare_checks WHERE request_id IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM material_requests m JOIN welfare_checks c \
             ON m.source = 'welfare_check' AND m.source_id = c.id \
             AND m.household_id = c.household_id"
        )
        .await,
        1
    );
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM material_requests").await,
        1,
        "no other material request"
    );
    assert_eq!(
        count(&t, "SELECT MIN(quantity) FROM material_request_lines").await,
        2
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'materials.request'"
        )
        .await,
        1
    );
    let material = count(&t, "SELECT MIN(id) FROM material_requests").await;

    // The board: every building a pin on the map, the countdown, the material request
    // linked for staff.
    let board = format!("/emergency/campaigns/{}", campaign.id);
    let page = t.get_in(&board, &staff_cookie, "zh-CN").await;
    page.assert_status(StatusCode::OK)
        .assert_contains("还剩 1小时")
        .assert_contains("排查地图")
        .assert_contains(&format!("/materials/requests/{material}"));
    assert_eq!(page.body.matches(r#"class="pin pin-check-"#).count(), 2);
    assert_eq!(
        page.body.matches("pin-check-needs-help").count(),
        2,
        "pin and legend"
    );

    // Half the time gone: the grid worker's home shows the two left, linking to the
    // board filtered; the staff's does not yet.
    let home = t.get_in("/", &grid, "zh-CN").await;
    home.assert_status(StatusCode::OK)
        .assert_contains("你网格内还有 2 户未排查")
        .assert_contains(&format!("/emergency/campaigns/{}?left=1", campaign.id))
        .assert_contains(&format!("grid={}\"", t.nodes.grid));
    let home = t.get_in("/", &staff_cookie, "zh-CN").await;
    assert!(!home.body.contains("户未排查"), "not yet the staff's");
    // The filtered board keeps the buildings with households left.
    let left = t
        .get_in(
            &format!("{board}?left=1&grid={}", t.nodes.grid),
            &grid,
            "zh-CN",
        )
        .await;
    left.assert_status(StatusCode::OK)
        .assert_contains("只看未排查完的楼栋");
}
