//! Places and households kept up by hand: buildings renamed, units removed when empty,
//! rooms renumbered, households changed and closed; the reads benchmarks compare with;
//! and the database handle's own connections and savepoints.

use civicgrid_domain::ledger::person::{Ownership, Relation};
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::import::indexes;
use civicgrid_store::ledger::{self, pii, search, synthetic};
use civicgrid_store::platform::accounts::like_escape;
use civicgrid_store::{Db, commit, savepoint};

use crate::ledger::{grid, resident, sealed};
use crate::support::not_found;

conformance!(places_are_kept_up_by_hand, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let g = grid(&mut tx).await;
    let b2 = ledger::insert_building(&mut tx, g.id, "2栋", "")
        .await
        .unwrap();
    let b1 = ledger::insert_building(&mut tx, g.id, "1栋", "")
        .await
        .unwrap();
    assert_eq!(ledger::get_building(&mut tx, b1.id).await.unwrap(), b1);
    let names: Vec<String> = ledger::list_buildings(&mut tx, g.id)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, ["1栋", "2栋"]);
    let renamed = ledger::update_building(&mut tx, b2.id, "3栋", "湖光路3号")
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.address.as_str()),
        ("3栋", "湖光路3号")
    );
    assert_eq!(
        ledger::find_building(&mut tx, g.id, "3栋")
            .await
            .unwrap()
            .map(|b| b.id),
        Some(b2.id)
    );
    assert_eq!(
        ledger::find_building(&mut tx, g.id, "2栋").await.unwrap(),
        None
    );
    assert!(not_found(ledger::get_building(&mut tx, 999).await));

    let u2 = ledger::insert_unit(&mut tx, b1.id, "2单元").await.unwrap();
    let u1 = ledger::insert_unit(&mut tx, b1.id, "1单元").await.unwrap();
    let units: Vec<i64> = ledger::list_units(&mut tx, b1.id)
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(units, [u1.id, u2.id]);
    let r = ledger::insert_room(&mut tx, u1.id, "1201", Some(12))
        .await
        .unwrap();
    ledger::insert_room(&mut tx, u1.id, "301", Some(3))
        .await
        .unwrap();
    ledger::update_room(&mut tx, r.id, "201", Some(2))
        .await
        .unwrap();
    let rooms: Vec<(String, Option<i64>)> = ledger::list_rooms(&mut tx, u1.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.floor))
        .collect();
    assert_eq!(
        rooms,
        [("201".to_owned(), Some(2)), ("301".to_owned(), Some(3))]
    );

    // A unit with rooms stays; an empty one goes.
    assert!(not_found(ledger::delete_unit(&mut tx, u1.id).await));
    ledger::delete_unit(&mut tx, u2.id).await.unwrap();
    assert_eq!(ledger::list_units(&mut tx, b1.id).await.unwrap().len(), 1);
    assert!(not_found(ledger::delete_unit(&mut tx, u2.id).await));
    commit(tx).await.unwrap();
});

conformance!(households_are_changed_and_closed, |db: Db| async move {
    let keys = FieldKeys::ephemeral();
    let mut tx = db.begin_write().await.unwrap();
    let g = grid(&mut tx).await;
    let b = ledger::insert_building(&mut tx, g.id, "1栋", "")
        .await
        .unwrap();
    let u = ledger::insert_unit(&mut tx, b.id, "1单元").await.unwrap();
    let room = ledger::insert_room(&mut tx, u.id, "101", Some(1))
        .await
        .unwrap();
    let old = ledger::insert_household(&mut tx, room.id, Ownership::Owner, None)
        .await
        .unwrap();
    let changed = ledger::update_household(&mut tx, old.id, Ownership::Tenant, Some(8_950))
        .await
        .unwrap();
    assert_eq!(
        (changed.ownership, changed.area_centi, changed.active),
        (Ownership::Tenant, Some(8_950), true)
    );
    ledger::set_household_active(&mut tx, old.id, false)
        .await
        .unwrap();
    assert!(!ledger::get_household(&mut tx, old.id).await.unwrap().active);
    let new = ledger::insert_household(&mut tx, room.id, Ownership::Owner, None)
        .await
        .unwrap();
    let lived: Vec<(i64, bool)> = ledger::households_in_room(&mut tx, room.id)
        .await
        .unwrap()
        .iter()
        .map(|h| (h.id, h.active))
        .collect();
    assert_eq!(lived, [(new.id, true), (old.id, false)], "newest first");
    assert!(not_found(
        ledger::set_household_active(&mut tx, 999, true).await
    ));

    // What a benchmark reads about a resident, and the bare point read it compares with.
    assert_eq!(synthetic::max_resident_id(&mut tx).await.unwrap(), 0);
    let p = sealed(&keys, 2, Some("13812345678"));
    let a = resident(&mut tx, g.id, new.id, "张三", Relation::Head, &p).await;
    assert_eq!(synthetic::max_resident_id(&mut tx).await.unwrap(), a.id);
    let probe = synthetic::probe(&mut tx, a.id).await.unwrap().unwrap();
    assert_eq!(
        (
            probe.name.as_str(),
            probe.grid_id,
            probe.community_id,
            probe.room.as_deref()
        ),
        ("张三", g.id, g.parent_id, Some("101"))
    );
    let phone = pii::open_phone(
        &keys,
        probe.phone_enc.as_deref().unwrap(),
        probe.phone_idx.as_deref(),
    )
    .unwrap();
    assert_eq!(phone, Phone::parse("13812345678").unwrap().as_str());
    assert!(synthetic::probe(&mut tx, a.id + 1).await.unwrap().is_none());
    assert_eq!(
        search::point_read(&mut tx, a.id).await.unwrap().as_deref(),
        Some("张三")
    );
    assert_eq!(search::point_read(&mut tx, a.id + 1).await.unwrap(), None);
    commit(tx).await.unwrap();

    // Refreshing statistics changes nothing a reader sees.
    let mut conn = db.read().await.unwrap();
    search::analyze(&mut conn).await.unwrap();
    indexes::analyze(&mut conn).await.unwrap();
    assert_eq!(
        search::point_read(&mut conn, a.id)
            .await
            .unwrap()
            .as_deref(),
        Some("张三")
    );
});

conformance!(savepoints_and_held_connections, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let g = grid(&mut tx).await;
    {
        let mut sp = savepoint(&mut tx).await.unwrap();
        ledger::insert_building(&mut sp, g.id, "gone", "")
            .await
            .unwrap();
        // Dropped: rolled back to the savepoint only.
    }
    {
        let mut sp = savepoint(&mut tx).await.unwrap();
        ledger::insert_building(&mut sp, g.id, "kept", "")
            .await
            .unwrap();
        commit(sp).await.unwrap();
    }
    commit(tx).await.unwrap();
    let mut conn = db.read().await.unwrap();
    let names: Vec<String> = ledger::list_buildings(&mut conn, g.id)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(names, ["kept"]);

    // A write on a connection the caller holds; the pool's idle ones can be closed.
    let mut held = db.pool().acquire().await.unwrap();
    let mut tx = db.begin_write_on(&mut held).await.unwrap();
    ledger::insert_building(&mut tx, g.id, "held", "")
        .await
        .unwrap();
    commit(tx).await.unwrap();
    assert!(
        ledger::find_building(&mut conn, g.id, "held")
            .await
            .unwrap()
            .is_some()
    );
    drop(held);
    // `conn` is still in use, so at least it stays open.
    assert!(db.close_idle().await.unwrap() >= 1);
    assert_eq!(
        ledger::list_buildings(&mut conn, g.id).await.unwrap().len(),
        2
    );
    drop(conn);
    // A dropped connection goes back to the pool in the background: once it is there,
    // none is left open.
    let mut open = db.close_idle().await.unwrap();
    for _ in 0..100 {
        if open == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        open = db.close_idle().await.unwrap();
    }
    assert_eq!(open, 0);
    // The pool opens new connections when asked again.
    let mut again = db.read().await.unwrap();
    assert_eq!(
        ledger::list_buildings(&mut again, g.id)
            .await
            .unwrap()
            .len(),
        2
    );
});

#[test]
fn like_patterns_match_literally() {
    assert_eq!(like_escape("100%_a\\b"), "100\\%\\_a\\\\b");
    assert_eq!(like_escape("张三"), "张三");
}

#[test]
fn ages_are_counted_by_birth_month() {
    use civicgrid_store::ledger::population::{AGE_BANDS, age_band, born_by};
    assert_eq!(born_by(202611, 18), 200811);
    assert_eq!(born_by(202611, 0), 202611);
    assert_eq!(AGE_BANDS[age_band(200811, 202611)], "18-34");
    assert_eq!(AGE_BANDS[age_band(200812, 202611)], "0-17");
    assert_eq!(AGE_BANDS[age_band(194611, 202611)], "80+");
}
