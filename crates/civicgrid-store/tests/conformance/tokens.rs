//! API tokens.

use civicgrid_domain::platform::access::Role;
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::{Db, StoreError, Unique, commit, now_ms, platform::tokens};

use crate::support::{MINUTE, T0, node};

conformance!(tokens_insert_get_find_revoke, |db: Db| async move {
    let before = now_ms();
    let mut tx = db.begin_write().await.unwrap();
    let city = node(&mut tx, None, NodeKind::City, "C").await;
    let district = node(&mut tx, Some(&city), NodeKind::District, "D").await;
    let t = tokens::insert(
        &mut tx,
        "open311 bridge",
        "thash",
        Role::Responder,
        district.id,
    )
    .await
    .unwrap();
    commit(tx).await.unwrap();
    assert_eq!(t.name, "open311 bridge");
    assert_eq!(t.role, Role::Responder);
    assert_eq!(t.node_id, district.id);
    assert_eq!(t.node_path, district.path);
    assert!(t.created_at >= before && t.created_at <= now_ms());
    assert_eq!(t.last_used_at, None);
    assert_eq!(t.revoked_at, None);

    let mut c = db.read().await.unwrap();
    assert_eq!(tokens::get(&mut c, t.id).await.unwrap(), t);
    assert!(matches!(
        tokens::get(&mut c, 999_999).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        tokens::find_live(&mut c, "thash").await.unwrap(),
        Some(t.clone())
    );
    assert_eq!(tokens::find_live(&mut c, "other").await.unwrap(), None);

    let mut tx = db.begin_write().await.unwrap();
    tokens::revoke(&mut tx, t.id, T0).await.unwrap();
    assert!(matches!(
        tokens::revoke(&mut tx, t.id, T0 + 1).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        tokens::revoke(&mut tx, 999_999, T0).await,
        Err(StoreError::NotFound)
    ));
    commit(tx).await.unwrap();
    assert_eq!(tokens::find_live(&mut c, "thash").await.unwrap(), None);
    let revoked = tokens::get(&mut c, t.id).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(T0));
});

conformance!(
    tokens_mark_used_at_most_once_a_minute,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let city = node(&mut tx, None, NodeKind::City, "C").await;
        let t = tokens::insert(&mut tx, "t", "h", Role::Auditor, city.id)
            .await
            .unwrap();
        let other = tokens::insert(&mut tx, "u", "h2", Role::Auditor, city.id)
            .await
            .unwrap();
        commit(tx).await.unwrap();

        let used = async |at: i64| {
            let mut tx = db.begin_write().await.unwrap();
            tokens::mark_used(&mut tx, t.id, at).await.unwrap();
            let last = tokens::get(&mut tx, t.id).await.unwrap().last_used_at;
            commit(tx).await.unwrap();
            last
        };
        assert_eq!(used(T0).await, Some(T0));
        assert_eq!(
            used(T0 + 30_000).await,
            Some(T0),
            "not again within the minute"
        );
        assert_eq!(used(T0 + MINUTE).await, Some(T0), "nor at exactly a minute");
        assert_eq!(used(T0 + MINUTE + 1).await, Some(T0 + MINUTE + 1));
        assert_eq!(used(T0 + MINUTE + 2).await, Some(T0 + MINUTE + 1));

        let mut c = db.read().await.unwrap();
        assert_eq!(
            tokens::get(&mut c, other.id).await.unwrap().last_used_at,
            None,
            "other tokens untouched"
        );
    }
);

conformance!(tokens_unique_names_and_hashes, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let city = node(&mut tx, None, NodeKind::City, "C").await;
    tokens::insert(&mut tx, "t", "h", Role::Auditor, city.id)
        .await
        .unwrap();
    commit(tx).await.unwrap();

    let mut tx = db.begin_write().await.unwrap();
    let same_name = tokens::insert(&mut tx, "t", "h2", Role::Auditor, city.id).await;
    assert!(
        matches!(same_name, Err(StoreError::Conflict(Unique::TokenName))),
        "{same_name:?}"
    );
    drop(tx);
    let mut tx = db.begin_write().await.unwrap();
    let same_hash = tokens::insert(&mut tx, "t2", "h", Role::Auditor, city.id).await;
    assert!(
        matches!(same_hash, Err(StoreError::Conflict(Unique::TokenHash))),
        "{same_hash:?}"
    );
    drop(tx);
    let mut tx = db.begin_write().await.unwrap();
    let no_node = tokens::insert(&mut tx, "t3", "h3", Role::Auditor, 999_999).await;
    assert!(no_node.is_err(), "a token on a missing node");
    drop(tx);

    let mut c = db.read().await.unwrap();
    assert_eq!(tokens::list(&mut c).await.unwrap().len(), 1);
});

conformance!(tokens_list_orders_by_name_bytes, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let city = node(&mut tx, None, NodeKind::City, "C").await;
    let district = node(&mut tx, Some(&city), NodeKind::District, "D").await;
    for (i, name) in ["zeta", "Alpha", "beta", "Beta-2", "alpha"]
        .iter()
        .enumerate()
    {
        let t = tokens::insert(
            &mut tx,
            name,
            &format!("hash{i}"),
            Role::Responder,
            district.id,
        )
        .await
        .unwrap();
        if *name == "beta" {
            tokens::revoke(&mut tx, t.id, T0).await.unwrap();
        }
    }
    commit(tx).await.unwrap();

    let mut c = db.read().await.unwrap();
    let list = tokens::list(&mut c).await.unwrap();
    assert_eq!(
        list.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["Alpha", "Beta-2", "alpha", "beta", "zeta"],
        "revoked tokens are listed too"
    );
    assert!(list.iter().all(|t| t.node_path == district.path));
    assert_eq!(list[3].revoked_at, Some(T0));
    assert!(
        list.iter()
            .filter(|t| t.name != "beta")
            .all(|t| t.revoked_at.is_none())
    );
});
