//! Upgrades of stored data: a database as an older release left it, migrated to now.

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::id_number;
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::search::{SearchFilter, search_residents};
use civicgrid_store::{Db, commit, ledger, ledger::pii};
use sqlx::Executor;

use crate::support::{id_number_taken, node};

// Residents sealed as text (migration 9) open, and are found by every blind index,
// once migration 10 has stored them as bytes.
upgrade!(
    personal_data_sealed_as_text_opens_after_the_binary_migration,
    9,
    |db: Db| async move {
        let keys = FieldKeys::ephemeral();
        let birth = Date::from_ymd_opt(1949, 12, 31).unwrap();
        let id = id_number::compose("110105", birth, 1).unwrap();
        let phone = Phone::parse("13812345678").unwrap();
        let mut tx = db.begin_write().await.unwrap();
        let city = node(&mut tx, None, NodeKind::City, "C").await;
        let grid = node(&mut tx, Some(&city), NodeKind::Grid, "G").await;
        let insert = format!(
            "INSERT INTO residents (grid_id, name, gender, birth_ym, birth_date_enc, id_number_enc, \
         id_number_idx, phone_enc, phone_idx, phone_last4_idx, relation, residence_status, \
         created_at, updated_at) VALUES ({}, '王芳', 'female', 194912, '{}', '{}', '{}', '{}', \
         '{}', '{}', 'head', 'registered', 1, 1)",
            grid.id,
            keys.seal(pii::F_BIRTH_DATE, "1949-12-31"),
            keys.seal(pii::F_ID_NUMBER, id.as_str()),
            keys.blind_index(pii::F_ID_NUMBER, id.as_str()),
            keys.seal(pii::F_PHONE, phone.as_str()),
            keys.blind_index(pii::F_PHONE, phone.as_str()),
            keys.blind_index(pii::F_PHONE_LAST4, "5678"),
        );
        tx.execute(sqlx::AssertSqlSafe(insert)).await.unwrap();
        commit(tx).await.unwrap();

        db.migrate().await.unwrap();

        let mut conn = db.read().await.unwrap();
        let found = ledger::find_resident_by_id_index(&mut conn, &pii::id_number_index(&keys, &id))
            .await
            .unwrap()
            .expect("found by the ID number's index");
        assert_eq!(found.pii.phone_idx, Some(pii::phone_index(&keys, &phone)));
        let opened = pii::open(&keys, &found.pii).unwrap();
        assert_eq!(opened.id_number.as_deref(), Some(id.as_str()));
        assert_eq!(opened.phone.as_deref(), Some("13812345678"));
        assert_eq!(opened.birth_date, "1949-12-31");
        let hits = search_residents(
            &mut conn,
            &SearchFilter {
                phone_last4_idx: Some(pii::phone_last4_index(&keys, "5678")),
                limit: 10,
                ..SearchFilter::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            hits.iter().map(|h| h.id).collect::<Vec<_>>(),
            vec![found.id]
        );
    }
);

// Migration 12 moves the ID numbers' uniqueness to a named index (on SQLite by copying
// the residents table): residents, their ids, their tags and the uniqueness survive,
// and foreign keys are enforced again afterwards.
upgrade!(
    residents_keep_ids_tags_and_unique_id_numbers_through_the_named_index,
    11,
    |db: Db| async move {
        use civicgrid_domain::ledger::person::{Gender, Relation, ResidenceStatus};
        let keys = FieldKeys::ephemeral();
        let birth = Date::from_ymd_opt(1980, 1, 1).unwrap();
        let id = id_number::compose("110105", birth, 3).unwrap();
        let sealed = pii::seal(&keys, Some(&id), None, birth);
        let mut tx = db.begin_write().await.unwrap();
        let city = node(&mut tx, None, NodeKind::City, "C").await;
        let grid = node(&mut tx, Some(&city), NodeKind::Grid, "G").await;
        ledger::ensure_default_catalogue(&mut tx).await.unwrap();
        let fields = ledger::ResidentFields {
            household_id: None,
            grid_id: grid.id,
            name: "王芳",
            gender: Gender::Female,
            relation: Relation::Head,
            status: ResidenceStatus::Registered,
            pii: &sealed,
        };
        let before = ledger::insert_resident(&mut tx, &fields).await.unwrap();
        ledger::set_tags(&mut tx, before.id, &["veteran".to_owned()])
            .await
            .unwrap();
        commit(tx).await.unwrap();

        db.migrate().await.unwrap();

        let mut tx = db.begin_write().await.unwrap();
        let after = ledger::find_resident_by_id_index(&mut tx, &pii::id_number_index(&keys, &id))
            .await
            .unwrap()
            .expect("found by the ID number's index");
        assert_eq!((after.id, after.name.as_str()), (before.id, "王芳"));
        assert_eq!(
            ledger::tags_of(&mut tx, after.id).await.unwrap(),
            vec!["veteran".to_owned()]
        );
        let twice = ledger::insert_resident(&mut tx, &fields).await;
        assert!(id_number_taken(&twice), "{twice:?}");
        drop(tx);
        let mut tx = db.begin_write().await.unwrap();
        let dangling = sqlx::query(
            "INSERT INTO resident_tags (resident_id, tag_code) VALUES (999999, 'veteran')",
        )
        .execute(&mut *tx)
        .await;
        assert!(dangling.is_err(), "a tag of no resident was accepted");
    }
);

// Migration 14 recreates SQLite's name index with a plainer tokenizer and no positions,
// empty; start-up refills it from residents' names, so every name is found as before
// (Chinese, pinyin, Latin and mixed), once each, and a second start-up adds nothing.
upgrade!(
    names_are_found_after_the_name_index_is_recreated,
    13,
    |db: Db| async move {
        use civicgrid_domain::ledger::person::{Gender, Relation, ResidenceStatus};
        use civicgrid_domain::ledger::search::query_terms;
        let keys = FieldKeys::ephemeral();
        let birth = Date::from_ymd_opt(1980, 1, 1).unwrap();
        let sealed = pii::seal(&keys, None, None, birth);
        let mut tx = db.begin_write().await.unwrap();
        let city = node(&mut tx, None, NodeKind::City, "C").await;
        let grid = node(&mut tx, Some(&city), NodeKind::Grid, "G").await;
        let mut ids = Vec::new();
        for name in ["王芳", "John SMITH", "B栋张伟", "Élodie Dupont"] {
            let fields = ledger::ResidentFields {
                household_id: None,
                grid_id: grid.id,
                name,
                gender: Gender::Female,
                relation: Relation::Head,
                status: ResidenceStatus::Registered,
                pii: &sealed,
            };
            ids.push(ledger::insert_resident(&mut tx, &fields).await.unwrap().id);
        }
        commit(tx).await.unwrap();

        for _ in 0..2 {
            db.migrate().await.unwrap();
            let mut conn = db.read().await.unwrap();
            for (query, want) in [
                ("王芳", ids[0]),
                ("wangf", ids[0]),
                ("smith", ids[1]),
                ("JOHN", ids[1]),
                ("b栋", ids[2]),
                ("张伟", ids[2]),
                ("ÉLO", ids[3]),
                ("dupont", ids[3]),
            ] {
                let filter = SearchFilter {
                    name: query_terms(query),
                    limit: 10,
                    ..SearchFilter::default()
                };
                let hits = search_residents(&mut conn, &filter).await.unwrap();
                assert_eq!(
                    hits.iter().map(|h| h.id).collect::<Vec<_>>(),
                    vec![want],
                    "{query}"
                );
            }
        }
    }
);
