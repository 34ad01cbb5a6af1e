//! Visits (走访): how a carer met the resident, what they found, and when the next
//! visit falls due.
//!
//! | outcome      | next visit due                                   | also                       |
//! |--------------|--------------------------------------------------|----------------------------|
//! | `well`       | the visit + the cadence                          |                            |
//! | `needs_help` | the visit + the cadence                          | a request for the resident |
//! | `in_hospital`| the visit + the cadence                          |                            |
//! | `not_reached`| a retry [`RETRY_AFTER_MS`] later, within the day, or the due date standing if earlier | the alerts of that due date stand |
//! | `moved_away` | none: the pairing ends                           |                            |
//!
//! A visit is logged when it happened: not in the future ([`FUTURE_SLACK_MS`] allows
//! for clocks), not more than [`MAX_BACKDATE_DAYS`] back. Only a visit that reached
//! the resident counts as "reached" for the red flag ([`crate::care::alerts`]).

use serde::{Deserialize, Serialize};

use super::policies::Cadence;

pub const DAY_MS: i64 = 24 * 3600 * 1000;
/// A visit not reached is tried again this much later, within the same day.
pub const RETRY_AFTER_MS: i64 = 3 * 3600 * 1000;
/// How far ahead of the server's clock a visit's time may be (a phone's clock).
pub const FUTURE_SLACK_MS: i64 = 5 * 60 * 1000;
/// How far back a visit may be logged.
pub const MAX_BACKDATE_DAYS: i64 = 14;
/// The longest note of a visit.
pub const MAX_NOTE_CHARS: usize = 1000;
/// The communities' offset from UTC (China Standard Time), for "today".
pub const LOCAL_OFFSET_MS: i64 = 8 * 3600 * 1000;

/// How a visit was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    InPerson,
    Phone,
    Video,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::InPerson, Mode::Phone, Mode::Video];

    pub fn code(self) -> &'static str {
        match self {
            Mode::InPerson => "in_person",
            Mode::Phone => "phone",
            Mode::Video => "video",
        }
    }

    /// Parses a code; the error names `mode`.
    pub fn parse(s: &str) -> Result<Mode, VisitError> {
        Mode::ALL
            .into_iter()
            .find(|m| m.code() == s.trim())
            .ok_or(VisitError::new("mode", "choose in person, phone or video"))
    }
}

/// What the carer found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Well,
    NeedsHelp,
    NotReached,
    InHospital,
    MovedAway,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Well,
        Outcome::NeedsHelp,
        Outcome::NotReached,
        Outcome::InHospital,
        Outcome::MovedAway,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Well => "well",
            Outcome::NeedsHelp => "needs_help",
            Outcome::NotReached => "not_reached",
            Outcome::InHospital => "in_hospital",
            Outcome::MovedAway => "moved_away",
        }
    }

    /// Parses a code; the error names `outcome`.
    pub fn parse(s: &str) -> Result<Outcome, VisitError> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.code() == s.trim())
            .ok_or(VisitError::new(
                "outcome",
                "choose well, needs help, not reached, in hospital or moved away",
            ))
    }

    /// Did the carer reach the resident (or learn where they are)?
    pub fn reached(self) -> bool {
        self != Outcome::NotReached
    }
}

/// A visit that cannot be logged, on the field it names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct VisitError {
    pub field: &'static str,
    pub message: &'static str,
}

impl VisitError {
    const fn new(field: &'static str, message: &'static str) -> VisitError {
        VisitError { field, message }
    }
}

/// Checks when a visit happened against `now`.
pub fn check_visited_at(visited_at: i64, now: i64) -> Result<i64, VisitError> {
    if visited_at > now + FUTURE_SLACK_MS {
        return Err(VisitError::new(
            "visited_at",
            "a visit cannot be in the future",
        ));
    }
    if visited_at < now - MAX_BACKDATE_DAYS * DAY_MS {
        return Err(VisitError::new(
            "visited_at",
            "a visit older than 14 days cannot be logged",
        ));
    }
    Ok(visited_at.min(now))
}

/// Trims a visit's note; empty is none. The error names `notes`.
pub fn check_notes(notes: &str) -> Result<Option<String>, VisitError> {
    let n = notes.trim();
    if n.chars().count() > MAX_NOTE_CHARS {
        return Err(VisitError::new("notes", "at most 1000 characters"));
    }
    Ok((!n.is_empty()).then(|| n.to_owned()))
}

/// When the next visit falls due after a visit at `visited_at` with `outcome`, the
/// pairing's due time standing before it being `current_due` (see the module's
/// table). `None`: the pairing ends. A visit that did not reach the resident never
/// moves the due time later, so its alerts keep climbing.
pub fn next_due(
    outcome: Outcome,
    visited_at: i64,
    cadence: Cadence,
    current_due: Option<i64>,
    now: i64,
) -> Option<i64> {
    match outcome {
        Outcome::MovedAway => None,
        Outcome::NotReached => {
            let retry = retry_at(now.max(visited_at));
            Some(current_due.map_or(retry, |d| d.min(retry)))
        }
        _ => Some(visited_at + cadence.as_ms()),
    }
}

/// A retry of a visit not reached at `at`: [`RETRY_AFTER_MS`] later, but not past the
/// end of that local day (the last minute of it).
pub fn retry_at(at: i64) -> i64 {
    let end_of_day = local_day_start(at) + DAY_MS - 60_000;
    (at + RETRY_AFTER_MS).min(end_of_day).max(at)
}

/// The start (UTC milliseconds) of the local day holding `at`.
pub fn local_day_start(at: i64) -> i64 {
    (at + LOCAL_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - LOCAL_OFFSET_MS
}

/// Where a due visit stands on the carer's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    Overdue,
    Today,
    ThisWeek,
    Later,
}

impl Due {
    pub fn code(self) -> &'static str {
        match self {
            Due::Overdue => "overdue",
            Due::Today => "today",
            Due::ThisWeek => "this_week",
            Due::Later => "later",
        }
    }
}

/// Where a visit due at `due_at` stands at `now`: overdue once a local day has passed
/// its due day, today on its day, this week within the next seven days.
pub fn due_bucket(due_at: i64, now: i64) -> Due {
    let today = local_day_start(now);
    if due_at < today {
        Due::Overdue
    } else if due_at < today + DAY_MS {
        Due::Today
    } else if due_at < today + 7 * DAY_MS {
        Due::ThisWeek
    } else {
        Due::Later
    }
}

/// The end of the window a carer's list covers at `now` (seven local days).
pub fn list_horizon(now: i64) -> i64 {
    local_day_start(now) + 7 * DAY_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-12-07 10:00 in China (02:00 UTC).
    const NOW: i64 = 1_796_608_800_000;

    #[test]
    fn the_local_day_starts_at_midnight_in_china() {
        let start = local_day_start(NOW);
        assert_eq!((NOW - start) / 3_600_000, 10);
        assert_eq!(local_day_start(start), start);
        assert_eq!(local_day_start(start - 1), start - DAY_MS);
    }

    #[test]
    fn next_due_follows_the_outcome() {
        let week = Cadence::WEEKLY;
        let due = Some(NOW + DAY_MS);
        assert_eq!(
            next_due(Outcome::Well, NOW, week, due, NOW),
            Some(NOW + 7 * DAY_MS)
        );
        assert_eq!(
            next_due(Outcome::NeedsHelp, NOW - DAY_MS, week, due, NOW),
            Some(NOW + 6 * DAY_MS)
        );
        assert_eq!(next_due(Outcome::MovedAway, NOW, week, due, NOW), None);
        // Not reached: a retry within the day ...
        assert_eq!(
            next_due(Outcome::NotReached, NOW, week, due, NOW),
            Some(NOW + RETRY_AFTER_MS)
        );
        // ... but an overdue visit stays overdue.
        let overdue = Some(NOW - 2 * DAY_MS);
        assert_eq!(
            next_due(Outcome::NotReached, NOW, week, overdue, NOW),
            overdue
        );
    }

    #[test]
    fn a_retry_stays_within_the_day() {
        let late = local_day_start(NOW) + DAY_MS - 3_600_000; // 23:00
        let r = retry_at(late);
        assert!(r > late && r < local_day_start(NOW) + DAY_MS);
        assert_eq!(retry_at(NOW), NOW + RETRY_AFTER_MS);
    }

    #[test]
    fn buckets_by_local_day() {
        let today = local_day_start(NOW);
        assert_eq!(due_bucket(today - 1, NOW), Due::Overdue);
        assert_eq!(due_bucket(today, NOW), Due::Today);
        assert_eq!(due_bucket(NOW + 3 * DAY_MS, NOW), Due::ThisWeek);
        assert_eq!(due_bucket(today + 7 * DAY_MS, NOW), Due::Later);
    }

    #[test]
    fn bad_input_names_its_field() {
        assert_eq!(
            check_visited_at(NOW + DAY_MS, NOW).map_err(|e| e.field),
            Err("visited_at")
        );
        assert_eq!(check_visited_at(NOW + 1000, NOW), Ok(NOW));
        assert!(check_visited_at(NOW - 15 * DAY_MS, NOW).is_err());
        assert_eq!(Outcome::parse("lost").map_err(|e| e.field), Err("outcome"));
        assert_eq!(Outcome::parse("needs_help"), Ok(Outcome::NeedsHelp));
        assert_eq!(Mode::parse("fax").map_err(|e| e.field), Err("mode"));
        assert_eq!(check_notes("  "), Ok(None));
        assert!(check_notes(&"字".repeat(1001)).is_err());
    }
}
