//! The hours ledger (时间银行) and a volunteer's own page: confirmed hours appear as
//! entries traceable to their shift; staff put a wrong number right with a correction
//! and its reason, appended like any entry (see
//! [`civicgrid_domain::care::hours`]). A volunteer reads their upcoming shifts, hours
//! by year, the entries and a printable certificate.

use civicgrid_domain::care::hours::{EntryKind, by_year, check_correction, format_hours};
use civicgrid_domain::platform::access::Actor;
use civicgrid_store::care::activities as act_repo;
use civicgrid_store::care::hours::{self as repo, HoursEntry};
use civicgrid_store::care::volunteers::VolunteerRecord;
use civicgrid_store::{AnyConnection, commit, now_ms};

use super::activities::ShiftLine;
use super::volunteers::{domain_error, log, managed, resident_home, today};
use crate::participation::deliberation::Home;
use crate::{App, AppError, AppResult};

/// An entry with the activity and shift it traces to.
#[derive(Debug, Clone)]
pub struct EntryLine {
    pub entry: HoursEntry,
    pub activity_id: i64,
    pub title: String,
    pub shift_starts_at: i64,
    pub shift_ends_at: i64,
}

/// A volunteer's hours: every entry (the latest first), totals by year, the sum.
#[derive(Debug, Clone, Default)]
pub struct HoursLedger {
    pub entries: Vec<EntryLine>,
    pub years: Vec<(i32, i64)>,
    pub total: i64,
}

/// The hours ledger of volunteer `volunteer_id`.
pub(crate) async fn ledger_of(
    conn: &mut AnyConnection,
    volunteer_id: i64,
) -> AppResult<HoursLedger> {
    let entries = repo::entries_of(conn, volunteer_id).await?;
    let years = by_year(entries.iter().map(|e| (e.served_on, e.minutes)));
    let total = entries.iter().map(|e| e.minutes).sum();
    let mut lines = Vec::with_capacity(entries.len());
    for e in entries {
        let signup = act_repo::get_signup(conn, e.signup_id).await?;
        let shift = act_repo::get_shift(conn, signup.shift_id).await?;
        let a = act_repo::get_activity(conn, shift.activity_id).await?;
        lines.push(EntryLine {
            entry: e,
            activity_id: a.id,
            title: a.title,
            shift_starts_at: shift.starts_at,
            shift_ends_at: shift.ends_at,
        });
    }
    Ok(HoursLedger {
        entries: lines,
        years,
        total,
    })
}

/// A resident's own volunteering: where they stand, their shifts and hours.
#[derive(Debug, Clone)]
pub struct MyVolunteering {
    /// Where the actor lives; `None`: the account is not linked to a living record.
    pub home: Option<Home>,
    pub volunteer: Option<VolunteerRecord>,
    pub upcoming: Vec<ShiftLine>,
    pub past: Vec<ShiftLine>,
    pub hours: HoursLedger,
    pub teams: Vec<(civicgrid_store::care::teams::TeamRecord, bool)>,
}

/// A certificate of hours (志愿服务时长证明).
#[derive(Debug, Clone)]
pub struct Certificate {
    pub name: String,
    pub community_name: String,
    pub verified_at: Option<i64>,
    pub hours: HoursLedger,
    pub issued_on: chrono::NaiveDate,
}

impl App {
    /// The actor's own volunteering page.
    pub async fn my_volunteering(&self, actor: &Actor) -> AppResult<MyVolunteering> {
        let mut conn = self.db.read().await?;
        let found = resident_home(&mut conn, actor).await?;
        let mut out = MyVolunteering {
            home: found.as_ref().map(|(_, h)| h.clone()),
            volunteer: None,
            upcoming: Vec::new(),
            past: Vec::new(),
            hours: HoursLedger::default(),
            teams: Vec::new(),
        };
        let Some((resident, _)) = found else {
            return Ok(out);
        };
        let Some(v) =
            civicgrid_store::care::volunteers::volunteer_of_resident(&mut conn, resident).await?
        else {
            return Ok(out);
        };
        let now = now_ms();
        for line in super::activities::shifts_of_volunteer(&mut conn, v.id).await? {
            if line.shift.ends_at > now {
                out.upcoming.push(line);
            } else {
                out.past.push(line);
            }
        }
        out.upcoming.reverse();
        out.hours = ledger_of(&mut conn, v.id).await?;
        out.teams = civicgrid_store::care::teams::teams_of_volunteer(&mut conn, v.id).await?;
        out.volunteer = Some(v);
        Ok(out)
    }

    /// The actor's certificate of hours; only a volunteer in the registry has one.
    pub async fn my_certificate(&self, actor: &Actor) -> AppResult<Certificate> {
        let mine = self.my_volunteering(actor).await?;
        let (Some(v), Some(home)) = (mine.volunteer, mine.home) else {
            return Err(AppError::NotFound("volunteer"));
        };
        Ok(Certificate {
            name: v.name,
            community_name: home.community_name,
            verified_at: v.verified_at,
            hours: mine.hours,
            issued_on: today(now_ms()),
        })
    }

    /// Corrects the hours of entry `entry_id` of a volunteer by `delta` minutes, for
    /// `reason`: a new entry, never a change to the old one.
    pub async fn correct_hours(
        &self,
        actor: &Actor,
        volunteer_id: i64,
        entry_id: i64,
        delta: i64,
        reason: &str,
    ) -> AppResult<i64> {
        let reason = crate::authz::reason(Some(reason))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let v = managed(&mut tx, actor, volunteer_id).await?;
        let original = match repo::get_entry(&mut tx, entry_id).await {
            Ok(e) if e.volunteer_id == v.id => e,
            _ => {
                return Err(AppError::invalid(
                    "entry_id",
                    "choose an entry of this volunteer's hours",
                ));
            }
        };
        let signup = act_repo::get_signup(&mut tx, original.signup_id).await?;
        let shift = act_repo::get_shift(&mut tx, signup.shift_id).await?;
        let current = repo::minutes_of_signup(&mut tx, signup.id).await?;
        check_correction(delta, current, shift.minutes(), reason.as_deref())
            .map_err(domain_error)?;
        let id = repo::append_entry(
            &mut tx,
            &HoursEntry {
                id: 0,
                volunteer_id: v.id,
                kind: EntryKind::Correction,
                minutes: delta,
                served_on: original.served_on,
                signup_id: signup.id,
                corrects_id: Some(original.corrects_id.unwrap_or(original.id)),
                reason: reason.clone(),
                recorded_by: actor.user_id,
                recorded_at: now,
            },
        )
        .await?;
        log(
            &mut tx,
            actor,
            &v,
            "volunteer.hours_correction",
            reason.as_deref(),
            serde_json::json!({
                "entry": id, "corrects": original.id, "hours": format_hours(delta),
                "on": original.served_on.format("%Y-%m-%d").to_string(),
            }),
        )
        .await?;
        commit(tx).await?;
        Ok(id)
    }

    /// The hours ledger of a volunteer the actor may see.
    pub async fn volunteer_hours(
        &self,
        actor: &Actor,
        volunteer_id: i64,
    ) -> AppResult<HoursLedger> {
        let mut conn = self.db.read().await?;
        let v = super::volunteers::in_sight(&mut conn, actor, volunteer_id).await?;
        ledger_of(&mut conn, v.id).await
    }
}
