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
