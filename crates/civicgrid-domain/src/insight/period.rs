//! The periods figures are counted over: calendar months in the community's time
//! (China time, UTC+8), written `2026-12`.

use chrono::{Datelike, NaiveDate};

/// The community's offset from UTC, in milliseconds (China time).
const OFFSET_MS: i64 = 8 * 3_600_000;

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    /// The month holding the instant `ms` (milliseconds since the epoch, UTC).
    pub fn of(ms: i64) -> Month {
        let d = chrono::DateTime::from_timestamp_millis(ms + OFFSET_MS)
            .unwrap_or_default()
            .date_naive();
        Month {
            year: d.year(),
            month: d.month(),
        }
    }

    /// `2026-12`.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        (y.len() == 4 && m.len() == 2 && (1..=12).contains(&month)).then_some(Month { year, month })
    }

    pub fn code(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The `n` months up to and including this one, oldest first.
    pub fn last(self, n: usize) -> Vec<Month> {
        let mut out = vec![self];
        while out.len() < n {
            let first = out[0].previous();
            out.insert(0, first);
        }
        out
    }

    /// Its first instant, in milliseconds since the epoch (UTC).
    pub fn start_ms(self) -> i64 {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map_or(0, |t| t.and_utc().timestamp_millis() - OFFSET_MS)
    }

    /// The first instant after it.
    pub fn end_ms(self) -> i64 {
        self.next().start_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_begin_at_midnight_china_time() {
        let dec = Month::parse("2026-12").unwrap();
        // 2026-11-30 16:00 UTC is 2026-12-01 00:00 in China.
        assert_eq!(dec.start_ms(), 1_796_054_400_000);
        assert_eq!(Month::of(dec.start_ms()), dec);
        assert_eq!(Month::of(dec.start_ms() - 1), dec.previous());
        assert_eq!(dec.end_ms(), Month::parse("2027-01").unwrap().start_ms());
    }

    #[test]
    fn months_are_written_and_read_back() {
        let m = Month::parse("2026-01").unwrap();
        assert_eq!(m.code(), "2026-01");
        assert_eq!(m.previous().code(), "2025-12");
        assert_eq!(m.previous().next(), m);
        assert_eq!(
            m.last(3).iter().map(|m| m.code()).collect::<Vec<_>>(),
            ["2025-11", "2025-12", "2026-01"]
        );
        for bad in ["2026-13", "2026-1", "26-01", "2026/01", ""] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }
}
