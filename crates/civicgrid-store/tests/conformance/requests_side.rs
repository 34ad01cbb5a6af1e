//! Requests beyond intake and queues: responder organisations and their members,
//! routing rules kept up, the catalogue and settings, the residents' inbox, the
//! outbox's delivery attempts, photos, what Open311 may show, the escalation job's
//! other reads, and the reads that help classify and de-duplicate.

use civicgrid_domain::platform::access::Role;
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_domain::requests::category::{Category, PartyKind, ResponderKind};
use civicgrid_domain::requests::routing::{Party, RoutingRule};
use civicgrid_domain::requests::{RequestId, Status};
use civicgrid_store::platform::accounts;
use civicgrid_store::platform::org::OrgNode;
use civicgrid_store::requests::{self as repo, PhotoMeta, PublicQuery};
use civicgrid_store::{AnyConnection, Db, commit};

use crate::requests::{event, record};
use crate::support::{HOUR, MINUTE, T0, node, not_found};

/// A request in a fresh tree, with the default catalogue: (community, grid, request).
async fn one_request(conn: &mut AnyConnection) -> (OrgNode, OrgNode, RequestId) {
    repo::ensure_default_categories(conn).await.unwrap();
    let (_, community, grid) = tree(conn).await;
    let r = repo::insert_request(conn, &record(grid.id, community.id, &grid.path, T0 + HOUR))
        .await
        .unwrap();
    (community, grid, r)
}

/// A user account named `name`.
async fn user(conn: &mut AnyConnection, name: &str) -> accounts::User {
    accounts::insert_user(conn, name, name, "h").await.unwrap()
}

/// A city, its district, street, a community and a grid beneath it.
async fn tree(conn: &mut AnyConnection) -> (OrgNode, OrgNode, OrgNode) {
    let city = node(conn, None, NodeKind::City, "C").await;
    let district = node(conn, Some(&city), NodeKind::District, "D").await;
    let street = node(conn, Some(&district), NodeKind::Street, "S").await;
    let community = node(conn, Some(&street), NodeKind::Community, "M").await;
    let grid = node(conn, Some(&community), NodeKind::Grid, "G").await;
    (city, community, grid)
}

conformance!(responder_orgs_and_their_members, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let (city, community, grid) = tree(&mut tx).await;
    let alice = user(&mut tx, "alice").await;
    let bob = user(&mut tx, "bob").await;
    let property = repo::insert_org(
        &mut tx,
        ResponderKind::PropertyCompany,
        "物业甲",
        community.id,
        &community.path,
        T0,
    )
    .await
    .unwrap();
    let police = repo::insert_org(
        &mut tx,
        ResponderKind::PoliceStation,
        "派出所",
        city.id,
        &city.path,
        T0,
    )
    .await
    .unwrap();
    assert_eq!(
        (property.kind, property.name.as_str(), property.active),
        (ResponderKind::PropertyCompany, "物业甲", true)
    );
    assert_eq!(repo::get_org(&mut tx, property.id).await.unwrap(), property);

    // Members: a second add is no change; removal says whether there was one.
    assert!(
        repo::add_member(&mut tx, property.id, bob.id, T0)
            .await
            .unwrap()
    );
    assert!(
        repo::add_member(&mut tx, property.id, alice.id, T0)
            .await
            .unwrap()
    );
    assert!(
        !repo::add_member(&mut tx, property.id, alice.id, T0)
            .await
            .unwrap()
    );
    assert!(
        repo::add_member(&mut tx, police.id, alice.id, T0)
            .await
            .unwrap()
    );
    assert_eq!(
        repo::members(&mut tx, property.id).await.unwrap(),
        [alice.id, bob.id]
    );
    assert_eq!(
        repo::orgs_of_user(&mut tx, alice.id).await.unwrap(),
        [property.id, police.id]
    );
    assert!(
        repo::remove_member(&mut tx, property.id, bob.id)
            .await
            .unwrap()
    );
    assert!(
        !repo::remove_member(&mut tx, property.id, bob.id)
            .await
            .unwrap()
    );
    assert_eq!(
        repo::members(&mut tx, property.id).await.unwrap(),
        [alice.id]
    );

    // Listing by scope; an inactive organisation drops out of its members' list.
    let names =
        |orgs: Vec<repo::ResponderOrg>| orgs.into_iter().map(|o| o.name).collect::<Vec<_>>();
    assert_eq!(
        names(repo::list_orgs(&mut tx, None).await.unwrap()),
        ["派出所", "物业甲"]
    );
    assert_eq!(
        names(
            repo::list_orgs(&mut tx, Some(&community.path))
                .await
                .unwrap()
        ),
        ["物业甲"]
    );
    assert!(
        repo::list_orgs(&mut tx, Some(&grid.path))
            .await
            .unwrap()
            .is_empty()
    );
    repo::update_org(
        &mut tx,
        police.id,
        ResponderKind::UrbanManagement,
        "城管",
        false,
        T0 + 1,
    )
    .await
    .unwrap();
    let changed = repo::get_org(&mut tx, police.id).await.unwrap();
    assert_eq!(
        (
            changed.kind,
            changed.name.as_str(),
            changed.active,
            changed.updated_at
        ),
        (ResponderKind::UrbanManagement, "城管", false, T0 + 1)
    );
    assert_eq!(
        repo::orgs_of_user(&mut tx, alice.id).await.unwrap(),
        [property.id]
    );
    assert!(not_found(
        repo::update_org(&mut tx, 999, ResponderKind::Utility, "x", true, T0).await
    ));
    assert!(not_found(repo::get_org(&mut tx, 999).await));
    commit(tx).await.unwrap();
});

conformance!(routing_rules_are_kept_up, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let (city, community, grid) = tree(&mut tx).await;
    let mut rule = RoutingRule {
        id: 0,
        category: Some("noise".into()),
        scope: community.path.clone(),
        party: Party::Role(Role::CommunityStaff),
        active: true,
    };
    rule.id = repo::insert_rule(&mut tx, &rule, community.id, T0)
        .await
        .unwrap();
    let wide = RoutingRule {
        id: 0,
        category: None,
        scope: city.path.clone(),
        party: Party::Role(Role::GridWorker),
        active: true,
    };
    let wide_id = repo::insert_rule(&mut tx, &wide, city.id, T0)
        .await
        .unwrap();
    let stored = repo::get_rule(&mut tx, rule.id).await.unwrap();
    assert_eq!(
        (stored.rule.clone(), stored.node_id),
        (rule.clone(), community.id)
    );

    rule.category = None;
    rule.party = Party::Org(7);
    rule.active = false;
    repo::update_rule(&mut tx, &rule, T0 + MINUTE)
        .await
        .unwrap();
    let stored = repo::get_rule(&mut tx, rule.id).await.unwrap();
    assert_eq!(stored.rule, rule);
    assert_eq!(stored.updated_at, T0 + MINUTE);
    // The inactive rule no longer routes.
    let routing: Vec<i64> = repo::rules_for(&mut tx, &grid.path)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(routing, [wide_id]);

    let ids = |rules: Vec<repo::StoredRule>| rules.iter().map(|r| r.rule.id).collect::<Vec<_>>();
    assert_eq!(
        ids(repo::list_rules(&mut tx, None).await.unwrap()),
        [wide_id, rule.id]
    );
    assert_eq!(
        ids(repo::list_rules(&mut tx, Some(&community.path))
            .await
            .unwrap()),
        [rule.id]
    );
    let missing = RoutingRule {
        id: 999,
        ..rule.clone()
    };
    assert!(not_found(repo::update_rule(&mut tx, &missing, T0).await));
    assert!(not_found(repo::get_rule(&mut tx, 999).await));
    commit(tx).await.unwrap();
});

conformance!(catalogue_and_settings, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    assert!(repo::categories(&mut tx).await.unwrap().is_empty());
    repo::ensure_default_categories(&mut tx).await.unwrap();
    let defaults = repo::categories(&mut tx).await.unwrap();
    assert_eq!(defaults.len(), 12);
    let mut noise = repo::category(&mut tx, "noise").await.unwrap().unwrap();
    noise.name_en = "Noise at night".into();
    noise.public = !noise.public;
    noise.active = false;
    repo::upsert_category(&mut tx, &noise, 0).await.unwrap();
    assert_eq!(
        repo::category(&mut tx, "noise").await.unwrap(),
        Some(noise.clone())
    );
    let new = Category {
        code: "streetlight".into(),
        name_zh: "路灯".into(),
        name_en: "Street lights".into(),
        description: String::new(),
        party_kind: PartyKind::Responder(ResponderKind::Utility),
        response_minutes: 60,
        resolution_minutes: 480,
        public: true,
        active: true,
    };
    // Position -1 lists it first; the changed default stays changed.
    repo::upsert_category(&mut tx, &new, -1).await.unwrap();
    let all = repo::categories(&mut tx).await.unwrap();
    assert_eq!(all.len(), 13);
    assert_eq!(all[0], new);
    assert_eq!(repo::ensure_default_categories(&mut tx).await.unwrap(), 0);
    assert_eq!(repo::category(&mut tx, "noise").await.unwrap(), Some(noise));
    assert_eq!(repo::category(&mut tx, "nothing").await.unwrap(), None);

    assert_eq!(
        repo::setting(&mut tx, repo::SETTING_POLICY).await.unwrap(),
        None
    );
    repo::set_setting(&mut tx, repo::SETTING_POLICY, r#"{"a":1}"#, T0)
        .await
        .unwrap();
    repo::set_setting(&mut tx, repo::SETTING_POLICY, r#"{"a":2}"#, T0 + 1)
        .await
        .unwrap();
    assert_eq!(
        repo::setting(&mut tx, repo::SETTING_POLICY)
            .await
            .unwrap()
            .as_deref(),
        Some(r#"{"a":2}"#)
    );
    assert_eq!(
        repo::setting(&mut tx, repo::SETTING_CALENDAR)
            .await
            .unwrap(),
        None
    );
    commit(tx).await.unwrap();
});

conformance!(inbox_and_outbox, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let (_, _, r) = one_request(&mut tx).await;
    let alice = user(&mut tx, "alice").await;
    let bob = user(&mut tx, "bob").await;
    let mut rows = Vec::new();
    for (i, status) in [Status::Submitted, Status::Accepted, Status::Resolved]
        .into_iter()
        .enumerate()
    {
        let e = repo::insert_event(&mut tx, &event(r, "accept", Some(status), true))
            .await
            .unwrap();
        rows.push(repo::InboxRow {
            user_id: alice.id,
            request_id: r,
            event_id: e,
            at_ms: T0 + i as i64,
            kind: format!("k{i}"),
            status,
        });
    }
    rows.push(repo::InboxRow {
        user_id: bob.id,
        ..rows[0].clone()
    });
    repo::insert_inbox_rows(&mut tx, &rows).await.unwrap();
    commit(tx).await.unwrap();

    let mut conn = db.read().await.unwrap();
    let inbox = repo::inbox(&mut conn, alice.id, None, 10).await.unwrap();
    assert_eq!(
        inbox
            .iter()
            .map(|i| (i.kind.as_str(), i.status))
            .collect::<Vec<_>>(),
        [
            ("k2", Status::Resolved),
            ("k1", Status::Accepted),
            ("k0", Status::Submitted)
        ]
    );
    assert!(
        inbox
            .iter()
            .all(|i| i.user_id == alice.id && i.read_at.is_none())
    );
    let older = repo::inbox(&mut conn, alice.id, Some(inbox[0].id), 1)
        .await
        .unwrap();
    assert_eq!(older.len(), 1);
    assert_eq!(older[0].id, inbox[1].id);
    assert_eq!(repo::unread_count(&mut conn, alice.id).await.unwrap(), 3);
    // Reading up to the middle line marks two; again marks none; bob's stays unread.
    assert_eq!(
        repo::mark_read(&mut conn, alice.id, inbox[1].id, T0 + HOUR)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        repo::mark_read(&mut conn, alice.id, inbox[1].id, T0 + HOUR)
            .await
            .unwrap(),
        0
    );
    assert_eq!(repo::unread_count(&mut conn, alice.id).await.unwrap(), 1);
    assert_eq!(repo::unread_count(&mut conn, bob.id).await.unwrap(), 1);
    let after = repo::inbox(&mut conn, alice.id, None, 10).await.unwrap();
    assert_eq!(after[2].read_at, Some(T0 + HOUR));
    assert_eq!(after[0].read_at, None);

    // The outbox: delivered at once, or failed after the last allowed attempt.
    repo::insert_outbox_rows(
        &mut conn,
        &[0, 1].map(|i| repo::OutboxRow {
            at_ms: T0,
            request_id: r,
            event_id: rows[i].event_id,
            recipient: format!("user:{}", alice.id),
            payload: "{}".into(),
        }),
    )
    .await
    .unwrap();
    let pending = repo::pending_outbox(&mut conn, 10).await.unwrap();
    assert_eq!(pending.len(), 2);
    let (first, second) = (pending[0].id, pending[1].id);
    assert!(
        repo::outbox_attempted(&mut conn, first, true, 3, T0)
            .await
            .unwrap()
    );
    assert!(
        !repo::outbox_attempted(&mut conn, first, true, 3, T0)
            .await
            .unwrap()
    );
    assert!(
        repo::outbox_attempted(&mut conn, second, false, 2, T0)
            .await
            .unwrap()
    );
    let left = repo::pending_outbox(&mut conn, 10).await.unwrap();
    assert_eq!(
        left.iter().map(|o| (o.id, o.attempts)).collect::<Vec<_>>(),
        [(second, 1)]
    );
    assert!(
        repo::outbox_attempted(&mut conn, second, false, 2, T0)
            .await
            .unwrap()
    );
    assert!(
        repo::pending_outbox(&mut conn, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !repo::outbox_attempted(&mut conn, second, true, 2, T0)
            .await
            .unwrap()
    );
});

conformance!(photos_keep_their_bytes, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let (_, _, r) = one_request(&mut tx).await;
    let alice = user(&mut tx, "alice").await;
    let meta = |stage: &str| PhotoMeta {
        id: 0,
        request_id: r,
        stage: stage.into(),
        content_type: "image/jpeg".into(),
        byte_len: 0,
        sha256: "ab".repeat(32),
        width: Some(640),
        height: Some(480),
        uploaded_by: Some(alice.id),
        uploaded_at: T0,
    };
    let bytes: Vec<u8> = (0..=255).collect();
    let a = repo::insert_photo(&mut tx, &meta("intake"), &bytes)
        .await
        .unwrap();
    let b = repo::insert_photo(&mut tx, &meta("resolution"), b"\xff\xd8")
        .await
        .unwrap();
    commit(tx).await.unwrap();

    let mut conn = db.read().await.unwrap();
    let listed = repo::photos(&mut conn, r).await.unwrap();
    assert_eq!(listed.iter().map(|p| p.id).collect::<Vec<_>>(), [a, b]);
    assert_eq!(
        listed[0].byte_len, 256,
        "the length is the bytes', not the caller's"
    );
    assert_eq!(
        listed[0],
        PhotoMeta {
            id: a,
            byte_len: 256,
            ..meta("intake")
        }
    );
    let (m, data) = repo::photo(&mut conn, b).await.unwrap();
    assert_eq!(
        (m.stage.as_str(), data.as_slice()),
        ("resolution", &b"\xff\xd8"[..])
    );
    assert_eq!(repo::photo(&mut conn, a).await.unwrap().1, bytes);
    assert!(not_found(repo::photo(&mut conn, 999).await));
    assert!(
        repo::photos(&mut conn, RequestId(999))
            .await
            .unwrap()
            .is_empty()
    );
});

conformance!(
    open311_shows_only_public_requests_of_public_categories,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        repo::ensure_default_categories(&mut tx).await.unwrap();
        let (_, community, grid) = tree(&mut tx).await;
        let mut light = repo::category(&mut tx, "noise").await.unwrap().unwrap();
        light.code = "streetlight".into();
        light.public = true;
        repo::upsert_category(&mut tx, &light, 99).await.unwrap();
        let mut ids = Vec::new();
        for (i, (category, public)) in [
            ("streetlight", true),
            ("streetlight", false),
            ("streetlight", true),
        ]
        .into_iter()
        .enumerate()
        {
            let mut rec = record(grid.id, community.id, &grid.path, T0 + HOUR);
            rec.category = category.into();
            rec.public = public;
            rec.created_at = T0 + i as i64 * MINUTE;
            ids.push(repo::insert_request(&mut tx, &rec).await.unwrap());
        }
        // A closed public request.
        let mut closed = repo::get_request(&mut tx, ids[2]).await.unwrap();
        closed.status = Status::Closed;
        closed.closed_at = Some(T0 + HOUR);
        repo::update_request(&mut tx, &closed).await.unwrap();
        let mut e = event(ids[2], "close", Some(Status::Closed), true);
        e.at_ms = T0 + HOUR;
        let status_line = repo::insert_event(&mut tx, &e).await.unwrap();
        repo::insert_event(&mut tx, &event(ids[2], "comment", None, true))
            .await
            .unwrap();
        repo::insert_event(
            &mut tx,
            &event(ids[1], "accept", Some(Status::Accepted), true),
        )
        .await
        .unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let q = PublicQuery {
            created_from: T0,
            created_to: T0 + HOUR,
            category: None,
            open: None,
            limit: 10,
            offset: 0,
        };
        let shown = |v: Vec<repo::RequestRecord>| v.iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(
            shown(repo::public_requests(&mut conn, &q).await.unwrap()),
            [ids[2], ids[0]]
        );
        let open = PublicQuery {
            open: Some(true),
            ..q.clone()
        };
        assert_eq!(
            shown(repo::public_requests(&mut conn, &open).await.unwrap()),
            [ids[0]]
        );
        let closed_only = PublicQuery {
            open: Some(false),
            ..q.clone()
        };
        assert_eq!(
            shown(
                repo::public_requests(&mut conn, &closed_only)
                    .await
                    .unwrap()
            ),
            [ids[2]]
        );
        let other = PublicQuery {
            category: Some("noise".into()),
            ..q.clone()
        };
        assert!(
            repo::public_requests(&mut conn, &other)
                .await
                .unwrap()
                .is_empty()
        );
        let later = PublicQuery {
            created_from: T0 + 1,
            ..q.clone()
        };
        assert_eq!(
            shown(repo::public_requests(&mut conn, &later).await.unwrap()),
            [ids[2]]
        );
        assert!(
            repo::public_request(&mut conn, ids[0])
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            repo::public_request(&mut conn, ids[1])
                .await
                .unwrap()
                .is_none()
        );
        let updates = repo::public_status_updates(&mut conn, T0, T0 + 2 * HOUR, 10, 0)
            .await
            .unwrap();
        assert_eq!(
            updates
                .iter()
                .map(|u| (u.id, u.request_id, u.status))
                .collect::<Vec<_>>(),
            [(status_line, ids[2], Status::Closed)]
        );
        drop(conn);

        // A category taken off the public list hides its requests at once.
        let mut tx = db.begin_write().await.unwrap();
        light.public = false;
        repo::upsert_category(&mut tx, &light, 99).await.unwrap();
        assert!(repo::public_requests(&mut tx, &q).await.unwrap().is_empty());
        assert!(
            repo::public_request(&mut tx, ids[0])
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            repo::public_status_updates(&mut tx, T0, T0 + 2 * HOUR, 10, 0)
                .await
                .unwrap()
                .is_empty()
        );
        commit(tx).await.unwrap();
    }
);

conformance!(escalation_reads_and_request_lookups, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    repo::ensure_default_categories(&mut tx).await.unwrap();
    let (_, community, grid) = tree(&mut tx).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let mut rec = record(grid.id, community.id, &grid.path, T0 + HOUR);
        rec.description = format!("路灯坏了{i}");
        rec.category = if i == 1 {
            "sanitation".into()
        } else {
            "noise".into()
        };
        rec.created_at = T0 + i * MINUTE;
        ids.push(repo::insert_request(&mut tx, &rec).await.unwrap());
    }
    // Two resolved, at different times; one rejected.
    for (id, status, at) in [
        (ids[0], Status::Resolved, Some(T0 + 2 * HOUR)),
        (ids[1], Status::Resolved, Some(T0 + HOUR)),
        (ids[2], Status::Rejected, None),
    ] {
        let mut rec = repo::get_request(&mut tx, id).await.unwrap();
        rec.status = status;
        rec.resolved_at = at;
        repo::update_request(&mut tx, &rec).await.unwrap();
    }
    let stale: Vec<RequestId> = repo::stale_resolved(&mut tx, T0 + 3 * HOUR, 10)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(stale, [ids[1], ids[0]], "oldest resolution first");
    assert_eq!(
        repo::stale_resolved(&mut tx, T0 + 90 * MINUTE, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    repo::set_next_step(&mut tx, ids[0], Some(T0 + 5 * HOUR))
        .await
        .unwrap();
    assert_eq!(
        repo::get_request(&mut tx, ids[0])
            .await
            .unwrap()
            .next_step_at,
        Some(T0 + 5 * HOUR)
    );
    repo::set_next_step(&mut tx, ids[0], None).await.unwrap();
    assert_eq!(
        repo::get_request(&mut tx, ids[0])
            .await
            .unwrap()
            .next_step_at,
        None
    );

    let asked = [ids[2], RequestId(999), ids[0]];
    let found: Vec<RequestId> = repo::requests_by_ids(&mut tx, &asked)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        found,
        [ids[2], ids[0]],
        "in the order asked, missing left out"
    );

    // Rejected requests are neither duplicate candidates nor lessons.
    let candidates = repo::duplicate_candidates(&mut tx, community.id, T0, 10)
        .await
        .unwrap();
    assert_eq!(
        candidates.iter().map(|c| c.id).collect::<Vec<_>>(),
        [ids[1], ids[0]]
    );
    assert_eq!(candidates[1].point, Some((114.305_539_1, 30.592_849_6)));
    assert_eq!(candidates[1].status, Status::Resolved);
    assert!(
        repo::duplicate_candidates(&mut tx, community.id, T0 + MINUTE + 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        repo::training_samples(&mut tx, community.id, 10)
            .await
            .unwrap(),
        [
            ("路灯坏了1".to_owned(), "sanitation".to_owned()),
            ("路灯坏了0".to_owned(), "noise".to_owned())
        ]
    );
    assert!(
        repo::training_samples(&mut tx, grid.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    commit(tx).await.unwrap();
});

#[test]
fn coordinates_round_trip_through_e7() {
    for deg in [114.305_539_1, -30.592_849_6, 0.0, 180.0, -180.0] {
        let e7 = repo::degrees_to_e7(deg);
        assert!((repo::e7_to_degrees(e7) - deg).abs() < 1e-7, "{deg}");
    }
    assert_eq!(repo::degrees_to_e7(114.305_539_1), 1_143_055_391);
    assert_eq!(repo::e7_to_degrees(-305_928_496), -30.592_849_6);
}
