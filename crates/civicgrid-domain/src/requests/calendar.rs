//! The business calendar SLA targets run on: working hours per weekday, public
//! holidays, make-up working days (调休) and the community's UTC offset.
//!
//! Times go in and come out as UTC milliseconds; working hours are local. The offset is
//! fixed (China has no daylight saving time). Adding minutes and measuring between two
//! instants walk whole days, skip whole weeks where no holiday or make-up day lies, and
//! never step minute by minute: a year-long target costs a few dozen steps.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_DAY: i64 = 86_400_000;
const MINUTES_PER_DAY: u16 = 1440;
/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;
/// Most holidays plus make-up days one calendar may list.
pub const MAX_SPECIAL_DAYS: usize = 10_000;
/// Offsets allowed, in minutes east of UTC (−12:00 to +14:00).
pub const OFFSET_RANGE: std::ops::RangeInclusive<i32> = -720..=840;
/// China Standard Time.
pub const DEFAULT_UTC_OFFSET_MINUTES: i32 = 480;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("'{0}' is not a span of working hours like 08:30-12:00")]
    BadSpan(String),
    #[error("working hours on {0} overlap")]
    OverlappingHours(&'static str),
    #[error("the working week has no working hours")]
    NoWorkingHours,
    #[error("UTC offset must be between -12:00 and +14:00")]
    BadOffset,
    #[error("{0} is listed both as a holiday and as a make-up working day")]
    HolidayAndMakeUpDay(NaiveDate),
    #[error("'{0}' is not a date like 2025-10-01")]
    BadDate(String),
    #[error("at most {MAX_SPECIAL_DAYS} holidays and make-up days may be listed")]
    TooManyDays,
}

impl CalendarError {
    /// Stable snake_case code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            CalendarError::BadSpan(_) => "bad_working_hours",
            CalendarError::OverlappingHours(_) => "overlapping_working_hours",
            CalendarError::NoWorkingHours => "no_working_hours",
            CalendarError::BadOffset => "bad_utc_offset",
            CalendarError::HolidayAndMakeUpDay(_) => "holiday_and_make_up_day",
            CalendarError::BadDate(_) => "bad_date",
            CalendarError::TooManyDays => "too_many_days",
        }
    }
}

/// A stretch of working time in a day: minutes from local midnight, `start` inclusive,
/// `end` exclusive (`end` may be 1440, midnight at the end of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Span {
    start: u16,
    end: u16,
}

impl Span {
    pub fn new(start: u16, end: u16) -> Option<Span> {
        (start < end && end <= MINUTES_PER_DAY).then_some(Span { start, end })
    }

    /// `08:30-12:00` (also with `–`, `~` or spaces around the dash; `24:00` ends a day).
    pub fn parse(s: &str) -> Result<Span, CalendarError> {
        let bad = || CalendarError::BadSpan(s.trim().to_owned());
        let (a, b) = s.split_once(['-', '–', '~']).ok_or_else(bad)?;
        let start = parse_hhmm(a.trim()).ok_or_else(bad)?;
        let end = parse_hhmm(b.trim()).ok_or_else(bad)?;
        Span::new(start, end).ok_or_else(bad)
    }

    /// Minutes from local midnight.
    pub fn start(self) -> u16 {
        self.start
    }

    pub fn end(self) -> u16 {
        self.end
    }

    pub fn minutes(self) -> u32 {
        u32::from(self.end - self.start)
    }

    fn ms(self) -> (i64, i64) {
        (
            i64::from(self.start) * MS_PER_MINUTE,
            i64::from(self.end) * MS_PER_MINUTE,
        )
    }
}

fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u16 = h.parse().ok()?;
    let m: u16 = m.parse().ok()?;
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

impl TryFrom<String> for Span {
    type Error = CalendarError;
    fn try_from(s: String) -> Result<Span, CalendarError> {
        Span::parse(&s)
    }
}

impl From<Span> for String {
    fn from(s: Span) -> String {
        s.to_string()
    }
}

/// A day's hours from a form field: `08:30-12:00, 13:30-17:30`; blank for a day off.
pub fn parse_spans(s: &str) -> Result<Vec<Span>, CalendarError> {
    s.split([',', '，', ';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(Span::parse)
        .collect()
}

/// Dates from a form field: `2025-10-01, 2025-10-02` or one per line.
pub fn parse_dates(s: &str) -> Result<Vec<NaiveDate>, CalendarError> {
    s.split(|c: char| c == ',' || c == '，' || c == ';' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(|p| {
            NaiveDate::parse_from_str(p, "%Y-%m-%d")
                .map_err(|_| CalendarError::BadDate(p.to_owned()))
        })
        .collect()
}

/// The default office hours: 08:30–12:00 and 13:30–17:30.
pub fn default_hours() -> Vec<Span> {
    vec![
        Span {
            start: 510,
            end: 720,
        },
        Span {
            start: 810,
            end: 1050,
        },
    ]
}

/// A calendar as configured and stored; [`BusinessCalendar::new`] checks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarConfig {
    /// Working hours Monday (index 0) to Sunday (index 6).
    pub week: [Vec<Span>; 7],
    /// Hours on a make-up working day (调休上班), usually a weekend day.
    pub make_up_hours: Vec<Span>,
    /// Days off that would otherwise be working days.
    pub holidays: Vec<NaiveDate>,
    /// Working days that would otherwise be days off.
    pub make_up_days: Vec<NaiveDate>,
    /// Minutes east of UTC of the community's time zone.
    pub utc_offset_minutes: i32,
}

impl Default for CalendarConfig {
    /// Monday to Friday, 08:30–12:00 and 13:30–17:30, UTC+08:00, no holidays.
    fn default() -> CalendarConfig {
        let day = default_hours();
        CalendarConfig {
            week: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                Vec::new(),
                Vec::new(),
            ],
            make_up_hours: day,
            holidays: Vec::new(),
            make_up_days: Vec::new(),
            utc_offset_minutes: DEFAULT_UTC_OFFSET_MINUTES,
        }
    }
}

impl CalendarConfig {
    pub fn set_hours(&mut self, day: Weekday, spans: Vec<Span>) {
        self.week[day.num_days_from_monday() as usize] = spans;
    }

    pub fn hours(&self, day: Weekday) -> &[Span] {
        &self.week[day.num_days_from_monday() as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    Holiday,
    MakeUp,
}

/// One day's working hours in milliseconds from local midnight, and their total.
#[derive(Debug, Clone, Default)]
struct DayHours {
    spans: Vec<(i64, i64)>,
    total: i64,
}

impl DayHours {
    fn of(spans: &[Span]) -> DayHours {
        let spans: Vec<(i64, i64)> = spans.iter().map(|s| s.ms()).collect();
        let total = spans.iter().map(|(a, b)| b - a).sum();
        DayHours { spans, total }
    }

    /// Working time in `[from, to)` of this day.
    fn worked(&self, from: i64, to: i64) -> i64 {
        self.spans
            .iter()
            .map(|&(s, e)| (e.min(to) - s.max(from)).max(0))
            .sum()
    }

    /// Spends `remaining` from `pos` on; the position where it runs out, if it does.
    fn spend(&self, pos: i64, remaining: &mut i64) -> Option<i64> {
        for &(s, e) in &self.spans {
            if e <= pos {
                continue;
            }
            let from = s.max(pos);
            let available = e - from;
            if *remaining <= available {
                return Some(from + *remaining);
            }
            *remaining -= available;
        }
        None
    }
}

/// A checked calendar, ready for arithmetic.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    config: CalendarConfig,
    week: [DayHours; 7],
    weekly_ms: i64,
    make_up: DayHours,
    holiday: DayHours,
    /// Days since 1970-01-01 (local) that differ from the weekly pattern.
    special: BTreeMap<i64, Special>,
    offset_ms: i64,
}

impl Default for BusinessCalendar {
    fn default() -> BusinessCalendar {
        // The default configuration is valid; build it without re-checking.
        BusinessCalendar::build(CalendarConfig::default())
    }
}

fn day_name(i: usize) -> &'static str {
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ][i % 7]
}

fn check_hours(spans: &mut [Span], name: &'static str) -> Result<(), CalendarError> {
    spans.sort();
    if spans.windows(2).any(|w| w[1].start < w[0].end) {
        Err(CalendarError::OverlappingHours(name))
    } else {
        Ok(())
    }
}

fn epoch_day(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE
}

/// Monday = 0 for a day counted from 1970-01-01, a Thursday.
fn weekday_index(day: i64) -> usize {
    // rem_euclid(7) is in 0..7.
    (day + 3).rem_euclid(7) as usize
}

impl BusinessCalendar {
    pub fn new(mut config: CalendarConfig) -> Result<BusinessCalendar, CalendarError> {
        for (i, spans) in config.week.iter_mut().enumerate() {
            check_hours(spans, day_name(i))?;
        }
        check_hours(&mut config.make_up_hours, "make-up days")?;
        if config.week.iter().all(Vec::is_empty) {
            return Err(CalendarError::NoWorkingHours);
        }
        if !OFFSET_RANGE.contains(&config.utc_offset_minutes) {
            return Err(CalendarError::BadOffset);
        }
        if config.holidays.len() + config.make_up_days.len() > MAX_SPECIAL_DAYS {
            return Err(CalendarError::TooManyDays);
        }
        let holidays: HashSet<NaiveDate> = config.holidays.iter().copied().collect();
        if let Some(d) = config.make_up_days.iter().find(|d| holidays.contains(d)) {
            return Err(CalendarError::HolidayAndMakeUpDay(*d));
        }
        config.holidays.sort();
        config.holidays.dedup();
        config.make_up_days.sort();
        config.make_up_days.dedup();
        Ok(BusinessCalendar::build(config))
    }

    fn build(config: CalendarConfig) -> BusinessCalendar {
        let week = [0, 1, 2, 3, 4, 5, 6].map(|i| DayHours::of(&config.week[i]));
        let weekly_ms = week.iter().map(|d| d.total).sum();
        let mut special = BTreeMap::new();
        for d in &config.holidays {
            special.insert(epoch_day(*d), Special::Holiday);
        }
        for d in &config.make_up_days {
            special.insert(epoch_day(*d), Special::MakeUp);
        }
        BusinessCalendar {
            make_up: DayHours::of(&config.make_up_hours),
            holiday: DayHours::default(),
            week,
            weekly_ms,
            special,
            offset_ms: i64::from(config.utc_offset_minutes) * MS_PER_MINUTE,
            config,
        }
    }

    /// The configuration, normalised (hours sorted, dates sorted and deduplicated).
    pub fn config(&self) -> &CalendarConfig {
        &self.config
    }

    pub fn utc_offset_minutes(&self) -> i32 {
        self.config.utc_offset_minutes
    }

    /// (local day since 1970-01-01, milliseconds since local midnight).
    fn split(&self, utc_ms: i64) -> (i64, i64) {
        let local = utc_ms.saturating_add(self.offset_ms);
        (local.div_euclid(MS_PER_DAY), local.rem_euclid(MS_PER_DAY))
    }

    fn join(&self, day: i64, pos: i64) -> i64 {
        day.saturating_mul(MS_PER_DAY)
            .saturating_add(pos)
            .saturating_sub(self.offset_ms)
    }

    fn hours_on(&self, day: i64) -> &DayHours {
        match self.special.get(&day) {
            Some(Special::Holiday) => &self.holiday,
            Some(Special::MakeUp) => &self.make_up,
            None => &self.week[weekday_index(day)],
        }
    }

    /// The local date of an instant.
    pub fn local_date(&self, utc_ms: i64) -> Option<NaiveDate> {
        let (day, _) = self.split(utc_ms);
        i32::try_from(day + UNIX_EPOCH_DAYS_FROM_CE)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
    }

    /// Is this date a working day (with any working hours)?
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.hours_on(epoch_day(date)).total > 0
    }

    /// Is the instant inside working hours?
    pub fn is_business_time(&self, utc_ms: i64) -> bool {
        let (day, pos) = self.split(utc_ms);
        self.hours_on(day)
            .spans
            .iter()
            .any(|&(s, e)| s <= pos && pos < e)
    }

    /// The instant `minutes` business minutes after `start_utc_ms`. Starting outside
    /// working hours counts from the next opening; a target that runs out exactly at
    /// a closing time is due at that closing time.
    pub fn add_business_minutes(&self, start_utc_ms: i64, minutes: u32) -> i64 {
        self.add_business_ms(start_utc_ms, i64::from(minutes) * MS_PER_MINUTE)
    }

    /// Like [`Self::add_business_minutes`], in milliseconds; zero or less adds nothing.
    pub fn add_business_ms(&self, start_utc_ms: i64, ms: i64) -> i64 {
        if ms <= 0 {
            return start_utc_ms;
        }
        let (mut day, pos) = self.split(start_utc_ms);
        let mut remaining = ms;
        if let Some(at) = self.hours_on(day).spend(pos, &mut remaining) {
            return self.join(day, at);
        }
        loop {
            day += 1;
            if remaining > self.weekly_ms {
                // Whole weeks up to the next special day follow the weekly pattern.
                let free_days = self
                    .special
                    .range(day..)
                    .next()
                    .map_or(i64::MAX, |(d, _)| d - day);
                let weeks = ((remaining - 1) / self.weekly_ms).min(free_days / 7);
                day += weeks * 7;
                remaining -= weeks * self.weekly_ms;
            }
            let hours = self.hours_on(day);
            if remaining > hours.total {
                remaining -= hours.total;
                continue;
            }
            if let Some(at) = hours.spend(0, &mut remaining) {
                return self.join(day, at);
            }
        }
    }

    /// Business milliseconds from `a` to `b`; negative when `b` is before `a`.
    pub fn business_ms_between(&self, a: i64, b: i64) -> i64 {
        if b < a {
            return -self.business_ms_between(b, a);
        }
        let (da, pa) = self.split(a);
        let (db, pb) = self.split(b);
        if da == db {
            return self.hours_on(da).worked(pa, pb);
        }
        self.hours_on(da).worked(pa, MS_PER_DAY)
            + self.whole_days(da + 1, db)
            + self.hours_on(db).worked(0, pb)
    }

    /// The latest instant from which `minutes` business minutes have run by
    /// `end_utc_ms`: the inverse of [`Self::add_business_minutes`], for a request
    /// received earlier than it is entered. Zero minutes is `end_utc_ms` itself.
    pub fn sub_business_minutes(&self, end_utc_ms: i64, minutes: u32) -> i64 {
        let want = i64::from(minutes) * MS_PER_MINUTE;
        if want == 0 {
            return end_utc_ms;
        }
        // Far enough back (a week holds some working time, so this ends), then halve
        // the interval: business time grows as the start moves back.
        let mut back = want;
        while self.business_ms_between(end_utc_ms.saturating_sub(back), end_utc_ms) < want {
            back = back.saturating_mul(2);
        }
        let (mut early, mut late) = (end_utc_ms.saturating_sub(back), end_utc_ms);
        // Invariant: from `early` there is enough, from `late` not.
        while late - early > 1 {
            let mid = early + (late - early) / 2;
            if self.business_ms_between(mid, end_utc_ms) >= want {
                early = mid;
            } else {
                late = mid;
            }
        }
        early
    }

    /// Whole business minutes from `a` to `b` (rounded toward zero); negative when `b`
    /// is before `a`.
    pub fn business_minutes_between(&self, a: i64, b: i64) -> i64 {
        self.business_ms_between(a, b) / MS_PER_MINUTE
    }

    /// Business milliseconds in the days `from..to`.
    fn whole_days(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        let n = to - from;
        let mut sum = (n / 7) * self.weekly_ms;
        let rest_from = from + (n / 7) * 7;
        for d in rest_from..to {
            sum += self.week[weekday_index(d)].total;
        }
        for (&d, _) in self.special.range(from..to) {
            sum += self.hours_on(d).total - self.week[weekday_index(d)].total;
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 60 * MS_PER_MINUTE;

    /// UTC ms of a local (UTC+8) date and time.
    fn at(y: i32, m: u32, d: u32, hh: i64, mm: i64) -> i64 {
        let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        epoch_day(date) * MS_PER_DAY + hh * H + mm * MS_PER_MINUTE - 8 * H
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 2025 National Day and Mid-Autumn holiday, with its two make-up Sundays/Saturdays.
    fn golden_week() -> BusinessCalendar {
        BusinessCalendar::new(CalendarConfig {
            holidays: (1..=8).map(|d| date(2025, 10, d)).collect(),
            make_up_days: vec![date(2025, 9, 28), date(2025, 10, 11)],
            ..CalendarConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn going_back_is_the_inverse_of_adding() {
        let cal = golden_week();
        // Monday 2025-09-29 09:00 back 60 minutes: Sunday 28 September was a make-up
        // working day, so it reaches into its afternoon.
        assert_eq!(
            cal.sub_business_minutes(at(2025, 9, 29, 9, 0), 60),
            at(2025, 9, 28, 17, 0)
        );
        // Back across the whole holiday.
        let end = at(2025, 10, 9, 9, 0);
        let start = cal.sub_business_minutes(end, 90);
        assert_eq!(start, at(2025, 9, 30, 16, 30));
        for (end, minutes) in [
            (at(2025, 10, 9, 9, 0), 1),
            (at(2025, 10, 13, 12, 40), 450 * 3 + 7),
            (at(2025, 9, 27, 3, 0), 200),
        ] {
            let start = cal.sub_business_minutes(end, minutes);
            assert_eq!(cal.business_minutes_between(start, end), i64::from(minutes));
            assert!(cal.add_business_minutes(start, minutes) <= end);
        }
        assert_eq!(cal.sub_business_minutes(end, 0), end);
    }

    /// Adds minute by minute: the slow, obviously right reference.
    fn add_slowly(cal: &BusinessCalendar, start: i64, minutes: u32) -> i64 {
        let mut t = start;
        let mut left = minutes;
        if left == 0 {
            return t;
        }
        // Align to the next whole minute inside working hours.
        while left > 0 {
            if cal.is_business_time(t) {
                left -= 1;
            }
            t += MS_PER_MINUTE;
        }
        t
    }

    #[test]
    fn weekdays_and_epoch_days() {
        assert_eq!(weekday_index(0), 3); // 1970-01-01, a Thursday
        assert_eq!(weekday_index(epoch_day(date(2025, 10, 6))), 0); // a Monday
        assert_eq!(weekday_index(-1), 2);
        assert_eq!(epoch_day(date(1970, 1, 1)), 0);
        let cal = BusinessCalendar::default();
        assert_eq!(
            cal.local_date(at(2025, 3, 3, 0, 30)),
            Some(date(2025, 3, 3))
        );
        // 23:30 UTC is the next morning in Beijing.
        let utc_2330 = epoch_day(date(2025, 3, 3)) * MS_PER_DAY + 23 * H + 30 * MS_PER_MINUTE;
        assert_eq!(cal.local_date(utc_2330), Some(date(2025, 3, 4)));
    }

    #[test]
    fn spans_parse_and_print() {
        let s = Span::parse(" 8:30 – 12:00 ").unwrap();
        assert_eq!((s.start(), s.end(), s.minutes()), (510, 720, 210));
        assert_eq!(s.to_string(), "08:30-12:00");
        assert_eq!(Span::parse("22:00-24:00").unwrap().end(), 1440);
        for bad in [
            "12:00-08:30",
            "08:30",
            "8-12",
            "08:30-12:60",
            "25:00-26:00",
            "24:30-24:45",
            "10:00-10:00",
            "a:bc-12:00",
        ] {
            assert!(Span::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_spans("08:30-12:00， 13:30-17:30").unwrap(),
            default_hours()
        );
        assert_eq!(parse_spans("  ").unwrap(), vec![]);
        assert_eq!(
            parse_spans("08:30-12:00, nope"),
            Err(CalendarError::BadSpan("nope".into()))
        );
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, "\"08:30-12:00\"");
        assert_eq!(serde_json::from_str::<Span>(&json).unwrap(), s);
        assert!(serde_json::from_str::<Span>("\"12:00-08:00\"").is_err());
    }

    #[test]
    fn dates_parse() {
        assert_eq!(
            parse_dates("2025-10-01, 2025-10-02\n2025-10-03").unwrap(),
            vec![date(2025, 10, 1), date(2025, 10, 2), date(2025, 10, 3)]
        );
        assert_eq!(
            parse_dates("2025-13-01"),
            Err(CalendarError::BadDate("2025-13-01".into()))
        );
    }

    #[test]
    fn configurations_are_checked() {
        let mut cfg = CalendarConfig::default();
        cfg.set_hours(
            Weekday::Tue,
            vec![Span::new(600, 720).unwrap(), Span::new(510, 610).unwrap()],
        );
        assert_eq!(
            BusinessCalendar::new(cfg).unwrap_err(),
            CalendarError::OverlappingHours("Tuesday")
        );

        let cfg = CalendarConfig {
            week: Default::default(),
            ..CalendarConfig::default()
        };
        assert_eq!(
            BusinessCalendar::new(cfg).unwrap_err(),
            CalendarError::NoWorkingHours
        );

        let cfg = CalendarConfig {
            utc_offset_minutes: 15 * 60,
            ..CalendarConfig::default()
        };
        assert_eq!(
            BusinessCalendar::new(cfg).unwrap_err(),
            CalendarError::BadOffset
        );

        let cfg = CalendarConfig {
            holidays: vec![date(2025, 10, 1)],
            make_up_days: vec![date(2025, 10, 1)],
            ..CalendarConfig::default()
        };
        assert_eq!(
            BusinessCalendar::new(cfg).unwrap_err(),
            CalendarError::HolidayAndMakeUpDay(date(2025, 10, 1))
        );

        // Adjacent spans are fine, and get sorted.
        let mut cfg = CalendarConfig::default();
        cfg.set_hours(
            Weekday::Sat,
            vec![Span::new(720, 780).unwrap(), Span::new(600, 720).unwrap()],
        );
        let cal = BusinessCalendar::new(cfg).unwrap();
        assert_eq!(
            cal.config().hours(Weekday::Sat),
            &[Span::new(600, 720).unwrap(), Span::new(720, 780).unwrap()]
        );
        assert_eq!(cal.config().hours(Weekday::Sun), &[]);
        assert_eq!(CalendarError::BadOffset.code(), "bad_utc_offset");
    }

    #[test]
    fn the_config_round_trips_through_json() {
        let cal = golden_week();
        let json = serde_json::to_string(cal.config()).unwrap();
        assert!(json.contains("\"08:30-12:00\""));
        assert!(json.contains("\"2025-10-01\""));
        let back: CalendarConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, cal.config());
    }

    #[test]
    fn within_a_morning_and_across_lunch() {
        let cal = BusinessCalendar::default();
        // Monday 2025-03-03.
        let mon = |h, m| at(2025, 3, 3, h, m);
        assert_eq!(cal.add_business_minutes(mon(9, 0), 30), mon(9, 30));
        assert_eq!(cal.add_business_minutes(mon(9, 0), 0), mon(9, 0));
        // Runs out exactly at noon: due at noon, not after lunch.
        assert_eq!(cal.add_business_minutes(mon(11, 0), 60), mon(12, 0));
        assert_eq!(cal.add_business_minutes(mon(11, 0), 61), mon(13, 31));
        // Submitted during lunch: counting starts at 13:30.
        assert_eq!(cal.add_business_minutes(mon(12, 15), 30), mon(14, 0));
        // Before opening.
        assert_eq!(cal.add_business_minutes(mon(6, 0), 15), mon(8, 45));
    }

    /// `cal` adds each case's business minutes to its start and lands on its end:
    /// (start, minutes, end).
    fn assert_adds(cal: &BusinessCalendar, cases: &[(i64, u32, i64)]) {
        for &(start, minutes, end) in cases {
            assert_eq!(
                cal.add_business_minutes(start, minutes),
                end,
                "{minutes} business minutes from {start}"
            );
        }
    }

    #[test]
    fn across_nights_and_weekends() {
        let cal = BusinessCalendar::default();
        assert_adds(
            &cal,
            &[
                // Friday 2025-03-07 17:00 + 60 minutes: 30 on Friday, 30 on Monday.
                (at(2025, 3, 7, 17, 0), 60, at(2025, 3, 10, 9, 0)),
                // Saturday evening + 1 minute: Monday 08:31.
                (at(2025, 3, 8, 20, 0), 1, at(2025, 3, 10, 8, 31)),
                // Wednesday 16:00 + one business day (450 minutes): Thursday 16:00.
                (at(2025, 3, 5, 16, 0), 450, at(2025, 3, 6, 16, 0)),
                // Exactly one week of work from Monday opening: Friday closing.
                (at(2025, 3, 3, 8, 30), 5 * 450, at(2025, 3, 7, 17, 30)),
            ],
        );
    }

    #[test]
    fn across_holidays_and_make_up_days() {
        let cal = golden_week();
        // Sunday 2025-09-28 is a make-up working day.
        assert!(cal.is_working_day(date(2025, 9, 28)));
        assert!(!cal.is_working_day(date(2025, 10, 1)));
        assert!(!cal.is_working_day(date(2025, 10, 5)));
        assert!(cal.is_working_day(date(2025, 10, 11)));
        assert_adds(
            &cal,
            &[
                (at(2025, 9, 27, 10, 0), 30, at(2025, 9, 28, 9, 0)),
                // Tuesday 2025-09-30 17:00 + 60: 30 before the holiday, 30 on Thursday 10-09.
                (at(2025, 9, 30, 17, 0), 60, at(2025, 10, 9, 9, 0)),
                // Thursday 10-09 and Friday 10-10 are 900 minutes, then the make-up Saturday.
                (at(2025, 10, 9, 8, 30), 901, at(2025, 10, 11, 8, 31)),
            ],
        );
    }

    #[test]
    fn other_offsets_and_hours() {
        let mut cfg = CalendarConfig {
            utc_offset_minutes: -300,
            ..CalendarConfig::default()
        };
        cfg.set_hours(Weekday::Sat, vec![Span::new(0, 1440).unwrap()]);
        let cal = BusinessCalendar::new(cfg).unwrap();
        // Friday 2025-03-07 17:00 at UTC-5 is 22:00 UTC.
        let fri_17 = epoch_day(date(2025, 3, 7)) * MS_PER_DAY + 22 * H;
        assert_eq!(
            cal.add_business_minutes(fri_17, 30),
            fri_17 + 30 * MS_PER_MINUTE
        );
        // 31 minutes spills into Saturday, which works all day from midnight.
        let sat_0 = epoch_day(date(2025, 3, 8)) * MS_PER_DAY + 5 * H;
        assert_eq!(cal.add_business_minutes(fri_17, 31), sat_0 + MS_PER_MINUTE);
        assert_eq!(
            cal.business_minutes_between(fri_17, sat_0 + 24 * H),
            30 + 1440
        );
    }

    #[test]
    fn agrees_with_counting_minute_by_minute() {
        let cal = golden_week();
        let starts = [
            at(2025, 9, 25, 7, 0),
            at(2025, 9, 26, 11, 59),
            at(2025, 9, 27, 12, 0),
            at(2025, 9, 30, 13, 30),
            at(2025, 10, 3, 10, 0),
        ];
        for &start in &starts {
            for minutes in [1, 29, 210, 211, 450, 451, 1000, 2250, 4000] {
                let due = cal.add_business_minutes(start, minutes);
                let slow = add_slowly(&cal, start, minutes);
                // The slow walk ends one minute after the last business minute began;
                // both name the same instant.
                assert_eq!(due, slow, "start {start} + {minutes}");
                let back = cal.business_minutes_between(start, due);
                assert_eq!(back, i64::from(minutes), "start {start} + {minutes}");
            }
        }
    }

    #[test]
    fn measuring_between() {
        let cal = golden_week();
        let a = at(2025, 9, 26, 9, 0); // Friday
        assert_eq!(cal.business_minutes_between(a, a), 0);
        assert_eq!(cal.business_minutes_between(a, at(2025, 9, 26, 14, 0)), 210);
        // Friday 09:00 to Sunday (make-up) 09:00: 180 + 240 on Friday, 30 on Sunday.
        let b = at(2025, 9, 28, 9, 0);
        assert_eq!(cal.business_minutes_between(a, b), 450);
        assert_eq!(cal.business_minutes_between(b, a), -450);
        // Across the whole holiday.
        let c = at(2025, 10, 9, 8, 30);
        assert_eq!(cal.business_minutes_between(at(2025, 9, 30, 17, 30), c), 0);
        // Seconds are kept until the end, then truncated.
        assert_eq!(cal.business_ms_between(a, a + 1500), 1500);
        assert_eq!(cal.business_minutes_between(a, a + 59_999), 0);
    }

    #[test]
    fn long_targets_are_cheap_and_exact() {
        let cal = golden_week();
        let start = at(2025, 1, 6, 8, 30); // a Monday
        // 10,000 minutes is 22 days and 100 minutes of default working time, but the
        // holidays in between push it later.
        let due = cal.add_business_minutes(start, 10_000);
        assert_eq!(cal.business_minutes_between(start, due), 10_000);
        let plain = BusinessCalendar::default();
        let due = plain.add_business_minutes(start, 10_000);
        // 22 working days = 4 weeks and 2 days, then 100 minutes on the third.
        assert_eq!(due, at(2025, 2, 5, 10, 10));
        // A year of work, and far beyond, without walking minute by minute.
        for minutes in [250 * 450, u32::MAX] {
            let due = cal.add_business_minutes(start, minutes);
            assert_eq!(cal.business_minutes_between(start, due), i64::from(minutes));
        }
        // Through the golden week, from long before it.
        let before = at(2024, 6, 3, 8, 30);
        let due = cal.add_business_minutes(before, 150 * 450);
        assert_eq!(cal.business_minutes_between(before, due), 150 * 450);
    }

    #[test]
    fn business_time() {
        let cal = BusinessCalendar::default();
        assert!(cal.is_business_time(at(2025, 3, 3, 8, 30)));
        assert!(!cal.is_business_time(at(2025, 3, 3, 12, 0)));
        assert!(!cal.is_business_time(at(2025, 3, 8, 10, 0)));
        assert_eq!(cal.utc_offset_minutes(), 480);
    }
}
