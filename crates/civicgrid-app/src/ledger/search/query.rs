//! What staff type into the search box, taken apart: name words, a whole phone number
//! or its last four digits, a building/unit/room ("3栋 302", "3-1-302", "2单元"), a tag name and a
//! residence status in Chinese or English. Pure; no I/O.

use civicgrid_domain::ledger::person::ResidenceStatus;
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::ledger::search::{QueryTerm, query_terms};
use civicgrid_domain::ledger::tags::{TagDef, lookup};

/// Longest query accepted (characters); longer input is cut.
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    pub name: Vec<QueryTerm>,
    /// A whole phone number (mobile or landline with area code).
    pub phone: Option<Phone>,
    pub phone_last4: Option<String>,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
    pub tag: Option<String>,
    pub status: Option<ResidenceStatus>,
}

const BUILDING_MARKS: [&str; 4] = ["号楼", "栋", "幢", "座"];
const UNIT_MARKS: [&str; 1] = ["单元"];
const ROOM_MARKS: [&str; 2] = ["室", "号"];

/// Names a building, unit or room numbered `n` may carry in the ledger.
pub fn building_names(n: &str) -> Vec<String> {
    with_marks(n, &BUILDING_MARKS)
}
pub fn unit_names(n: &str) -> Vec<String> {
    with_marks(n, &UNIT_MARKS)
}
pub fn room_names(n: &str) -> Vec<String> {
    with_marks(n, &ROOM_MARKS)
}

fn with_marks(n: &str, marks: &[&str]) -> Vec<String> {
    let mut out = vec![n.to_owned()];
    out.extend(marks.iter().map(|m| format!("{n}{m}")));
    out
}

fn is_number(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 8
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().any(|c| c.is_ascii_digit())
}

/// "3栋2单元302室", "3栋", "302室" → (building, unit, room); `None` if not a place.
fn marked_place(token: &str) -> Option<(Option<String>, Option<String>, Option<String>)> {
    let mut rest = token;
    let (mut b, mut u, mut r) = (None, None, None);
    let mut any_mark = false;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(end);
        if !is_number(num) {
            return None;
        }
        let mark = |marks: &[&'static str]| marks.iter().find(|m| tail.starts_with(**m)).copied();
        if let Some(m) = mark(&BUILDING_MARKS) {
            b = Some(num.to_owned());
            rest = &tail[m.len()..];
        } else if let Some(m) = mark(&UNIT_MARKS) {
            u = Some(num.to_owned());
            rest = &tail[m.len()..];
        } else if let Some(m) = mark(&ROOM_MARKS) {
            r = Some(num.to_owned());
            rest = &tail[m.len()..];
        } else if tail.is_empty() && any_mark {
            r = Some(num.to_owned());
            rest = tail;
        } else {
            return None;
        }
        any_mark = true;
    }
    any_mark.then_some((b, u, r))
}

/// Takes the query apart; `catalogue` resolves tag names.
pub fn parse(raw: &str, catalogue: &[TagDef]) -> ParsedQuery {
    let raw: String = raw.chars().take(MAX_QUERY_CHARS).collect();
    let mut q = ParsedQuery::default();
    let mut words: Vec<&str> = Vec::new();
    for token in raw.split(|c: char| c.is_whitespace() || c == ',' || c == '，') {
        if token.is_empty() {
            continue;
        }
        let dashed: Vec<&str> = token.split('-').collect();
        // Four digits are a phone's tail, unless they follow a building or unit.
        let place_given = q.building.is_some() || q.unit.is_some();
        // A whole phone has 10 digits or more; no room number is that long.
        let phone = match Phone::parse(token) {
            Ok(p) if q.phone.is_none() => Some(p),
            _ => None,
        };
        if phone.is_some() {
            q.phone = phone;
        } else if token.len() == 4
            && token.chars().all(|c| c.is_ascii_digit())
            && q.phone_last4.is_none()
            && !place_given
        {
            q.phone_last4 = Some(token.to_owned());
        } else if dashed.len() >= 2 && dashed.len() <= 3 && dashed.iter().all(|p| is_number(p)) {
            q.building = Some(dashed[0].to_owned());
            if dashed.len() == 3 {
                q.unit = Some(dashed[1].to_owned());
            }
            q.room = dashed.last().map(|s| (*s).to_owned());
        } else if token.chars().all(|c| c.is_ascii_digit()) && token.len() <= 8 {
            q.room = Some(token.to_owned());
        } else if let Some((b, u, r)) = marked_place(token) {
            q.building = b.or(q.building.take());
            q.unit = u.or(q.unit.take());
            q.room = r.or(q.room.take());
        } else if let Ok(s) = ResidenceStatus::parse(token) {
            q.status = Some(s);
        } else if let Some(t) = lookup(catalogue, token) {
            q.tag = Some(t.code.clone());
        } else {
            words.push(token);
        }
    }
    q.name = query_terms(&words.join(" "));
    q
}

#[cfg(test)]
mod tests {
    use civicgrid_domain::ledger::tags::default_catalogue;

    use super::*;

    fn p(s: &str) -> ParsedQuery {
        parse(s, &default_catalogue())
    }

    #[test]
    fn names_phones_places() {
        let q = p("张三丰 5678");
        assert_eq!(q.name.len(), 2);
        assert_eq!(q.phone_last4.as_deref(), Some("5678"));
        assert!(q.phone.is_none());
        let q = p("138-1234-5678");
        assert_eq!(q.phone.as_ref().map(Phone::as_str), Some("13812345678"));
        assert!(q.name.is_empty() && q.room.is_none() && q.phone_last4.is_none());
        let q = p("010-62345678 王");
        assert_eq!(q.phone.as_ref().map(Phone::as_str), Some("010-62345678"));
        assert_eq!(q.name.len(), 1);
        // Eight digits or fewer stay a room; 3-1-302 stays a place.
        assert!(p("12345678").phone.is_none());
        assert!(p("3-1-302").phone.is_none());
        let q = p("3栋 302");
        assert_eq!(
            (q.building.as_deref(), q.room.as_deref()),
            (Some("3"), Some("302"))
        );
        assert!(q.name.is_empty());
        let q = p("3-1-302");
        assert_eq!(
            (q.building.as_deref(), q.unit.as_deref(), q.room.as_deref()),
            (Some("3"), Some("1"), Some("302"))
        );
        let q = p("5号楼2单元1101室");
        assert_eq!(
            (q.building.as_deref(), q.unit.as_deref(), q.room.as_deref()),
            (Some("5"), Some("2"), Some("1101"))
        );
        let q = p("3栋 2单元 1101");
        assert_eq!(q.room.as_deref(), Some("1101"));
        assert!(q.phone_last4.is_none());
        let q = p("3栋302");
        assert_eq!(q.room.as_deref(), Some("302"));
    }

    #[test]
    fn tags_and_statuses_in_either_language() {
        let q = p("独居老人 流动");
        assert_eq!(q.tag.as_deref(), Some("elderly_alone"));
        assert_eq!(q.status, Some(ResidenceStatus::Floating));
        let q = p("veteran registered wang");
        assert_eq!(q.tag.as_deref(), Some("veteran"));
        assert_eq!(q.status, Some(ResidenceStatus::Registered));
        assert_eq!(q.name[0].text, "wang");
    }

    #[test]
    fn odd_input_is_harmless() {
        let q = p("\"'* OR -- ; 栋 单元 --3");
        assert!(q.phone_last4.is_none());
        let long = "张".repeat(10_000);
        assert!(p(&long).name.len() <= MAX_QUERY_CHARS);
        assert_eq!(p("   "), ParsedQuery::default());
    }
}
