//! Welfare checks: a campaign's households chosen from the ledger (every active
//! household of the place, or those with a member holding a tag), listed per checker
//! and per building in walking order; a check recorded once per client key, settling
//! its household or sending it back with one more attempt; progress per building; a
//! building handed to another checker.

use civicgrid_domain::emergency::checks::{Need, Outcome, walking_key};
use civicgrid_domain::emergency::modes::{Hazard, Kind, Level};
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::emergency::checks::{self as repo, CampaignRecord, CheckRecord};
use civicgrid_store::emergency::modes::{self as modes, ActivationRecord};
use civicgrid_store::platform::accounts;
use civicgrid_store::{Db, commit, ledger};

use crate::support::{HOUR, T0, chain, not_found};

conformance!(
    campaigns_reach_their_households_and_record_each_check_once,
    |db: Db| async move {
        let keys = FieldKeys::ephemeral();
        let mut tx = db.begin_write().await.unwrap();
        ledger::ensure_default_catalogue(&mut tx).await.unwrap();
        let c = chain(&mut tx).await;
        let u1 = crate::care_visits::unit(&mut tx, c.grid.id).await;
        let b2 = ledger::insert_building(&mut tx, c.grid.id, "2", "")
            .await
            .unwrap();
        let u2 = ledger::insert_unit(&mut tx, b2.id, "1").await.unwrap().id;
        let (_, h_alone) =
            crate::care_visits::tagged(&mut tx, &keys, (c.grid.id, u1), "302", 2, "elderly_alone")
                .await;
        let (_, h_plain) =
            crate::care_visits::tagged(&mut tx, &keys, (c.grid.id, u1), "101", 3, "").await;
        let (_, h_other) =
            crate::care_visits::tagged(&mut tx, &keys, (c.grid.id, u2), "201", 4, "").await;
        let a = accounts::insert_user(&mut tx, "checker-a", "甲", "x")
            .await
            .unwrap()
            .id;
        let b = accounts::insert_user(&mut tx, "checker-b", "乙", "x")
            .await
            .unwrap()
            .id;
        let act = modes::insert_activation(
            &mut tx,
            &ActivationRecord {
                id: 0,
                community_id: c.community.id,
                scope: c.community.path.clone(),
                kind: Kind::Emergency,
                hazard: Hazard::Flood,
                level: Level::II,
                reason: "汛情".into(),
                plan_id: None,
                urgent_categories: Vec::new(),
                urgent_response_minutes: 15,
                urgent_resolution_minutes: 240,
                started_by: None,
                started_at: T0,
                ended_by: None,
                ended_at: None,
                closing_note: None,
            },
        )
        .await
        .unwrap();
        let tagged = repo::candidates(&mut tx, &c.community.path, &["elderly_alone".into()], None)
            .await
            .unwrap();
        assert_eq!(
            tagged.iter().map(|h| h.household_id).collect::<Vec<_>>(),
            [h_alone]
        );
        let mut all = repo::candidates(&mut tx, &c.community.path, &[], None)
            .await
            .unwrap();
        all.sort_by_key(|h| h.household_id);
        assert_eq!(all.len(), 3);
        assert!(
            repo::candidates(&mut tx, &c.community.path.child(999), &[], None)
                .await
                .unwrap()
                .is_empty()
        );
        let mut camp = CampaignRecord {
            id: 0,
            activation_id: act,
            community_id: c.community.id,
            node_id: c.community.id,
            scope_path: c.community.path.as_str().to_owned(),
            title: "逐户排查".into(),
            tags: ",".into(),
            starts_at: T0,
            deadline_at: T0 + 6 * HOUR,
            created_by: Some(a),
            closed_at: None,
        };
        camp.id = repo::insert_campaign(&mut tx, &camp).await.unwrap();
        let targets: Vec<_> = all
            .into_iter()
            .map(|h| {
                let key = walking_key(&h.building, &h.unit, h.floor, &h.room);
                let checker = if h.building_id == b2.id { b } else { a };
                (h, key, Some(checker))
            })
            .collect();
        repo::insert_targets(&mut tx, camp.id, &targets)
            .await
            .unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        assert_eq!(repo::get_campaign(&mut conn, camp.id).await.unwrap(), camp);
        assert!(not_found(repo::get_campaign(&mut conn, camp.id + 9).await));
        assert_eq!(
            repo::campaigns_of(&mut conn, act).await.unwrap(),
            [camp.clone()]
        );
        assert_eq!(
            repo::campaigns_of_checker(&mut conn, b)
                .await
                .unwrap()
                .len(),
            1
        );
        // Room 101 before 302 in building 1.
        let list = repo::checker_list(&mut conn, camp.id, a, true)
            .await
            .unwrap();
        assert_eq!(
            list.iter().map(|t| t.household_id).collect::<Vec<_>>(),
            [h_plain, h_alone]
        );
        assert_eq!(list[0].room, "101");
        assert_eq!(
            repo::building_list(&mut conn, camp.id, b2.id)
                .await
                .unwrap()
                .len(),
            1
        );
        drop(conn);

        let check = |household_id: i64, outcome: Outcome, key: &str| CheckRecord {
            id: 0,
            campaign_id: camp.id,
            household_id,
            outcome,
            needs: if outcome == Outcome::NeedsHelp {
                vec![Need::Medicine]
            } else {
                Vec::new()
            },
            note: String::new(),
            checked_by: Some(a),
            checked_at: T0 + HOUR,
            client_key: key.into(),
            request_id: None,
        };
        let mut tx = db.begin_write().await.unwrap();
        let first = repo::record_check(&mut tx, &check(h_alone, Outcome::NeedsHelp, "k1"))
            .await
            .unwrap();
        repo::record_check(&mut tx, &check(h_plain, Outcome::NotReached, "k2"))
            .await
            .unwrap();
        assert_eq!(
            repo::check_by_key(&mut tx, camp.id, "k1").await.unwrap(),
            Some(first)
        );
        assert_eq!(
            repo::check_by_key(&mut tx, camp.id, "k9").await.unwrap(),
            None
        );
        commit(tx).await.unwrap();
        // The same key again is refused by the store.
        let mut tx = db.begin_write().await.unwrap();
        assert!(
            repo::record_check(&mut tx, &check(h_alone, Outcome::Safe, "k1"))
                .await
                .is_err()
        );
        drop(tx);

        let mut conn = db.read().await.unwrap();
        let t = repo::get_target(&mut conn, camp.id, h_alone).await.unwrap();
        assert!(t.checked);
        assert_eq!(
            (t.outcome, t.needs.clone(), t.attempts),
            (Some(Outcome::NeedsHelp), vec![Need::Medicine], 1)
        );
        let again = repo::get_target(&mut conn, camp.id, h_plain).await.unwrap();
        assert!(!again.checked && again.attempts == 1);
        assert_eq!(
            repo::checker_list(&mut conn, camp.id, a, true)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            civicgrid_store::emergency::sitrep::needing_help(&mut conn, camp.id)
                .await
                .unwrap()
                .iter()
                .map(|t| (t.household_id, t.needs.clone()))
                .collect::<Vec<_>>(),
            [(h_alone, vec![Need::Medicine])]
        );
        let p = repo::progress(&mut conn, camp.id).await.unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].total, p[0].checked, p[0].needing_help, p[0].unreached),
            (2, 1, 1, 1)
        );
        drop(conn);

        let mut tx = db.begin_write().await.unwrap();
        assert_eq!(
            repo::reassign_building(&mut tx, camp.id, b2.id, a)
                .await
                .unwrap(),
            1
        );
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        assert_eq!(
            repo::checker_list(&mut conn, camp.id, a, false)
                .await
                .unwrap()
                .len(),
            3
        );
        assert!(
            repo::campaigns_of_checker(&mut conn, b)
                .await
                .unwrap()
                .is_empty()
        );
        let _ = h_other;
    }
);

conformance!(
    items_a_check_may_ask_for_households_needing_help_and_what_is_left,
    |db: Db| async move {
        use civicgrid_domain::emergency::materials::{
            DepotLevel, ItemKind, ItemUnit, MovementKind, RequestStatus, Source,
        };
        use civicgrid_domain::platform::org::NodeKind;
        use civicgrid_store::emergency::depots::{self, DepotRecord, ItemRecord};
        use civicgrid_store::emergency::materials::{self as requests, RequestRecord};
        use civicgrid_store::emergency::stock::{self, NewMovement};

        let keys = FieldKeys::ephemeral();
        let mut tx = db.begin_write().await.unwrap();
        ledger::ensure_default_catalogue(&mut tx).await.unwrap();
        let c = chain(&mut tx).await;
        let g2 = crate::support::node(&mut tx, Some(&c.community), NodeKind::Grid, "G2").await;
        let u1 = crate::care_visits::unit(&mut tx, c.grid.id).await;
        let u2 = crate::care_visits::unit(&mut tx, g2.id).await;
        let (_, h_help) =
            crate::care_visits::tagged(&mut tx, &keys, (c.grid.id, u1), "101", 2, "").await;
        let (_, h_left) =
            crate::care_visits::tagged(&mut tx, &keys, (c.grid.id, u1), "102", 3, "").await;
        let (_, h_other) =
            crate::care_visits::tagged(&mut tx, &keys, (g2.id, u2), "201", 4, "").await;

        // The community's depot keeps water and pills; the street's depot noodles.
        let depot =
            |node_id, scope: &civicgrid_domain::platform::org::OrgPath, level| DepotRecord {
                id: 0,
                node_id,
                scope: scope.clone(),
                level,
                name: "仓库".into(),
                address: String::new(),
                created_at: T0,
            };
        let ours = depots::insert_depot(
            &mut tx,
            &depot(c.community.id, &c.community.path, DepotLevel::Community),
        )
        .await
        .unwrap();
        let street = depots::insert_depot(
            &mut tx,
            &depot(c.street.id, &c.street.path, DepotLevel::Street),
        )
        .await
        .unwrap();
        let item = |name: &str, kind| ItemRecord {
            id: 0,
            name: name.into(),
            kind,
            unit: ItemUnit::Box,
            created_at: T0,
        };
        let water = depots::insert_item(&mut tx, &item("矿泉水", ItemKind::Water))
            .await
            .unwrap();
        let pills = depots::insert_item(&mut tx, &item("降压药", ItemKind::Medicine))
            .await
            .unwrap();
        let masks = depots::insert_item(&mut tx, &item("口罩", ItemKind::Protective))
            .await
            .unwrap();
        let noodles = depots::insert_item(&mut tx, &item("方便面", ItemKind::Food))
            .await
            .unwrap();
        for (d, i, n) in [
            (ours, water, 5),
            (ours, water, 3),
            (ours, pills, 0),
            (ours, masks, 9),
            (street, noodles, 7),
        ] {
            let b = stock::open_batch(&mut tx, d, i, "B", None, T0)
                .await
                .unwrap();
            if n > 0 {
                stock::apply_movement(
                    &mut tx,
                    &NewMovement {
                        batch_id: b,
                        kind: MovementKind::Receive,
                        quantity: n,
                        reason: None,
                        request_id: None,
                        transfer_id: None,
                        other_depot_id: None,
                        actor_user_id: None,
                        actor_label: "system",
                        at: T0,
                    },
                )
                .await
                .unwrap();
            }
        }

        let act =
            |community_id, scope: civicgrid_domain::platform::org::OrgPath| ActivationRecord {
                id: 0,
                community_id,
                scope,
                kind: Kind::Drill,
                hazard: Hazard::Flood,
                level: Level::IV,
                reason: "演练".into(),
                plan_id: None,
                urgent_categories: Vec::new(),
                urgent_response_minutes: 15,
                urgent_resolution_minutes: 240,
                started_by: None,
                started_at: T0,
                ended_by: None,
                ended_at: None,
                closing_note: None,
            };
        let a = modes::insert_activation(&mut tx, &act(c.community.id, c.community.path.clone()))
            .await
            .unwrap();
        let mut camp = CampaignRecord {
            id: 0,
            activation_id: a,
            community_id: c.community.id,
            node_id: c.community.id,
            scope_path: c.community.path.as_str().to_owned(),
            title: "逐户排查".into(),
            tags: ",".into(),
            starts_at: T0,
            deadline_at: T0 + 6 * HOUR,
            created_by: None,
            closed_at: None,
        };
        camp.id = repo::insert_campaign(&mut tx, &camp).await.unwrap();
        let found = repo::candidates(&mut tx, &c.community.path, &[], None)
            .await
            .unwrap();
        let targets: Vec<_> = found
            .into_iter()
            .map(|h| {
                let key = walking_key(&h.building, &h.unit, h.floor, &h.room);
                (h, key, None)
            })
            .collect();
        repo::insert_targets(&mut tx, camp.id, &targets)
            .await
            .unwrap();
        // Needing help: first not reached, then found needing food, with a material request.
        let check = |outcome: Outcome, key: &str, at: i64| CheckRecord {
            id: 0,
            campaign_id: camp.id,
            household_id: h_help,
            outcome,
            needs: if outcome == Outcome::NeedsHelp {
                vec![Need::Food, Need::Medicine]
            } else {
                Vec::new()
            },
            note: "只剩一天的水".into(),
            checked_by: None,
            checked_at: at,
            client_key: key.into(),
            request_id: None,
        };
        repo::record_check(&mut tx, &check(Outcome::NotReached, "k1", T0 + HOUR))
            .await
            .unwrap();
        let helped = repo::record_check(&mut tx, &check(Outcome::NeedsHelp, "k2", T0 + 2 * HOUR))
            .await
            .unwrap();
        let material = requests::insert_request(
            &mut tx,
            &RequestRecord {
                id: 0,
                household_id: h_help,
                community_id: c.community.id,
                scope: c.grid.path.clone(),
                source: Source::WelfareCheck(helped),
                status: RequestStatus::Waiting,
                note: String::new(),
                vulnerability: 0,
                people: 1,
                care_tags: Vec::new(),
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
            },
            &[(water, 1)],
        )
        .await
        .unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        // Food, water and medicine the community's depots keep (pills ran out: 0).
        let kinds = [ItemKind::Food, ItemKind::Water, ItemKind::Medicine];
        let items = repo::help_items(&mut conn, c.community.id, &kinds)
            .await
            .unwrap();
        assert_eq!(
            items
                .iter()
                .map(|i| (i.id, i.kind, i.on_hand))
                .collect::<Vec<_>>(),
            [(pills, ItemKind::Medicine, 0), (water, ItemKind::Water, 8)]
        );
        assert!(
            repo::help_items(&mut conn, c.grid.id, &kinds)
                .await
                .unwrap()
                .is_empty()
        );
        // The household needing help, with its latest check and what it raised.
        let help = repo::needing_help(&mut conn, camp.id, 10).await.unwrap();
        assert_eq!(help.len(), 1);
        assert_eq!(
            (help[0].household_id, help[0].grid_id, help[0].checked_at),
            (h_help, c.grid.id, T0 + 2 * HOUR)
        );
        assert_eq!(help[0].needs, [Need::Food, Need::Medicine]);
        assert_eq!(help[0].material_request_id, Some(material));
        assert_eq!((help[0].room.as_str(), help[0].request_id), ("101", None));
        assert!(
            repo::needing_help(&mut conn, camp.id, 0)
                .await
                .unwrap()
                .is_empty()
        );
        // What is left: one in the grid, one in G2; the community sees both grids.
        let left = |rows: Vec<repo::Unchecked>| {
            rows.iter()
                .map(|u| (u.campaign_id, u.activation_id, u.grid_id, u.remaining))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            left(
                repo::unchecked_within(&mut conn, &c.grid.path)
                    .await
                    .unwrap()
            ),
            [(camp.id, a, c.grid.id, 1)]
        );
        let all = repo::unchecked_within(&mut conn, &c.community.path)
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (all[0].title.as_str(), all[0].deadline_at),
            ("逐户排查", T0 + 6 * HOUR)
        );
        assert_eq!(all.iter().map(|u| u.remaining).sum::<i64>(), 2);
        drop(conn);
        // Once the emergency ends, nothing is left to climb.
        let mut tx = db.begin_write().await.unwrap();
        modes::end_activation(&mut tx, a, None, T0 + 3 * HOUR, "结束")
            .await
            .unwrap();
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        assert!(
            repo::unchecked_within(&mut conn, &c.community.path)
                .await
                .unwrap()
                .is_empty()
        );
        let _ = (h_left, h_other);
    }
);
