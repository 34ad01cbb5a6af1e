//! The situation report (情况报告): the figures a street office asks of an emergency,
//! counted from live data at the moment it is asked, per community and in total.
//!
//! | figure            | counted from                                                    |
//! |-------------------|-----------------------------------------------------------------|
//! | targeted          | households of the emergency's welfare-check campaigns           |
//! | checked           | those a check has settled (safe, needs help, moved away)        |
//! | needing help      | those whose latest check says needs help, by what they need     |
//! | unreached         | still to check after at least one attempt                       |
//! | left              | still to check                                                  |
//! | materials         | requests waiting, on their way, delivered; quantities issued    |
//! | urgent requests   | open requests of the community in the emergency's urgent categories |

use super::checks::Need;

/// The figures of one community's emergency, or of several added together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub targeted: i64,
    pub checked: i64,
    pub needing_help: i64,
    pub unreached: i64,
    /// Households needing each kind of help, in the order of [`Need::ALL`].
    pub needs: Vec<(Need, i64)>,
    pub materials_waiting: i64,
    pub materials_on_the_way: i64,
    pub materials_delivered: i64,
    pub urgent_open: i64,
}

impl Figures {
    /// Households still to check.
    pub fn left(&self) -> i64 {
        (self.targeted - self.checked).max(0)
    }

    /// Checked, in whole percent of those targeted (0 when none is).
    pub fn percent_checked(&self) -> i64 {
        if self.targeted == 0 {
            0
        } else {
            self.checked * 100 / self.targeted
        }
    }

    /// Counts what the households needing help need: one household needing medicine
    /// and food counts once under each.
    pub fn count_needs<'a>(&mut self, households: impl IntoIterator<Item = &'a [Need]>) {
        let mut counts = vec![0_i64; Need::ALL.len()];
        for needs in households {
            for (i, n) in Need::ALL.iter().enumerate() {
                if needs.contains(n) {
                    counts[i] += 1;
                }
            }
        }
        self.needs = Need::ALL.iter().copied().zip(counts).collect();
    }

    /// Adds `other` into these figures (a street's total of its communities).
    pub fn add(&mut self, other: &Figures) {
        self.targeted += other.targeted;
        self.checked += other.checked;
        self.needing_help += other.needing_help;
        self.unreached += other.unreached;
        self.materials_waiting += other.materials_waiting;
        self.materials_on_the_way += other.materials_on_the_way;
        self.materials_delivered += other.materials_delivered;
        self.urgent_open += other.urgent_open;
        for (need, n) in &other.needs {
            match self.needs.iter_mut().find(|(m, _)| m == need) {
                Some((_, total)) => *total += n,
                None => self.needs.push((*need, *n)),
            }
        }
        self.needs
            .sort_by_key(|(n, _)| Need::ALL.iter().position(|m| m == n));
    }
}

/// How long an emergency has run, in whole hours and minutes ("3小时12分" on a page).
pub fn running_for(started_at: i64, until: i64) -> (i64, i64) {
    let minutes = (until - started_at).max(0) / 60_000;
    (minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_count_each_household_once_per_kind() {
        let mut f = Figures::default();
        let a = [Need::Medicine, Need::Food];
        let b = [Need::Medicine];
        f.count_needs([&a[..], &b[..]]);
        assert_eq!(f.needs[0], (Need::Medicine, 2));
        assert_eq!(f.needs[1], (Need::Food, 1));
        assert_eq!(f.needs.len(), Need::ALL.len());
    }

    #[test]
    fn a_street_total_adds_its_communities() {
        let mut one = Figures {
            targeted: 10,
            checked: 4,
            ..Figures::default()
        };
        one.count_needs([&[Need::Food][..]]);
        let mut two = Figures {
            targeted: 5,
            checked: 5,
            urgent_open: 2,
            ..Figures::default()
        };
        two.count_needs([&[Need::Food, Need::Evacuation][..]]);
        let mut total = Figures::default();
        total.add(&one);
        total.add(&two);
        assert_eq!((total.targeted, total.checked, total.left()), (15, 9, 6));
        assert_eq!(total.percent_checked(), 60);
        assert_eq!(total.urgent_open, 2);
        assert_eq!(total.needs[1], (Need::Food, 2));
        assert_eq!(total.needs.last(), Some(&(Need::Evacuation, 1)));
    }

    #[test]
    fn nothing_targeted_is_nothing_checked() {
        assert_eq!(Figures::default().percent_checked(), 0);
        assert_eq!(Figures::default().left(), 0);
    }

    #[test]
    fn running_time_is_whole_minutes() {
        assert_eq!(
            running_for(0, 3 * 3_600_000 + 12 * 60_000 + 59_000),
            (3, 12)
        );
        assert_eq!(running_for(10, 0), (0, 0));
    }
}
