//! `Db` itself: migrations, transactions, locking, backup.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::platform::sessions::{self, ThrottleState};
use civicgrid_store::{Backend, Db, StoreError, commit, now_ms, platform::org, raw_execute};

use crate::support::{node, postgres_url};

conformance!(migrations_apply_twice_idempotently, |db: Db| async move {
    // The harness migrated once already; twice more must change nothing.
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    let mut c = db.read().await.unwrap();
    let heads: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_head")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(heads, 1, "the audit head is seeded exactly once");
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let files = std::fs::read_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(db.backend().name()),
    )
    .unwrap()
    .count();
    assert_eq!(applied, files as i64, "every migration is recorded once");
    assert_eq!(org::count(&mut c).await.unwrap(), 0);
});

conformance!(backend_matches_the_url, |db: Db| async move {
    let expected = match db.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(db.backend().name(), expected);
    // The sqlite variant of this test runs on SQLite whatever the environment says.
    if postgres_url().is_none() {
        assert_eq!(db.backend(), Backend::Sqlite);
    }
});

#[tokio::test]
async fn connect_rejects_other_schemes() {
    let err = Db::connect("mysql://root@localhost/x").await.unwrap_err();
    assert!(matches!(err, StoreError::Database(_)), "{err:?}");
}

#[test]
fn now_ms_is_milliseconds_since_the_epoch() {
    let now = now_ms();
    // After 2020-01-01 and before 2100-01-01.
    assert!(now > 1_577_836_800_000 && now < 4_102_444_800_000, "{now}");
}

conformance!(dropped_write_transaction_rolls_back, |db: Db| async move {
    {
        let mut tx = db.begin_write().await.unwrap();
        node(&mut tx, None, NodeKind::City, "GONE").await;
        assert_eq!(org::count(&mut tx).await.unwrap(), 1, "visible inside");
    }
    let mut c = db.read().await.unwrap();
    assert_eq!(org::count(&mut c).await.unwrap(), 0);

    let mut tx = db.begin_write().await.unwrap();
    node(&mut tx, None, NodeKind::City, "KEPT").await;
    commit(tx).await.unwrap();
    assert_eq!(org::count(&mut c).await.unwrap(), 1);
});

conformance!(raw_execute_reports_rows_affected, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    node(&mut tx, None, NodeKind::City, "A").await;
    node(&mut tx, None, NodeKind::City, "B").await;
    let n = raw_execute(&mut tx, "UPDATE org_nodes SET name_en = 'renamed'")
        .await
        .unwrap();
    assert_eq!(n, 2);
    commit(tx).await.unwrap();
    let mut c = db.read().await.unwrap();
    assert_eq!(org::roots(&mut c).await.unwrap()[0].name_en, "renamed");
    let err = raw_execute(&mut c, "SELECT * FROM no_such_table").await;
    assert!(matches!(err, Err(StoreError::Database(_))), "{err:?}");
});

conformance!(backup_sqlite_writes_a_usable_copy, |db: Db| async move {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("backup.sqlite");
    if db.backend() == Backend::Postgres {
        let err = db.backup_sqlite(&dest).await.unwrap_err();
        assert!(matches!(err, StoreError::Database(_)), "{err:?}");
        assert!(!dest.exists());
        return;
    }
    let mut tx = db.begin_write().await.unwrap();
    let city = node(&mut tx, None, NodeKind::City, "WH").await;
    node(&mut tx, Some(&city), NodeKind::District, "WH-JH").await;
    commit(tx).await.unwrap();

    db.backup_sqlite(&dest).await.unwrap();
    assert!(dest.metadata().unwrap().len() > 0);

    // Later writes do not reach the copy.
    let mut tx = db.begin_write().await.unwrap();
    node(&mut tx, None, NodeKind::City, "LATER").await;
    commit(tx).await.unwrap();

    let copy = Db::open_sqlite(&dest).await.unwrap();
    copy.migrate().await.unwrap();
    let mut c = copy.read().await.unwrap();
    assert_eq!(org::count(&mut c).await.unwrap(), 2);
    let subtree = org::subtree(&mut c, &city.path).await.unwrap();
    assert_eq!(
        subtree.iter().map(|n| n.code.as_str()).collect::<Vec<_>>(),
        ["WH", "WH-JH"]
    );
    drop(c);
    copy.close().await;

    // An existing file is never overwritten.
    assert!(db.backup_sqlite(&dest).await.is_err());
});

conformance!(
    begin_write_takes_the_write_lock_up_front,
    |db: Db| async move {
        // A holds a write transaction without having written anything yet. On SQLite,
        // B's begin_write must wait for A to finish: BEGIN IMMEDIATE, not a deferred BEGIN
        // that would let both start and then fail on the lock upgrade.
        let a_finishing = Arc::new(AtomicBool::new(false));
        let mut a = db.begin_write().await.unwrap();
        let b = tokio::spawn({
            let db = db.clone();
            let a_finishing = a_finishing.clone();
            async move {
                let mut b = db.begin_write().await.unwrap();
                let waited = a_finishing.load(Ordering::SeqCst);
                sessions::throttle_put(
                    &mut b,
                    "b",
                    ThrottleState {
                        failures: 1,
                        ..ThrottleState::default()
                    },
                )
                .await
                .unwrap();
                commit(b).await.unwrap();
                waited
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        sessions::throttle_put(
            &mut a,
            "a",
            ThrottleState {
                failures: 1,
                ..ThrottleState::default()
            },
        )
        .await
        .unwrap();
        a_finishing.store(true, Ordering::SeqCst);
        commit(a).await.unwrap();
        let b_waited_for_a = b.await.unwrap();
        if db.backend() == Backend::Sqlite {
            assert!(
                b_waited_for_a,
                "the second write transaction started before the first ended"
            );
        }
        let mut c = db.read().await.unwrap();
        assert_eq!(
            sessions::throttle_get(&mut c, "a").await.unwrap().failures,
            1
        );
        assert_eq!(
            sessions::throttle_get(&mut c, "b").await.unwrap().failures,
            1
        );
    }
);

conformance!(
    concurrent_write_transactions_all_succeed,
    |db: Db| async move {
        // Read-modify-write in many concurrent write transactions. On SQLite each waits for
        // the lock (busy_timeout) and none is lost; on PostgreSQL they must all commit.
        const TASKS: i64 = 12;
        let mut handles = Vec::new();
        for _ in 0..TASKS {
            let db = db.clone();
            handles.push(tokio::spawn(async move {
                let mut tx = db.begin_write().await.unwrap();
                let mut s = sessions::throttle_get(&mut tx, "counter").await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
                s.failures += 1;
                sessions::throttle_put(&mut tx, "counter", s).await.unwrap();
                commit(tx).await.unwrap();
            }));
        }
        for h in handles {
            h.await.unwrap();
        }
        let mut c = db.read().await.unwrap();
        let failures = sessions::throttle_get(&mut c, "counter")
            .await
            .unwrap()
            .failures;
        if db.backend() == Backend::Sqlite {
            assert_eq!(failures, TASKS, "serialised transactions lose no update");
        } else {
            assert!((1..=TASKS).contains(&failures), "{failures}");
        }
    }
);

#[tokio::test]
async fn open_sqlite_accepts_any_directory_name() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "with space",
        "数据目录",
        "hash#1",
        "pct%41",
        "q?mark",
        "semi;colon&amp=1",
    ] {
        let sub = dir.path().join(name);
        std::fs::create_dir(&sub).unwrap();
        let file = sub.join("civicgrid.sqlite");
        let db = Db::open_sqlite(&file)
            .await
            .unwrap_or_else(|e| panic!("open {}: {e}", file.display()));
        db.migrate().await.unwrap();
        db.close().await;
        assert!(file.exists(), "{} was not created", file.display());
        let stray: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| !std::fs::metadata(dir.path().join(n)).unwrap().is_dir())
            .collect();
        assert!(stray.is_empty(), "{name}: stray files {stray:?}");
    }
}
