//! Ledger search and the population summary through the use cases, on a few hundred
//! residents written straight to the tables.

use std::collections::BTreeMap;
use std::ops::Deref;

use civicgrid_app::domain::ledger::date::Date;
use civicgrid_app::domain::ledger::phone::Phone;
use civicgrid_app::domain::platform::access::{Actor, Assignment, Role};
use civicgrid_app::ledger::search::{SearchRequest, today_ym};
use civicgrid_app::{App, AppError};
use civicgrid_store::ledger::population::age_band;
use civicgrid_store::ledger::synthetic::{SynthResident, Writer};
use civicgrid_store::{commit, ledger, platform::org};

use crate::support::World;

/// The standard city with a few hundred residents written straight to the tables: in
/// its two grids and in the neighbouring community's grid.
struct Ledger {
    world: World,
    grids: [i64; 2],
    /// (grid index 0/1 or 2 for the other community, gender, birth_ym, status, tags)
    people: Vec<(usize, &'static str, i64, &'static str, Vec<&'static str>)>,
}

impl Deref for Ledger {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

const SURNAMES: [&str; 6] = ["王", "李", "刘", "陈", "杨", "黄"];
const GIVEN: [&str; 7] = ["伟", "芳", "秀英", "敏", "静", "建国", "丽"];
const STATUSES: [&str; 4] = ["registered", "registered", "floating", "moved_out"];

async fn world() -> Ledger {
    let world = World::new().await;
    let app = &world.app;
    let (g1, g2, og) = (world.grid, world.grid2, world.other_grid);
    let grid_ids = [g1, g2, og];

    let keys = app.config().field_keys.clone();
    let mut tx = app.db().begin_write().await.unwrap();
    ledger::ensure_default_catalogue(&mut tx).await.unwrap();
    let mut w = Writer::default();
    let mut people = Vec::new();
    let write = async |w: &mut Writer,
                       tx: &mut civicgrid_store::WriteTx,
                       grid: usize,
                       place: (&str, &str),
                       name: &str,
                       gender: &'static str,
                       birth: Date,
                       phone: Option<&str>,
                       status: &'static str,
                       tags: Vec<&'static str>| {
        let phone = phone.map(|p| Phone::parse(p).unwrap());
        w.resident(
            tx,
            &keys,
            &SynthResident {
                grid_id: grid_ids[grid],
                building: place.0,
                unit: "1单元",
                room: place.1,
                name,
                gender,
                birth,
                phone: phone.as_ref(),
                relation: "head",
                status,
                tags: &tags,
            },
        )
        .await
        .unwrap();
        let ym = civicgrid_store::ledger::pii::birth_ym(birth);
        (grid, gender, ym, status, tags)
    };
    // The ones the tests look for: a namesake of the same room, in another grid.
    let d = |y, m| Date::from_ymd_opt(y, m, 10).unwrap();
    for (grid, birth, phone, tags) in [
        (0, d(1944, 4), "13812345678", vec!["elderly_alone"]),
        (2, d(1980, 4), "13812349999", vec![]),
    ] {
        let place = ("3栋", "302");
        let (name, gender, status) = ("张三丰", "male", "registered");
        people.push(
            write(
                &mut w,
                &mut tx,
                grid,
                place,
                name,
                gender,
                birth,
                Some(phone),
                status,
                tags,
            )
            .await,
        );
    }
    // A few hundred more, deterministic.
    for i in 0..300usize {
        let name = format!("{}{}", SURNAMES[i % 6], GIVEN[i % 7]);
        let gender = if i % 3 == 0 { "female" } else { "male" };
        let birth = d(1935 + (i % 88) as i32, 1 + (i % 12) as u32);
        let phone = format!("139{:08}", 10_000 + i);
        let tags = match i % 10 {
            0 => vec!["low_income"],
            1 => vec!["veteran", "party_member"],
            _ => vec![],
        };
        let building = format!("{}栋", 1 + i % 5);
        let room = format!("{}0{}", 1 + i % 6, 1 + i % 4);
        people.push(
            write(
                &mut w,
                &mut tx,
                i % 3,
                (&building, &room),
                &name,
                gender,
                birth,
                Some(&phone),
                STATUSES[i % 4],
                tags,
            )
            .await,
        );
    }
    commit(tx).await.unwrap();
    Ledger {
        grids: [g1, g2],
        people,
        world,
    }
}

async fn actor(app: &App, role: Role, node: i64) -> Actor {
    let mut conn = app.db().read().await.unwrap();
    let n = org::get(&mut conn, node).await.unwrap();
    Actor {
        user_id: Some(99),
        token_id: None,
        label: "tester".into(),
        assignments: vec![Assignment {
            id: 1,
            role,
            node_id: node,
            path: n.path,
        }],
    }
}

async fn find(app: &App, who: &Actor, q: &str) -> Vec<(String, i64)> {
    let r = app
        .search_residents(
            who,
            &SearchRequest {
                q: q.into(),
                page: 1,
                ..SearchRequest::default()
            },
        )
        .await
        .unwrap();
    r.hits.into_iter().map(|h| (h.name, h.grid_id)).collect()
}

#[tokio::test]
async fn staff_find_residents_by_every_handle() {
    let w = world().await;
    let staff = actor(&w.app, Role::CommunityStaff, w.community).await;
    let zsf = vec![("张三丰".to_owned(), w.grids[0])];
    for q in [
        "张三丰",
        "zhangsanfeng",
        "zsf",
        "zhangsan",
        "ZSF",
        "5678",
        "张三丰 5678",
        "13812345678",
        "138-1234-5678 张",
        "3栋 302 张",
    ] {
        assert_eq!(find(&w.app, &staff, q).await, zsf, "query {q}");
    }
    // The namesake in the other community is outside the staff member's scope.
    let admin = actor(&w.app, Role::StreetAdmin, w.grids[0]).await;
    assert_eq!(find(&w.app, &admin, "zsf").await.len(), 1);
    let street = Actor::system();
    assert_eq!(find(&w.app, &street, "zsf").await.len(), 2);
    assert_eq!(
        find(&w.app, &street, "9999").await,
        vec![("张三丰".to_owned(), w.other_grid)]
    );
    // A whole number tells the two namesakes apart; a number no one has finds no one.
    assert_eq!(
        find(&w.app, &street, "13812349999").await,
        vec![("张三丰".to_owned(), w.other_grid)]
    );
    assert!(find(&w.app, &street, "13800000000").await.is_empty());
    // Tag and status words, in Chinese and English.
    let elderly = find(&w.app, &staff, "独居老人").await;
    assert_eq!(elderly, zsf);
    let low = w
        .app
        .search_residents(
            &staff,
            &SearchRequest {
                q: "低保 floating".into(),
                page: 1,
                ..SearchRequest::default()
            },
        )
        .await
        .unwrap();
    let want = w
        .people
        .iter()
        .filter(|p| p.0 < 2 && p.3 == "floating" && p.4.contains(&"low_income"))
        .count();
    assert_eq!(low.hits.len(), want.min(20));
    assert!(want > 0);
    assert!(
        low.hits
            .iter()
            .all(|h| h.residence_status == "floating" && h.tags.contains(&"low_income".to_owned()))
    );
    // Filters from the form: a grid, a tag, a status; paging.
    let req = SearchRequest {
        q: "李".into(),
        node_id: Some(w.grids[1]),
        status: Some("户籍".into()),
        page: 1,
        ..SearchRequest::default()
    };
    let r = w.app.search_residents(&staff, &req).await.unwrap();
    assert!(!r.hits.is_empty());
    assert!(r.hits.iter().all(|h| h.grid_id == w.grids[1]
        && h.name.starts_with('李')
        && h.residence_status == "registered"));
    let all = SearchRequest {
        node_id: Some(w.community),
        page: 1,
        ..SearchRequest::default()
    };
    let p1 = w.app.search_residents(&staff, &all).await.unwrap();
    assert!(p1.has_more && p1.hits.len() == 20);
    let p2 = w
        .app
        .search_residents(&staff, &SearchRequest { page: 2, ..all })
        .await
        .unwrap();
    assert!(p2.hits[0].id > p1.hits[19].id);
    // Age-derived tag.
    let aged = w
        .app
        .search_residents(
            &staff,
            &SearchRequest {
                tag: Some("aged_80".into()),
                page: 1,
                ..SearchRequest::default()
            },
        )
        .await
        .unwrap();
    assert!(
        aged.hits
            .iter()
            .all(|h| age_band(h.birth_ym, today_ym()) == 4)
    );
    assert!(!aged.hits.is_empty());
}

#[tokio::test]
async fn search_and_summary_stay_in_scope() {
    let w = world().await;
    let worker = actor(&w.app, Role::GridWorker, w.grids[0]).await;
    let hits = find(&w.app, &worker, "").await;
    assert!(hits.iter().all(|(_, g)| *g == w.grids[0]));
    let outside = SearchRequest {
        node_id: Some(w.other_grid),
        page: 1,
        ..SearchRequest::default()
    };
    // Nodes outside the worker's sight answer as missing ones do.
    assert!(matches!(
        w.app.search_residents(&worker, &outside).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        w.app.population(&worker, w.community).await,
        Err(AppError::NotFound(_))
    ));
    let resident = actor(&w.app, Role::Resident, w.grids[0]).await;
    assert!(matches!(
        w.app
            .search_residents(&resident, &SearchRequest::default())
            .await,
        Err(AppError::Forbidden)
    ));
    let bad = SearchRequest {
        tag: Some("wizard".into()),
        ..SearchRequest::default()
    };
    assert!(matches!(
        w.app.search_residents(&worker, &bad).await,
        Err(AppError::Invalid { field: "tag", .. })
    ));
    assert!(matches!(
        w.app.population(&worker, 999_999).await,
        Err(AppError::NotFound(_))
    ));
}

#[tokio::test]
async fn population_summary_counts_exactly() {
    let w = world().await;
    let staff = actor(&w.app, Role::CommunityStaff, w.community).await;
    let v = w.app.population(&staff, w.community).await.unwrap();
    let today = today_ym();
    let present = |s: &str| s == "registered" || s == "floating";
    let mine: Vec<_> = w.people.iter().filter(|p| p.0 < 2).collect();
    assert_eq!(v.population.grids.len(), 2);
    let t = &v.population.total;
    assert_eq!(
        t.present,
        mine.iter().filter(|p| present(p.3)).count() as i64
    );
    let mut bands = [0i64; 5];
    let mut genders: BTreeMap<String, i64> = BTreeMap::new();
    let mut statuses: BTreeMap<String, i64> = BTreeMap::new();
    let mut tags: BTreeMap<String, i64> = BTreeMap::new();
    for p in &mine {
        *statuses.entry(p.3.into()).or_default() += 1;
        if present(p.3) {
            bands[age_band(p.2, today)] += 1;
            *genders.entry(p.1.into()).or_default() += 1;
            for tag in &p.4 {
                *tags.entry((*tag).into()).or_default() += 1;
            }
        }
    }
    assert_eq!(t.by_age_band, bands);
    assert_eq!(t.by_gender, genders);
    assert_eq!(t.by_status, statuses);
    for (k, n) in &tags {
        assert_eq!(t.by_tag.get(k), Some(n), "tag {k}");
    }
    assert_eq!(t.by_tag.get("aged_80").copied().unwrap_or(0), bands[4]);
    assert_eq!(
        t.by_tag.get("senior_60").copied().unwrap_or(0),
        bands[3] + bands[4]
    );
    let g1 = &v.population.grids[0].counts;
    assert_eq!(
        g1.present,
        mine.iter().filter(|p| p.0 == 0 && present(p.3)).count() as i64
    );
    // A grid worker sees their own grid.
    let worker = actor(&w.app, Role::GridWorker, w.grids[0]).await;
    let one = w.app.population(&worker, w.grids[0]).await.unwrap();
    assert_eq!(one.population.total.present, g1.present);
}
