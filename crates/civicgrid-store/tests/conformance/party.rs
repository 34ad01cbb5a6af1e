//! Party members: a registration per ledger record, changed only at its version and
//! listed by place and status; pledges by member and year; notes appended; requests
//! linked once; and the real activity that fulfils pledges — care visits by carer,
//! volunteer hours served, linked requests resolved in the year.

use chrono::NaiveDate;
use civicgrid_domain::care::activities::{ActivityState, SignupState};
use civicgrid_domain::care::hours::EntryKind;
use civicgrid_domain::care::party::{MemberStatus, PledgeKind};
use civicgrid_domain::care::visits::{DAY_MS, Mode, Outcome};
use civicgrid_domain::care::volunteers::{Skill, Status};
use civicgrid_store::care::activities::{self as acts, ActivityRecord, ShiftRecord};
use civicgrid_store::care::hours::{self as hours, HoursEntry};
use civicgrid_store::care::party::{self as repo, MemberRecord, NoteRecord, PledgeRecord};
use civicgrid_store::care::{pairings, visits, volunteers as vols};
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::platform::accounts;
use civicgrid_store::{Db, commit, ledger, requests};

use crate::support::{Chain, HOUR, T0, chain, not_found};

fn member(c: &Chain, resident_id: i64, user_id: Option<i64>, status: MemberStatus) -> MemberRecord {
    MemberRecord {
        id: 0,
        resident_id,
        user_id,
        community_id: c.community.id,
        scope: c.grid.path.clone(),
        organisation: "市交通局机关第二党支部".into(),
        status,
        status_reason: None,
        public_badge: false,
        confirmed_at: None,
        created_at: T0,
        updated_at: T0,
        version: 1,
        name: String::new(),
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

conformance!(
    party_members_are_stored_listed_and_changed_at_their_version,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let r1 = crate::volunteers::resident(&mut tx, c.grid.id, "王党员").await;
        let r2 = crate::volunteers::resident(&mut tx, c.grid.id, "李党员").await;
        let id = repo::insert_member(&mut tx, &member(&c, r1, None, MemberStatus::Pending))
            .await
            .unwrap();
        let mut other = member(&c, r2, None, MemberStatus::Confirmed);
        other.public_badge = true;
        let other_id = repo::insert_member(&mut tx, &other).await.unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let got = repo::get_member(&mut conn, id).await.unwrap();
        assert_eq!(
            (got.name.as_str(), got.status),
            ("王党员", MemberStatus::Pending)
        );
        assert!(not_found(repo::get_member(&mut conn, id + 100).await));
        assert_eq!(
            repo::member_of_resident(&mut conn, r1)
                .await
                .unwrap()
                .map(|m| m.id),
            Some(id)
        );
        assert_eq!(
            repo::list_members(&mut conn, &c.community.path, None, 10)
                .await
                .unwrap()
                .len(),
            2
        );
        let pending = repo::list_members(&mut conn, &c.city.path, Some(MemberStatus::Pending), 10)
            .await
            .unwrap();
        assert_eq!(pending.iter().map(|m| m.id).collect::<Vec<_>>(), [id]);
        assert!(
            repo::list_members(&mut conn, &c.community.path.child(999), None, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            repo::count_members(&mut conn, &c.street.path, MemberStatus::Pending)
                .await
                .unwrap(),
            1
        );
        let wall = repo::badge_holders(&mut conn, c.community.id)
            .await
            .unwrap();
        assert_eq!(wall.iter().map(|m| m.id).collect::<Vec<_>>(), [other_id]);
        drop(conn);

        let mut tx = db.begin_write().await.unwrap();
        let mut m = got.clone();
        m.status = MemberStatus::Confirmed;
        m.confirmed_at = Some(T0 + HOUR);
        m.public_badge = true;
        assert_eq!(repo::update_member(&mut tx, &m).await.unwrap(), Some(2));
        // A second writer at the old version changes nothing.
        assert_eq!(repo::update_member(&mut tx, &got).await.unwrap(), None);
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        let now = repo::get_member(&mut conn, id).await.unwrap();
        assert_eq!(
            (now.status, now.version, now.public_badge),
            (MemberStatus::Confirmed, 2, true)
        );
        assert_eq!(
            repo::badge_holders(&mut conn, c.community.id)
                .await
                .unwrap()
                .len(),
            2
        );
    }
);

conformance!(
    pledges_notes_and_the_activity_that_fulfils_them,
    |db: Db| async move {
        let keys = FieldKeys::ephemeral();
        let mut tx = db.begin_write().await.unwrap();
        ledger::ensure_default_catalogue(&mut tx).await.unwrap();
        requests::ensure_default_categories(&mut tx).await.unwrap();
        let c = chain(&mut tx).await;
        let user = accounts::insert_user(&mut tx, "dangyuan", "王", "x")
            .await
            .unwrap()
            .id;
        let r = crate::volunteers::resident(&mut tx, c.grid.id, "王党员").await;
        let mid = repo::insert_member(&mut tx, &member(&c, r, Some(user), MemberStatus::Confirmed))
            .await
            .unwrap();
        let pledge = |kind: PledgeKind, year: i32| PledgeRecord {
            id: 0,
            member_id: mid,
            year,
            kind,
            text: "每月走访两户独居老人".into(),
            target: 24,
            created_by: Some(user),
            created_at: T0,
        };
        let visits_pledge = repo::insert_pledge(&mut tx, &pledge(PledgeKind::Visits, 2023))
            .await
            .unwrap();
        repo::insert_pledge(&mut tx, &pledge(PledgeKind::Other, 2023))
            .await
            .unwrap();
        repo::insert_pledge(&mut tx, &pledge(PledgeKind::Visits, 2024))
            .await
            .unwrap();
        let note = NoteRecord {
            id: 0,
            pledge_id: visits_pledge,
            on: day("2023-11-01"),
            amount: 2,
            text: "陪同就医，楼栋长可证明".into(),
            recorded_by: Some(user),
            recorded_at: T0,
        };
        let note_id = repo::insert_note(&mut tx, &note).await.unwrap();

        // A care visit as the carer, one by someone else.
        let g = (
            c.grid.id,
            crate::care_visits::unit(&mut tx, c.grid.id).await,
        );
        let (elder, _) =
            crate::care_visits::tagged(&mut tx, &keys, g, "101", 2, "elderly_alone").await;
        let p = pairings::insert_pairing(
            &mut tx,
            &crate::care_visits::pairing(&c, elder, T0),
            &[user],
        )
        .await
        .unwrap();
        let visit = |carer: Option<i64>, at: i64| visits::VisitRecord {
            id: 0,
            pairing_id: p,
            resident_id: elder,
            carer_user_id: carer,
            visited_at: at,
            due_at: Some(at),
            mode: Mode::InPerson,
            outcome: Outcome::Well,
            notes_enc: None,
            request_id: None,
            created_at: at,
        };
        let v1 = visits::insert_visit(&mut tx, &visit(Some(user), T0))
            .await
            .unwrap();
        visits::insert_visit(&mut tx, &visit(None, T0 + DAY_MS))
            .await
            .unwrap();
        // A visit of the next year does not count in this one.
        visits::insert_visit(&mut tx, &visit(Some(user), T0 + 60 * DAY_MS))
            .await
            .unwrap();

        // Volunteer hours: 90 minutes, then a correction of -30.
        let vid = vols::insert_volunteer(
            &mut tx,
            &crate::volunteers::entry(&c, r, vec![Skill::Repairs], Status::Verified),
        )
        .await
        .unwrap();
        let aid = acts::insert_activity(
            &mut tx,
            &ActivityRecord {
                id: 0,
                community_id: c.community.id,
                node_id: c.grid.id,
                scope: c.grid.path.clone(),
                title: "防汛值守".into(),
                description: String::new(),
                place: "社区服务站".into(),
                skills: Vec::new(),
                state: ActivityState::Published,
                organiser_id: None,
                created_at: T0,
                updated_at: T0,
            },
        )
        .await
        .unwrap();
        let shift = acts::insert_shift(
            &mut tx,
            &ShiftRecord {
                id: 0,
                activity_id: aid,
                on: day("2023-11-15"),
                starts_at: T0,
                ends_at: T0 + 2 * HOUR,
                slots: 3,
                taken: 0,
            },
        )
        .await
        .unwrap();
        let signup = acts::insert_signup(&mut tx, shift, vid, None, T0)
            .await
            .unwrap();
        acts::set_signup_state(&mut tx, signup, SignupState::Attended, Some(90), None, T0)
            .await
            .unwrap();
        for (kind, minutes) in [(EntryKind::Shift, 90), (EntryKind::Correction, -30)] {
            hours::append_entry(
                &mut tx,
                &HoursEntry {
                    id: 0,
                    volunteer_id: vid,
                    kind,
                    minutes,
                    served_on: day("2023-11-15"),
                    signup_id: signup,
                    corrects_id: None,
                    reason: None,
                    recorded_by: None,
                    recorded_at: T0,
                },
            )
            .await
            .unwrap();
        }

        // Two requests resolved in the year, one still open.
        let mut resolved = crate::requests::record(c.grid.id, c.community.id, &c.grid.path, T0);
        resolved.resolved_at = Some(T0 + HOUR);
        let q1 = requests::insert_request(&mut tx, &resolved).await.unwrap();
        let q2 = requests::insert_request(&mut tx, &resolved).await.unwrap();
        let open = crate::requests::record(c.grid.id, c.community.id, &c.grid.path, T0);
        let q3 = requests::insert_request(&mut tx, &open).await.unwrap();
        assert!(
            repo::link_request(&mut tx, mid, q1.0, Some(user), T0)
                .await
                .unwrap()
        );
        assert!(
            !repo::link_request(&mut tx, mid, q1.0, Some(user), T0)
                .await
                .unwrap()
        );
        assert!(
            repo::link_request(&mut tx, mid, q3.0, Some(user), T0)
                .await
                .unwrap()
        );
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let got = repo::get_pledge(&mut conn, visits_pledge).await.unwrap();
        assert_eq!(
            (got.kind, got.year, got.target),
            (PledgeKind::Visits, 2023, 24)
        );
        assert!(not_found(
            repo::get_pledge(&mut conn, visits_pledge + 100).await
        ));
        let y2023 = repo::pledges_of_member(&mut conn, mid, 2023).await.unwrap();
        assert_eq!(
            y2023.iter().map(|p| p.kind).collect::<Vec<_>>(),
            [PledgeKind::Visits, PledgeKind::Other]
        );
        assert_eq!(
            repo::pledges_of_member(&mut conn, mid, 2024)
                .await
                .unwrap()
                .len(),
            1
        );
        let notes = repo::notes_of_member(&mut conn, mid, 2023).await.unwrap();
        assert_eq!(
            notes,
            [NoteRecord {
                id: note_id,
                ..note
            }]
        );
        assert!(
            repo::notes_of_member(&mut conn, mid, 2024)
                .await
                .unwrap()
                .is_empty()
        );

        // 2023 in the community's time, as milliseconds.
        let (from, to) = (1_672_502_400_000, 1_704_038_400_000);
        let by_carer = repo::visits_by_carer(&mut conn, user, from, to)
            .await
            .unwrap();
        assert_eq!(
            by_carer.iter().map(|v| v.visit_id).collect::<Vec<_>>(),
            [v1]
        );
        assert_eq!(
            (by_carer[0].mode.as_str(), by_carer[0].outcome.as_str()),
            ("in_person", "well")
        );
        let served = repo::hours_served(&mut conn, r, day("2023-01-01"), day("2024-01-01"))
            .await
            .unwrap();
        assert_eq!(served.len(), 1);
        assert_eq!(
            (
                served[0].title.as_str(),
                served[0].minutes,
                served[0].activity_id
            ),
            ("防汛值守", 60, aid)
        );
        assert!(
            repo::hours_served(&mut conn, r, day("2024-01-01"), day("2025-01-01"))
                .await
                .unwrap()
                .is_empty()
        );
        // Only the resolved linked request counts.
        let linked = repo::linked_requests(&mut conn, mid, from, to)
            .await
            .unwrap();
        assert_eq!(
            linked.iter().map(|q| q.request_id).collect::<Vec<_>>(),
            [q1.0]
        );
        // The choices to link: resolved, of the community, not linked yet.
        let choices = repo::resolved_unlinked(&mut conn, c.community.id, mid, from, 10)
            .await
            .unwrap();
        assert_eq!(
            choices.iter().map(|q| q.request_id).collect::<Vec<_>>(),
            [q2.0]
        );
    }
);
