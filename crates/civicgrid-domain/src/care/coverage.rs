//! Coverage (覆盖率): of a place's vulnerable residents, how many are paired, visited
//! on time, overdue, and red.

use serde::{Deserialize, Serialize};

/// The counts of one grid or community.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Residents holding a care tag.
    pub vulnerable: i64,
    /// Of them, in an active pairing.
    pub paired: i64,
    /// Active pairings whose next visit is not yet overdue.
    pub on_time: i64,
    /// Active pairings whose next visit is past due.
    pub overdue: i64,
    /// Residents nobody has reached for two cadences.
    pub red: i64,
}

impl Counts {
    /// The share of paired residents visited on time, in per cent (100 with none
    /// paired: nothing is late).
    pub fn on_time_percent(&self) -> i64 {
        if self.paired <= 0 {
            100
        } else {
            (self.on_time * 100 / self.paired).clamp(0, 100)
        }
    }

    /// The share of vulnerable residents paired, in per cent.
    pub fn paired_percent(&self) -> i64 {
        if self.vulnerable <= 0 {
            100
        } else {
            (self.paired * 100 / self.vulnerable).clamp(0, 100)
        }
    }

    pub fn add(&mut self, o: &Counts) {
        self.vulnerable += o.vulnerable;
        self.paired += o.paired;
        self.on_time += o.on_time;
        self.overdue += o.overdue;
        self.red += o.red;
    }
}

/// Shade of a grid on the coverage map for `on_time_percent`: 0 (good) to 3 (poor).
pub fn shade(on_time_percent: i64) -> u8 {
    match on_time_percent {
        90.. => 0,
        75..=89 => 1,
        50..=74 => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_shades() {
        let c = Counts {
            vulnerable: 10,
            paired: 8,
            on_time: 6,
            overdue: 2,
            red: 1,
        };
        assert_eq!(c.on_time_percent(), 75);
        assert_eq!(c.paired_percent(), 80);
        assert_eq!(shade(c.on_time_percent()), 1);
        assert_eq!(Counts::default().on_time_percent(), 100);
        assert_eq!(shade(10), 3);
    }
}
