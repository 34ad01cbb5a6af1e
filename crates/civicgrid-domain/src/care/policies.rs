//! Visit policies (走访标准): how often, and how, a vulnerable resident is visited,
//! by the ledger's care tags and a care level, per community.
//!
//! | policy (example)                 | tags                       | level | cadence | how       |
//! |----------------------------------|----------------------------|-------|---------|-----------|
//! | 80+ living alone                 | `aged_80` + `elderly_alone`| 1     | 7 days  | in person |
//! | seriously ill / special care     | `seriously_ill`            | 1     | 7 days  | in person |
//! | living alone                     | `elderly_alone`            | 2     | 14 days | in person |
//! | disabled                         | `disabled`                 | 2     | 14 days | in person |
//! | left-behind child                | `left_behind_child`        | 2     | 14 days | in person |
//! | empty nest                       | `empty_nest`               | 3     | 30 days | phone     |
//! | low-income (低保)                 | `low_income`               | 3     | 30 days | phone     |
//!
//! A policy names one tag, and optionally a second one the resident must also hold
//! ("80+ *and* living alone"). A resident matching several policies is visited by the
//! most demanding: the shortest cadence, then the lower level number (level 1 is the
//! closest care). A pairing takes its cadence and way of visiting from that policy
//! unless staff set them for that household or resident ([`crate::care::pairings`]).

use serde::{Deserialize, Serialize};

use super::visits::Mode;

/// The longest cadence a policy or pairing may have: a year.
pub const MAX_CADENCE_DAYS: i64 = 366;
/// Care levels: 1 (closest care) to 3.
pub const LEVELS: std::ops::RangeInclusive<i64> = 1..=3;

/// A visit cadence in whole days (1..=366).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cadence(i64);

/// A value a policy or pairing cannot hold, on the field it names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PolicyError {
    pub field: &'static str,
    pub message: &'static str,
}

pub(crate) fn err(field: &'static str, message: &'static str) -> PolicyError {
    PolicyError { field, message }
}

impl Cadence {
    pub const WEEKLY: Cadence = Cadence(7);
    pub const FORTNIGHTLY: Cadence = Cadence(14);
    pub const MONTHLY: Cadence = Cadence(30);

    /// A cadence of `days` days; the error names `cadence_days`.
    pub fn days(days: i64) -> Result<Cadence, PolicyError> {
        if (1..=MAX_CADENCE_DAYS).contains(&days) {
            Ok(Cadence(days))
        } else {
            Err(err("cadence_days", "a whole number of days from 1 to 366"))
        }
    }

    pub fn as_days(self) -> i64 {
        self.0
    }

    pub fn as_ms(self) -> i64 {
        self.0 * super::visits::DAY_MS
    }
}

/// A policy as staff write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySpec {
    /// The care tag that makes a resident fall under it.
    pub tag: String,
    /// A second tag the resident must also hold, or empty.
    pub with_tag: String,
    pub level: i64,
    pub cadence: Cadence,
    pub mode: Mode,
}

impl PolicySpec {
    /// Checks the level and that the two tags differ; `care_tags` are the codes of the
    /// catalogue's care tags (a policy for someone who needs no care is refused).
    pub fn check(mut self, care_tags: &[&str], all_tags: &[&str]) -> Result<Self, PolicyError> {
        self.tag = self.tag.trim().to_owned();
        self.with_tag = self.with_tag.trim().to_owned();
        if !care_tags.contains(&self.tag.as_str()) {
            return Err(err("tag", "choose a care tag of the ledger"));
        }
        if !self.with_tag.is_empty() {
            if !all_tags.contains(&self.with_tag.as_str()) {
                return Err(err("with_tag", "choose a tag of the ledger, or none"));
            }
            if self.with_tag == self.tag {
                return Err(err("with_tag", "choose a different tag, or none"));
            }
        }
        if !LEVELS.contains(&self.level) {
            return Err(err("level", "a care level from 1 to 3"));
        }
        Ok(self)
    }

    /// Does a resident holding `tags` fall under this policy?
    pub fn applies_to<S: AsRef<str>>(&self, tags: &[S]) -> bool {
        let has = |t: &str| tags.iter().any(|x| x.as_ref() == t);
        has(&self.tag) && (self.with_tag.is_empty() || has(&self.with_tag))
    }
}

/// The policies a community starts with (the table above).
pub fn default_policies() -> Vec<PolicySpec> {
    let p = |tag: &str, with_tag: &str, level, cadence, mode| PolicySpec {
        tag: tag.into(),
        with_tag: with_tag.into(),
        level,
        cadence,
        mode,
    };
    vec![
        p(
            "elderly_alone",
            "aged_80",
            1,
            Cadence::WEEKLY,
            Mode::InPerson,
        ),
        p("seriously_ill", "", 1, Cadence::WEEKLY, Mode::InPerson),
        p("special_care", "", 1, Cadence::WEEKLY, Mode::InPerson),
        p("aged_80", "", 2, Cadence::FORTNIGHTLY, Mode::InPerson),
        p("elderly_alone", "", 2, Cadence::FORTNIGHTLY, Mode::InPerson),
        p("disabled", "", 2, Cadence::FORTNIGHTLY, Mode::InPerson),
        p(
            "left_behind_child",
            "",
            2,
            Cadence::FORTNIGHTLY,
            Mode::InPerson,
        ),
        p("empty_nest", "", 3, Cadence::MONTHLY, Mode::Phone),
        p("low_income", "", 3, Cadence::MONTHLY, Mode::Phone),
    ]
}

/// The most demanding of `policies` that applies to a resident holding `tags`: the
/// shortest cadence, then the lower level; `None` when none applies.
pub fn policy_for<'a, S: AsRef<str>>(
    policies: &'a [PolicySpec],
    tags: &[S],
) -> Option<&'a PolicySpec> {
    policies
        .iter()
        .filter(|p| p.applies_to(tags))
        .min_by_key(|p| (p.cadence, p.level))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_demanding_policy_wins() {
        let all = default_policies();
        let alone_80 = ["aged_80", "elderly_alone", "senior_60"];
        let p = policy_for(&all, &alone_80).map(|p| (p.cadence, p.level, p.mode));
        assert_eq!(p, Some((Cadence::WEEKLY, 1, Mode::InPerson)));
        let alone = ["elderly_alone"];
        assert_eq!(
            policy_for(&all, &alone).map(|p| p.cadence),
            Some(Cadence::FORTNIGHTLY)
        );
        let poor = ["low_income"];
        assert_eq!(policy_for(&all, &poor).map(|p| p.mode), Some(Mode::Phone));
        assert!(policy_for(&all, &["veteran"]).is_none());
    }

    #[test]
    fn cadence_and_spec_are_checked() {
        assert!(Cadence::days(0).is_err());
        assert!(Cadence::days(367).is_err());
        assert_eq!(Cadence::days(7).map(Cadence::as_days), Ok(7));
        let care = ["disabled", "elderly_alone"];
        let all = ["disabled", "elderly_alone", "aged_80", "veteran"];
        let mut spec = default_policies()[5].clone();
        assert!(spec.clone().check(&care, &all).is_ok());
        spec.level = 4;
        assert_eq!(
            spec.clone().check(&care, &all).map_err(|e| e.field),
            Err("level")
        );
        spec.level = 1;
        spec.tag = "veteran".into();
        assert_eq!(
            spec.clone().check(&care, &all).map_err(|e| e.field),
            Err("tag")
        );
        spec.tag = "disabled".into();
        spec.with_tag = "disabled".into();
        assert_eq!(
            spec.check(&care, &all).map_err(|e| e.field),
            Err("with_tag")
        );
    }
}
