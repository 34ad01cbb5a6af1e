//! Who a resident is in the ledger: gender, residence status, relation to the head of
//! the household, and whether the household owns or rents. Each value parses from its
//! English code or the Chinese words a spreadsheet uses.

use compact_str::CompactString;
use thiserror::Error;

use super::date::{Date, DateError, not_after, parse_date};
use super::id_number::IdNumber;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("'{value}' is not a known {field} (use one of: {allowed})")]
pub struct UnknownValue {
    pub field: &'static str,
    pub value: String,
    pub allowed: String,
}

/// `s` in lower case, borrowed when lowering changes nothing: ASCII without capitals,
/// and Chinese characters, which have no case (most cells of a spreadsheet).
pub fn lowercase(s: &str) -> std::borrow::Cow<'_, str> {
    let caseless = |c: char| {
        if c.is_ascii() {
            !c.is_ascii_uppercase()
        } else {
            crate::ledger::search::is_cjk(c)
        }
    };
    if s.chars().all(caseless) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

/// `s` with its runs of white space made one space, and none at either end (held
/// inline, without an allocation, up to 24 bytes: most names and places).
pub fn single_spaced(s: &str) -> CompactString {
    let mut out = CompactString::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Declares an enum with its code, Chinese label and accepted aliases.
macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident, $field:literal, { $($var:ident => $code:literal, $zh:literal, [$($alias:literal),*]);+ $(;)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, PartialOrd, Ord)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($var),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$var => $code),+ }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $($name::$var => $zh),+ }
            }

            pub fn parse(raw: &str) -> Result<$name, $crate::ledger::person::UnknownValue> {
                let s = raw.trim();
                let lower = $crate::ledger::person::lowercase(s);
                $(
                    if lower == $code || s == $zh $(|| lower == $alias)* {
                        return Ok($name::$var);
                    }
                )+
                Err($crate::ledger::person::UnknownValue {
                    field: $field,
                    value: s.to_owned(),
                    allowed: [$(concat!($code, "/", $zh)),+].join(", "),
                })
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(Gender, "gender", {
    Male => "male", "男", ["m", "男性"];
    Female => "female", "女", ["f", "女性"];
});

coded_enum!(
    /// Residence status (居住状态).
    ResidenceStatus, "residence status", {
    Registered => "registered", "户籍", ["户籍人口", "常住", "本地"];
    Floating => "floating", "流动", ["流动人口", "外来", "migrant"];
    MovedOut => "moved_out", "迁出", ["已迁出", "moved out"];
    Deceased => "deceased", "死亡", ["已故", "去世"];
});

impl ResidenceStatus {
    /// Still lives here (counted in the population).
    pub fn is_present(self) -> bool {
        matches!(
            self,
            ResidenceStatus::Registered | ResidenceStatus::Floating
        )
    }
}

coded_enum!(
    /// Relation to the head of the household (与户主关系).
    Relation, "relation", {
    Head => "head", "户主", ["本人"];
    Spouse => "spouse", "配偶", ["妻", "夫", "妻子", "丈夫"];
    Child => "child", "子女", ["子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女"];
    Parent => "parent", "父母", ["父亲", "母亲", "父", "母"];
    Grandchild => "grandchild", "孙子女", ["孙子", "孙女", "外孙", "外孙女"];
    Grandparent => "grandparent", "祖父母", ["祖父", "祖母", "外祖父", "外祖母"];
    Sibling => "sibling", "兄弟姐妹", ["兄", "弟", "姐", "妹"];
    ChildInLaw => "child_in_law", "儿媳女婿", ["儿媳", "女婿"];
    Other => "other", "其他", ["其它", "租客", "tenant"];
});

coded_enum!(
    /// Whether the household owns or rents its room (产权).
    Ownership, "ownership", {
    Owner => "owner", "自有", ["产权人", "业主", "自住", "own"];
    Tenant => "tenant", "租住", ["租户", "租赁", "出租", "rent", "rented"];
});

/// Trims a person's name and checks it is plausible: 1–50 characters, letters (any
/// script), spaces, '·' or '.' (as in transliterated names: 阿依古丽·买买提).
pub fn validate_name(raw: &str) -> Result<CompactString, &'static str> {
    let name = single_spaced(raw);
    let n = name.chars().count();
    if n == 0 {
        return Err("the name is empty");
    }
    if n > 50 {
        return Err("the name is longer than 50 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '·' | '•' | '.' | '-' | '\''))
    {
        return Err("the name holds characters that are not letters");
    }
    Ok(name)
}

/// Why a person's birth date and gender cannot be settled from their ID number and
/// what was typed beside it. [`PersonError::field`] names the field to point at.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PersonError {
    #[error("the birth date inside it: {0}")]
    BirthInIdNumber(DateError),
    #[error(transparent)]
    Birth(DateError),
    #[error("{typed} does not agree with the ID number, which says {in_id}")]
    BirthDisagrees { typed: Date, in_id: Date },
    #[error("give a birth date or an ID number")]
    NoBirth,
    #[error(transparent)]
    Gender(UnknownValue),
    #[error("'{typed}' does not agree with the ID number, which says {}", in_id.code())]
    GenderDisagrees { typed: String, in_id: Gender },
    #[error("choose a gender")]
    NoGender,
}

impl PersonError {
    /// `id_number`, `birth_date` or `gender`: the field the objection is about.
    pub fn field(&self) -> &'static str {
        match self {
            PersonError::BirthInIdNumber(_) => "id_number",
            PersonError::Birth(_) | PersonError::BirthDisagrees { .. } | PersonError::NoBirth => {
                "birth_date"
            }
            PersonError::Gender(_)
            | PersonError::GenderDisagrees { .. }
            | PersonError::NoGender => "gender",
        }
    }
}

/// A person's birth date and gender, the same for a form, the API and an import row.
///
/// | ID number | typed value | result |
/// |---|---|---|
/// | given | none | the ID number's |
/// | given | the same | it |
/// | given | another | refused: they must agree |
/// | none | given | the typed one |
/// | none | none | refused: one of them is needed |
///
/// `birth` and `gender` are the typed texts (`None` when left blank). The birth date,
/// wherever it comes from, is not after `today`.
pub fn birth_and_gender(
    id: Option<&IdNumber>,
    birth: Option<&str>,
    gender: Option<&str>,
    today: Date,
) -> Result<(Date, Gender), PersonError> {
    let id_birth = id
        .map(|i| {
            i.birth_date()
                .and_then(|d| not_after(d, today))
                .map_err(PersonError::BirthInIdNumber)
        })
        .transpose()?;
    let typed_birth = birth
        .map(|raw| parse_date(raw).map_err(PersonError::Birth))
        .transpose()?;
    let birth = match (typed_birth, id_birth) {
        (Some(typed), Some(in_id)) if typed != in_id => {
            return Err(PersonError::BirthDisagrees { typed, in_id });
        }
        (_, Some(in_id)) => in_id,
        (Some(typed), None) => not_after(typed, today).map_err(PersonError::Birth)?,
        (None, None) => return Err(PersonError::NoBirth),
    };
    let id_gender = id.map(IdNumber::gender);
    let gender = match (gender, id_gender) {
        (Some(raw), _) => {
            let typed = Gender::parse(raw).map_err(PersonError::Gender)?;
            match id_gender {
                Some(in_id) if in_id != typed => {
                    return Err(PersonError::GenderDisagrees {
                        typed: raw.trim().to_owned(),
                        in_id,
                    });
                }
                _ => typed,
            }
        }
        (None, Some(in_id)) => in_id,
        (None, None) => return Err(PersonError::NoGender),
    };
    Ok((birth, gender))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_borrows_what_has_no_case() {
        use std::borrow::Cow;
        for (s, want) in [
            ("户主", "户主"),
            ("male", "male"),
            ("MALE", "male"),
            ("Élan", "élan"),
            ("ǅ", "ǆ"),
            ("", ""),
        ] {
            assert_eq!(lowercase(s), want, "{s}");
        }
        assert!(matches!(lowercase("户主"), Cow::Borrowed(_)));
        assert!(matches!(lowercase("tenant"), Cow::Borrowed(_)));
        assert_eq!(Relation::parse(" HEAD "), Ok(Relation::Head));
        assert_eq!(Ownership::parse("租户"), Ok(Ownership::Tenant));
    }

    #[test]
    fn chinese_and_english_values_parse() {
        assert_eq!(Gender::parse("女"), Ok(Gender::Female));
        assert_eq!(Gender::parse(" Male "), Ok(Gender::Male));
        assert_eq!(
            ResidenceStatus::parse("流动人口"),
            Ok(ResidenceStatus::Floating)
        );
        assert_eq!(Relation::parse("儿子"), Ok(Relation::Child));
        assert_eq!(Ownership::parse("租户"), Ok(Ownership::Tenant));
        let e = Relation::parse("邻居").unwrap_err();
        assert!(
            e.to_string().contains("'邻居' is not a known relation"),
            "{e}"
        );
        assert!(e.to_string().contains("head/户主"), "{e}");
    }

    #[test]
    fn names() {
        assert_eq!(validate_name("  张  三 "), Ok("张 三".into()));
        assert_eq!(
            validate_name("阿依古丽·买买提"),
            Ok("阿依古丽·买买提".into())
        );
        assert!(validate_name("=cmd|' /C calc'!A0").is_err());
        assert!(validate_name("").is_err());
    }

    #[test]
    fn birth_date_and_gender_agree_with_the_id_number() {
        let today = Date::from_ymd_opt(2026, 1, 1).unwrap();
        let man =
            super::super::id_number::compose("420102", Date::from_ymd_opt(1985, 3, 7).unwrap(), 11)
                .unwrap();
        let born = Date::from_ymd_opt(1985, 3, 7).unwrap();
        assert_eq!(
            birth_and_gender(Some(&man), None, None, today),
            Ok((born, Gender::Male))
        );
        assert_eq!(
            birth_and_gender(Some(&man), Some("1985/3/7"), Some("男"), today),
            Ok((born, Gender::Male))
        );
        let e = birth_and_gender(Some(&man), Some("1985-03-08"), None, today).unwrap_err();
        assert_eq!(e.field(), "birth_date");
        assert_eq!(
            e.to_string(),
            "1985-03-08 does not agree with the ID number, which says 1985-03-07"
        );
        let e = birth_and_gender(Some(&man), None, Some(" 女 "), today).unwrap_err();
        assert_eq!(e.field(), "gender");
        assert_eq!(
            e.to_string(),
            "'女' does not agree with the ID number, which says male"
        );
        let e = birth_and_gender(
            Some(&man),
            None,
            None,
            Date::from_ymd_opt(1980, 1, 1).unwrap(),
        );
        assert_eq!(e.map_err(|e| e.field()), Err("id_number"));
        assert_eq!(
            birth_and_gender(None, Some("1990-01-01"), Some("female"), today),
            Ok((Date::from_ymd_opt(1990, 1, 1).unwrap(), Gender::Female))
        );
        let field = |b, g| birth_and_gender(None, b, g, today).map_err(|e| e.field());
        assert_eq!(field(Some("2030-01-01"), Some("male")), Err("birth_date"));
        assert_eq!(field(Some("yesterday"), Some("male")), Err("birth_date"));
        assert_eq!(field(None, Some("male")), Err("birth_date"));
        assert_eq!(field(Some("1990-01-01"), Some("x")), Err("gender"));
        assert_eq!(field(Some("1990-01-01"), None), Err("gender"));
    }
}
