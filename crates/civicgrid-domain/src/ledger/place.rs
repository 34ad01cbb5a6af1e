//! Places as people say them: 1栋1单元204室, "Bldg 1, Unit 1, Room 204". The ledger
//! keeps a building, unit and room by the name they were entered with — a bare number
//! (`1`, `204`) or already marked (`3栋`, `A座`, `2单元`, `湖光大厦`) — and these
//! functions add the mark only where the name lacks one, skipping absent parts.

/// The language a place is said in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speech {
    Zh,
    En,
}

const BUILDING_MARKS: [&str; 4] = ["号楼", "栋", "幢", "座"];
const UNIT_MARKS: [&str; 1] = ["单元"];
const ROOM_MARKS: [&str; 2] = ["室", "号"];

/// A bare number as the ledger holds it: ASCII letters and digits with a digit
/// (`1`, `204`, `12A`, `B2`), or a single letter (`A`).
fn is_bare(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && (s.chars().any(|c| c.is_ascii_digit()) || s.chars().count() == 1)
}

/// The part without its mark when the rest is a bare number (`3栋` → `3`).
fn unmarked<'a>(s: &'a str, marks: &[&str]) -> Option<&'a str> {
    marks
        .iter()
        .find_map(|m| s.strip_suffix(m))
        .filter(|n| is_bare(n))
}

fn part(
    name: &str,
    marks: &[&str],
    zh_mark: &str,
    en_word: &str,
    speech: Speech,
) -> Option<String> {
    let name = name.trim();
    if name.is_empty() || name == "-" {
        return None;
    }
    Some(match speech {
        Speech::Zh if is_bare(name) => format!("{name}{zh_mark}"),
        Speech::Zh => name.to_owned(),
        Speech::En => match unmarked(name, marks) {
            Some(n) => format!("{en_word} {n}"),
            None if is_bare(name) => format!("{en_word} {name}"),
            None => name.to_owned(),
        },
    })
}

/// A building as people say it: `1` → 1栋 / "Bldg 1"; `湖光大厦` stays as it is.
pub fn building(name: &str, speech: Speech) -> String {
    part(name, &BUILDING_MARKS, "栋", "Bldg", speech).unwrap_or_default()
}

/// A unit as people say it: `1` → 1单元 / "Unit 1".
pub fn unit(name: &str, speech: Speech) -> String {
    part(name, &UNIT_MARKS, "单元", "Unit", speech).unwrap_or_default()
}

/// A room as people say it: `204` → 204室 / "Room 204".
pub fn room(name: &str, speech: Speech) -> String {
    part(name, &ROOM_MARKS, "室", "Room", speech).unwrap_or_default()
}

/// A whole place: 1栋1单元204室, "Bldg 1, Unit 1, Room 204"; absent parts (empty or
/// `-`) are skipped.
pub fn address(building_name: &str, unit_name: &str, room_name: &str, speech: Speech) -> String {
    let parts = [
        part(building_name, &BUILDING_MARKS, "栋", "Bldg", speech),
        part(unit_name, &UNIT_MARKS, "单元", "Unit", speech),
        part(room_name, &ROOM_MARKS, "室", "Room", speech),
    ];
    let parts = parts.into_iter().flatten();
    match speech {
        Speech::Zh => parts.collect::<String>(),
        Speech::En => parts.collect::<Vec<_>>().join(", "),
    }
}

/// The floor a room's name tells, as rooms are numbered in China: floor then a
/// two-digit door (`204` → 2, `1203` → 12, `2-1203` → none). Names that do not
/// follow it (`A`, `12`, `B201`) tell none.
pub fn floor_from_room(name: &str) -> Option<i64> {
    let digits = name.trim().strip_suffix('室').unwrap_or(name.trim());
    if !(3..=4).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let floor: i64 = digits[..digits.len() - 2].parse().ok()?;
    (floor > 0).then_some(floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_from_room_numbers() {
        assert_eq!(floor_from_room("204"), Some(2));
        assert_eq!(floor_from_room("1203"), Some(12));
        assert_eq!(floor_from_room("1203室"), Some(12));
        assert_eq!(floor_from_room("12"), None);
        assert_eq!(floor_from_room("B201"), None);
        assert_eq!(floor_from_room("001"), None);
        assert_eq!(floor_from_room("12345"), None);
    }

    #[test]
    fn bare_numbers_get_their_marks() {
        assert_eq!(address("1", "1", "204", Speech::Zh), "1栋1单元204室");
        assert_eq!(
            address("1", "1", "204", Speech::En),
            "Bldg 1, Unit 1, Room 204"
        );
    }

    #[test]
    fn marked_names_are_not_marked_twice() {
        assert_eq!(
            address("3栋", "2单元", "302室", Speech::Zh),
            "3栋2单元302室"
        );
        assert_eq!(address("5号楼", "1", "101", Speech::Zh), "5号楼1单元101室");
        assert_eq!(
            address("3栋", "2单元", "302", Speech::En),
            "Bldg 3, Unit 2, Room 302"
        );
        assert_eq!(
            address("湖光大厦", "", "1201", Speech::Zh),
            "湖光大厦1201室"
        );
        assert_eq!(
            address("湖光大厦", "-", "1201", Speech::En),
            "湖光大厦, Room 1201"
        );
    }

    #[test]
    fn absent_parts_are_skipped() {
        assert_eq!(address("", "", "12", Speech::Zh), "12室");
        assert_eq!(address("2", " ", "", Speech::Zh), "2栋");
        assert_eq!(address("", "", "", Speech::En), "");
        assert_eq!(building("A", Speech::Zh), "A栋");
        assert_eq!(unit("", Speech::Zh), "");
        assert_eq!(room("B2", Speech::En), "Room B2");
    }
}
