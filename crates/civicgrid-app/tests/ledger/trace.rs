//! Looking at a resident's record leaves a trace: every card shown (masked) writes a
//! row to the data-access log in the same request, never a personal value, without
//! growing the hash-chained audit log; the resident sees it among who accessed their
//! data, and auditors see it in their scope.

use std::ops::Deref;

use civicgrid_app::AppError;
use civicgrid_app::domain::platform::access::{Actor, Role};
use civicgrid_app::ledger::{ResidentInput, VIEW_HOUSEHOLD, VIEW_RESIDENT};
use civicgrid_store::privacy::data_access::ViewFilter;
use civicgrid_store::raw_execute;

use crate::support::{ID1, World};

const PHONE: &str = "13812345678";

/// The standard city with a household in the grid: its head 张秀英 (identity number
/// and phone on file) and her child 李小明.
struct Ledger {
    world: World,
    household: i64,
    head: i64,
    child: i64,
}

impl Deref for Ledger {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

async fn world() -> Ledger {
    let world = World::new().await;
    let grid = world.grid;
    let sys = Actor::system();
    let (_, household) = world
        .owner_household(grid, ("3栋", "1", "101"), Some(1), None)
        .await;
    let head = world
        .app
        .add_resident(
            &sys,
            &ResidentInput {
                household_id: household,
                name: "张秀英".into(),
                id_number: Some(ID1.into()),
                phone: Some(PHONE.into()),
                relation: "head".into(),
                ..ResidentInput::default()
            },
            None,
        )
        .await
        .unwrap();
    let child = world
        .app
        .add_resident(
            &sys,
            &ResidentInput {
                household_id: household,
                name: "李小明".into(),
                gender: Some("male".into()),
                birth_date: Some("2010-03-04".into()),
                relation: "child".into(),
                ..ResidentInput::default()
            },
            None,
        )
        .await
        .unwrap();
    Ledger {
        world,
        household,
        head,
        child,
    }
}

impl Ledger {
    async fn audit_head(&self) -> i64 {
        self.app
            .verify_audit(&Actor::system())
            .await
            .unwrap()
            .head_seq
    }
}

#[tokio::test]
async fn a_card_shown_leaves_a_trace_the_resident_sees() {
    let w = world().await;
    let worker = w.actor("worker", Role::GridWorker, w.grid).await;
    let street = w.actor("streetadm", Role::StreetAdmin, w.street).await;
    let me = w.signed_in("zhang", Role::Resident, w.grid).await;
    w.app
        .link_user_resident(&Actor::system(), me.user.id, Some(w.head))
        .await
        .unwrap();
    let before = w.audit_head().await;

    w.app.resident_card(&worker, w.head).await.unwrap();
    w.app.household_card(&street, w.household).await.unwrap();

    // Page views do not grow the hash-chained audit log.
    assert_eq!(w.audit_head().await, before);

    let access = w.app.my_data_access(&me).await.unwrap();
    let card = access
        .iter()
        .find(|a| a.action == VIEW_RESIDENT)
        .expect("the resident card view");
    assert_eq!(card.actor, "worker");
    assert_eq!(card.role.as_deref(), Some("grid_worker"));
    assert_eq!(card.target_type, "resident");
    assert_eq!(card.purpose, None);
    let household = access
        .iter()
        .find(|a| a.action == VIEW_HOUSEHOLD)
        .expect("the household card view");
    assert_eq!(household.actor, "streetadm");
    assert_eq!(household.role.as_deref(), Some("street_admin"));
    assert_eq!(household.target_type, "household");
    // Newest first: the household card came last.
    let at = |action: &str| access.iter().position(|a| a.action == action);
    assert!(at(VIEW_HOUSEHOLD) < at(VIEW_RESIDENT), "{access:?}");

    // Unmasking stays in the audit log with its purpose, beside the views.
    w.app
        .unmask_resident(&worker, w.head, "welfare call")
        .await
        .unwrap();
    let access = w.app.my_data_access(&me).await.unwrap();
    assert_eq!(access[0].action, "ledger.resident.unmask");
    assert_eq!(access[0].purpose.as_deref(), Some("welfare call"));

    // The household card showed the child too: one row per member shown.
    let child_rows = w
        .app
        .data_views(
            &Actor::system(),
            ViewFilter {
                resident_id: Some(w.child),
                ..ViewFilter::default()
            },
            50,
        )
        .await
        .unwrap();
    assert_eq!(child_rows.len(), 1);
    assert_eq!(child_rows[0].action, VIEW_HOUSEHOLD);
    assert_eq!(child_rows[0].household_id, Some(w.household));
}

#[tokio::test]
async fn no_card_no_trace_and_no_trace_no_card() {
    let w = world().await;
    let outsider = w
        .actor("outsider", Role::CommunityStaff, w.other_community)
        .await;
    let resident = w.actor("someone", Role::Resident, w.grid).await;
    // Refused (the resident may not use the ledger anywhere) or not found (outside
    // the other community's staff's sight): either way, no card and no trace.
    for actor in [&outsider, &resident] {
        assert!(matches!(
            w.app.resident_card(actor, w.head).await,
            Err(AppError::Forbidden | AppError::NotFound(_))
        ));
        assert!(matches!(
            w.app.household_card(actor, w.household).await,
            Err(AppError::Forbidden | AppError::NotFound(_))
        ));
    }
    assert!(matches!(
        w.app.resident_card(&outsider, 999_999).await,
        Err(AppError::NotFound(_))
    ));
    let all = w
        .app
        .data_views(&Actor::system(), ViewFilter::default(), 500)
        .await
        .unwrap();
    assert!(all.is_empty(), "refused views leave no rows: {all:?}");

    // When the trace cannot be written, the card is not shown.
    let worker = w.actor("worker", Role::GridWorker, w.grid).await;
    let mut conn = w.app.db().read().await.unwrap();
    raw_execute(&mut conn, "DROP TABLE data_access_log")
        .await
        .unwrap();
    drop(conn);
    assert!(w.app.resident_card(&worker, w.head).await.is_err());
    assert!(w.app.household_card(&worker, w.household).await.is_err());
}

#[tokio::test]
async fn the_trace_holds_nothing_personal_and_auditors_see_their_scope() {
    let w = world().await;
    let worker = w.actor("worker", Role::GridWorker, w.grid).await;
    w.app.resident_card(&worker, w.head).await.unwrap();
    w.app.household_card(&worker, w.household).await.unwrap();

    let city_auditor = w.actor("audit1", Role::Auditor, w.city).await;
    let street_auditor = w.actor("audit2", Role::Auditor, w.street).await;
    let other_auditor = w.actor("audit3", Role::Auditor, w.other_community).await;
    let rows = w
        .app
        .data_views(&city_auditor, ViewFilter::default(), 500)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3, "one resident card and two household members");
    for r in &rows {
        let text = format!("{r:?}");
        for secret in [ID1, PHONE, "1949-12-31", "张秀英", "李小明"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    // The auditor reads whom by masked name, and where by the room.
    let mut names: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.resident_name.as_deref())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["张**", "张**", "李**"]);
    assert!(
        rows.iter()
            .any(|r| r.building.is_some() && r.room.is_some())
    );
    assert_eq!(
        w.app
            .data_views(&street_auditor, ViewFilter::default(), 500)
            .await
            .unwrap(),
        rows
    );
    assert!(
        w.app
            .data_views(&other_auditor, ViewFilter::default(), 500)
            .await
            .unwrap()
            .is_empty()
    );
    // By account: what one member of staff looked at.
    let by_worker = w
        .app
        .data_views(
            &city_auditor,
            ViewFilter {
                actor_user_id: worker.user_id,
                ..ViewFilter::default()
            },
            500,
        )
        .await
        .unwrap();
    assert_eq!(by_worker.len(), 3);
    // Staff without ViewAudit cannot read the log.
    assert!(matches!(
        w.app.data_views(&worker, ViewFilter::default(), 10).await,
        Err(AppError::Forbidden)
    ));

    // Scopes read as the names of their units.
    let path = rows[0].scope_path.clone();
    let names = w
        .app
        .scope_names(&street_auditor, &[path.as_str(), "/999/"])
        .await
        .unwrap();
    let steps: Vec<&str> = names[&path].iter().map(|s| s.name_zh.as_str()).collect();
    assert_eq!(
        steps,
        ["江城市", "江岸区", "望湖街道", "湖光社区", "第1网格"]
    );
    assert_eq!(names[&path].last().map(|s| s.id), Some(w.grid));
    assert!(!names.contains_key("/999/"), "an unknown unit is left out");
    assert!(matches!(
        w.app.scope_names(&worker, &[path.as_str()]).await,
        Err(AppError::Forbidden)
    ));
}
