//! The catalogue of request categories: what a request is about, who normally answers
//! it, how fast, and whether it may be shown on the public page.
//!
//! Targets are business minutes on the community's calendar (see
//! [`super::calendar`]); with the default hours a working day has 450 of them.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::Language;

/// Longest target, in business minutes: a year of default working days.
pub const MAX_TARGET_MINUTES: u32 = 250 * 450;
/// Longest category name, in characters.
pub const MAX_NAME_CHARS: usize = 50;
/// Longest category description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// Kinds of responder organisation (责任单位).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponderKind {
    /// 物业服务企业
    PropertyCompany,
    /// 业主委员会
    OwnersCommittee,
    /// 派出所
    PoliceStation,
    /// 城管
    UrbanManagement,
    /// water, power, gas, heating
    Utility,
    /// any other government department or body
    Department,
}

impl ResponderKind {
    pub const ALL: [ResponderKind; 6] = [
        ResponderKind::PropertyCompany,
        ResponderKind::OwnersCommittee,
        ResponderKind::PoliceStation,
        ResponderKind::UrbanManagement,
        ResponderKind::Utility,
        ResponderKind::Department,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ResponderKind::PropertyCompany => "property_company",
            ResponderKind::OwnersCommittee => "owners_committee",
            ResponderKind::PoliceStation => "police_station",
            ResponderKind::UrbanManagement => "urban_management",
            ResponderKind::Utility => "utility",
            ResponderKind::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Result<ResponderKind, CategoryError> {
        ResponderKind::ALL
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| CategoryError::UnknownPartyKind(s.to_owned()))
    }

    pub fn label(self, lang: Language) -> &'static str {
        let (zh, en) = match self {
            ResponderKind::PropertyCompany => ("物业服务企业", "Property company"),
            ResponderKind::OwnersCommittee => ("业主委员会", "Owners' committee"),
            ResponderKind::PoliceStation => ("派出所", "Police station"),
            ResponderKind::UrbanManagement => ("城管", "Urban management"),
            ResponderKind::Utility => ("公用事业单位", "Utility"),
            ResponderKind::Department => ("职能部门", "Department"),
        };
        match lang {
            Language::Zh => zh,
            Language::En => en,
        }
    }
}

/// Who normally answers requests of a category: the community's own people, or a
/// kind of responder organisation (which one is found by routing rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartyKind {
    GridWorker,
    CommunityStaff,
    Responder(ResponderKind),
}

impl PartyKind {
    /// `grid_worker`, `community_staff`, or the responder kind's code.
    pub fn code(self) -> &'static str {
        match self {
            PartyKind::GridWorker => "grid_worker",
            PartyKind::CommunityStaff => "community_staff",
            PartyKind::Responder(k) => k.code(),
        }
    }

    pub fn parse(s: &str) -> Result<PartyKind, CategoryError> {
        match s {
            "grid_worker" => Ok(PartyKind::GridWorker),
            "community_staff" => Ok(PartyKind::CommunityStaff),
            _ => ResponderKind::parse(s).map(PartyKind::Responder),
        }
    }

    pub fn label(self, lang: Language) -> &'static str {
        match (self, lang) {
            (PartyKind::GridWorker, Language::Zh) => "网格员",
            (PartyKind::GridWorker, Language::En) => "Grid worker",
            (PartyKind::CommunityStaff, Language::Zh) => "社区工作人员",
            (PartyKind::CommunityStaff, Language::En) => "Community staff",
            (PartyKind::Responder(k), lang) => k.label(lang),
        }
    }
}

impl fmt::Display for PartyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for PartyKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for PartyKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PartyKind, D::Error> {
        let s = String::deserialize(d)?;
        PartyKind::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Stable code: 1–32 of `a-z`, `0-9`, `_`, starting with a letter.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// A sentence for residents and Open311 clients; may be empty.
    pub description: String,
    /// Who normally answers, when no routing rule says otherwise.
    pub party_kind: PartyKind,
    /// Business minutes from submission to a first response.
    pub response_minutes: u32,
    /// Business minutes from submission to resolution.
    pub resolution_minutes: u32,
    /// Requests in it may appear on the public page and map (without personal data).
    pub public: bool,
    /// Offered for new requests; inactive categories stay for old ones.
    pub active: bool,
}

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CategoryError {
    #[error("code must be 1–32 of a-z, 0-9 and '_', starting with a letter")]
    BadCode,
    #[error("{0} must not be empty and at most {MAX_NAME_CHARS} characters")]
    BadName(&'static str),
    #[error("description must be at most {MAX_DESCRIPTION_CHARS} characters")]
    DescriptionTooLong,
    #[error("{0} must be from 1 to {MAX_TARGET_MINUTES} business minutes")]
    BadTarget(&'static str),
    #[error("the resolution target must not be shorter than the response target")]
    ResolutionBeforeResponse,
    #[error(
        "unknown party kind '{0}' (expected grid_worker, community_staff, property_company, owners_committee, police_station, urban_management, utility or department)"
    )]
    UnknownPartyKind(String),
    #[error("category code '{0}' appears more than once")]
    DuplicateCode(String),
    #[error("the catalogue needs at least one active category")]
    NoActiveCategory,
}

impl CategoryError {
    /// Stable snake_case code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            CategoryError::BadCode => "bad_category_code",
            CategoryError::BadName(_) => "bad_category_name",
            CategoryError::DescriptionTooLong => "category_description_too_long",
            CategoryError::BadTarget(_) => "bad_target",
            CategoryError::ResolutionBeforeResponse => "resolution_before_response",
            CategoryError::UnknownPartyKind(_) => "unknown_party_kind",
            CategoryError::DuplicateCode(_) => "duplicate_category_code",
            CategoryError::NoActiveCategory => "no_active_category",
        }
    }

    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            CategoryError::BadCode | CategoryError::DuplicateCode(_) => "code",
            CategoryError::BadName(f) | CategoryError::BadTarget(f) => f,
            CategoryError::DescriptionTooLong => "description",
            CategoryError::ResolutionBeforeResponse => "resolution_minutes",
            CategoryError::UnknownPartyKind(_) => "party_kind",
            CategoryError::NoActiveCategory => "active",
        }
    }
}

/// Is `code` a well-formed category code?
pub fn valid_code(code: &str) -> bool {
    let mut chars = code.chars();
    code.len() <= 32
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check_name(field: &'static str, name: &str) -> Result<String, CategoryError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        Err(CategoryError::BadName(field))
    } else {
        Ok(name.to_owned())
    }
}

fn check_target(field: &'static str, minutes: u32) -> Result<(), CategoryError> {
    if (1..=MAX_TARGET_MINUTES).contains(&minutes) {
        Ok(())
    } else {
        Err(CategoryError::BadTarget(field))
    }
}

impl Category {
    /// Checks an entry and returns it with its texts trimmed.
    pub fn validate(self) -> Result<Category, CategoryError> {
        let code = self.code.trim().to_owned();
        if !valid_code(&code) {
            return Err(CategoryError::BadCode);
        }
        let name_zh = check_name("name_zh", &self.name_zh)?;
        let name_en = check_name("name_en", &self.name_en)?;
        let description = self.description.trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(CategoryError::DescriptionTooLong);
        }
        check_target("response_minutes", self.response_minutes)?;
        check_target("resolution_minutes", self.resolution_minutes)?;
        if self.resolution_minutes < self.response_minutes {
            return Err(CategoryError::ResolutionBeforeResponse);
        }
        Ok(Category {
            code,
            name_zh,
            name_en,
            description,
            ..self
        })
    }

    pub fn name(&self, lang: Language) -> &str {
        match lang {
            Language::Zh => &self.name_zh,
            Language::En => &self.name_en,
        }
    }

    /// The group it is listed under (Open311 `group`, the intake page's sections).
    pub fn group(&self, lang: Language) -> &'static str {
        group_of(&self.code, lang)
    }
}

/// Checks every entry and that codes are unique and at least one entry is active.
pub fn validate_catalogue(entries: Vec<Category>) -> Result<Vec<Category>, CategoryError> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let entry = entry.validate()?;
        if !seen.insert(entry.code.clone()) {
            return Err(CategoryError::DuplicateCode(entry.code));
        }
        out.push(entry);
    }
    if !out.iter().any(|c| c.active) {
        return Err(CategoryError::NoActiveCategory);
    }
    Ok(out)
}

/// The group a category code belongs to; unknown codes are in "other".
pub fn group_of(code: &str, lang: Language) -> &'static str {
    let (zh, en) = match code {
        c if c.starts_with("repairs") => ("维修", "Repairs"),
        "parking" | "noise" | "neighbour_dispute" => ("邻里秩序", "Neighbourhood order"),
        "sanitation" | "greenery" => ("环境卫生", "Environment"),
        "safety_hazard" | "public_facilities" => ("安全与公共设施", "Safety and facilities"),
        "property_management" => ("物业服务", "Property services"),
        _ => ("其他", "Other"),
    };
    match lang {
        Language::Zh => zh,
        Language::En => en,
    }
}

/// The family of a category code for duplicate suggestions: the categories one
/// problem may be filed under by different residents. Finer than [`group_of`] (the
/// intake page's sections), whose repairs put a lamp beside a lift:
///
/// | family | categories |
/// |---|---|
/// | `lift` | repairs_lift |
/// | `water` | repairs_water |
/// | `power_and_facilities` | repairs_electricity, public_facilities (a lamp is either) |
/// | `neighbourhood_order` | parking, noise, neighbour_dispute |
/// | `environment` | sanitation, greenery |
/// | `safety` | safety_hazard |
/// | `property` | property_management |
/// | `other` | other, and any code not above |
pub fn family_of(code: &str) -> &'static str {
    match code {
        "repairs_lift" => "lift",
        "repairs_water" => "water",
        "repairs_electricity" | "public_facilities" => "power_and_facilities",
        "parking" | "noise" | "neighbour_dispute" => "neighbourhood_order",
        "sanitation" | "greenery" => "environment",
        "safety_hazard" => "safety",
        "property_management" => "property",
        _ => "other",
    }
}

/// One business day with the default hours.
const DAY: u32 = 450;

/// The default catalogue: (code, 中文, English, description, party, response, resolution, public).
type Entry = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    PartyKind,
    u32,
    u32,
    bool,
);

const PROPERTY: PartyKind = PartyKind::Responder(ResponderKind::PropertyCompany);

const DEFAULTS: &[Entry] = &[
    (
        "parking",
        "停车",
        "Parking",
        "Cars blocking passages, fire lanes or someone's space; bicycles and e-bikes left in corridors.",
        PROPERTY,
        30,
        240,
        true,
    ),
    (
        "noise",
        "噪音扰民",
        "Noise",
        "Renovation out of hours, loud music, barking, machinery.",
        PartyKind::GridWorker,
        30,
        240,
        false,
    ),
    (
        "sanitation",
        "环境卫生",
        "Sanitation",
        "Rubbish not collected, litter, bins overflowing, pests.",
        PROPERTY,
        60,
        DAY,
        true,
    ),
    (
        "repairs_water",
        "水管漏水",
        "Repairs: water",
        "Leaking or burst pipes, blocked drains, no water.",
        PROPERTY,
        30,
        DAY,
        false,
    ),
    (
        "repairs_electricity",
        "电路维修",
        "Repairs: electricity",
        "Power cuts in shared areas, stairwell lights, exposed wiring.",
        PROPERTY,
        30,
        DAY,
        false,
    ),
    (
        "repairs_lift",
        "电梯故障",
        "Repairs: lift",
        "A lift out of order or behaving dangerously. Someone trapped: call 96333 or 119 first.",
        PROPERTY,
        15,
        240,
        true,
    ),
    (
        "greenery",
        "绿化养护",
        "Greenery",
        "Overgrown or dead trees and lawns, branches at risk of falling, green space taken over.",
        PROPERTY,
        120,
        5 * DAY,
        true,
    ),
    (
        "safety_hazard",
        "安全隐患",
        "Safety hazard",
        "Blocked fire exits, e-bikes charging indoors, loose façade parts, open manholes.",
        PartyKind::GridWorker,
        15,
        DAY,
        true,
    ),
    (
        "neighbour_dispute",
        "邻里纠纷",
        "Neighbour dispute",
        "Disagreements between neighbours that need the community's help.",
        PartyKind::CommunityStaff,
        120,
        5 * DAY,
        false,
    ),
    (
        "property_management",
        "物业服务",
        "Property management",
        "Complaints about the property company's service or charges.",
        PartyKind::CommunityStaff,
        120,
        5 * DAY,
        false,
    ),
    (
        "public_facilities",
        "公共设施",
        "Public facilities",
        "Street lamps, benches, fitness equipment, roads and pavements.",
        PartyKind::Responder(ResponderKind::UrbanManagement),
        120,
        5 * DAY,
        true,
    ),
    (
        "other",
        "其他",
        "Other",
        "Anything else the community should know about.",
        PartyKind::CommunityStaff,
        120,
        5 * DAY,
        false,
    ),
];

/// The catalogue a new community starts with.
pub fn default_catalogue() -> Vec<Category> {
    DEFAULTS
        .iter()
        .map(
            |&(code, zh, en, description, party_kind, response, resolution, public)| Category {
                code: code.to_owned(),
                name_zh: zh.to_owned(),
                name_en: en.to_owned(),
                description: description.to_owned(),
                party_kind,
                response_minutes: response,
                resolution_minutes: resolution,
                public,
                active: true,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Category {
        Category {
            code: "parking".into(),
            name_zh: "停车".into(),
            name_en: "Parking".into(),
            description: String::new(),
            party_kind: PartyKind::GridWorker,
            response_minutes: 30,
            resolution_minutes: 240,
            public: true,
            active: true,
        }
    }

    #[test]
    fn the_default_catalogue_is_valid_and_complete() {
        let cat = validate_catalogue(default_catalogue()).unwrap();
        let codes: Vec<&str> = cat.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "parking",
                "noise",
                "sanitation",
                "repairs_water",
                "repairs_electricity",
                "repairs_lift",
                "greenery",
                "safety_hazard",
                "neighbour_dispute",
                "property_management",
                "public_facilities",
                "other"
            ]
        );
        assert_eq!(cat, default_catalogue());
        // Complaints about the property company do not go to the property company.
        let pm = cat
            .iter()
            .find(|c| c.code == "property_management")
            .unwrap();
        assert_eq!(pm.party_kind, PartyKind::CommunityStaff);
        // Private matters stay off the public page.
        for private in ["noise", "neighbour_dispute", "other"] {
            assert!(!cat.iter().find(|c| c.code == private).unwrap().public);
        }
        // Urgent things are answered fastest.
        let lift = cat.iter().find(|c| c.code == "repairs_lift").unwrap();
        assert!(
            cat.iter()
                .all(|c| c.response_minutes >= lift.response_minutes)
        );
        assert_eq!(lift.group(Language::En), "Repairs");
        assert_eq!(pm.name(Language::Zh), "物业服务");
    }

    #[test]
    fn codes() {
        assert!(valid_code("repairs_lift"));
        assert!(valid_code("a1"));
        assert!(!valid_code(""));
        assert!(!valid_code("1abc"));
        assert!(!valid_code("_abc"));
        assert!(!valid_code("Parking"));
        assert!(!valid_code("car park"));
        assert!(!valid_code("停车"));
        assert!(valid_code(&"a".repeat(32)));
        assert!(!valid_code(&"a".repeat(33)));
    }

    #[test]
    fn entries_are_checked_and_trimmed() {
        let ok = Category {
            code: " parking ".into(),
            name_zh: " 停车 ".into(),
            description: " 车 ".into(),
            ..sample()
        }
        .validate()
        .unwrap();
        assert_eq!(
            (
                ok.code.as_str(),
                ok.name_zh.as_str(),
                ok.description.as_str()
            ),
            ("parking", "停车", "车")
        );
        let cases = [
            (
                Category {
                    code: "Bad Code".into(),
                    ..sample()
                },
                CategoryError::BadCode,
            ),
            (
                Category {
                    name_en: " ".into(),
                    ..sample()
                },
                CategoryError::BadName("name_en"),
            ),
            (
                Category {
                    name_zh: "停".repeat(MAX_NAME_CHARS + 1),
                    ..sample()
                },
                CategoryError::BadName("name_zh"),
            ),
            (
                Category {
                    description: "车".repeat(MAX_DESCRIPTION_CHARS + 1),
                    ..sample()
                },
                CategoryError::DescriptionTooLong,
            ),
            (
                Category {
                    response_minutes: 0,
                    ..sample()
                },
                CategoryError::BadTarget("response_minutes"),
            ),
            (
                Category {
                    resolution_minutes: MAX_TARGET_MINUTES + 1,
                    ..sample()
                },
                CategoryError::BadTarget("resolution_minutes"),
            ),
            (
                Category {
                    response_minutes: 300,
                    resolution_minutes: 240,
                    ..sample()
                },
                CategoryError::ResolutionBeforeResponse,
            ),
        ];
        for (entry, want) in cases {
            let err = entry.validate().unwrap_err();
            assert_eq!(err, want);
            assert!(!err.code().is_empty());
            assert!(!err.field().is_empty());
        }
        assert_eq!(
            CategoryError::BadTarget("response_minutes").field(),
            "response_minutes"
        );
    }

    #[test]
    fn catalogues_need_unique_codes_and_an_active_entry() {
        assert_eq!(
            validate_catalogue(vec![sample(), sample()]),
            Err(CategoryError::DuplicateCode("parking".into()))
        );
        assert_eq!(
            validate_catalogue(vec![Category {
                active: false,
                ..sample()
            }]),
            Err(CategoryError::NoActiveCategory)
        );
        assert_eq!(
            validate_catalogue(vec![]),
            Err(CategoryError::NoActiveCategory)
        );
    }

    #[test]
    fn party_kinds_round_trip() {
        let mut all = vec![PartyKind::GridWorker, PartyKind::CommunityStaff];
        all.extend(ResponderKind::ALL.map(PartyKind::Responder));
        for k in all {
            assert_eq!(PartyKind::parse(k.code()), Ok(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.code()));
            assert_eq!(serde_json::from_str::<PartyKind>(&json).unwrap(), k);
            assert!(!k.label(Language::Zh).is_empty());
        }
        assert!(PartyKind::parse("mayor").is_err());
        assert!(serde_json::from_str::<PartyKind>("\"mayor\"").is_err());
        for k in ResponderKind::ALL {
            assert_eq!(ResponderKind::parse(k.code()), Ok(k));
        }
    }

    #[test]
    fn groups() {
        assert_eq!(group_of("repairs_water", Language::Zh), "维修");
        assert_eq!(group_of("noise", Language::En), "Neighbourhood order");
        assert_eq!(group_of("something_local", Language::En), "Other");
    }

    #[test]
    fn families() {
        assert_ne!(family_of("repairs_lift"), family_of("repairs_electricity"));
        assert_eq!(
            family_of("repairs_electricity"),
            family_of("public_facilities")
        );
        assert_eq!(family_of("noise"), family_of("neighbour_dispute"));
        assert_eq!(family_of("canteen"), "other");
        // Every default category has a family of its own list.
        for c in default_catalogue() {
            assert!(!family_of(&c.code).is_empty());
        }
    }

    #[test]
    fn categories_serialize() {
        let c = sample();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["party_kind"], "grid_worker");
        assert_eq!(serde_json::from_value::<Category>(json).unwrap(), c);
    }
}
