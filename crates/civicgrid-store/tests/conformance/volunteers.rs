//! Volunteers: the registry changed only at its version and filtered by status and
//! skill; activities listed by place and by reach; a shift's last slot taken once;
//! places moved through attendance; the hours ledger appended and summed; teams and
//! their members.

use chrono::NaiveDate;
use civicgrid_domain::care::activities::{ActivityState, SignupState};
use civicgrid_domain::care::hours::EntryKind;
use civicgrid_domain::care::teams::TeamKind;
use civicgrid_domain::care::volunteers::{Availability, Coverage, Profile, Skill, Status};
use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::person::{Gender, Relation, ResidenceStatus};
use civicgrid_store::care::activities::{self as acts, ActivityRecord, ShiftRecord};
use civicgrid_store::care::hours::{self as hours, HoursEntry};
use civicgrid_store::care::teams::{self as teams, TeamRecord};
use civicgrid_store::care::volunteers::{self as vols, Filter, VolunteerRecord};
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::{self, ResidentFields, pii};
use civicgrid_store::{AnyConnection, Db, commit};

use crate::support::{Chain, HOUR, T0, chain, not_found};

pub(crate) async fn resident(conn: &mut AnyConnection, grid: i64, name: &str) -> i64 {
    let keys = FieldKeys::ephemeral();
    let sealed = pii::seal(&keys, None, None, Date::from_ymd_opt(1980, 1, 1).unwrap());
    ledger::insert_resident(
        conn,
        &ResidentFields {
            household_id: None,
            grid_id: grid,
            name,
            gender: Gender::Female,
            relation: Relation::Head,
            status: ResidenceStatus::Registered,
            pii: &sealed,
        },
    )
    .await
    .unwrap()
    .id
}

pub(crate) fn entry(
    c: &Chain,
    resident_id: i64,
    skills: Vec<Skill>,
    status: Status,
) -> VolunteerRecord {
    VolunteerRecord {
        id: 0,
        resident_id,
        user_id: None,
        community_id: c.community.id,
        scope: c.grid.path.clone(),
        area_id: c.community.id,
        area: c.community.path.clone(),
        profile: Profile {
            skills,
            availability: vec![Availability::Weekends],
            vehicle: true,
            coverage: Coverage::Community,
            note: "会开车".into(),
        },
        status,
        status_reason: None,
        added_by_staff: false,
        verified_at: None,
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
    volunteers_are_stored_filtered_and_changed_at_their_version,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let r1 = resident(&mut tx, c.grid.id, "张三").await;
        let r2 = resident(&mut tx, c.grid.id, "李四").await;
        let e = entry(
            &c,
            r1,
            vec![Skill::FirstAid, Skill::Driving],
            Status::Pending,
        );
        let id = vols::insert_volunteer(&mut tx, &e).await.unwrap();
        let other = entry(&c, r2, vec![Skill::Legal], Status::Verified);
        vols::insert_volunteer(&mut tx, &other).await.unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let got = vols::get_volunteer(&mut conn, id).await.unwrap();
        assert_eq!(got.name, "张三");
        assert_eq!(got.profile.skills, [Skill::FirstAid, Skill::Driving]);
        assert_eq!(got.profile.coverage, Coverage::Community);
        assert!(got.profile.vehicle);
        assert_eq!(
            vols::volunteer_of_resident(&mut conn, r1)
                .await
                .unwrap()
                .map(|v| v.id),
            Some(id)
        );
        assert!(not_found(vols::get_volunteer(&mut conn, id + 100).await));
        let all = vols::list_volunteers(&mut conn, &c.community.path, &Filter::default(), 10)
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
        let drivers = Filter {
            skill: Some(Skill::Driving),
            status: None,
        };
        let found = vols::list_volunteers(&mut conn, &c.city.path, &drivers, 10)
            .await
            .unwrap();
        assert_eq!(found.iter().map(|v| v.id).collect::<Vec<_>>(), [id]);
        let verified = Filter {
            status: Some(Status::Verified),
            skill: Some(Skill::Driving),
        };
        assert!(
            vols::list_volunteers(&mut conn, &c.city.path, &verified, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            vols::count_volunteers(&mut conn, &c.community.path, Status::Pending)
                .await
                .unwrap(),
            1
        );
        drop(conn);

        let mut tx = db.begin_write().await.unwrap();
        let mut v = got.clone();
        v.status = Status::Verified;
        v.verified_at = Some(T0 + HOUR);
        assert_eq!(vols::update_volunteer(&mut tx, &v).await.unwrap(), Some(2));
        // The same version again: someone changed it first.
        assert_eq!(vols::update_volunteer(&mut tx, &v).await.unwrap(), None);
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        let now = vols::get_volunteer(&mut conn, id).await.unwrap();
        assert_eq!((now.status, now.version), (Status::Verified, 2));
    }
);

conformance!(
    shifts_fill_up_places_move_and_hours_are_appended,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = chain(&mut tx).await;
        let r1 = resident(&mut tx, c.grid.id, "张三").await;
        let r2 = resident(&mut tx, c.grid.id, "李四").await;
        let v1 = vols::insert_volunteer(
            &mut tx,
            &entry(&c, r1, vec![Skill::Repairs], Status::Verified),
        )
        .await
        .unwrap();
        let v2 = vols::insert_volunteer(
            &mut tx,
            &entry(&c, r2, vec![Skill::Repairs], Status::Verified),
        )
        .await
        .unwrap();
        let a = ActivityRecord {
            id: 0,
            community_id: c.community.id,
            node_id: c.grid.id,
            scope: c.grid.path.clone(),
            title: "义务维修".into(),
            description: String::new(),
            place: "3栋楼下".into(),
            skills: vec![Skill::Repairs],
            state: ActivityState::Published,
            organiser_id: None,
            created_at: T0,
            updated_at: T0,
        };
        let aid = acts::insert_activity(&mut tx, &a).await.unwrap();
        let shift = acts::insert_shift(
            &mut tx,
            &ShiftRecord {
                id: 0,
                activity_id: aid,
                on: day("2023-11-15"),
                starts_at: T0,
                ends_at: T0 + 2 * HOUR,
                slots: 1,
                taken: 0,
            },
        )
        .await
        .unwrap();
        // One slot: the first takes it, the second finds the shift full.
        assert!(acts::take_slot(&mut tx, shift).await.unwrap());
        assert!(!acts::take_slot(&mut tx, shift).await.unwrap());
        let p1 = acts::insert_signup(&mut tx, shift, v1, None, T0)
            .await
            .unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let s = acts::get_shift(&mut conn, shift).await.unwrap();
        assert_eq!((s.taken, s.minutes()), (1, 120));
        assert_eq!(acts::shifts_of(&mut conn, aid).await.unwrap(), [s]);
        let got = acts::get_activity(&mut conn, aid).await.unwrap();
        assert_eq!(
            (got.title.as_str(), got.skills.clone()),
            ("义务维修", vec![Skill::Repairs])
        );
        assert_eq!(
            acts::list_activities(&mut conn, &c.community.path, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        // A community-wide volunteer reaches the grid's activity, and one of the grid a
        // community-wide activity; another grid's volunteer does not reach this one.
        assert_eq!(
            acts::activities_reaching(&mut conn, &c.community.path, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            acts::activities_reaching(&mut conn, &c.grid.path, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            acts::activities_reaching(&mut conn, &c.community.path.child(999), 10)
                .await
                .unwrap()
                .is_empty()
        );
        let mine = acts::signup_of(&mut conn, shift, v1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(mine.state, SignupState::SignedUp);
        assert!(
            acts::signup_of(&mut conn, shift, v2)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            acts::signups_of_shift(&mut conn, shift).await.unwrap(),
            std::slice::from_ref(&mine)
        );
        assert_eq!(
            acts::signups_of_volunteer(&mut conn, v1, 10).await.unwrap(),
            [mine]
        );
        drop(conn);

        let mut tx = db.begin_write().await.unwrap();
        acts::set_signup_state(
            &mut tx,
            p1,
            SignupState::Attended,
            Some(90),
            None,
            T0 + 3 * HOUR,
        )
        .await
        .unwrap();
        acts::free_slot(&mut tx, shift).await.unwrap();
        acts::set_activity_state(&mut tx, aid, ActivityState::Cancelled, T0 + 4 * HOUR)
            .await
            .unwrap();
        let first = hours::append_entry(
            &mut tx,
            &HoursEntry {
                id: 0,
                volunteer_id: v1,
                kind: EntryKind::Shift,
                minutes: 90,
                served_on: day("2023-11-15"),
                signup_id: p1,
                corrects_id: None,
                reason: None,
                recorded_by: None,
                recorded_at: T0 + 3 * HOUR,
            },
        )
        .await
        .unwrap();
        let fix = hours::append_entry(
            &mut tx,
            &HoursEntry {
                id: 0,
                volunteer_id: v1,
                kind: EntryKind::Correction,
                minutes: -30,
                served_on: day("2023-11-15"),
                signup_id: p1,
                corrects_id: Some(first),
                reason: Some("提前离开".into()),
                recorded_by: None,
                recorded_at: T0 + 5 * HOUR,
            },
        )
        .await
        .unwrap();
        commit(tx).await.unwrap();

        let mut conn = db.read().await.unwrap();
        let p = acts::get_signup(&mut conn, p1).await.unwrap();
        assert_eq!((p.state, p.minutes), (SignupState::Attended, Some(90)));
        assert_eq!(acts::get_shift(&mut conn, shift).await.unwrap().taken, 0);
        assert_eq!(
            acts::get_activity(&mut conn, aid).await.unwrap().state,
            ActivityState::Cancelled
        );
        let entries = hours::entries_of(&mut conn, v1).await.unwrap();
        assert_eq!(
            entries.iter().map(|e| e.id).collect::<Vec<_>>(),
            [fix, first]
        );
        assert_eq!(
            hours::get_entry(&mut conn, fix).await.unwrap().corrects_id,
            Some(first)
        );
        assert_eq!(hours::minutes_of_signup(&mut conn, p1).await.unwrap(), 60);
        assert_eq!(
            hours::minutes_of_signup(&mut conn, p1 + 100).await.unwrap(),
            0
        );
    }
);

conformance!(teams_keep_their_members_and_leaders, |db: Db| async move {
    let mut tx = db.begin_write().await.unwrap();
    let c = chain(&mut tx).await;
    let r1 = resident(&mut tx, c.grid.id, "张三").await;
    let v1 = vols::insert_volunteer(
        &mut tx,
        &entry(&c, r1, vec![Skill::Tutoring], Status::Verified),
    )
    .await
    .unwrap();
    let t = TeamRecord {
        id: 0,
        community_id: c.community.id,
        scope: c.community.path.clone(),
        name: "3栋志愿服务队".into(),
        kind: TeamKind::Building,
        note: String::new(),
        created_by: None,
        created_at: T0,
    };
    let tid = teams::insert_team(&mut tx, &t).await.unwrap();
    assert!(
        teams::put_member(&mut tx, tid, v1, false, T0)
            .await
            .unwrap()
    );
    // Again: the member is made a leader, not added twice.
    assert!(!teams::put_member(&mut tx, tid, v1, true, T0).await.unwrap());
    commit(tx).await.unwrap();

    let mut conn = db.read().await.unwrap();
    assert_eq!(
        teams::get_team(&mut conn, tid).await.unwrap().name,
        "3栋志愿服务队"
    );
    assert_eq!(
        teams::list_teams(&mut conn, &c.city.path)
            .await
            .unwrap()
            .len(),
        1
    );
    let m = teams::members_of(&mut conn, tid).await.unwrap();
    assert_eq!((m.len(), m[0].leader), (1, 1));
    let of = teams::teams_of_volunteer(&mut conn, v1).await.unwrap();
    assert_eq!((of[0].0.id, of[0].1), (tid, true));
    drop(conn);
    let mut tx = db.begin_write().await.unwrap();
    teams::remove_member(&mut tx, tid, v1).await.unwrap();
    assert!(not_found(teams::remove_member(&mut tx, tid, v1).await));
    commit(tx).await.unwrap();
    let mut conn = db.read().await.unwrap();
    assert!(teams::members_of(&mut conn, tid).await.unwrap().is_empty());
});
