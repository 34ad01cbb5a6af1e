//! A vote's running count by choice: after new ballots, replacements, paper and proxy
//! ballots, polls with several marks or a ranking, ballots racing on one voter, and an
//! upgrade from before the count was kept, it equals a recount from the ballots.

use civicgrid_domain::participation::art278::Matter;
use civicgrid_domain::participation::estates::Owner;
use civicgrid_domain::participation::votes::{Channel, Electorate, VoteKind, VoteSpec};
use civicgrid_store::participation::votes::{self as votes_repo, BallotInput, ChoiceCount};
use civicgrid_store::{AnyConnection, Db, commit};

use crate::participation::{draft, owners_spec};
use crate::support::{HOUR, T0, chain};

type Counted = Vec<(String, i64, i64)>;

fn rows(counts: Vec<ChoiceCount>) -> Counted {
    counts
        .into_iter()
        .map(|c| (c.choice, c.ballots, c.area_centi))
        .collect()
}

/// The running count, after checking it against a recount from the ballots.
async fn counted(conn: &mut AnyConnection, vote_id: i64) -> Counted {
    let count = rows(votes_repo::count_ballots(conn, vote_id).await.unwrap());
    let recount = rows(votes_repo::recount_ballots(conn, vote_id).await.unwrap());
    assert_eq!(count, recount, "the running count differs from a recount");
    count
}

fn counts(expected: &[(&str, i64, i64)]) -> Counted {
    expected
        .iter()
        .map(|(c, b, a)| ((*c).to_owned(), *b, *a))
        .collect()
}

fn ballot(
    vote_id: i64,
    voter_key: i64,
    choice: &str,
    channel: Channel,
    at_ms: i64,
) -> BallotInput<'_> {
    BallotInput {
        vote_id,
        voter_key,
        choice,
        agrees: choice == "agree",
        channel,
        cast_by: None,
        collector: (channel == Channel::Paper).then_some("楼长"),
        at_ms,
    }
}

/// Freezes owners with these (key, area) as the electorate of vote `vote_id` (the
/// count reads only the voters, not their rooms).
async fn electorate(conn: &mut AnyConnection, vote_id: i64, owners: &[(i64, i64)]) {
    let owners: Vec<Owner> = owners
        .iter()
        .map(|&(key, area_centi)| Owner {
            key,
            area_centi,
            parts: 1,
        })
        .collect();
    votes_repo::freeze_owners(conn, vote_id, &owners, &[])
        .await
        .unwrap();
}

conformance!(
    owners_count_equals_a_recount_after_every_kind_of_ballot,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let mut v = draft(&c, None, owners_spec(Matter::Rules), T0 + HOUR);
        v.id = votes_repo::insert_vote(&mut tx, &v).await.unwrap();
        let mut other = draft(&c, None, owners_spec(Matter::Rules), T0 + HOUR);
        other.id = votes_repo::insert_vote(&mut tx, &other).await.unwrap();
        // The developer (0) and three owners.
        electorate(
            &mut tx,
            v.id,
            &[(0, 10_000), (11, 9_000), (12, 8_050), (13, 12_345)],
        )
        .await;
        electorate(&mut tx, other.id, &[(11, 9_000)]).await;
        assert!(counted(&mut tx, v.id).await.is_empty());

        let mut cast = async |key, choice, channel, at| {
            votes_repo::cast_ballot(&mut tx, &ballot(v.id, key, choice, channel, at))
                .await
                .unwrap()
        };
        // New ballots online, on paper and by proxy each add their voter.
        assert!(!cast(11, "agree", Channel::Online, T0).await);
        assert!(!cast(12, "oppose", Channel::Paper, T0 + 1).await);
        assert!(!cast(13, "agree", Channel::Proxy, T0 + 2).await);
        assert!(!cast(0, "abstain", Channel::Paper, T0 + 3).await);
        // A replacement moves its voter from the old choice to the new one.
        assert!(cast(11, "oppose", Channel::Online, T0 + 4).await);
        // The same choice again, on paper this time, moves nothing.
        assert!(cast(12, "oppose", Channel::Paper, T0 + 5).await);
        // A choice left without ballots drops out, as in a recount.
        assert!(cast(13, "abstain", Channel::Proxy, T0 + 6).await);
        // A key outside the frozen electorate is stored but counts nowhere.
        assert!(!cast(99, "agree", Channel::Paper, T0 + 7).await);
        assert_eq!(
            counted(&mut tx, v.id).await,
            counts(&[("abstain", 2, 22_345), ("oppose", 2, 17_050)])
        );

        // Another vote's ballots count there only.
        votes_repo::cast_ballot(&mut tx, &ballot(other.id, 11, "agree", Channel::Online, T0))
            .await
            .unwrap();
        assert_eq!(
            counted(&mut tx, other.id).await,
            counts(&[("agree", 1, 9_000)])
        );
        assert_eq!(
            counted(&mut tx, v.id).await,
            counts(&[("abstain", 2, 22_345), ("oppose", 2, 17_050)])
        );
        commit(tx).await.unwrap();
    }
);

conformance!(
    poll_count_keeps_each_set_of_marks_and_each_ranking,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let spec = |ranked| VoteSpec {
            kind: VoteKind::Poll,
            title: "活动室开放时间".into(),
            body: String::new(),
            options: vec!["上午".into(), "下午".into(), "晚上".into()],
            max_choices: if ranked { 1 } else { 2 },
            ranked,
            electorate: Electorate::Residents,
            min_age: 18,
            matter: None,
        };
        let mut multi = draft(&c, None, spec(false), T0 + HOUR);
        multi.id = votes_repo::insert_vote(&mut tx, &multi).await.unwrap();
        let mut ranked = draft(&c, None, spec(true), T0 + HOUR);
        ranked.id = votes_repo::insert_vote(&mut tx, &ranked).await.unwrap();
        for id in [multi.id, ranked.id] {
            electorate(&mut tx, id, &[(1, 0), (2, 0), (3, 0)]).await;
        }

        for (key, choice, at) in [(1, "1,3", T0), (2, "2", T0 + 1), (3, "1,3", T0 + 2)] {
            votes_repo::cast_ballot(&mut tx, &ballot(multi.id, key, choice, Channel::Online, at))
                .await
                .unwrap();
        }
        assert_eq!(
            counted(&mut tx, multi.id).await,
            counts(&[("1,3", 2, 0), ("2", 1, 0)])
        );
        votes_repo::cast_ballot(
            &mut tx,
            &ballot(multi.id, 1, "2,3", Channel::Online, T0 + 3),
        )
        .await
        .unwrap();
        votes_repo::cast_ballot(&mut tx, &ballot(multi.id, 2, "1,3", Channel::Paper, T0 + 4))
            .await
            .unwrap();
        assert_eq!(
            counted(&mut tx, multi.id).await,
            counts(&[("1,3", 2, 0), ("2,3", 1, 0)])
        );

        // A ranking is one choice in the count (its first preference is read from it);
        // the run-off still reads every standing ranking.
        for (key, choice, at) in [(1, "2,1,3", T0), (2, "3,2,1", T0 + 1), (1, "3,1,2", T0 + 2)] {
            votes_repo::cast_ballot(
                &mut tx,
                &ballot(ranked.id, key, choice, Channel::Online, at),
            )
            .await
            .unwrap();
        }
        assert_eq!(
            counted(&mut tx, ranked.id).await,
            counts(&[("3,1,2", 1, 0), ("3,2,1", 1, 0)])
        );
        let mut rankings = votes_repo::ballot_choices(&mut tx, ranked.id)
            .await
            .unwrap();
        rankings.sort();
        assert_eq!(rankings, ["3,1,2", "3,2,1"]);
        commit(tx).await.unwrap();
    }
);

conformance!(
    ballots_racing_in_separate_transactions_keep_the_count,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let mut v = draft(&c, None, owners_spec(Matter::Rules), T0 + HOUR);
        v.id = votes_repo::insert_vote(&mut tx, &v).await.unwrap();
        let voters = [(1, 5_000), (2, 7_000), (3, 11_000)];
        electorate(&mut tx, v.id, &voters).await;
        for (key, _) in voters {
            votes_repo::cast_ballot(&mut tx, &ballot(v.id, key, "agree", Channel::Paper, T0))
                .await
                .unwrap();
        }
        commit(tx).await.unwrap();
        let id = v.id;

        // Eight writers replace the same three voters' ballots with changing choices,
        // each ballot in its own transaction.
        let mut tasks = Vec::new();
        for w in 0..8_i64 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..12_i64 {
                    let key = 1 + (w + i) % 3;
                    let choice = ["agree", "oppose", "abstain"][((w * 7 + i) % 3) as usize];
                    let mut tx = db.begin_write().await.unwrap();
                    votes_repo::cast_ballot(
                        &mut tx,
                        &ballot(id, key, choice, Channel::Online, T0 + 1 + i),
                    )
                    .await
                    .unwrap();
                    commit(tx).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mut conn = db.read().await.unwrap();
        let count = counted(&mut conn, id).await;
        assert_eq!(count.iter().map(|c| c.1).sum::<i64>(), 3);
        assert_eq!(count.iter().map(|c| c.2).sum::<i64>(), 23_000);
    }
);

// Ballots standing before migration 21 are in the running count it creates.
upgrade!(
    standing_ballots_are_counted_by_the_totals_migration,
    18,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let mut v = draft(&c, None, owners_spec(Matter::Rules), T0 + HOUR);
        v.id = votes_repo::insert_vote(&mut tx, &v).await.unwrap();
        electorate(&mut tx, v.id, &[(0, 10_000), (11, 9_000), (12, 8_050)]).await;
        for (key, choice) in [(0, "agree"), (11, "oppose"), (12, "agree"), (99, "agree")] {
            sqlx::query(
                "INSERT INTO ballots (vote_id, voter_key, choice, agrees, channel, cast_at) \
                 VALUES ($1, $2, $3, 0, 'paper', $4)",
            )
            .bind(v.id)
            .bind(key)
            .bind(choice)
            .bind(T0)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        commit(tx).await.unwrap();

        db.migrate().await.unwrap();

        let mut tx = db.begin_write().await.unwrap();
        assert_eq!(
            counted(&mut tx, v.id).await,
            counts(&[("agree", 2, 18_050), ("oppose", 1, 9_000)])
        );
        // And the count moves on from there.
        votes_repo::cast_ballot(&mut tx, &ballot(v.id, 11, "agree", Channel::Online, T0 + 1))
            .await
            .unwrap();
        assert_eq!(
            counted(&mut tx, v.id).await,
            counts(&[("agree", 3, 27_050)])
        );
        commit(tx).await.unwrap();
    }
);
