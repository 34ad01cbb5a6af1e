//! The organisation hierarchy repository.

use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::platform::org::{self, NewNode, NodeUpdate, OrgNode};
use civicgrid_store::{Db, StoreError, Unique, commit, now_ms, prefix_end};

use crate::support::{Chain, chain, node, wide_tree};

fn codes(nodes: &[org::OrgNode]) -> Vec<&str> {
    nodes.iter().map(|n| n.code.as_str()).collect()
}

#[test]
fn prefix_end_bounds_exactly_the_subtree() {
    let end = prefix_end("/1/4/");
    for inside in ["/1/4/", "/1/4/42/", "/1/4/9/", "/1/4/99999/1/"] {
        assert!(inside >= "/1/4/" && inside < end.as_str(), "{inside}");
    }
    for outside in ["/1/40/", "/1/41/", "/1/5/", "/1/", "/1/3/", "/2/4/", "/1/4"] {
        assert!(!(outside >= "/1/4/" && outside < end.as_str()), "{outside}");
    }
}

/// A district of `city` with `code` and its (Chinese, English) names, no boundary.
fn district_of<'a>(city: &'a OrgNode, code: &'a str, (zh, en): (&'a str, &'a str)) -> NewNode<'a> {
    NewNode {
        parent: Some(city),
        kind: NodeKind::District,
        code,
        name_zh: zh,
        name_en: en,
        boundary: None,
    }
}

conformance!(org_insert_and_get, |db: Db| async move {
    let before = now_ms();
    let mut tx = db.begin_write().await.unwrap();
    let city = org::insert(
        &mut tx,
        &NewNode {
            parent: None,
            kind: NodeKind::City,
            code: "WH",
            name_zh: "武汉市",
            name_en: "Wuhan",
            boundary: Some(r#"{"type":"Point","coordinates":[114.3,30.6]}"#),
        },
    )
    .await
    .unwrap();
    let district = node(&mut tx, Some(&city), NodeKind::District, "WH-JH").await;
    commit(tx).await.unwrap();

    assert_eq!(city.parent_id, None);
    assert_eq!(city.kind, NodeKind::City);
    assert_eq!(city.code, "WH");
    assert_eq!(city.name_zh, "武汉市");
    assert_eq!(city.name_en, "Wuhan");
    assert_eq!(city.path, OrgPath::root(city.id));
    assert_eq!(
        city.boundary.as_deref(),
        Some(r#"{"type":"Point","coordinates":[114.3,30.6]}"#)
    );
    assert!(city.created_at >= before && city.created_at <= now_ms());
    assert_eq!(city.created_at, city.updated_at);

    assert_eq!(district.parent_id, Some(city.id));
    assert_eq!(district.path, city.path.child(district.id));
    assert_eq!(district.path.ids(), vec![city.id, district.id]);
    assert_eq!(district.boundary, None);

    let mut c = db.read().await.unwrap();
    assert_eq!(org::get(&mut c, city.id).await.unwrap(), city);
    assert_eq!(org::get(&mut c, district.id).await.unwrap(), district);
    assert!(matches!(
        org::get(&mut c, 999_999).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(org::count(&mut c).await.unwrap(), 2);
});

conformance!(org_duplicate_code_is_a_conflict, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let city = node(&mut tx, None, NodeKind::City, "WH").await;
    let err = org::insert(&mut tx, &district_of(&city, "WH", ("x", "x")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(Unique::NodeCode)),
        "{err:?}"
    );
    drop(tx);
    let mut c = db.read().await.unwrap();
    assert_eq!(org::count(&mut c).await.unwrap(), 0);
});

conformance!(
    org_children_and_roots_order_by_code_bytes,
    |db: Db| async move {
        // Codes whose byte order differs from a linguistic collation's ("a" after "Z").
        let mut tx = db.begin_write().await.unwrap();
        let mut cities = Vec::new();
        for code in ["b1", "ZZ-1", "a-2", "A_3", "A-3"] {
            cities.push(node(&mut tx, None, NodeKind::City, code).await);
        }
        let parent = cities[0].clone();
        for code in ["x-2", "X1", "x_1", "10", "9"] {
            node(&mut tx, Some(&parent), NodeKind::District, code).await;
        }
        node(&mut tx, Some(&cities[1]), NodeKind::District, "OTHER").await;
        commit(tx).await.unwrap();

        let mut c = db.read().await.unwrap();
        let roots = org::roots(&mut c).await.unwrap();
        assert_eq!(codes(&roots), ["A-3", "A_3", "ZZ-1", "a-2", "b1"]);
        let children = org::children(&mut c, parent.id).await.unwrap();
        assert_eq!(codes(&children), ["10", "9", "X1", "x-2", "x_1"]);
        assert!(children.iter().all(|n| n.parent_id == Some(parent.id)));
        assert!(org::children(&mut c, 999_999).await.unwrap().is_empty());
        let leaf = children[0].id;
        assert!(org::children(&mut c, leaf).await.unwrap().is_empty());
    }
);

conformance!(
    org_subtree_orders_parents_first_and_respects_prefixes,
    |db: Db| async move {
        let nodes = wide_tree(&db).await;
        let (city, d4, d40) = (nodes[0].clone(), nodes[3].clone(), nodes[39].clone());
        assert_eq!(d4.path.as_str(), "/1/4/");
        assert_eq!(d40.path.as_str(), "/1/40/");

        let mut tx = db.begin_write().await.unwrap();
        let s4 = node(&mut tx, Some(&d4), NodeKind::Street, "S4").await;
        let c4 = node(&mut tx, Some(&s4), NodeKind::Community, "C4").await;
        let g4 = node(&mut tx, Some(&c4), NodeKind::Grid, "G4").await;
        let s40 = node(&mut tx, Some(&d40), NodeKind::Street, "S40").await;
        let other = node(&mut tx, None, NodeKind::City, "OTHER").await;
        commit(tx).await.unwrap();

        let mut c = db.read().await.unwrap();
        let sub4 = org::subtree(&mut c, &d4.path).await.unwrap();
        assert_eq!(
            sub4.iter().map(|n| n.id).collect::<Vec<_>>(),
            [d4.id, s4.id, c4.id, g4.id],
            "node 4's subtree holds nothing of node 40's"
        );
        let sub40 = org::subtree(&mut c, &d40.path).await.unwrap();
        assert_eq!(
            sub40.iter().map(|n| n.id).collect::<Vec<_>>(),
            [d40.id, s40.id]
        );
        let leaf = org::subtree(&mut c, &g4.path).await.unwrap();
        assert_eq!(leaf, vec![g4.clone()]);

        let all = org::subtree(&mut c, &city.path).await.unwrap();
        assert_eq!(all.len(), 41 + 4);
        assert!(all.iter().all(|n| n.id != other.id));
        for (i, n) in all.iter().enumerate() {
            if let Some(parent) = n.parent_id {
                let at = all.iter().position(|p| p.id == parent).unwrap();
                assert!(at < i, "{} comes before its parent", n.code);
            }
            assert!(n.path.is_within(&city.path));
        }
        let paths: Vec<&str> = all.iter().map(|n| n.path.as_str()).collect();
        let mut sorted = paths.clone();
        sorted.sort_unstable();
        assert_eq!(paths, sorted, "path order");
    }
);

conformance!(org_ancestors_run_from_the_root_down, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let Chain {
        city,
        district,
        street,
        community,
        grid,
    } = chain(&mut tx).await;
    commit(tx).await.unwrap();

    let mut c = db.read().await.unwrap();
    let line = org::ancestors(&mut c, &grid.path).await.unwrap();
    assert_eq!(line, vec![city.clone(), district, street, community, grid]);
    assert_eq!(
        org::ancestors(&mut c, &city.path).await.unwrap(),
        vec![city.clone()]
    );
    let dangling = city.path.child(999_999);
    assert!(matches!(
        org::ancestors(&mut c, &dangling).await,
        Err(StoreError::NotFound)
    ));
});

conformance!(
    org_count_by_kind_counts_inside_the_subtree,
    |db: Db| async move {
        let nodes = wide_tree(&db).await;
        let (d4, d40) = (nodes[3].clone(), nodes[39].clone());
        let mut tx = db.begin_write().await.unwrap();
        let s = node(&mut tx, Some(&d4), NodeKind::Street, "S1").await;
        node(&mut tx, Some(&d4), NodeKind::Street, "S2").await;
        let co = node(&mut tx, Some(&s), NodeKind::Community, "CO1").await;
        node(&mut tx, Some(&co), NodeKind::Grid, "G1").await;
        node(&mut tx, Some(&co), NodeKind::Grid, "G2").await;
        node(&mut tx, Some(&co), NodeKind::Grid, "G3").await;
        node(&mut tx, Some(&d40), NodeKind::Street, "S40").await;
        commit(tx).await.unwrap();

        let mut c = db.read().await.unwrap();
        assert_eq!(
            org::count_by_kind(&mut c, &d4.path).await.unwrap(),
            vec![
                (NodeKind::District, 1),
                (NodeKind::Street, 2),
                (NodeKind::Community, 1),
                (NodeKind::Grid, 3),
            ]
        );
        assert_eq!(
            org::count_by_kind(&mut c, &nodes[0].path).await.unwrap(),
            vec![
                (NodeKind::City, 1),
                (NodeKind::District, 40),
                (NodeKind::Street, 3),
                (NodeKind::Community, 1),
                (NodeKind::Grid, 3),
            ]
        );
        assert!(
            org::count_by_kind(&mut c, &OrgPath::root(999_999))
                .await
                .unwrap()
                .is_empty()
        );
    }
);

conformance!(
    org_find_by_code_or_name_prefers_the_code,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let city = node(&mut tx, None, NodeKind::City, "WH").await;
        // `by_name` is older (lower id) and has "JH" as its English name; `by_code` has
        // "JH" as its code. The code wins.
        let by_name = org::insert(&mut tx, &district_of(&city, "D-OLD", ("江汉区", "JH")))
            .await
            .unwrap();
        let by_code = org::insert(&mut tx, &district_of(&city, "JH", ("另一个区", "Another")))
            .await
            .unwrap();
        commit(tx).await.unwrap();

        let mut c = db.read().await.unwrap();
        let find = async |c: &mut civicgrid_store::AnyConnection, kind: NodeKind, key: &str| {
            org::find_by_code_or_name(c, kind, key)
                .await
                .unwrap()
                .map(|n| n.id)
        };
        assert_eq!(
            find(&mut c, NodeKind::District, "JH").await,
            Some(by_code.id)
        );
        assert_eq!(
            find(&mut c, NodeKind::District, "江汉区").await,
            Some(by_name.id)
        );
        assert_eq!(
            find(&mut c, NodeKind::District, "Another").await,
            Some(by_code.id)
        );
        assert_eq!(
            find(&mut c, NodeKind::District, "D-OLD").await,
            Some(by_name.id)
        );
        assert_eq!(find(&mut c, NodeKind::City, "WH").await, Some(city.id));
        assert_eq!(
            find(&mut c, NodeKind::Street, "JH").await,
            None,
            "kind filters"
        );
        assert_eq!(find(&mut c, NodeKind::District, "jh").await, None);
        assert_eq!(find(&mut c, NodeKind::District, "nothing").await, None);
    }
);

conformance!(
    org_update_changes_fields_and_reports_errors,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let city = node(&mut tx, None, NodeKind::City, "WH").await;
        let district = node(&mut tx, Some(&city), NodeKind::District, "JH").await;
        commit(tx).await.unwrap();

        let mut tx = db.begin_write().await.unwrap();
        let updated = org::update(
            &mut tx,
            district.id,
            &NodeUpdate {
                code: "JH-2",
                name_zh: "江汉",
                name_en: "Jianghan",
                boundary: Some(r#"{"type":"Point","coordinates":[1,2]}"#),
            },
        )
        .await
        .unwrap();
        commit(tx).await.unwrap();
        assert_eq!(updated.id, district.id);
        assert_eq!(updated.code, "JH-2");
        assert_eq!(updated.name_zh, "江汉");
        assert_eq!(updated.name_en, "Jianghan");
        assert_eq!(
            updated.boundary.as_deref(),
            Some(r#"{"type":"Point","coordinates":[1,2]}"#)
        );
        assert_eq!(updated.path, district.path, "the path never changes");
        assert_eq!(updated.parent_id, district.parent_id);
        assert_eq!(updated.created_at, district.created_at);
        assert!(updated.updated_at >= district.updated_at);

        let mut tx = db.begin_write().await.unwrap();
        let cleared = org::update(
            &mut tx,
            district.id,
            &NodeUpdate {
                code: "JH-2",
                name_zh: "江汉",
                name_en: "Jianghan",
                boundary: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(cleared.boundary, None);
        let taken = org::update(
            &mut tx,
            district.id,
            &NodeUpdate {
                code: "WH",
                name_zh: "x",
                name_en: "x",
                boundary: None,
            },
        )
        .await;
        assert!(
            matches!(taken, Err(StoreError::Conflict(Unique::NodeCode))),
            "{taken:?}"
        );
        drop(tx);

        let mut tx = db.begin_write().await.unwrap();
        let missing = org::update(
            &mut tx,
            999_999,
            &NodeUpdate {
                code: "NEW",
                name_zh: "x",
                name_en: "x",
                boundary: None,
            },
        )
        .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        drop(tx);

        let mut c = db.read().await.unwrap();
        assert_eq!(org::get(&mut c, district.id).await.unwrap(), updated);
    }
);
