//! Who a resident is in the ledger: gender, residence status, relation to the head of
//! the household, and whether the household owns or rents. Each value parses from its
//! English code or the Chinese words a spreadsheet uses.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use thiserror::Error;

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
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
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

            pub fn parse(raw: &str) -> Result<$name, UnknownValue> {
                let s = raw.trim();
                let lower = lowercase(s);
                $(
                    if lower == $code || s == $zh $(|| lower == $alias)* {
                        return Ok($name::$var);
                    }
                )+
                Err(UnknownValue {
                    field: $field,
                    value: s.to_owned(),
                    allowed: [$(concat!($code, "/", $zh)),+].join(", "),
                })
            }
        }
    };
}

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
}
