//! Commitments: stored and changed only at their version, listed by place, vote and
//! owner; milestones ticked and unticked; updates with photos; requests linked once;
//! spending lines and the history in time order.

use chrono::NaiveDate;
use civicgrid_domain::participation::commitments::{Milestone, Spending, State};
use civicgrid_domain::requests::ResponderKind;
use civicgrid_store::participation::commitments::{self as repo, CommitmentRecord, PhotoMeta};
use civicgrid_store::{Db, commit, requests};

use crate::support::{Chain, HOUR, T0, chain, not_found};

/// A households' proposal of the chain's community, stored closed.
async fn closed_vote(conn: &mut civicgrid_store::AnyConnection, c: &Chain) -> i64 {
    use civicgrid_domain::participation::votes::{Electorate, VoteKind, VoteSpec, VoteState};
    use civicgrid_store::participation::votes::{VoteRecord, insert_vote};
    let v = VoteRecord {
        id: 0,
        node_id: c.community.id,
        scope: c.community.path.clone(),
        estate_id: None,
        spec: VoteSpec {
            kind: VoteKind::Proposal,
            title: "东门".into(),
            body: String::new(),
            options: Vec::new(),
            max_choices: 1,
            ranked: false,
            electorate: Electorate::Households,
            min_age: 18,
            matter: None,
        },
        state: VoteState::Closed,
        closes_at: T0,
        created_by: None,
        created_at: T0,
        opened_at: Some(T0),
        closed_at: Some(T0),
        total_area: 0,
        total_heads: 0,
        result: Some(r#"{"passed":true}"#.into()),
        version: 1,
    };
    insert_vote(conn, &v).await.unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

conformance!(
    commitments_are_stored_listed_and_changed_at_their_version,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let vote = closed_vote(&mut tx, &c).await;
        let org = requests::insert_org(
            &mut tx,
            ResponderKind::PropertyCompany,
            "湖光物业",
            c.community.id,
            &c.community.path,
            T0,
        )
        .await
        .unwrap();
        let mut rec = CommitmentRecord {
            id: 0,
            meeting_item_id: None,
            community_id: c.community.id,
            scope: c.community.path.clone(),
            vote_id: Some(vote),
            title: "东门延长开放".into(),
            summary: "加装照明".into(),
            owner_org_id: Some(org.id),
            state: State::Planned,
            created_by: None,
            created_at: T0,
            updated_at: T0,
            version: 1,
        };
        rec.id = repo::insert_commitment(&mut tx, &rec).await.unwrap();
        assert_eq!(repo::get_commitment(&mut tx, rec.id).await.unwrap(), rec);
        assert!(not_found(repo::get_commitment(&mut tx, rec.id + 9).await));

        // Changed at its version; a stale copy changes nothing.
        let mut moved = rec.clone();
        moved.state = State::InProgress;
        moved.updated_at = T0 + HOUR;
        assert_eq!(
            repo::update_commitment(&mut tx, &moved).await.unwrap(),
            Some(2)
        );
        assert_eq!(
            repo::update_commitment(&mut tx, &moved).await.unwrap(),
            None
        );
        let read = repo::get_commitment(&mut tx, rec.id).await.unwrap();
        assert_eq!((read.state, read.version), (State::InProgress, 2));

        // Listed inside its place, by its vote and by its owner; not elsewhere.
        let ids = |l: Vec<CommitmentRecord>| l.into_iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(
            ids(repo::list_commitments(&mut tx, &c.city.path, 10)
                .await
                .unwrap()),
            [rec.id]
        );
        assert!(
            repo::list_commitments(&mut tx, &c.grid.path, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            ids(repo::commitments_of_vote(&mut tx, vote).await.unwrap()),
            [rec.id]
        );
        assert_eq!(
            ids(repo::commitments_owned_by(&mut tx, org.id, 10)
                .await
                .unwrap()),
            [rec.id]
        );
        assert!(
            repo::commitments_of_vote(&mut tx, vote + 9)
                .await
                .unwrap()
                .is_empty()
        );
        commit(tx).await.unwrap();
    }
);

conformance!(
    commitment_work_milestones_updates_photos_requests_spending_history,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        requests::ensure_default_categories(&mut tx).await.unwrap();
        let rec = CommitmentRecord {
            id: 0,
            meeting_item_id: None,
            community_id: c.community.id,
            scope: c.community.path.clone(),
            vote_id: None,
            title: "修缮车棚".into(),
            summary: String::new(),
            owner_org_id: None,
            state: State::Planned,
            created_by: None,
            created_at: T0,
            updated_at: T0,
            version: 1,
        };
        let id = repo::insert_commitment(&mut tx, &rec).await.unwrap();

        // Milestones by due date; ticked done, then not done again.
        let later = Milestone {
            title: "验收".into(),
            due_on: day("2026-12-31"),
        };
        let sooner = Milestone {
            title: "采购".into(),
            due_on: day("2026-11-01"),
        };
        let m2 = repo::insert_milestone(&mut tx, id, &later, T0)
            .await
            .unwrap();
        let m1 = repo::insert_milestone(&mut tx, id, &sooner, T0)
            .await
            .unwrap();
        repo::set_milestone_done(&mut tx, id, m1, Some(day("2026-10-30")), None)
            .await
            .unwrap();
        let ms = repo::milestones(&mut tx, id).await.unwrap();
        assert_eq!(ms.iter().map(|m| m.id).collect::<Vec<_>>(), [m1, m2]);
        assert_eq!(ms[0].done_on, Some(day("2026-10-30")));
        assert_eq!(ms[1].done_on, None);
        repo::set_milestone_done(&mut tx, id, m1, None, None)
            .await
            .unwrap();
        assert_eq!(
            repo::milestones(&mut tx, id).await.unwrap()[0].done_on,
            None
        );
        // A milestone of another commitment is not found.
        assert!(not_found(
            repo::set_milestone_done(&mut tx, id + 9, m1, None, None).await
        ));

        // An update with a photo; the bytes come back only when asked for.
        let u = repo::insert_update(&mut tx, id, "已采购材料", None, T0 + HOUR)
            .await
            .unwrap();
        let meta = PhotoMeta {
            id: 0,
            commitment_id: id,
            update_id: Some(u),
            content_type: "image/png".into(),
            byte_len: 0,
            sha256: "ab".into(),
            width: Some(2),
            height: Some(2),
            uploaded_by: None,
            uploaded_at: T0 + HOUR,
        };
        let p = repo::insert_photo(&mut tx, &meta, &[1, 2, 3])
            .await
            .unwrap();
        let ups = repo::updates(&mut tx, id).await.unwrap();
        assert_eq!((ups.len(), ups[0].body.as_str()), (1, "已采购材料"));
        let photos = repo::photos(&mut tx, id).await.unwrap();
        assert_eq!((photos[0].id, photos[0].byte_len), (p, 3));
        let (read, data) = repo::photo(&mut tx, p).await.unwrap();
        assert_eq!((read.update_id, data), (Some(u), vec![1, 2, 3]));
        assert!(not_found(repo::photo(&mut tx, p + 9).await));

        // A request of the community, linked once; listed among the community's.
        let r = requests::insert_request(
            &mut tx,
            &crate::requests::record(c.grid.id, c.community.id, &c.grid.path, T0 + HOUR),
        )
        .await
        .unwrap();
        assert_eq!(
            repo::community_requests(&mut tx, c.community.id, 10)
                .await
                .unwrap(),
            [r.0]
        );
        assert!(
            repo::link_request(&mut tx, id, r.0, None, T0)
                .await
                .unwrap()
        );
        assert!(
            !repo::link_request(&mut tx, id, r.0, None, T0)
                .await
                .unwrap()
        );
        assert_eq!(
            repo::linked_requests(&mut tx, id).await.unwrap(),
            [(r.0, T0)]
        );

        // Spending by date.
        let line = |what: &str, on: &str| Spending {
            what: what.into(),
            amount_fen: 12_345,
            spent_on: day(on),
            payer: "专项维修资金".into(),
        };
        repo::insert_spending(&mut tx, id, &line("验收费", "2026-12-01"), None, T0)
            .await
            .unwrap();
        repo::insert_spending(&mut tx, id, &line("材料", "2026-10-01"), None, T0)
            .await
            .unwrap();
        let spent = repo::spending(&mut tx, id).await.unwrap();
        assert_eq!(
            spent
                .iter()
                .map(|s| s.line.what.as_str())
                .collect::<Vec<_>>(),
            ["材料", "验收费"]
        );
        assert_eq!(spent[0].line, line("材料", "2026-10-01"));

        // The history in time order, details kept as written.
        repo::insert_event(
            &mut tx,
            id,
            "update",
            &serde_json::json!({"by": "staff"}),
            None,
            T0 + 2 * HOUR,
        )
        .await
        .unwrap();
        repo::insert_event(&mut tx, id, "create", &serde_json::json!({}), None, T0)
            .await
            .unwrap();
        let ev = repo::events(&mut tx, id).await.unwrap();
        assert_eq!(
            ev.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["create", "update"]
        );
        assert_eq!(ev[1].details, r#"{"by":"staff"}"#);
        commit(tx).await.unwrap();
    }
);
