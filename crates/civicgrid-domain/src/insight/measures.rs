//! What a dashboard counts. Each measure is counted per place (a grid, or the
//! community when nothing finer is known) and per month, and added up the tree to
//! every street, district and city; rates are worked out from two counts when shown,
//! never stored, so they add up correctly.
//!
//! | family       | measure                      | kind     | counted from                            |
//! |--------------|------------------------------|----------|-----------------------------------------|
//! | population   | present, registered, floating, age bands | snapshot | residents (as at the last count) |
//! | population   | `tag:<code>`                 | snapshot | present residents holding the tag       |
//! | requests     | submitted, closed, closed on time, rated, rating sum, satisfied | flow | requests of the month |
//! | requests     | open, overdue                | snapshot | open requests (as at the last count)    |
//! | care         | visits                       | flow     | care visits of the month                |
//! | volunteers   | active, minutes served       | snapshot / flow | volunteers, the hours ledger     |

use crate::ledger::person::coded_enum;

coded_enum!(
    /// A figure counted per place and month.
    Measure, "measure", {
    Present => "population_present", "常住人口", [];
    Registered => "population_registered", "户籍人口", [];
    Floating => "population_floating", "流动人口", [];
    Age0 => "age_0_17", "0-17岁", [];
    Age18 => "age_18_34", "18-34岁", [];
    Age35 => "age_35_59", "35-59岁", [];
    Age60 => "age_60_79", "60-79岁", [];
    Age80 => "age_80_plus", "80岁以上", [];
    Submitted => "requests_submitted", "新增诉求", [];
    Closed => "requests_closed", "办结诉求", [];
    ClosedOnTime => "requests_closed_on_time", "按时办结", [];
    Rated => "requests_rated", "评价数", [];
    RatingSum => "requests_rating_sum", "评分合计", [];
    Satisfied => "requests_satisfied", "满意评价", [];
    Open => "requests_open", "在办诉求", [];
    Overdue => "requests_overdue", "超期诉求", [];
    CareVisits => "care_visits", "关爱走访", [];
    VolunteersActive => "volunteers_active", "在册志愿者", [];
    VolunteerMinutes => "volunteer_minutes", "志愿服务时长(分钟)", [];
});

/// Whether a measure counts what stands at an instant (a snapshot: kept as it was
/// last counted in its month) or what happened during the month (a flow: recounted
/// whole for any month).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Snapshot,
    Flow,
}

impl Measure {
    pub fn kind(self) -> Kind {
        use Measure::*;
        match self {
            Submitted | Closed | ClosedOnTime | Rated | RatingSum | Satisfied | CareVisits
            | VolunteerMinutes => Kind::Flow,
            _ => Kind::Snapshot,
        }
    }

    /// The age-band measures, youngest first, in the order of the ledger's bands.
    pub const AGE_BANDS: [Measure; 5] = [
        Measure::Age0,
        Measure::Age18,
        Measure::Age35,
        Measure::Age60,
        Measure::Age80,
    ];
}

/// The stored name of the count of present residents holding tag `code`.
pub fn tag_measure(code: &str) -> String {
    format!("tag:{code}")
}

/// The tag a stored measure name counts, if it counts one.
pub fn tag_of(measure: &str) -> Option<&str> {
    measure.strip_prefix("tag:")
}

/// `part` of `whole` in whole percent, rounded half up; none when `whole` is 0.
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| (part * 200 + whole) / (2 * whole))
}

/// The mean of `count` values summing to `sum`, in tenths (4.3 → 43); none when
/// nothing was counted.
pub fn mean_tenths(sum: i64, count: i64) -> Option<i64> {
    (count > 0).then(|| (sum * 20 + count) / (2 * count))
}

/// How a figure moved since the period before: the difference, and the change in
/// whole percent of the earlier figure (none when it was 0).
pub fn change(now: i64, before: i64) -> (i64, Option<i64>) {
    let diff = now - before;
    let pct = (before != 0).then(|| {
        let p = diff * 200 / before.abs();
        (p + p.signum()) / 2
    });
    (diff, pct)
}

/// Sibling areas ranked by `value`, highest first; ties keep their order.
pub fn ranked<T>(mut items: Vec<(T, i64)>) -> Vec<(T, i64)> {
    items.sort_by_key(|(_, v)| std::cmp::Reverse(*v));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_are_recounted_and_snapshots_kept() {
        assert_eq!(Measure::Submitted.kind(), Kind::Flow);
        assert_eq!(Measure::Open.kind(), Kind::Snapshot);
        assert_eq!(Measure::Present.kind(), Kind::Snapshot);
        assert_eq!(Measure::parse("care_visits"), Ok(Measure::CareVisits));
    }

    #[test]
    fn tags_have_their_own_measures() {
        assert_eq!(tag_measure("elderly_alone"), "tag:elderly_alone");
        assert_eq!(tag_of("tag:disabled"), Some("disabled"));
        assert_eq!(tag_of("requests_open"), None);
    }

    #[test]
    fn rates_round_half_up_and_need_a_whole() {
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(1, 8), Some(13));
        assert_eq!(percent(0, 0), None);
        assert_eq!(mean_tenths(13, 3), Some(43));
        assert_eq!(mean_tenths(0, 0), None);
    }

    #[test]
    fn changes_say_how_far_and_which_way() {
        assert_eq!(change(12, 10), (2, Some(20)));
        assert_eq!(change(5, 10), (-5, Some(-50)));
        assert_eq!(change(1, 3), (-2, Some(-67)));
        assert_eq!(change(4, 0), (4, None));
    }

    #[test]
    fn siblings_rank_highest_first() {
        let r = ranked(vec![("甲", 3), ("乙", 9), ("丙", 3)]);
        assert_eq!(r, [("乙", 9), ("甲", 3), ("丙", 3)]);
    }
}
