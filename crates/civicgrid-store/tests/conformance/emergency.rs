//! Emergency mode: a plan per place and hazard written over, its duty roster replaced
//! in order; one running activation per community (the store refuses a second), its
//! checklist ticked and unticked, its incident log in the order things happened; the
//! urgent deadlines a request category gets while it runs, and the urgent requests
//! still open.

use civicgrid_domain::emergency::modes::{Hazard, Kind, Level};
use civicgrid_domain::emergency::plans::template;
use civicgrid_store::emergency::modes::{
    self as repo, ActivationRecord, DutyRecord, IncidentRecord, PlanRecord,
};
use civicgrid_store::platform::accounts;
use civicgrid_store::{Db, commit, requests};

use crate::support::{HOUR, T0, chain, not_found};

fn activation(c: &crate::support::Chain, plan_id: Option<i64>) -> ActivationRecord {
    ActivationRecord {
        id: 0,
        community_id: c.community.id,
        scope: c.community.path.clone(),
        kind: Kind::Drill,
        hazard: Hazard::Flood,
        level: Level::III,
        reason: "防汛演练".into(),
        plan_id,
        urgent_categories: vec!["noise".into(), "safety_hazard".into()],
        urgent_response_minutes: 15,
        urgent_resolution_minutes: 240,
        started_by: None,
        started_at: T0,
        ended_by: None,
        ended_at: None,
        closing_note: None,
    }
}

conformance!(
    plans_and_rosters_are_written_over_in_place,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let a = accounts::insert_user(&mut tx, "duty-a", "甲", "x")
            .await
            .unwrap()
            .id;
        let b = accounts::insert_user(&mut tx, "duty-b", "乙", "x")
            .await
            .unwrap()
            .id;
        let mut p = PlanRecord {
            id: 0,
            node_id: c.community.id,
            scope: c.community.path.clone(),
            spec: template(Hazard::Flood),
            updated_by: Some(a),
            updated_at: T0,
        };
        let id = repo::put_plan(&mut tx, &p).await.unwrap();
        p.spec.title = "湖光社区防汛预案".into();
        p.updated_at = T0 + HOUR;
        assert_eq!(repo::put_plan(&mut tx, &p).await.unwrap(), id);
        let duty = |user_id: i64, duty: &str| DutyRecord {
            user_id,
            duty: duty.into(),
            contact: "027-8888".into(),
            name: String::new(),
        };
        repo::put_roster(&mut tx, id, &[duty(a, "总指挥"), duty(b, "值班员")])
            .await
            .unwrap();
        repo::put_roster(&mut tx, id, &[duty(b, "总指挥")])
            .await
            .unwrap();
        let street = PlanRecord {
            node_id: c.street.id,
            scope: c.street.path.clone(),
            ..p.clone()
        };
        repo::put_plan(&mut tx, &street).await.unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let got = repo::plan_of(&mut conn, c.community.id, Hazard::Flood)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (got.id, got.spec.clone(), got.updated_at),
            (id, p.spec.clone(), T0 + HOUR)
        );
        assert!(
            repo::plan_of(&mut conn, c.community.id, Hazard::Fire)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            repo::plans_within(&mut conn, &c.street.path)
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            repo::plans_within(&mut conn, &c.community.path)
                .await
                .unwrap()
                .len(),
            1
        );
        let roster = repo::roster_of(&mut conn, id).await.unwrap();
        assert_eq!(
            roster
                .iter()
                .map(|d| (d.user_id, d.duty.as_str(), d.name.as_str()))
                .collect::<Vec<_>>(),
            [(b, "总指挥", "乙")]
        );
    }
);

conformance!(
    one_activation_runs_per_community_with_its_checklist_and_log,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        requests::ensure_default_categories(&mut tx).await.unwrap();
        let c = chain(&mut tx).await;
        let id = repo::insert_activation(&mut tx, &activation(&c, None))
            .await
            .unwrap();
        repo::insert_checklist(&mut tx, id, &["到岗".into(), "排查".into()])
            .await
            .unwrap();
        commit(tx).await.unwrap();

        // A second running activation in the community is refused by the store.
        let mut tx = db.begin_write().await.unwrap();
        assert!(
            repo::insert_activation(&mut tx, &activation(&c, None))
                .await
                .is_err()
        );
        drop(tx);

        let mut tx = db.begin_write().await.unwrap();
        assert!(
            repo::set_step(&mut tx, id, 1, Some((None, T0 + HOUR)))
                .await
                .unwrap()
        );
        assert!(
            !repo::set_step(&mut tx, id, 9, Some((None, T0)))
                .await
                .unwrap()
        );
        assert!(
            repo::set_step(&mut tx, id, 0, Some((None, T0)))
                .await
                .unwrap()
        );
        assert!(repo::set_step(&mut tx, id, 0, None).await.unwrap());
        let entry = |at: i64, text: &str| IncidentRecord {
            id: 0,
            activation_id: id,
            kind: "event".into(),
            text: text.into(),
            happened_at: at,
            recorded_by: None,
            recorded_at: T0 + 2 * HOUR,
        };
        let later = repo::insert_incident(&mut tx, &entry(T0 + HOUR, "堤段渗水"))
            .await
            .unwrap();
        let earlier = repo::insert_incident(&mut tx, &entry(T0, "启动值班"))
            .await
            .unwrap();
        let mut open = crate::requests::record(c.grid.id, c.community.id, &c.grid.path, T0);
        open.category = "safety_hazard".into();
        requests::insert_request(&mut tx, &open).await.unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let got = repo::get_activation(&mut conn, id).await.unwrap();
        assert_eq!(
            got,
            ActivationRecord {
                id,
                ..activation(&c, None)
            }
        );
        assert!(not_found(repo::get_activation(&mut conn, id + 100).await));
        assert_eq!(
            repo::running_in(&mut conn, c.community.id)
                .await
                .unwrap()
                .map(|a| a.id),
            Some(id)
        );
        assert_eq!(repo::running(&mut conn).await.unwrap().len(), 1);
        assert_eq!(
            repo::activations_within(&mut conn, &c.street.path, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        let steps = repo::checklist_of(&mut conn, id).await.unwrap();
        assert_eq!(
            steps
                .iter()
                .map(|s| (s.text.as_str(), s.done_at))
                .collect::<Vec<_>>(),
            [("到岗", None), ("排查", Some(T0 + HOUR))]
        );
        let log = repo::incidents_of(&mut conn, id).await.unwrap();
        assert_eq!(
            log.iter().map(|i| i.id).collect::<Vec<_>>(),
            [earlier, later]
        );
        assert_eq!(
            repo::urgent_deadlines(&mut conn, c.community.id, "noise")
                .await
                .unwrap(),
            Some((15, 240))
        );
        assert_eq!(
            repo::urgent_deadlines(&mut conn, c.community.id, "parking")
                .await
                .unwrap(),
            None
        );
        let cats = ["safety_hazard".to_owned(), "noise".to_owned()];
        assert_eq!(
            repo::open_requests_in(&mut conn, c.community.id, &cats)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            repo::open_requests_in(&mut conn, c.community.id, &[])
                .await
                .unwrap(),
            0
        );
        drop(conn);

        // Ending it once; the community may then switch again.
        let mut tx = db.begin_write().await.unwrap();
        assert!(
            repo::end_activation(&mut tx, id, None, T0 + 3 * HOUR, "汛情解除")
                .await
                .unwrap()
        );
        assert!(
            !repo::end_activation(&mut tx, id, None, T0 + 4 * HOUR, "again")
                .await
                .unwrap()
        );
        repo::insert_activation(&mut tx, &activation(&c, None))
            .await
            .unwrap();
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        let ended = repo::get_activation(&mut conn, id).await.unwrap();
        assert_eq!(
            (ended.ended_at, ended.closing_note.as_deref()),
            (Some(T0 + 3 * HOUR), Some("汛情解除"))
        );
        assert_eq!(
            repo::urgent_deadlines(&mut conn, c.community.id, "noise")
                .await
                .unwrap(),
            Some((15, 240))
        );
    }
);
