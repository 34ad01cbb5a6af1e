//! Deliberation: proposals listed by scope with the agenda first, support counted once
//! per account in the same statement pair, state moves guarded by the state they come
//! from, comments removed with their reason kept, photos, the community's rules, and
//! council meetings with their agenda, outcomes and minutes.

use civicgrid_domain::participation::deliberation::{
    DEFAULT_RULES, ItemOutcome, ProposalState, SupportRules,
};
use civicgrid_store::participation::deliberation::{
    self as repo, NewMeeting, NewPhoto, NewProposal,
};
use civicgrid_store::platform::accounts;
use civicgrid_store::platform::org::OrgNode;
use civicgrid_store::{AnyConnection, Db, StoreError, commit};

use crate::support::{HOUR, T0, chain};

async fn raise(
    conn: &mut AnyConnection,
    place: &OrgNode,
    community: &OrgNode,
    author: i64,
    title: &str,
    at: i64,
) -> i64 {
    repo::insert_proposal(
        conn,
        &NewProposal {
            node_id: place.id,
            community_id: community.id,
            scope: &place.path,
            title,
            description: "在3栋北侧增设充电桩",
            reason: "楼道充电有隐患",
            cost_fen: Some(3_000_000),
            author_user_id: author,
            threshold: 2,
            deadline_at: at + 24 * HOUR,
            now: at,
        },
    )
    .await
    .unwrap()
}

conformance!(
    proposals_are_supported_once_and_move_by_state,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let a = accounts::insert_user(&mut tx, "wang", "王建华", "h")
            .await
            .unwrap()
            .id;
        let b = accounts::insert_user(&mut tx, "li", "李秀英", "h")
            .await
            .unwrap()
            .id;
        let first = raise(&mut tx, &c.grid, &c.community, a, "充电桩", T0).await;
        let second = raise(&mut tx, &c.community, &c.community, b, "快递柜", T0 + HOUR).await;
        let p = repo::get_proposal(&mut tx, first).await.unwrap();
        assert_eq!(
            (
                p.author_name.as_str(),
                p.state().unwrap(),
                p.supporters,
                p.cost_fen
            ),
            ("王建华", ProposalState::Open, 0, Some(3_000_000))
        );
        assert_eq!(p.scope(), c.grid.path);

        assert_eq!(
            repo::add_support(&mut tx, first, a, T0).await.unwrap(),
            Some(1)
        );
        assert_eq!(
            repo::add_support(&mut tx, first, a, T0).await.unwrap(),
            None
        );
        assert_eq!(
            repo::add_support(&mut tx, first, b, T0).await.unwrap(),
            Some(2)
        );
        assert!(repo::has_supported(&mut tx, first, b).await.unwrap());
        assert!(!repo::has_supported(&mut tx, second, b).await.unwrap());

        // A move names the states it comes from; from elsewhere it finds nothing.
        repo::set_proposal_state(
            &mut tx,
            first,
            &[ProposalState::Open],
            ProposalState::Agenda,
            None,
            T0,
        )
        .await
        .unwrap();
        assert!(matches!(
            repo::set_proposal_state(
                &mut tx,
                first,
                &[ProposalState::Open],
                ProposalState::Withdrawn,
                None,
                T0
            )
            .await,
            Err(StoreError::NotFound)
        ));
        // The agenda comes first; a grid's proposal is listed under its community, not
        // the community's under the grid.
        let listed: Vec<i64> = repo::list_proposals(&mut tx, &c.community.path, 10)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(listed, vec![first, second]);
        let in_grid: Vec<i64> = repo::list_proposals(&mut tx, &c.grid.path, 10)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(in_grid, vec![first]);
        let waiting: Vec<i64> = repo::awaiting_council(&mut tx, c.community.id)
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(waiting, vec![first]);
        commit(tx).await.unwrap();
    }
);

conformance!(comments_photos_and_rules_are_kept, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let c = chain(&mut tx).await;
    let a = accounts::insert_user(&mut tx, "wang", "王建华", "h")
        .await
        .unwrap()
        .id;
    let p = raise(&mut tx, &c.grid, &c.community, a, "充电桩", T0).await;
    let kept = repo::insert_comment(&mut tx, p, a, "支持", T0)
        .await
        .unwrap();
    let removed = repo::insert_comment(&mut tx, p, a, "某某电话138…", T0 + 1)
        .await
        .unwrap();
    repo::remove_comment(&mut tx, removed, Some(a), "personal_data", "", T0 + 2)
        .await
        .unwrap();
    assert!(matches!(
        repo::remove_comment(&mut tx, removed, Some(a), "abusive", "", T0 + 3).await,
        Err(StoreError::NotFound)
    ));
    let comments = repo::comments(&mut tx, p).await.unwrap();
    assert_eq!(
        comments.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![kept, removed]
    );
    assert_eq!(comments[1].removal_reason.as_deref(), Some("personal_data"));
    assert_eq!(comments[1].removed_at, Some(T0 + 2));
    assert_eq!(
        comments[1].body, "某某电话138…",
        "the text stays for the auditor"
    );
    assert_eq!(
        repo::get_comment(&mut tx, kept).await.unwrap().author_name,
        "王建华"
    );

    let bytes = vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255];
    let photo = repo::insert_photo(
        &mut tx,
        &NewPhoto {
            proposal_id: p,
            content_type: "image/png",
            sha256: "ab",
            width: 2,
            height: 3,
            uploaded_by: Some(a),
            now: T0,
            data: &bytes,
        },
    )
    .await
    .unwrap();
    let (meta, data) = repo::photo(&mut tx, photo).await.unwrap();
    assert_eq!((meta.byte_len, meta.width, data), (8, Some(2), bytes));
    assert_eq!(repo::photos(&mut tx, p).await.unwrap().len(), 1);

    assert_eq!(
        repo::rules(&mut tx, c.community.id).await.unwrap(),
        DEFAULT_RULES
    );
    let r = SupportRules {
        threshold: 25,
        window_days: 14,
    };
    repo::set_rules(&mut tx, c.community.id, r, T0)
        .await
        .unwrap();
    let r2 = SupportRules {
        threshold: 30,
        window_days: 10,
    };
    repo::set_rules(&mut tx, c.community.id, r2, T0 + 1)
        .await
        .unwrap();
    assert_eq!(repo::rules(&mut tx, c.community.id).await.unwrap(), r2);
    commit(tx).await.unwrap();
});

conformance!(
    meetings_keep_agenda_outcomes_and_minutes,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let a = accounts::insert_user(&mut tx, "wang", "王建华", "h")
            .await
            .unwrap()
            .id;
        let p = raise(&mut tx, &c.grid, &c.community, a, "充电桩", T0).await;
        let m = repo::insert_meeting(
            &mut tx,
            &NewMeeting {
                community_id: c.community.id,
                scope: &c.community.path,
                title: "12月居民议事会",
                held_at: T0 + 48 * HOUR,
                place: "社区活动室",
                created_by: Some(a),
                now: T0,
            },
        )
        .await
        .unwrap();
        let i1 = repo::add_item(&mut tx, m, Some(p), "充电桩").await.unwrap();
        let i2 = repo::add_item(&mut tx, m, None, "春季绿化").await.unwrap();
        commit(tx).await.unwrap();
        // A proposal twice on one agenda breaks the unique key (which ends the
        // transaction on PostgreSQL: the use case gives up there).
        let mut tx = db.begin_write().await.unwrap();
        assert!(matches!(
            repo::add_item(&mut tx, m, Some(p), "充电桩").await,
            Err(StoreError::Conflict(_))
        ));
        drop(tx);
        let mut tx = db.begin_write().await.unwrap();
        let items = repo::items(&mut tx, m).await.unwrap();
        assert_eq!(
            items.iter().map(|i| (i.id, i.position)).collect::<Vec<_>>(),
            vec![(i1, 1), (i2, 2)]
        );
        repo::set_outcome(&mut tx, i1, ItemOutcome::Adopted, "物业施工")
            .await
            .unwrap();
        repo::record_minutes(
            &mut tx,
            m,
            &["王主任".into(), "李秀英".into()],
            "同意",
            T0 + 49 * HOUR,
        )
        .await
        .unwrap();
        assert!(matches!(
            repo::record_minutes(&mut tx, m, &[], "再记", T0).await,
            Err(StoreError::NotFound)
        ));
        let adopted = repo::adopted_items(&mut tx, &c.community.path, 10)
            .await
            .unwrap();
        assert_eq!(adopted.len(), 1);
        assert_eq!((adopted[0].0.id, adopted[0].1.id), (i1, m));
        assert_eq!(repo::get_item(&mut tx, i2).await.unwrap().title, "春季绿化");
        assert!(
            civicgrid_store::participation::commitments::commitments_of_item(&mut tx, i1)
                .await
                .unwrap()
                .is_empty()
        );
        let held = repo::get_meeting(&mut tx, m).await.unwrap();
        assert_eq!(held.attendee_names(), vec!["王主任", "李秀英"]);
        assert_eq!(held.state, "held");
        let of = repo::items_of_proposal(&mut tx, p).await.unwrap();
        assert_eq!(of.len(), 1);
        assert_eq!(of[0].0.outcome().unwrap(), Some(ItemOutcome::Adopted));
        // Listed under the community and seen from its grid too.
        assert_eq!(
            repo::list_meetings(&mut tx, &c.community.path, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            repo::list_meetings(&mut tx, &c.grid.path, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            repo::list_meetings(&mut tx, &c.street.path, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        commit(tx).await.unwrap();
    }
);
