//! Requests: catalogue seeding, routing rules by ancestor, insert and optimistic
//! updates, queues through their indexes, the timeline, and escalation steps that are
//! taken once.

use civicgrid_domain::platform::access::Role;
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_domain::requests::routing::{Party, RoutingRule};
use civicgrid_domain::requests::sla::{Deadlines, EscalationLevel};
use civicgrid_domain::requests::{Channel, RequestId, Status};
use civicgrid_store::requests::{self as repo, Narrowing, NewEvent, Queue, RequestRecord};
use civicgrid_store::{Db, commit};

use crate::support::{Chain, HOUR, T0, audit_fields, chain, node};

pub(crate) fn record(grid: i64, community: i64, path: &OrgPath, due: i64) -> RequestRecord {
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

/// The default categories and a [`Chain`] down to a grid.
async fn catalogued_chain(tx: &mut civicgrid_store::AnyConnection) -> Chain {
    repo::ensure_default_categories(tx).await.unwrap();
    chain(tx).await
}

/// A request about noise in the chain's grid, first due at `due`.
fn record_in(c: &Chain, due: i64) -> RequestRecord {
    record(c.grid.id, c.community.id, &c.grid.path, due)
}

/// The "submitted" line of a request an Open311 client sent, with its reserved id.
fn submitted_by_open311(id: i64, request_id: RequestId) -> NewEvent {
    NewEvent {
        id,
        actor_label: "token:bench".into(),
        actor_role: Some("open311".into()),
        ..event(request_id, "submitted", Some(Status::Submitted), true)
    }
}

/// A timeline line of `kind` by the system, as written before its id is known.
pub(crate) fn event(
    request_id: RequestId,
    kind: &str,
    to: Option<Status>,
    visible: bool,
) -> NewEvent {
    NewEvent {
        id: 0,
        request_id,
        at_ms: T0,
        kind: kind.into(),
        from_status: None,
        to_status: to,
        actor_user_id: None,
        actor_token_id: None,
        actor_label: "system".into(),
        actor_role: None,
        party: None,
        related_id: None,
        note: None,
        visible,
    }
}

conformance!(
    requests_round_trip_queues_and_escalation,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        assert_eq!(repo::ensure_default_categories(&mut tx).await.unwrap(), 12);
        assert_eq!(repo::ensure_default_categories(&mut tx).await.unwrap(), 0);
        let Chain {
            city,
            street,
            community,
            grid,
            ..
        } = chain(&mut tx).await;
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
        // On hold no clock runs (the app clears both).
        rec.warn_at = None;
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
        // Due soon: warned and not yet due at the instant (the held one has no due time).
        for (at, expected) in [
            (T0 + HOUR + HOUR / 2, vec![b]),
            (T0 + HOUR / 2, vec![]),
            (T0 + 3 * HOUR, vec![]),
        ] {
            let warned = Narrowing {
                warning_at: Some(at),
                ..n.clone()
            };
            let soon = repo::queue(
                &mut conn,
                &Queue::OpenIn(community.path.clone()),
                &warned,
                10,
                0,
            )
            .await
            .unwrap();
            assert_eq!(soon.iter().map(|r| r.id).collect::<Vec<_>>(), expected);
        }
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
                    note: Some("n".into()),
                    ..event(b, "comment", None, visible)
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

conformance!(
    requests_written_as_a_batch_keep_their_reserved_ids,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let (place, due) = (catalogued_chain(&mut tx).await, T0 + HOUR);
        // One written the ordinary way first: reserved ids continue after it.
        let first = repo::insert_request(&mut tx, &record_in(&place, due))
            .await
            .unwrap();
        let start = repo::start_batch(&mut tx, 3).await.unwrap();
        let (ids, event_ids) = (start.request_ids.clone(), start.event_ids.clone());
        assert_eq!(ids.len(), 3);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert!(ids[0] > first.0, "{ids:?} after {first:?}");
        assert_eq!(event_ids.len(), 3);
        let recs: Vec<RequestRecord> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let mut r = record_in(&place, due);
                r.id = RequestId(*id);
                r.description = format!("第{i}件");
                r
            })
            .collect();
        repo::insert_requests_with_ids(&mut tx, &recs)
            .await
            .unwrap();
        let events: Vec<NewEvent> = recs
            .iter()
            .zip(&event_ids)
            .map(|(r, e)| submitted_by_open311(*e, r.id))
            .collect();
        repo::insert_events_with_ids(&mut tx, &events)
            .await
            .unwrap();
        let outbox: Vec<repo::OutboxRow> = events
            .iter()
            .map(|e| repo::OutboxRow {
                at_ms: T0,
                request_id: e.request_id,
                event_id: e.id,
                recipient: "party:role:grid_worker".into(),
                payload: "{}".into(),
            })
            .collect();
        repo::insert_outbox_rows(&mut tx, &outbox).await.unwrap();
        let tokens: Vec<repo::Open311TokenRow> = recs
            .iter()
            .map(|r| repo::Open311TokenRow {
                token: format!("tok{}", r.id.0),
                request_id: r.id,
                at_ms: T0,
            })
            .collect();
        repo::insert_open311_tokens(&mut tx, &tokens).await.unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        for (i, r) in recs.iter().enumerate() {
            let stored = repo::get_request(&mut conn, r.id).await.unwrap();
            assert_eq!(stored.description, format!("第{i}件"));
            assert_eq!(stored.version, 1);
            let timeline = repo::events(&mut conn, r.id, false).await.unwrap();
            assert_eq!(timeline.len(), 1);
            assert_eq!(timeline[0].id, event_ids[i]);
            assert_eq!(
                repo::request_of_open311_token(&mut conn, &format!("tok{}", r.id.0))
                    .await
                    .unwrap(),
                Some(r.id)
            );
        }
        assert_eq!(repo::pending_outbox(&mut conn, 10).await.unwrap().len(), 3);
        drop(conn);

        // The identity sequence (PostgreSQL) or the largest id (SQLite) moved on: an
        // ordinary insert afterwards takes a fresh id.
        let mut tx = db.begin_write().await.unwrap();
        let after = repo::insert_request(&mut tx, &record_in(&place, due))
            .await
            .unwrap();
        assert!(after.0 > ids[2], "{after:?}");
        commit(tx).await.unwrap();
    }
);

conformance!(
    a_batch_of_new_requests_is_written_whole_with_its_audit_chain,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let (place, due) = (catalogued_chain(&mut tx).await, T0 + HOUR);
        commit(tx).await.unwrap();

        for round in 0..2 {
            let mut tx = db.begin_write().await.unwrap();
            let start = repo::start_batch(&mut tx, 5).await.unwrap();
            let mut b = repo::NewRequests::default();
            for (i, (id, event_id)) in start.request_ids.iter().zip(&start.event_ids).enumerate() {
                let mut r = record_in(&place, due);
                r.id = RequestId(*id);
                r.description = format!("第{round}批第{i}件");
                b.events.push(submitted_by_open311(*event_id, r.id));
                b.audits.push(audit_fields(
                    "request.submit",
                    Some(place.grid.path.as_str()),
                    None,
                    ("request", &id.to_string()),
                ));
                b.outbox.push(repo::OutboxRow {
                    at_ms: T0,
                    request_id: r.id,
                    event_id: *event_id,
                    recipient: "party:role:grid_worker".into(),
                    payload: "{}".into(),
                });
                b.tokens.push(repo::Open311TokenRow {
                    token: format!("tok{id}"),
                    request_id: r.id,
                    at_ms: T0,
                });
                b.requests.push(r);
            }
            repo::write_batch(&mut tx, &start, &b).await.unwrap();
            commit(tx).await.unwrap();
            let mut conn = db.read().await.unwrap();
            for r in &b.requests {
                let stored = repo::get_request(&mut conn, r.id).await.unwrap();
                assert_eq!(stored.description, r.description);
                assert_eq!(repo::events(&mut conn, r.id, false).await.unwrap().len(), 1);
            }
        }
        let mut conn = db.read().await.unwrap();
        assert_eq!(
            repo::pending_outbox(&mut conn, 100).await.unwrap().len(),
            10
        );
        let v = civicgrid_store::platform::audit::verify(&mut conn)
            .await
            .unwrap();
        assert_eq!((v.checked, v.head_seq, v.first_break), (10, 10, None));
    }
);
