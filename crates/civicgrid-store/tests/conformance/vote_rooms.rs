//! What the vote's pages and benchmark read besides the count: one room per owner, and
//! residents found by the beginning of their name to hold a proxy.

use civicgrid_domain::ledger::person::{Ownership, Relation};
use civicgrid_domain::participation::estates::Owner;
use civicgrid_domain::participation::votes::{
    DEFAULT_MIN_AGE, Electorate, VoteKind, VoteSpec, VoteState,
};
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger;
use civicgrid_store::participation::votes::{self as repo, VoteRecord};
use civicgrid_store::{Db, commit};

use crate::ledger::{grid, resident, sealed};
use crate::support::T0;

conformance!(one_room_per_owner_and_people_by_name, |db: Db| async move {
    let keys = FieldKeys::ephemeral();
    let mut tx = db.begin_write().await.unwrap();
    let g = grid(&mut tx).await;
    let b = ledger::insert_building(&mut tx, g.id, "1", "")
        .await
        .unwrap();
    let u = ledger::insert_unit(&mut tx, b.id, "1").await.unwrap();
    let mut rooms = Vec::new();
    for name in ["101", "102", "103"] {
        rooms.push(
            ledger::insert_room(&mut tx, u.id, name, Some(1))
                .await
                .unwrap(),
        );
    }
    let h = ledger::insert_household(&mut tx, rooms[0].id, Ownership::Owner, Some(9000))
        .await
        .unwrap();
    let wang = resident(
        &mut tx,
        g.id,
        h.id,
        "王秀兰",
        Relation::Head,
        &sealed(&keys, 1, None),
    )
    .await;
    resident(
        &mut tx,
        g.id,
        h.id,
        "李_明",
        Relation::Spouse,
        &sealed(&keys, 2, None),
    )
    .await;

    let spec = VoteSpec {
        kind: VoteKind::Owners,
        title: "加装电梯".into(),
        body: String::new(),
        options: Vec::new(),
        max_choices: 1,
        ranked: false,
        electorate: Electorate::Owners,
        min_age: DEFAULT_MIN_AGE,
        matter: None,
    };
    let v = VoteRecord {
        id: 0,
        node_id: g.id,
        scope: g.path.clone(),
        estate_id: None,
        spec,
        state: VoteState::Open,
        closes_at: T0,
        created_by: None,
        created_at: T0,
        opened_at: Some(T0),
        closed_at: None,
        total_area: 0,
        total_heads: 0,
        result: None,
        version: 1,
    };
    let id = repo::insert_vote(&mut tx, &v).await.unwrap();
    // Wang owns 101 and 103; 102 is the developer's.
    let owners = [
        Owner {
            key: 0,
            area_centi: 8000,
            parts: 1,
        },
        Owner {
            key: wang.id,
            area_centi: 19000,
            parts: 2,
        },
    ];
    let parts = [
        (rooms[0].id, b.id, wang.id, 9000),
        (rooms[1].id, b.id, 0, 8000),
        (rooms[2].id, b.id, wang.id, 10000),
    ];
    repo::freeze_owners(&mut tx, id, &owners, &parts)
        .await
        .unwrap();
    let mut expected = vec![rooms[0].id, rooms[1].id];
    expected.sort();
    assert_eq!(repo::room_per_voter(&mut tx, id).await.unwrap(), expected);

    // Names by their beginning, inside the place; LIKE's wildcards match literally.
    let found = repo::residents_named(&mut tx, &g.path, "王", 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].id, found[0].room.as_deref()),
        (wang.id, Some("101"))
    );
    assert_eq!(
        repo::residents_named(&mut tx, &g.path, "李_", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        repo::residents_named(&mut tx, &g.path, "李%", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        repo::residents_named(&mut tx, &g.path, "秀", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let elsewhere = g.path.child(999_999);
    assert!(
        repo::residents_named(&mut tx, &elsewhere, "王", 10)
            .await
            .unwrap()
            .is_empty()
    );
    commit(tx).await.unwrap();
});
