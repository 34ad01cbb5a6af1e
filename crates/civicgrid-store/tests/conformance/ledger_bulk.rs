//! Bulk writes for imports: places, households, residents matched by blind index,
//! tags, history, the batched name index, and the masked export query.

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::id_number::compose;
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::import::rows::{self as bulk, HistoryRow, NewHousehold, ResidentRow};
use civicgrid_store::platform::org::OrgNode;
use civicgrid_store::{
    Db, StoreResult, commit, ledger, ledger::pii, ledger::search, platform::audit, prefix_end,
};

use crate::support::{audit_fields, id_number_taken, node};

#[test]
fn floors_from_room_names() {
    assert_eq!(bulk::floor_of("302"), Some(3));
    assert_eq!(bulk::floor_of("1203"), Some(12));
    assert_eq!(bulk::floor_of("B1"), None);
}

pub(crate) fn resident(keys: &FieldKeys, household: i64, grid: i64, n: u16) -> ResidentRow {
    // A three-digit sequence per birth date: more than a batch of residents spans years.
    let birth = Date::from_ymd_opt(1980 + i32::from(n / 1000), 1, 1 + u32::from(n % 28)).unwrap();
    let id = compose("420102", birth, n % 1000).unwrap();
    let phone = Phone::parse(&format!("138{:08}", n)).unwrap();
    ResidentRow {
        household_id: household,
        grid_id: grid,
        name: format!("张{n}").into(),
        gender: id.gender().code(),
        relation: "head",
        residence_status: "registered",
        pii: pii::seal(keys, Some(&id), Some(&phone), birth),
    }
}

/// The tag catalogue and one grid (C-D-S-C-G) under a city, district, street and
/// community.
pub(crate) async fn catalogue_and_grid(tx: &mut civicgrid_store::AnyConnection) -> OrgNode {
    ledger::ensure_default_catalogue(tx).await.unwrap();
    let city = node(tx, None, NodeKind::City, "C").await;
    let d = node(tx, Some(&city), NodeKind::District, "C-D").await;
    let s = node(tx, Some(&d), NodeKind::Street, "C-D-S").await;
    let c = node(tx, Some(&s), NodeKind::Community, "C-D-S-C").await;
    node(tx, Some(&c), NodeKind::Grid, "C-D-S-C-G").await
}

/// [`catalogue_and_grid`] in a transaction of its own, committed.
async fn committed_grid(db: &Db) -> OrgNode {
    let mut tx = db.begin_write().await.unwrap();
    let g = catalogue_and_grid(&mut tx).await;
    commit(tx).await.unwrap();
    g
}

conformance!(bulk_import_round_trip, |db: Db| async move {
    let keys = FieldKeys::ephemeral();
    let mut tx = db.begin_write().await.unwrap();
    let g = catalogue_and_grid(&mut tx).await;

    let b = bulk::insert_buildings(&mut tx, &[(g.id, "3".into()), (g.id, "4".into())])
        .await
        .unwrap();
    let b3 = b[&(g.id, "3".to_owned())];
    let u = bulk::insert_units(&mut tx, &[(b3, "1".into())])
        .await
        .unwrap();
    let u1 = u[&(b3, "1".to_owned())];
    let r = bulk::insert_rooms(&mut tx, &[(u1, "302".into()), (u1, "303".into())])
        .await
        .unwrap();
    let room = r[&(u1, "302".to_owned())];
    let h = bulk::insert_households(
        &mut tx,
        &[NewHousehold {
            room_id: room,
            grid_id: g.id,
            ownership: "owner".into(),
            area_centi: Some(8550),
        }],
    )
    .await
    .unwrap();
    let hh = h[&(room, "owner".to_owned())];

    let places = bulk::grid_places(&mut tx, g.id).await.unwrap();
    assert_eq!(places.buildings.len(), 2);
    assert_eq!(places.unit(b3, "1"), Some(u1));
    assert_eq!(places.rooms[&u1].len(), 2);
    let h = places.household(room, "owner").unwrap();
    assert_eq!((h.id, h.area_centi), (hh, Some(8550)));
    assert!(places.household(room, "tenant").is_none());
    bulk::set_household_area(&mut tx, hh, Some(9000))
        .await
        .unwrap();

    // More residents than one statement's batch, to cross the batch boundary.
    let rows: Vec<ResidentRow> = (1..=(bulk::BATCH as u16 + 5))
        .map(|n| resident(&keys, hh, g.id, n))
        .collect();
    let batch = ledger::insert_batch(
        &mut tx,
        &ledger::NewBatch {
            at_ms: 1_000,
            actor_user_id: None,
            actor_label: "system".into(),
            action: "import.create".into(),
            reason: Some("import of x.csv".into()),
        },
    )
    .await
    .unwrap();
    let ids = bulk::insert_residents(&mut tx, &rows, Some(batch))
        .await
        .unwrap();
    assert_eq!(ids.len(), rows.len());
    let idx: Vec<Vec<u8>> = rows
        .iter()
        .filter_map(|r| r.pii.id_number_idx.clone())
        .collect();
    bulk::replace_tags(
        &mut tx,
        &[],
        &[(ids[0], "low_income".into()), (ids[0], "veteran".into())],
    )
    .await
    .unwrap();
    let found = bulk::residents_by_id_index(&mut tx, &idx).await.unwrap();
    assert_eq!(found.len(), rows.len());
    let first = found.iter().find(|f| f.id == ids[0]).unwrap();
    assert_eq!(first.tags, vec!["low_income", "veteran"]);
    assert_eq!(first.name, "张1");
    assert_eq!(first.phone_idx, rows[0].pii.phone_idx);

    let mut changed = rows[0].clone();
    changed.name = "张一".into();
    bulk::update_resident(&mut tx, ids[0], &changed)
        .await
        .unwrap();
    bulk::replace_tags(&mut tx, &[ids[0]], &[(ids[0], "party_member".into())])
        .await
        .unwrap();
    let again = bulk::residents_by_id_index(&mut tx, &idx[..1])
        .await
        .unwrap();
    assert_eq!(again[0].name, "张一");
    assert_eq!(again[0].tags, vec!["party_member"]);

    bulk::insert_history(
        &mut tx,
        None,
        "system",
        "import of x.csv",
        &[HistoryRow {
            subject_type: "resident",
            subject_id: ids[0],
            action: "import.update",
            changes: r#"{"name":{"from":"张1","to":"张一"}}"#.into(),
        }],
    )
    .await
    .unwrap();
    // Its own entry, then the act that created it (older), which names no change.
    let hist = ledger::history(&mut tx, "resident", ids[0], 10)
        .await
        .unwrap();
    let acts: Vec<&str> = hist.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(acts, ["import.update", "import.create"]);
    assert_eq!(hist[1].reason.as_deref(), Some("import of x.csv"));
    assert_eq!((hist[1].at_ms, hist[1].changes.as_str()), (1_000, "{}"));
    assert_eq!(hist[1].subject_id, ids[0]);
    let other = ledger::history(&mut tx, "resident", ids[1], 10)
        .await
        .unwrap();
    assert_eq!(other.len(), 1, "each created resident shows the act once");
    assert!(
        ledger::history(&mut tx, "household", hh, 10)
            .await
            .unwrap()
            .iter()
            .all(|h| h.action != "import.create"),
        "the act is a resident's, not its household's"
    );

    let terms: Vec<(i64, String)> = ids.iter().map(|i| (*i, format!("张 t{i}"))).collect();
    search::index_residents(&mut tx, &terms, false)
        .await
        .unwrap();
    search::index_residents(&mut tx, &terms[..3], true)
        .await
        .unwrap();
    commit(tx).await.unwrap();

    let mut conn = db.read().await.unwrap();
    let out = bulk::export_rows(&mut conn, g.path.as_str(), &prefix_end(g.path.as_str()))
        .await
        .unwrap();
    assert_eq!(out.len(), rows.len());
    assert_eq!(out[0].community, "C-D-S-C");
    assert_eq!(out[0].room, "302");
    assert_eq!(out[0].area_centi, Some(9000));
    assert_eq!(out[0].tags, "party_member");
    let opened = pii::open_id_number(
        &keys,
        out[0].id_number_enc.as_deref().unwrap(),
        out[0].id_number_idx.as_deref(),
    )
    .unwrap();
    assert_eq!(opened.len(), 18);
    let none = bulk::export_rows(&mut conn, "/999/", "/999/~")
        .await
        .unwrap();
    assert!(none.is_empty());
});

// The connection an import writes on: a native one on SQLite, a pooled one on
// PostgreSQL. Both write, read back, audit and roll back alike.
conformance!(
    bulk_connection_writes_reads_and_rolls_back,
    |db: Db| async move {
        let keys = FieldKeys::ephemeral();
        let g = committed_grid(&db).await;

        let mut load = db.bulk_conn().await.unwrap();
        let mut btx = load.begin().await.unwrap();
        let b = btx
            .insert_buildings(vec![(g.id, "3".into())])
            .await
            .unwrap();
        let b3 = b[&(g.id, "3".to_owned())];
        let u = btx.insert_units(vec![(b3, "1".into())]).await.unwrap();
        let u1 = u[&(b3, "1".to_owned())];
        let r = btx
            .insert_rooms(vec![(u1, "302".into()), (u1, "B1".into())])
            .await
            .unwrap();
        let room = r[&(u1, "302".to_owned())];
        let h = btx
            .insert_households(vec![NewHousehold {
                room_id: room,
                grid_id: g.id,
                ownership: "owner".into(),
                area_centi: Some(8550),
            }])
            .await
            .unwrap();
        let hh = h[&(room, "owner".to_owned())];
        btx.set_household_area(hh, Some(9000)).await.unwrap();
        let places = btx.grid_places(g.id).await.unwrap();
        assert_eq!(places.buildings["3"], b3);
        assert_eq!(places.unit(b3, "1"), Some(u1));
        assert_eq!(places.room(u1, "302"), Some(room));
        assert!(places.room(u1, "B1").is_some());
        let placed = places.household(room, "owner").unwrap();
        assert_eq!((placed.id, placed.area_centi), (hh, Some(9000)));

        let rows: Vec<ResidentRow> = (1..=3).map(|n| resident(&keys, hh, g.id, n)).collect();
        let batch = btx
            .insert_batch(
                None,
                "system".into(),
                "import.create",
                "import of x.csv".into(),
            )
            .await
            .unwrap();
        let ids = btx
            .insert_residents(rows.clone(), Some(batch))
            .await
            .unwrap();
        assert_eq!(ids.len(), 3);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids follow the rows");
        btx.replace_tags(vec![], vec![(ids[0], "veteran".into())])
            .await
            .unwrap();
        let mut changed = rows[0].clone();
        changed.name = "张一".into();
        btx.update_resident(ids[0], changed).await.unwrap();
        btx.replace_tags(vec![ids[0]], vec![(ids[0], "party_member".into())])
            .await
            .unwrap();
        let terms: Vec<(i64, String)> = ids.iter().map(|i| (*i, format!("张 t{i}"))).collect();
        btx.index_residents(terms.clone(), false).await.unwrap();
        btx.index_residents(terms[..1].to_vec(), true)
            .await
            .unwrap();
        btx.insert_history(
            None,
            "system".into(),
            "import of x.csv".into(),
            vec![HistoryRow {
                subject_type: "resident",
                subject_id: ids[0],
                action: "import.update",
                changes: r#"{"name":{"from":"张1","to":"张一"}}"#.into(),
            }],
        )
        .await
        .unwrap();
        let idx: Vec<Vec<u8>> = rows
            .iter()
            .filter_map(|r| r.pii.id_number_idx.clone())
            .collect();
        let found = btx.residents_by_id_index(idx.clone()).await.unwrap();
        assert_eq!(found.len(), 3);
        let first = found.iter().find(|f| f.id == ids[0]).unwrap();
        assert_eq!(first.name, "张一");
        assert_eq!(first.tags, vec!["party_member"]);
        assert_eq!(first.household_id, Some(hh));
        let seq = btx
            .audit_append(audit_fields(
                "ledger.import",
                None,
                None,
                ("import", "x.csv"),
            ))
            .await
            .unwrap();
        assert!(seq > 0);
        btx.commit().await.unwrap();

        // A second chunk's transaction dropped unfinished leaves nothing behind, and the
        // next one starts cleanly.
        {
            let mut btx = load.begin().await.unwrap();
            btx.insert_buildings(vec![(g.id, "99".into())])
                .await
                .unwrap();
        }
        let mut btx = load.begin().await.unwrap();
        let unmatched = btx
            .residents_by_id_index(vec![vec![0u8; 16]])
            .await
            .unwrap();
        assert!(unmatched.is_empty());
        btx.commit().await.unwrap();
        load.finish(false).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let after = bulk::grid_places(&mut conn, g.id).await.unwrap();
        assert_eq!(
            after.buildings.len(),
            1,
            "the dropped chunk's building is gone"
        );
        assert_eq!(
            bulk::residents_by_id_index(&mut conn, &idx)
                .await
                .unwrap()
                .len(),
            3
        );
        let hist = ledger::history(&mut conn, "resident", ids[0], 10)
            .await
            .unwrap();
        let acts: Vec<&str> = hist.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(acts, ["import.update", "import.create"]);
        let v = audit::verify(&mut conn).await.unwrap();
        assert!(v.first_break.is_none());
        assert_eq!(v.head_seq, seq);
    }
);

/// Writes one resident in a held load and finishes it, as the importer does: a load
/// whose step fails is dropped, which rolls it back.
async fn held_load_of(db: &Db, row: ResidentRow) -> StoreResult<()> {
    let mut load = db.bulk_conn().await.unwrap();
    load.hold().await.unwrap();
    let written = async {
        let mut btx = load.begin().await?;
        btx.insert_residents(vec![row], None).await?;
        btx.commit().await
    }
    .await;
    match written {
        Ok(()) => load.finish(true).await,
        Err(e) => {
            drop(load);
            Err(e)
        }
    }
}

// A held load (on SQLite one transaction, without the unique ID-number index until it
// commits) that refers to a household that does not exist fails and leaves nothing
// behind, and the unique ID-number index is there afterwards.
conformance!(
    a_held_load_with_a_dangling_reference_fails_and_writes_nothing,
    |db: Db| async move {
        use civicgrid_domain::ledger::person::{Gender, Relation, ResidenceStatus};
        let keys = FieldKeys::ephemeral();
        let g = committed_grid(&db).await;

        let row = resident(&keys, 999_999, g.id, 1);
        let outcome = held_load_of(&db, row.clone()).await;
        assert!(outcome.is_err(), "a dangling household was accepted");

        let mut conn = db.read().await.unwrap();
        let idx: Vec<Vec<u8>> = row.pii.id_number_idx.clone().into_iter().collect();
        assert!(
            bulk::residents_by_id_index(&mut conn, &idx)
                .await
                .unwrap()
                .is_empty()
        );
        drop(conn);
        let mut tx = db.begin_write().await.unwrap();
        let fields = ledger::ResidentFields {
            household_id: None,
            grid_id: g.id,
            name: "张一",
            gender: Gender::Male,
            relation: Relation::Head,
            status: ResidenceStatus::Registered,
            pii: &row.pii,
        };
        ledger::insert_resident(&mut tx, &fields).await.unwrap();
        let twice = ledger::insert_resident(&mut tx, &fields).await;
        assert!(id_number_taken(&twice), "{twice:?}");
    }
);

/// The one row `sql` selects with `id` bound to `$1`.
async fn row_of(
    conn: &mut civicgrid_store::AnyConnection,
    sql: &'static str,
    id: i64,
) -> sqlx::any::AnyRow {
    sqlx::query(sql)
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

// A held load gives its new rows their ids itself (on SQLite from the largest id of each
// table when its transaction began, its writes queued without waiting): every id it
// returns is the one its row is stored under, after rows committed before the load and
// across a release, and its audit entries extend the chain soundly.
conformance!(
    a_held_load_returns_the_ids_its_rows_are_stored_under,
    |db: Db| async move {
        use sqlx::Row;
        let keys = FieldKeys::ephemeral();
        let g = committed_grid(&db).await;
        let mut tx = db.begin_write().await.unwrap();
        bulk::insert_buildings(&mut tx, &[(g.id, "0".into())])
            .await
            .unwrap();
        commit(tx).await.unwrap();

        let mut load = db.bulk_conn().await.unwrap();
        load.hold().await.unwrap();
        // (building, unit, room, household, batch, residents, audit seq) per round.
        let mut written = Vec::new();
        for round in 0..2u16 {
            if round == 1 {
                load.release().await.unwrap();
            }
            let mut btx = load.begin().await.unwrap();
            let name = format!("b{round}");
            let b = btx
                .insert_buildings(vec![(g.id, name.clone())])
                .await
                .unwrap();
            let building = b[&(g.id, name)];
            let u = btx
                .insert_units(vec![(building, "1".into())])
                .await
                .unwrap();
            let unit = u[&(building, "1".to_owned())];
            let r = btx
                .insert_rooms(vec![(unit, "101".into()), (unit, "102".into())])
                .await
                .unwrap();
            let room = r[&(unit, "102".to_owned())];
            let new = |room_id, ownership: &str| NewHousehold {
                room_id,
                grid_id: g.id,
                ownership: ownership.into(),
                area_centi: None,
            };
            let h = btx
                .insert_households(vec![
                    new(r[&(unit, "101".to_owned())], "owner"),
                    new(room, "tenant"),
                ])
                .await
                .unwrap();
            let household = h[&(room, "tenant".to_owned())];
            let batch = btx
                .insert_batch(None, "test".into(), "import.create", "test".into())
                .await
                .unwrap();
            let rows: Vec<ResidentRow> = [1, 2]
                .map(|n| resident(&keys, household, g.id, 10 * round + n))
                .into();
            let ids = btx
                .insert_residents(rows.clone(), Some(batch))
                .await
                .unwrap();
            let seq = btx
                .audit_append(audit_fields("ledger.import", None, None, ("import", "x")))
                .await
                .unwrap();
            btx.commit().await.unwrap();
            written.push((building, unit, room, household, batch, ids, rows, seq));
        }
        load.finish(true).await.unwrap();

        let mut conn = db.read().await.unwrap();
        for (round, (building, unit, room, household, batch, ids, rows, seq)) in
            written.into_iter().enumerate()
        {
            let row = row_of(
                &mut conn,
                "SELECT name FROM buildings WHERE id = $1",
                building,
            )
            .await;
            assert_eq!(row.get::<String, _>(0), format!("b{round}"));
            let row = row_of(
                &mut conn,
                "SELECT building_id FROM units WHERE id = $1",
                unit,
            )
            .await;
            assert_eq!(row.get::<i64, _>(0), building);
            let row = row_of(
                &mut conn,
                "SELECT unit_id, name FROM rooms WHERE id = $1",
                room,
            )
            .await;
            assert_eq!(
                (row.get::<i64, _>(0), row.get::<String, _>(1)),
                (unit, "102".into())
            );
            let row = row_of(
                &mut conn,
                "SELECT room_id, ownership FROM households WHERE id = $1",
                household,
            )
            .await;
            assert_eq!(
                (row.get::<i64, _>(0), row.get::<String, _>(1)),
                (room, "tenant".into())
            );
            for (id, r) in ids.iter().zip(&rows) {
                let row = row_of(
                    &mut conn,
                    "SELECT name, household_id, created_in_batch FROM residents WHERE id = $1",
                    *id,
                )
                .await;
                assert_eq!(row.get::<String, _>(0), r.name);
                assert_eq!(row.get::<i64, _>(1), household);
                assert_eq!(row.get::<i64, _>(2), batch);
            }
            let row = row_of(
                &mut conn,
                "SELECT action FROM audit_log WHERE seq = $1",
                seq,
            )
            .await;
            assert_eq!(row.get::<String, _>(0), "ledger.import");
        }
        let checked = audit::verify(&mut conn).await.unwrap();
        assert_eq!(checked.first_break, None);
    }
);

// A held load whose rows name a household that does not exist fails, and leaves nothing
// behind: PostgreSQL refuses the row at once; SQLite, which a held load writes with
// foreign keys unenforced, finds it when the load commits.
conformance!(
    a_held_load_with_a_broken_reference_writes_nothing,
    |db: Db| async move {
        let keys = FieldKeys::ephemeral();
        let g = committed_grid(&db).await;
        let failed = held_load_of(&db, resident(&keys, 999_999, g.id, 1)).await;
        let message = failed
            .expect_err("a missing household is refused")
            .to_string();
        assert!(
            message.contains("households") || message.contains("foreign key"),
            "{message}"
        );
        let mut conn = db.read().await.unwrap();
        let (residents,): (i64,) = sqlx::query_as("SELECT count(*) FROM residents")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(residents, 0);
    }
);

#[test]
fn grid_places_keep_the_first_household_of_each_ownership() {
    let mut p = bulk::GridPlaces::default();
    p.buildings.insert("1栋".into(), 1);
    p.add_unit(1, "1单元".into(), 10);
    p.add_room(10, "101".into(), 100);
    assert_eq!(p.unit(1, "1单元"), Some(10));
    assert_eq!(p.room(10, "101"), Some(100));
    assert_eq!(p.unit(1, "2单元"), None);
    let owner = |id| bulk::PlacedHousehold {
        ownership: "owner".into(),
        id,
        area_centi: None,
    };
    p.add_household(100, owner(7));
    p.add_household(100, owner(8));
    assert_eq!(p.household(100, "owner").map(|h| h.id), Some(7));
    if let Some(h) = p.household_mut(100, "owner") {
        h.area_centi = Some(8_950);
    }
    assert_eq!(
        p.household(100, "owner").and_then(|h| h.area_centi),
        Some(8_950)
    );
    assert!(p.household_mut(100, "tenant").is_none());
    assert_eq!(p.households[&100].len(), 1);
}
