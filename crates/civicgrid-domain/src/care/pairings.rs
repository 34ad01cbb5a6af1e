//! Care pairings (结对帮扶): a vulnerable resident, or their household, paired with
//! one or more carers, visited on a cadence.
//!
//! | action                         | what changes                   | the due date       |
//! |--------------------------------|--------------------------------|--------------------|
//! | pair                           | a new pairing, its carers      | now (a first visit)|
//! | set cadence / way of visiting  | the pairing's own override     | last visit + new cadence, or kept |
//! | reassign (carer away, moved)   | one carer replaced by another  | kept               |
//! | a visit                        | see [`crate::care::visits`]    | from the outcome   |
//! | end                            | the pairing stops (a reason)   | none               |
//!
//! A pairing has at least one and at most [`MAX_CARERS`] carers, each once.

use serde::{Deserialize, Serialize};

use super::policies::{PolicyError, err};

/// The most carers of one pairing.
pub const MAX_CARERS: usize = 5;

/// Checks a pairing's carers (user ids): one to five, none twice. The error names
/// `carers`.
pub fn check_carers(carers: &[i64]) -> Result<Vec<i64>, PolicyError> {
    let mut c = carers.to_vec();
    c.sort_unstable();
    c.dedup();
    if c.len() != carers.len() {
        return Err(err("carers", "each carer once"));
    }
    if c.is_empty() {
        return Err(err("carers", "choose at least one carer"));
    }
    if c.len() > MAX_CARERS {
        return Err(err("carers", "at most five carers"));
    }
    Ok(carers.to_vec())
}

/// Why a carer is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AwayReason {
    Leave,
    Moved,
    Other,
}

impl AwayReason {
    pub const ALL: [AwayReason; 3] = [AwayReason::Leave, AwayReason::Moved, AwayReason::Other];

    pub fn code(self) -> &'static str {
        match self {
            AwayReason::Leave => "leave",
            AwayReason::Moved => "moved",
            AwayReason::Other => "other",
        }
    }

    /// Parses a code; the error names `reason`.
    pub fn parse(s: &str) -> Result<AwayReason, PolicyError> {
        AwayReason::ALL
            .into_iter()
            .find(|r| r.code() == s.trim())
            .ok_or(err("reason", "choose leave, moved or other"))
    }
}

/// The carers after replacing `away` with `by`. The errors name `carer_id` (not a
/// carer of the pairing) and `new_carer_id` (already one, or the same person).
pub fn reassign(carers: &[i64], away: i64, by: i64) -> Result<Vec<i64>, PolicyError> {
    if !carers.contains(&away) {
        return Err(err("carer_id", "choose a carer of this pairing"));
    }
    if carers.contains(&by) {
        return Err(err(
            "new_carer_id",
            "choose someone who is not already a carer here",
        ));
    }
    Ok(carers
        .iter()
        .map(|c| if *c == away { by } else { *c })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carers_are_one_to_five_distinct() {
        assert!(check_carers(&[]).is_err());
        assert!(check_carers(&[1, 1]).is_err());
        assert!(check_carers(&[1, 2, 3, 4, 5, 6]).is_err());
        assert_eq!(check_carers(&[3, 1]), Ok(vec![3, 1]));
    }

    #[test]
    fn reassigning_swaps_one_carer() {
        assert_eq!(reassign(&[1, 2], 1, 3), Ok(vec![3, 2]));
        assert_eq!(
            reassign(&[1, 2], 4, 3).map_err(|e| e.field),
            Err("carer_id")
        );
        assert_eq!(
            reassign(&[1, 2], 1, 2).map_err(|e| e.field),
            Err("new_carer_id")
        );
        assert_eq!(AwayReason::parse("leave"), Ok(AwayReason::Leave));
        assert!(AwayReason::parse("bored").is_err());
    }
}
