//! Natural order for the names of buildings, units and rooms, as people read them:
//! runs of digits compare by their value, so `2` comes before `10`, `101` before
//! `1001` and `3栋` before `12栋`; the text between them compares as written.
//!
//! Full-width digits (`１２栋`, as some spreadsheets hold them) count as digits too.
//! Chinese numerals (`三栋`) are text. Two different names never compare equal: when
//! the readings tie (`01` and `1`) the written form decides, so the order is total
//! and a sort by it is deterministic.

use std::cmp::Ordering;

/// Compares `a` and `b` in natural order.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut x, mut y) = (Chunks::new(a), Chunks::new(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => match p.cmp_to(&q) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

/// Compares two lists of names position by position in natural order (e.g. building,
/// unit, room), the first difference deciding.
pub fn natural_cmp_all(a: &[&str], b: &[&str]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        match natural_cmp(x, y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    a.len().cmp(&b.len())
}

/// The value of a digit, ASCII or full-width.
fn digit(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '０'..='９' => u8::try_from(u32::from(c) - u32::from('０')).ok(),
        _ => None,
    }
}

/// A run of digits (kept as their values, leading zeros dropped) or of other text.
enum Chunk<'a> {
    Number(Vec<u8>),
    Text(&'a str),
}

impl Chunk<'_> {
    fn cmp_to(&self, other: &Chunk<'_>) -> Ordering {
        match (self, other) {
            // Without leading zeros, a longer run is a larger number.
            (Chunk::Number(p), Chunk::Number(q)) => p.len().cmp(&q.len()).then_with(|| p.cmp(q)),
            // Numbers before words, as in `1栋` before `A栋`.
            (Chunk::Number(_), Chunk::Text(_)) => Ordering::Less,
            (Chunk::Text(_), Chunk::Number(_)) => Ordering::Greater,
            (Chunk::Text(p), Chunk::Text(q)) => p.cmp(q),
        }
    }
}

struct Chunks<'a> {
    rest: &'a str,
}

impl<'a> Chunks<'a> {
    fn new(s: &'a str) -> Chunks<'a> {
        Chunks { rest: s }
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = Chunk<'a>;

    fn next(&mut self) -> Option<Chunk<'a>> {
        let first = self.rest.chars().next()?;
        let numeric = digit(first).is_some();
        let end = self
            .rest
            .char_indices()
            .find(|(_, c)| digit(*c).is_some() != numeric)
            .map_or(self.rest.len(), |(i, _)| i);
        let (run, rest) = self.rest.split_at(end);
        self.rest = rest;
        if !numeric {
            return Some(Chunk::Text(run));
        }
        let digits: Vec<u8> = run
            .chars()
            .filter_map(digit)
            .skip_while(|d| *d == 0)
            .collect();
        Some(Chunk::Number(digits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<&str> = names.to_vec();
        v.sort_by(|a, b| natural_cmp(a, b));
        v.into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(natural_cmp("2", "10"), Ordering::Less);
        assert_eq!(natural_cmp("101", "1001"), Ordering::Less);
        assert_eq!(natural_cmp("1001", "101"), Ordering::Greater);
        assert_eq!(natural_cmp("3栋", "12栋"), Ordering::Less);
        assert_eq!(natural_cmp("12栋", "3栋"), Ordering::Greater);
        assert_eq!(natural_cmp("9", "9"), Ordering::Equal);
    }

    #[test]
    fn rooms_sort_as_people_read_them() {
        assert_eq!(
            sorted(&["1001", "101", "2", "1002", "10", "102", "1"]),
            ["1", "2", "10", "101", "102", "1001", "1002"]
        );
        assert_eq!(
            sorted(&["12栋", "3栋", "1栋", "3栋A", "20栋"]),
            ["1栋", "3栋", "3栋A", "12栋", "20栋"]
        );
        assert_eq!(
            sorted(&["3-1-1001", "3-1-101", "3-10-1", "3-2-1"]),
            ["3-1-101", "3-1-1001", "3-2-1", "3-10-1"]
        );
    }

    #[test]
    fn text_around_numbers_compares_as_written() {
        assert_eq!(natural_cmp("A2", "A10"), Ordering::Less);
        assert_eq!(natural_cmp("A10", "B2"), Ordering::Less);
        assert_eq!(natural_cmp("1栋", "A栋"), Ordering::Less);
        assert_eq!(natural_cmp("商铺", "1"), Ordering::Greater);
        assert_eq!(natural_cmp("", "1"), Ordering::Less);
        assert_eq!(natural_cmp("12", "12A"), Ordering::Less);
    }

    #[test]
    fn full_width_digits_are_digits() {
        assert_eq!(natural_cmp("３栋", "12栋"), Ordering::Less);
        assert_eq!(natural_cmp("１２栋", "3栋"), Ordering::Greater);
    }

    #[test]
    fn leading_zeros_and_long_runs() {
        assert_eq!(natural_cmp("007", "8"), Ordering::Less);
        assert_eq!(natural_cmp("010", "9"), Ordering::Greater);
        // Equal values: the written form decides, so different names never tie.
        assert_ne!(natural_cmp("01", "1"), Ordering::Equal);
        assert_eq!(natural_cmp("01", "1"), natural_cmp("1", "01").reverse());
        // Longer than any integer type.
        assert_eq!(
            natural_cmp(
                "123456789012345678901234567890",
                "99999999999999999999999999999"
            ),
            Ordering::Greater
        );
    }

    #[test]
    fn the_order_is_total_and_consistent() {
        let names = [
            "", "0", "00", "1", "01", "2", "10", "101", "1001", "A", "a", "A1", "A01", "3栋",
            "３栋", "12栋", "1-1", "1-01", "商铺1", "商铺10",
        ];
        for a in names {
            assert_eq!(natural_cmp(a, a), Ordering::Equal);
            for b in names {
                let ab = natural_cmp(a, b);
                assert_eq!(ab, natural_cmp(b, a).reverse(), "{a:?} vs {b:?}");
                assert_eq!(ab == Ordering::Equal, a == b, "{a:?} vs {b:?}");
                for c in names {
                    if ab == Ordering::Less && natural_cmp(b, c) == Ordering::Less {
                        assert_eq!(natural_cmp(a, c), Ordering::Less, "{a:?} < {b:?} < {c:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn lists_compare_field_by_field() {
        assert_eq!(
            natural_cmp_all(&["3", "1", "101"], &["3", "1", "1001"]),
            Ordering::Less
        );
        assert_eq!(
            natural_cmp_all(&["3", "2", "1"], &["3", "10", "1"]),
            Ordering::Less
        );
        assert_eq!(natural_cmp_all(&["12"], &["3"]), Ordering::Greater);
        assert_eq!(natural_cmp_all(&["3"], &["3", "1"]), Ordering::Less);
    }
}
