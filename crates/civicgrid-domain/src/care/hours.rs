//! The hours ledger (时间银行): every hour a volunteer served, as entries that are only
//! ever appended.
//!
//! | entry      | written when                         | minutes | traces to            |
//! |------------|--------------------------------------|---------|----------------------|
//! | shift      | the organiser confirms attendance    | > 0     | the shift (activity) |
//! | correction | staff put a shift's hours right      | ± ≠ 0   | the entry it corrects, and so the shift |
//!
//! An entry is never changed or removed: a wrong number is put right by a correction
//! with its reason, and a volunteer's hours are the sum of their entries. A correction
//! may not take a shift's hours below zero or above the shift's length. Entries are
//! dated by the day of the shift they trace to, so a correction counts in the same year
//! as the hours it corrects.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::volunteers::{Invalid, bad};
use crate::ledger::person::coded_enum;

coded_enum!(
    /// What an entry of the hours ledger records.
    EntryKind, "hours entry", {
    Shift => "shift", "服务时长", ["班次"];
    Correction => "correction", "更正", ["修正"];
});

/// Reads hours as people type them (`2`, `2.5`, `1.25`) as whole minutes; at most two
/// decimals, above zero, at most 24 hours.
pub fn parse_hours(field: &'static str, raw: &str) -> Result<i64, Invalid> {
    signed_hours(field, raw).and_then(|m| {
        if m <= 0 {
            Err(bad(field, "give the hours served, above 0"))
        } else {
            Ok(m)
        }
    })
}

/// Reads hours that may be negative (`-1.5`, `+0.5`), for a correction; not zero.
pub fn parse_correction(field: &'static str, raw: &str) -> Result<i64, Invalid> {
    let m = signed_hours(field, raw)?;
    if m == 0 {
        return Err(bad(field, "a correction adds or takes away some hours"));
    }
    Ok(m)
}

fn signed_hours(field: &'static str, raw: &str) -> Result<i64, Invalid> {
    let err = || bad(field, "give hours as a number, e.g. 2.5");
    let s = raw.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty()
        || whole.len() > 2
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(err());
    }
    let whole: i64 = whole.parse().map_err(|_| err())?;
    let hundredths: i64 = format!("{frac:0<2}").parse().map_err(|_| err())?;
    let minutes = whole * 60 + (hundredths * 60 + 50) / 100;
    if minutes > 24 * 60 {
        return Err(bad(field, "at most 24 hours"));
    }
    Ok(if neg { -minutes } else { minutes })
}

/// Minutes as hours with at most two decimals: `150` → `2.5`, `20` → `0.33`.
pub fn format_hours(minutes: i64) -> String {
    let sign = if minutes < 0 { "-" } else { "" };
    let m = minutes.unsigned_abs();
    let hundredths = (m * 100 + 30) / 60;
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    match frac {
        0 => format!("{sign}{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

/// A correction of `delta` minutes to a shift that now holds `current` minutes and
/// lasted `shift_minutes`; the reason is required.
pub fn check_correction(
    delta: i64,
    current: i64,
    shift_minutes: i64,
    reason: Option<&str>,
) -> Result<(), Invalid> {
    if reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(bad("reason", "say why the hours are corrected"));
    }
    if delta == 0 {
        return Err(bad("hours", "a correction adds or takes away some hours"));
    }
    let after = current + delta;
    if after < 0 {
        return Err(bad(
            "hours",
            "the correction would take the shift's hours below zero",
        ));
    }
    if after > shift_minutes {
        return Err(bad("hours", "more hours than the shift lasts"));
    }
    Ok(())
}

/// Minutes by calendar year of the day they were served, the latest year first.
pub fn by_year(entries: impl IntoIterator<Item = (NaiveDate, i64)>) -> Vec<(i32, i64)> {
    let mut years: BTreeMap<i32, i64> = BTreeMap::new();
    for (on, minutes) in entries {
        *years.entry(on.year()).or_default() += minutes;
    }
    years.into_iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn hours_read_as_minutes_and_show_as_hours() {
        assert_eq!(parse_hours("hours", "2.5"), Ok(150));
        assert_eq!(parse_hours("hours", "2"), Ok(120));
        assert_eq!(parse_hours("hours", "0.25"), Ok(15));
        assert_eq!(parse_hours("hours", "0").unwrap_err().field, "hours");
        assert!(parse_hours("hours", "-1").is_err());
        assert!(parse_hours("hours", "两小时").is_err());
        assert!(parse_hours("hours", "25").is_err());
        assert!(parse_hours("hours", "1.234").is_err());
        assert_eq!(parse_correction("hours", "-1.5"), Ok(-90));
        assert_eq!(parse_correction("hours", "+0.5"), Ok(30));
        assert!(parse_correction("hours", "0").is_err());
        assert_eq!(format_hours(150), "2.5");
        assert_eq!(format_hours(120), "2");
        assert_eq!(format_hours(20), "0.33");
        assert_eq!(format_hours(-90), "-1.5");
        assert_eq!(format_hours(0), "0");
    }

    #[test]
    fn corrections_need_a_reason_and_stay_within_the_shift() {
        assert!(check_correction(-30, 120, 120, Some("提前离开")).is_ok());
        assert_eq!(
            check_correction(-30, 120, 120, None).unwrap_err().field,
            "reason"
        );
        assert_eq!(
            check_correction(-150, 120, 120, Some("x"))
                .unwrap_err()
                .message,
            "the correction would take the shift's hours below zero"
        );
        assert_eq!(
            check_correction(30, 120, 120, Some("x"))
                .unwrap_err()
                .message,
            "more hours than the shift lasts"
        );
    }

    #[test]
    fn totals_go_by_the_year_served() {
        let y = by_year([
            (d("2025-12-31"), 60),
            (d("2026-01-02"), 120),
            (d("2026-03-01"), -30),
        ]);
        assert_eq!(y, [(2026, 90), (2025, 60)]);
    }
}
