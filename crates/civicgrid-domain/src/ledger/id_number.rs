//! Resident identity card numbers (居民身份证号码), GB 11643-1999: 6-digit address
//! code, 8-digit birth date, 3-digit sequence (odd for men, even for women) and a check
//! character computed by ISO 7064 MOD 11-2.

use std::fmt;

use compact_str::CompactString;

use thiserror::Error;

use super::date::{Date, DateError, compact, parse_compact};
use super::person::Gender;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdNumberError {
    #[error("an ID number has 18 characters, this one has {0}")]
    Length(usize),
    #[error("the first 17 characters of an ID number are digits")]
    NotDigits,
    #[error("the last character of an ID number is a digit or X")]
    BadCheckChar,
    #[error("the check digit does not match (expected {expected}); the number was mistyped")]
    CheckDigit { expected: char },
    #[error("the birth date inside the ID number is not a real date: {0}")]
    BirthDate(DateError),
}

/// A validated 18-character ID number, upper-case `X`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(CompactString);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> Option<char> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(CHECK[(sum % 11) as usize])
}

impl IdNumber {
    pub fn parse(raw: &str) -> Result<IdNumber, IdNumberError> {
        let mut s = CompactString::with_capacity(raw.len());
        s.extend(
            raw.trim()
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| c.to_ascii_uppercase()),
        );
        let n = s.chars().count();
        if n != 18 {
            return Err(IdNumberError::Length(n));
        }
        let bytes = s.as_bytes();
        if !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(IdNumberError::NotDigits);
        }
        let last = char::from(bytes[17]);
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(IdNumberError::BadCheckChar);
        }
        let expected = check_char(&bytes[..17]).ok_or(IdNumberError::NotDigits)?;
        if expected != last {
            return Err(IdNumberError::CheckDigit { expected });
        }
        let id = IdNumber(s);
        id.birth_date().map_err(IdNumberError::BirthDate)?;
        Ok(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in positions 7–14.
    pub fn birth_date(&self) -> Result<Date, DateError> {
        parse_compact(&self.0[6..14])
    }

    /// Odd sequence numbers are men, even ones women.
    pub fn gender(&self) -> Gender {
        let d = self.0.as_bytes()[16] - b'0';
        if d % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// The 6-digit administrative area code of first registration.
    pub fn area_code(&self) -> &str {
        &self.0[..6]
    }

    /// `420102********1234`: area code and last four, the rest hidden.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl fmt::Debug for IdNumber {
    /// Never prints the full number, so it cannot leak into logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// Builds a valid number from its parts (for generated test data).
pub fn compose(area: &str, birth: Date, sequence: u16) -> Option<IdNumber> {
    if area.len() != 6 || !area.bytes().all(|b| b.is_ascii_digit()) || sequence > 999 {
        return None;
    }
    let first17 = format!("{area}{}{sequence:03}", compact(birth));
    let c = check_char(first17.as_bytes())?;
    Some(IdNumber(compact_str::format_compact!("{first17}{c}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example number of GB 11643-1999.
    const SAMPLE: &str = "11010519491231002X";

    #[test]
    fn the_standard_example_is_valid() {
        let id = IdNumber::parse(SAMPLE).unwrap();
        assert_eq!(
            id.birth_date().unwrap(),
            Date::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.area_code(), "110105");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }

    #[test]
    fn lowercase_x_and_spaces_are_accepted() {
        assert!(IdNumber::parse(" 110105 19491231 002x ").is_ok());
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(IdNumber::parse("123"), Err(IdNumberError::Length(3)));
        assert_eq!(
            IdNumber::parse("11010519491231002A"),
            Err(IdNumberError::BadCheckChar)
        );
        assert_eq!(
            IdNumber::parse("1101051949123100AX"),
            Err(IdNumberError::NotDigits)
        );
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::CheckDigit { expected: 'X' })
        );
        let bad_date = compose_unchecked("110105", "19490231", "002");
        assert!(matches!(
            IdNumber::parse(&bad_date),
            Err(IdNumberError::BirthDate(_))
        ));
    }

    fn compose_unchecked(area: &str, date: &str, seq: &str) -> String {
        let first = format!("{area}{date}{seq}");
        let c = check_char(first.as_bytes()).unwrap();
        format!("{first}{c}")
    }

    #[test]
    fn composed_numbers_round_trip() {
        let d = Date::from_ymd_opt(1985, 2, 28).unwrap();
        let id = compose("420102", d, 123).unwrap();
        let parsed = IdNumber::parse(id.as_str()).unwrap();
        assert_eq!(parsed.birth_date().unwrap(), d);
        assert_eq!(parsed.gender(), Gender::Male);
    }
}
