//! Missed-visit alerts (漏访提醒): how far an overdue visit has climbed.
//!
//! | overdue by (past the due time)        | alert goes to      | level |
//! |---------------------------------------|--------------------|-------|
//! | less than a day                       | nobody yet         | 0     |
//! | a day                                 | the carers         | 1     |
//! | half a cadence (at least a day)       | the grid worker    | 2     |
//! | a whole cadence (at least half of it) | community staff    | 3     |
//!
//! Independently of the ladder, a resident whom no visit has reached for two cadences
//! (since the last visit that reached them, or since they were paired) is flagged
//! red on the grid's board.
//!
//! The alert job ([`crate::care`] in the application) raises each level once per due
//! time: an alert is keyed by (pairing, due time, level), so a second run, or a run on
//! another instance at the same moment, finds nothing new to raise.

use serde::{Deserialize, Serialize};

use super::policies::Cadence;
use super::visits::DAY_MS;

/// Who an alert of a level goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Carer,
    GridWorker,
    Staff,
}

impl AlertLevel {
    pub const ALL: [AlertLevel; 3] = [AlertLevel::Carer, AlertLevel::GridWorker, AlertLevel::Staff];

    pub fn rank(self) -> i64 {
        match self {
            AlertLevel::Carer => 1,
            AlertLevel::GridWorker => 2,
            AlertLevel::Staff => 3,
        }
    }

    pub fn from_rank(rank: i64) -> Option<AlertLevel> {
        AlertLevel::ALL.into_iter().find(|l| l.rank() == rank)
    }

    pub fn code(self) -> &'static str {
        match self {
            AlertLevel::Carer => "carer",
            AlertLevel::GridWorker => "grid_worker",
            AlertLevel::Staff => "staff",
        }
    }

    /// How long past the due time this level is reached, for a pairing of `cadence`.
    pub fn after_ms(self, cadence: Cadence) -> i64 {
        let carer = DAY_MS;
        let worker = (cadence.as_ms() / 2).max(carer);
        match self {
            AlertLevel::Carer => carer,
            AlertLevel::GridWorker => worker,
            AlertLevel::Staff => cadence.as_ms().max(worker),
        }
    }
}

/// The level a visit due at `due_at` has climbed to at `now` (none before a day).
pub fn level_at(due_at: i64, cadence: Cadence, now: i64) -> Option<AlertLevel> {
    let late = now - due_at;
    AlertLevel::ALL
        .into_iter()
        .rev()
        .find(|l| late >= l.after_ms(cadence))
}

/// When the next level after `current` will be reached, if any.
pub fn next_level_at(due_at: i64, cadence: Cadence, current: Option<AlertLevel>) -> Option<i64> {
    let next = match current {
        None => Some(AlertLevel::Carer),
        Some(AlertLevel::Carer) => Some(AlertLevel::GridWorker),
        Some(AlertLevel::GridWorker) => Some(AlertLevel::Staff),
        Some(AlertLevel::Staff) => None,
    };
    next.map(|l| due_at + l.after_ms(cadence))
}

/// Is a resident last reached at `reached_at` (or paired then) red at `now`?
pub fn is_red(reached_at: i64, cadence: Cadence, now: i64) -> bool {
    now - reached_at >= 2 * cadence.as_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUE: i64 = 1_796_608_800_000;

    #[test]
    fn alerts_climb_with_the_delay() {
        let week = Cadence::WEEKLY;
        assert_eq!(level_at(DUE, week, DUE + DAY_MS - 1), None);
        assert_eq!(level_at(DUE, week, DUE + DAY_MS), Some(AlertLevel::Carer));
        assert_eq!(
            level_at(DUE, week, DUE + 3 * DAY_MS),
            Some(AlertLevel::Carer)
        );
        assert_eq!(
            level_at(DUE, week, DUE + 7 * DAY_MS / 2),
            Some(AlertLevel::GridWorker)
        );
        assert_eq!(
            level_at(DUE, week, DUE + 7 * DAY_MS),
            Some(AlertLevel::Staff)
        );
        assert_eq!(level_at(DUE, week, DUE - DAY_MS), None);
    }

    #[test]
    fn a_short_cadence_still_climbs_in_order() {
        let daily = Cadence::days(1).unwrap_or(Cadence::WEEKLY);
        // Half a day is less than the carer's day: every level waits a day.
        assert_eq!(level_at(DUE, daily, DUE + DAY_MS), Some(AlertLevel::Staff));
        let mut last = 0;
        for l in AlertLevel::ALL {
            assert!(l.after_ms(Cadence::MONTHLY) >= last);
            last = l.after_ms(Cadence::MONTHLY);
        }
    }

    #[test]
    fn the_next_step_is_known() {
        let week = Cadence::WEEKLY;
        assert_eq!(next_level_at(DUE, week, None), Some(DUE + DAY_MS));
        assert_eq!(
            next_level_at(DUE, week, Some(AlertLevel::Carer)),
            Some(DUE + 7 * DAY_MS / 2)
        );
        assert_eq!(next_level_at(DUE, week, Some(AlertLevel::Staff)), None);
    }

    #[test]
    fn red_after_two_cadences_unreached() {
        let week = Cadence::WEEKLY;
        assert!(!is_red(DUE, week, DUE + 14 * DAY_MS - 1));
        assert!(is_red(DUE, week, DUE + 14 * DAY_MS));
    }
}
