//! Ledger search and the population summary.

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::ledger::search::query_terms;
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::population::population;
use civicgrid_store::ledger::search::{Hit, SearchFilter, search_residents, unindex_resident};
use civicgrid_store::ledger::synthetic::{SynthResident, Writer};
use civicgrid_store::platform::org::OrgNode;
use civicgrid_store::{AnyConnection, Db, commit, ledger};

use crate::support::node;

struct Fixture {
    community: OrgNode,
    grid1: OrgNode,
    grid2: OrgNode,
    other: OrgNode,
    keys: FieldKeys,
}

#[allow(clippy::too_many_arguments)]
async fn person(
    conn: &mut AnyConnection,
    w: &mut Writer,
    f: &Fixture,
    grid: &OrgNode,
    place: (&str, &str, &str),
    name: &str,
    gender: &str,
    birth: (i32, u32),
    phone: Option<&str>,
    status: &str,
    tags: &[&str],
) -> i64 {
    let phone = phone.map(|p| Phone::parse(p).unwrap());
    let birth = Date::from_ymd_opt(birth.0, birth.1, 15).unwrap();
    w.resident(
        conn,
        &f.keys,
        &SynthResident {
            grid_id: grid.id,
            building: place.0,
            unit: place.1,
            room: place.2,
            name,
            gender,
            birth,
            phone: phone.as_ref(),
            relation: "head",
            status,
            tags,
        },
    )
    .await
    .unwrap()
}

async fn fixture(db: &Db) -> Fixture {
    let mut tx = db.begin_write().await.unwrap();
    let city = node(&mut tx, None, NodeKind::City, "C").await;
    let district = node(&mut tx, Some(&city), NodeKind::District, "C-D").await;
    let street = node(&mut tx, Some(&district), NodeKind::Street, "C-D-S").await;
    let community = node(&mut tx, Some(&street), NodeKind::Community, "C-D-S-A").await;
    let grid1 = node(&mut tx, Some(&community), NodeKind::Grid, "C-D-S-A-1").await;
    let grid2 = node(&mut tx, Some(&community), NodeKind::Grid, "C-D-S-A-2").await;
    let other_c = node(&mut tx, Some(&street), NodeKind::Community, "C-D-S-B").await;
    let other = node(&mut tx, Some(&other_c), NodeKind::Grid, "C-D-S-B-1").await;
    ledger::ensure_default_catalogue(&mut tx).await.unwrap();
    let f = Fixture {
        community,
        grid1,
        grid2,
        other,
        keys: FieldKeys::ephemeral(),
    };
    let mut w = Writer::default();
    let c = &mut *tx;
    let (g1, g2, o) = (f.grid1.clone(), f.grid2.clone(), f.other.clone());
    person(
        c,
        &mut w,
        &f,
        &g1,
        ("3栋", "1单元", "302"),
        "张三丰",
        "male",
        (1950, 3),
        Some("13812345678"),
        "registered",
        &["elderly_alone", "veteran"],
    )
    .await;
    person(
        c,
        &mut w,
        &f,
        &g1,
        ("3栋", "1单元", "302"),
        "张三",
        "female",
        (1990, 6),
        Some("13900005678"),
        "floating",
        &[],
    )
    .await;
    person(
        c,
        &mut w,
        &f,
        &g1,
        ("3栋", "2单元", "401"),
        "李四",
        "male",
        (2015, 1),
        None,
        "registered",
        &["left_behind_child"],
    )
    .await;
    person(
        c,
        &mut w,
        &f,
        &g2,
        ("5号楼", "1单元", "302"),
        "王五",
        "female",
        (1940, 1),
        Some("13700001111"),
        "registered",
        &["elderly_alone"],
    )
    .await;
    person(
        c,
        &mut w,
        &f,
        &g2,
        ("5号楼", "1单元", "101"),
        "John Smith",
        "male",
        (1980, 12),
        None,
        "moved_out",
        &["veteran"],
    )
    .await;
    person(
        c,
        &mut w,
        &f,
        &g2,
        ("5号楼", "1单元", "101"),
        "赵六",
        "male",
        (1970, 7),
        None,
        "deceased",
        &[],
    )
    .await;
    person(
        c,
        &mut w,
        &f,
        &o,
        ("1栋", "1单元", "302"),
        "张三丰",
        "male",
        (1960, 2),
        Some("13612345678"),
        "registered",
        &[],
    )
    .await;
    commit(tx).await.unwrap();
    f
}

fn names(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|h| h.name.as_str()).collect()
}

fn within(f: &Fixture) -> SearchFilter {
    SearchFilter {
        scopes: Some(vec![f.community.path.as_str().to_owned()]),
        limit: 50,
        ..SearchFilter::default()
    }
}

conformance!(search_by_name_pinyin_and_initials, |db: Db| async move {
    let f = fixture(&db).await;
    let mut conn = db.read().await.unwrap();
    for (q, want) in [
        ("张三丰", vec!["张三丰"]),
        ("张三", vec!["张三丰", "张三"]),
        ("三丰", vec!["张三丰"]),
        ("zsf", vec!["张三丰"]),
        ("zhangsan", vec!["张三丰", "张三"]),
        ("ZhangSanFeng", vec!["张三丰"]),
        ("sanfeng", vec!["张三丰"]),
        ("smi", vec!["John Smith"]),
        ("john smith", vec!["John Smith"]),
        ("张 zs", vec!["张三丰", "张三"]),
        ("nobody", vec![]),
    ] {
        let hits = search_residents(
            &mut conn,
            &SearchFilter {
                name: query_terms(q),
                ..within(&f)
            },
        )
        .await
        .unwrap();
        assert_eq!(names(&hits), want, "query {q}");
    }
    // Everywhere finds the namesake in the other community too.
    let all = search_residents(
        &mut conn,
        &SearchFilter {
            scopes: None,
            name: query_terms("zsf"),
            limit: 10,
            ..SearchFilter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 2);
    // No scope, no results.
    let none = search_residents(
        &mut conn,
        &SearchFilter {
            scopes: Some(vec![]),
            ..within(&f)
        },
    )
    .await
    .unwrap();
    assert!(none.is_empty());
});

conformance!(search_hits_carry_place_and_tags, |db: Db| async move {
    let f = fixture(&db).await;
    let mut conn = db.read().await.unwrap();
    let hits = search_residents(
        &mut conn,
        &SearchFilter {
            name: query_terms("张三丰"),
            ..within(&f)
        },
    )
    .await
    .unwrap();
    let h = &hits[0];
    assert_eq!(h.grid_id, f.grid1.id);
    assert_eq!(h.grid_name, f.grid1.name_zh);
    assert_eq!(
        (h.building.as_deref(), h.unit.as_deref(), h.room.as_deref()),
        (Some("3栋"), Some("1单元"), Some("302"))
    );
    assert_eq!(h.tags, vec!["elderly_alone", "veteran"]);
    assert_eq!((h.gender.as_str(), h.birth_ym), ("male", 195003));
    assert_eq!(h.residence_status, "registered");
    assert!(h.household_id.is_some());
});

conformance!(search_by_phone_place_tag_status, |db: Db| async move {
    let f = fixture(&db).await;
    let mut conn = db.read().await.unwrap();
    let phone = SearchFilter {
        phone_last4_idx: Some(civicgrid_store::ledger::pii::phone_last4_index(
            &f.keys, "5678",
        )),
        ..within(&f)
    };
    assert_eq!(
        names(&search_residents(&mut conn, &phone).await.unwrap()),
        vec!["张三丰", "张三"]
    );
    // A whole number finds its owner only, though another phone ends the same.
    let whole = SearchFilter {
        phone: Some(civicgrid_store::ledger::pii::phone_keys(
            &f.keys,
            &Phone::parse("13812345678").unwrap(),
        )),
        ..within(&f)
    };
    assert_eq!(
        names(&search_residents(&mut conn, &whole).await.unwrap()),
        vec!["张三丰"]
    );
    // With last digits that agree, the same; with other last digits, nobody.
    let agreeing = SearchFilter {
        phone_last4_idx: phone.phone_last4_idx.clone(),
        ..whole.clone()
    };
    assert_eq!(
        names(&search_residents(&mut conn, &agreeing).await.unwrap()),
        vec!["张三丰"]
    );
    let other = SearchFilter {
        phone_last4_idx: Some(civicgrid_store::ledger::pii::phone_last4_index(
            &f.keys, "0000",
        )),
        ..whole.clone()
    };
    assert!(
        search_residents(&mut conn, &other)
            .await
            .unwrap()
            .is_empty()
    );
    // By place, tag, age and status, each within the fixture's scope.
    let by_place_tag_age_and_status = [
        (
            SearchFilter {
                rooms: vec!["302".into()],
                ..within(&f)
            },
            vec!["张三丰", "张三", "王五"],
        ),
        (
            SearchFilter {
                buildings: vec!["3".into(), "3栋".into()],
                rooms: vec!["302".into()],
                ..within(&f)
            },
            vec!["张三丰", "张三"],
        ),
        (
            SearchFilter {
                buildings: vec!["3栋".into()],
                units: vec!["2单元".into()],
                ..within(&f)
            },
            vec!["李四"],
        ),
        (
            SearchFilter {
                tag: Some("elderly_alone".into()),
                status: Some("registered".into()),
                ..within(&f)
            },
            vec!["张三丰", "王五"],
        ),
        (
            SearchFilter {
                birth_ym: Some((0, 194611)),
                ..within(&f)
            },
            vec!["王五"],
        ),
        (
            SearchFilter {
                status: Some("moved_out".into()),
                ..within(&f)
            },
            vec!["John Smith"],
        ),
    ];
    for (filter, expected) in by_place_tag_age_and_status {
        assert_eq!(
            names(&search_residents(&mut conn, &filter).await.unwrap()),
            expected,
            "{filter:?}"
        );
    }
    let grid2 = SearchFilter {
        scopes: Some(vec![f.grid2.path.as_str().to_owned()]),
        limit: 2,
        offset: 1,
        ..SearchFilter::default()
    };
    assert_eq!(
        names(&search_residents(&mut conn, &grid2).await.unwrap()),
        vec!["John Smith", "赵六"]
    );
});

conformance!(place_search_in_and_out_of_scope, |db: Db| async move {
    let f = fixture(&db).await;
    let mut conn = db.read().await.unwrap();
    let room = |scopes: Option<Vec<String>>| SearchFilter {
        scopes,
        rooms: vec!["302".into(), "302室".into()],
        limit: 50,
        ..SearchFilter::default()
    };
    // Everywhere: the namesake's room in the other community too.
    assert_eq!(
        names(&search_residents(&mut conn, &room(None)).await.unwrap()),
        vec!["张三丰", "张三", "王五", "张三丰"]
    );
    // Several subtrees at once; a grid alone.
    let two = Some(vec![
        f.grid2.path.as_str().to_owned(),
        f.other.path.as_str().to_owned(),
    ]);
    assert_eq!(
        names(&search_residents(&mut conn, &room(two)).await.unwrap()),
        vec!["王五", "张三丰"]
    );
    // The street: the community's path without its last step.
    let c = f.community.path.as_str();
    let street = c[..=c[..c.len() - 1].rfind('/').unwrap()].to_owned();
    assert_eq!(
        search_residents(&mut conn, &room(Some(vec![street])))
            .await
            .unwrap()
            .len(),
        4
    );
    // With a name, and paged.
    let named = SearchFilter {
        name: query_terms("zsf"),
        ..room(None)
    };
    assert_eq!(search_residents(&mut conn, &named).await.unwrap().len(), 2);
    let named_here = SearchFilter {
        name: query_terms("zsf"),
        ..room(Some(vec![f.community.path.as_str().to_owned()]))
    };
    assert_eq!(
        names(&search_residents(&mut conn, &named_here).await.unwrap()),
        vec!["张三丰"]
    );
    let paged = SearchFilter {
        limit: 2,
        offset: 1,
        ..room(None)
    };
    assert_eq!(
        names(&search_residents(&mut conn, &paged).await.unwrap()),
        vec!["张三", "王五"]
    );
    // A unit with no building named; a building that is not there.
    let unit_room = SearchFilter {
        units: vec!["1单元".into()],
        ..room(Some(vec![f.community.path.as_str().to_owned()]))
    };
    assert_eq!(
        names(&search_residents(&mut conn, &unit_room).await.unwrap()),
        vec!["张三丰", "张三", "王五"]
    );
    let nowhere = SearchFilter {
        buildings: vec!["9栋".into()],
        ..room(None)
    };
    assert!(
        search_residents(&mut conn, &nowhere)
            .await
            .unwrap()
            .is_empty()
    );
});

conformance!(
    unindexed_residents_are_not_found_by_name,
    |db: Db| async move {
        let f = fixture(&db).await;
        let mut conn = db.read().await.unwrap();
        let q = SearchFilter {
            name: query_terms("李四"),
            ..within(&f)
        };
        let hits = search_residents(&mut conn, &q).await.unwrap();
        assert_eq!(hits.len(), 1);
        drop(conn);
        let mut tx = db.begin_write().await.unwrap();
        unindex_resident(&mut tx, hits[0].id).await.unwrap();
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        assert!(search_residents(&mut conn, &q).await.unwrap().is_empty());
    }
);

conformance!(population_counts_per_grid_and_total, |db: Db| async move {
    let f = fixture(&db).await;
    let mut conn = db.read().await.unwrap();
    let p = population(&mut conn, f.community.path.as_str(), 202611)
        .await
        .unwrap();
    assert_eq!(
        p.grids.iter().map(|g| g.grid_id).collect::<Vec<_>>(),
        vec![f.grid1.id, f.grid2.id]
    );
    let g1 = &p.grids[0].counts;
    assert_eq!(g1.present, 3);
    assert_eq!(g1.by_age_band, [1, 0, 1, 1, 0]);
    assert_eq!(g1.by_gender.get("male"), Some(&2));
    assert_eq!(g1.by_gender.get("female"), Some(&1));
    assert_eq!(g1.by_status.get("registered"), Some(&2));
    assert_eq!(g1.by_status.get("floating"), Some(&1));
    assert_eq!(g1.by_tag.get("elderly_alone"), Some(&1));
    let g2 = &p.grids[1].counts;
    assert_eq!(g2.present, 1);
    assert_eq!(g2.by_age_band, [0, 0, 0, 0, 1]);
    assert_eq!(g2.by_status.get("moved_out"), Some(&1));
    assert_eq!(g2.by_status.get("deceased"), Some(&1));
    // The moved-out veteran is not counted among present residents' tags.
    assert_eq!(g2.by_tag.get("veteran"), None);
    let t = &p.total;
    assert_eq!(t.present, 4);
    assert_eq!(t.by_age_band, [1, 0, 1, 1, 1]);
    assert_eq!(t.by_tag.get("elderly_alone"), Some(&2));
    assert_eq!(t.by_tag.get("veteran"), Some(&1));
    assert_eq!(t.by_status.values().sum::<i64>(), 6);
    // A subtree that is a single grid.
    let one = population(&mut conn, f.other.path.as_str(), 202611)
        .await
        .unwrap();
    assert_eq!(one.grids.len(), 1);
    assert_eq!(one.total.present, 1);
});
