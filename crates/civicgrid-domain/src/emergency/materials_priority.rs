//! Which material request is served first: a pure score from what the ledger knows of
//! the household and how long it has waited.
//!
//! | factor (care tags of anyone in the household)     | points |
//! |---------------------------------------------------|--------|
//! | on dialysis (`dialysis`)                          | 40     |
//! | seriously ill (`seriously_ill`)                   | 35     |
//! | elderly living alone (`elderly_alone`)            | 30     |
//! | aged 80+ (`aged_80`, from the birth date)         | 25     |
//! | disabled (`disabled`)                             | 25     |
//! | pregnant (`pregnant`)                             | 25     |
//! | left-behind child (`left_behind_child`)           | 15     |
//! | empty-nest elderly (`empty_nest`)                 | 10     |
//! | low-income, dibao (`low_income`)                  | 10     |
//! | special care (`special_care`)                     | 10     |
//! | household size: each person beyond the first      | 3, at most 15 |
//! | waiting: each full hour since it was raised       | 1, at most 24 |
//!
//! A tag counts once however many members hold it; tags add up to at most
//! [`MAX_VULNERABILITY`]. Higher scores go first; among equal scores the request raised
//! first, then the lower id. Waiting time is capped so that a day-old request for a
//! healthy family does not pass a household with a dialysis patient raised an hour ago,
//! but climbs past others of its kind.

use serde::{Deserialize, Serialize};

/// The points of each care tag (the table above); other tags count nothing.
pub const TAG_POINTS: &[(&str, i64)] = &[
    ("dialysis", 40),
    ("seriously_ill", 35),
    ("elderly_alone", 30),
    ("aged_80", 25),
    ("disabled", 25),
    ("pregnant", 25),
    ("left_behind_child", 15),
    ("empty_nest", 10),
    ("low_income", 10),
    ("special_care", 10),
];

/// The most points tags can bring.
pub const MAX_VULNERABILITY: i64 = 80;
/// Points for each person beyond the first, and their cap.
pub const PER_PERSON: i64 = 3;
pub const MAX_SIZE_POINTS: i64 = 15;
/// The most points waiting can bring (one an hour).
pub const MAX_WAIT_POINTS: i64 = 24;

const HOUR_MS: i64 = 3_600_000;

/// A household's vulnerability from the care tags its members hold (any order,
/// repeats allowed): the tags that count, sorted, and their points.
pub fn vulnerability<S: AsRef<str>>(tags: &[S]) -> (Vec<&'static str>, i64) {
    let mut counted: Vec<&'static str> = TAG_POINTS
        .iter()
        .filter(|(code, _)| tags.iter().any(|t| t.as_ref() == *code))
        .map(|(code, _)| *code)
        .collect();
    counted.sort_unstable();
    let points = TAG_POINTS
        .iter()
        .filter(|(code, _)| counted.contains(code))
        .map(|(_, p)| p)
        .sum::<i64>()
        .min(MAX_VULNERABILITY);
    (counted, points)
}

/// What a request's priority is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priority {
    pub vulnerability: i64,
    pub size: i64,
    pub waiting: i64,
}

impl Priority {
    pub fn score(self) -> i64 {
        self.vulnerability + self.size + self.waiting
    }
}

/// The priority of a request for a household of `people` present members with
/// `vulnerability` points, raised at `raised_at` and looked at `now` (ms).
pub fn priority(vulnerability: i64, people: i64, raised_at: i64, now: i64) -> Priority {
    Priority {
        vulnerability: vulnerability.clamp(0, MAX_VULNERABILITY),
        size: ((people - 1).max(0) * PER_PERSON).min(MAX_SIZE_POINTS),
        waiting: ((now - raised_at).max(0) / HOUR_MS).min(MAX_WAIT_POINTS),
    }
}

/// The order requests are served in: by score, highest first, then raised first, then
/// by id. Each item is (score, raised_at, id).
pub fn serve_order(items: &mut [(i64, i64, i64)]) {
    items.sort_by_key(|&(score, raised_at, id)| (std::cmp::Reverse(score), raised_at, id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_count_once_and_are_capped() {
        assert_eq!(vulnerability::<&str>(&[]), (vec![], 0));
        assert_eq!(
            vulnerability(&["elderly_alone", "elderly_alone", "veteran"]),
            (vec!["elderly_alone"], 30)
        );
        assert_eq!(
            vulnerability(&["aged_80", "disabled"]),
            (vec!["aged_80", "disabled"], 50)
        );
        let (tags, points) = vulnerability(&["dialysis", "seriously_ill", "elderly_alone"]);
        assert_eq!(tags.len(), 3);
        assert_eq!(points, MAX_VULNERABILITY);
    }

    #[test]
    fn size_and_waiting_add_with_caps() {
        let t0 = 1_700_000_000_000;
        let p = priority(30, 1, t0, t0 + 59 * 60_000);
        assert_eq!(
            (p.vulnerability, p.size, p.waiting, p.score()),
            (30, 0, 0, 30)
        );
        let p = priority(0, 4, t0, t0 + 5 * HOUR_MS + 1);
        assert_eq!((p.size, p.waiting), (9, 5));
        let p = priority(0, 12, t0, t0 + 100 * HOUR_MS);
        assert_eq!((p.size, p.waiting), (MAX_SIZE_POINTS, MAX_WAIT_POINTS));
        // A clock behind the request, or no members, gives nothing.
        let p = priority(0, 0, t0, t0 - HOUR_MS);
        assert_eq!(p.score(), 0);
    }

    #[test]
    fn the_most_vulnerable_go_first_then_the_longest_waiting() {
        let t0 = 1_700_000_000_000;
        let now = t0 + 30 * HOUR_MS;
        // A family of five waiting a day and more, against a dialysis patient raised
        // an hour ago: the patient first.
        let family = priority(0, 5, t0, now);
        let patient = priority(vulnerability(&["dialysis"]).1, 1, now - HOUR_MS, now);
        assert!(patient.score() > family.score());
        let mut order = vec![
            (family.score(), t0, 1),
            (patient.score(), now - HOUR_MS, 2),
            (family.score(), t0, 0),
            (family.score(), t0 - 1, 3),
        ];
        serve_order(&mut order);
        let ids: Vec<i64> = order.iter().map(|o| o.2).collect();
        assert_eq!(ids, [2, 3, 0, 1]);
    }
}
