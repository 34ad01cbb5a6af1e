//! Material requests from raising to hand-over, the stock ledger behind them, and who
//! may do what.

use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::materials::{
    ItemKind, ItemUnit, Line, MovementKind, RequestStatus, Source, TransferStatus,
};
use civicgrid_app::domain::platform::access::{Actor, Role};
use civicgrid_app::emergency::stock::Receipt;
use civicgrid_app::ledger::ResidentInput;
use civicgrid_store::Db;

use crate::support::{CITY, World};

/// Digits as Chinese numerals (names hold letters only).
fn chinese(digits: &str) -> String {
    const N: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    digits
        .chars()
        .filter_map(|c| c.to_digit(10).and_then(|d| N.get(d as usize)))
        .collect()
}

/// A household of `people` members in `grid`, the head holding `tags`.
async fn household(w: &World, grid: i64, room: &str, people: usize, tags: &[&str]) -> i64 {
    let (_, h) = w
        .owner_household(grid, ("3", "1", room), Some(1), None)
        .await;
    for i in 0..people {
        w.app
            .add_resident(
                &Actor::system(),
                &ResidentInput {
                    household_id: h,
                    name: format!("住户{}", chinese(&format!("{room}{i}"))),
                    gender: Some("female".into()),
                    birth_date: Some("1970-03-04".into()),
                    id_number: None,
                    phone: None,
                    relation: if i == 0 {
                        "head".into()
                    } else {
                        "child".into()
                    },
                    residence_status: None,
                    tags: if i == 0 {
                        tags.iter().map(|t| (*t).to_owned()).collect()
                    } else {
                        Vec::new()
                    },
                },
                None,
            )
            .await
            .unwrap();
    }
    h
}

fn receipt(item_id: i64, quantity: i64, code: &str) -> Receipt {
    Receipt {
        item_id,
        quantity,
        batch_code: code.into(),
        expires_on: None,
        reason: Some("区应急局调拨".into()),
    }
}

fn line(item_id: i64, quantity: i64) -> Vec<Line> {
    vec![Line { item_id, quantity }]
}

#[tokio::test]
async fn requests_are_served_by_priority_short_stock_asks_the_street_and_deliveries_are_confirmed()
{
    let w = World::new().await;
    let staff = w.actor("staff", Role::CommunityStaff, w.community).await;
    let street = w.actor("street", Role::StreetAdmin, w.street).await;
    let vol_id = w.user("vol", Role::Volunteer, w.community).await;
    let vol = w.sign_in("vol").await.actor;
    let depot = w
        .app
        .create_depot(&staff, w.community, "湖光社区应急仓库", "")
        .await
        .unwrap();
    // Staff of a community see their street's depot but do not open one.
    assert!(matches!(
        w.app.create_depot(&staff, w.street, "x", "").await,
        Err(AppError::Forbidden)
    ));
    let street_depot = w
        .app
        .create_depot(&street, w.street, "望湖街道应急仓库", "")
        .await
        .unwrap();
    let water = w
        .app
        .add_material_item(&staff, "矿泉水", ItemKind::Water, ItemUnit::Box)
        .await
        .unwrap();
    w.app
        .receive_materials(&staff, depot.id, &receipt(water.id, 3, "W1"))
        .await
        .unwrap();
    w.app
        .receive_materials(&street, street_depot.id, &receipt(water.id, 50, "S1"))
        .await
        .unwrap();

    let family = household(&w, w.grid, "101", 5, &[]).await;
    let alone = household(&w, w.grid, "102", 1, &["elderly_alone"]).await;
    let r_family = w
        .app
        .request_materials(&staff, family, &line(water.id, 2), Source::Staff)
        .await
        .unwrap();
    let r_alone = w
        .app
        .request_materials(&staff, alone, &line(water.id, 2), Source::WelfareCheck(7))
        .await
        .unwrap();
    assert_eq!((r_alone.vulnerability, r_alone.people), (30, 1));
    assert_eq!(r_family.people, 5);
    // The one living alone comes first, though raised later.
    let list = w
        .app
        .material_requests(&staff, Some(RequestStatus::Waiting))
        .await
        .unwrap();
    assert_eq!(
        list.iter().map(|l| l.r.id).collect::<Vec<_>>(),
        [r_alone.id, r_family.id]
    );

    // Three boxes: the first served, the second short, and the street depot asked.
    let run = w.app.allocate_materials(&staff, depot.id).await.unwrap();
    assert_eq!(run.issued, [r_alone.id]);
    assert_eq!(run.short, [r_family.id]);
    assert_eq!(run.transfers.len(), 1);
    let transfers = w.app.material_transfers(&street).await.unwrap();
    assert_eq!(transfers.len(), 1);
    assert!(transfers[0].may_decide);
    // The community's staff see it but do not decide it.
    assert!(!w.app.material_transfers(&staff).await.unwrap()[0].may_decide);
    assert!(matches!(
        w.app
            .decide_transfer(&staff, run.transfers[0], true, None, None)
            .await,
        Err(AppError::Forbidden)
    ));
    let t = w
        .app
        .decide_transfer(&street, run.transfers[0], true, Some(10), None)
        .await
        .unwrap();
    assert_eq!((t.status, t.quantity), (TransferStatus::Fulfilled, 10));
    let board = w.app.depot_board(&staff, depot.id).await.unwrap();
    assert_eq!(board.lines[0].on_hand, 11);
    let kinds: Vec<MovementKind> = board.movements.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [
            MovementKind::TransferIn,
            MovementKind::Issue,
            MovementKind::Receive
        ]
    );
    // Now the family's request is issued, to the volunteer.
    let issued = w
        .app
        .issue_material_request(&staff, r_family.id, depot.id, Some(vol_id))
        .await
        .unwrap();
    assert_eq!(issued.status, RequestStatus::Issued);
    let mine = w.app.my_material_deliveries(&vol).await.unwrap();
    assert_eq!(
        mine.iter().map(|l| l.r.id).collect::<Vec<_>>(),
        [r_family.id]
    );
    // The volunteer sees their own delivery, and nothing else.
    assert!(
        w.app
            .material_request(&vol, r_family.id)
            .await
            .unwrap()
            .may_confirm
    );
    assert!(matches!(
        w.app.material_request(&vol, r_alone.id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        w.app
            .confirm_material_delivery(&vol, r_alone.id, None)
            .await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(w.app.depots(&vol).await, Err(AppError::Forbidden)));
    let done = w
        .app
        .confirm_material_delivery(&vol, r_family.id, Some("交给本人"))
        .await
        .unwrap();
    assert_eq!(done.status, RequestStatus::Delivered);
    // Delivered twice is refused.
    assert!(
        w.app
            .confirm_material_delivery(&vol, r_family.id, None)
            .await
            .is_err()
    );
    // Every change is in the audit log.
    let mut conn = w.app.db().read().await.unwrap();
    for action in [
        "materials.depot_create",
        "materials.item_add",
        "materials.receive",
        "materials.request",
        "materials.issue",
        "materials.allocate",
        "materials.transfer_request",
        "materials.transfer_fulfil",
        "materials.delivered",
    ] {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
            .bind(action)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert!(n > 0, "{action} not audited");
    }
}

#[tokio::test]
async fn the_ledger_refuses_what_it_cannot_explain_and_hides_other_places() {
    let w = World::new().await;
    let staff = w.actor("staff", Role::CommunityStaff, w.community).await;
    let worker = w.actor("gridw", Role::GridWorker, w.grid).await;
    let other = w
        .actor("other", Role::CommunityStaff, w.other_community)
        .await;
    let auditor = w.actor("auditor", Role::Auditor, w.city).await;
    let depot = w
        .app
        .create_depot(&staff, w.community, "湖光社区应急仓库", "")
        .await
        .unwrap();
    let masks = w
        .app
        .add_material_item(&staff, "口罩", ItemKind::Protective, ItemUnit::Box)
        .await
        .unwrap();
    assert!(
        w.app
            .add_material_item(&staff, " 口罩 ", ItemKind::Protective, ItemUnit::Box)
            .await
            .is_err()
    );
    w.app
        .receive_materials(&staff, depot.id, &receipt(masks.id, 5, "M1"))
        .await
        .unwrap();
    let batch = w.app.depot_board(&staff, depot.id).await.unwrap().lines[0].batches[0]
        .batch
        .id;
    // A write-off and a count need a reason; a write-off cannot take more than there is.
    let e = w
        .app
        .write_off_stock(&staff, depot.id, batch, 1, None)
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        AppError::Invalid {
            field: "reason",
            ..
        }
    ));
    let e = w
        .app
        .write_off_stock(&staff, depot.id, batch, 6, Some("受潮"))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        AppError::Invalid {
            field: "quantity",
            ..
        }
    ));
    w.app
        .write_off_stock(&staff, depot.id, batch, 1, Some("受潮"))
        .await
        .unwrap();
    w.app
        .adjust_stock(&staff, depot.id, batch, 2, Some("盘点少两箱"))
        .await
        .unwrap();
    let e = w
        .app
        .adjust_stock(&staff, depot.id, batch, 2, Some("再点一次"))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        AppError::Invalid {
            field: "counted",
            ..
        }
    ));
    w.app
        .set_material_minimum(&staff, depot.id, masks.id, 10)
        .await
        .unwrap();
    let board = w.app.depot_board(&worker, depot.id).await.unwrap();
    assert!(!board.may_manage);
    assert_eq!((board.lines[0].on_hand, board.lines[0].low), (2, true));
    assert_eq!(board.low(), 1);
    let ledger = w.app.depot_ledger(&auditor, depot.id).await.unwrap();
    assert_eq!(
        ledger
            .iter()
            .map(|m| (m.kind, m.quantity, m.balance))
            .collect::<Vec<_>>(),
        [
            (MovementKind::Adjust, -2, 2),
            (MovementKind::WriteOff, -1, 4),
            (MovementKind::Receive, 5, 5),
        ]
    );
    // A grid worker follows but does not keep the depot; another community's staff
    // does not find it.
    assert!(matches!(
        w.app
            .receive_materials(&worker, depot.id, &receipt(masks.id, 1, ""))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app
            .receive_materials(&other, depot.id, &receipt(masks.id, 1, ""))
            .await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        w.app.depot_board(&other, depot.id).await,
        Err(AppError::NotFound(_))
    ));
    let h = household(&w, w.grid, "201", 2, &[]).await;
    assert!(matches!(
        w.app
            .request_materials(&other, h, &line(masks.id, 1), Source::Staff)
            .await,
        Err(AppError::NotFound(_))
    ));
    // A grid worker raises one from a welfare check, not as staff.
    assert!(matches!(
        w.app
            .request_materials(&worker, h, &line(masks.id, 1), Source::Staff)
            .await,
        Err(AppError::Forbidden)
    ));
    let r = w
        .app
        .request_materials(&worker, h, &line(masks.id, 1), Source::WelfareCheck(3))
        .await
        .unwrap();
    let e = w
        .app
        .cancel_material_request(&staff, r.id, None)
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        AppError::Invalid {
            field: "reason",
            ..
        }
    ));
    let c = w
        .app
        .cancel_material_request(&staff, r.id, Some("家属已送来"))
        .await
        .unwrap();
    assert_eq!(c.status, RequestStatus::Cancelled);
    let e = w
        .app
        .request_materials(&staff, h, &[], Source::Staff)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Invalid { field: "lines", .. }));
}

/// Twenty tasks issue twenty requests of one box each, at once, from a batch of ten:
/// exactly ten are issued, the batch ends at zero and the ledger explains every box.
async fn concurrent_issues_never_drive_stock_negative(w: World) {
    let staff = w.actor("staff", Role::CommunityStaff, w.community).await;
    let depot = w
        .app
        .create_depot(&staff, w.community, "湖光社区应急仓库", "")
        .await
        .unwrap();
    let water = w
        .app
        .add_material_item(&staff, "矿泉水", ItemKind::Water, ItemUnit::Box)
        .await
        .unwrap();
    w.app
        .receive_materials(&staff, depot.id, &receipt(water.id, 10, "W1"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..20 {
        let h = household(&w, w.grid, &format!("{}", 300 + i), 1, &[]).await;
        ids.push(
            w.app
                .request_materials(&staff, h, &line(water.id, 1), Source::Staff)
                .await
                .unwrap()
                .id,
        );
    }
    let mut tasks = Vec::new();
    for id in ids {
        let app = w.app.clone();
        let staff = staff.clone();
        let depot = depot.id;
        tasks.push(tokio::spawn(async move {
            app.issue_material_request(&staff, id, depot, None).await
        }));
    }
    let mut issued = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => issued += 1,
            Err(AppError::Conflict(_)) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(issued, 10);
    let board = w.app.depot_board(&staff, depot.id).await.unwrap();
    assert_eq!(board.lines[0].on_hand, 0);
    let ledger = w.app.depot_ledger(&staff, depot.id).await.unwrap();
    assert_eq!(ledger.iter().map(|m| m.quantity).sum::<i64>(), 0);
    assert!(ledger.iter().all(|m| m.balance >= 0));
    assert_eq!(
        ledger
            .iter()
            .filter(|m| m.kind == MovementKind::Issue)
            .count(),
        10
    );
    let waiting = w
        .app
        .material_requests(&staff, Some(RequestStatus::Waiting))
        .await
        .unwrap();
    assert_eq!(waiting.len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_issues_never_drive_stock_negative_on_sqlite() {
    concurrent_issues_never_drive_stock_negative(World::new().await).await;
}

/// The same on PostgreSQL when `CIVICGRID_TEST_POSTGRES_URL` names a server (an admin
/// URL on which a fresh database is created and dropped); passes without running
/// otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_issues_never_drive_stock_negative_on_postgres() {
    let Some(admin_url) = std::env::var("CIVICGRID_TEST_POSTGRES_URL").ok() else {
        return;
    };
    let name = format!("cg_app_{:016x}", rand::random::<u64>());
    let admin = Db::connect(&admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(admin.pool())
        .await
        .unwrap();
    let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
    let cut = base
        .rfind('/')
        .filter(|i| *i > base.find("://").map_or(0, |j| j + 2));
    let mut url = format!("{}/{name}", cut.map_or(base, |i| &base[..i]));
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    let db = Db::connect(&url).await.unwrap();
    let w = World::on(CITY, db.clone(), tempfile::tempdir().unwrap()).await;
    let outcome = tokio::spawn(concurrent_issues_never_drive_stock_negative(w)).await;
    db.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(admin.pool())
    .await
    .unwrap();
    admin.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
