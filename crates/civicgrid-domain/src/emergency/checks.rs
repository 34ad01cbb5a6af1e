//! Welfare checks (逐户排查): a campaign reaches every targeted household of a running
//! emergency before its deadline.
//!
//! | a household is | after a check that says              | and then                                  |
//! |----------------|--------------------------------------|-------------------------------------------|
//! | to check       | safe, moved away                     | checked                                   |
//! | to check       | needs help (what: medicine, food…)   | checked, flagged for help                 |
//! | to check       | not reached, not at home             | back in the queue, one more attempt       |
//!
//! Households are split among checkers by building, so one person walks one building,
//! and each checker's list is in walking order (building, unit, floor, room). A
//! household still not checked climbs as the deadline nears: to the grid worker when
//! half the time is gone ([`Escalation::GridWorker`]), to the community's staff in the
//! last quarter ([`Escalation::Staff`]). A check sent twice (a retry after a lost
//! answer) carries the same key and is recorded once.
//!
//! A household needing medicine or food may also ask for items the community's depot
//! keeps ([`check_help_items`]); the check then raises a material request too:
//!
//! | need       | items of kind  |
//! |------------|----------------|
//! | medicine   | medicine       |
//! | food       | food, water    |
//! | the others | none           |
//!
//! On the board's map each building takes one state ([`building_state`]), the first
//! that holds:
//!
//! | state        | when                                                    |
//! |--------------|---------------------------------------------------------|
//! | climbed      | households still to check, and they have climbed to staff |
//! | needs help   | a household of it needs help                            |
//! | unchecked    | households still to check                               |
//! | all checked  | every household checked                                 |

use super::Invalid;
use super::materials::ItemKind;
use crate::ledger::person::coded_enum;

coded_enum!(
    /// What a check found.
    Outcome, "check outcome", {
    Safe => "safe", "安全", ["平安"];
    NeedsHelp => "needs_help", "需要帮助", ["求助"];
    NotReached => "not_reached", "联系不上", ["未联系上"];
    NotHome => "not_home", "不在家", ["外出"];
    MovedAway => "moved_away", "已搬走", ["搬离"];
});

impl Outcome {
    /// Whether the household is done with (no further attempt).
    pub fn settles(self) -> bool {
        !matches!(self, Outcome::NotReached | Outcome::NotHome)
    }
}

coded_enum!(
    /// What a household needing help needs.
    Need, "need", {
    Medicine => "medicine", "药品", ["药"];
    Food => "food", "食品", ["生活物资"];
    Transport => "transport", "就医转运", ["转运"];
    Repair => "repair", "抢修", ["维修"];
    Evacuation => "evacuation", "转移安置", ["转移"];
});

impl Need {
    /// The kinds of items a household with this need may ask for at the door (the
    /// table above).
    pub fn item_kinds(self) -> &'static [ItemKind] {
        match self {
            Need::Medicine => &[ItemKind::Medicine],
            Need::Food => &[ItemKind::Food, ItemKind::Water],
            Need::Transport | Need::Repair | Need::Evacuation => &[],
        }
    }
}

/// The kinds of items a check may ask for at all (what the form offers).
pub fn help_item_kinds() -> Vec<ItemKind> {
    let mut kinds: Vec<ItemKind> = Need::ALL
        .iter()
        .flat_map(|n| n.item_kinds().iter().copied())
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// Checks the items a check asks for (given by their kinds): only for a household
/// needing help, and each of a kind its needs call for.
pub fn check_help_items(
    outcome: Outcome,
    needs: &[Need],
    kinds: &[ItemKind],
) -> Result<(), Invalid> {
    if kinds.is_empty() {
        return Ok(());
    }
    if outcome != Outcome::NeedsHelp {
        return Err(Invalid::new(
            "check_items",
            "items are asked for a household needing help",
        ));
    }
    if kinds
        .iter()
        .any(|k| !needs.iter().any(|n| n.item_kinds().contains(k)))
    {
        return Err(Invalid::new(
            "check_items",
            "tick medicine or food among the needs for these items",
        ));
    }
    Ok(())
}

coded_enum!(
    /// Who a household still to check has climbed to.
    Escalation, "escalation", {
    Checker => "checker", "排查人员", ["排查员"];
    GridWorker => "grid_worker", "网格员", ["网格"];
    Staff => "staff", "社区工作人员", ["社区"];
});

impl Escalation {
    /// Whether a household at `self` has reached `who` (one that climbed to staff has
    /// passed the grid worker too).
    pub fn reaches(self, who: Escalation) -> bool {
        self >= who
    }
}

coded_enum!(
    /// How a building of a campaign stands, on the board's map (the table above).
    BuildingState, "building state", {
    AllChecked => "all_checked", "已全部排查", ["已完成"];
    NeedsHelp => "needs_help", "有住户需要帮助", ["需要帮助"];
    Unchecked => "unchecked", "仍有未排查", ["未排查"];
    Climbed => "climbed", "已上报社区", ["上报"];
});

/// The state of a building with `total` households, `checked` of them checked and
/// `needing_help` needing help, while the unchecked have climbed to `climbed`.
pub fn building_state(
    total: i64,
    checked: i64,
    needing_help: i64,
    climbed: Escalation,
) -> BuildingState {
    let left = checked < total;
    if left && climbed.reaches(Escalation::Staff) {
        BuildingState::Climbed
    } else if needing_help > 0 {
        BuildingState::NeedsHelp
    } else if left {
        BuildingState::Unchecked
    } else {
        BuildingState::AllChecked
    }
}

/// The longest note of a check.
pub const MAX_NOTE_CHARS: usize = 300;
/// The longest campaign deadline, in hours.
pub const MAX_HOURS: i64 = 72;

/// Checks what a check says: help needs at least one need; a note within bounds.
pub fn check_report(outcome: Outcome, needs: &[Need], note: &str) -> Result<String, Invalid> {
    if outcome == Outcome::NeedsHelp && needs.is_empty() {
        return Err(Invalid::new("needs", "say what help is needed"));
    }
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(Invalid::new("check_note", "at most 300 characters"));
    }
    Ok(note.to_owned())
}

/// Checks a campaign's deadline, in hours from its start.
pub fn check_hours(hours: i64) -> Result<i64, Invalid> {
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(Invalid::new("campaign_hours", "between 1 and 72 hours"));
    }
    Ok(hours)
}

/// When a campaign begun on the ground before it was entered started: not after
/// `now`, and no further back than the longest deadline ([`MAX_HOURS`]).
pub fn check_started_at(at: i64, now: i64) -> Result<i64, Invalid> {
    if at > now || at < now - MAX_HOURS * 3_600_000 {
        return Err(Invalid::new(
            "campaign_started",
            "within the last 72 hours, not in the future",
        ));
    }
    Ok(at)
}

/// How far an unchecked household has climbed at `now`, for a campaign running from
/// `start` to `deadline`.
pub fn escalation(start: i64, deadline: i64, now: i64) -> Escalation {
    let span = (deadline - start).max(1);
    let gone = now - start;
    if gone * 4 >= span * 3 {
        Escalation::Staff
    } else if gone * 2 >= span {
        Escalation::GridWorker
    } else {
        Escalation::Checker
    }
}

/// The key that orders a checker's list: building, unit, floor, room, as people walk
/// them (numbers in numeric order: 2 before 10).
pub fn walking_key(building: &str, unit: &str, floor: Option<i64>, room: &str) -> String {
    fn part(s: &str) -> String {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        match digits.parse::<u64>() {
            Ok(n) => format!("{n:08}{}", &s[digits.len()..]),
            Err(_) => format!("~{s}"),
        }
    }
    format!(
        "{}|{}|{:04}|{}",
        part(building),
        part(unit),
        floor.unwrap_or(0).clamp(0, 9999),
        part(room)
    )
}

/// Splits `buildings` among `checkers` (each building to one checker, in turn, so the
/// largest buildings spread first); returns (building, checker) pairs. `buildings` are
/// (id, households); no checker leaves everyone unassigned.
pub fn split_by_building(buildings: &[(i64, usize)], checkers: &[i64]) -> Vec<(i64, i64)> {
    if checkers.is_empty() {
        return Vec::new();
    }
    let mut order: Vec<(i64, usize)> = buildings.to_vec();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut load = vec![0usize; checkers.len()];
    let mut out = Vec::with_capacity(order.len());
    for (building, n) in order {
        // The least loaded checker so far takes the next largest building.
        let (i, _) = load
            .iter()
            .enumerate()
            .min_by_key(|(i, l)| (**l, *i))
            .unwrap_or((0, &0));
        load[i] += n;
        out.push((building, checkers[i]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_settle_or_return_to_the_queue() {
        assert!(Outcome::Safe.settles() && Outcome::NeedsHelp.settles());
        assert!(!Outcome::NotReached.settles() && !Outcome::NotHome.settles());
        assert_eq!(
            check_report(Outcome::NeedsHelp, &[], "").unwrap_err().field,
            "needs"
        );
        assert!(check_report(Outcome::NeedsHelp, &[Need::Medicine], "降压药").is_ok());
        assert!(check_report(Outcome::Safe, &[], &"长".repeat(301)).is_err());
        assert!(check_hours(0).is_err() && check_hours(73).is_err());
        assert_eq!(check_hours(6), Ok(6));
        let now = 100 * 3_600_000;
        assert_eq!(check_started_at(now - 5, now), Ok(now - 5));
        assert!(check_started_at(now + 1, now).is_err());
        assert!(check_started_at(now - 73 * 3_600_000, now).is_err());
    }

    #[test]
    fn the_unchecked_climb_as_the_deadline_nears() {
        assert_eq!(escalation(0, 100, 10), Escalation::Checker);
        assert_eq!(escalation(0, 100, 50), Escalation::GridWorker);
        assert_eq!(escalation(0, 100, 75), Escalation::Staff);
        assert_eq!(escalation(0, 100, 200), Escalation::Staff);
    }

    #[test]
    fn the_climb_passes_the_grid_worker_on_its_way_to_staff() {
        assert!(Escalation::Staff.reaches(Escalation::GridWorker));
        assert!(Escalation::GridWorker.reaches(Escalation::GridWorker));
        assert!(!Escalation::GridWorker.reaches(Escalation::Staff));
        assert!(!Escalation::Checker.reaches(Escalation::GridWorker));
    }

    #[test]
    fn items_follow_the_needs() {
        use ItemKind::*;
        assert_eq!(help_item_kinds(), [Food, Water, Medicine]);
        assert_eq!(check_help_items(Outcome::Safe, &[], &[]), Ok(()));
        assert_eq!(
            check_help_items(Outcome::Safe, &[], &[Water])
                .unwrap_err()
                .field,
            "check_items"
        );
        assert!(check_help_items(Outcome::NeedsHelp, &[Need::Food], &[Water, Food]).is_ok());
        assert!(check_help_items(Outcome::NeedsHelp, &[Need::Food], &[Medicine]).is_err());
        assert!(
            check_help_items(
                Outcome::NeedsHelp,
                &[Need::Repair, Need::Medicine],
                &[Medicine]
            )
            .is_ok()
        );
        assert!(check_help_items(Outcome::NeedsHelp, &[Need::Evacuation], &[Food]).is_err());
    }

    #[test]
    fn a_building_shows_what_matters_most() {
        use BuildingState::*;
        use Escalation::*;
        assert_eq!(building_state(4, 4, 0, Staff), AllChecked);
        assert_eq!(building_state(4, 4, 1, Staff), NeedsHelp);
        assert_eq!(building_state(4, 3, 1, GridWorker), NeedsHelp);
        assert_eq!(building_state(4, 3, 1, Staff), Climbed);
        assert_eq!(building_state(4, 0, 0, Checker), Unchecked);
        assert_eq!(building_state(4, 0, 0, GridWorker), Unchecked);
        assert_eq!(building_state(4, 2, 0, Staff), Climbed);
    }

    #[test]
    fn lists_are_in_walking_order() {
        let mut keys = [
            walking_key("10", "1", Some(3), "301"),
            walking_key("2", "1", Some(12), "1201"),
            walking_key("2", "1", Some(3), "302"),
            walking_key("2", "1", Some(3), "301"),
        ];
        keys.sort();
        assert_eq!(keys[0], walking_key("2", "1", Some(3), "301"));
        assert_eq!(keys[3], walking_key("10", "1", Some(3), "301"));
    }

    #[test]
    fn buildings_are_shared_out_evenly() {
        let b = [(1, 40), (2, 30), (3, 20), (4, 10)];
        let split = split_by_building(&b, &[7, 8]);
        let load = |c: i64| -> usize {
            split
                .iter()
                .filter(|(_, x)| *x == c)
                .map(|(id, _)| b.iter().find(|(bid, _)| bid == id).unwrap().1)
                .sum()
        };
        assert_eq!((load(7), load(8)), (50, 50));
        assert!(split_by_building(&b, &[]).is_empty());
    }
}
