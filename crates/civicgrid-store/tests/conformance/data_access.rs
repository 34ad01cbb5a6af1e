//! The data-access log: views of residents' records, read by the resident and by
//! auditors of a scope.

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::person::{Gender, Ownership, Relation, ResidenceStatus};
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::{self, ResidentFields};
use civicgrid_store::platform::org::OrgNode;
use civicgrid_store::privacy::data_access::{self, DataView, NewView, ViewFilter};
use civicgrid_store::{AnyConnection, Db, commit, ledger::pii};

use crate::support::{MINUTE, T0, wide_tree};

/// A household with `n` residents under `node`; returns (household, resident ids).
async fn household(conn: &mut AnyConnection, node: &OrgNode, n: usize) -> (i64, Vec<i64>) {
    let keys = FieldKeys::ephemeral();
    let b = ledger::insert_building(conn, node.id, &format!("{}栋", node.id), "")
        .await
        .unwrap();
    let u = ledger::insert_unit(conn, b.id, "1").await.unwrap();
    let r = ledger::insert_room(conn, u.id, "101", None).await.unwrap();
    let h = ledger::insert_household(conn, r.id, Ownership::Owner, None)
        .await
        .unwrap();
    let birth = Date::from_ymd_opt(1980, 1, 1).unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let sealed = pii::seal(&keys, None, None, birth);
        let r = ledger::insert_resident(
            conn,
            &ResidentFields {
                household_id: Some(h.id),
                grid_id: node.id,
                name: &format!("居民{i}"),
                gender: Gender::Male,
                relation: if i == 0 {
                    Relation::Head
                } else {
                    Relation::Child
                },
                status: ResidenceStatus::Registered,
                pii: &sealed,
            },
        )
        .await
        .unwrap();
        ids.push(r.id);
    }
    (h.id, ids)
}

fn view<'a>(at_ms: i64, user: Option<i64>, label: &'a str, scope: &'a str) -> NewView<'a> {
    NewView {
        at_ms,
        actor_user_id: user,
        actor_token_id: None,
        actor_label: label,
        actor_role: user.map(|_| "grid_worker"),
        action: "ledger.resident.view",
        scope_path: scope,
    }
}

async fn listed(db: &Db, f: &ViewFilter, limit: i64) -> Vec<DataView> {
    let mut c = db.read().await.unwrap();
    data_access::list(&mut c, f, limit).await.unwrap()
}

fn residents_of(rows: &[DataView]) -> Vec<i64> {
    rows.iter().map(|r| r.resident_id).collect()
}

conformance!(data_access_append_and_read_back, |db: Db| async move {
    let nodes = wide_tree(&db).await;
    let (d4, d40) = (&nodes[3], &nodes[39]);
    assert_eq!(d4.path.as_str(), "/1/4/");
    assert_eq!(d40.path.as_str(), "/1/40/");
    let mut tx = db.begin_write().await.unwrap();
    let (h4, in4) = household(&mut tx, d4, 2).await;
    let (h40, in40) = household(&mut tx, d40, 1).await;
    commit(tx).await.unwrap();

    let mut tx = db.begin_write().await.unwrap();
    // A household card shows both members at once.
    let mut card = view(T0, Some(7), "网格员小王", "/1/4/");
    card.action = "ledger.household.view";
    data_access::append(&mut tx, &card, &[(in4[0], Some(h4)), (in4[1], Some(h4))])
        .await
        .unwrap();
    data_access::append(
        &mut tx,
        &view(T0 + MINUTE, Some(8), "staff", "/1/40/"),
        &[(in40[0], Some(h40))],
    )
    .await
    .unwrap();
    // The system itself, a resident without a household, and an API token.
    let mut token = view(T0 + 2 * MINUTE, None, "open311 bridge", "/1/4/");
    token.actor_token_id = Some(3);
    token.actor_role = Some("community_staff");
    data_access::append(&mut tx, &token, &[(in4[1], None)])
        .await
        .unwrap();
    data_access::append(
        &mut tx,
        &view(T0 + 3 * MINUTE, None, "system", "/1/4/"),
        &[],
    )
    .await
    .unwrap();
    commit(tx).await.unwrap();

    let all = listed(&db, &ViewFilter::default(), 100).await;
    assert_eq!(residents_of(&all), [in4[1], in40[0], in4[1], in4[0]]);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let first = &all[3];
    assert_eq!(
        *first,
        DataView {
            id: first.id,
            at_ms: T0,
            resident_id: in4[0],
            household_id: Some(h4),
            actor_user_id: Some(7),
            actor_token_id: None,
            actor_label: "网格员小王".into(),
            actor_role: Some("grid_worker".into()),
            action: "ledger.household.view".into(),
            scope_path: "/1/4/".into(),
            // Joined from the ledger: who and where, for the app to show masked.
            resident_name: Some("居民0".into()),
            building: Some("4栋".into()),
            unit: Some("1".into()),
            room: Some("101".into()),
        }
    );
    let by_token = &all[0];
    assert_eq!(by_token.household_id, None);
    assert_eq!(by_token.resident_name.as_deref(), Some("居民1"));
    assert_eq!(by_token.room, None, "no household, no room");
    assert_eq!(by_token.actor_user_id, None);
    assert_eq!(by_token.actor_token_id, Some(3));
    assert_eq!(by_token.actor_role.as_deref(), Some("community_staff"));

    // One resident's own rows.
    let mine = listed(
        &db,
        &ViewFilter {
            resident_id: Some(in4[1]),
            ..ViewFilter::default()
        },
        100,
    )
    .await;
    assert_eq!(mine.len(), 2);
    assert!(mine.iter().all(|r| r.resident_id == in4[1]));

    // A scope is a subtree: /1/4/ does not take in /1/40/.
    let scoped = listed(
        &db,
        &ViewFilter {
            scope: Some("/1/4/".into()),
            ..ViewFilter::default()
        },
        100,
    )
    .await;
    assert_eq!(residents_of(&scoped), [in4[1], in4[1], in4[0]]);
    let city = listed(
        &db,
        &ViewFilter {
            scope: Some("/1/".into()),
            ..ViewFilter::default()
        },
        100,
    )
    .await;
    assert_eq!(city.len(), 4);

    // What one account looked at.
    let by_staff = listed(
        &db,
        &ViewFilter {
            actor_user_id: Some(8),
            ..ViewFilter::default()
        },
        100,
    )
    .await;
    assert_eq!(residents_of(&by_staff), [in40[0]]);

    // Paging backwards by id, a limit at a time.
    let page1 = listed(&db, &ViewFilter::default(), 2).await;
    assert_eq!(page1, all[..2]);
    let page2 = listed(
        &db,
        &ViewFilter {
            before_id: page1.last().map(|r| r.id),
            ..ViewFilter::default()
        },
        2,
    )
    .await;
    assert_eq!(page2, all[2..]);
    let none = listed(
        &db,
        &ViewFilter {
            before_id: all.last().map(|r| r.id),
            ..ViewFilter::default()
        },
        2,
    )
    .await;
    assert!(none.is_empty());
});

conformance!(
    data_access_rows_live_and_die_with_their_transaction,
    |db: Db| async move {
        let nodes = wide_tree(&db).await;
        let mut tx = db.begin_write().await.unwrap();
        let (h, ids) = household(&mut tx, &nodes[3], 1).await;
        commit(tx).await.unwrap();

        // Rolled back: the view leaves no row (the request that showed nothing).
        let mut tx = db.begin_write().await.unwrap();
        data_access::append(
            &mut tx,
            &view(T0, Some(1), "u", "/1/4/"),
            &[(ids[0], Some(h))],
        )
        .await
        .unwrap();
        drop(tx);
        assert!(listed(&db, &ViewFilter::default(), 10).await.is_empty());

        // A row must name a resident that exists.
        let mut tx = db.begin_write().await.unwrap();
        let orphan = data_access::append(
            &mut tx,
            &view(T0, Some(1), "u", "/1/4/"),
            &[(999_999, None)],
        )
        .await;
        assert!(orphan.is_err(), "a view of no resident is refused");
        drop(tx);
        assert!(listed(&db, &ViewFilter::default(), 10).await.is_empty());
    }
);

conformance!(oversight_counts_by_scope_and_time, |db: Db| async move {
    use civicgrid_domain::platform::access::Role;
    use civicgrid_store::platform::overview::{OversightCounts, oversight_counts};
    use civicgrid_store::platform::{accounts, audit};

    use crate::support::{HOUR, audit_fields};

    let nodes = wide_tree(&db).await;
    let (d4, d40) = (&nodes[3], &nodes[39]);
    let mut tx = db.begin_write().await.unwrap();
    let (h4, in4) = household(&mut tx, d4, 1).await;
    // One account in each district, the one in D40 switched off, one without a role.
    let a = accounts::insert_user(&mut tx, "a", "A", "h").await.unwrap();
    let b = accounts::insert_user(&mut tx, "b", "B", "h").await.unwrap();
    accounts::insert_user(&mut tx, "c", "C", "h").await.unwrap();
    accounts::insert_assignment(&mut tx, a.id, Role::GridWorker, d4.id)
        .await
        .unwrap();
    accounts::insert_assignment(&mut tx, b.id, Role::GridWorker, d40.id)
        .await
        .unwrap();
    accounts::update_user(&mut tx, b.id, "B", false)
        .await
        .unwrap();
    // Audit entries in D4 now and an hour ago, and a sign-in without a scope.
    for (at, scope) in [(T0, Some("/1/4/")), (T0 - HOUR, Some("/1/4/")), (T0, None)] {
        let mut f = audit_fields("org.node.update", scope, Some(a.id), ("org_node", "4"));
        f.at_ms = at;
        audit::append(&mut tx, &f).await.unwrap();
    }
    // Records shown in D4 now and an hour ago.
    for at in [T0, T0 - HOUR] {
        data_access::append(
            &mut tx,
            &view(at, Some(a.id), "a", "/1/4/"),
            &[(in4[0], Some(h4))],
        )
        .await
        .unwrap();
    }
    commit(tx).await.unwrap();

    let mut c = db.read().await.unwrap();
    assert_eq!(
        oversight_counts(&mut c, None, T0).await.unwrap(),
        OversightCounts {
            accounts: 3,
            inactive_accounts: 1,
            org_units: 41,
            audit_entries: 2,
            data_views: 1,
        }
    );
    assert_eq!(
        oversight_counts(&mut c, Some("/1/4/"), T0 - HOUR)
            .await
            .unwrap(),
        OversightCounts {
            accounts: 1,
            inactive_accounts: 0,
            org_units: 1,
            audit_entries: 2,
            data_views: 2,
        }
    );
    // `/1/40/` is not inside `/1/4/`, nor the other way round.
    assert_eq!(
        oversight_counts(&mut c, Some("/1/40/"), T0).await.unwrap(),
        OversightCounts {
            accounts: 1,
            inactive_accounts: 1,
            org_units: 1,
            audit_entries: 0,
            data_views: 0,
        }
    );
});
