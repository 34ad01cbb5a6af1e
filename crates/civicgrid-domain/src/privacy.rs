//! How personal values are masked wherever they are shown: on screen, in exports, in
//! the rejected rows of an import, in the history of a change.
//!
//! | value | masked | where the rule lives |
//! |---|---|---|
//! | a person's name | `张*`, `欧***`, `J*********` | [`mask_name`] |
//! | a valid ID number | `420102********1234` | [`IdNumber::masked`] |
//! | a valid phone | `138****5678`, `027-****5678` | [`Phone::masked`] |
//! | a typed ID number, valid or not | as above, or its ends kept | [`mask_id_number_text`] |
//! | a typed phone, valid or not | as above, or its ends kept | [`mask_phone_text`] |
//! | a stored ID number that no longer reads as one | `******************` | [`mask_stored_id_number`] |
//! | a stored phone that no longer opens or reads as one | `****` | [`mask_stored_phone`], [`UNREADABLE_PHONE`] |
//! | any other text | its runs of digits that could be one of those, masked | [`mask_numbers_in`] |
//!
//! Unmasking is not a rule of this module: who may see a value in full, and for what
//! stated purpose, is the application's decision, and it is audited.

use crate::ledger::id_number::IdNumber;
use crate::ledger::phone::Phone;

/// A person's name as others see it: its first character, then `*` for every other
/// one, the spaces between the parts of a name included (`张*`, `欧阳娜娜` → `欧***`,
/// `John Smith` → `J*********`), so that neither the parts nor their lengths show.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// `text` with all but `head` characters at its start and `tail` at its end as `*`.
fn keep_ends(text: &str, head: usize, tail: usize) -> String {
    let n = text.chars().count();
    text.chars()
        .enumerate()
        .map(|(i, c)| if i < head || i + tail >= n { c } else { '*' })
        .collect()
}

/// A typed ID number masked as on screen (`420102********1234`); one that is not a
/// valid number keeps as much of the same shape: its first six and last four
/// characters when it is long enough, else its last two, else nothing.
pub fn mask_id_number_text(text: &str) -> String {
    let raw = text.trim();
    let valid = IdNumber::parse(raw).ok().map(|id| id.masked());
    valid.unwrap_or_else(|| mask_shape(raw, 12, 6))
}

/// A typed phone masked as on screen (`138****5678`); one that is not a valid number
/// keeps its first three and last four characters when it is long enough, else its
/// last two, else nothing.
pub fn mask_phone_text(text: &str) -> String {
    let raw = text.trim();
    let valid = Phone::parse(raw).ok().map(|phone| phone.masked());
    valid.unwrap_or_else(|| mask_shape(raw, 9, 3))
}

/// What a stored phone that cannot be shown masked (it no longer opens, or no longer
/// reads as a phone) is shown as: none of its characters.
pub const UNREADABLE_PHONE: &str = "****";

/// A stored ID number as on screen; one that no longer reads as a valid number shows
/// none of its characters.
pub fn mask_stored_id_number(stored: &str) -> String {
    IdNumber::parse(stored).map_or_else(|_| "*".repeat(18), |id| id.masked())
}

/// A stored phone as on screen; one that no longer reads as a phone is
/// [`UNREADABLE_PHONE`].
pub fn mask_stored_phone(stored: &str) -> String {
    Phone::parse(stored).map_or_else(|_| UNREADABLE_PHONE.to_owned(), |p| p.masked())
}

/// `raw` with `head` characters at its start and four at its end kept when it has
/// `long` characters or more, else its last two when it has five or more, else none.
fn mask_shape(raw: &str, long: usize, head: usize) -> String {
    match raw.chars().count() {
        n if n >= long => keep_ends(raw, head, 4),
        n if n >= 5 => keep_ends(raw, 0, 2),
        _ => keep_ends(raw, 0, 0),
    }
}

/// Any other text with the numbers in it that could be an ID number or a phone (a run
/// of eleven digits or more, an `X` after it too) masked as one.
pub fn mask_numbers_in(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if run == 0 {
            let c = text
                .get(i..)
                .and_then(|s| s.chars().next())
                .unwrap_or('\u{FFFD}');
            out.push(c);
            i += c.len_utf8().max(1);
            continue;
        }
        let check = usize::from(run >= 17 && matches!(bytes.get(i + run), Some(b'X' | b'x')));
        let number = text.get(i..i + run + check).unwrap_or_default();
        out.push_str(&match run {
            n if n >= 15 => keep_ends(number, 6, 4),
            n if n >= 11 => keep_ends(number, 3, 4),
            _ => number.to_owned(),
        });
        i += run + check;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_first_character_only() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_name("John Smith"), "J*********");
        assert_eq!(mask_name("阿依古丽·买买提"), "阿*******");
        assert_eq!(mask_name("王"), "王");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn personal_numbers_are_masked_as_on_screen() {
        assert_eq!(
            mask_id_number_text(" 11010519491231002X "),
            "110105********002X"
        );
        assert_eq!(
            mask_id_number_text("11010519491231002"),
            "110105*******1002"
        );
        assert_eq!(mask_id_number_text("123456"), "****56");
        assert_eq!(mask_id_number_text("1234"), "****");
        assert_eq!(mask_id_number_text(""), "");
        assert_eq!(mask_phone_text("13812345678"), "138****5678");
        assert_eq!(mask_phone_text("12812345678"), "128****5678");
        assert_eq!(mask_phone_text("call me"), "*****me");
        assert_eq!(
            mask_numbers_in("电话13812345678，身份证11010519491231002x；房1201"),
            "电话138****5678，身份证110105********002x；房1201"
        );
        assert_eq!(mask_numbers_in("1990-01-01 85.5"), "1990-01-01 85.5");
    }

    #[test]
    fn stored_values_that_no_longer_read_show_nothing_of_themselves() {
        type Mask = fn(&str) -> String;
        let cases: [(Mask, &str, &str); 4] = [
            (
                mask_stored_id_number,
                "11010519491231002X",
                "110105********002X",
            ),
            (
                mask_stored_id_number,
                "11010519491231002",
                "******************",
            ),
            (mask_stored_phone, "13812345678", "138****5678"),
            (mask_stored_phone, "call me", UNREADABLE_PHONE),
        ];
        for (mask, stored, shown) in cases {
            assert_eq!(mask(stored), shown, "{stored}");
        }
    }
}
