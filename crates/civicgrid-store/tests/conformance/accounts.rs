//! Users and role assignments.

use civicgrid_domain::platform::access::Role;
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::platform::accounts::{self, User};
use civicgrid_store::{Db, StoreError, Unique, commit, now_ms};

use crate::support::{node, wide_tree};

fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.username.as_str()).collect()
}

/// Five users whose byte order ("Bob" < "Eve" < "alice") differs from a linguistic one.
async fn five_users(db: &Db) -> Vec<User> {
    let mut tx = db.begin_write().await.unwrap();
    let mut out = Vec::new();
    for (username, display) in [
        ("alice", "Alice Wang"),
        ("Bob", "Bob Li"),
        ("carol", "Carol Zhang"),
        ("dave_x", "张三"),
        ("Eve", "Eve"),
    ] {
        out.push(
            accounts::insert_user(&mut tx, username, display, "hash")
                .await
                .unwrap(),
        );
    }
    commit(tx).await.unwrap();
    out
}

conformance!(users_insert_get_and_credentials, |db: Db| async move {
    let before = now_ms();
    let mut tx = db.begin_write().await.unwrap();
    let user = accounts::insert_user(&mut tx, "zhang.san", "张三", "$argon2id$v=19$abc")
        .await
        .unwrap();
    commit(tx).await.unwrap();
    assert_eq!(user.username, "zhang.san");
    assert_eq!(user.display_name, "张三");
    assert!(user.active);
    assert!(user.created_at >= before);
    assert_eq!(user.created_at, user.updated_at);

    let mut c = db.read().await.unwrap();
    assert_eq!(accounts::get_user(&mut c, user.id).await.unwrap(), user);
    assert!(matches!(
        accounts::get_user(&mut c, 999_999).await,
        Err(StoreError::NotFound)
    ));
    let creds = accounts::find_credentials(&mut c, "zhang.san")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.user, user);
    assert_eq!(creds.password_hash, "$argon2id$v=19$abc");
    assert!(
        accounts::find_credentials(&mut c, "nobody")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        accounts::find_credentials(&mut c, "ZHANG.SAN")
            .await
            .unwrap()
            .is_none(),
        "usernames match exactly"
    );
    assert_eq!(accounts::count_users(&mut c).await.unwrap(), 1);
});

conformance!(
    users_duplicate_username_is_a_conflict,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        accounts::insert_user(&mut tx, "alice", "A", "h")
            .await
            .unwrap();
        commit(tx).await.unwrap();
        let mut tx = db.begin_write().await.unwrap();
        let err = accounts::insert_user(&mut tx, "alice", "B", "h")
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(Unique::Username)),
            "{err:?}"
        );
        drop(tx);
        let mut c = db.read().await.unwrap();
        assert_eq!(accounts::count_users(&mut c).await.unwrap(), 1);
    }
);

conformance!(users_password_and_profile_updates, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let user = accounts::insert_user(&mut tx, "alice", "Alice", "old")
        .await
        .unwrap();
    accounts::set_password_hash(&mut tx, user.id, "new")
        .await
        .unwrap();
    let updated = accounts::update_user(&mut tx, user.id, "Alice Wang", false)
        .await
        .unwrap();
    commit(tx).await.unwrap();
    assert_eq!(updated.display_name, "Alice Wang");
    assert!(!updated.active);
    assert_eq!(updated.username, "alice");
    assert_eq!(updated.created_at, user.created_at);
    assert!(updated.updated_at >= user.updated_at);

    let mut c = db.read().await.unwrap();
    let creds = accounts::find_credentials(&mut c, "alice")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.password_hash, "new");
    assert_eq!(creds.user, updated, "inactive users are still found");

    let mut tx = db.begin_write().await.unwrap();
    let reactivated = accounts::update_user(&mut tx, user.id, "Alice Wang", true)
        .await
        .unwrap();
    assert!(reactivated.active);
    assert!(matches!(
        accounts::set_password_hash(&mut tx, 999_999, "x").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        accounts::update_user(&mut tx, 999_999, "x", true).await,
        Err(StoreError::NotFound)
    ));
    commit(tx).await.unwrap();
    assert!(accounts::get_user(&mut c, user.id).await.unwrap().active);
});

conformance!(
    users_list_unscoped_with_query_and_paging,
    |db: Db| async move {
        five_users(&db).await;
        let mut c = db.read().await.unwrap();
        let list = async |c: &mut civicgrid_store::AnyConnection,
                          query: Option<&str>,
                          limit: i64,
                          offset: i64| {
            accounts::list_users(c, None, query, limit, offset)
                .await
                .unwrap()
        };
        assert_eq!(
            names(&list(&mut c, None, 100, 0).await),
            ["Bob", "Eve", "alice", "carol", "dave_x"],
            "ordered by username, byte order"
        );
        assert_eq!(names(&list(&mut c, None, 2, 0).await), ["Bob", "Eve"]);
        assert_eq!(names(&list(&mut c, None, 2, 2).await), ["alice", "carol"]);
        assert_eq!(names(&list(&mut c, None, 2, 4).await), ["dave_x"]);
        assert!(list(&mut c, None, 2, 5).await.is_empty());
        assert!(list(&mut c, None, 0, 0).await.is_empty());

        // The query matches a fragment of the username or display name, ignoring case.
        assert_eq!(
            names(&list(&mut c, Some("LI"), 100, 0).await),
            ["Bob", "alice"]
        );
        assert_eq!(
            names(&list(&mut c, Some("  zhang "), 100, 0).await),
            ["carol"]
        );
        assert_eq!(names(&list(&mut c, Some("张"), 100, 0).await), ["dave_x"]);
        assert_eq!(
            names(&list(&mut c, Some("e"), 100, 0).await),
            ["Eve", "alice", "dave_x"]
        );
        assert_eq!(names(&list(&mut c, Some("e"), 1, 1).await), ["alice"]);
        assert!(list(&mut c, Some("nobody"), 100, 0).await.is_empty());
        assert_eq!(list(&mut c, Some(""), 100, 0).await.len(), 5);
        assert_eq!(accounts::count_users(&mut c).await.unwrap(), 5);
    }
);

conformance!(
    users_list_scoped_respects_subtrees_and_pages,
    |db: Db| async move {
        let nodes = wide_tree(&db).await;
        let (city, d4, d40) = (nodes[0].clone(), nodes[3].clone(), nodes[39].clone());
        let users = five_users(&db).await;
        let id = |name: &str| users.iter().find(|u| u.username == name).unwrap().id;
        let mut tx = db.begin_write().await.unwrap();
        let s4 = node(&mut tx, Some(&d4), NodeKind::Street, "S4").await;
        for (user, role, node_id) in [
            ("Bob", Role::GridWorker, s4.id),
            ("alice", Role::CommunityStaff, d40.id),
            ("carol", Role::StreetAdmin, city.id),
            ("dave_x", Role::GridWorker, d4.id),
            ("dave_x", Role::Volunteer, d4.id),
            ("dave_x", Role::Resident, d40.id),
        ] {
            accounts::insert_assignment(&mut tx, id(user), role, node_id)
                .await
                .unwrap();
        }
        commit(tx).await.unwrap();

        let mut c = db.read().await.unwrap();
        let p = |n: &civicgrid_store::platform::org::OrgNode| n.path.clone();
        let list = async |c: &mut civicgrid_store::AnyConnection,
                          scopes: &[OrgPath],
                          query: Option<&str>,
                          limit: i64,
                          offset: i64| {
            accounts::list_users(c, Some(scopes), query, limit, offset)
                .await
                .unwrap()
        };
        assert_eq!(
            names(&list(&mut c, &[p(&d4)], None, 100, 0).await),
            ["Bob", "dave_x"],
            "node 4's scope holds nobody from node 40"
        );
        assert_eq!(
            names(&list(&mut c, &[p(&d40)], None, 100, 0).await),
            ["alice", "dave_x"]
        );
        assert_eq!(
            names(&list(&mut c, &[p(&d4), p(&d40)], None, 100, 0).await),
            ["Bob", "alice", "dave_x"],
            "each user once"
        );
        assert_eq!(
            names(&list(&mut c, &[p(&city)], None, 100, 0).await),
            ["Bob", "alice", "carol", "dave_x"],
            "Eve holds no role"
        );
        assert!(list(&mut c, &[], None, 100, 0).await.is_empty());
        assert!(
            list(&mut c, &[p(&s4)], Some("dave"), 100, 0)
                .await
                .is_empty()
        );
        assert_eq!(
            names(&list(&mut c, &[p(&d4), p(&d40)], Some("A"), 100, 0).await),
            ["alice", "dave_x"]
        );
        // Paging works on the merged, ordered list.
        let scopes = [p(&d40), p(&d4)];
        assert_eq!(names(&list(&mut c, &scopes, None, 1, 0).await), ["Bob"]);
        assert_eq!(names(&list(&mut c, &scopes, None, 1, 1).await), ["alice"]);
        assert_eq!(names(&list(&mut c, &scopes, None, 1, 2).await), ["dave_x"]);
        assert!(list(&mut c, &scopes, None, 1, 3).await.is_empty());
        assert_eq!(
            names(&list(&mut c, &[p(&city)], None, 2, 1).await),
            ["alice", "carol"]
        );
        assert_eq!(names(&list(&mut c, &[p(&city)], None, 1, 0).await), ["Bob"]);
    }
);

conformance!(assignments_insert_get_list_delete, |db: Db| async move {
    let nodes = wide_tree(&db).await;
    let (d4, d40) = (nodes[3].clone(), nodes[39].clone());
    let mut tx = db.begin_write().await.unwrap();
    let user = accounts::insert_user(&mut tx, "dave", "Dave", "h")
        .await
        .unwrap();
    let other = accounts::insert_user(&mut tx, "erin", "Erin", "h")
        .await
        .unwrap();
    let a_vol = accounts::insert_assignment(&mut tx, user.id, Role::Volunteer, d4.id)
        .await
        .unwrap();
    let a_gw40 = accounts::insert_assignment(&mut tx, user.id, Role::GridWorker, d40.id)
        .await
        .unwrap();
    let a_gw4 = accounts::insert_assignment(&mut tx, user.id, Role::GridWorker, d4.id)
        .await
        .unwrap();
    let a_res = accounts::insert_assignment(&mut tx, user.id, Role::Resident, d40.id)
        .await
        .unwrap();
    accounts::insert_assignment(&mut tx, other.id, Role::Auditor, d4.id)
        .await
        .unwrap();
    commit(tx).await.unwrap();

    let mut c = db.read().await.unwrap();
    let view = accounts::get_assignment(&mut c, a_gw40).await.unwrap();
    assert_eq!(view.assignment.id, a_gw40);
    assert_eq!(view.assignment.role, Role::GridWorker);
    assert_eq!(view.assignment.node_id, d40.id);
    assert_eq!(view.assignment.path, d40.path);
    assert_eq!(view.user_id, user.id);
    assert_eq!(view.node_code, d40.code);
    assert_eq!(view.node_name_zh, d40.name_zh);
    assert_eq!(view.node_name_en, d40.name_en);
    assert_eq!(view.node_kind, "district");

    let of = accounts::assignments_of(&mut c, user.id).await.unwrap();
    assert_eq!(
        of.iter().map(|v| v.assignment.id).collect::<Vec<_>>(),
        [a_gw4, a_gw40, a_res, a_vol],
        "by role, then node path"
    );
    assert!(of.iter().all(|v| v.user_id == user.id));
    assert_eq!(of[1], view);
    assert!(
        accounts::assignments_of(&mut c, 999_999)
            .await
            .unwrap()
            .is_empty()
    );

    let mut tx = db.begin_write().await.unwrap();
    accounts::delete_assignment(&mut tx, a_gw40).await.unwrap();
    assert!(matches!(
        accounts::delete_assignment(&mut tx, a_gw40).await,
        Err(StoreError::NotFound)
    ));
    commit(tx).await.unwrap();
    assert!(matches!(
        accounts::get_assignment(&mut c, a_gw40).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        accounts::assignments_of(&mut c, user.id)
            .await
            .unwrap()
            .len(),
        3
    );
});

conformance!(
    assignments_duplicates_and_dangling_ids_fail,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let city = node(&mut tx, None, NodeKind::City, "C").await;
        let user = accounts::insert_user(&mut tx, "u", "U", "h").await.unwrap();
        accounts::insert_assignment(&mut tx, user.id, Role::StreetAdmin, city.id)
            .await
            .unwrap();
        // The same user, node and another role is fine.
        accounts::insert_assignment(&mut tx, user.id, Role::Auditor, city.id)
            .await
            .unwrap();
        commit(tx).await.unwrap();

        let mut tx = db.begin_write().await.unwrap();
        let dup = accounts::insert_assignment(&mut tx, user.id, Role::StreetAdmin, city.id).await;
        assert!(
            matches!(dup, Err(StoreError::Conflict(Unique::RoleAssignment))),
            "{dup:?}"
        );
        drop(tx);

        let mut tx = db.begin_write().await.unwrap();
        let no_node = accounts::insert_assignment(&mut tx, user.id, Role::Resident, 999_999).await;
        assert!(no_node.is_err(), "a role on a missing node");
        drop(tx);
        let mut tx = db.begin_write().await.unwrap();
        let no_user = accounts::insert_assignment(&mut tx, 999_999, Role::Resident, city.id).await;
        assert!(no_user.is_err(), "a role of a missing user");
        drop(tx);

        let mut c = db.read().await.unwrap();
        assert!(matches!(
            accounts::get_assignment(&mut c, 999_999).await,
            Err(StoreError::NotFound)
        ));
        drop(c);
        let mut tx = db.begin_write().await.unwrap();
        assert!(matches!(
            accounts::delete_assignment(&mut tx, 999_999).await,
            Err(StoreError::NotFound)
        ));
        drop(tx);
        let mut c = db.read().await.unwrap();
        assert_eq!(
            accounts::assignments_of(&mut c, user.id)
                .await
                .unwrap()
                .len(),
            2
        );
    }
);

conformance!(user_search_text_matches_literally, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    for name in ["a_b", "axb", "100%", "1000"] {
        accounts::insert_user(&mut tx, name, name, "hash")
            .await
            .unwrap();
    }
    commit(tx).await.unwrap();
    let mut c = db.read().await.unwrap();
    let found = accounts::list_users(&mut c, None, Some("a_b"), 10, 0)
        .await
        .unwrap();
    assert_eq!(names(&found), vec!["a_b"]);
    let found = accounts::list_users(&mut c, None, Some("0%"), 10, 0)
        .await
        .unwrap();
    assert_eq!(names(&found), vec!["100%"]);
});
