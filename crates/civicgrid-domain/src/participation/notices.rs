//! Notices (通知公告): what staff tell the people of a street, community or grid, who
//! they tell it to, and who has read it.
//!
//! | state       | action                   | next        | who                                   |
//! |-------------|--------------------------|-------------|---------------------------------------|
//! | draft       | publish                  | published   | `ManageParticipation` at the scope    |
//! | draft       | withdraw                 | withdrawn   | `ManageParticipation` at the scope    |
//! | published   | withdraw                 | withdrawn   | `ManageParticipation` at the scope    |
//! | withdrawn   | —                        | —           |                                       |
//!
//! Publishing freezes the audience as recipients: one row per household for the
//! residents it reaches (everyone in the scope, those with a ledger tag, the owners of
//! an estate) and one row per account for role holders. Each row is a receipt:
//!
//! | receipt     | how it is read                                  | counts as read |
//! |-------------|-------------------------------------------------|----------------|
//! | unread      | —                                               | no             |
//! | online      | a member of the household opened it            | yes            |
//! | in_person   | the grid worker read it out at the door         | yes            |
//! | phone       | the grid worker read it out on the phone        | yes            |
//! | not_reached | the grid worker tried and found nobody          | no             |
//!
//! An important notice has a read-by deadline: households still unread after it are
//! the follow-up list of their grid's worker, so nobody is left out for want of a
//! phone. Which receipts belong on that list, the texts' limits, the audience's shape
//! and the poster's short code are the rules of this module; who may do what, and
//! the freezing itself, belong to the application and the store.

use std::fmt;

/// The longest title, in characters.
pub const TITLE_MAX: usize = 100;
/// The longest body, in characters.
pub const BODY_MAX: usize = 5000;
/// The most tags or roles a notice may be narrowed to.
pub const TARGET_VALUES_MAX: usize = 20;
/// The poster code's length.
pub const CODE_LEN: usize = 6;
/// The poster code's alphabet: digits and capitals that cannot be taken for one
/// another on a stairwell wall (no 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V).
pub const CODE_ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTWXY";

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeState {
    Draft,
    Published,
    Withdrawn,
}

impl NoticeState {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeState::Draft => "draft",
            NoticeState::Published => "published",
            NoticeState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeState> {
        match s {
            "draft" => Some(NoticeState::Draft),
            "published" => Some(NoticeState::Published),
            "withdrawn" => Some(NoticeState::Withdrawn),
            _ => None,
        }
    }

    /// Whether a notice in this state may be published.
    pub fn may_publish(self) -> bool {
        self == NoticeState::Draft
    }

    /// Whether a notice in this state may be withdrawn.
    pub fn may_withdraw(self) -> bool {
        self != NoticeState::Withdrawn
    }
}

/// Whom a notice is for, inside its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every household of the scope: a public notice, shown on the notice board too.
    Everyone,
    /// Households with a member carrying one of these ledger tags.
    Tags(Vec<String>),
    /// Accounts holding one of these roles inside the scope.
    Roles(Vec<String>),
    /// Households owning their room in this estate.
    EstateOwners(i64),
}

impl Target {
    /// The stored kind: `everyone`, `tags`, `roles` or `estate`.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Everyone => "everyone",
            Target::Tags(_) => "tags",
            Target::Roles(_) => "roles",
            Target::EstateOwners(_) => "estate",
        }
    }

    /// The tags or roles, comma-separated, as stored (empty for the others).
    pub fn values(&self) -> String {
        match self {
            Target::Tags(v) | Target::Roles(v) => v.join(","),
            _ => String::new(),
        }
    }

    /// The estate, for [`Target::EstateOwners`].
    pub fn estate(&self) -> Option<i64> {
        match self {
            Target::EstateOwners(e) => Some(*e),
            _ => None,
        }
    }

    /// Back from what [`Target::kind`], [`Target::values`] and [`Target::estate`]
    /// stored; `None` for a stored shape this version does not know.
    pub fn from_stored(kind: &str, values: &str, estate: Option<i64>) -> Option<Target> {
        let list = || -> Vec<String> {
            values
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        match kind {
            "everyone" => Some(Target::Everyone),
            "tags" => Some(Target::Tags(list())),
            "roles" => Some(Target::Roles(list())),
            "estate" => estate.map(Target::EstateOwners),
            _ => None,
        }
    }

    /// Whether the notice is public: on the community's board and open by its code
    /// to anyone.
    pub fn is_public(&self) -> bool {
        *self == Target::Everyone
    }
}

/// What was wrong with a notice as written: the field and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeInputError {
    pub field: &'static str,
    pub message: &'static str,
}

impl fmt::Display for NoticeInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for NoticeInputError {}

fn bad(field: &'static str, message: &'static str) -> NoticeInputError {
    NoticeInputError { field, message }
}

/// One language version of a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub title: String,
    pub body: String,
}

/// A notice's texts: a Chinese and an English version, at least one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    pub zh: Option<Version>,
    pub en: Option<Version>,
}

impl Texts {
    /// The version to show a reader of `english`: theirs when written, else the other.
    pub fn for_reader(&self, english: bool) -> Option<&Version> {
        if english {
            self.en.as_ref().or(self.zh.as_ref())
        } else {
            self.zh.as_ref().or(self.en.as_ref())
        }
    }
}

/// Checks one language version: blank title and body together mean "not written";
/// one without the other is an error on the missing field.
fn version(
    title: &str,
    body: &str,
    title_field: &'static str,
    body_field: &'static str,
) -> Result<Option<Version>, NoticeInputError> {
    let (title, body) = (title.trim(), body.trim());
    match (title.is_empty(), body.is_empty()) {
        (true, true) => Ok(None),
        (true, false) => Err(bad(title_field, "give this version a title")),
        (false, true) => Err(bad(body_field, "write what the notice says")),
        (false, false) => {
            if title.chars().count() > TITLE_MAX {
                return Err(bad(title_field, "a title is at most 100 characters"));
            }
            if body.chars().count() > BODY_MAX {
                return Err(bad(body_field, "a notice is at most 5000 characters"));
            }
            Ok(Some(Version {
                title: title.to_owned(),
                body: body.to_owned(),
            }))
        }
    }
}

/// Checks the two language versions: each complete or blank, at least one written.
pub fn check_texts(
    title_zh: &str,
    body_zh: &str,
    title_en: &str,
    body_en: &str,
) -> Result<Texts, NoticeInputError> {
    let zh = version(title_zh, body_zh, "title_zh", "body_zh")?;
    let en = version(title_en, body_en, "title_en", "body_en")?;
    if zh.is_none() && en.is_none() {
        return Err(bad(
            "title_zh",
            "write the notice in Chinese or English (or both)",
        ));
    }
    Ok(Texts { zh, en })
}

/// A notice's timing: when it stops showing, and for an important one when it must
/// have been read by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub important: bool,
    pub read_by: Option<i64>,
    pub expires_at: Option<i64>,
}

/// Checks the timing at `now_ms`: an important notice needs a read-by deadline in the
/// future, before the expiry; an expiry lies in the future. A deadline on a notice
/// that is not important is dropped.
pub fn check_timing(
    important: bool,
    read_by: Option<i64>,
    expires_at: Option<i64>,
    now_ms: i64,
) -> Result<Timing, NoticeInputError> {
    if let Some(e) = expires_at
        && e <= now_ms
    {
        return Err(bad("expires_at", "the expiry must lie in the future"));
    }
    let read_by = if important {
        match read_by {
            None => {
                return Err(bad(
                    "read_by",
                    "an important notice needs a read-by deadline",
                ));
            }
            Some(d) if d <= now_ms => {
                return Err(bad(
                    "read_by",
                    "the read-by deadline must lie in the future",
                ));
            }
            Some(d) if expires_at.is_some_and(|e| d > e) => {
                return Err(bad(
                    "read_by",
                    "the read-by deadline must come before the expiry",
                ));
            }
            Some(d) => Some(d),
        }
    } else {
        None
    };
    Ok(Timing {
        important,
        read_by,
        expires_at,
    })
}

/// Checks the tags or roles a notice is narrowed to: at least one, at most
/// [`TARGET_VALUES_MAX`], each known to `known`; duplicates are dropped.
pub fn check_values(
    field: &'static str,
    values: &[String],
    known: impl Fn(&str) -> bool,
) -> Result<Vec<String>, NoticeInputError> {
    let mut out: Vec<String> = Vec::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        if !known(v) {
            return Err(bad(field, "choose from the listed options"));
        }
        if !out.iter().any(|o| o == v) {
            out.push(v.to_owned());
        }
    }
    if out.is_empty() {
        return Err(bad(field, "choose at least one"));
    }
    if out.len() > TARGET_VALUES_MAX {
        return Err(bad(field, "choose at most 20"));
    }
    Ok(out)
}

/// How a receipt was read, or why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Opened by a member of the household (or the account) online.
    Online,
    /// Read out at the door by the grid worker.
    InPerson,
    /// Read out on the phone by the grid worker.
    Phone,
    /// The grid worker tried and found nobody.
    NotReached,
}

impl Reading {
    pub fn as_str(self) -> &'static str {
        match self {
            Reading::Online => "online",
            Reading::InPerson => "in_person",
            Reading::Phone => "phone",
            Reading::NotReached => "not_reached",
        }
    }

    pub fn parse(s: &str) -> Option<Reading> {
        match s {
            "online" => Some(Reading::Online),
            "in_person" => Some(Reading::InPerson),
            "phone" => Some(Reading::Phone),
            "not_reached" => Some(Reading::NotReached),
            _ => None,
        }
    }

    /// The outcomes a grid worker may record on a follow-up.
    pub const FOLLOW_UP: [Reading; 3] = [Reading::InPerson, Reading::Phone, Reading::NotReached];

    /// A follow-up outcome typed into a form; anything else is an error on `outcome`.
    pub fn follow_up(s: &str) -> Result<Reading, NoticeInputError> {
        Reading::parse(s.trim())
            .filter(|r| *r != Reading::Online)
            .ok_or_else(|| bad("outcome", "choose in person, by phone or not reached"))
    }

    /// Whether the notice counts as read.
    pub fn is_read(self) -> bool {
        self != Reading::NotReached
    }
}

/// Whether a household's receipt belongs on the follow-up list at `now_ms`: the
/// notice is published and important, its deadline has passed, and the household has
/// not read it (one not reached before stays on the list for another try).
pub fn needs_follow_up(
    state: NoticeState,
    timing: &Timing,
    reading: Option<Reading>,
    now_ms: i64,
) -> bool {
    state == NoticeState::Published
        && timing.important
        && timing.read_by.is_some_and(|d| d <= now_ms)
        && !reading.is_some_and(Reading::is_read)
}

/// A poster code from 30 random bits and more: [`CODE_LEN`] characters of
/// [`CODE_ALPHABET`].
pub fn code_from(mut n: u64) -> String {
    let base = CODE_ALPHABET.len() as u64;
    let mut out = String::with_capacity(CODE_LEN);
    for _ in 0..CODE_LEN {
        let i = (n % base) as usize;
        out.push(char::from(CODE_ALPHABET.get(i).copied().unwrap_or(b'A')));
        n /= base;
    }
    out
}

/// A code as a resident typed it: case, spaces and dashes do not matter, and the
/// look-alikes the alphabet leaves out are read as the letter they resemble where one
/// exists (`o`/`0` → none, so they fail). `None` when it cannot be a code.
pub fn normalize_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// How far a notice has reached a place (a building, a grid): its read share of the
/// households there in three bands, for the colours of the coverage map. Integer
/// arithmetic, so a bound is exact.
///
/// | band   | households read        |
/// |--------|------------------------|
/// | `low`  | under 50% (or nobody)  |
/// | `mid`  | 50% up to under 90%    |
/// | `high` | 90% or more            |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageBand {
    Low,
    Mid,
    High,
}

impl CoverageBand {
    /// The band of `read` households out of `total`; a place with nobody to reach is
    /// `Low`, and counts outside 0..=total are taken as bounded.
    pub fn of(read: i64, total: i64) -> CoverageBand {
        if total <= 0 {
            return CoverageBand::Low;
        }
        let read = i128::from(read.clamp(0, total));
        let total = i128::from(total);
        if read * 10 >= total * 9 {
            CoverageBand::High
        } else if read * 2 >= total {
            CoverageBand::Mid
        } else {
            CoverageBand::Low
        }
    }

    /// Stable code, used as a CSS class and a message key.
    pub fn code(self) -> &'static str {
        match self {
            CoverageBand::Low => "low",
            CoverageBand::Mid => "mid",
            CoverageBand::High => "high",
        }
    }

    pub const ALL: [CoverageBand; 3] = [CoverageBand::Low, CoverageBand::Mid, CoverageBand::High];
}

#[cfg(test)]
mod tests {
    #[test]
    fn coverage_bands_have_exact_bounds() {
        use CoverageBand::*;
        let cases = [
            (0, 0, Low),
            (0, 20, Low),
            (9, 20, Low),
            (10, 20, Mid),
            (17, 20, Mid),
            (18, 20, High),
            (20, 20, High),
            (1, 2, Mid),
            (8, 9, Mid),
            (9, 10, High),
            (89, 100, Mid),
            (90, 100, High),
            (49, 100, Low),
            (50, 100, Mid),
            (-3, 10, Low),
            (30, 10, High),
            (i64::MAX, i64::MAX, High),
        ];
        for (read, total, band) in cases {
            assert_eq!(CoverageBand::of(read, total), band, "{read}/{total}");
        }
        let codes: Vec<&str> = CoverageBand::ALL.iter().map(|b| b.code()).collect();
        assert_eq!(codes, ["low", "mid", "high"]);
    }
    use super::*;

    const NOW: i64 = 1_700_000_000_000;
    const DAY: i64 = 86_400_000;

    #[test]
    fn a_notice_needs_one_complete_version() {
        let t = check_texts("停水通知", "明天停水", "", "");
        assert_eq!(t.as_ref().map(|t| t.en.is_none()), Ok(true));
        assert_eq!(
            check_texts("", "", "", "").map_err(|e| e.field),
            Err("title_zh")
        );
        assert_eq!(
            check_texts("停水通知", "", "", "").map_err(|e| e.field),
            Err("body_zh")
        );
        assert_eq!(
            check_texts("", "", "", "Water is off").map_err(|e| e.field),
            Err("title_en")
        );
        let long: String = "字".repeat(TITLE_MAX + 1);
        assert_eq!(
            check_texts(&long, "x", "", "").map_err(|e| e.field),
            Err("title_zh")
        );
    }

    #[test]
    fn readers_get_their_language_else_the_other() {
        let t = check_texts("停水", "明天", "", "").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.for_reader(true).map(|v| v.title.as_str()), Some("停水"));
        let both =
            check_texts("停水", "明天", "Water off", "Tomorrow").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            both.for_reader(true).map(|v| v.title.as_str()),
            Some("Water off")
        );
        assert_eq!(
            both.for_reader(false).map(|v| v.title.as_str()),
            Some("停水")
        );
    }

    #[test]
    fn important_notices_need_a_deadline_before_the_expiry() {
        assert_eq!(
            check_timing(true, None, None, NOW).map_err(|e| e.field),
            Err("read_by")
        );
        assert_eq!(
            check_timing(true, Some(NOW - 1), None, NOW).map_err(|e| e.field),
            Err("read_by")
        );
        assert_eq!(
            check_timing(true, Some(NOW + 2 * DAY), Some(NOW + DAY), NOW).map_err(|e| e.field),
            Err("read_by")
        );
        assert_eq!(
            check_timing(false, None, Some(NOW), NOW).map_err(|e| e.field),
            Err("expires_at")
        );
        // A deadline on an ordinary notice is dropped.
        assert_eq!(
            check_timing(false, Some(NOW + DAY), None, NOW).map(|t| t.read_by),
            Ok(None)
        );
        assert!(check_timing(true, Some(NOW + DAY), Some(NOW + 2 * DAY), NOW).is_ok());
    }

    #[test]
    fn targets_round_trip_through_storage() {
        for t in [
            Target::Everyone,
            Target::Tags(vec!["elderly_alone".into(), "disabled".into()]),
            Target::Roles(vec!["owners_committee".into()]),
            Target::EstateOwners(7),
        ] {
            assert_eq!(
                Target::from_stored(t.kind(), &t.values(), t.estate()),
                Some(t.clone())
            );
        }
        assert_eq!(Target::from_stored("estate", "", None), None);
        assert!(Target::Everyone.is_public());
        assert!(!Target::Tags(vec!["x".into()]).is_public());
    }

    #[test]
    fn target_values_are_known_distinct_and_bounded() {
        let known = |s: &str| s.starts_with('t');
        let v = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            check_values("tags", &v(&["t1", "t1", " t2 "]), known),
            Ok(v(&["t1", "t2"]))
        );
        assert_eq!(
            check_values("tags", &v(&["x"]), known).map_err(|e| e.field),
            Err("tags")
        );
        assert!(check_values("tags", &v(&["", " "]), known).is_err());
        let many: Vec<String> = (0..=TARGET_VALUES_MAX).map(|i| format!("t{i}")).collect();
        assert!(check_values("tags", &many, known).is_err());
    }

    #[test]
    fn states_allow_what_the_table_says() {
        assert!(NoticeState::Draft.may_publish());
        assert!(!NoticeState::Published.may_publish());
        assert!(NoticeState::Published.may_withdraw());
        assert!(!NoticeState::Withdrawn.may_withdraw());
        for s in [
            NoticeState::Draft,
            NoticeState::Published,
            NoticeState::Withdrawn,
        ] {
            assert_eq!(NoticeState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn follow_up_lists_the_unread_of_important_notices_past_their_deadline() {
        let timing = Timing {
            important: true,
            read_by: Some(NOW),
            expires_at: None,
        };
        let p = NoticeState::Published;
        assert!(needs_follow_up(p, &timing, None, NOW));
        assert!(needs_follow_up(p, &timing, Some(Reading::NotReached), NOW));
        assert!(!needs_follow_up(p, &timing, Some(Reading::Online), NOW));
        assert!(!needs_follow_up(p, &timing, Some(Reading::Phone), NOW));
        assert!(!needs_follow_up(p, &timing, None, NOW - 1));
        assert!(!needs_follow_up(NoticeState::Withdrawn, &timing, None, NOW));
        let ordinary = Timing {
            important: false,
            ..timing
        };
        assert!(!needs_follow_up(p, &ordinary, None, NOW));
    }

    #[test]
    fn follow_up_outcomes_exclude_online() {
        assert_eq!(Reading::follow_up("phone"), Ok(Reading::Phone));
        assert_eq!(
            Reading::follow_up("online").map_err(|e| e.field),
            Err("outcome")
        );
        assert!(Reading::follow_up("").is_err());
        assert!(!Reading::NotReached.is_read());
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet_and_read_back() {
        let c = code_from(123_456_789_012);
        assert_eq!(c.len(), CODE_LEN);
        assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(normalize_code(&c.to_lowercase()), Some(c.clone()));
        let spaced = format!("{}-{} ", &c[..3], &c[3..]);
        assert_eq!(normalize_code(&spaced), Some(c));
        assert_eq!(normalize_code("O0I1L5"), None);
        assert_eq!(normalize_code("ACD"), None);
        assert_ne!(code_from(1), code_from(2));
    }
}
