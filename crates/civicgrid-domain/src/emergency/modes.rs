//! A community's mode of governance (应急状态): normal, or switched into emergency —
//! or into a drill (演练) that behaves the same but is marked as a drill everywhere.
//!
//! | from       | to                | who                          | needs                         |
//! |------------|-------------------|------------------------------|-------------------------------|
//! | normal     | emergency, drill  | community staff, street admin | hazard, level I–IV, reason    |
//! | emergency  | normal            | the same                     | a closing note                |
//! | drill      | normal            | the same                     | a closing note                |
//!
//! A community holds at most one activation at a time; a street admin may switch
//! every community of their street at once (an activation each). While an
//! activation runs, its plan's urgent request categories get short deadlines, its
//! checklist is ticked off, its duty roster is on the home page and every page of the
//! scope carries a banner. Who may switch, and where, is the application's decision.

use super::Invalid;
use crate::ledger::person::coded_enum;

coded_enum!(
    /// The hazard an emergency answers.
    Hazard, "hazard", {
    Flood => "flood", "洪涝", ["防汛", "汛情"];
    Epidemic => "epidemic", "疫情", ["防疫"];
    Fire => "fire", "火灾", ["消防"];
    Heat => "heat", "高温", ["热浪"];
    Typhoon => "typhoon", "台风", ["防台"];
    Earthquake => "earthquake", "地震", ["抗震"];
});

coded_enum!(
    /// How grave (Ⅰ the gravest, Ⅳ the least).
    Level, "emergency level", {
    I => "1", "Ⅰ级", ["i", "一级"];
    II => "2", "Ⅱ级", ["ii", "二级"];
    III => "3", "Ⅲ级", ["iii", "三级"];
    IV => "4", "Ⅳ级", ["iv", "四级"];
});

coded_enum!(
    /// A real emergency, or a drill that behaves the same.
    Kind, "emergency kind", {
    Emergency => "emergency", "应急", ["real"];
    Drill => "drill", "演练", ["exercise"];
});

/// The longest reason or closing note.
pub const MAX_NOTE_CHARS: usize = 500;

/// What starting an activation needs: a reason, not too long.
pub fn check_reason(raw: &str) -> Result<String, Invalid> {
    note("reason", raw, "say why the community switches")
}

/// What ending one needs: a closing note.
pub fn check_closing(raw: &str) -> Result<String, Invalid> {
    note("closing_note", raw, "write a closing note")
}

fn note(field: &'static str, raw: &str, missing: &'static str) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Invalid::new(field, missing));
    }
    if s.chars().count() > MAX_NOTE_CHARS {
        return Err(Invalid::new(field, "at most 500 characters"));
    }
    Ok(s.to_owned())
}

/// Whether a community whose current activation is `active` (if any) may switch on.
pub fn check_switch_on(active: Option<Kind>) -> Result<(), Invalid> {
    match active {
        None => Ok(()),
        Some(Kind::Drill) => Err(Invalid::new(
            "community",
            "a drill runs there: end it before switching",
        )),
        Some(Kind::Emergency) => Err(Invalid::new(
            "community",
            "the community is in emergency mode already",
        )),
    }
}

/// Deadlines of an urgent category while an activation runs: the shorter of the
/// category's own and the plan's urgent ones, in minutes.
pub fn urgent_minutes(category: (u32, u32), urgent: (u32, u32)) -> (u32, u32) {
    (category.0.min(urgent.0), category.1.min(urgent.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_round_trip() {
        assert_eq!(Level::parse("2"), Ok(Level::II));
        assert_eq!(Level::parse("一级"), Ok(Level::I));
        assert_eq!(Hazard::parse("防汛"), Ok(Hazard::Flood));
        assert_eq!(Kind::Drill.code(), "drill");
    }

    #[test]
    fn a_community_switches_on_once_with_a_reason_and_off_with_a_note() {
        assert!(check_switch_on(None).is_ok());
        assert_eq!(
            check_switch_on(Some(Kind::Emergency)).unwrap_err().field,
            "community"
        );
        assert!(check_switch_on(Some(Kind::Drill)).is_err());
        assert_eq!(check_reason(" ").unwrap_err().field, "reason");
        assert_eq!(check_reason(" 长江水位超警戒 ").unwrap(), "长江水位超警戒");
        assert_eq!(check_closing("").unwrap_err().field, "closing_note");
        assert!(check_closing(&"长".repeat(501)).is_err());
    }

    #[test]
    fn urgent_deadlines_only_shorten() {
        assert_eq!(urgent_minutes((30, 1440), (15, 240)), (15, 240));
        assert_eq!(urgent_minutes((10, 120), (15, 240)), (10, 120));
    }
}
