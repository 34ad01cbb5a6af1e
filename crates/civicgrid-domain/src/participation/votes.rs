//! Votes: a simple poll (one or several options, or a ranking), a proposal vote (agree /
//! oppose / abstain) and an owners' assembly vote (业主共同决定事项, decided by
//! [`super::art278`]). The electorate is frozen from the ledger when the vote opens;
//! a voter's later ballot replaces the earlier one until the close.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::art278::Matter;
use crate::ledger::person::coded_enum;

coded_enum!(
    /// What is being decided, and so how ballots read and how they are counted.
    VoteKind, "vote kind", {
    Poll => "poll", "意见征集", ["民意调查"];
    Proposal => "proposal", "议题表决", ["表决"];
    Owners => "owners", "业主共同决定", ["业主大会"];
});

coded_enum!(
    /// Who may vote, computed from the ledger when the vote opens.
    Electorate, "electorate", {
    Residents => "residents", "满龄居民", ["居民"];
    Households => "households", "每户一票", ["户"];
    Owners => "owners", "小区业主", ["业主"];
});

coded_enum!(
    /// Where a vote stands. Only a draft may change; only an open vote takes ballots;
    /// a closed vote is published and never changes again.
    VoteState, "vote state", {
    Draft => "draft", "草稿", [];
    Open => "open", "投票中", [];
    Closed => "closed", "已结束", ["已公示"];
});

coded_enum!(
    /// How a ballot reached the count.
    Channel, "ballot channel", {
    Online => "online", "网上投票", ["网上"];
    Paper => "paper", "纸质或入户", ["纸质", "入户"];
    Proxy => "proxy", "委托投票", ["委托"];
});

coded_enum!(
    /// A ballot on a proposal or an owners' matter.
    Stance, "choice", {
    Agree => "agree", "同意", ["赞成"];
    Oppose => "oppose", "反对", ["不同意"];
    Abstain => "abstain", "弃权", [];
});

/// The most options a poll may offer.
pub const MAX_OPTIONS: usize = 20;
/// The youngest age a residents' vote may be limited to, and the default.
pub const DEFAULT_MIN_AGE: u8 = 18;

/// What a vote asks, as its author wrote it (checked by [`VoteSpec::check`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteSpec {
    pub kind: VoteKind,
    pub title: String,
    pub body: String,
    /// A poll's options, in the order shown; empty for the other kinds.
    pub options: Vec<String>,
    /// How many options a poll ballot may mark (1 = a single choice).
    pub max_choices: u16,
    /// A poll ballot ranks the options instead (instant run-off).
    pub ranked: bool,
    pub electorate: Electorate,
    /// For a residents' electorate: the youngest who may vote.
    pub min_age: u8,
    /// For an owners' vote: which of art. 278's matters.
    pub matter: Option<Matter>,
}

/// A vote that cannot be set up as written; `field` names the field at fault.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{message}")]
pub struct SpecError {
    pub field: &'static str,
    pub message: &'static str,
}

fn bad(field: &'static str, message: &'static str) -> SpecError {
    SpecError { field, message }
}

impl VoteSpec {
    /// Trims what was typed and checks that it makes one coherent vote.
    pub fn check(mut self) -> Result<VoteSpec, SpecError> {
        self.title = self.title.trim().to_owned();
        self.body = self.body.trim().to_owned();
        let n = self.title.chars().count();
        if n == 0 || n > 100 {
            return Err(bad("title", "give a title of 1–100 characters"));
        }
        if self.body.chars().count() > 5000 {
            return Err(bad(
                "body",
                "the description is longer than 5,000 characters",
            ));
        }
        self.options = self
            .options
            .iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        match self.kind {
            VoteKind::Poll => {
                if self.options.len() < 2 || self.options.len() > MAX_OPTIONS {
                    return Err(bad("options", "a poll needs 2–20 options"));
                }
                if self.options.iter().any(|o| o.chars().count() > 100) {
                    return Err(bad("options", "an option is longer than 100 characters"));
                }
                for (i, o) in self.options.iter().enumerate() {
                    if self.options[..i].contains(o) {
                        return Err(bad("options", "two options say the same"));
                    }
                }
                if self.ranked {
                    self.max_choices = self.options.len() as u16;
                } else if self.max_choices == 0
                    || usize::from(self.max_choices) > self.options.len()
                {
                    return Err(bad(
                        "max_choices",
                        "a ballot may mark from one option up to all of them",
                    ));
                }
            }
            VoteKind::Proposal | VoteKind::Owners => {
                self.options.clear();
                self.max_choices = 1;
                self.ranked = false;
            }
        }
        match (self.kind, self.electorate) {
            (VoteKind::Owners, Electorate::Owners) => {
                if self.matter.is_none() {
                    return Err(bad(
                        "matter",
                        "choose which of the matters of art. 278 this is",
                    ));
                }
            }
            (VoteKind::Owners, _) => {
                return Err(bad(
                    "electorate",
                    "an owners' vote is cast by the owners of an estate",
                ));
            }
            (_, Electorate::Owners) => {
                return Err(bad(
                    "electorate",
                    "the owners of an estate vote on owners' matters; choose an owners' vote",
                ));
            }
            _ => self.matter = None,
        }
        if self.electorate == Electorate::Residents && !(14..=120).contains(&self.min_age) {
            return Err(bad("min_age", "the youngest voter's age is 14–120"));
        }
        Ok(self)
    }

    pub fn is_major(&self) -> bool {
        self.matter.is_some_and(Matter::is_major)
    }
}

/// What one ballot says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Choice {
    Stance(Stance),
    /// Poll options by their position (0-based): the marked ones, or for a ranked poll
    /// every ranked option, most preferred first.
    Options(Vec<u16>),
}

impl Choice {
    /// The stored form: `agree`, or the option numbers (1-based) joined by commas.
    pub fn code(&self) -> String {
        match self {
            Choice::Stance(s) => s.code().to_owned(),
            Choice::Options(o) => o
                .iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// Reads a ballot for `spec`: a stance for proposals and owners' matters; option
    /// numbers (1-based, comma separated, in order of preference when ranked) for polls.
    pub fn parse(spec: &VoteSpec, raw: &str) -> Result<Choice, SpecError> {
        let raw = raw.trim();
        if spec.kind != VoteKind::Poll {
            return Stance::parse(raw)
                .map(Choice::Stance)
                .map_err(|_| bad("choice", "choose agree, oppose or abstain"));
        }
        let mut picked: Vec<u16> = Vec::new();
        for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let n: usize = part
                .parse()
                .map_err(|_| bad("choice", "mark the options by their numbers"))?;
            if n == 0 || n > spec.options.len() {
                return Err(bad("choice", "there is no option with that number"));
            }
            let i = (n - 1) as u16;
            if picked.contains(&i) {
                return Err(bad("choice", "an option is marked twice"));
            }
            picked.push(i);
        }
        if picked.is_empty() {
            return Err(bad("choice", "mark at least one option"));
        }
        if picked.len() > usize::from(spec.max_choices) {
            return Err(bad(
                "choice",
                "more options are marked than this poll allows",
            ));
        }
        if !spec.ranked {
            picked.sort_unstable();
        }
        Ok(Choice::Options(picked))
    }

    /// Whether this ballot agrees (for art. 278 and proposal counts).
    pub fn agrees(&self) -> bool {
        matches!(self, Choice::Stance(Stance::Agree))
    }
}

/// A proposal passes when more than half of the ballots cast agree (abstaining is
/// taking part).
pub fn proposal_passes(agree: i64, cast: i64) -> bool {
    cast > 0 && 2 * i128::from(agree) > i128::from(cast)
}

/// One round of an instant run-off count: each option's votes (None once eliminated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub votes: Vec<Option<u64>>,
    pub eliminated: Option<u16>,
}

/// Counts ranked ballots by instant run-off: each round gives every ballot to its most
/// preferred option still standing; an option with more than half of the ballots still
/// counting wins, otherwise the one with the fewest votes (on a tie, the later option)
/// is eliminated. Returns the rounds and the winner (none when no ballot ranks any).
pub fn instant_runoff(options: usize, ballots: &[Vec<u16>]) -> (Vec<Round>, Option<u16>) {
    let mut standing = vec![true; options];
    let mut rounds = Vec::new();
    loop {
        let mut votes = vec![0u64; options];
        let mut counting = 0u64;
        for b in ballots {
            if let Some(&top) = b
                .iter()
                .find(|&&i| standing.get(usize::from(i)) == Some(&true))
            {
                votes[usize::from(top)] += 1;
                counting += 1;
            }
        }
        let shown: Vec<Option<u64>> = (0..options)
            .map(|i| standing[i].then_some(votes[i]))
            .collect();
        let left = standing.iter().filter(|s| **s).count();
        if counting == 0 || left == 0 {
            rounds.push(Round {
                votes: shown,
                eliminated: None,
            });
            return (rounds, None);
        }
        if let Some(w) = (0..options).find(|&i| standing[i] && 2 * votes[i] > counting) {
            rounds.push(Round {
                votes: shown,
                eliminated: None,
            });
            return (rounds, Some(w as u16));
        }
        if left == 1 {
            let w = standing.iter().position(|s| *s).map(|i| i as u16);
            rounds.push(Round {
                votes: shown,
                eliminated: None,
            });
            return (rounds, w);
        }
        let out = (0..options)
            .filter(|&i| standing[i])
            .min_by_key(|&i| (votes[i], std::cmp::Reverse(i)))
            .unwrap_or(0);
        standing[out] = false;
        rounds.push(Round {
            votes: shown,
            eliminated: Some(out as u16),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(options: &[&str], max_choices: u16, ranked: bool) -> VoteSpec {
        VoteSpec {
            kind: VoteKind::Poll,
            title: " 停车方案 ".into(),
            body: String::new(),
            options: options.iter().map(|s| s.to_string()).collect(),
            max_choices,
            ranked,
            electorate: Electorate::Households,
            min_age: DEFAULT_MIN_AGE,
            matter: None,
        }
    }

    #[test]
    fn a_spec_is_trimmed_and_checked() {
        let s = poll(&["A", " B ", ""], 1, false).check().unwrap();
        assert_eq!(s.title, "停车方案");
        assert_eq!(s.options, ["A", "B"]);
        assert_eq!(poll(&["A"], 1, false).check().unwrap_err().field, "options");
        assert_eq!(
            poll(&["A", "A"], 1, false).check().unwrap_err().field,
            "options"
        );
        assert_eq!(
            poll(&["A", "B"], 3, false).check().unwrap_err().field,
            "max_choices"
        );
        assert_eq!(
            poll(&["A", "B", "C"], 0, true).check().unwrap().max_choices,
            3
        );
        let mut owners = poll(&[], 1, false);
        owners.kind = VoteKind::Owners;
        assert_eq!(owners.clone().check().unwrap_err().field, "electorate");
        owners.electorate = Electorate::Owners;
        assert_eq!(owners.clone().check().unwrap_err().field, "matter");
        owners.matter = Some(Matter::Rebuild);
        let owners = owners.check().unwrap();
        assert!(owners.is_major() && owners.options.is_empty());
        let mut young = poll(&["A", "B"], 1, false);
        young.electorate = Electorate::Residents;
        young.min_age = 3;
        assert_eq!(young.check().unwrap_err().field, "min_age");
    }

    #[test]
    fn ballots_read_by_kind() {
        let p = poll(&["A", "B", "C"], 2, false).check().unwrap();
        assert_eq!(
            Choice::parse(&p, "3, 1").unwrap(),
            Choice::Options(vec![0, 2])
        );
        assert_eq!(Choice::parse(&p, "3,1").unwrap().code(), "1,3");
        assert!(Choice::parse(&p, "1,2,3").is_err());
        assert!(Choice::parse(&p, "4").is_err());
        assert!(Choice::parse(&p, "1,1").is_err());
        assert!(Choice::parse(&p, "").is_err());
        let r = poll(&["A", "B", "C"], 0, true).check().unwrap();
        assert_eq!(
            Choice::parse(&r, "3,1").unwrap(),
            Choice::Options(vec![2, 0])
        );
        let mut prop = poll(&[], 1, false);
        prop.kind = VoteKind::Proposal;
        let prop = prop.check().unwrap();
        assert!(Choice::parse(&prop, "同意").unwrap().agrees());
        assert!(!Choice::parse(&prop, "abstain").unwrap().agrees());
        assert_eq!(Choice::parse(&prop, "1").unwrap_err().field, "choice");
    }

    #[test]
    fn a_proposal_needs_more_than_half() {
        assert!(!proposal_passes(5, 10));
        assert!(proposal_passes(6, 10));
        assert!(!proposal_passes(0, 0));
    }

    #[test]
    fn instant_runoff_moves_eliminated_ballots_on() {
        // A 4, B 3, C 2 (C's voters prefer B next): C goes, B wins 5–4.
        let mut ballots = vec![vec![0, 1]; 4];
        ballots.extend(vec![vec![1, 0]; 3]);
        ballots.extend(vec![vec![2, 1]; 2]);
        let (rounds, winner) = instant_runoff(3, &ballots);
        assert_eq!(winner, Some(1));
        assert_eq!(rounds.len(), 2);
        assert_eq!(rounds[0].eliminated, Some(2));
        assert_eq!(rounds[1].votes, vec![Some(4), Some(5), None]);
        // An outright majority wins in the first round.
        assert_eq!(instant_runoff(2, &[vec![0], vec![0], vec![1]]).1, Some(0));
        assert_eq!(instant_runoff(2, &[]).1, None);
    }
}
