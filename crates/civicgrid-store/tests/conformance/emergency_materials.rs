//! Emergency materials: depots inside a place and at its ancestors, the item
//! catalogue and minimums, batches changed only through movements (never below zero),
//! the ledger, transfer requests decided once, material requests with their lines,
//! state and deliverer, what the ledger says of a household and who may deliver.

use chrono::NaiveDate;
use civicgrid_domain::emergency::materials::{
    DepotLevel, ItemKind, ItemUnit, MovementKind, RequestStatus, Source, TransferStatus,
};
use civicgrid_domain::platform::access::Role;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::emergency::depots::{self, DepotRecord, ItemRecord, StockLine};
use civicgrid_store::emergency::materials::{self as requests, RequestRecord};
use civicgrid_store::emergency::sitrep;
use civicgrid_store::emergency::stock::{self, NewMovement, TransferRecord};
use civicgrid_store::platform::accounts;
use civicgrid_store::{AnyConnection, Db, StoreError, commit, ledger};

use crate::support::{Chain, HOUR, T0, chain, not_found};

fn depot(
    node_id: i64,
    scope: &civicgrid_domain::platform::org::OrgPath,
    level: DepotLevel,
) -> DepotRecord {
    DepotRecord {
        id: 0,
        node_id,
        scope: scope.clone(),
        level,
        name: format!("{}仓库", level.label_zh()),
        address: "1栋架空层".into(),
        created_at: T0,
    }
}

fn item(name: &str) -> ItemRecord {
    ItemRecord {
        id: 0,
        name: name.into(),
        kind: ItemKind::Water,
        unit: ItemUnit::Box,
        created_at: T0,
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn mv(batch_id: i64, kind: MovementKind, quantity: i64) -> NewMovement<'static> {
    NewMovement {
        batch_id,
        kind,
        quantity,
        reason: None,
        request_id: None,
        transfer_id: None,
        other_depot_id: None,
        actor_user_id: None,
        actor_label: "system",
        at: T0 + HOUR,
    }
}

/// A community depot and a street depot, and two items.
async fn setup(conn: &mut AnyConnection, c: &Chain) -> (i64, i64, i64, i64) {
    let community = depots::insert_depot(
        conn,
        &depot(c.community.id, &c.community.path, DepotLevel::Community),
    )
    .await
    .unwrap();
    let street = depots::insert_depot(
        conn,
        &depot(c.street.id, &c.street.path, DepotLevel::Street),
    )
    .await
    .unwrap();
    let water = depots::insert_item(conn, &item("矿泉水")).await.unwrap();
    let noodles = depots::insert_item(conn, &item("方便面")).await.unwrap();
    (community, street, water, noodles)
}

conformance!(
    depots_items_and_minimums_are_stored_and_found_by_place,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let (community, street, water, noodles) = setup(&mut tx, &c).await;
        depots::set_minimum(&mut tx, community, water, 10)
            .await
            .unwrap();
        // Setting it again replaces it.
        depots::set_minimum(&mut tx, community, water, 20)
            .await
            .unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let d = depots::get_depot(&mut conn, community).await.unwrap();
        assert_eq!(
            (d.level, d.node_id),
            (DepotLevel::Community, c.community.id)
        );
        assert!(not_found(depots::get_depot(&mut conn, street + 100).await));
        let within: Vec<i64> = depots::depots_within(&mut conn, &c.street.path)
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect();
        // Streets first.
        assert_eq!(within, [street, community]);
        assert!(
            depots::depots_within(&mut conn, &c.grid.path)
                .await
                .unwrap()
                .is_empty()
        );
        let above: Vec<i64> = depots::depots_at(&mut conn, &c.grid.path.ids())
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect();
        assert_eq!(above, [community, street]);
        assert!(depots::depots_at(&mut conn, &[]).await.unwrap().is_empty());

        assert_eq!(
            depots::get_item(&mut conn, water).await.unwrap().name,
            "矿泉水"
        );
        assert_eq!(
            depots::item_named(&mut conn, "方便面")
                .await
                .unwrap()
                .map(|i| i.id),
            Some(noodles)
        );
        assert!(
            depots::item_named(&mut conn, "帐篷")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(depots::list_items(&mut conn).await.unwrap().len(), 2);
        assert_eq!(
            depots::stock_lines(&mut conn, community).await.unwrap(),
            [StockLine {
                item_id: water,
                on_hand: 0,
                minimum: 20
            }]
        );
        assert!(
            depots::stock_lines(&mut conn, street)
                .await
                .unwrap()
                .is_empty()
        );
        drop(conn);
        // A name already in the catalogue breaks its rule.
        let mut tx = db.begin_write().await.unwrap();
        assert!(matches!(
            depots::insert_item(&mut tx, &item("矿泉水")).await,
            Err(StoreError::Conflict(_))
        ));
    }
);

conformance!(
    batches_change_only_with_their_movement_and_never_below_zero,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let (community, street, water, _) = setup(&mut tx, &c).await;
        let late = stock::open_batch(
            &mut tx,
            community,
            water,
            "B-LATE",
            Some(day("2027-06-30")),
            T0,
        )
        .await
        .unwrap();
        let early = stock::open_batch(
            &mut tx,
            community,
            water,
            "B-EARLY",
            Some(day("2026-08-01")),
            T0,
        )
        .await
        .unwrap();
        let none = stock::open_batch(&mut tx, community, water, "B-NONE", None, T0)
            .await
            .unwrap();
        for b in [late, early, none] {
            let (_, balance) = stock::apply_movement(&mut tx, &mv(b, MovementKind::Receive, 10))
                .await
                .unwrap();
            assert_eq!(balance, 10);
        }
        let (_, balance) = stock::apply_movement(&mut tx, &mv(early, MovementKind::Issue, -4))
            .await
            .unwrap();
        assert_eq!(balance, 6);
        // Taking more than the batch holds changes nothing.
        assert!(matches!(
            stock::apply_movement(&mut tx, &mv(early, MovementKind::Issue, -7)).await,
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(
            stock::apply_movement(&mut tx, &mv(early, MovementKind::Adjust, 0)).await,
            Err(StoreError::Refused(_))
        ));
        assert!(not_found(
            stock::apply_movement(&mut tx, &mv(early + 100, MovementKind::Issue, -1)).await
        ));
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        assert_eq!(
            stock::get_batch(&mut conn, early).await.unwrap().quantity,
            6
        );
        let order: Vec<i64> = stock::batches(&mut conn, community, Some(water))
            .await
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect();
        assert_eq!(order, [early, late, none]);
        assert_eq!(
            stock::batches(&mut conn, community, None)
                .await
                .unwrap()
                .len(),
            3
        );
        assert!(
            stock::batches(&mut conn, street, None)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            stock::find_batch(
                &mut conn,
                community,
                water,
                "B-EARLY",
                Some(day("2026-08-01"))
            )
            .await
            .unwrap()
            .map(|b| b.id),
            Some(early)
        );
        assert_eq!(
            stock::find_batch(&mut conn, community, water, "B-NONE", None)
                .await
                .unwrap()
                .map(|b| b.id),
            Some(none)
        );
        assert!(
            stock::find_batch(&mut conn, community, water, "B-EARLY", None)
                .await
                .unwrap()
                .is_none()
        );
        let ledger = stock::movements(&mut conn, community, 10).await.unwrap();
        // Four movements (the refused ones left none), newest first, with balances.
        assert_eq!(
            ledger
                .iter()
                .map(|m| (m.kind, m.quantity, m.balance))
                .collect::<Vec<_>>(),
            [
                (MovementKind::Issue, -4, 6),
                (MovementKind::Receive, 10, 10),
                (MovementKind::Receive, 10, 10),
                (MovementKind::Receive, 10, 10),
            ]
        );
        assert_eq!(ledger[0].item_name, "矿泉水");
        assert_eq!(ledger[0].batch_code, "B-EARLY");
        assert_eq!(
            stock::movements(&mut conn, community, 1)
                .await
                .unwrap()
                .len(),
            1
        );
        let lines = depots::stock_lines(&mut conn, community).await.unwrap();
        assert_eq!(lines[0].on_hand, 26);
    }
);

async fn household(conn: &mut AnyConnection, c: &Chain, room: &str) -> (i64, i64) {
    let keys = FieldKeys::ephemeral();
    let unit = crate::care_visits::unit(conn, c.grid.id).await;
    crate::care_visits::tagged(conn, &keys, (c.grid.id, unit), room, 1, "elderly_alone").await
}

fn request(c: &Chain, household_id: i64) -> RequestRecord {
    RequestRecord {
        id: 0,
        household_id,
        community_id: c.community.id,
        scope: c.grid.path.clone(),
        source: Source::WelfareCheck(42),
        status: RequestStatus::Waiting,
        note: "需要降压药".into(),
        vulnerability: 30,
        people: 1,
        care_tags: vec!["elderly_alone".into()],
        depot_id: None,
        deliverer_user_id: None,
        status_reason: None,
        raised_by: None,
        raised_at: T0,
        issued_at: None,
        delivered_at: None,
        updated_at: T0,
        version: 1,
        building: String::new(),
        unit: String::new(),
        room: String::new(),
        head_name: None,
        deliverer_name: None,
    }
}

conformance!(
    material_requests_their_lines_deliverers_and_the_ledger_of_a_household,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        ledger::ensure_default_catalogue(&mut tx).await.unwrap();
        let c = chain(&mut tx).await;
        let (community, _, water, noodles) = setup(&mut tx, &c).await;
        let (resident, h) = household(&mut tx, &c, "101").await;
        let vol = accounts::insert_user(&mut tx, "vol", "志愿者 刘洋", "x")
            .await
            .unwrap()
            .id;
        accounts::insert_assignment(&mut tx, vol, Role::Volunteer, c.community.id)
            .await
            .unwrap();
        let worker = accounts::insert_user(&mut tx, "gw", "网格员 李强", "x")
            .await
            .unwrap()
            .id;
        accounts::insert_assignment(&mut tx, worker, Role::GridWorker, c.grid.id)
            .await
            .unwrap();
        let staff = accounts::insert_user(&mut tx, "st", "王芳", "x")
            .await
            .unwrap()
            .id;
        accounts::insert_assignment(&mut tx, staff, Role::CommunityStaff, c.community.id)
            .await
            .unwrap();
        let id = requests::insert_request(&mut tx, &request(&c, h), &[(water, 2), (noodles, 1)])
            .await
            .unwrap();
        let other = requests::insert_request(&mut tx, &request(&c, h), &[(water, 1)])
            .await
            .unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let facts = requests::household_facts(&mut conn, h).await.unwrap();
        assert!(facts.active);
        assert_eq!(
            (facts.grid_id, facts.community_id),
            (c.grid.id, c.community.id)
        );
        assert_eq!(
            facts.members.iter().map(|m| m.0).collect::<Vec<_>>(),
            [resident]
        );
        assert!(not_found(
            requests::household_facts(&mut conn, h + 100).await
        ));
        let got = requests::get_request(&mut conn, id).await.unwrap();
        assert_eq!(got.source, Source::WelfareCheck(42));
        assert_eq!(got.care_tags, ["elderly_alone"]);
        assert_eq!(
            (got.room.as_str(), got.head_name.as_deref()),
            ("101", Some("赵奶奶"))
        );
        assert!(not_found(requests::get_request(&mut conn, id + 100).await));
        let lines = requests::lines_of(&mut conn, id).await.unwrap();
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.item_id, l.quantity))
                .collect::<Vec<_>>(),
            [(water, 2), (noodles, 1)]
        );
        assert_eq!(lines[0].unit, ItemUnit::Box);
        assert_eq!(
            requests::list_requests(&mut conn, &c.community.path, None, 10)
                .await
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>(),
            [other, id]
        );
        assert!(
            requests::list_requests(
                &mut conn,
                &c.community.path,
                Some(RequestStatus::Issued),
                10
            )
            .await
            .unwrap()
            .is_empty()
        );
        assert_eq!(
            requests::count_requests(&mut conn, &c.street.path, RequestStatus::Waiting)
                .await
                .unwrap(),
            2
        );
        let who: Vec<(i64, String)> = requests::deliverers(&mut conn, &c.community.path)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.user_id, d.display_name))
            .collect();
        assert_eq!(
            who,
            [
                (vol, "志愿者 刘洋".to_owned()),
                (worker, "网格员 李强".to_owned())
            ]
        );
        drop(conn);

        // Issued from the depot to the volunteer, at its version only.
        let mut tx = db.begin_write().await.unwrap();
        let b = stock::open_batch(&mut tx, community, water, "B1", None, T0)
            .await
            .unwrap();
        stock::apply_movement(&mut tx, &mv(b, MovementKind::Receive, 5))
            .await
            .unwrap();
        let mut issue = mv(b, MovementKind::Issue, -2);
        issue.request_id = Some(id);
        stock::apply_movement(&mut tx, &issue).await.unwrap();
        let mut r = got.clone();
        r.status = RequestStatus::Issued;
        r.depot_id = Some(community);
        r.deliverer_user_id = Some(vol);
        r.issued_at = Some(T0 + HOUR);
        assert_eq!(
            requests::update_request(&mut tx, &r).await.unwrap(),
            Some(2)
        );
        assert_eq!(requests::update_request(&mut tx, &got).await.unwrap(), None);
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        let now = requests::get_request(&mut conn, id).await.unwrap();
        assert_eq!(
            (now.status, now.deliverer_name.as_deref(), now.version),
            (RequestStatus::Issued, Some("志愿者 刘洋"), 2)
        );
        let issued = stock::movements_of_request(&mut conn, id).await.unwrap();
        assert_eq!(issued.iter().map(|m| m.quantity).collect::<Vec<_>>(), [-2]);
        // The situation report's reading of the same: what went out, and where
        // the requests stand.
        let out = sitrep::materials_issued(&mut conn, c.community.id, T0, T0 + 2 * HOUR)
            .await
            .unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].quantity, out[0].households), (2, 1));
        assert!(
            sitrep::materials_issued(&mut conn, c.community.id, T0 + 2 * HOUR, T0 + 3 * HOUR)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            sitrep::material_requests_by_status(&mut conn, c.community.id, T0)
                .await
                .unwrap(),
            [("issued".to_owned(), 1), ("waiting".to_owned(), 1)]
        );
        assert!(
            sitrep::material_requests_by_status(&mut conn, c.community.id, T0 + 1)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            requests::deliveries_of(&mut conn, vol, 10)
                .await
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>(),
            [id]
        );
        assert!(
            requests::deliveries_of(&mut conn, worker, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
);

conformance!(
    transfer_requests_are_listed_counted_and_decided_once,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let (community, street, water, noodles) = setup(&mut tx, &c).await;
        let t = |item_id| TransferRecord {
            id: 0,
            from_depot_id: street,
            to_depot_id: community,
            item_id,
            quantity: 8,
            status: TransferStatus::Open,
            request_id: None,
            reason: None,
            raised_by: None,
            raised_at: T0,
            decided_by: None,
            decided_at: None,
            version: 1,
        };
        let first = stock::insert_transfer(&mut tx, &t(water)).await.unwrap();
        let second = stock::insert_transfer(&mut tx, &t(noodles)).await.unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let got = stock::get_transfer(&mut conn, first).await.unwrap();
        assert_eq!((got.status, got.quantity), (TransferStatus::Open, 8));
        assert!(not_found(stock::get_transfer(&mut conn, first + 100).await));
        assert_eq!(
            stock::open_transfer(&mut conn, community, water)
                .await
                .unwrap()
                .map(|t| t.id),
            Some(first)
        );
        assert!(
            stock::open_transfer(&mut conn, street, water)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            stock::count_open_transfers(&mut conn, &[street])
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            stock::count_open_transfers(&mut conn, &[community])
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            stock::count_open_transfers(&mut conn, &[]).await.unwrap(),
            0
        );
        drop(conn);

        let mut tx = db.begin_write().await.unwrap();
        let mut d = got.clone();
        d.status = TransferStatus::Declined;
        d.reason = Some("街道库存也不足".into());
        d.decided_at = Some(T0 + HOUR);
        assert_eq!(stock::decide_transfer(&mut tx, &d).await.unwrap(), Some(2));
        assert_eq!(stock::decide_transfer(&mut tx, &got).await.unwrap(), None);
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        assert!(
            stock::open_transfer(&mut conn, community, water)
                .await
                .unwrap()
                .is_none()
        );
        // Open first, then newest first; found from either side.
        for side in [community, street] {
            let ids: Vec<i64> = stock::transfers_of(&mut conn, &[side], 10)
                .await
                .unwrap()
                .iter()
                .map(|t| t.id)
                .collect();
            assert_eq!(ids, [second, first]);
        }
        assert_eq!(
            stock::transfers_of(&mut conn, &[community, street], 1)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            stock::transfers_of(&mut conn, &[], 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
);
