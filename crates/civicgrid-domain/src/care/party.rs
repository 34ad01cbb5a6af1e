//! Party members registering where they live (在职党员到社区报到) and keeping the
//! pledges they make for the year (承诺践诺).
//!
//! A member registers with the community they live in, naming the party organisation
//! of their employer (所在党组织), which receives the yearly summary for its annual
//! review. Community staff confirm the registration.
//!
//! | from      | to                   | who                                   |
//! |-----------|----------------------|---------------------------------------|
//! | (none)    | pending              | the member registers                  |
//! | pending   | confirmed, declined  | staff (declining needs a reason)      |
//! | confirmed | ended                | staff, with a reason (moved, transferred) |
//! | declined, ended | pending        | the member registers again            |
//!
//! A confirmed member pledges for the current or the coming year:
//!
//! | pledge kind  | counted in | fulfilled by                                          |
//! |--------------|------------|-------------------------------------------------------|
//! | visits       | visits     | care visits logged as a carer in the year, and notes  |
//! | volunteering | hours      | confirmed volunteer hours served in the year, and notes |
//! | requests     | requests   | resolved requests staff linked to the member, and notes |
//! | other        | times      | notes with evidence only                              |
//!
//! At most one pledge of each counted kind a year (so a visit counts once), and
//! [`MAX_PLEDGES_A_YEAR`] in all. A note of fulfilment says what was done, when (not
//! in the future, inside the pledge's year) and how much; notes are appended, never
//! changed. Membership is personal data: the member and staff who follow party
//! members see it; a public badge (党员示范岗) shows it to the community only when the
//! member asks for one.

use chrono::{Datelike, NaiveDate};

use super::volunteers::{Invalid, bad};
use crate::ledger::person::coded_enum;

coded_enum!(
    /// Where a member's registration stands.
    MemberStatus, "party member status", {
    Pending => "pending", "待确认", ["待审核"];
    Confirmed => "confirmed", "已报到", ["已确认"];
    Declined => "declined", "未通过", ["驳回"];
    Ended => "ended", "已转出", ["结束"];
});

impl MemberStatus {
    /// The states staff may move a registration to from `self` (the table above).
    pub fn next(self) -> &'static [MemberStatus] {
        match self {
            MemberStatus::Pending => &[MemberStatus::Confirmed, MemberStatus::Declined],
            MemberStatus::Confirmed => &[MemberStatus::Ended],
            MemberStatus::Declined | MemberStatus::Ended => &[],
        }
    }
}

coded_enum!(
    /// What a pledge promises, and so what fulfils it.
    PledgeKind, "pledge kind", {
    Visits => "visits", "走访帮扶", ["走访"];
    Volunteering => "volunteering", "志愿服务", ["志愿"];
    Requests => "requests", "协助办理诉求", ["诉求"];
    Other => "other", "其他", ["其它"];
});

impl PledgeKind {
    /// Whether real activity counts towards it (only one such pledge a year).
    pub fn counts_activity(self) -> bool {
        self != PledgeKind::Other
    }

    /// Whether amounts are hours (kept as minutes) rather than times.
    pub fn in_hours(self) -> bool {
        self == PledgeKind::Volunteering
    }
}

/// The most pledges a member makes for one year.
pub const MAX_PLEDGES_A_YEAR: usize = 5;
/// The longest pledge, note or employer organisation name.
pub const MAX_TEXT_CHARS: usize = 200;
/// The largest target or note amount (times, or hours for volunteering).
pub const MAX_AMOUNT: i64 = 999;

/// Bad input on a registration: the employer's party organisation is needed.
pub fn check_organisation(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(bad(
            "organisation",
            "name the party organisation of your employer",
        ));
    }
    if s.chars().count() > MAX_TEXT_CHARS {
        return Err(bad("organisation", "at most 200 characters"));
    }
    Ok(s.to_owned())
}

/// A move by staff from `from` to `to`; declining and ending need a reason.
pub fn check_move(
    from: MemberStatus,
    to: MemberStatus,
    reason: Option<&str>,
) -> Result<(), Invalid> {
    if !from.next().contains(&to) {
        return Err(bad(
            "status",
            "a registration in this state cannot move there",
        ));
    }
    if matches!(to, MemberStatus::Declined | MemberStatus::Ended)
        && reason.is_none_or(|r| r.trim().is_empty())
    {
        return Err(bad("reason", "say why"));
    }
    Ok(())
}

/// Whether a member whose registration stands at `current` may register (again).
pub fn may_register(current: Option<MemberStatus>) -> bool {
    matches!(
        current,
        None | Some(MemberStatus::Declined) | Some(MemberStatus::Ended)
    )
}

/// A pledge as the member wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PledgeSpec {
    pub year: i32,
    pub kind: PledgeKind,
    pub text: String,
    /// Times, or minutes for volunteering.
    pub target: i64,
}

/// Reads an amount as typed: whole times (`1`–`999`), or hours for volunteering
/// (`2.5`), kept as minutes.
pub fn parse_amount(field: &'static str, kind: PledgeKind, raw: &str) -> Result<i64, Invalid> {
    let s = raw.trim();
    if kind.in_hours() {
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 3 || frac.len() > 2 || !digits(whole) || !digits(frac)
        {
            return Err(bad(field, "give hours as a number, e.g. 2.5"));
        }
        let w: i64 = whole
            .parse()
            .map_err(|_| bad(field, "give hours as a number"))?;
        let h: i64 = format!("{frac:0<2}")
            .parse()
            .map_err(|_| bad(field, "give hours as a number"))?;
        let minutes = w * 60 + (h * 60 + 50) / 100;
        if minutes <= 0 || w > MAX_AMOUNT {
            return Err(bad(field, "give between 0.01 and 999 hours"));
        }
        return Ok(minutes);
    }
    match s.parse::<i64>() {
        Ok(n) if (1..=MAX_AMOUNT).contains(&n) => Ok(n),
        _ => Err(bad(field, "give a whole number from 1 to 999")),
    }
}

/// Checks a new pledge against the member's pledges of that year (`kinds`): the year
/// is `today`'s or the next, the text is there, a counted kind is pledged once.
pub fn check_pledge(
    mut p: PledgeSpec,
    today: NaiveDate,
    kinds: &[PledgeKind],
) -> Result<PledgeSpec, Invalid> {
    if p.year != today.year() && p.year != today.year() + 1 {
        return Err(bad("pledge_year", "pledge for this year or the next"));
    }
    p.text = p.text.trim().to_owned();
    if p.text.is_empty() {
        return Err(bad("pledge_text", "say what you pledge to do"));
    }
    if p.text.chars().count() > MAX_TEXT_CHARS {
        return Err(bad("pledge_text", "at most 200 characters"));
    }
    if p.target <= 0 {
        return Err(bad("pledge_target", "give a target above 0"));
    }
    if kinds.len() >= MAX_PLEDGES_A_YEAR {
        return Err(bad("pledge_year", "at most 5 pledges a year"));
    }
    if p.kind.counts_activity() && kinds.contains(&p.kind) {
        return Err(bad(
            "pledge_kind",
            "you pledged this kind already this year",
        ));
    }
    Ok(p)
}

/// Checks a note of fulfilment: dated inside the pledge's year and not after `today`,
/// with what was done.
pub fn check_note(
    pledge_year: i32,
    on: NaiveDate,
    today: NaiveDate,
    text: &str,
) -> Result<String, Invalid> {
    if on > today {
        return Err(bad("note_on", "the date is in the future"));
    }
    if on.year() != pledge_year {
        return Err(bad("note_on", "the date is outside the pledge's year"));
    }
    let t = text.trim();
    if t.is_empty() {
        return Err(bad("note_text", "say what was done and who can confirm it"));
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(bad("note_text", "at most 200 characters"));
    }
    Ok(t.to_owned())
}

/// How far a pledge is kept: fulfilled against the target, in whole percent (capped
/// at 100), and whether it is met.
pub fn progress(fulfilled: i64, target: i64) -> (i64, bool) {
    if target <= 0 {
        return (100, true);
    }
    let pct = (fulfilled.max(0) * 100 / target).min(100);
    (pct, fulfilled >= target)
}

/// The first and the day after the last day of `year`, in the community's dates.
pub fn year_bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn spec(kind: PledgeKind) -> PledgeSpec {
        PledgeSpec {
            year: 2026,
            kind,
            text: " 每月走访两户独居老人 ".into(),
            target: 24,
        }
    }

    #[test]
    fn registrations_follow_the_table() {
        assert!(check_move(MemberStatus::Pending, MemberStatus::Confirmed, None).is_ok());
        assert_eq!(
            check_move(MemberStatus::Pending, MemberStatus::Declined, None)
                .unwrap_err()
                .field,
            "reason"
        );
        assert!(check_move(MemberStatus::Confirmed, MemberStatus::Ended, Some("迁出")).is_ok());
        assert_eq!(
            check_move(MemberStatus::Ended, MemberStatus::Confirmed, None)
                .unwrap_err()
                .field,
            "status"
        );
        assert!(may_register(None) && may_register(Some(MemberStatus::Ended)));
        assert!(!may_register(Some(MemberStatus::Confirmed)));
        assert!(!may_register(Some(MemberStatus::Pending)));
        assert_eq!(check_organisation("  ").unwrap_err().field, "organisation");
        assert_eq!(
            check_organisation(" 市交通局机关第二党支部 ").unwrap(),
            "市交通局机关第二党支部"
        );
    }

    #[test]
    fn pledges_are_for_this_year_or_the_next_and_counted_kinds_once() {
        let today = day(2026, 12, 7);
        let p = check_pledge(spec(PledgeKind::Visits), today, &[]).unwrap();
        assert_eq!(p.text, "每月走访两户独居老人");
        let next = PledgeSpec {
            year: 2027,
            ..spec(PledgeKind::Visits)
        };
        assert!(check_pledge(next, today, &[]).is_ok());
        let past = PledgeSpec {
            year: 2025,
            ..spec(PledgeKind::Visits)
        };
        assert_eq!(
            check_pledge(past, today, &[]).unwrap_err().field,
            "pledge_year"
        );
        assert_eq!(
            check_pledge(spec(PledgeKind::Visits), today, &[PledgeKind::Visits])
                .unwrap_err()
                .field,
            "pledge_kind"
        );
        assert!(check_pledge(spec(PledgeKind::Other), today, &[PledgeKind::Other]).is_ok());
        let five = [PledgeKind::Other; 5];
        assert_eq!(
            check_pledge(spec(PledgeKind::Other), today, &five)
                .unwrap_err()
                .field,
            "pledge_year"
        );
        let blank = PledgeSpec {
            text: " ".into(),
            ..spec(PledgeKind::Other)
        };
        assert_eq!(
            check_pledge(blank, today, &[]).unwrap_err().field,
            "pledge_text"
        );
    }

    #[test]
    fn amounts_are_times_or_hours() {
        assert_eq!(
            parse_amount("pledge_target", PledgeKind::Visits, "24"),
            Ok(24)
        );
        assert!(parse_amount("pledge_target", PledgeKind::Visits, "0").is_err());
        assert!(parse_amount("pledge_target", PledgeKind::Visits, "2.5").is_err());
        assert_eq!(
            parse_amount("pledge_target", PledgeKind::Volunteering, "2.5"),
            Ok(150)
        );
        assert_eq!(
            parse_amount("pledge_target", PledgeKind::Volunteering, "40"),
            Ok(2400)
        );
        assert!(parse_amount("pledge_target", PledgeKind::Volunteering, "0").is_err());
        assert!(parse_amount("pledge_target", PledgeKind::Volunteering, "x").is_err());
        assert!(parse_amount("pledge_target", PledgeKind::Volunteering, "1000").is_err());
    }

    #[test]
    fn notes_are_dated_in_the_year_and_not_ahead() {
        let today = day(2026, 12, 7);
        assert!(
            check_note(
                2026,
                day(2026, 3, 1),
                today,
                "陪同王阿姨就医，社区李主任可证明"
            )
            .is_ok()
        );
        assert_eq!(
            check_note(2026, day(2026, 12, 8), today, "x")
                .unwrap_err()
                .field,
            "note_on"
        );
        assert_eq!(
            check_note(2026, day(2025, 12, 31), today, "x")
                .unwrap_err()
                .field,
            "note_on"
        );
        assert_eq!(
            check_note(2026, day(2026, 1, 1), today, " ")
                .unwrap_err()
                .field,
            "note_text"
        );
    }

    #[test]
    fn progress_is_capped_and_met_at_the_target() {
        assert_eq!(progress(12, 24), (50, false));
        assert_eq!(progress(30, 24), (100, true));
        assert_eq!(progress(24, 24), (100, true));
        assert_eq!(progress(0, 24), (0, false));
        assert_eq!(year_bounds(2026).unwrap().1, day(2027, 1, 1));
    }
}
