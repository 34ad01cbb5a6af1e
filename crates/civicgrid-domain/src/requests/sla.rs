//! Service levels: when a request must be answered and resolved, when to warn, and how
//! far up the escalation ladder (grid worker → community staff → street admin) an
//! overdue request has climbed.
//!
//! Due times are computed once, on intake, from the category's targets and the
//! business calendar, and stored. A reopened request gets a fresh resolution deadline
//! from the moment it was reopened ([`SlaPolicy::resolution_deadline`]); time on hold
//! pushes deadlines back by the business time spent there ([`Deadlines::extended`]).
//!
//! Escalation is expressed as "the level the request should be at, given now"
//! ([`EscalationPolicy::level_at`]). A periodic job computes that level and only ever
//! moves a request up (`UPDATE … SET level = $target WHERE id = $id AND level < $target`),
//! so running it twice at the same instant, or on several instances at once, takes no
//! second step.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::Language;
use super::calendar::BusinessCalendar;
use super::category::Category;
use super::status::Status;
use crate::platform::access::Role;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum SlaError {
    #[error("the warning must come at 1–99% of the target")]
    BadWarningPercent,
    #[error("street admins must be alerted no earlier than community staff")]
    LadderOutOfOrder,
    #[error(
        "an escalation comes at most {MAX_ESCALATION_MINUTES} business minutes after the due time"
    )]
    EscalationTooLate,
    #[error("unknown SLA state '{0}' (expected on_track, warning or overdue)")]
    UnknownState(String),
    #[error(
        "unknown escalation level '{0}' (expected grid_worker, community_staff or street_admin)"
    )]
    UnknownLevel(String),
}

impl SlaError {
    /// Stable snake_case code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            SlaError::BadWarningPercent => "bad_warning_percent",
            SlaError::LadderOutOfOrder => "escalation_ladder_out_of_order",
            SlaError::EscalationTooLate => "escalation_too_late",
            SlaError::UnknownState(_) => "unknown_sla_state",
            SlaError::UnknownLevel(_) => "unknown_escalation_level",
        }
    }
}

/// A category's targets, in business minutes from the start of the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    pub response_minutes: u32,
    pub resolution_minutes: u32,
}

impl Targets {
    pub fn of(category: &Category) -> Targets {
        Targets {
            response_minutes: category.response_minutes,
            resolution_minutes: category.resolution_minutes,
        }
    }
}

/// The shares of its target, in percent, at which a request may be put in warning.
pub const WARNING_PERCENTS: std::ops::RangeInclusive<u8> = 1..=99;
/// Longest escalation delay, in business minutes (a year of eight-hour days).
pub const MAX_ESCALATION_MINUTES: u32 = 366 * 8 * 60;

/// How early a warning comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    /// A request is in warning once this share of its target has elapsed.
    pub warning_percent: u8,
}

impl Default for SlaPolicy {
    fn default() -> SlaPolicy {
        SlaPolicy {
            warning_percent: 80,
        }
    }
}

/// Due and warning instants of one request, UTC milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub response_warn_ms: i64,
    pub response_due_ms: i64,
    pub resolution_warn_ms: i64,
    pub resolution_due_ms: i64,
}

impl SlaPolicy {
    pub fn validate(self) -> Result<SlaPolicy, SlaError> {
        if WARNING_PERCENTS.contains(&self.warning_percent) {
            Ok(self)
        } else {
            Err(SlaError::BadWarningPercent)
        }
    }

    fn warn_minutes(self, target: u32) -> u32 {
        let share = u64::from(target) * u64::from(self.warning_percent.min(100)) / 100;
        // share <= target, so it fits.
        u32::try_from(share).unwrap_or(target)
    }

    /// (warning, due) of a target of `minutes` counted from `from_ms`.
    pub fn deadline(self, cal: &BusinessCalendar, from_ms: i64, minutes: u32) -> (i64, i64) {
        (
            cal.add_business_minutes(from_ms, self.warn_minutes(minutes)),
            cal.add_business_minutes(from_ms, minutes),
        )
    }

    /// All deadlines of a request submitted at `submitted_ms`.
    pub fn deadlines(
        self,
        cal: &BusinessCalendar,
        targets: Targets,
        submitted_ms: i64,
    ) -> Deadlines {
        let (response_warn_ms, response_due_ms) =
            self.deadline(cal, submitted_ms, targets.response_minutes);
        let (resolution_warn_ms, resolution_due_ms) =
            self.deadline(cal, submitted_ms, targets.resolution_minutes);
        Deadlines {
            response_warn_ms,
            response_due_ms,
            resolution_warn_ms,
            resolution_due_ms,
        }
    }

    /// Fresh resolution deadlines for a request reopened at `reopened_ms`; the response
    /// deadlines stay as they were.
    pub fn resolution_deadline(
        self,
        cal: &BusinessCalendar,
        targets: Targets,
        reopened_ms: i64,
        before: Deadlines,
    ) -> Deadlines {
        let (resolution_warn_ms, resolution_due_ms) =
            self.deadline(cal, reopened_ms, targets.resolution_minutes);
        Deadlines {
            resolution_warn_ms,
            resolution_due_ms,
            ..before
        }
    }
}

impl Deadlines {
    /// The deadlines pushed back by the business time between `held_ms` and `resumed_ms`
    /// (a hold); deadlines already passed when the hold began stay where they were.
    pub fn extended(self, cal: &BusinessCalendar, held_ms: i64, resumed_ms: i64) -> Deadlines {
        let paused = cal.business_ms_between(held_ms, resumed_ms).max(0);
        let push = |t: i64| {
            if t <= held_ms {
                t
            } else {
                cal.add_business_ms(t, paused)
            }
        };
        Deadlines {
            response_warn_ms: push(self.response_warn_ms),
            response_due_ms: push(self.response_due_ms),
            resolution_warn_ms: push(self.resolution_warn_ms),
            resolution_due_ms: push(self.resolution_due_ms),
        }
    }

    /// The clock that governs a request in `status`: the response clock until someone
    /// acts on it, then the resolution clock; `None` while on hold or once work is done.
    pub fn governing(self, status: Status) -> Option<Clock> {
        if !status.sla_clock_runs() {
            None
        } else if status.awaits_response() {
            Some(Clock {
                kind: ClockKind::Response,
                warn_ms: self.response_warn_ms,
                due_ms: self.response_due_ms,
            })
        } else {
            Some(Clock {
                kind: ClockKind::Resolution,
                warn_ms: self.resolution_warn_ms,
                due_ms: self.resolution_due_ms,
            })
        }
    }

    /// The state of a request in `status` at `now_ms`; `None` when no clock runs.
    pub fn state(self, status: Status, now_ms: i64) -> Option<SlaState> {
        self.governing(status).map(|c| c.state(now_ms))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Response,
    Resolution,
}

/// One running clock: which, when it warns, when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub kind: ClockKind,
    pub warn_ms: i64,
    pub due_ms: i64,
}

impl Clock {
    pub fn state(self, now_ms: i64) -> SlaState {
        state_at(now_ms, self.warn_ms, self.due_ms)
    }
}

/// On track, in warning, or overdue; ordered from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    OnTrack,
    Warning,
    Overdue,
}

impl SlaState {
    pub const ALL: [SlaState; 3] = [SlaState::OnTrack, SlaState::Warning, SlaState::Overdue];

    pub fn code(self) -> &'static str {
        match self {
            SlaState::OnTrack => "on_track",
            SlaState::Warning => "warning",
            SlaState::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Result<SlaState, SlaError> {
        SlaState::ALL
            .into_iter()
            .find(|x| x.code() == s)
            .ok_or_else(|| SlaError::UnknownState(s.to_owned()))
    }

    pub fn label(self, lang: Language) -> &'static str {
        match (self, lang) {
            (SlaState::OnTrack, Language::Zh) => "正常",
            (SlaState::OnTrack, Language::En) => "On track",
            (SlaState::Warning, Language::Zh) => "即将超时",
            (SlaState::Warning, Language::En) => "Due soon",
            (SlaState::Overdue, Language::Zh) => "已超时",
            (SlaState::Overdue, Language::En) => "Overdue",
        }
    }
}

impl fmt::Display for SlaState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Overdue from the due instant on, in warning from the warning instant on.
pub fn state_at(now_ms: i64, warn_ms: i64, due_ms: i64) -> SlaState {
    if now_ms >= due_ms {
        SlaState::Overdue
    } else if now_ms >= warn_ms {
        SlaState::Warning
    } else {
        SlaState::OnTrack
    }
}

/// Was a target met by something done at `done_ms`?
pub fn met(due_ms: i64, done_ms: i64) -> bool {
    done_ms < due_ms
}

/// Who watches a request: everyone from the grid worker up, more of them as it runs
/// later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationLevel {
    GridWorker,
    CommunityStaff,
    StreetAdmin,
}

impl EscalationLevel {
    pub const ALL: [EscalationLevel; 3] = [
        EscalationLevel::GridWorker,
        EscalationLevel::CommunityStaff,
        EscalationLevel::StreetAdmin,
    ];

    pub fn code(self) -> &'static str {
        self.role().as_str()
    }

    pub fn parse(s: &str) -> Result<EscalationLevel, SlaError> {
        EscalationLevel::ALL
            .into_iter()
            .find(|l| l.code() == s)
            .ok_or_else(|| SlaError::UnknownLevel(s.to_owned()))
    }

    /// 0, 1, 2: for storage as a small integer.
    pub fn rank(self) -> u8 {
        match self {
            EscalationLevel::GridWorker => 0,
            EscalationLevel::CommunityStaff => 1,
            EscalationLevel::StreetAdmin => 2,
        }
    }

    pub fn from_rank(rank: u8) -> Option<EscalationLevel> {
        EscalationLevel::ALL.get(usize::from(rank)).copied()
    }

    /// The role alerted at this level.
    pub fn role(self) -> Role {
        match self {
            EscalationLevel::GridWorker => Role::GridWorker,
            EscalationLevel::CommunityStaff => Role::CommunityStaff,
            EscalationLevel::StreetAdmin => Role::StreetAdmin,
        }
    }
}

impl fmt::Display for EscalationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// When an overdue request climbs the ladder, in business minutes after its due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationPolicy {
    /// Community staff are alerted this long after the due time (0: at the due time).
    pub community_staff_after_minutes: u32,
    /// The street office is alerted this long after the due time.
    pub street_admin_after_minutes: u32,
}

impl Default for EscalationPolicy {
    /// Community staff at the due time, the street one business day later.
    fn default() -> EscalationPolicy {
        EscalationPolicy {
            community_staff_after_minutes: 0,
            street_admin_after_minutes: 450,
        }
    }
}

impl EscalationPolicy {
    pub fn validate(self) -> Result<EscalationPolicy, SlaError> {
        if self.street_admin_after_minutes < self.community_staff_after_minutes {
            Err(SlaError::LadderOutOfOrder)
        } else if self.street_admin_after_minutes > MAX_ESCALATION_MINUTES {
            Err(SlaError::EscalationTooLate)
        } else {
            Ok(self)
        }
    }

    /// The instant a request due at `due_ms` reaches `level`.
    pub fn reached_at(self, cal: &BusinessCalendar, level: EscalationLevel, due_ms: i64) -> i64 {
        match level {
            EscalationLevel::GridWorker => i64::MIN,
            EscalationLevel::CommunityStaff => {
                cal.add_business_minutes(due_ms, self.community_staff_after_minutes)
            }
            EscalationLevel::StreetAdmin => {
                cal.add_business_minutes(due_ms, self.street_admin_after_minutes)
            }
        }
    }

    /// The level a request due at `due_ms` should be at, at `now_ms`.
    pub fn level_at(self, cal: &BusinessCalendar, due_ms: i64, now_ms: i64) -> EscalationLevel {
        EscalationLevel::ALL
            .into_iter()
            .rev()
            .find(|&l| now_ms >= self.reached_at(cal, l, due_ms))
            .unwrap_or(EscalationLevel::GridWorker)
    }

    /// The level to move a request at `current` to, if it should move up at `now_ms`.
    /// Several steps are taken at once when the job has not run for a while; a request
    /// never moves down, and asking again at the same instant gives `None`.
    pub fn next_escalation(
        self,
        cal: &BusinessCalendar,
        current: EscalationLevel,
        due_ms: i64,
        now_ms: i64,
    ) -> Option<EscalationLevel> {
        let target = self.level_at(cal, due_ms, now_ms);
        (target > current).then_some(target)
    }

    /// When a request at `current` next climbs, and to which level; `None` at the top.
    /// Stored beside the request, this lets the job read only what is due.
    pub fn next_step_at(
        self,
        cal: &BusinessCalendar,
        current: EscalationLevel,
        due_ms: i64,
    ) -> Option<(EscalationLevel, i64)> {
        let next = EscalationLevel::from_rank(current.rank() + 1)?;
        Some((next, self.reached_at(cal, next, due_ms)))
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::requests::calendar::CalendarConfig;
    use crate::requests::category::default_catalogue;

    const MIN: i64 = 60_000;
    const H: i64 = 60 * MIN;

    /// UTC ms of a local (UTC+8) date and time.
    fn at(y: i32, m: u32, d: u32, hh: i64, mm: i64) -> i64 {
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let days = date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap());
        days.num_days() * 24 * H + hh * H + mm * MIN - 8 * H
    }

    fn cal() -> BusinessCalendar {
        BusinessCalendar::default()
    }

    #[test]
    fn deadlines_from_category_targets() {
        let lift = default_catalogue()
            .into_iter()
            .find(|c| c.code == "repairs_lift")
            .unwrap();
        let t = Targets::of(&lift);
        assert_eq!((t.response_minutes, t.resolution_minutes), (15, 240));
        // Friday 2025-03-07 17:20.
        let submitted = at(2025, 3, 7, 17, 20);
        let d = SlaPolicy::default().deadlines(&cal(), t, submitted);
        // 10 minutes on Friday; 80% of 15 = 12, so warn at Monday 08:32, due 08:35.
        assert_eq!(d.response_warn_ms, at(2025, 3, 10, 8, 32));
        assert_eq!(d.response_due_ms, at(2025, 3, 10, 8, 35));
        // 240 minutes: 10 on Friday, 210 Monday morning, 20 after lunch.
        assert_eq!(d.resolution_due_ms, at(2025, 3, 10, 13, 50));
        // 192 minutes: 10 on Friday, 182 on Monday morning.
        assert_eq!(d.resolution_warn_ms, at(2025, 3, 10, 11, 32));
    }

    #[test]
    fn states() {
        assert_eq!(state_at(0, 10, 20), SlaState::OnTrack);
        assert_eq!(state_at(10, 10, 20), SlaState::Warning);
        assert_eq!(state_at(20, 10, 20), SlaState::Overdue);
        assert!(SlaState::Overdue > SlaState::Warning);
        for s in SlaState::ALL {
            assert_eq!(SlaState::parse(s.code()), Ok(s));
            assert!(!s.label(Language::Zh).is_empty());
        }
        assert!(SlaState::parse("late").is_err());
        assert!(met(20, 19));
        assert!(!met(20, 20));
    }

    #[test]
    fn which_clock_runs() {
        let d = Deadlines {
            response_warn_ms: 8,
            response_due_ms: 10,
            resolution_warn_ms: 80,
            resolution_due_ms: 100,
        };
        assert_eq!(
            d.governing(Status::Submitted).map(|c| c.kind),
            Some(ClockKind::Response)
        );
        assert_eq!(d.state(Status::Submitted, 10), Some(SlaState::Overdue));
        // Accepted: the response was given, the resolution clock runs.
        assert_eq!(d.state(Status::Accepted, 10), Some(SlaState::OnTrack));
        assert_eq!(d.state(Status::InProgress, 85), Some(SlaState::Warning));
        assert_eq!(d.state(Status::Reopened, 100), Some(SlaState::Overdue));
        for s in [
            Status::OnHold,
            Status::Resolved,
            Status::Closed,
            Status::Rejected,
            Status::Duplicate,
            Status::Referred,
        ] {
            assert_eq!(d.state(s, 1_000), None, "{s}");
        }
    }

    #[test]
    fn reopening_restarts_the_resolution_clock() {
        let t = Targets {
            response_minutes: 30,
            resolution_minutes: 450,
        };
        let p = SlaPolicy::default();
        let first = p.deadlines(&cal(), t, at(2025, 3, 3, 9, 0));
        let reopened = p.resolution_deadline(&cal(), t, at(2025, 3, 12, 9, 0), first);
        assert_eq!(reopened.response_due_ms, first.response_due_ms);
        assert_eq!(reopened.resolution_due_ms, at(2025, 3, 13, 9, 0));
    }

    #[test]
    fn a_hold_pushes_deadlines_back() {
        let t = Targets {
            response_minutes: 30,
            resolution_minutes: 450,
        };
        // Submitted Monday 09:00: response due 09:30, resolution Tuesday 09:00.
        let d = SlaPolicy::default().deadlines(&cal(), t, at(2025, 3, 3, 9, 0));
        assert_eq!(d.resolution_due_ms, at(2025, 3, 4, 9, 0));
        // On hold Monday 10:00 to Monday 16:00: 2h + 2.5h = 270 business minutes.
        let e = d.extended(&cal(), at(2025, 3, 3, 10, 0), at(2025, 3, 3, 16, 0));
        assert_eq!(e.response_due_ms, d.response_due_ms, "already passed");
        assert_eq!(e.resolution_due_ms, at(2025, 3, 4, 15, 0));
        // A hold over a weekend costs nothing.
        let w = d.extended(&cal(), at(2025, 3, 8, 9, 0), at(2025, 3, 9, 18, 0));
        assert_eq!(w, d);
        // A resume recorded before the hold (clock skew) pushes nothing.
        let skew = d.extended(&cal(), at(2025, 3, 3, 10, 0), at(2025, 3, 3, 9, 0));
        assert_eq!(skew, d);
    }

    #[test]
    fn policies_are_checked() {
        assert!(SlaPolicy::default().validate().is_ok());
        assert_eq!(
            SlaPolicy { warning_percent: 0 }.validate(),
            Err(SlaError::BadWarningPercent)
        );
        assert_eq!(
            SlaPolicy {
                warning_percent: 100
            }
            .validate(),
            Err(SlaError::BadWarningPercent)
        );
        assert!(EscalationPolicy::default().validate().is_ok());
        assert_eq!(
            EscalationPolicy {
                community_staff_after_minutes: 60,
                street_admin_after_minutes: 30,
            }
            .validate(),
            Err(SlaError::LadderOutOfOrder)
        );
    }

    #[test]
    fn levels() {
        for l in EscalationLevel::ALL {
            assert_eq!(EscalationLevel::parse(l.code()), Ok(l));
            assert_eq!(EscalationLevel::from_rank(l.rank()), Some(l));
        }
        assert_eq!(EscalationLevel::from_rank(3), None);
        assert_eq!(EscalationLevel::StreetAdmin.code(), "street_admin");
        assert_eq!(EscalationLevel::CommunityStaff.role(), Role::CommunityStaff);
        assert!(EscalationLevel::parse("mayor").is_err());
    }

    #[test]
    fn the_ladder() {
        let cal = cal();
        let p = EscalationPolicy::default();
        // Due Monday 2025-03-03 16:00.
        let due = at(2025, 3, 3, 16, 0);
        let level = |now| p.level_at(&cal, due, now);
        assert_eq!(level(at(2025, 3, 3, 15, 59)), EscalationLevel::GridWorker);
        assert_eq!(level(due), EscalationLevel::CommunityStaff);
        // One business day later: Tuesday 16:00.
        assert_eq!(
            level(at(2025, 3, 4, 15, 59)),
            EscalationLevel::CommunityStaff
        );
        assert_eq!(level(at(2025, 3, 4, 16, 0)), EscalationLevel::StreetAdmin);
        assert_eq!(level(i64::MAX), EscalationLevel::StreetAdmin);
        assert_eq!(
            p.next_step_at(&cal, EscalationLevel::GridWorker, due),
            Some((EscalationLevel::CommunityStaff, due))
        );
        assert_eq!(
            p.next_step_at(&cal, EscalationLevel::CommunityStaff, due),
            Some((EscalationLevel::StreetAdmin, at(2025, 3, 4, 16, 0)))
        );
        assert_eq!(
            p.next_step_at(&cal, EscalationLevel::StreetAdmin, due),
            None
        );
    }

    #[test]
    fn escalating_is_idempotent_and_only_goes_up() {
        let cal = cal();
        let p = EscalationPolicy::default();
        let due = at(2025, 3, 3, 16, 0);
        let mut level = EscalationLevel::GridWorker;
        let mut steps = Vec::new();
        // The job runs every 10 minutes for three days, each tick twice.
        let mut now = at(2025, 3, 3, 8, 0);
        while now < at(2025, 3, 6, 8, 0) {
            for _ in 0..2 {
                if let Some(next) = p.next_escalation(&cal, level, due, now) {
                    assert!(next > level);
                    steps.push((next, now));
                    level = next;
                }
            }
            now += 10 * MIN;
        }
        assert_eq!(
            steps,
            vec![
                (EscalationLevel::CommunityStaff, due),
                (EscalationLevel::StreetAdmin, at(2025, 3, 4, 16, 0)),
            ]
        );
        // A job that was down all that time takes both steps at once.
        assert_eq!(
            p.next_escalation(
                &cal,
                EscalationLevel::GridWorker,
                due,
                at(2025, 3, 10, 9, 0)
            ),
            Some(EscalationLevel::StreetAdmin)
        );
        // Never down, even if the due time moved later (a hold, a reopening).
        assert_eq!(
            p.next_escalation(&cal, EscalationLevel::StreetAdmin, due, 0),
            None
        );
    }

    #[test]
    fn escalation_follows_the_calendar() {
        let cfg = CalendarConfig {
            holidays: vec![NaiveDate::from_ymd_opt(2025, 3, 4).unwrap()],
            ..CalendarConfig::default()
        };
        let cal = BusinessCalendar::new(cfg).unwrap();
        let p = EscalationPolicy::default();
        let due = at(2025, 3, 3, 16, 0);
        // Tuesday is a holiday: the street is alerted on Wednesday 16:00.
        assert_eq!(
            p.reached_at(&cal, EscalationLevel::StreetAdmin, due),
            at(2025, 3, 5, 16, 0)
        );
    }
}
