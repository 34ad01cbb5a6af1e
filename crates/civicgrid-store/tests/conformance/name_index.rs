//! The name index across loads, renames and removals. On SQLite a held load indexes
//! its new residents itself (`civicgrid_store::ledger::import::postings`) and every later change
//! goes to FTS5; a search sees one index either way.

use civicgrid_domain::ledger::search::QueryTerm;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::import::names::LoadNames;
use civicgrid_store::ledger::import::rows::{self as bulk, NewHousehold};
use civicgrid_store::{Backend, Db, commit, dialect, ledger::search, ledger::search::name_index};

use crate::ledger_bulk::{catalogue_and_grid, resident};

/// A committed grid and one household in it: (grid id, household id).
async fn household(db: &Db) -> (i64, i64) {
    let mut tx = db.begin_write().await.unwrap();
    let g = catalogue_and_grid(&mut tx).await;
    let b = bulk::insert_buildings(&mut tx, &[(g.id, "1".into())])
        .await
        .unwrap();
    let u = bulk::insert_units(&mut tx, &[(b[&(g.id, "1".to_owned())], "1".into())])
        .await
        .unwrap();
    let r = bulk::insert_rooms(&mut tx, &[(*u.values().next().unwrap(), "101".into())])
        .await
        .unwrap();
    let h = bulk::insert_households(
        &mut tx,
        &[NewHousehold {
            room_id: *r.values().next().unwrap(),
            grid_id: g.id,
            ownership: "owner".into(),
            area_centi: None,
        }],
    )
    .await
    .unwrap();
    commit(tx).await.unwrap();
    (g.id, *h.values().next().unwrap())
}

/// Ids of the residents whose names hold every one of `terms` (text, is a prefix).
async fn found(db: &Db, terms: &[(&str, bool)]) -> Vec<i64> {
    let mut conn = db.read().await.unwrap();
    let filter = search::SearchFilter {
        name: terms
            .iter()
            .map(|(text, prefix)| QueryTerm {
                text: (*text).into(),
                prefix: *prefix,
            })
            .collect(),
        limit: 100,
        ..search::SearchFilter::default()
    };
    let mut ids: Vec<i64> = search::search_residents(&mut conn, &filter)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect();
    ids.sort();
    ids
}

conformance!(
    a_loaded_name_index_follows_renames_and_removals,
    |db: Db| async move {
        let keys = FieldKeys::ephemeral();
        let (grid, hh) = household(&db).await;
        // Two held loads, one after the other: four residents each.
        let mut ids = Vec::new();
        for load_no in 0..2u16 {
            let mut load = db.bulk_conn().await.unwrap();
            load.hold().await.unwrap();
            let mut btx = load.begin().await.unwrap();
            let rows = (1..=4)
                .map(|n| resident(&keys, hh, grid, load_no * 10 + n))
                .collect();
            let new = btx.insert_residents(rows, None).await.unwrap();
            // The first two share a name, as an import numbers it.
            let mut names = LoadNames::default();
            let mut named = Vec::new();
            for (n, i) in new.iter().enumerate() {
                let no = match n {
                    1 => 0,
                    _ => names.push(format!("张 zhang{i} l{load_no}")),
                };
                named.push((*i, no));
            }
            btx.index_new_residents(&names, named).await.unwrap();
            btx.commit().await.unwrap();
            load.finish(true).await.unwrap();
            ids.extend(new);
        }
        assert_eq!(found(&db, &[("张", false)]).await, ids);
        assert_eq!(found(&db, &[("zhang", true)]).await, ids);
        assert_eq!(found(&db, &[("zhan", false)]).await, Vec::<i64>::new());
        assert_eq!(found(&db, &[("张", false), ("l1", false)]).await, ids[4..]);
        let shared = format!("zhang{}", ids[4]);
        assert_eq!(found(&db, &[(&shared, true)]).await, ids[4..6]);
        let one = format!("zhang{}", ids[6]);
        assert_eq!(found(&db, &[(&one, true)]).await, vec![ids[6]]);
        let mut conn = db.read().await.unwrap();
        if dialect::backend_of(&conn) == Backend::Sqlite {
            // Each load wrote its own index, FTS5 holds no one, and nothing is left
            // for a start-up to refill.
            let loads: Vec<(i64, i64)> =
                sqlx::query_as("SELECT first_id, last_id FROM resident_name_loads ORDER BY 1")
                    .fetch_all(&mut *conn)
                    .await
                    .unwrap();
            assert_eq!(loads, vec![(ids[0], ids[3]), (ids[4], ids[7])]);
            let in_fts: (i64,) = sqlx::query_as("SELECT count(*) FROM resident_search")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
            assert_eq!(in_fts.0, 0);
            assert!(!name_index::needs_fill(&mut conn).await.unwrap());
        }
        drop(conn);

        // One renamed, one removed, one re-indexed by a load that is not held.
        let mut tx = db.begin_write().await.unwrap();
        search::index_resident(&mut tx, ids[0], "王 wang l0")
            .await
            .unwrap();
        search::unindex_resident(&mut tx, ids[1]).await.unwrap();
        commit(tx).await.unwrap();
        let mut load = db.bulk_conn().await.unwrap();
        let mut btx = load.begin().await.unwrap();
        btx.index_residents(vec![(ids[4], "李 li".into())], true)
            .await
            .unwrap();
        btx.commit().await.unwrap();
        load.finish(false).await.unwrap();

        let still = vec![ids[2], ids[3], ids[5], ids[6], ids[7]];
        assert_eq!(found(&db, &[("张", false)]).await, still);
        assert_eq!(found(&db, &[("zhang", true)]).await, still);
        assert_eq!(found(&db, &[("王", false)]).await, vec![ids[0]]);
        assert_eq!(
            found(&db, &[("l0", false)]).await,
            vec![ids[0], ids[2], ids[3]]
        );
        assert_eq!(
            found(&db, &[("wang", true), ("l0", false)]).await,
            vec![ids[0]]
        );
        assert_eq!(found(&db, &[("li", true)]).await, vec![ids[4]]);
        assert_eq!(found(&db, &[("l1", false)]).await, ids[5..]);
    }
);

// A held load commits part-way (a release, as when a grid is created) and indexes the
// rest of its names at the end (on SQLite in its own index, the residents before the
// release in FTS5): every resident is found by name, and FTS5 stays sound.
conformance!(
    a_held_load_finds_every_name_across_a_release,
    |db: Db| async move {
        let keys = FieldKeys::ephemeral();
        let (grid, hh) = household(&db).await;
        let mut load = db.bulk_conn().await.unwrap();
        load.hold().await.unwrap();
        let mut ids = Vec::new();
        let mut names = LoadNames::default();
        for (chunk, numbers) in [(0, 1..=3u16), (1, 4..=6), (2, 7..=9)] {
            if chunk == 1 {
                load.release().await.unwrap();
            }
            let mut btx = load.begin().await.unwrap();
            let rows = numbers.map(|n| resident(&keys, hh, grid, n)).collect();
            let new = btx.insert_residents(rows, None).await.unwrap();
            let named = new
                .iter()
                .map(|i| (*i, names.push(format!("张 r{i} c{chunk}"))))
                .collect();
            btx.index_new_residents(&names, named).await.unwrap();
            btx.commit().await.unwrap();
            ids.extend(new);
        }
        load.finish(true).await.unwrap();

        assert_eq!(found(&db, &[("张", false)]).await, ids);
        for id in &ids {
            assert_eq!(found(&db, &[(&format!("r{id}"), false)]).await, vec![*id]);
        }
        assert_eq!(found(&db, &[("c0", false)]).await, ids[..3].to_vec());
        assert_eq!(found(&db, &[("c2", false)]).await, ids[6..].to_vec());
        let mut tx = db.begin_write().await.unwrap();
        if dialect::backend_of(&tx) == Backend::Sqlite {
            sqlx::raw_sql("INSERT INTO resident_search(resident_search) VALUES('integrity-check')")
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        commit(tx).await.unwrap();
    }
);
