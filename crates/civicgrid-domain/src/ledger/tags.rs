//! Care and policy tags (关爱标签). Most are recorded by staff; the age-derived ones
//! are computed from the birth date and never typed.

use serde::{Deserialize, Serialize};

use super::date::{Date, age_on};

/// A tag in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagDef {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Marks someone who needs care (counted on care dashboards, visited).
    pub care: bool,
    /// Computed from the birth date; cannot be assigned by hand.
    pub derived: bool,
}

/// Tags derived from age: (code, 中文, English, minimum age, maximum age exclusive).
pub const AGE_TAGS: &[(&str, &str, &str, i32, i32)] = &[
    ("minor", "未成年人", "Minor", 0, 18),
    ("senior_60", "60岁以上老人", "Aged 60+", 60, i32::MAX),
    ("aged_80", "高龄老人", "Aged 80+", 80, i32::MAX),
];

/// The catalogue a new installation starts with: (code, 中文, English, care).
pub const DEFAULT_TAGS: &[(&str, &str, &str, bool)] = &[
    ("elderly_alone", "独居老人", "Elderly living alone", true),
    ("empty_nest", "空巢老人", "Empty-nest elderly", true),
    ("disabled", "残疾人", "Disabled", true),
    ("low_income", "低保", "Low-income (dibao)", true),
    ("special_care", "特殊关爱", "Special care", true),
    ("left_behind_child", "留守儿童", "Left-behind child", true),
    ("seriously_ill", "重病患者", "Seriously ill", true),
    ("veteran", "退役军人", "Veteran", false),
    ("party_member", "党员", "Party member", false),
    ("volunteer", "志愿者", "Volunteer", false),
    ("building_chief", "楼栋长", "Building chief", false),
];

/// The starting catalogue, derived tags included.
pub fn default_catalogue() -> Vec<TagDef> {
    let mut out: Vec<TagDef> = DEFAULT_TAGS
        .iter()
        .map(|(code, zh, en, care)| TagDef {
            code: (*code).into(),
            name_zh: (*zh).into(),
            name_en: (*en).into(),
            care: *care,
            derived: false,
        })
        .collect();
    out.extend(AGE_TAGS.iter().map(|(code, zh, en, min, _)| TagDef {
        code: (*code).into(),
        name_zh: (*zh).into(),
        name_en: (*en).into(),
        care: *min >= 80,
        derived: true,
    }));
    out
}

/// The age-derived tags that hold for someone born on `birth`, on `today`.
pub fn derived_tags(birth: Date, today: Date) -> Vec<&'static str> {
    let age = age_on(birth, today);
    AGE_TAGS
        .iter()
        .filter(|(_, _, _, min, max)| age >= *min && age < *max)
        .map(|(code, ..)| *code)
        .collect()
}

/// Splits a tags cell: `独居老人;低保`, `独居老人；低保`, `elderly_alone, low_income`.
pub fn split_tags(cell: &str) -> Vec<String> {
    cell.split([';', '；', ',', '，', '、', '|'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Finds a tag by code or by either name (case-insensitive for Latin text).
pub fn lookup<'a>(catalogue: &'a [TagDef], text: &str) -> Option<&'a TagDef> {
    let t = text.trim();
    let lower = crate::ledger::person::lowercase(t);
    let same_en = |en: &str| {
        if en.is_ascii() {
            en.eq_ignore_ascii_case(&lower)
        } else {
            en.to_lowercase() == lower
        }
    };
    catalogue
        .iter()
        .find(|d| d.code == lower || d.name_zh == t || same_en(&d.name_en))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ages_make_tags() {
        let today = d(2026, 11, 22);
        assert_eq!(derived_tags(d(2015, 1, 1), today), vec!["minor"]);
        assert!(derived_tags(d(1980, 1, 1), today).is_empty());
        assert_eq!(derived_tags(d(1960, 1, 1), today), vec!["senior_60"]);
        assert_eq!(
            derived_tags(d(1946, 11, 22), today),
            vec!["senior_60", "aged_80"]
        );
        assert_eq!(derived_tags(d(1946, 11, 23), today), vec!["senior_60"]);
    }

    #[test]
    fn cells_split_on_chinese_and_latin_separators() {
        assert_eq!(
            split_tags("独居老人；低保, veteran、 "),
            vec!["独居老人", "低保", "veteran"]
        );
        assert!(split_tags("  ").is_empty());
    }

    #[test]
    fn lookup_by_code_or_name() {
        let c = default_catalogue();
        assert_eq!(
            lookup(&c, "低保").map(|t| t.code.as_str()),
            Some("low_income")
        );
        assert_eq!(
            lookup(&c, "Elderly Living Alone").map(|t| t.code.as_str()),
            Some("elderly_alone")
        );
        assert_eq!(lookup(&c, "aged_80").map(|t| t.derived), Some(true));
        assert!(lookup(&c, "wizard").is_none());
    }
}
