//! Care pairings and visits: policies written once per (community, tag, second tag);
//! pairings stored with their carers and changed only at their version; the due
//! lists of a grid and of a carer in due order; visits with sealed notes and photos;
//! the alert job's conditional steps (a level and a red flag are taken once, an alert
//! is raised once per pairing, due time and level); coverage per grid.

use civicgrid_domain::care::policies::{Cadence, PolicySpec};
use civicgrid_domain::care::visits::{DAY_MS, Mode, Outcome};
use civicgrid_domain::ledger::person::{Ownership, Relation};
use civicgrid_store::care::{alerts, coverage, pairings, policies, visits};
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger;
use civicgrid_store::platform::accounts;
use civicgrid_store::{AnyConnection, Db, commit};

use crate::ledger::{resident, sealed};
use crate::support::{T0, chain, not_found};

/// Building 1, unit 1 of the grid.
pub(crate) async fn unit(conn: &mut AnyConnection, grid_id: i64) -> i64 {
    let b = ledger::insert_building(conn, grid_id, "1", "")
        .await
        .unwrap();
    ledger::insert_unit(conn, b.id, "1").await.unwrap().id
}

/// A resident of `grid_id` holding `tag`, in a household of room `room` of `unit`.
pub(crate) async fn tagged(
    conn: &mut AnyConnection,
    keys: &FieldKeys,
    (grid_id, unit): (i64, i64),
    room: &str,
    seq: u16,
    tag: &str,
) -> (i64, i64) {
    let r = ledger::insert_room(conn, unit, room, None).await.unwrap();
    let h = ledger::insert_household(conn, r.id, Ownership::Owner, None)
        .await
        .unwrap();
    let p = sealed(keys, seq, None);
    let res = resident(conn, grid_id, h.id, "赵奶奶", Relation::Head, &p).await;
    if !tag.is_empty() {
        ledger::set_tags(conn, res.id, &[tag.to_owned()])
            .await
            .unwrap();
    }
    (res.id, h.id)
}

pub(crate) fn pairing(
    c: &crate::support::Chain,
    resident_id: i64,
    due: i64,
) -> pairings::PairingRecord {
    pairings::PairingRecord {
        id: 0,
        community_id: c.community.id,
        grid_id: c.grid.id,
        scope: c.grid.path.clone(),
        resident_id,
        household_id: None,
        policy_id: None,
        level: 1,
        cadence: Cadence::WEEKLY,
        mode: Mode::InPerson,
        overridden: false,
        active: true,
        next_due_at: Some(due),
        retry_at: None,
        alert_level: 0,
        next_alert_at: Some(due + DAY_MS),
        red: false,
        red_at: Some(T0 + 14 * DAY_MS),
        last_visit_at: None,
        last_reached_at: None,
        started_at: T0,
        ended_at: None,
        end_reason: None,
        created_by: None,
        updated_at: T0,
        version: 1,
    }
}

conformance!(
    care_policies_are_written_once_per_tag,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        ledger::ensure_default_catalogue(&mut tx).await.unwrap();
        let c = chain(&mut tx).await;
        let spec = PolicySpec {
            tag: "elderly_alone".into(),
            with_tag: "aged_80".into(),
            level: 1,
            cadence: Cadence::WEEKLY,
            mode: Mode::InPerson,
        };
        let (id, new) = policies::put_policy(&mut tx, c.community.id, &spec, None, T0)
            .await
            .unwrap();
        assert!(new);
        let mut changed = spec.clone();
        changed.cadence = Cadence::FORTNIGHTLY;
        changed.mode = Mode::Phone;
        let (again, new) = policies::put_policy(&mut tx, c.community.id, &changed, None, T0 + 1)
            .await
            .unwrap();
        assert_eq!((again, new), (id, false));
        let mut alone = spec.clone();
        alone.with_tag = String::new();
        alone.level = 2;
        policies::put_policy(&mut tx, c.community.id, &alone, None, T0)
            .await
            .unwrap();
        let all = policies::policies(&mut tx, c.community.id).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].spec, changed);
        assert_eq!(
            policies::get_policy(&mut tx, id).await.unwrap().spec.mode,
            Mode::Phone
        );
        assert!(not_found(policies::get_policy(&mut tx, id + 100).await));
        commit(tx).await.unwrap();
    }
);

conformance!(
    care_pairings_keep_carers_and_change_at_their_version,
    |db: Db| async move {
        let keys = FieldKeys::ephemeral();
        let mut tx = db.begin_write().await.unwrap();
        ledger::ensure_default_catalogue(&mut tx).await.unwrap();
        let c = chain(&mut tx).await;
        let g = (c.grid.id, unit(&mut tx, c.grid.id).await);
        let (r1, _) = tagged(&mut tx, &keys, g, "101", 2, "elderly_alone").await;
        let (r2, _) = tagged(&mut tx, &keys, g, "102", 3, "disabled").await;
        let (r3, _) = tagged(&mut tx, &keys, g, "103", 4, "").await;
        let a = accounts::insert_user(&mut tx, "carer-a", "甲", "x")
            .await
            .unwrap()
            .id;
        let b = accounts::insert_user(&mut tx, "carer-b", "乙", "x")
            .await
            .unwrap()
            .id;
        let now = T0 + 30 * DAY_MS;
        // r1 overdue, r2 due in three days.
        let p1 = pairings::insert_pairing(&mut tx, &pairing(&c, r1, now - 2 * DAY_MS), &[a])
            .await
            .unwrap();
        let p2 = pairings::insert_pairing(&mut tx, &pairing(&c, r2, now + 3 * DAY_MS), &[a, b])
            .await
            .unwrap();
        commit(tx).await.unwrap();
        // One active pairing per resident (refused in a transaction of its own).
        let mut tx = db.begin_write().await.unwrap();
        assert!(
            pairings::insert_pairing(&mut tx, &pairing(&c, r1, now), &[b])
                .await
                .is_err()
        );
        drop(tx);

        let mut tx = db.begin_write().await.unwrap();
        assert_eq!(pairings::carers(&mut tx, p2).await.unwrap(), vec![a, b]);
        assert!(pairings::is_carer(&mut tx, p1, a).await.unwrap());
        assert!(!pairings::is_carer(&mut tx, p1, b).await.unwrap());
        pairings::remove_carer(&mut tx, p2, b).await.unwrap();
        assert!(not_found(pairings::remove_carer(&mut tx, p2, b).await));
        pairings::add_carer(&mut tx, p1, b, now).await.unwrap();
        assert_eq!(
            pairings::pairings_of_carer(&mut tx, b).await.unwrap(),
            vec![p1]
        );
        assert_eq!(
            pairings::active_pairing_of(&mut tx, r1)
                .await
                .unwrap()
                .map(|p| p.id),
            Some(p1)
        );
        assert!(
            pairings::active_pairing_of(&mut tx, r3)
                .await
                .unwrap()
                .is_none()
        );

        // The due lists, earliest first, within the horizon.
        let grid_list = pairings::due_in_grid(&mut tx, c.grid.id, now + 7 * DAY_MS, 10)
            .await
            .unwrap();
        assert_eq!(
            grid_list.iter().map(|l| l.id).collect::<Vec<_>>(),
            vec![p1, p2]
        );
        assert_eq!(grid_list[0].resident_name, "赵奶奶");
        assert_eq!(grid_list[0].room_name.as_deref(), Some("101"));
        assert_eq!(
            pairings::due_in_grid(&mut tx, c.grid.id, now, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        let mine = pairings::due_for_carer(&mut tx, a, now + 7 * DAY_MS, 10)
            .await
            .unwrap();
        assert_eq!(mine.iter().map(|l| l.id).collect::<Vec<_>>(), vec![p1, p2]);
        assert_eq!(
            pairings::pairings_in(&mut tx, &c.community.path, 10)
                .await
                .unwrap()
                .len(),
            2
        );

        // Changed at its version only.
        let mut p = pairings::get_pairing(&mut tx, p2).await.unwrap();
        p.cadence = Cadence::FORTNIGHTLY;
        p.overridden = true;
        assert_eq!(
            pairings::update_pairing(&mut tx, &p).await.unwrap(),
            Some(2)
        );
        assert_eq!(pairings::update_pairing(&mut tx, &p).await.unwrap(), None);
        let p = pairings::get_pairing(&mut tx, p2).await.unwrap();
        assert_eq!(
            (p.cadence, p.overridden, p.version),
            (Cadence::FORTNIGHTLY, true, 2)
        );
        assert_eq!(
            pairings::active_in_community(&mut tx, c.community.id)
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(not_found(pairings::get_pairing(&mut tx, p2 + 100).await));
        commit(tx).await.unwrap();
    }
);

conformance!(
    care_visits_keep_sealed_notes_and_photos,
    |db: Db| async move {
        let keys = FieldKeys::ephemeral();
        let mut tx = db.begin_write().await.unwrap();
        ledger::ensure_default_catalogue(&mut tx).await.unwrap();
        let c = chain(&mut tx).await;
        let g = (c.grid.id, unit(&mut tx, c.grid.id).await);
        let (r1, _) = tagged(&mut tx, &keys, g, "101", 2, "elderly_alone").await;
        let a = accounts::insert_user(&mut tx, "carer-a", "甲", "x")
            .await
            .unwrap()
            .id;
        let p = pairings::insert_pairing(&mut tx, &pairing(&c, r1, T0), &[a])
            .await
            .unwrap();
        let sealed_notes = visits::seal_notes(&keys, "血压偏高");
        assert!(!sealed_notes.windows(3).any(|w| w == "血".as_bytes()));
        let mut v = visits::VisitRecord {
            id: 0,
            pairing_id: p,
            resident_id: r1,
            carer_user_id: Some(a),
            visited_at: T0,
            due_at: Some(T0),
            mode: Mode::Phone,
            outcome: Outcome::NeedsHelp,
            notes_enc: Some(sealed_notes),
            request_id: None,
            created_at: T0,
        };
        v.id = visits::insert_visit(&mut tx, &v).await.unwrap();
        let mut later = v.clone();
        later.visited_at = T0 + DAY_MS;
        later.notes_enc = None;
        later.outcome = Outcome::Well;
        later.id = visits::insert_visit(&mut tx, &later).await.unwrap();
        let got = visits::get_visit(&mut tx, v.id).await.unwrap();
        assert_eq!(got, v);
        let notes = visits::open_notes(&keys, got.notes_enc.as_deref().unwrap()).unwrap();
        assert_eq!(notes, "血压偏高");
        assert!(
            visits::open_notes(&FieldKeys::ephemeral(), got.notes_enc.as_deref().unwrap()).is_err()
        );
        let list = visits::visits_of(&mut tx, p, 10).await.unwrap();
        assert_eq!(
            list.iter().map(|x| x.id).collect::<Vec<_>>(),
            vec![later.id, v.id]
        );
        let meta = visits::VisitPhoto {
            id: 0,
            visit_id: v.id,
            content_type: "image/png".into(),
            byte_len: 0,
            sha256: "ab".into(),
            width: Some(2),
            height: Some(3),
            uploaded_by: Some(a),
            uploaded_at: T0,
        };
        let ph = visits::insert_photo(&mut tx, &meta, b"bytes")
            .await
            .unwrap();
        let (m, data) = visits::photo(&mut tx, ph).await.unwrap();
        assert_eq!((m.byte_len, data.as_slice()), (5, b"bytes".as_slice()));
        assert_eq!(visits::photos_of(&mut tx, v.id).await.unwrap().len(), 1);
        assert!(not_found(visits::get_visit(&mut tx, v.id + 100).await));
        commit(tx).await.unwrap();
    }
);

conformance!(care_alert_steps_are_taken_once, |db: Db| async move {
    let keys = FieldKeys::ephemeral();
    let mut tx = db.begin_write().await.unwrap();
    ledger::ensure_default_catalogue(&mut tx).await.unwrap();
    let c = chain(&mut tx).await;
    let g = (c.grid.id, unit(&mut tx, c.grid.id).await);
    let (r1, _) = tagged(&mut tx, &keys, g, "101", 2, "elderly_alone").await;
    let (r2, _) = tagged(&mut tx, &keys, g, "102", 3, "disabled").await;
    let due = T0 + 10 * DAY_MS;
    let p1 = pairings::insert_pairing(&mut tx, &pairing(&c, r1, due), &[])
        .await
        .unwrap();
    let p2 = pairings::insert_pairing(&mut tx, &pairing(&c, r2, due + 30 * DAY_MS), &[])
        .await
        .unwrap();
    let now = due + 2 * DAY_MS;
    let steps = alerts::due_alert_steps(&mut tx, now, 10).await.unwrap();
    assert_eq!(steps.iter().map(|p| p.id).collect::<Vec<_>>(), vec![p1]);
    assert!(
        alerts::climb(&mut tx, p1, due, 1, Some(due + 4 * DAY_MS))
            .await
            .unwrap()
    );
    assert!(
        !alerts::climb(&mut tx, p1, due, 1, None).await.unwrap(),
        "taken twice"
    );
    assert!(
        !alerts::climb(&mut tx, p1, due + 1, 2, None).await.unwrap(),
        "due time moved"
    );
    assert!(alerts::raise(&mut tx, p1, due, 1, now).await.unwrap());
    assert!(
        !alerts::raise(&mut tx, p1, due, 1, now).await.unwrap(),
        "raised twice"
    );
    assert_eq!(
        alerts::alerts_of(&mut tx, p1).await.unwrap(),
        vec![(due, 1)]
    );
    let open = alerts::open_alerts_of(&mut tx, p1).await.unwrap();
    assert_eq!((open.len(), open[0].resident_name.as_str()), (1, "赵奶奶"));
    assert_eq!(
        alerts::open_alerts_in(&mut tx, c.community.path.as_str(), 1, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        alerts::open_alerts_in(&mut tx, c.community.path.as_str(), 2, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        alerts::due_alert_steps(&mut tx, now, 10)
            .await
            .unwrap()
            .is_empty()
    );
    alerts::set_next_alert(&mut tx, p2, Some(now))
        .await
        .unwrap();
    assert_eq!(
        alerts::due_alert_steps(&mut tx, now, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // Red once two cadences pass unreached (red_at is T0 + 14 days).
    let red_now = T0 + 15 * DAY_MS;
    let red = alerts::due_red(&mut tx, red_now, 10).await.unwrap();
    assert_eq!(red, vec![p1, p2]);
    assert!(alerts::flag_red(&mut tx, p1, red_now).await.unwrap());
    assert!(!alerts::flag_red(&mut tx, p1, red_now).await.unwrap());
    assert_eq!(
        alerts::due_red(&mut tx, red_now, 10).await.unwrap(),
        vec![p2]
    );
    assert_eq!(alerts::clear(&mut tx, p1, now).await.unwrap(), 1);
    assert!(
        alerts::open_alerts_of(&mut tx, p1)
            .await
            .unwrap()
            .is_empty()
    );
    commit(tx).await.unwrap();
});

conformance!(care_coverage_counts_per_grid, |db: Db| async move {
    let keys = FieldKeys::ephemeral();
    let mut tx = db.begin_write().await.unwrap();
    ledger::ensure_default_catalogue(&mut tx).await.unwrap();
    let c = chain(&mut tx).await;
    let g = (c.grid.id, unit(&mut tx, c.grid.id).await);
    let (r1, _) = tagged(&mut tx, &keys, g, "101", 2, "elderly_alone").await;
    let (r2, _) = tagged(&mut tx, &keys, g, "102", 3, "disabled").await;
    tagged(&mut tx, &keys, g, "103", 4, "low_income").await;
    tagged(&mut tx, &keys, g, "104", 5, "veteran").await;
    let today = T0 + 20 * DAY_MS;
    pairings::insert_pairing(&mut tx, &pairing(&c, r1, today - DAY_MS), &[])
        .await
        .unwrap();
    let p2 = pairings::insert_pairing(&mut tx, &pairing(&c, r2, today + DAY_MS), &[])
        .await
        .unwrap();
    alerts::flag_red(&mut tx, p2, today).await.unwrap();
    let by_grid = coverage::coverage_by_grid(&mut tx, c.community.path.as_str(), today)
        .await
        .unwrap();
    let counts = by_grid[&c.grid.id];
    assert_eq!(
        (
            counts.vulnerable,
            counts.paired,
            counts.on_time,
            counts.overdue,
            counts.red
        ),
        (3, 2, 1, 1, 1)
    );
    let all = coverage::care_candidates(&mut tx, c.community.path.as_str(), "", 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all.iter().filter(|c| c.pairing_id.is_some()).count(), 2);
    assert!(
        coverage::care_candidates(&mut tx, c.community.path.as_str(), "钱", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        coverage::care_candidates(&mut tx, c.community.path.as_str(), "奶奶", 10)
            .await
            .unwrap()
            .len(),
        3
    );
    commit(tx).await.unwrap();
});
