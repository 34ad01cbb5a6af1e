//! Bulk writes for imports: places, households, residents matched by blind index,
//! tags, history, the batched name index, and the masked export query.

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::id_number::compose;
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::org::NodeKind;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger_bulk::{self as bulk, HistoryRow, NewHousehold, ResidentRow};
use civicgrid_store::{Db, commit, ledger, pii, prefix_end, search};

use crate::support::node;

#[test]
fn statements_and_floors() {
    assert_eq!(
        bulk::values_sql("INSERT INTO t (a, b)", 2, 2, "RETURNING id", false),
        "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4) RETURNING id"
    );
    assert_eq!(
        bulk::values_sql("INSERT INTO t (a)", 1, 2, "", true),
        "INSERT INTO t (a) VALUES (?),(?) "
    );
    assert_eq!(bulk::floor_of("302"), Some(3));
    assert_eq!(bulk::floor_of("1203"), Some(12));
    assert_eq!(bulk::floor_of("B1"), None);
}

fn resident(keys: &FieldKeys, household: i64, grid: i64, n: u16) -> ResidentRow {
    // A three-digit sequence per birth date: more than a batch of residents spans years.
    let birth = Date::from_ymd_opt(1980 + i32::from(n / 1000), 1, 1 + u32::from(n % 28)).unwrap();
    let id = compose("420102", birth, n % 1000).unwrap();
    let phone = Phone::parse(&format!("138{:08}", n)).unwrap();
    ResidentRow {
        household_id: household,
        grid_id: grid,
        name: format!("张{n}"),
        gender: id.gender().code(),
        relation: "head",
        residence_status: "registered",
        pii: pii::seal(keys, Some(&id), Some(&phone), birth),
    }
}

conformance!(bulk_import_round_trip, |db: Db| async move {
    let keys = FieldKeys::ephemeral();
    let mut tx = db.begin_write().await.unwrap();
    ledger::ensure_default_catalogue(&mut tx).await.unwrap();
    let city = node(&mut tx, None, NodeKind::City, "C").await;
    let d = node(&mut tx, Some(&city), NodeKind::District, "C-D").await;
    let s = node(&mut tx, Some(&d), NodeKind::Street, "C-D-S").await;
    let c = node(&mut tx, Some(&s), NodeKind::Community, "C-D-S-C").await;
    let g = node(&mut tx, Some(&c), NodeKind::Grid, "C-D-S-C-G").await;

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
    assert_eq!(places.units[&(b3, "1".to_owned())], u1);
    assert_eq!(places.rooms.len(), 2);
    assert_eq!(
        places.households[&(room, "owner".to_owned())],
        (hh, Some(8550))
    );
    bulk::set_household_area(&mut tx, hh, Some(9000))
        .await
        .unwrap();

    // More residents than one statement's batch, to cross the batch boundary.
    let rows: Vec<ResidentRow> = (1..=(bulk::BATCH as u16 + 5))
        .map(|n| resident(&keys, hh, g.id, n))
        .collect();
    let ids = bulk::insert_residents(&mut tx, &rows).await.unwrap();
    assert_eq!(ids.len(), rows.len());
    let idx: Vec<String> = rows
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
    let hist = ledger::history(&mut tx, "resident", ids[0], 10)
        .await
        .unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!(hist[0].reason.as_deref(), Some("import of x.csv"));

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
    let opened = keys
        .open(pii::F_ID_NUMBER, out[0].id_number_enc.as_deref().unwrap())
        .unwrap();
    assert_eq!(opened.len(), 18);
    let none = bulk::export_rows(&mut conn, "/999/", "/999/~")
        .await
        .unwrap();
    assert!(none.is_empty());
});
