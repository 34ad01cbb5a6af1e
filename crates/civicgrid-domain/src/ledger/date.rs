//! Calendar dates as spreadsheets and ID numbers write them.

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

pub type Date = NaiveDate;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DateError {
    #[error("'{0}' is not a date (expected YYYY-MM-DD)")]
    Format(String),
    #[error("{0} does not exist in the calendar")]
    NoSuchDay(String),
    #[error("{0} is in the future")]
    Future(String),
    #[error("{0} is before 1900")]
    TooEarly(String),
}

/// Parses `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD` and `YYYY年MM月DD日`.
pub fn parse_date(raw: &str) -> Result<Date, DateError> {
    let s = raw.trim();
    let mut parts = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty());
    let (y, m, d) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(one), None, None, None) if one.len() == 8 => (&one[..4], &one[4..6], &one[6..]),
        (Some(y), Some(m), Some(d), None) if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            (y, m, d)
        }
        _ => return Err(DateError::Format(s.to_owned())),
    };
    match (digits(y), digits(m), digits(d)) {
        (Some(y), Some(m), Some(d)) => calendar_date(y, m, d),
        _ => Err(DateError::Format(s.to_owned())),
    }
}

/// The value of a run of ASCII digits (at most four: a year, a month or a day).
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 {
        return None;
    }
    s.bytes().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// The day `y-m-d`, if the calendar has it and it is not before 1900.
fn calendar_date(y: u32, m: u32, d: u32) -> Result<Date, DateError> {
    // `digits` reads at most four digits, so the year fits.
    let year = i32::try_from(y).unwrap_or(i32::MAX);
    let date = NaiveDate::from_ymd_opt(year, m, d)
        .ok_or_else(|| DateError::NoSuchDay(format!("{y:04}-{m:02}-{d:02}")))?;
    if y < 1900 {
        return Err(DateError::TooEarly(date.to_string()));
    }
    Ok(date)
}

/// Parses exactly `YYYYMMDD`.
pub fn parse_compact(s: &str) -> Result<Date, DateError> {
    let part = |r: std::ops::Range<usize>| s.get(r).and_then(digits);
    match (s.len(), part(0..4), part(4..6), part(6..8)) {
        (8, Some(y), Some(m), Some(d)) => calendar_date(y, m, d),
        _ => Err(DateError::Format(s.to_owned())),
    }
}

/// The year and month of `d` as one number, `YYYYMM` (198503 for 7 March 1985).
pub fn year_month(d: Date) -> i64 {
    i64::from(d.year()) * 100 + i64::from(d.month())
}

pub fn compact(d: Date) -> String {
    d.format("%Y%m%d").to_string()
}

/// Rejects dates after `today` (a birth date cannot be in the future).
pub fn not_after(d: Date, today: Date) -> Result<Date, DateError> {
    if d > today {
        Err(DateError::Future(d.to_string()))
    } else {
        Ok(d)
    }
}

/// Whole years from `birth` to `on` (a birthday on 29 February counts on 1 March).
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn spreadsheet_formats() {
        for s in [
            "1985-03-07",
            "1985/3/7",
            "1985.03.07",
            "19850307",
            "1985年3月7日",
        ] {
            assert_eq!(parse_date(s), Ok(d(1985, 3, 7)), "{s}");
        }
        assert!(matches!(
            parse_date("1985-02-30"),
            Err(DateError::NoSuchDay(_))
        ));
        assert!(matches!(parse_date("07/03/85"), Err(DateError::Format(_))));
        assert!(matches!(
            parse_date("1850-01-01"),
            Err(DateError::TooEarly(_))
        ));
        assert!(parse_compact("1985-03-07").is_err());
        assert!(parse_compact("1985030").is_err());
        assert!(parse_compact("198503+7").is_err());
        assert_eq!(parse_compact("19850307"), Ok(d(1985, 3, 7)));
        assert!(matches!(
            parse_compact("19850230"),
            Err(DateError::NoSuchDay(_))
        ));
        assert!(matches!(
            parse_date("1985-03-07-01"),
            Err(DateError::Format(_))
        ));
        assert!(matches!(parse_date("85-03-07"), Err(DateError::Format(_))));
        assert!(matches!(
            parse_date("1985-003-07"),
            Err(DateError::Format(_))
        ));
        assert_eq!(year_month(d(1985, 3, 7)), 198503);
    }

    #[test]
    fn ages() {
        assert_eq!(age_on(d(1946, 5, 10), d(2026, 5, 9)), 79);
        assert_eq!(age_on(d(1946, 5, 10), d(2026, 5, 10)), 80);
        assert_eq!(age_on(d(2000, 2, 29), d(2026, 2, 28)), 25);
        assert_eq!(age_on(d(2000, 2, 29), d(2026, 3, 1)), 26);
        assert_eq!(
            not_after(d(2030, 1, 1), d(2026, 1, 1)),
            Err(DateError::Future("2030-01-01".into()))
        );
    }
}
