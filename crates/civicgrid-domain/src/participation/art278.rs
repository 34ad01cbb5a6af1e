//! Owners' common decisions (业主共同决定事项) under Civil Code art. 278 and the Supreme
//! People's Court's interpretation on building-area ownership (建筑物区分所有权解释).
//!
//! A decision needs two quorums and two majorities, each counted both by exclusive area
//! and by headcount:
//!
//! - owners holding at least 2/3 of the total exclusive area **and** at least 2/3 of the
//!   total headcount took part (any ballot is taking part);
//! - of the participating area **and** of the participating headcount, the agreeing
//!   owners hold more than 1/2 for an ordinary matter (过半数: the bound fails) or at
//!   least 3/4 for a major one (四分之三以上: the bound passes).
//!
//! Everything is integer arithmetic: areas in hundredths of a square metre, compared
//! by cross-multiplication in `i128`, so that exactly 2/3 or exactly 3/4 is decided
//! exactly.

use serde::{Deserialize, Serialize};

use crate::ledger::person::coded_enum;

coded_enum!(
    /// The nine matters of art. 278 (第二百七十八条 第一款).
    Matter, "matter", {
    Rules => "rules", "制定和修改业主大会议事规则", ["议事规则"];
    Covenant => "covenant", "制定和修改管理规约", ["管理规约"];
    Committee => "committee", "选举业主委员会或者更换业主委员会成员", ["选举业委会"];
    PropertyCompany => "property_company", "选聘和解聘物业服务企业或者其他管理人", ["选聘物业"];
    UseFund => "use_fund", "使用建筑物及其附属设施的维修资金", ["使用维修资金"];
    RaiseFund => "raise_fund", "筹集建筑物及其附属设施的维修资金", ["筹集维修资金"];
    Rebuild => "rebuild", "改建、重建建筑物及其附属设施", ["改建重建"];
    ChangeUse => "change_use", "改变共有部分的用途或者利用共有部分从事经营活动", ["改变共有部分用途"];
    Other => "other", "有关共有和共同管理权利的其他重大事项", ["其他重大事项"];
});

impl Matter {
    /// Items 6–8 (raising the maintenance fund, rebuilding, changing the use of common
    /// parts or running a business on them) need 3/4 of those taking part.
    pub fn is_major(self) -> bool {
        matches!(
            self,
            Matter::RaiseFund | Matter::Rebuild | Matter::ChangeUse
        )
    }
}

/// Area (hundredths of m²) and headcount, side by side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weight {
    pub area_centi: i64,
    pub heads: i64,
}

impl Weight {
    pub fn new(area_centi: i64, heads: i64) -> Weight {
        Weight { area_centi, heads }
    }
}

/// The counts a tally rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Every exclusive part of the estate, and every owner (several parts of one owner,
    /// and the developer's unsold parts, count as one).
    pub total: Weight,
    /// Owners who cast a ballot of any choice.
    pub participating: Weight,
    /// Participating owners who agreed.
    pub agreeing: Weight,
}

/// Whether `part` is at least `num/den` of `whole` (以上: the bound passes).
fn at_least(part: i64, num: i128, den: i128, whole: i64) -> bool {
    i128::from(part) * den >= i128::from(whole) * num
}

/// Whether `part` is more than `num/den` of `whole` (过半数: the bound fails).
fn more_than(part: i64, num: i128, den: i128, whole: i64) -> bool {
    i128::from(part) * den > i128::from(whole) * num
}

/// The least `x ≥ 0` with `(part + x)·den ≥ whole·num`.
fn short_of_at_least(part: i64, num: i128, den: i128, whole: i64) -> i64 {
    let need = (i128::from(whole) * num + den - 1).div_euclid(den) - i128::from(part);
    need.clamp(0, i128::from(i64::MAX)) as i64
}

/// The decision and the figures that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub major: bool,
    pub quorum_area: bool,
    pub quorum_heads: bool,
    pub majority_area: bool,
    pub majority_heads: bool,
    pub passed: bool,
    /// How much more must take part to reach the 2/3 quorums.
    pub quorum_short: Weight,
    /// How many more agreeing ballots (from owners not yet voting, each also taking
    /// part) would reach the majorities on what has taken part so far.
    pub majority_short: Weight,
}

/// Decides a matter on `counts` by art. 278.
pub fn decide(major: bool, counts: &Counts) -> Decision {
    let Counts {
        total,
        participating: p,
        agreeing: a,
    } = *counts;
    let quorum_area = total.area_centi > 0 && at_least(p.area_centi, 2, 3, total.area_centi);
    let quorum_heads = total.heads > 0 && at_least(p.heads, 2, 3, total.heads);
    let (majority_area, majority_heads) = if major {
        (
            p.area_centi > 0 && at_least(a.area_centi, 3, 4, p.area_centi),
            p.heads > 0 && at_least(a.heads, 3, 4, p.heads),
        )
    } else {
        (
            more_than(a.area_centi, 1, 2, p.area_centi),
            more_than(a.heads, 1, 2, p.heads),
        )
    };
    // x more agreeing ballots: ordinary 2(a+x) > p+x, i.e. x ≥ p − 2a + 1;
    // major 4(a+x) ≥ 3(p+x), i.e. x ≥ 3p − 4a.
    let short = |a: i64, p: i64| -> i64 {
        let need = if major {
            3 * i128::from(p) - 4 * i128::from(a)
        } else {
            i128::from(p) - 2 * i128::from(a) + 1
        };
        need.clamp(0, i128::from(i64::MAX)) as i64
    };
    Decision {
        major,
        quorum_area,
        quorum_heads,
        majority_area,
        majority_heads,
        passed: quorum_area && quorum_heads && majority_area && majority_heads,
        quorum_short: Weight::new(
            short_of_at_least(p.area_centi, 2, 3, total.area_centi),
            short_of_at_least(p.heads, 2, 3, total.heads),
        ),
        majority_short: Weight::new(short(a.area_centi, p.area_centi), short(a.heads, p.heads)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(total: (i64, i64), part: (i64, i64), agree: (i64, i64)) -> Counts {
        Counts {
            total: Weight::new(total.0, total.1),
            participating: Weight::new(part.0, part.1),
            agreeing: Weight::new(agree.0, agree.1),
        }
    }

    #[test]
    fn exactly_two_thirds_taking_part_is_a_quorum() {
        let d = decide(false, &counts((300, 30), (200, 20), (200, 20)));
        assert!(d.quorum_area && d.quorum_heads && d.passed);
        assert_eq!(d.quorum_short, Weight::new(0, 0));
        // One hundredth of a square metre or one owner fewer is not.
        let d = decide(false, &counts((300, 30), (199, 20), (199, 20)));
        assert!(!d.quorum_area && d.quorum_heads && !d.passed);
        assert_eq!(d.quorum_short, Weight::new(1, 0));
        let d = decide(false, &counts((300, 30), (200, 19), (200, 19)));
        assert!(d.quorum_area && !d.quorum_heads && !d.passed);
        assert_eq!(d.quorum_short, Weight::new(0, 1));
    }

    #[test]
    fn the_quorum_rounds_up_on_totals_that_do_not_divide() {
        // 2/3 of 100 is 66.67: 67 is needed, 66 is short by one.
        let d = decide(false, &counts((100, 10), (66, 7), (66, 7)));
        assert!(!d.quorum_area && d.quorum_heads);
        assert_eq!(d.quorum_short, Weight::new(1, 0));
        assert!(decide(false, &counts((100, 10), (67, 7), (67, 7))).passed);
    }

    #[test]
    fn exactly_half_agreeing_fails_an_ordinary_matter() {
        let d = decide(false, &counts((400, 40), (300, 30), (150, 15)));
        assert!(d.quorum_area && d.quorum_heads);
        assert!(!d.majority_area && !d.majority_heads && !d.passed);
        assert_eq!(d.majority_short, Weight::new(1, 1));
        let d = decide(false, &counts((400, 40), (300, 30), (151, 16)));
        assert!(d.majority_area && d.majority_heads && d.passed);
        assert_eq!(d.majority_short, Weight::new(0, 0));
    }

    #[test]
    fn exactly_three_quarters_agreeing_passes_a_major_matter() {
        let d = decide(true, &counts((400, 40), (400, 40), (300, 30)));
        assert!(d.majority_area && d.majority_heads && d.passed);
        let d = decide(true, &counts((400, 40), (400, 40), (299, 30)));
        assert!(!d.majority_area && d.majority_heads && !d.passed);
        // Three quarters of 400 is 300; one more agreeing owner (who also takes part)
        // adds to both sides: 4·(299+x) ≥ 3·(400+x) needs x = 4.
        assert_eq!(d.majority_short, Weight::new(4, 0));
        // What passes an ordinary matter is not enough for a major one.
        let c = counts((400, 40), (400, 40), (250, 25));
        assert!(decide(false, &c).passed && !decide(true, &c).passed);
    }

    #[test]
    fn both_area_and_headcount_must_agree() {
        // The big owners agree, most owners do not.
        let d = decide(false, &counts((1000, 10), (1000, 10), (900, 4)));
        assert!(d.majority_area && !d.majority_heads && !d.passed);
    }

    #[test]
    fn an_empty_estate_decides_nothing() {
        let d = decide(false, &Counts::default());
        assert!(!d.passed && !d.quorum_area && !d.quorum_heads);
        assert!(!decide(true, &Counts::default()).passed);
    }

    #[test]
    fn large_estates_do_not_overflow() {
        // 20,000 rooms of 10,000 m² each, in hundredths.
        let area = 20_000 * 1_000_000;
        let d = decide(
            true,
            &counts((area, 20_000), (area, 20_000), (area, 20_000)),
        );
        assert!(d.passed);
    }

    #[test]
    fn items_six_to_eight_are_major() {
        let major: Vec<Matter> = Matter::ALL
            .iter()
            .copied()
            .filter(|m| m.is_major())
            .collect();
        assert_eq!(
            major,
            [Matter::RaiseFund, Matter::Rebuild, Matter::ChangeUse]
        );
        assert_eq!(Matter::ALL.len(), 9);
    }
}
