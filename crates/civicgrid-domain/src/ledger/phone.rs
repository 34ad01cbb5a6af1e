//! Phone numbers as residents give them: mainland mobiles (`13812345678`, `+86 138 1234
//! 5678`) and landlines with an area code (`027-88886666`).

use std::fmt;

use compact_str::{CompactString, format_compact};

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PhoneError {
    #[error("a phone number holds only digits, spaces, '-', '+' and parentheses")]
    Characters,
    #[error(
        "not a mainland mobile (11 digits from 13–19) or a landline with area code (0xx-xxxxxxxx)"
    )]
    Shape,
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(CompactString);

impl Phone {
    pub fn parse(raw: &str) -> Result<Phone, PhoneError> {
        let s = raw.trim();
        if !s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'))
        {
            return Err(PhoneError::Characters);
        }
        let mut digits = CompactString::with_capacity(s.len());
        digits.extend(s.chars().filter(char::is_ascii_digit));
        if (s.starts_with('+') || digits.len() == 13) && digits.starts_with("86") {
            digits.drain(..2).for_each(drop);
        }
        let b = digits.as_bytes();
        let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        // Area codes are 3 digits (010, 02x) or 4 (0xxx); subscriber numbers 7–8 digits.
        let landline = b.first() == Some(&b'0') && (10..=12).contains(&b.len());
        if mobile {
            Ok(Phone(digits))
        } else if landline {
            let area = if matches!(b.get(1), Some(b'1' | b'2')) {
                3
            } else {
                4
            };
            Ok(Phone(format_compact!(
                "{}-{}",
                &digits[..area],
                &digits[area..]
            )))
        } else {
            Err(PhoneError::Shape)
        }
    }

    /// Normalised: 11 digits for a mobile, `area-number` for a landline.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_mobile(&self) -> bool {
        !self.0.contains('-')
    }

    /// The last four digits, which staff use to find a resident.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// `138****5678` or `027-****6666`.
    pub fn masked(&self) -> String {
        match self.0.split_once('-') {
            None => format!("{}****{}", &self.0[..3], self.last4()),
            Some((area, _)) => format!("{area}-****{}", self.last4()),
        }
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles() {
        for raw in [
            "13812345678",
            "+86 138 1234 5678",
            "86-138-1234-5678",
            "138 1234 5678",
        ] {
            let p = Phone::parse(raw).unwrap();
            assert_eq!(p.as_str(), "13812345678", "{raw}");
            assert_eq!(p.masked(), "138****5678");
            assert_eq!(p.last4(), "5678");
        }
        assert_eq!(Phone::parse("12812345678"), Err(PhoneError::Shape));
        assert_eq!(Phone::parse("1381234567"), Err(PhoneError::Shape));
    }

    #[test]
    fn landlines() {
        assert_eq!(
            Phone::parse("027-88886666").unwrap().as_str(),
            "027-88886666"
        );
        assert_eq!(
            Phone::parse("(010) 6555 1234").unwrap().as_str(),
            "010-65551234"
        );
        assert_eq!(
            Phone::parse("0755-8888666").unwrap().as_str(),
            "0755-8888666"
        );
        assert_eq!(
            Phone::parse("02788886666").unwrap().masked(),
            "027-****6666"
        );
    }

    #[test]
    fn junk() {
        assert_eq!(Phone::parse("call me"), Err(PhoneError::Characters));
        assert_eq!(Phone::parse(""), Err(PhoneError::Shape));
        assert_eq!(
            format!("{:?}", Phone::parse("13812345678").unwrap()),
            "Phone(138****5678)"
        );
    }
}
