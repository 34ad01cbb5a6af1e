//! Import jobs: created running, progress with a heartbeat, finished or failed once.

use civicgrid_store::{Db, commit, ledger::import::jobs};

conformance!(job_lifecycle, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let a = jobs::create(&mut tx, None, "a.csv", false, true)
        .await
        .unwrap();
    let b = jobs::create(&mut tx, None, "b.xlsx", true, false)
        .await
        .unwrap();
    jobs::progress(&mut tx, a, 40, 100).await.unwrap();
    commit(tx).await.unwrap();

    let mut conn = db.read().await.unwrap();
    let got = jobs::get(&mut conn, a).await.unwrap();
    assert_eq!(got.status, "running");
    assert_eq!((got.done_units, got.total_units), (40, 100));
    assert!(got.create_missing && !got.dry_run);
    assert!(got.heartbeat_at >= got.started_at);
    assert!(jobs::get(&mut conn, b).await.unwrap().dry_run);
    assert!(matches!(
        jobs::get(&mut conn, 9_999).await,
        Err(civicgrid_store::StoreError::NotFound)
    ));
    drop(conn);

    let mut tx = db.begin_write().await.unwrap();
    jobs::finish(&mut tx, a, r#"{"inserted":3}"#).await.unwrap();
    jobs::fail(&mut tx, b, "file: no name column")
        .await
        .unwrap();
    // An ended job stays as it ended.
    jobs::fail(&mut tx, a, "late").await.unwrap();
    jobs::progress(&mut tx, a, 1, 1).await.unwrap();
    commit(tx).await.unwrap();

    let mut conn = db.read().await.unwrap();
    let a = jobs::get(&mut conn, a).await.unwrap();
    assert_eq!(a.status, "done");
    assert_eq!((a.done_units, a.total_units), (100, 100));
    assert_eq!(a.summary.as_deref(), Some(r#"{"inserted":3}"#));
    assert!(a.error.is_none() && a.finished_at.is_some());
    let b = jobs::get(&mut conn, b).await.unwrap();
    assert_eq!(b.status, "failed");
    assert_eq!(b.error.as_deref(), Some("file: no name column"));
});

conformance!(jobs_listed_per_user_newest_first, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let user =
        civicgrid_store::platform::accounts::insert_user(&mut tx, "importer", "Importer", "hash")
            .await
            .unwrap()
            .id;
    let first = jobs::create(&mut tx, Some(user), "1.csv", false, false)
        .await
        .unwrap();
    let second = jobs::create(&mut tx, Some(user), "2.csv", false, false)
        .await
        .unwrap();
    jobs::create(&mut tx, None, "other.csv", false, false)
        .await
        .unwrap();
    commit(tx).await.unwrap();
    let mut conn = db.read().await.unwrap();
    let ids: Vec<i64> = jobs::list_for_user(&mut conn, user, 10)
        .await
        .unwrap()
        .iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(ids, vec![second, first]);
    assert_eq!(
        jobs::list_for_user(&mut conn, user, 1).await.unwrap().len(),
        1
    );
});

conformance!(
    rejects_are_kept_apart_until_they_expire,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let a = jobs::create(&mut tx, None, "a.csv", false, false)
            .await
            .unwrap();
        let b = jobs::create(&mut tx, None, "b.csv", false, false)
            .await
            .unwrap();
        let c = jobs::create(&mut tx, None, "c.csv", false, false)
            .await
            .unwrap();
        jobs::finish(&mut tx, a, "{}").await.unwrap();
        let keep = |expires_at, preview_enc, file_enc| jobs::NewRejects {
            expires_at,
            kept_rows: 2,
            preview_enc,
            file_enc,
        };
        jobs::put_rejects(&mut tx, a, &keep(1_000, "preview-a", "file-a"))
            .await
            .unwrap();
        // Kept once: a second call leaves the first.
        jobs::put_rejects(&mut tx, a, &keep(9_000, "other", "other"))
            .await
            .unwrap();
        jobs::put_rejects(&mut tx, b, &keep(2_000, "preview-b", "file-b"))
            .await
            .unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        assert_eq!(
            jobs::rejects_preview(&mut conn, a, 999).await.unwrap(),
            Some("preview-a".to_owned())
        );
        assert_eq!(
            jobs::rejects_file(&mut conn, a, 999).await.unwrap(),
            Some(("file-a".to_owned(), 2))
        );
        // Expired is as good as gone, deleted or not.
        assert_eq!(
            jobs::rejects_preview(&mut conn, a, 1_000).await.unwrap(),
            None
        );
        assert_eq!(jobs::rejects_file(&mut conn, a, 1_000).await.unwrap(), None);
        assert_eq!(jobs::rejects_file(&mut conn, c, 0).await.unwrap(), None);
        // The job itself does not carry them.
        assert_eq!(
            jobs::get(&mut conn, a).await.unwrap().summary.as_deref(),
            Some("{}")
        );
        drop(conn);

        let mut tx = db.begin_write().await.unwrap();
        assert_eq!(
            jobs::delete_expired_rejects(&mut tx, 1_500).await.unwrap(),
            1
        );
        assert_eq!(
            jobs::delete_expired_rejects(&mut tx, 1_500).await.unwrap(),
            0
        );
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        assert_eq!(jobs::rejects_file(&mut conn, a, 0).await.unwrap(), None);
        assert_eq!(
            jobs::rejects_preview(&mut conn, b, 1_500).await.unwrap(),
            Some("preview-b".to_owned())
        );
    }
);
