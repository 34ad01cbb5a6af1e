//! Browser sessions and login throttling.

use civicgrid_store::platform::sessions::{self, Session, ThrottleState};
use civicgrid_store::{AnyConnection, Db, StoreError, Unique, commit, platform::accounts};

use crate::support::{HOUR, MINUTE, T0};

async fn user(conn: &mut AnyConnection, name: &str) -> i64 {
    accounts::insert_user(conn, name, name, "h")
        .await
        .unwrap()
        .id
}

/// A session of `user` under the token hash `hash` (its device named the same), alive
/// from `from` until `until`.
async fn session(
    conn: &mut AnyConnection,
    hash: &str,
    user: i64,
    (from, until): (i64, i64),
) -> Session {
    sessions::insert(conn, hash, user, from, until, hash)
        .await
        .unwrap()
}

/// A session as [`session`] makes it, revoked at `at`.
async fn revoked_session(
    conn: &mut AnyConnection,
    hash: &str,
    user: i64,
    alive: (i64, i64),
    at: i64,
) -> Session {
    let s = session(conn, hash, user, alive).await;
    sessions::revoke(conn, s.id, at).await.unwrap();
    s
}

fn ids(sessions: &[Session]) -> Vec<i64> {
    sessions.iter().map(|s| s.id).collect()
}

conformance!(sessions_insert_find_touch_revoke, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let u = user(&mut tx, "u").await;
    let s = sessions::insert(&mut tx, "hash-1", u, T0, T0 + HOUR, "Firefox 128")
        .await
        .unwrap();
    commit(tx).await.unwrap();
    assert_eq!(s.user_id, u);
    assert_eq!(s.created_at, T0);
    assert_eq!(s.last_seen_at, T0);
    assert_eq!(s.expires_at, T0 + HOUR);
    assert_eq!(s.revoked_at, None);
    assert_eq!(s.user_agent, "Firefox 128");

    let mut c = db.read().await.unwrap();
    assert_eq!(sessions::get(&mut c, s.id).await.unwrap(), s);
    assert!(matches!(
        sessions::get(&mut c, 999_999).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        sessions::find_live(&mut c, "hash-1", T0 + 1).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        sessions::find_live(&mut c, "hash-1", T0 + HOUR)
            .await
            .unwrap(),
        None,
        "expired at its expiry instant"
    );
    assert_eq!(
        sessions::find_live(&mut c, "other", T0).await.unwrap(),
        None
    );

    let mut tx = db.begin_write().await.unwrap();
    sessions::touch(&mut tx, s.id, T0 + 30 * MINUTE, T0 + 2 * HOUR)
        .await
        .unwrap();
    commit(tx).await.unwrap();
    let touched = sessions::find_live(&mut c, "hash-1", T0 + HOUR + 1)
        .await
        .unwrap()
        .expect("the touch extended the session");
    assert_eq!(touched.last_seen_at, T0 + 30 * MINUTE);
    assert_eq!(touched.expires_at, T0 + 2 * HOUR);
    assert_eq!(touched.created_at, T0);

    let mut tx = db.begin_write().await.unwrap();
    sessions::revoke(&mut tx, s.id, T0 + 40 * MINUTE)
        .await
        .unwrap();
    assert!(matches!(
        sessions::revoke(&mut tx, s.id, T0 + 41 * MINUTE).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        sessions::revoke(&mut tx, 999_999, T0).await,
        Err(StoreError::NotFound)
    ));
    commit(tx).await.unwrap();
    assert_eq!(
        sessions::find_live(&mut c, "hash-1", T0 + 41 * MINUTE)
            .await
            .unwrap(),
        None,
        "revoked sessions are not live"
    );
    assert_eq!(
        sessions::get(&mut c, s.id).await.unwrap().revoked_at,
        Some(T0 + 40 * MINUTE),
        "the first revocation time stays"
    );
});

conformance!(
    sessions_duplicate_token_hash_is_a_conflict,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let u = user(&mut tx, "u").await;
        session(&mut tx, "same", u, (T0, T0 + HOUR)).await;
        let err = sessions::insert(&mut tx, "same", u, T0, T0 + HOUR, "")
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(Unique::SessionToken)),
            "{err:?}"
        );
    }
);

conformance!(
    sessions_of_a_user_live_and_revoke_all,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let u = user(&mut tx, "u").await;
        let other = user(&mut tx, "other").await;
        let a = session(&mut tx, "a", u, (T0, T0 + HOUR)).await;
        let b = session(&mut tx, "b", u, (T0 + MINUTE, T0 + HOUR)).await;
        let short = session(&mut tx, "c", u, (T0 + 2 * MINUTE, T0 + 3 * MINUTE)).await;
        let revoked = revoked_session(
            &mut tx,
            "d",
            u,
            (T0 + 2 * MINUTE, T0 + HOUR),
            T0 + 2 * MINUTE,
        )
        .await;
        let theirs = session(&mut tx, "e", other, (T0, T0 + HOUR)).await;
        commit(tx).await.unwrap();

        let mut c = db.read().await.unwrap();
        let now = T0 + 150_000;
        assert_eq!(
            ids(&sessions::live_of_user(&mut c, u, now).await.unwrap()),
            [short.id, b.id, a.id],
            "newest first, revoked left out"
        );
        assert_eq!(
            ids(&sessions::live_of_user(&mut c, u, T0 + 5 * MINUTE)
                .await
                .unwrap()),
            [b.id, a.id],
            "expired left out"
        );
        assert!(
            sessions::live_of_user(&mut c, 999_999, now)
                .await
                .unwrap()
                .is_empty()
        );

        let mut tx = db.begin_write().await.unwrap();
        assert_eq!(
            sessions::revoke_all_of_user(&mut tx, u, now).await.unwrap(),
            3
        );
        assert_eq!(
            sessions::revoke_all_of_user(&mut tx, u, now).await.unwrap(),
            0
        );
        commit(tx).await.unwrap();
        assert!(
            sessions::live_of_user(&mut c, u, now)
                .await
                .unwrap()
                .is_empty()
        );
        for s in [&a, &b, &short] {
            assert_eq!(
                sessions::get(&mut c, s.id).await.unwrap().revoked_at,
                Some(now)
            );
        }
        assert_eq!(
            sessions::get(&mut c, revoked.id).await.unwrap().revoked_at,
            Some(T0 + 2 * MINUTE)
        );
        assert_eq!(
            ids(&sessions::live_of_user(&mut c, other, now).await.unwrap()),
            [theirs.id],
            "other users keep their sessions"
        );
    }
);

conformance!(sessions_purge_deletes_only_dead_ones, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let u = user(&mut tx, "u").await;
    let ten_hours = (T0, T0 + 10 * HOUR);
    let expired = session(&mut tx, "p1", u, (T0, T0 + MINUTE)).await;
    let revoked_early = revoked_session(&mut tx, "p2", u, ten_hours, T0 + 2 * MINUTE).await;
    let live = session(&mut tx, "p3", u, ten_hours).await;
    let revoked_late = revoked_session(&mut tx, "p4", u, ten_hours, T0 + 20 * MINUTE).await;
    let expires_later = session(&mut tx, "p5", u, (T0, T0 + 30 * MINUTE)).await;
    commit(tx).await.unwrap();

    let mut tx = db.begin_write().await.unwrap();
    assert_eq!(sessions::purge(&mut tx, T0 + 5 * MINUTE).await.unwrap(), 2);
    assert_eq!(sessions::purge(&mut tx, T0 + 5 * MINUTE).await.unwrap(), 0);
    commit(tx).await.unwrap();

    let mut c = db.read().await.unwrap();
    for gone in [&expired, &revoked_early] {
        assert!(matches!(
            sessions::get(&mut c, gone.id).await,
            Err(StoreError::NotFound)
        ));
    }
    for kept in [&live, &revoked_late, &expires_later] {
        assert!(sessions::get(&mut c, kept.id).await.is_ok());
    }
});

conformance!(throttle_get_put_clear, |db: Db| async move {
    let mut c = db.read().await.unwrap();
    assert_eq!(
        sessions::throttle_get(&mut c, "user:alice").await.unwrap(),
        ThrottleState::default()
    );
    drop(c);

    let first = ThrottleState {
        failures: 1,
        window_start: T0,
        locked_until: 0,
    };
    let second = ThrottleState {
        failures: 5,
        window_start: T0,
        locked_until: T0 + 15 * MINUTE,
    };
    let ip = ThrottleState {
        failures: 2,
        window_start: T0 + 1,
        locked_until: 0,
    };
    let mut tx = db.begin_write().await.unwrap();
    sessions::throttle_put(&mut tx, "user:alice", first)
        .await
        .unwrap();
    sessions::throttle_put(&mut tx, "ip:192.0.2.1", ip)
        .await
        .unwrap();
    assert_eq!(
        sessions::throttle_get(&mut tx, "user:alice").await.unwrap(),
        first
    );
    sessions::throttle_put(&mut tx, "user:alice", second)
        .await
        .unwrap();
    commit(tx).await.unwrap();

    let mut c = db.read().await.unwrap();
    assert_eq!(
        sessions::throttle_get(&mut c, "user:alice").await.unwrap(),
        second,
        "put replaces"
    );
    assert_eq!(
        sessions::throttle_get(&mut c, "ip:192.0.2.1")
            .await
            .unwrap(),
        ip
    );
    drop(c);

    let mut tx = db.begin_write().await.unwrap();
    sessions::throttle_clear(&mut tx, "user:alice")
        .await
        .unwrap();
    sessions::throttle_clear(&mut tx, "user:nobody")
        .await
        .unwrap();
    commit(tx).await.unwrap();
    let mut c = db.read().await.unwrap();
    assert_eq!(
        sessions::throttle_get(&mut c, "user:alice").await.unwrap(),
        ThrottleState::default()
    );
    assert_eq!(
        sessions::throttle_get(&mut c, "ip:192.0.2.1")
            .await
            .unwrap(),
        ip,
        "clear touches one key"
    );
});

conformance!(
    throttle_fail_counts_atomically_and_windows,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let a = sessions::throttle_fail(&mut tx, "ip:x", 1_000, 60_000)
            .await
            .unwrap();
        assert_eq!((a.failures, a.window_start, a.locked_until), (1, 1_000, 0));
        let b = sessions::throttle_fail(&mut tx, "ip:x", 2_000, 60_000)
            .await
            .unwrap();
        assert_eq!((b.failures, b.window_start), (2, 1_000));
        sessions::throttle_lock(&mut tx, "ip:x", 90_000)
            .await
            .unwrap();
        sessions::throttle_lock(&mut tx, "ip:x", 50_000)
            .await
            .unwrap();
        assert_eq!(
            sessions::throttle_get(&mut tx, "ip:x")
                .await
                .unwrap()
                .locked_until,
            90_000
        );
        // A failure after the window starts a new one.
        let c = sessions::throttle_fail(&mut tx, "ip:x", 100_000, 60_000)
            .await
            .unwrap();
        assert_eq!(
            (c.failures, c.window_start, c.locked_until),
            (1, 100_000, 90_000)
        );
        civicgrid_store::commit(tx).await.unwrap();
    }
);

conformance!(
    throttle_begin_counts_unless_locked_and_windows,
    |db: Db| async move {
        let window = 60_000;
        let mut tx = db.begin_write().await.unwrap();
        let a = sessions::throttle_begin(&mut tx, "user:a", 1_000, window)
            .await
            .unwrap();
        assert_eq!((a.failures, a.window_start, a.locked_until), (1, 1_000, 0));
        let b = sessions::throttle_begin(&mut tx, "user:a", 2_000, window)
            .await
            .unwrap();
        assert_eq!((b.failures, b.window_start, b.locked_until), (2, 1_000, 0));
        sessions::throttle_lock(&mut tx, "user:a", 10_000)
            .await
            .unwrap();
        // While locked, an attempt is refused and not counted.
        let c = sessions::throttle_begin(&mut tx, "user:a", 5_000, window)
            .await
            .unwrap();
        assert_eq!(
            (c.failures, c.window_start, c.locked_until),
            (2, 1_000, 10_000)
        );
        // At the end of the wait it counts again.
        let d = sessions::throttle_begin(&mut tx, "user:a", 10_000, window)
            .await
            .unwrap();
        assert_eq!((d.failures, d.locked_until), (3, 10_000));
        // A window over starts afresh.
        let e = sessions::throttle_begin(&mut tx, "user:a", 100_000, window)
            .await
            .unwrap();
        assert_eq!(
            (e.failures, e.window_start, e.locked_until),
            (1, 100_000, 10_000)
        );
        // A success takes its attempt back, never below zero; other keys untouched.
        sessions::throttle_begin(&mut tx, "ip:x", 100_000, window)
            .await
            .unwrap();
        sessions::throttle_forgive(&mut tx, "user:a").await.unwrap();
        sessions::throttle_forgive(&mut tx, "user:a").await.unwrap();
        sessions::throttle_forgive(&mut tx, "user:nobody")
            .await
            .unwrap();
        assert_eq!(
            sessions::throttle_get(&mut tx, "user:a").await.unwrap(),
            ThrottleState {
                failures: 0,
                window_start: 100_000,
                locked_until: 10_000
            }
        );
        assert_eq!(
            sessions::throttle_get(&mut tx, "user:nobody")
                .await
                .unwrap(),
            ThrottleState::default()
        );
        assert_eq!(
            sessions::throttle_get(&mut tx, "ip:x")
                .await
                .unwrap()
                .failures,
            1
        );
        commit(tx).await.unwrap();
    }
);

conformance!(
    throttle_begin_admits_no_more_than_the_limit_in_parallel,
    |db: Db| async move {
        // As sign-in does: each attempt begins in its own write transaction, and the one
        // reaching the limit locks the key before it commits. However many run at once,
        // exactly LIMIT get through, and every count is handed out once.
        const TASKS: usize = 24;
        const LIMIT: i64 = 3;
        let now = T0;
        let mut handles = Vec::new();
        for _ in 0..TASKS {
            let db = db.clone();
            handles.push(tokio::spawn(async move {
                let mut tx = db.begin_write().await.unwrap();
                let s = sessions::throttle_begin(&mut tx, "user:victim", now, 15 * MINUTE)
                    .await
                    .unwrap();
                if s.locked_until > now {
                    return None;
                }
                if s.failures >= LIMIT {
                    sessions::throttle_lock(&mut tx, "user:victim", now + MINUTE)
                        .await
                        .unwrap();
                }
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                commit(tx).await.unwrap();
                Some(s.failures)
            }));
        }
        let mut admitted = Vec::new();
        for h in handles {
            if let Some(n) = h.await.unwrap() {
                admitted.push(n);
            }
        }
        admitted.sort_unstable();
        assert_eq!(admitted, (1..=LIMIT).collect::<Vec<_>>());
        let mut c = db.read().await.unwrap();
        assert_eq!(
            sessions::throttle_get(&mut c, "user:victim").await.unwrap(),
            ThrottleState {
                failures: LIMIT,
                window_start: now,
                locked_until: now + MINUTE
            }
        );
    }
);
