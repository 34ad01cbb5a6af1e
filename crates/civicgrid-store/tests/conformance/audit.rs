//! The hash-chained audit log.

use civicgrid_domain::platform::audit::{
    AuditFields, ChainBreak, GENESIS_HASH, StoredEntry, chain_hash,
};
use civicgrid_store::platform::audit::{self, AuditFilter, Verification};
use civicgrid_store::{Db, commit, raw_execute};

use crate::support::audit_fields;

fn seqs(entries: &[StoredEntry]) -> Vec<i64> {
    entries.iter().map(|e| e.seq).collect()
}

async fn append_committed(db: &Db, fields: &[AuditFields]) -> Vec<i64> {
    let mut tx = db.begin_write().await.unwrap();
    let mut out = Vec::new();
    for f in fields {
        out.push(audit::append(&mut tx, f).await.unwrap());
    }
    commit(tx).await.unwrap();
    out
}

async fn three_entries(db: &Db) {
    append_committed(
        db,
        &[
            audit_fields("org.node.create", Some("/1/"), Some(1), ("org_node", "1")),
            audit_fields("org.node.update", Some("/1/2/"), Some(1), ("org_node", "2")),
            audit_fields("user.create", None, None, ("user", "9")),
        ],
    )
    .await;
}

async fn verify(db: &Db) -> Verification {
    let mut c = db.read().await.unwrap();
    audit::verify(&mut c).await.unwrap()
}

async fn tamper(db: &Db, sql: &'static str) {
    let mut c = db.read().await.unwrap();
    assert_eq!(raw_execute(&mut c, sql).await.unwrap(), 1, "{sql}");
}

conformance!(
    audit_append_links_the_chain_from_genesis,
    |db: Db| async move {
        assert_eq!(
            verify(&db).await,
            Verification {
                checked: 0,
                head_seq: 0,
                first_break: None
            },
            "an empty log is intact"
        );
        let mut full = audit_fields("privacy.unmask", Some("/1/4/"), Some(3), ("resident", "77"));
        full.actor_token_id = Some(5);
        full.reason = Some("核实低保资格 / welfare check".to_owned());
        full.details = r#"{"fields":["id_number"],"note":"引号\"和换行\n"}"#.to_owned();
        let written = vec![
            audit_fields("org.node.create", Some("/1/"), Some(1), ("org_node", "1")),
            full,
            audit_fields("system.backup", None, None, ("system", "backup")),
        ];
        assert_eq!(append_committed(&db, &written).await, [1, 2, 3]);

        let mut c = db.read().await.unwrap();
        let mut entries = audit::list(&mut c, &AuditFilter::default(), 100)
            .await
            .unwrap();
        assert_eq!(seqs(&entries), [3, 2, 1], "newest first");
        entries.reverse();
        let mut prev = GENESIS_HASH.to_owned();
        for (e, f) in entries.iter().zip(&written) {
            assert_eq!(&e.fields, f, "fields come back as written");
            assert_eq!(e.prev_hash, prev);
            assert_eq!(e.hash, chain_hash(&prev, e.seq, f));
            prev = e.hash.clone();
        }
        assert_eq!(
            audit::verify(&mut c).await.unwrap(),
            Verification {
                checked: 3,
                head_seq: 3,
                first_break: None
            }
        );
    }
);

conformance!(
    audit_rollback_leaves_no_entry_and_no_gap,
    |db: Db| async move {
        let a = audit_fields("a", None, None, ("t", "1"));
        assert_eq!(append_committed(&db, std::slice::from_ref(&a)).await, [1]);
        {
            let mut tx = db.begin_write().await.unwrap();
            assert_eq!(audit::append(&mut tx, &a).await.unwrap(), 2);
            assert_eq!(audit::append(&mut tx, &a).await.unwrap(), 3);
            // Dropped without commit.
        }
        let mut tx = db.begin_write().await.unwrap();
        assert_eq!(audit::append(&mut tx, &a).await.unwrap(), 2);
        tx.rollback().await.unwrap();

        let mut c = db.read().await.unwrap();
        assert_eq!(
            seqs(
                &audit::list(&mut c, &AuditFilter::default(), 100)
                    .await
                    .unwrap()
            ),
            [1]
        );
        assert_eq!(verify(&db).await.head_seq, 1);
        assert_eq!(append_committed(&db, &[a.clone(), a]).await, [2, 3]);
        assert_eq!(
            verify(&db).await,
            Verification {
                checked: 3,
                head_seq: 3,
                first_break: None
            }
        );
    }
);

conformance!(audit_list_filters, |db: Db| async move {
    append_committed(
        &db,
        &[
            audit_fields("create", Some("/1/4/"), Some(7), ("org_node", "4")),
            audit_fields("create", Some("/1/40/"), Some(8), ("org_node", "40")),
            audit_fields("create", Some("/1/4/42/"), Some(7), ("user", "42")),
            audit_fields("backup", None, None, ("system", "backup")),
            audit_fields("update", Some("/1/"), Some(8), ("org_node", "4")),
            audit_fields("update", Some("/2/4/"), Some(7), ("org_node", "4")),
        ],
    )
    .await;
    let mut c = db.read().await.unwrap();
    let mut list =
        async |f: AuditFilter, limit: i64| seqs(&audit::list(&mut c, &f, limit).await.unwrap());
    let scope = |s: &str| AuditFilter {
        scope: Some(s.to_owned()),
        ..AuditFilter::default()
    };
    assert_eq!(list(AuditFilter::default(), 100).await, [6, 5, 4, 3, 2, 1]);

    assert_eq!(list(scope("/1/4/"), 100).await, [3, 1], "not /1/40/");
    assert_eq!(list(scope("/1/40/"), 100).await, [2]);
    assert_eq!(list(scope("/1/"), 100).await, [5, 3, 2, 1]);
    assert_eq!(list(scope("/3/"), 100).await, Vec::<i64>::new());

    let target_type = AuditFilter {
        target_type: Some("org_node".into()),
        ..AuditFilter::default()
    };
    assert_eq!(list(target_type.clone(), 100).await, [6, 5, 2, 1]);
    let target = AuditFilter {
        target_id: Some("4".into()),
        ..target_type
    };
    assert_eq!(list(target, 100).await, [6, 5, 1]);
    let target_id_only = AuditFilter {
        target_id: Some("backup".into()),
        ..AuditFilter::default()
    };
    assert_eq!(list(target_id_only, 100).await, [4]);

    let actor = |id: i64| AuditFilter {
        actor_user_id: Some(id),
        ..AuditFilter::default()
    };
    assert_eq!(list(actor(7), 100).await, [6, 3, 1]);
    assert_eq!(list(actor(8), 100).await, [5, 2]);
    assert_eq!(list(actor(9), 100).await, Vec::<i64>::new());

    let before = |seq: i64| AuditFilter {
        before_seq: Some(seq),
        ..AuditFilter::default()
    };
    assert_eq!(list(before(4), 100).await, [3, 2, 1]);
    assert_eq!(list(before(1), 100).await, Vec::<i64>::new());

    assert_eq!(list(AuditFilter::default(), 2).await, [6, 5], "limit");
    assert_eq!(list(before(5), 2).await, [4, 3], "paging backwards");
    assert_eq!(list(AuditFilter::default(), 0).await, Vec::<i64>::new());

    let combined = AuditFilter {
        scope: Some("/1/".into()),
        actor_user_id: Some(8),
        before_seq: Some(5),
        ..AuditFilter::default()
    };
    assert_eq!(list(combined, 100).await, [2]);
});

conformance!(audit_verify_detects_an_edited_row, |db: Db| async move {
    three_entries(&db).await;
    tamper(
        &db,
        "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 2",
    )
    .await;
    let v = verify(&db).await;
    assert_eq!(v.first_break, Some(ChainBreak::Content { seq: 2 }));
    assert_eq!(v.checked, 1);
    assert_eq!(v.head_seq, 3);
});

conformance!(audit_verify_detects_an_edited_link, |db: Db| async move {
    three_entries(&db).await;
    tamper(&db, "UPDATE audit_log SET prev_hash = hash WHERE seq = 3").await;
    assert_eq!(
        verify(&db).await.first_break,
        Some(ChainBreak::Link { seq: 3 })
    );
});

conformance!(
    audit_verify_detects_a_deleted_middle_row,
    |db: Db| async move {
        three_entries(&db).await;
        tamper(&db, "DELETE FROM audit_log WHERE seq = 2").await;
        let v = verify(&db).await;
        assert_eq!(
            v.first_break,
            Some(ChainBreak::Gap {
                expected_seq: 2,
                found_seq: 3
            })
        );
        assert_eq!(v.checked, 1);
    }
);

conformance!(
    audit_verify_detects_a_deleted_first_row,
    |db: Db| async move {
        three_entries(&db).await;
        tamper(&db, "DELETE FROM audit_log WHERE seq = 1").await;
        assert_eq!(
            verify(&db).await.first_break,
            Some(ChainBreak::Gap {
                expected_seq: 1,
                found_seq: 2
            })
        );
    }
);

conformance!(
    audit_verify_detects_a_deleted_last_row,
    |db: Db| async move {
        three_entries(&db).await;
        tamper(&db, "DELETE FROM audit_log WHERE seq = 3").await;
        let v = verify(&db).await;
        // Every remaining link holds; only the head, which says 3, shows the loss.
        assert_eq!(v.checked, 2);
        assert_eq!(v.head_seq, 3);
        assert!(
            matches!(
                v.first_break,
                Some(ChainBreak::Truncated {
                    last_seq: 2,
                    head_seq: 3
                })
            ),
            "{v:?}"
        );
    }
);

conformance!(audit_verify_detects_a_tampered_head, |db: Db| async move {
    three_entries(&db).await;
    tamper(
        &db,
        "UPDATE audit_head SET hash = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'",
    )
    .await;
    let v = verify(&db).await;
    assert_eq!(v.checked, 3);
    assert_eq!(v.first_break, Some(ChainBreak::Link { seq: 3 }));
});

conformance!(
    audit_concurrent_appends_make_a_gap_free_chain,
    |db: Db| async move {
        const TASKS: i64 = 6;
        const EACH: i64 = 12;
        let mut handles = Vec::new();
        for task in 0..TASKS {
            let db = db.clone();
            handles.push(tokio::spawn(async move {
                let mut committed = 0;
                for i in 0..EACH {
                    let mut tx = db.begin_write().await.unwrap();
                    let f = audit_fields(
                        "concurrent",
                        Some("/1/"),
                        Some(task),
                        ("task", &format!("{task}-{i}")),
                    );
                    audit::append(&mut tx, &f).await.unwrap();
                    tokio::task::yield_now().await;
                    if i % 4 == 3 {
                        tx.rollback().await.unwrap();
                    } else {
                        commit(tx).await.unwrap();
                        committed += 1;
                    }
                }
                committed
            }));
        }
        let mut committed = 0;
        for h in handles {
            committed += h.await.unwrap();
        }
        assert_eq!(committed, TASKS * EACH * 3 / 4);

        let v = verify(&db).await;
        assert_eq!(
            v,
            Verification {
                checked: committed as u64,
                head_seq: committed,
                first_break: None
            }
        );
        let mut c = db.read().await.unwrap();
        let all = audit::list(&mut c, &AuditFilter::default(), 1000)
            .await
            .unwrap();
        assert_eq!(seqs(&all), (1..=committed).rev().collect::<Vec<_>>());
        for task in 0..TASKS {
            let mine = AuditFilter {
                actor_user_id: Some(task),
                ..AuditFilter::default()
            };
            let n = audit::list(&mut c, &mine, 1000).await.unwrap().len() as i64;
            assert_eq!(n, EACH * 3 / 4, "task {task}");
        }
    }
);

conformance!(audit_append_many_chains_in_order, |db: Db| async move {
    append_committed(
        &db,
        &[audit_fields(
            "org.node.create",
            Some("/1/"),
            Some(1),
            ("org_node", "1"),
        )],
    )
    .await;
    let batch = [
        audit_fields("request.submit", Some("/1/2/"), None, ("request", "1")),
        audit_fields("request.submit", Some("/1/2/"), None, ("request", "2")),
        audit_fields("request.submit", Some("/1/3/"), None, ("request", "3")),
    ];
    let mut tx = db.begin_write().await.unwrap();
    assert_eq!(
        audit::append_many(&mut tx, &batch).await.unwrap(),
        vec![2, 3, 4]
    );
    assert!(audit::append_many(&mut tx, &[]).await.unwrap().is_empty());
    commit(tx).await.unwrap();
    // A single append after the batch continues the chain.
    append_committed(
        &db,
        &[audit_fields("user.create", None, None, ("user", "9"))],
    )
    .await;
    assert_eq!(
        verify(&db).await,
        Verification {
            checked: 5,
            head_seq: 5,
            first_break: None
        }
    );
});
