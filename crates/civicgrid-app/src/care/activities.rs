//! Volunteer activities and shifts (志愿活动): staff publish an activity to a community
//! or a grid with its shifts; verified volunteers whose area meets it sign up (a slot
//! is taken in the same statement that checks one is free) or staff assign them; the
//! organiser confirms attendance, and confirmed hours become an entry of the hours
//! ledger traceable to the shift.
//!
//! Who may do what: [`Permission::ManageVolunteers`] at the activity's place publishes,
//! cancels, assigns and confirms attendance; [`Permission::ViewVolunteers`] there sees
//! it with its roster; a verified volunteer sees the activities within reach of their
//! area and signs up or withdraws themselves. Anything else is not found.

use chrono::{NaiveDate, NaiveTime};
use civicgrid_domain::care::activities::{
    ActivitySpec, ActivityState, Attendance, MAX_SHIFTS, ShiftSpec, SignupState, check_attendance,
    check_signup, within_reach,
};
use civicgrid_domain::care::hours::{EntryKind, format_hours};
use civicgrid_domain::care::volunteers::Status;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_domain::privacy::mask_name;
use civicgrid_store::care::activities::{self as repo, ActivityRecord, ShiftRecord, SignupRecord};
use civicgrid_store::care::hours::{self as hours_repo, HoursEntry};
use civicgrid_store::care::volunteers::{self as vol_repo, VolunteerRecord};
use civicgrid_store::platform::org;
use civicgrid_store::{AnyConnection, commit, now_ms};

pub use civicgrid_store::care::activities::{
    ActivityRecord as Activity, ShiftRecord as Shift, SignupRecord as Signup,
};

use super::volunteers::{Names, community_of, domain_error, own_entry, today};
use crate::authz::{Change, record, require_in_sight, require_somewhere};
use crate::{App, AppError, AppResult};

/// The community's offset from UTC, in milliseconds (UTC+8).
const OFFSET_MS: i64 = 8 * 3_600_000;
/// The most activities a list shows.
const LIST_MAX: i64 = 100;

/// The instant of `time` on `on` in the community's time.
pub(crate) fn instant(on: NaiveDate, time: NaiveTime) -> i64 {
    on.and_time(time).and_utc().timestamp_millis() - OFFSET_MS
}

/// An activity to publish.
#[derive(Debug, Clone)]
pub struct NewActivity {
    /// The community or grid it is published to.
    pub node_id: i64,
    pub spec: ActivitySpec,
    pub shifts: Vec<ShiftSpec>,
}

/// An activity on a list: its place and its shifts' totals.
#[derive(Debug, Clone)]
pub struct ActivityLine {
    pub a: ActivityRecord,
    pub place_name: String,
    pub first_start: Option<i64>,
    pub slots: i64,
    pub taken: i64,
}

/// A volunteer on a shift's roster.
#[derive(Debug, Clone)]
pub struct RosterLine {
    pub signup: SignupRecord,
    pub name: String,
    pub grid_name: String,
}

/// A shift as the reader sees it.
#[derive(Debug, Clone)]
pub struct ShiftView {
    pub shift: ShiftRecord,
    /// The reader's own place on it.
    pub mine: Option<SignupRecord>,
    pub started: bool,
    pub full: bool,
    pub may_sign_up: bool,
    pub may_withdraw: bool,
    /// Who holds a place (staff only).
    pub roster: Vec<RosterLine>,
    /// Attendance may be confirmed (the shift's day has come).
    pub may_confirm: bool,
}

/// An activity with its shifts, as the reader may act on it.
#[derive(Debug, Clone)]
pub struct ActivityView {
    pub a: ActivityRecord,
    pub place_name: String,
    pub shifts: Vec<ShiftView>,
    pub may_manage: bool,
    /// Verified volunteers in sight who may be assigned: (id, name, grid).
    pub assignable: Vec<(i64, String, String)>,
}

/// A place a volunteer held on a shift, with the activity in words.
#[derive(Debug, Clone)]
pub struct ShiftLine {
    pub signup: SignupRecord,
    pub shift: ShiftRecord,
    pub activity_id: i64,
    pub title: String,
    pub place: String,
}

/// What the activities page shows the actor.
#[derive(Debug, Clone, Default)]
pub struct ActivityLists {
    /// Activities where the actor sees volunteering (staff).
    pub managed: Option<Vec<ActivityLine>>,
    /// Activities within reach of the actor's own verified entry.
    pub open: Option<Vec<ActivityLine>>,
    /// The actor's entry stands here (not verified: why they see no activities).
    pub own_status: Option<Status>,
    pub may_create: bool,
}

/// How the actor stands towards an activity.
struct Standing {
    view: bool,
    manage: bool,
    own: Option<VolunteerRecord>,
}

async fn standing(
    conn: &mut AnyConnection,
    actor: &Actor,
    a: &ActivityRecord,
) -> AppResult<Standing> {
    let own = own_entry(conn, actor).await?;
    Ok(Standing {
        view: actor.can(Permission::ViewVolunteers, &a.scope),
        manage: actor.can(Permission::ManageVolunteers, &a.scope),
        own,
    })
}

async fn load(conn: &mut AnyConnection, id: i64) -> AppResult<ActivityRecord> {
    repo::get_activity(conn, id)
        .await
        .map_err(|_| AppError::NotFound("activity"))
}

/// The shift `shift_id` of activity `a`, or an error on `shift`.
async fn shift_of(
    conn: &mut AnyConnection,
    a: &ActivityRecord,
    shift_id: i64,
) -> AppResult<ShiftRecord> {
    match repo::get_shift(conn, shift_id).await {
        Ok(s) if s.activity_id == a.id => Ok(s),
        _ => Err(AppError::NotFound("shift")),
    }
}

/// An activity the actor manages; one out of their sight is not found.
async fn managed(conn: &mut AnyConnection, actor: &Actor, id: i64) -> AppResult<ActivityRecord> {
    require_somewhere(actor, Permission::ManageVolunteers)?;
    let a = load(conn, id).await?;
    require_in_sight(
        actor,
        Permission::ManageVolunteers,
        Permission::ViewVolunteers,
        &a.scope,
        || AppError::NotFound("activity"),
    )?;
    Ok(a)
}

async fn log(
    conn: &mut AnyConnection,
    actor: &Actor,
    a: &ActivityRecord,
    action: &'static str,
    details: serde_json::Value,
) -> AppResult<()> {
    record(
        conn,
        actor,
        Change {
            action,
            target_type: "activity",
            target_id: a.id.to_string(),
            scope: Some(&a.scope),
            reason: None,
            details,
        },
    )
    .await?;
    Ok(())
}

fn shift_details(s: &ShiftRecord) -> (String, String) {
    let local = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms + OFFSET_MS)
            .map(|t| t.format("%H:%M").to_string())
            .unwrap_or_default()
    };
    (
        s.on.format("%Y-%m-%d").to_string(),
        format!("{}–{}", local(s.starts_at), local(s.ends_at)),
    )
}

async fn line_of(
    conn: &mut AnyConnection,
    names: &mut Names,
    a: ActivityRecord,
) -> AppResult<ActivityLine> {
    let shifts = repo::shifts_of(conn, a.id).await?;
    Ok(ActivityLine {
        place_name: names.of(conn, a.node_id).await?,
        first_start: shifts.iter().map(|s| s.starts_at).min(),
        slots: shifts.iter().map(|s| s.slots).sum(),
        taken: shifts.iter().map(|s| s.taken).sum(),
        a,
    })
}

/// Places a volunteer held, with their activities, the latest shift first.
pub(crate) async fn shifts_of_volunteer(
    conn: &mut AnyConnection,
    volunteer_id: i64,
) -> AppResult<Vec<ShiftLine>> {
    let mut out = Vec::new();
    for signup in repo::signups_of_volunteer(conn, volunteer_id, 200).await? {
        let shift = repo::get_shift(conn, signup.shift_id).await?;
        let a = repo::get_activity(conn, shift.activity_id).await?;
        out.push(ShiftLine {
            signup,
            shift,
            activity_id: a.id,
            title: a.title,
            place: a.place,
        });
    }
    Ok(out)
}

/// Takes a place on `shift` for `v` (signing up, or assigned by `assigned_by`).
async fn take_place(
    conn: &mut AnyConnection,
    a: &ActivityRecord,
    shift: &ShiftRecord,
    v: &VolunteerRecord,
    assigned_by: Option<i64>,
    now: i64,
) -> AppResult<SignupRecord> {
    let field = if assigned_by.is_some() {
        "volunteer_id"
    } else {
        "activity"
    };
    if !v.status.serves() {
        return Err(AppError::invalid(
            field,
            "only a verified volunteer takes shifts",
        ));
    }
    if !within_reach(&a.scope, &v.area) {
        return Err(AppError::invalid(
            field,
            "this activity is outside the area the volunteer covers",
        ));
    }
    let existing = repo::signup_of(conn, shift.id, v.id).await?;
    if existing
        .as_ref()
        .is_some_and(|s| s.state != SignupState::Withdrawn)
    {
        return Err(AppError::invalid(
            "shift",
            "the volunteer holds a place on this shift already",
        ));
    }
    check_signup(a.state, shift.starts_at <= now, shift.taken, shift.slots)
        .map_err(domain_error)?;
    if !repo::take_slot(conn, shift.id).await? {
        return Err(AppError::invalid("shift", "the shift is full"));
    }
    let id = match existing {
        Some(s) => {
            repo::set_signup_state(conn, s.id, SignupState::SignedUp, None, None, now).await?;
            s.id
        }
        None => repo::insert_signup(conn, shift.id, v.id, assigned_by, now).await?,
    };
    Ok(repo::get_signup(conn, id).await?)
}

impl App {
    /// Publishes an activity with its shifts at a community or grid the actor manages.
    pub async fn create_activity(
        &self,
        actor: &Actor,
        new: NewActivity,
    ) -> AppResult<ActivityRecord> {
        let spec = new.spec.check().map_err(domain_error)?;
        if new.shifts.is_empty() {
            return Err(AppError::invalid("shifts", "give at least one shift"));
        }
        if new.shifts.len() > MAX_SHIFTS {
            return Err(AppError::invalid("shifts", "at most 20 shifts"));
        }
        let shifts = new
            .shifts
            .into_iter()
            .map(|s| s.check().map_err(domain_error))
            .collect::<AppResult<Vec<_>>>()?;
        require_somewhere(actor, Permission::ManageVolunteers)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let wrong = || AppError::invalid("published_to", "choose a community or grid you run");
        let node = org::get(&mut tx, new.node_id).await.map_err(|_| wrong())?;
        if !matches!(node.kind, NodeKind::Community | NodeKind::Grid)
            || !actor.can(Permission::ManageVolunteers, &node.path)
        {
            return Err(wrong());
        }
        let community = community_of(&mut tx, &node.path).await?.ok_or_else(wrong)?;
        let mut a = ActivityRecord {
            id: 0,
            community_id: community.id,
            node_id: node.id,
            scope: node.path.clone(),
            title: spec.title,
            description: spec.description,
            place: spec.place,
            skills: spec.skills,
            state: ActivityState::Published,
            organiser_id: actor.user_id,
            created_at: now,
            updated_at: now,
        };
        a.id = repo::insert_activity(&mut tx, &a).await?;
        for s in &shifts {
            repo::insert_shift(
                &mut tx,
                &ShiftRecord {
                    id: 0,
                    activity_id: a.id,
                    on: s.on,
                    starts_at: instant(s.on, s.starts),
                    ends_at: instant(s.on, s.ends),
                    slots: s.slots,
                    taken: 0,
                },
            )
            .await?;
        }
        log(
            &mut tx,
            actor,
            &a,
            "activity.create",
            serde_json::json!({
                "title": a.title, "place": a.place, "shifts": shifts.len(),
                "slots": shifts.iter().map(|s| s.slots).sum::<i64>(),
            }),
        )
        .await?;
        commit(tx).await?;
        Ok(a)
    }

    /// Cancels an activity (its places stay, for the record).
    pub async fn cancel_activity(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let a = managed(&mut tx, actor, id).await?;
        if a.state == ActivityState::Cancelled {
            return Err(AppError::Conflict(
                "the activity was cancelled already".into(),
            ));
        }
        repo::set_activity_state(&mut tx, a.id, ActivityState::Cancelled, now).await?;
        log(
            &mut tx,
            actor,
            &a,
            "activity.cancel",
            serde_json::json!({ "title": a.title }),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// The activities the actor sees: where they follow volunteering, and those within
    /// reach of their own verified entry.
    pub async fn activities(&self, actor: &Actor) -> AppResult<ActivityLists> {
        let mut conn = self.db.read().await?;
        let mut names = Names::default();
        let mut out = ActivityLists {
            may_create: actor.can_somewhere(Permission::ManageVolunteers),
            ..ActivityLists::default()
        };
        if actor.can_somewhere(Permission::ViewVolunteers) {
            let scopes = actor
                .scopes(Permission::ViewVolunteers)
                .unwrap_or_else(|| vec![OrgPath::from_stored(String::new())]);
            let mut all: Vec<ActivityRecord> = Vec::new();
            for s in scopes {
                all.extend(repo::list_activities(&mut conn, &s, LIST_MAX).await?);
            }
            all.sort_by_key(|a| std::cmp::Reverse(a.id));
            all.dedup_by_key(|a| a.id);
            let mut lines = Vec::with_capacity(all.len());
            for a in all {
                lines.push(line_of(&mut conn, &mut names, a).await?);
            }
            out.managed = Some(lines);
        }
        if let Some(v) = own_entry(&mut conn, actor).await? {
            out.own_status = Some(v.status);
            if v.status.serves() {
                let mut lines = Vec::new();
                for a in repo::activities_reaching(&mut conn, &v.area, LIST_MAX).await? {
                    if a.state == ActivityState::Published {
                        lines.push(line_of(&mut conn, &mut names, a).await?);
                    }
                }
                out.open = Some(lines);
            }
        }
        Ok(out)
    }

    /// One activity with its shifts: staff see the roster, a verified volunteer within
    /// reach sees their own place and may sign up.
    pub async fn activity(&self, actor: &Actor, id: i64) -> AppResult<ActivityView> {
        let mut conn = self.db.read().await?;
        let a = load(&mut conn, id).await?;
        let st = standing(&mut conn, actor, &a).await?;
        let reach = st
            .own
            .as_ref()
            .is_some_and(|v| v.status.serves() && within_reach(&a.scope, &v.area));
        let now = now_ms();
        let shifts = repo::shifts_of(&mut conn, a.id).await?;
        let mut held = false;
        let mut views = Vec::with_capacity(shifts.len());
        for s in shifts {
            let mine = match &st.own {
                Some(v) => repo::signup_of(&mut conn, s.id, v.id).await?,
                None => None,
            };
            held |= mine.is_some();
            let started = s.starts_at <= now;
            let full = s.taken >= s.slots;
            let mut roster = Vec::new();
            if st.view {
                let mut names = Names::default();
                for g in repo::signups_of_shift(&mut conn, s.id).await? {
                    let v = vol_repo::get_volunteer(&mut conn, g.volunteer_id).await?;
                    let grid = v.scope.ids().last().copied().unwrap_or(0);
                    roster.push(RosterLine {
                        name: v.name,
                        grid_name: names.of(&mut conn, grid).await?,
                        signup: g,
                    });
                }
            }
            let open_mine = mine
                .as_ref()
                .is_none_or(|m| m.state == SignupState::Withdrawn);
            views.push(ShiftView {
                may_sign_up: reach
                    && a.state == ActivityState::Published
                    && !started
                    && !full
                    && open_mine,
                may_withdraw: mine
                    .as_ref()
                    .is_some_and(|m| m.state == SignupState::SignedUp)
                    && !started,
                may_confirm: st.manage && s.on <= today(now),
                mine,
                started,
                full,
                roster,
                shift: s,
            });
        }
        if !(st.view || reach || held) {
            return Err(AppError::NotFound("activity"));
        }
        let mut assignable = Vec::new();
        if st.manage && a.state == ActivityState::Published {
            let mut names = Names::default();
            let filter = vol_repo::Filter {
                status: Some(Status::Verified),
                skill: None,
            };
            let community = org::get(&mut conn, a.community_id).await?;
            for v in vol_repo::list_volunteers(&mut conn, &community.path, &filter, 500).await? {
                if within_reach(&a.scope, &v.area)
                    && actor.can(Permission::ViewVolunteers, &v.scope)
                {
                    let grid = v.scope.ids().last().copied().unwrap_or(0);
                    assignable.push((v.id, v.name.clone(), names.of(&mut conn, grid).await?));
                }
            }
        }
        let place_name = org::get(&mut conn, a.node_id).await?.name_zh;
        Ok(ActivityView {
            place_name,
            shifts: views,
            may_manage: st.manage,
            assignable,
            a,
        })
    }

    /// The actor signs up for a shift with their own verified entry.
    pub async fn sign_up_for_shift(
        &self,
        actor: &Actor,
        activity_id: i64,
        shift_id: i64,
    ) -> AppResult<SignupRecord> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let Some(v) = own_entry(&mut tx, actor).await? else {
            return Err(AppError::Forbidden);
        };
        let a = load(&mut tx, activity_id).await?;
        if !v.status.serves() {
            return Err(AppError::Forbidden);
        }
        let shift = shift_of(&mut tx, &a, shift_id).await?;
        let place = take_place(&mut tx, &a, &shift, &v, None, now).await?;
        let (on, time) = shift_details(&shift);
        log(
            &mut tx,
            actor,
            &a,
            "activity.sign_up",
            serde_json::json!({ "volunteer": mask_name(&v.name), "on": on, "time": time }),
        )
        .await?;
        commit(tx).await?;
        Ok(place)
    }

    /// The actor gives their place on a shift back, before it starts.
    pub async fn withdraw_from_shift(
        &self,
        actor: &Actor,
        activity_id: i64,
        shift_id: i64,
    ) -> AppResult<()> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let Some(v) = own_entry(&mut tx, actor).await? else {
            return Err(AppError::Forbidden);
        };
        let a = load(&mut tx, activity_id).await?;
        let shift = shift_of(&mut tx, &a, shift_id).await?;
        let Some(place) = repo::signup_of(&mut tx, shift.id, v.id)
            .await?
            .filter(|p| p.state == SignupState::SignedUp)
        else {
            return Err(AppError::invalid(
                "shift",
                "you hold no place on this shift",
            ));
        };
        if shift.starts_at <= now {
            return Err(AppError::invalid("shift", "the shift has already started"));
        }
        repo::set_signup_state(&mut tx, place.id, SignupState::Withdrawn, None, None, now).await?;
        repo::free_slot(&mut tx, shift.id).await?;
        let (on, time) = shift_details(&shift);
        log(
            &mut tx,
            actor,
            &a,
            "activity.withdraw",
            serde_json::json!({ "volunteer": mask_name(&v.name), "on": on, "time": time }),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Staff assign a verified volunteer in their sight to a shift.
    pub async fn assign_to_shift(
        &self,
        actor: &Actor,
        activity_id: i64,
        shift_id: i64,
        volunteer_id: i64,
    ) -> AppResult<SignupRecord> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let a = managed(&mut tx, actor, activity_id).await?;
        let shift = shift_of(&mut tx, &a, shift_id).await?;
        let wrong = || AppError::invalid("volunteer_id", "choose a volunteer of the registry");
        let v = vol_repo::get_volunteer(&mut tx, volunteer_id)
            .await
            .map_err(|_| wrong())?;
        if !actor.can(Permission::ViewVolunteers, &v.scope) {
            return Err(wrong());
        }
        let place = take_place(&mut tx, &a, &shift, &v, actor.user_id, now).await?;
        let (on, time) = shift_details(&shift);
        log(
            &mut tx,
            actor,
            &a,
            "activity.assign",
            serde_json::json!({ "volunteer": mask_name(&v.name), "on": on, "time": time }),
        )
        .await?;
        commit(tx).await?;
        Ok(place)
    }

    /// The organiser says whether a volunteer came, and for how long; confirmed hours
    /// become an entry of the volunteer's hours ledger.
    pub async fn confirm_attendance(
        &self,
        actor: &Actor,
        activity_id: i64,
        shift_id: i64,
        signup_id: i64,
        what: Attendance,
    ) -> AppResult<()> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let a = managed(&mut tx, actor, activity_id).await?;
        let shift = shift_of(&mut tx, &a, shift_id).await?;
        let place = match repo::get_signup(&mut tx, signup_id).await {
            Ok(p) if p.shift_id == shift.id => p,
            _ => {
                return Err(AppError::invalid(
                    "signup",
                    "choose a volunteer on this shift",
                ));
            }
        };
        let to = check_attendance(place.state, what, shift.on, shift.minutes(), today(now))
            .map_err(domain_error)?;
        let minutes = match what {
            Attendance::Attended(m) => Some(m),
            Attendance::Absent => None,
        };
        repo::set_signup_state(&mut tx, place.id, to, minutes, actor.user_id, now).await?;
        match (place.state, to) {
            (SignupState::SignedUp, SignupState::Absent) => {
                repo::free_slot(&mut tx, shift.id).await?
            }
            (SignupState::Absent, SignupState::Attended) => {
                repo::take_slot(&mut tx, shift.id).await?;
            }
            _ => {}
        }
        let mut entry = None;
        if let Some(m) = minutes {
            entry = Some(
                hours_repo::append_entry(
                    &mut tx,
                    &HoursEntry {
                        id: 0,
                        volunteer_id: place.volunteer_id,
                        kind: EntryKind::Shift,
                        minutes: m,
                        served_on: shift.on,
                        signup_id: place.id,
                        corrects_id: None,
                        reason: None,
                        recorded_by: actor.user_id,
                        recorded_at: now,
                    },
                )
                .await?,
            );
        }
        let who = vol_repo::get_volunteer(&mut tx, place.volunteer_id).await?;
        let (on, time) = shift_details(&shift);
        log(
            &mut tx,
            actor,
            &a,
            "activity.attendance",
            serde_json::json!({
                "volunteer": mask_name(&who.name), "on": on, "time": time,
                "attendance": to.code(), "hours": minutes.map(format_hours), "entry": entry,
            }),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }
}
