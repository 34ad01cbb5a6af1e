//! The volunteer registry (志愿者登记): who volunteers, with which skills, when, and
//! where they can help; staff verify each one before they take shifts.
//!
//! | from      | to                    | who                         |
//! |-----------|-----------------------|-----------------------------|
//! | (none)    | pending               | the resident signs up       |
//! | (none)    | verified              | staff add one from the ledger |
//! | pending   | verified, declined    | staff (declining needs a reason) |
//! | declined  | pending               | the resident signs up again |
//! | verified  | suspended             | staff, with a reason        |
//! | suspended | verified              | staff                       |
//!
//! Only a verified volunteer sees published activities and takes shifts. The area a
//! volunteer covers is their own grid or their whole community; which resident may
//! sign up (an account linked to a living ledger record) is the application's
//! decision.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ledger::person::coded_enum;

coded_enum!(
    /// A skill of the catalogue.
    Skill, "skill", {
    FirstAid => "first_aid", "急救", ["急救技能"];
    ElderlyCare => "elderly_care", "助老", ["养老护理", "为老服务"];
    Tutoring => "tutoring", "课业辅导", ["辅导"];
    Repairs => "repairs", "家电维修", ["维修"];
    Legal => "legal", "法律咨询", ["法律"];
    Psychological => "psychological", "心理疏导", ["心理支持"];
    Driving => "driving", "驾驶", ["开车"];
    Languages => "languages", "外语", ["翻译"];
});

coded_enum!(
    /// When a volunteer can help.
    Availability, "availability", {
    Weekdays => "weekdays", "工作日白天", ["工作日"];
    Evenings => "evenings", "工作日晚上", ["晚上"];
    Weekends => "weekends", "周末", ["双休日"];
    Holidays => "holidays", "节假日", ["假日"];
});

coded_enum!(
    /// How far a volunteer can go: their own grid or the whole community.
    Coverage, "coverage", {
    Grid => "grid", "本网格", ["网格"];
    Community => "community", "全社区", ["社区"];
});

coded_enum!(
    /// Where a volunteer stands in the registry.
    Status, "volunteer status", {
    Pending => "pending", "待审核", ["审核中"];
    Verified => "verified", "已认证", ["认证"];
    Declined => "declined", "未通过", ["驳回"];
    Suspended => "suspended", "已暂停", ["暂停"];
});

impl Status {
    /// The states staff may move a volunteer to from `self` (the table above).
    pub fn next(self) -> &'static [Status] {
        match self {
            Status::Pending => &[Status::Verified, Status::Declined],
            Status::Verified => &[Status::Suspended],
            Status::Suspended => &[Status::Verified],
            Status::Declined => &[],
        }
    }

    /// Whether the volunteer may take shifts.
    pub fn serves(self) -> bool {
        self == Status::Verified
    }
}

/// Bad input, naming the field at fault.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: &'static str,
}

pub(crate) fn bad(field: &'static str, message: &'static str) -> Invalid {
    Invalid { field, message }
}

/// The longest note a volunteer may write about themselves.
pub const MAX_NOTE_CHARS: usize = 200;

/// What a volunteer offers, as they (or staff) filled it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub skills: Vec<Skill>,
    pub availability: Vec<Availability>,
    pub vehicle: bool,
    pub coverage: Coverage,
    /// A line about themselves (languages spoken, a licence held…).
    pub note: String,
}

impl Profile {
    /// Sorts and de-duplicates the lists, trims the note; at least one skill and one
    /// time are needed.
    pub fn check(mut self) -> Result<Profile, Invalid> {
        self.skills.sort();
        self.skills.dedup();
        self.availability.sort();
        self.availability.dedup();
        if self.skills.is_empty() {
            return Err(bad("skills", "choose at least one skill"));
        }
        if self.availability.is_empty() {
            return Err(bad("availability", "choose when you can help"));
        }
        self.note = self.note.trim().to_owned();
        if self.note.chars().count() > MAX_NOTE_CHARS {
            return Err(bad("note", "the note is longer than 200 characters"));
        }
        Ok(self)
    }
}

/// A list of codes as stored: `,first_aid,driving,` (so one code is found with
/// `LIKE '%,code,%'`).
pub fn join_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    let mut s = String::from(",");
    for c in codes {
        s.push_str(c);
        s.push(',');
    }
    s
}

/// The codes of a stored list, in order.
pub fn split_codes(stored: &str) -> impl Iterator<Item = &str> {
    stored.split(',').filter(|c| !c.is_empty())
}

/// A move by staff from `from` to `to`; declining and suspending need a reason.
pub fn check_move(from: Status, to: Status, reason: Option<&str>) -> Result<(), Invalid> {
    if !from.next().contains(&to) {
        return Err(bad("status", "a volunteer in this state cannot move there"));
    }
    if matches!(to, Status::Declined | Status::Suspended)
        && reason.is_none_or(|r| r.trim().is_empty())
    {
        return Err(bad("reason", "say why"));
    }
    Ok(())
}

/// Whether a resident whose entry stands at `current` may sign up (again): only one
/// not yet in the registry or declined before.
pub fn may_sign_up(current: Option<Status>) -> bool {
    matches!(current, None | Some(Status::Declined))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile {
            skills: vec![Skill::Driving, Skill::FirstAid, Skill::Driving],
            availability: vec![Availability::Weekends],
            vehicle: true,
            coverage: Coverage::Community,
            note: "  会说粤语 ".into(),
        }
    }

    #[test]
    fn profiles_are_tidied_and_need_a_skill_and_a_time() {
        let p = profile().check().unwrap();
        assert_eq!(p.skills, [Skill::FirstAid, Skill::Driving]);
        assert_eq!(p.note, "会说粤语");
        let none = Profile {
            skills: Vec::new(),
            ..profile()
        };
        assert_eq!(none.check().unwrap_err().field, "skills");
        let never = Profile {
            availability: Vec::new(),
            ..profile()
        };
        assert_eq!(never.check().unwrap_err().field, "availability");
        let long = Profile {
            note: "长".repeat(201),
            ..profile()
        };
        assert_eq!(long.check().unwrap_err().field, "note");
    }

    #[test]
    fn codes_round_trip_through_their_stored_list() {
        let s = join_codes([Skill::FirstAid.code(), Skill::Legal.code()]);
        assert_eq!(s, ",first_aid,legal,");
        assert_eq!(split_codes(&s).collect::<Vec<_>>(), ["first_aid", "legal"]);
        assert_eq!(split_codes(&join_codes([])).count(), 0);
        assert_eq!(Skill::parse("急救"), Ok(Skill::FirstAid));
    }

    #[test]
    fn moves_follow_the_table() {
        assert!(check_move(Status::Pending, Status::Verified, None).is_ok());
        assert_eq!(
            check_move(Status::Pending, Status::Declined, Some(" "))
                .unwrap_err()
                .field,
            "reason"
        );
        assert!(check_move(Status::Pending, Status::Declined, Some("不在本社区")).is_ok());
        assert!(check_move(Status::Verified, Status::Suspended, Some("长期未参加")).is_ok());
        assert!(check_move(Status::Suspended, Status::Verified, None).is_ok());
        assert_eq!(
            check_move(Status::Declined, Status::Verified, None)
                .unwrap_err()
                .field,
            "status"
        );
        assert!(check_move(Status::Verified, Status::Verified, None).is_err());
        assert!(Status::Verified.serves() && !Status::Suspended.serves());
        assert!(may_sign_up(None) && may_sign_up(Some(Status::Declined)));
        assert!(!may_sign_up(Some(Status::Pending)) && !may_sign_up(Some(Status::Suspended)));
    }
}
