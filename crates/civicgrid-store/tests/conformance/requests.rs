//! Requests: catalogue seeding, routing rules by ancestor, insert and optimistic
//! updates, queues through their indexes, the timeline, and escalation steps that are
//! taken once.

use civicgrid_domain::access::Role;
use civicgrid_domain::org::{NodeKind, OrgPath};
use civicgrid_domain::requests::routing::{Party, RoutingRule};
use civicgrid_domain::requests::sla::{Deadlines, EscalationLevel};
use civicgrid_domain::requests::{Channel, RequestId, Status};
use civicgrid_store::requests::{self as repo, Narrowing, NewEvent, Queue, RequestRecord};
use civicgrid_store::{Db, commit};

use crate::support::{HOUR, T0, node};

fn record(grid: i64, community: i64, path: &OrgPath, due: i64) -> RequestRecord {
    RequestRecord {
        id: RequestId(0),
        category: "noise".into(),
        channel: Channel::ResidentWeb,
        description: "楼上噪音".into(),
        grid_id: grid,
        community_id: community,
        path: path.clone(),
        building_id: None,
        room_id: None,
        point: Some((114.305_539_1, 30.592_849_6)),
        address: String::new(),
        requester_user_id: None,
        requester_resident_id: None,
        contact_name: None,
        contact_phone_enc: None,
        contact_phone_idx: None,
        intake_user_id: None,
        intake_token_id: None,
        status: Status::Submitted,
        held_from: None,
        party: Party::Role(Role::GridWorker),
        assignee_user_id: None,
        routed_rule_id: None,
        escalation_level: EscalationLevel::GridWorker,
        next_step_at: Some(due),
        deadlines: Deadlines {
            response_warn_ms: due - HOUR,
            response_due_ms: due,
            resolution_warn_ms: due + HOUR,
            resolution_due_ms: due + 2 * HOUR,
        },
        warn_at: Some(due - HOUR),
        due_at: Some(due),
        held_at: None,
        responded_at: None,
        resolved_at: None,
        closed_at: None,
        rating: None,
        rating_comment: None,
        rated_at: None,
        flagged: false,
        return_visit_pending: false,
        return_visit_at: None,
        public: false,
        duplicate_of: None,
        created_at: T0,
        updated_at: T0,
        version: 1,
    }
}

conformance!(
    requests_round_trip_queues_and_escalation,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        assert_eq!(repo::ensure_default_categories(&mut tx).await.unwrap(), 12);
        assert_eq!(repo::ensure_default_categories(&mut tx).await.unwrap(), 0);
        let city = node(&mut tx, None, NodeKind::City, "C").await;
        let district = node(&mut tx, Some(&city), NodeKind::District, "D").await;
        let street = node(&mut tx, Some(&district), NodeKind::Street, "S").await;
        let community = node(&mut tx, Some(&street), NodeKind::Community, "M").await;
        let grid = node(&mut tx, Some(&community), NodeKind::Grid, "G").await;
        let other = node(&mut tx, Some(&street), NodeKind::Community, "M2").await;

        // Rules at ancestors apply; rules elsewhere do not.
        for (scope, cat) in [
            (&city.path, Some("noise")),
            (&community.path, None),
            (&other.path, None),
        ] {
            let rule = RoutingRule {
                id: 0,
                category: cat.map(str::to_owned),
                scope: scope.clone(),
                party: Party::Role(Role::CommunityStaff),
                active: true,
            };
            repo::insert_rule(&mut tx, &rule, 1, T0).await.unwrap();
        }
        let rules = repo::rules_for(&mut tx, &grid.path).await.unwrap();
        assert_eq!(rules.len(), 2);

        let a = repo::insert_request(
            &mut tx,
            &record(grid.id, community.id, &grid.path, T0 + HOUR),
        )
        .await
        .unwrap();
        let b = repo::insert_request(
            &mut tx,
            &record(grid.id, community.id, &grid.path, T0 + 2 * HOUR),
        )
        .await
        .unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let mut rec = repo::get_request(&mut conn, a).await.unwrap();
        assert_eq!(rec.point, Some((114.305_539_1, 30.592_849_6)));
        // Optimistic locking: the second writer of the same version loses.
        rec.status = Status::OnHold;
        rec.held_from = Some(Status::Submitted);
        rec.due_at = None;
        assert_eq!(
            repo::update_request(&mut conn, &rec).await.unwrap(),
            Some(2)
        );
        assert_eq!(repo::update_request(&mut conn, &rec).await.unwrap(), None);
        let held = repo::get_request(&mut conn, a).await.unwrap();
        assert_eq!(
            (held.status, held.due_at, held.version),
            (Status::OnHold, None, 2)
        );

        // Queues: held requests sort last; overdue excludes them.
        let n = Narrowing::default();
        let party = repo::queue(
            &mut conn,
            &Queue::Party("role:grid_worker".into()),
            &n,
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(party.iter().map(|r| r.id).collect::<Vec<_>>(), [b, a]);
        let scoped = repo::queue(&mut conn, &Queue::OpenIn(community.path.clone()), &n, 10, 0)
            .await
            .unwrap();
        assert_eq!(scoped.len(), 2);
        assert!(
            repo::queue(&mut conn, &Queue::OpenIn(other.path.clone()), &n, 10, 0)
                .await
                .unwrap()
                .is_empty()
        );
        let overdue = repo::queue(&mut conn, &Queue::OverdueAt(T0 + 10 * HOUR), &n, 10, 0)
            .await
            .unwrap();
        assert_eq!(overdue.iter().map(|r| r.id).collect::<Vec<_>>(), [b]);
        let all = repo::queue(
            &mut conn,
            &Queue::AllIn(city.path.clone()),
            &Narrowing {
                status: Some(Status::OnHold),
                ..n.clone()
            },
            10,
            0,
        )
        .await
        .unwrap();
        assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), [a]);
        assert_eq!(
            repo::open_counts(&mut conn, &community.path, T0 + 10 * HOUR)
                .await
                .unwrap(),
            (2, 1)
        );

        // The timeline, resident-visible lines only on request.
        for visible in [true, false] {
            repo::insert_event(
                &mut conn,
                &NewEvent {
                    id: 0,
                    request_id: b,
                    at_ms: T0,
                    kind: "comment".into(),
                    from_status: None,
                    to_status: None,
                    actor_user_id: None,
                    actor_token_id: None,
                    actor_label: "system".into(),
                    actor_role: None,
                    party: None,
                    related_id: None,
                    note: Some("n".into()),
                    visible,
                },
            )
            .await
            .unwrap();
        }
        assert_eq!(repo::events(&mut conn, b, true).await.unwrap().len(), 1);
        assert_eq!(repo::events(&mut conn, b, false).await.unwrap().len(), 2);
        drop(conn);

        // Escalation: due steps, one step once, under the job lock.
        let mut tx = db.begin_write().await.unwrap();
        assert!(
            repo::try_job_lock(&mut tx, repo::ESCALATION_LOCK_KEY)
                .await
                .unwrap()
        );
        let due = repo::due_steps(&mut tx, T0 + 10 * HOUR, 10).await.unwrap();
        assert_eq!(due.iter().map(|r| r.id).collect::<Vec<_>>(), [a, b]);
        assert!(
            repo::escalate(&mut tx, b, EscalationLevel::CommunityStaff, None, T0)
                .await
                .unwrap()
        );
        assert!(
            !repo::escalate(&mut tx, b, EscalationLevel::CommunityStaff, None, T0)
                .await
                .unwrap()
        );
        assert!(
            !repo::escalate(&mut tx, b, EscalationLevel::GridWorker, None, T0)
                .await
                .unwrap()
        );
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        let esc = repo::get_request(&mut conn, b).await.unwrap();
        assert_eq!(
            (esc.escalation_level, esc.next_step_at, esc.version),
            (EscalationLevel::CommunityStaff, None, 1)
        );
    }
);
