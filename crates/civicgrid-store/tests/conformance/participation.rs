//! Co-governance records: estates, votes, ballots and proxies.

use civicgrid_domain::ledger::person::{Ownership, Relation};
use civicgrid_domain::participation::art278::Matter;
use civicgrid_domain::participation::estates::{Owner, Part};
use civicgrid_domain::participation::votes::{Channel, Electorate, VoteKind, VoteSpec, VoteState};
use civicgrid_domain::platform::access::Role;
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::requests::ResponderKind;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::participation::estates as estates_repo;
use civicgrid_store::participation::votes::{self as votes_repo, BallotInput, VoteRecord};
use civicgrid_store::platform::accounts;
use civicgrid_store::{AnyConnection, Db, StoreError, commit, ledger, requests};

use crate::ledger::{resident, sealed};
use crate::support::{Chain, HOUR, T0, chain, not_found};

/// A room of building `b` (unit "1"), created on first use of the unit.
async fn room(conn: &mut AnyConnection, building: i64, name: &str) -> i64 {
    let unit = match ledger::list_units(conn, building)
        .await
        .unwrap()
        .into_iter()
        .next()
    {
        Some(u) => u,
        None => ledger::insert_unit(conn, building, "1").await.unwrap(),
    };
    ledger::insert_room(conn, unit.id, name, None)
        .await
        .unwrap()
        .id
}

/// A household in `room` with its head; returns (household, head).
async fn household(
    conn: &mut AnyConnection,
    grid: i64,
    room: i64,
    ownership: Ownership,
    area_centi: Option<i64>,
    seq: u16,
) -> (i64, i64) {
    let keys = FieldKeys::ephemeral();
    let h = ledger::insert_household(conn, room, ownership, area_centi)
        .await
        .unwrap();
    let name = format!("户主{seq}");
    let r = resident(
        conn,
        grid,
        h.id,
        &name,
        Relation::Head,
        &sealed(&keys, seq, None),
    )
    .await;
    (h.id, r.id)
}

pub(crate) fn owners_spec(matter: Matter) -> VoteSpec {
    VoteSpec {
        kind: VoteKind::Owners,
        title: "改建车棚".into(),
        body: String::new(),
        options: Vec::new(),
        max_choices: 1,
        ranked: false,
        electorate: Electorate::Owners,
        min_age: 18,
        matter: Some(matter),
    }
}

pub(crate) fn draft(
    c: &Chain,
    estate_id: Option<i64>,
    spec: VoteSpec,
    closes_at: i64,
) -> VoteRecord {
    VoteRecord {
        id: 0,
        node_id: c.community.id,
        scope: c.community.path.clone(),
        estate_id,
        spec,
        state: VoteState::Draft,
        closes_at,
        created_by: None,
        created_at: T0,
        opened_at: None,
        closed_at: None,
        total_area: 0,
        total_heads: 0,
        result: None,
        version: 1,
    }
}

conformance!(
    estates_hold_buildings_and_list_by_scope,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let b1 = ledger::insert_building(&mut tx, c.grid.id, "1栋", "")
            .await
            .unwrap();
        let b2 = ledger::insert_building(&mut tx, c.grid.id, "2栋", "")
            .await
            .unwrap();
        let r1 = room(&mut tx, b1.id, "101").await;
        room(&mut tx, b1.id, "102").await;
        let r3 = room(&mut tx, b2.id, "101").await;
        let e =
            estates_repo::insert_estate(&mut tx, c.community.id, &c.community.path, "阳光花园", T0)
                .await
                .unwrap();
        assert_eq!(e.scope(), c.community.path);
        assert_eq!(
            (e.name.as_str(), e.property_org_id, e.created_at),
            ("阳光花园", None, T0)
        );
        assert_eq!(estates_repo::get_estate(&mut tx, e.id).await.unwrap(), e);
        assert!(not_found(
            estates_repo::get_estate(&mut tx, e.id + 99).await
        ));

        let org = requests::insert_org(
            &mut tx,
            ResponderKind::PropertyCompany,
            "物业甲",
            c.community.id,
            &c.community.path,
            T0,
        )
        .await
        .unwrap();
        estates_repo::update_estate(&mut tx, e.id, "阳光花园一期", Some(org.id), T0 + HOUR)
            .await
            .unwrap();
        let e = estates_repo::get_estate(&mut tx, e.id).await.unwrap();
        assert_eq!(
            (e.name.as_str(), e.property_org_id, e.updated_at),
            ("阳光花园一期", Some(org.id), T0 + HOUR)
        );
        assert!(not_found(
            estates_repo::update_estate(&mut tx, e.id + 99, "无", None, T0).await
        ));

        // Buildings: set, replaced, read back by name; a room's estate follows.
        estates_repo::set_estate_buildings(&mut tx, e.id, &[b2.id, b1.id])
            .await
            .unwrap();
        assert_eq!(
            estates_repo::estate_building_ids(&mut tx, e.id)
                .await
                .unwrap(),
            [b1.id, b2.id]
        );
        assert_eq!(
            estates_repo::estate_of_room(&mut tx, r3).await.unwrap(),
            Some(e.id)
        );
        estates_repo::set_estate_buildings(&mut tx, e.id, &[b1.id])
            .await
            .unwrap();
        assert_eq!(
            estates_repo::estate_building_ids(&mut tx, e.id)
                .await
                .unwrap(),
            [b1.id]
        );
        assert_eq!(
            estates_repo::estate_of_room(&mut tx, r3).await.unwrap(),
            None
        );
        assert_eq!(
            estates_repo::estate_of_room(&mut tx, r1).await.unwrap(),
            Some(e.id)
        );
        let choices = estates_repo::community_buildings(&mut tx, &c.community.path)
            .await
            .unwrap();
        let seen: Vec<(&str, Option<i64>)> = choices
            .iter()
            .map(|b| (b.name.as_str(), b.estate_id))
            .collect();
        assert_eq!(seen, [("1栋", Some(e.id)), ("2栋", None)]);
        assert_eq!(choices[0].grid_name, c.grid.name_zh);

        // Listed inside the scope with counts and the company's name; not outside.
        let listed = estates_repo::list_estates(&mut tx, &c.city.path)
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (
                listed[0].name.as_str(),
                listed[0].community_name.as_str(),
                listed[0].property_org_name.as_deref(),
                listed[0].buildings,
                listed[0].rooms
            ),
            (
                "阳光花园一期",
                c.community.name_zh.as_str(),
                Some("物业甲"),
                1,
                2
            )
        );
        let elsewhere = OrgPath::from_stored(format!("{}9/", c.city.path.as_str()));
        assert!(
            estates_repo::list_estates(&mut tx, &elsewhere)
                .await
                .unwrap()
                .is_empty()
        );
        commit(tx).await.unwrap();

        // A community has one estate of a name.
        let mut tx = db.begin_write().await.unwrap();
        let twice = estates_repo::insert_estate(
            &mut tx,
            c.community.id,
            &c.community.path,
            "阳光花园一期",
            T0,
        )
        .await;
        assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    }
);

conformance!(
    estate_parts_read_owners_from_households_and_records,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let b = ledger::insert_building(&mut tx, c.grid.id, "1栋", "")
            .await
            .unwrap();
        let r1 = room(&mut tx, b.id, "101").await;
        let r2 = room(&mut tx, b.id, "102").await;
        let r3 = room(&mut tx, b.id, "103").await;
        let (_, owner) = household(&mut tx, c.grid.id, r1, Ownership::Owner, Some(9_000), 2).await;
        let (_, tenant) =
            household(&mut tx, c.grid.id, r2, Ownership::Tenant, Some(8_050), 3).await;
        let e = estates_repo::insert_estate(&mut tx, c.community.id, &c.community.path, "园", T0)
            .await
            .unwrap();
        estates_repo::set_estate_buildings(&mut tx, e.id, &[b.id])
            .await
            .unwrap();
        let part = |room_id, area_centi, owner| Part {
            room_id,
            building_id: b.id,
            area_centi,
            owner,
        };
        // The owner-occupier heads their room; a let room and an empty one are the developer's
        // until recorded; an empty room has no area.
        assert_eq!(
            estates_repo::estate_parts(&mut tx, e.id).await.unwrap(),
            [
                part(r1, Some(9_000), Some(owner)),
                part(r2, Some(8_050), None),
                part(r3, None, None)
            ]
        );
        // Recorded owners win over the households: the landlord of the let room, and the
        // developer (none) for the owner-occupied one.
        estates_repo::set_room_owner(&mut tx, r2, Some(tenant), T0)
            .await
            .unwrap();
        estates_repo::set_room_owner(&mut tx, r1, None, T0)
            .await
            .unwrap();
        estates_repo::set_room_owner(&mut tx, r2, Some(owner), T0 + 1)
            .await
            .unwrap();
        let parts = estates_repo::estate_parts(&mut tx, e.id).await.unwrap();
        assert_eq!(parts[0].owner, None);
        assert_eq!(parts[1].owner, Some(owner));
        // Cleared, the room is read from its households again.
        estates_repo::clear_room_owner(&mut tx, r1).await.unwrap();
        estates_repo::clear_room_owner(&mut tx, r3).await.unwrap();
        let parts = estates_repo::estate_parts(&mut tx, e.id).await.unwrap();
        assert_eq!(parts[0].owner, Some(owner));

        let addresses = estates_repo::room_addresses(&mut tx, &[r3, r1])
            .await
            .unwrap();
        let seen: Vec<(i64, &str, &str, &str)> = addresses
            .iter()
            .map(|a| {
                (
                    a.room_id,
                    a.building.as_str(),
                    a.unit.as_str(),
                    a.room.as_str(),
                )
            })
            .collect();
        assert_eq!(seen, [(r1, "1栋", "1", "101"), (r3, "1栋", "1", "103")]);
        assert!(
            estates_repo::room_addresses(&mut tx, &[])
                .await
                .unwrap()
                .is_empty()
        );
        commit(tx).await.unwrap();
    }
);

conformance!(
    the_committee_is_the_active_owners_committee_accounts,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let wang = accounts::insert_user(&mut tx, "wang", "王委员", "hash")
            .await
            .unwrap();
        let li = accounts::insert_user(&mut tx, "li", "李委员", "hash")
            .await
            .unwrap();
        let staff = accounts::insert_user(&mut tx, "staff", "社区干部", "hash")
            .await
            .unwrap();
        for u in [wang.id, li.id] {
            accounts::insert_assignment(&mut tx, u, Role::OwnersCommittee, c.community.id)
                .await
                .unwrap();
        }
        accounts::insert_assignment(&mut tx, staff.id, Role::CommunityStaff, c.community.id)
            .await
            .unwrap();
        let members = estates_repo::committee_members(&mut tx, c.community.id)
            .await
            .unwrap();
        let ids: Vec<i64> = members.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&wang.id) && ids.contains(&li.id));
        assert!(members.iter().any(|(_, n)| n == "王委员"));
        assert!(
            estates_repo::committee_members(&mut tx, c.grid.id)
                .await
                .unwrap()
                .is_empty()
        );
        commit(tx).await.unwrap();
    }
);

conformance!(votes_are_stored_versioned_and_listed, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let c = chain(&mut tx).await;
    let e = estates_repo::insert_estate(&mut tx, c.community.id, &c.community.path, "园", T0)
        .await
        .unwrap();
    let mut v = draft(&c, Some(e.id), owners_spec(Matter::Rebuild), T0 + 24 * HOUR);
    v.id = votes_repo::insert_vote(&mut tx, &v).await.unwrap();
    assert_eq!(votes_repo::get_vote(&mut tx, v.id).await.unwrap(), v);
    assert!(not_found(votes_repo::get_vote(&mut tx, v.id + 99).await));

    // A draft is listed for those who follow the place, not for its voters.
    let listed = votes_repo::list_votes(&mut tx, &c.city.path, 10)
        .await
        .unwrap();
    assert_eq!(listed, [v.clone()]);
    let places = c.grid.path.lineage();
    assert!(
        votes_repo::votes_over(&mut tx, &places, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Opened: the version moves on, a stale write is refused.
    let stale = v.clone();
    v.state = VoteState::Open;
    v.opened_at = Some(T0);
    v.total_area = 12_345;
    v.total_heads = 3;
    v.version = votes_repo::update_vote(&mut tx, &v).await.unwrap().unwrap();
    assert_eq!(v.version, 2);
    assert_eq!(votes_repo::get_vote(&mut tx, v.id).await.unwrap(), v);
    assert_eq!(
        votes_repo::update_vote(&mut tx, &stale).await.unwrap(),
        None
    );
    assert_eq!(
        votes_repo::votes_over(&mut tx, &places, 10).await.unwrap(),
        [v.clone()]
    );

    // A second, newer vote: newest first, and the limit holds.
    let mut w = draft(&c, None, owners_spec(Matter::Rules), T0 + 2 * HOUR);
    w.id = votes_repo::insert_vote(&mut tx, &w).await.unwrap();
    let ids: Vec<i64> = votes_repo::list_votes(&mut tx, &c.community.path, 10)
        .await
        .unwrap()
        .iter()
        .map(|x| x.id)
        .collect();
    assert_eq!(ids, [w.id, v.id]);
    assert_eq!(
        votes_repo::list_votes(&mut tx, &c.community.path, 1)
            .await
            .unwrap()
            .len(),
        1
    );

    // Only open votes past their time are due to close.
    assert!(
        votes_repo::votes_due_to_close(&mut tx, T0 + HOUR)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        votes_repo::votes_due_to_close(&mut tx, T0 + 24 * HOUR)
            .await
            .unwrap(),
        [v.id]
    );
    commit(tx).await.unwrap();
});

conformance!(
    owners_ballots_are_counted_by_area_and_head,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let b1 = ledger::insert_building(&mut tx, c.grid.id, "1栋", "")
            .await
            .unwrap();
        let b2 = ledger::insert_building(&mut tx, c.grid.id, "2栋", "")
            .await
            .unwrap();
        let r1 = room(&mut tx, b1.id, "101").await;
        let r2 = room(&mut tx, b1.id, "102").await;
        let r3 = room(&mut tx, b2.id, "101").await;
        let e = estates_repo::insert_estate(&mut tx, c.community.id, &c.community.path, "园", T0)
            .await
            .unwrap();
        let mut v = draft(&c, Some(e.id), owners_spec(Matter::Rules), T0 + HOUR);
        v.id = votes_repo::insert_vote(&mut tx, &v).await.unwrap();
        // Owner 7 holds two rooms; the developer (0) the third.
        let owners = [
            Owner {
                key: 0,
                area_centi: 10_000,
                parts: 1,
            },
            Owner {
                key: 7,
                area_centi: 17_050,
                parts: 2,
            },
        ];
        let parts = [
            (r1, b1.id, 7, 9_000),
            (r2, b1.id, 7, 8_050),
            (r3, b2.id, 0, 10_000),
        ];
        votes_repo::freeze_owners(&mut tx, v.id, &owners, &parts)
            .await
            .unwrap();
        assert_eq!(
            votes_repo::voter_area(&mut tx, v.id, 7).await.unwrap(),
            Some(17_050)
        );
        assert_eq!(
            votes_repo::voter_area(&mut tx, v.id, 8).await.unwrap(),
            None
        );
        assert_eq!(
            votes_repo::voter_of_room(&mut tx, v.id, r2).await.unwrap(),
            Some(7)
        );
        assert_eq!(
            votes_repo::voter_of_room(&mut tx, v.id, r2 + 99)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            votes_repo::rooms_not_voted(&mut tx, v.id, 10)
                .await
                .unwrap(),
            [r1, r2, r3]
        );

        let ballot = |key, choice, agrees, channel, at| BallotInput {
            vote_id: v.id,
            voter_key: key,
            choice,
            agrees,
            channel,
            cast_by: None,
            collector: Some("王五"),
            at_ms: at,
        };
        assert!(
            !votes_repo::cast_ballot(&mut tx, &ballot(7, "oppose", false, Channel::Paper, T0))
                .await
                .unwrap()
        );
        // A later ballot replaces the standing one; both stay in the history.
        assert!(
            votes_repo::cast_ballot(&mut tx, &ballot(7, "agree", true, Channel::Online, T0 + 1))
                .await
                .unwrap()
        );
        let standing = votes_repo::ballot_of(&mut tx, v.id, 7)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                standing.choice.as_str(),
                standing.channel.as_str(),
                standing.cast_at,
                standing.replaced
            ),
            ("agree", "online", T0 + 1, 1)
        );
        assert_eq!(votes_repo::ballot_of(&mut tx, v.id, 0).await.unwrap(), None);
        let history: Vec<String> = votes_repo::ballot_history(&mut tx, v.id)
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.choice)
            .collect();
        assert_eq!(history, ["oppose", "agree"]);
        // A scan is kept with the voter's latest ballot in the history.
        let pdf = b"%PDF-1.7\n%%EOF\n";
        let scan = |voter_key| votes_repo::NewBallotScan {
            vote_id: v.id,
            voter_key,
            content_type: "application/pdf",
            sha256: "abc",
            data: pdf,
            uploaded_by: None,
            at_ms: T0 + 1,
        };
        let scan_id = votes_repo::insert_ballot_scan(&mut tx, &scan(7))
            .await
            .unwrap();
        let scans: Vec<Option<i64>> = votes_repo::ballot_history(&mut tx, v.id)
            .await
            .unwrap()
            .into_iter()
            .map(|b| b.scan_id)
            .collect();
        assert_eq!(scans, [None, Some(scan_id)]);
        let (meta, data) = votes_repo::ballot_scan(&mut tx, scan_id).await.unwrap();
        assert_eq!(
            (
                meta.vote_id,
                meta.content_type.as_str(),
                meta.byte_len,
                meta.sha256.as_str()
            ),
            (v.id, "application/pdf", pdf.len() as i64, "abc")
        );
        assert_eq!(
            (meta.id, meta.uploaded_at, data.as_slice()),
            (scan_id, T0 + 1, &pdf[..])
        );
        assert_eq!(
            votes_repo::ballot_of(&mut tx, v.id, 7)
                .await
                .unwrap()
                .unwrap()
                .scan_id,
            None
        );
        // Nothing to keep it with: no ballot of that voter; no such scan.
        assert!(matches!(
            votes_repo::insert_ballot_scan(&mut tx, &scan(99)).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            votes_repo::ballot_scan(&mut tx, scan_id + 99).await,
            Err(StoreError::NotFound)
        ));
        votes_repo::cast_ballot(
            &mut tx,
            &ballot(0, "abstain", false, Channel::Paper, T0 + 2),
        )
        .await
        .unwrap();

        let counts: Vec<(String, i64, i64)> = votes_repo::count_ballots(&mut tx, v.id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.choice, c.ballots, c.area_centi))
            .collect();
        assert_eq!(
            counts,
            [
                ("abstain".to_owned(), 1, 10_000),
                ("agree".to_owned(), 1, 17_050)
            ]
        );
        let mut choices = votes_repo::ballot_choices(&mut tx, v.id).await.unwrap();
        choices.sort();
        assert_eq!(choices, ["abstain", "agree"]);
        assert!(
            votes_repo::rooms_not_voted(&mut tx, v.id, 10)
                .await
                .unwrap()
                .is_empty()
        );

        let turnout = votes_repo::turnout_by_building(&mut tx, v.id)
            .await
            .unwrap();
        let seen: Vec<(&str, i64, i64, i64, i64)> = turnout
            .iter()
            .map(|t| {
                (
                    t.building.as_str(),
                    t.rooms,
                    t.voted_rooms,
                    t.area_centi,
                    t.voted_area_centi,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [("1栋", 2, 2, 17_050, 17_050), ("2栋", 1, 1, 10_000, 10_000)]
        );
        commit(tx).await.unwrap();
    }
);

conformance!(
    residents_and_households_are_frozen_from_the_ledger,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let b = ledger::insert_building(&mut tx, c.grid.id, "1栋", "")
            .await
            .unwrap();
        let r1 = room(&mut tx, b.id, "101").await;
        let r2 = room(&mut tx, b.id, "102").await;
        // seq 1 is born in December 1949, the others in January 1980.
        let (h1, elder) = household(&mut tx, c.grid.id, r1, Ownership::Owner, None, 1).await;
        let (h2, _) = household(&mut tx, c.grid.id, r2, Ownership::Tenant, None, 2).await;
        let spec = |electorate| VoteSpec {
            kind: VoteKind::Proposal,
            title: "加装电梯".into(),
            body: String::new(),
            options: Vec::new(),
            max_choices: 1,
            ranked: false,
            electorate,
            min_age: 18,
            matter: None,
        };
        let mut residents = draft(&c, None, spec(Electorate::Residents), T0 + HOUR);
        residents.id = votes_repo::insert_vote(&mut tx, &residents).await.unwrap();
        // Born by January 1970: only the elder.
        let frozen = votes_repo::freeze_ledger_voters(
            &mut tx,
            residents.id,
            Electorate::Residents,
            &c.community.path,
            197001,
        )
        .await
        .unwrap();
        assert_eq!(frozen, 1);
        assert_eq!(
            votes_repo::voter_area(&mut tx, residents.id, elder)
                .await
                .unwrap(),
            Some(0)
        );

        let mut households = draft(&c, None, spec(Electorate::Households), T0 + HOUR);
        households.id = votes_repo::insert_vote(&mut tx, &households).await.unwrap();
        let frozen = votes_repo::freeze_ledger_voters(
            &mut tx,
            households.id,
            Electorate::Households,
            &c.community.path,
            0,
        )
        .await
        .unwrap();
        assert_eq!(frozen, 2);
        assert_eq!(
            votes_repo::household_voter_of_room(&mut tx, households.id, r2)
                .await
                .unwrap(),
            Some(h2)
        );
        assert_eq!(
            votes_repo::household_voter_of_room(&mut tx, households.id, r1)
                .await
                .unwrap(),
            Some(h1)
        );
        // Owners are frozen from the estate's parts, never from here.
        let owners = votes_repo::freeze_ledger_voters(
            &mut tx,
            households.id,
            Electorate::Owners,
            &c.community.path,
            0,
        )
        .await;
        assert!(owners.is_err());
        commit(tx).await.unwrap();
    }
);

conformance!(a_voter_has_at_most_one_proxy, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let c = chain(&mut tx).await;
    let b = ledger::insert_building(&mut tx, c.grid.id, "1栋", "")
        .await
        .unwrap();
    let r1 = room(&mut tx, b.id, "101").await;
    let r2 = room(&mut tx, b.id, "102").await;
    let (_, a) = household(&mut tx, c.grid.id, r1, Ownership::Owner, Some(9_000), 2).await;
    let (_, h) = household(&mut tx, c.grid.id, r2, Ownership::Owner, Some(9_000), 3).await;
    let mut v = draft(&c, None, owners_spec(Matter::Rules), T0 + HOUR);
    v.id = votes_repo::insert_vote(&mut tx, &v).await.unwrap();
    assert_eq!(
        votes_repo::proxy_holder(&mut tx, v.id, a).await.unwrap(),
        None
    );
    votes_repo::set_proxy(&mut tx, v.id, a, h, None, T0)
        .await
        .unwrap();
    votes_repo::set_proxy(&mut tx, v.id, 0, h, None, T0)
        .await
        .unwrap();
    assert_eq!(
        votes_repo::proxy_holder(&mut tx, v.id, a).await.unwrap(),
        Some(h)
    );
    assert_eq!(
        votes_repo::proxies_held(&mut tx, v.id, h).await.unwrap(),
        [0, a]
    );
    // Given again, the new holder replaces the old one.
    votes_repo::set_proxy(&mut tx, v.id, 0, a, None, T0 + 1)
        .await
        .unwrap();
    assert_eq!(
        votes_repo::proxies_held(&mut tx, v.id, h).await.unwrap(),
        [a]
    );
    assert_eq!(
        votes_repo::proxy_holder(&mut tx, v.id, 0).await.unwrap(),
        Some(a)
    );
    votes_repo::revoke_proxy(&mut tx, v.id, a).await.unwrap();
    votes_repo::revoke_proxy(&mut tx, v.id, a).await.unwrap();
    assert_eq!(
        votes_repo::proxy_holder(&mut tx, v.id, a).await.unwrap(),
        None
    );
    assert!(
        votes_repo::proxies_held(&mut tx, v.id, h)
            .await
            .unwrap()
            .is_empty()
    );
    commit(tx).await.unwrap();
});
