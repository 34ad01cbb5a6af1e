//! Volunteer activities and their shifts (志愿活动与班次): staff publish an activity to
//! a community or one of its grids, with one or more shifts (a day, a start and an end
//! time, a number of slots) and the skills it wants. Verified volunteers whose area
//! meets the activity's place sign up, or staff assign them; after the shift the
//! organiser confirms who came and for how long.
//!
//! A place on a shift (a sign-up) moves so:
//!
//! | from       | to                         | who                            |
//! |------------|----------------------------|--------------------------------|
//! | (none)     | signed_up                  | the volunteer, or staff assign |
//! | signed_up  | withdrawn                  | the volunteer, before it starts |
//! | withdrawn  | signed_up                  | the volunteer, again           |
//! | signed_up  | attended (with hours), absent | the organiser, once it began |
//! | absent     | attended (with hours)      | the organiser                  |
//!
//! Attended is final: a wrong number of hours is put right in the hours ledger by a
//! correction ([`super::hours`]), never by changing the sign-up. A shift holds at most
//! its slots of places signed up or attended; a full shift, one that has started, a
//! cancelled activity and an activity outside the volunteer's area refuse a sign-up.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::volunteers::{Invalid, Skill, bad};
use crate::ledger::person::coded_enum;

coded_enum!(
    /// Where an activity stands.
    ActivityState, "activity state", {
    Published => "published", "报名中", ["已发布"];
    Cancelled => "cancelled", "已取消", ["取消"];
});

coded_enum!(
    /// A volunteer's place on a shift.
    SignupState, "sign-up state", {
    SignedUp => "signed_up", "已报名", ["报名"];
    Withdrawn => "withdrawn", "已退出", ["退出"];
    Attended => "attended", "已到岗", ["到岗"];
    Absent => "absent", "未到岗", ["缺席"];
});

impl SignupState {
    /// Whether the place counts against the shift's slots.
    pub fn holds_slot(self) -> bool {
        matches!(self, SignupState::SignedUp | SignupState::Attended)
    }

    /// Whether the organiser may still record attendance on it.
    pub fn awaits_attendance(self) -> bool {
        matches!(self, SignupState::SignedUp | SignupState::Absent)
    }
}

/// The most slots a shift may have.
pub const MAX_SLOTS: i64 = 500;
/// The most shifts an activity may have.
pub const MAX_SHIFTS: usize = 20;

/// What an activity is, as staff wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivitySpec {
    pub title: String,
    pub description: String,
    /// Where to meet (社区活动室, 3栋楼下).
    pub place: String,
    pub skills: Vec<Skill>,
}

fn text(field: &'static str, raw: &str, max: usize, msg: &'static str) -> Result<String, Invalid> {
    let t = raw.trim();
    let n = t.chars().count();
    if n == 0 || n > max {
        return Err(bad(field, msg));
    }
    Ok(t.to_owned())
}

impl ActivitySpec {
    pub fn check(mut self) -> Result<ActivitySpec, Invalid> {
        self.title = text(
            "title",
            &self.title,
            100,
            "give a title of 1–100 characters",
        )?;
        self.place = text(
            "place",
            &self.place,
            100,
            "say where to meet in 1–100 characters",
        )?;
        self.description = self.description.trim().to_owned();
        if self.description.chars().count() > 2000 {
            return Err(bad(
                "description",
                "the description is longer than 2,000 characters",
            ));
        }
        self.skills.sort();
        self.skills.dedup();
        Ok(self)
    }
}

/// A shift: a day in the community's time, a start and an end, and its slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftSpec {
    pub on: NaiveDate,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    pub slots: i64,
}

impl ShiftSpec {
    /// An end after the start on the same day, and 1–500 slots.
    pub fn check(self) -> Result<ShiftSpec, Invalid> {
        if self.ends <= self.starts {
            return Err(bad("ends", "the shift must end after it starts"));
        }
        if self.slots < 1 || self.slots > MAX_SLOTS {
            return Err(bad("slots", "give 1–500 slots"));
        }
        Ok(self)
    }

    /// How long the shift lasts, in minutes.
    pub fn minutes(&self) -> i64 {
        (self.ends - self.starts).num_minutes()
    }
}

/// Reads a time as people type it (`09:00`), or an error on `field`.
pub fn parse_time(field: &'static str, raw: &str) -> Result<NaiveTime, Invalid> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(raw.trim(), "%H:%M:%S"))
        .map_err(|_| bad(field, "give a time as HH:MM"))
}

/// Reads a date as people type it (`2026-12-31`), or an error on `field`.
pub fn parse_date(field: &'static str, raw: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| bad(field, "give a date as YYYY-MM-DD"))
}

/// A volunteer signs up (or is assigned) for a shift: the activity is published, the
/// shift has not started (`started`), and a slot is free (`taken` of `slots`).
pub fn check_signup(
    state: ActivityState,
    started: bool,
    taken: i64,
    slots: i64,
) -> Result<(), Invalid> {
    if state != ActivityState::Published {
        return Err(bad("activity", "the activity was cancelled"));
    }
    if started {
        return Err(bad("shift", "the shift has already started"));
    }
    if taken >= slots {
        return Err(bad("shift", "the shift is full"));
    }
    Ok(())
}

/// What the organiser says happened on a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attendance {
    /// Came, for this many minutes.
    Attended(i64),
    Absent,
}

/// The organiser confirms attendance on a place at `from`, for a shift on `on`
/// lasting `shift_minutes`, on `today` (the community's date). Hours on a future date,
/// none, or more than the shift lasted are refused on the `hours` field.
pub fn check_attendance(
    from: SignupState,
    what: Attendance,
    on: NaiveDate,
    shift_minutes: i64,
    today: NaiveDate,
) -> Result<SignupState, Invalid> {
    if !from.awaits_attendance() {
        return Err(bad(
            "signup",
            "attendance of this place is recorded already, or it was withdrawn",
        ));
    }
    if on > today {
        return Err(bad(
            "hours",
            "the shift is on a future date; confirm attendance on the day or after",
        ));
    }
    match what {
        Attendance::Absent if from == SignupState::Absent => {
            Err(bad("signup", "this place is marked absent already"))
        }
        Attendance::Absent => Ok(SignupState::Absent),
        Attendance::Attended(m) if m <= 0 => Err(bad("hours", "give the hours served, above 0")),
        Attendance::Attended(m) if m > shift_minutes => {
            Err(bad("hours", "more hours than the shift lasts"))
        }
        Attendance::Attended(_) => Ok(SignupState::Attended),
    }
}

/// Whether an activity at `activity` (a path) is within reach of a volunteer who covers
/// `area`: one holds the other (an activity in a grid of their community, or a
/// community-wide one for a volunteer of one grid).
pub fn within_reach(
    activity: &crate::platform::org::OrgPath,
    area: &crate::platform::org::OrgPath,
) -> bool {
    activity.is_within(area) || area.is_within(activity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::org::OrgPath;

    fn d(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    fn t(s: &str) -> NaiveTime {
        parse_time("t", s).unwrap()
    }

    #[test]
    fn shifts_end_after_they_start_and_have_slots() {
        let s = ShiftSpec {
            on: d("2026-12-12"),
            starts: t("09:00"),
            ends: t("11:30"),
            slots: 5,
        };
        assert_eq!(s.check().unwrap().minutes(), 150);
        let back = ShiftSpec {
            ends: t("08:00"),
            ..s
        };
        assert_eq!(back.check().unwrap_err().field, "ends");
        let none = ShiftSpec { slots: 0, ..s };
        assert_eq!(none.check().unwrap_err().field, "slots");
        assert_eq!(parse_time("starts", "9点").unwrap_err().field, "starts");
    }

    #[test]
    fn specs_need_a_title_and_a_place() {
        let spec = ActivitySpec {
            title: " 敬老院探访 ".into(),
            description: String::new(),
            place: "".into(),
            skills: vec![Skill::ElderlyCare],
        };
        assert_eq!(spec.clone().check().unwrap_err().field, "place");
        let ok = ActivitySpec {
            place: "社区活动室".into(),
            ..spec
        }
        .check()
        .unwrap();
        assert_eq!(ok.title, "敬老院探访");
    }

    #[test]
    fn sign_ups_need_a_free_slot_before_the_start() {
        assert!(check_signup(ActivityState::Published, false, 2, 3).is_ok());
        let full = check_signup(ActivityState::Published, false, 3, 3).unwrap_err();
        assert_eq!((full.field, full.message), ("shift", "the shift is full"));
        assert_eq!(
            check_signup(ActivityState::Published, true, 0, 3)
                .unwrap_err()
                .message,
            "the shift has already started"
        );
        assert_eq!(
            check_signup(ActivityState::Cancelled, false, 0, 3)
                .unwrap_err()
                .field,
            "activity"
        );
    }

    #[test]
    fn attendance_is_not_in_the_future_nor_longer_than_the_shift() {
        let today = d("2026-12-07");
        let ok = check_attendance(
            SignupState::SignedUp,
            Attendance::Attended(120),
            d("2026-12-06"),
            120,
            today,
        );
        assert_eq!(ok, Ok(SignupState::Attended));
        let future = check_attendance(
            SignupState::SignedUp,
            Attendance::Attended(60),
            d("2026-12-08"),
            120,
            today,
        )
        .unwrap_err();
        assert_eq!(future.field, "hours");
        let long = check_attendance(
            SignupState::SignedUp,
            Attendance::Attended(121),
            today,
            120,
            today,
        )
        .unwrap_err();
        assert_eq!(long.message, "more hours than the shift lasts");
        assert!(
            check_attendance(SignupState::Attended, Attendance::Absent, today, 60, today).is_err()
        );
        assert_eq!(
            check_attendance(
                SignupState::Absent,
                Attendance::Attended(30),
                today,
                60,
                today
            ),
            Ok(SignupState::Attended)
        );
        assert!(SignupState::Attended.holds_slot() && !SignupState::Withdrawn.holds_slot());
    }

    #[test]
    fn reach_is_either_place_holding_the_other() {
        let community = OrgPath::root(1).child(2).child(3).child(4);
        let grid = community.child(5);
        let other = community.child(6);
        assert!(within_reach(&grid, &community));
        assert!(within_reach(&community, &grid));
        assert!(!within_reach(&other, &grid));
    }
}
