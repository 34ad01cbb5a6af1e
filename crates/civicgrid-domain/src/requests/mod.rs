//! Resident requests ("small things", 身边小事): parking, noise, sanitation, leaking
//! pipes, broken lifts, neighbour disputes.
//!
//! The rules live here, free of storage and clocks; callers pass "now" in as UTC
//! milliseconds. Read the submodules top to bottom:
//!
//! - [`status`]: the state machine every transition goes through;
//! - [`category`]: the catalogue of kinds of request, with their targets;
//! - [`calendar`]: working hours, holidays and make-up working days (调休);
//! - [`sla`]: due times, warnings and the escalation ladder;
//! - [`routing`]: who is responsible for a request of a category at a place;
//! - [`similarity`]: which earlier requests a new one may duplicate;
//! - [`classifier`]: a suggested category for free text;
//! - [`open311`]: the GeoReport v2 vocabulary;
//! - [`photo`]: what a photo must be, and the location metadata removed from it;
//! - [`public`]: what a request shows to the public (contacts, rooms, points removed);
//! - [`text`]: the tokens that similarity and the classifier share.
//!
//! This module holds the small values every layer uses: [`RequestId`], the intake
//! [`Channel`], the resident's [`Rating`] and [`Feedback`] and what a rating leads to
//! ([`after_rating`]), and a checked description.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub mod calendar;
pub mod category;
pub mod classifier;
pub mod open311;
pub mod photo;
pub mod public;
pub mod routing;
pub mod similarity;
pub mod sla;
pub mod status;
pub mod text;

pub use calendar::{BusinessCalendar, CalendarConfig, CalendarError, Span};
pub use category::{Category, CategoryError, PartyKind, ResponderKind, default_catalogue};
pub use classifier::{Classifier, Prediction};
pub use routing::{Party, Routed, RoutingRule};
pub use similarity::{Candidate, DuplicatePolicy, SimilarRequest, Summary};
pub use sla::{Deadlines, EscalationLevel, EscalationPolicy, SlaPolicy, SlaState, Targets};
pub use status::{
    Action, ActionInput, ActionInputError, ActionKind, ActorKind, Status, TransitionContext,
    TransitionError,
};

/// A request's public number: `R-<year>-<id, six digits or more>`, the year of its
/// creation in the community's time zone.
pub fn public_number(id: RequestId, created_at_ms: i64, utc_offset_minutes: i32) -> String {
    let local = created_at_ms + i64::from(utc_offset_minutes) * 60_000;
    let year = chrono::DateTime::from_timestamp_millis(local)
        .map(|d| chrono::Datelike::year(&d.date_naive()))
        .unwrap_or(1970);
    format!("R-{year}-{:06}", id.0)
}

/// The id in a public number (`R-2026-000123`) or a bare id (`123`).
pub fn parse_public_number(s: &str) -> Option<RequestId> {
    let s = s.trim();
    let digits = match s.strip_prefix("R-").or_else(|| s.strip_prefix("r-")) {
        Some(rest) => {
            let (year, id) = rest.split_once('-')?;
            if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            id
        }
        None => s,
    };
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|id| *id > 0).map(RequestId)
}

/// Longest reopen or duplicate window, in milliseconds (a leap year).
pub const MAX_WINDOW_MS: i64 = 366 * 24 * 60 * 60 * 1000;

/// Longest description a resident may write, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Longest comment that may accompany a rating, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// Errors of the values in this module.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RequestError {
    #[error(
        "unknown channel '{0}' (expected resident_web, staff_phone, staff_walk_in, patrol, api or open311)"
    )]
    UnknownChannel(String),
    #[error("rating must be a whole number from 1 to 5")]
    BadRating,
    #[error("comment must be at most {MAX_COMMENT_CHARS} characters")]
    CommentTooLong,
    #[error("description must not be empty")]
    EmptyDescription,
    #[error("description must be at most {MAX_DESCRIPTION_CHARS} characters")]
    DescriptionTooLong,
}

impl RequestError {
    /// Stable snake_case code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::UnknownChannel(_) => "unknown_channel",
            RequestError::BadRating => "bad_rating",
            RequestError::CommentTooLong => "comment_too_long",
            RequestError::EmptyDescription => "empty_description",
            RequestError::DescriptionTooLong => "description_too_long",
        }
    }

    /// The input field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            RequestError::UnknownChannel(_) => "channel",
            RequestError::BadRating => "rating",
            RequestError::CommentTooLong => "comment",
            RequestError::EmptyDescription | RequestError::DescriptionTooLong => "description",
        }
    }
}

/// A request's number, as the store assigned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub i64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The language of a text this module produces (names, status notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Zh,
    En,
}

/// How a request reached the community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The resident, on the phone-sized page.
    ResidentWeb,
    /// Staff, for a resident who called.
    StaffPhone,
    /// Staff, for a resident who walked in.
    StaffWalkIn,
    /// A grid worker who found it on patrol.
    Patrol,
    /// The JSON API.
    Api,
    /// Open311 GeoReport v2.
    Open311,
}

impl Channel {
    pub const ALL: [Channel; 6] = [
        Channel::ResidentWeb,
        Channel::StaffPhone,
        Channel::StaffWalkIn,
        Channel::Patrol,
        Channel::Api,
        Channel::Open311,
    ];

    /// Stable code for storage.
    pub fn code(self) -> &'static str {
        match self {
            Channel::ResidentWeb => "resident_web",
            Channel::StaffPhone => "staff_phone",
            Channel::StaffWalkIn => "staff_walk_in",
            Channel::Patrol => "patrol",
            Channel::Api => "api",
            Channel::Open311 => "open311",
        }
    }

    pub fn parse(s: &str) -> Result<Channel, RequestError> {
        Channel::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| RequestError::UnknownChannel(s.to_owned()))
    }

    /// Staff took the request for a resident, so staff also make the return visit
    /// (回访) instead of waiting for the resident to rate it online.
    pub fn needs_staff_return_visit(self) -> bool {
        matches!(self, Channel::StaffPhone | Channel::StaffWalkIn)
    }

    /// Entered by staff on the resident's behalf or on their own initiative.
    pub fn is_staff_intake(self) -> bool {
        matches!(
            self,
            Channel::StaffPhone | Channel::StaffWalkIn | Channel::Patrol
        )
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A resident's satisfaction with the result, 1 (very poor) to 5 (very good).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    /// Ratings at or below this are poor: they may reopen or flag the request.
    pub const POOR_AT_MOST: u8 = 2;

    pub fn new(score: u8) -> Result<Rating, RequestError> {
        if (1..=5).contains(&score) {
            Ok(Rating(score))
        } else {
            Err(RequestError::BadRating)
        }
    }

    /// Parses a form or API value: `"4"`, `" 4 "`.
    pub fn parse(s: &str) -> Result<Rating, RequestError> {
        s.trim()
            .parse::<u8>()
            .map_err(|_| RequestError::BadRating)
            .and_then(Rating::new)
    }

    pub fn value(self) -> u8 {
        self.0
    }

    pub fn is_poor(self) -> bool {
        self.0 <= Rating::POOR_AT_MOST
    }
}

impl TryFrom<u8> for Rating {
    type Error = RequestError;
    fn try_from(v: u8) -> Result<Rating, RequestError> {
        Rating::new(v)
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

/// A rating with an optional comment, as given on a return visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub rating: Rating,
    /// Trimmed; `None` when blank.
    pub comment: Option<String>,
}

impl Feedback {
    pub fn new(rating: Rating, comment: Option<&str>) -> Result<Feedback, RequestError> {
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if comment.is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS) {
            return Err(RequestError::CommentTooLong);
        }
        Ok(Feedback {
            rating,
            comment: comment.map(str::to_owned),
        })
    }
}

/// What the community does with a poor rating, as it configures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoorRatingPolicy {
    /// The request is reopened at once (see [`status::apply`], which allows it).
    Reopen,
    /// The request stays resolved and is flagged for a supervisor to look at.
    Flag,
}

/// What follows a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingOutcome {
    /// Satisfactory: the request may be closed.
    Close,
    Reopen,
    Flag,
}

/// The outcome of `rating` under `policy`.
pub fn after_rating(rating: Rating, policy: PoorRatingPolicy) -> RatingOutcome {
    match (rating.is_poor(), policy) {
        (false, _) => RatingOutcome::Close,
        (true, PoorRatingPolicy::Reopen) => RatingOutcome::Reopen,
        (true, PoorRatingPolicy::Flag) => RatingOutcome::Flag,
    }
}

/// A request's description: trimmed, 1–[`MAX_DESCRIPTION_CHARS`] characters.
pub fn validate_description(text: &str) -> Result<String, RequestError> {
    let text = text.trim();
    if text.is_empty() {
        Err(RequestError::EmptyDescription)
    } else if text.chars().count() > MAX_DESCRIPTION_CHARS {
        Err(RequestError::DescriptionTooLong)
    } else {
        Ok(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Ok(c));
            assert_eq!(c.to_string(), c.code());
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.code())
            );
        }
        assert_eq!(
            Channel::parse("fax"),
            Err(RequestError::UnknownChannel("fax".into()))
        );
        assert!(Channel::StaffPhone.needs_staff_return_visit());
        assert!(Channel::StaffWalkIn.needs_staff_return_visit());
        assert!(!Channel::ResidentWeb.needs_staff_return_visit());
        assert!(!Channel::Open311.needs_staff_return_visit());
        assert!(Channel::Patrol.is_staff_intake());
        assert!(!Channel::Api.is_staff_intake());
    }

    #[test]
    fn ratings_are_one_to_five() {
        assert!(Rating::new(0).is_err());
        assert!(Rating::new(6).is_err());
        assert_eq!(Rating::parse(" 4 ").map(Rating::value), Ok(4));
        assert_eq!(Rating::parse("4.5"), Err(RequestError::BadRating));
        assert_eq!(Rating::parse("-1"), Err(RequestError::BadRating));
        assert!(Rating::new(1).unwrap().is_poor());
        assert!(Rating::new(2).unwrap().is_poor());
        assert!(!Rating::new(3).unwrap().is_poor());
        assert_eq!(
            serde_json::to_string(&Rating::new(5).unwrap()).unwrap(),
            "5"
        );
        assert!(serde_json::from_str::<Rating>("9").is_err());
        assert_eq!(
            serde_json::from_str::<Rating>("3").unwrap(),
            Rating::new(3).unwrap()
        );
    }

    #[test]
    fn feedback_comment_is_trimmed_and_limited() {
        let r = Rating::new(2).unwrap();
        assert_eq!(Feedback::new(r, Some("   ")).unwrap().comment, None);
        assert_eq!(
            Feedback::new(r, Some(" 还是漏水 "))
                .unwrap()
                .comment
                .as_deref(),
            Some("还是漏水")
        );
        assert!(Feedback::new(r, Some(&"漏".repeat(MAX_COMMENT_CHARS))).is_ok());
        assert_eq!(
            Feedback::new(r, Some(&"漏".repeat(MAX_COMMENT_CHARS + 1))),
            Err(RequestError::CommentTooLong)
        );
        assert_eq!(RequestError::CommentTooLong.field(), "comment");
    }

    #[test]
    fn what_a_rating_leads_to() {
        use PoorRatingPolicy::{Flag, Reopen};
        for (score, policy, outcome) in [
            (3, Reopen, RatingOutcome::Close),
            (5, Flag, RatingOutcome::Close),
            (2, Reopen, RatingOutcome::Reopen),
            (1, Flag, RatingOutcome::Flag),
        ] {
            let rating = Rating::new(score).unwrap();
            assert_eq!(
                after_rating(rating, policy),
                outcome,
                "{score} under {policy:?}"
            );
        }
    }

    #[test]
    fn descriptions() {
        assert_eq!(
            validate_description("  楼道灯坏了 "),
            Ok("楼道灯坏了".into())
        );
        assert_eq!(
            validate_description(" \n "),
            Err(RequestError::EmptyDescription)
        );
        assert_eq!(
            validate_description(&"灯".repeat(MAX_DESCRIPTION_CHARS + 1)),
            Err(RequestError::DescriptionTooLong)
        );
        assert_eq!(RequestError::EmptyDescription.code(), "empty_description");
    }

    #[test]
    fn request_ids_display_as_numbers() {
        assert_eq!(RequestId(42).to_string(), "42");
        assert_eq!(serde_json::to_string(&RequestId(42)).unwrap(), "42");
    }
}
