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
    let digits: Vec<&str> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let (y, m, d) = match digits.as_slice() {
        [one] if one.len() == 8 => (&one[..4], &one[4..6], &one[6..]),
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => (*y, *m, *d),
        _ => return Err(DateError::Format(s.to_owned())),
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(DateError::Format(s.to_owned()));
    };
    let date = NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| DateError::NoSuchDay(format!("{y:04}-{m:02}-{d:02}")))?;
    if y < 1900 {
        return Err(DateError::TooEarly(date.to_string()));
    }
    Ok(date)
}

/// Parses exactly `YYYYMMDD`.
pub fn parse_compact(s: &str) -> Result<Date, DateError> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DateError::Format(s.to_owned()));
    }
    parse_date(s)
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
