//! The state machine of a request.
//!
//! The usual path is submitted → accepted → assigned → in_progress → resolved →
//! closed; the table gives every action allowed from each status.
//!
//! | from        | actions                                                     |
//! |-------------|-------------------------------------------------------------|
//! | submitted   | accept, assign, reject, mark_duplicate, refer               |
//! | accepted    | assign, reject, mark_duplicate, refer, hold                 |
//! | assigned    | assign, start, reject, mark_duplicate, refer, hold          |
//! | in_progress | assign, resolve, mark_duplicate, refer, hold                |
//! | on_hold     | resume, reject, mark_duplicate, refer                       |
//! | reopened    | accept, assign, start, reject, mark_duplicate, refer, hold  |
//! | resolved    | close, reopen                                               |
//! | closed      | reopen                                                      |
//! | rejected, duplicate, referred | (none)                                    |
//!
//! Reject, refer, hold and reopen need a reason. Resume returns to the status the
//! request had when it was put on hold. Reopening is the resident's: the resident who
//! raised the request may reopen it within a window after resolution (7 days unless
//! configured), and anyone handling it may reopen it after a poor rating (≤ 2), at any
//! time. Referral hands a request to a body outside the platform (a court, the 12345
//! hotline, another jurisdiction); handing it to another responder organisation on the
//! platform is a reassignment (`assign`).
//!
//! Who may accept, assign or resolve is the application's decision (roles and scopes);
//! the only actor rule kept here is that the resident who raised a request may confirm
//! (close) or reopen it and nothing else.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::routing::{Party, RoutingError};
use super::{Language, Rating, RequestId, parse_public_number};
use crate::platform::audit::MAX_REASON_CHARS;

/// How long after resolution the resident may reopen a request by default.
pub const DEFAULT_REOPEN_WINDOW_MS: i64 = 7 * 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    Accepted,
    Assigned,
    InProgress,
    Resolved,
    Closed,
    Rejected,
    Duplicate,
    Referred,
    OnHold,
    Reopened,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Status::Submitted,
        Status::Accepted,
        Status::Assigned,
        Status::InProgress,
        Status::Resolved,
        Status::Closed,
        Status::Rejected,
        Status::Duplicate,
        Status::Referred,
        Status::OnHold,
        Status::Reopened,
    ];

    /// Statuses a request may be put on hold from (and so may resume to).
    pub const HOLDABLE: [Status; 4] = [
        Status::Accepted,
        Status::Assigned,
        Status::InProgress,
        Status::Reopened,
    ];

    /// Stable code for storage.
    pub fn code(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Accepted => "accepted",
            Status::Assigned => "assigned",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Rejected => "rejected",
            Status::Duplicate => "duplicate",
            Status::Referred => "referred",
            Status::OnHold => "on_hold",
            Status::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Result<Status, TransitionError> {
        Status::ALL
            .into_iter()
            .find(|st| st.code() == s)
            .ok_or_else(|| TransitionError::UnknownStatus(s.to_owned()))
    }

    pub fn label(self, lang: Language) -> &'static str {
        let (zh, en) = match self {
            Status::Submitted => ("已提交", "Submitted"),
            Status::Accepted => ("已受理", "Accepted"),
            Status::Assigned => ("已派单", "Assigned"),
            Status::InProgress => ("处理中", "In progress"),
            Status::Resolved => ("已办结", "Resolved"),
            Status::Closed => ("已关闭", "Closed"),
            Status::Rejected => ("不予受理", "Rejected"),
            Status::Duplicate => ("重复诉求", "Duplicate"),
            Status::Referred => ("已转办", "Referred"),
            Status::OnHold => ("暂缓处理", "On hold"),
            Status::Reopened => ("已重新打开", "Reopened"),
        };
        match lang {
            Language::Zh => zh,
            Language::En => en,
        }
    }

    /// Work remains: the request belongs in work queues and on the overdue board.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Status::Submitted
                | Status::Accepted
                | Status::Assigned
                | Status::InProgress
                | Status::OnHold
                | Status::Reopened
        )
    }

    /// The SLA clock runs: open and not on hold.
    pub fn sla_clock_runs(self) -> bool {
        self.is_open() && self != Status::OnHold
    }

    /// Nothing more is done by those handling it. Only a closed request can come back,
    /// and only through the resident's reopening.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Closed | Status::Rejected | Status::Duplicate | Status::Referred
        )
    }

    /// Whether the response target is still pending: nobody has acted on it yet.
    pub fn awaits_response(self) -> bool {
        self == Status::Submitted
    }

    /// The actions that may be taken from this status.
    pub fn actions(self) -> &'static [ActionKind] {
        use ActionKind::*;
        match self {
            Status::Submitted => &[Accept, Assign, Reject, MarkDuplicate, Refer],
            Status::Accepted => &[Assign, Reject, MarkDuplicate, Refer, Hold],
            Status::Assigned => &[Assign, Start, Reject, MarkDuplicate, Refer, Hold],
            Status::InProgress => &[Assign, Resolve, MarkDuplicate, Refer, Hold],
            Status::OnHold => &[Resume, Reject, MarkDuplicate, Refer],
            Status::Reopened => &[Accept, Assign, Start, Reject, MarkDuplicate, Refer, Hold],
            Status::Resolved => &[Close, Reopen],
            Status::Closed => &[Reopen],
            Status::Rejected | Status::Duplicate | Status::Referred => &[],
        }
    }

    /// `"open"` or `"closed"`, as Open311 GeoReport v2 reports a request. A resolved
    /// request is closed there even while it waits for the resident's confirmation.
    pub fn open311_status(self) -> &'static str {
        if self.is_open() { "open" } else { "closed" }
    }

    /// The `status_notes` of Open311 and the line on the resident's timeline:
    /// a sentence for the status, followed by `detail` (a reason, the original of a
    /// duplicate) when given.
    pub fn status_notes(self, lang: Language, detail: Option<&str>) -> String {
        let (zh, en) = match self {
            Status::Submitted => ("已收到，等待受理", "Received, waiting to be accepted"),
            Status::Accepted => ("社区已受理", "Accepted by the community"),
            Status::Assigned => ("已派给责任单位", "Assigned to the responsible party"),
            Status::InProgress => ("正在处理", "Work in progress"),
            Status::Resolved => (
                "已办结，等待居民确认",
                "Resolved, waiting for the resident's confirmation",
            ),
            Status::Closed => ("已关闭", "Closed"),
            Status::Rejected => ("不予受理", "Rejected"),
            Status::Duplicate => ("与已有诉求重复", "Duplicate of an earlier request"),
            Status::Referred => ("已转交其他部门办理", "Referred to another body"),
            Status::OnHold => ("暂缓处理", "On hold"),
            Status::Reopened => ("已重新打开", "Reopened"),
        };
        let detail = detail.map(str::trim).filter(|d| !d.is_empty());
        match (lang, detail) {
            (Language::Zh, None) => format!("{zh}。"),
            (Language::Zh, Some(d)) => format!("{zh}：{d}"),
            (Language::En, None) => format!("{en}."),
            (Language::En, Some(d)) => format!("{en}: {d}"),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What someone does to a request, with what the action needs: the party of an
/// assignment, the reason of a rejection, the original of a duplicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Accept,
    /// Assign, or reassign, to a responsible party (and a person within it); handing
    /// it to another party once assigned needs a reason (the application's rule: it
    /// knows the party of record).
    Assign {
        party: Party,
        user_id: Option<i64>,
        reason: Option<String>,
    },
    Start,
    /// The work is done; `note` says what was done.
    Resolve {
        note: Option<String>,
    },
    Close,
    Reject {
        reason: String,
    },
    MarkDuplicate {
        original: RequestId,
    },
    Refer {
        reason: String,
    },
    Hold {
        reason: String,
    },
    Resume,
    Reopen {
        reason: String,
    },
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Accept => ActionKind::Accept,
            Action::Assign { .. } => ActionKind::Assign,
            Action::Start => ActionKind::Start,
            Action::Resolve { .. } => ActionKind::Resolve,
            Action::Close => ActionKind::Close,
            Action::Reject { .. } => ActionKind::Reject,
            Action::MarkDuplicate { .. } => ActionKind::MarkDuplicate,
            Action::Refer { .. } => ActionKind::Refer,
            Action::Hold { .. } => ActionKind::Hold,
            Action::Resume => ActionKind::Resume,
            Action::Reopen { .. } => ActionKind::Reopen,
        }
    }

    /// The reason as it should be stored (trimmed), for the actions that must carry
    /// one ([`ActionKind::needs_reason`]).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Action::Reject { reason }
            | Action::Refer { reason }
            | Action::Hold { reason }
            | Action::Reopen { reason } => Some(reason.trim()),
            _ => None,
        }
    }

    /// The action of `kind` with what came with it from a form or a JSON body: the
    /// one place that says which inputs each action needs and how they are read, for
    /// the page and the API alike.
    ///
    /// | action | needs |
    /// |---|---|
    /// | assign | `party` (`org:<id>` or `role:<role>`); `user_id` and `reason` optional |
    /// | resolve | `reason` (the note of what was done) |
    /// | reject, refer, hold, reopen | `reason` |
    /// | mark_duplicate | `original` (an id or a number, `R-2026-000123`) |
    /// | accept, start, close, resume | nothing |
    ///
    /// Inputs an action does not need are not read.
    pub fn from_input(
        kind: ActionKind,
        input: ActionInput<'_>,
    ) -> Result<Action, ActionInputError> {
        let reason = input
            .reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let needed = || reason.clone().ok_or(ActionInputError::NoReason);
        Ok(match kind {
            ActionKind::Accept => Action::Accept,
            ActionKind::Assign => Action::Assign {
                party: Party::decode(input.party.ok_or(ActionInputError::NoParty)?.trim())
                    .map_err(ActionInputError::BadParty)?,
                user_id: input.user_id,
                reason: input.reason.map(str::to_owned),
            },
            ActionKind::Start => Action::Start,
            ActionKind::Resolve => Action::Resolve {
                note: Some(needed()?),
            },
            ActionKind::Close => Action::Close,
            ActionKind::Reject => Action::Reject { reason: needed()? },
            ActionKind::Refer => Action::Refer { reason: needed()? },
            ActionKind::Hold => Action::Hold { reason: needed()? },
            ActionKind::Resume => Action::Resume,
            ActionKind::Reopen => Action::Reopen { reason: needed()? },
            ActionKind::MarkDuplicate => Action::MarkDuplicate {
                original: input
                    .original
                    .and_then(parse_public_number)
                    .ok_or(ActionInputError::NoOriginal)?,
            },
        })
    }
}

/// What may come with an action, as typed or sent (absent fields `None`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActionInput<'a> {
    pub reason: Option<&'a str>,
    pub party: Option<&'a str>,
    pub user_id: Option<i64>,
    pub original: Option<&'a str>,
}

/// An input an action needs that is missing or unreadable; [`ActionInputError::field`]
/// names it.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ActionInputError {
    #[error("say why")]
    NoReason,
    #[error("say who takes it")]
    NoParty,
    #[error(transparent)]
    BadParty(RoutingError),
    #[error("give the original's id or number")]
    NoOriginal,
}

impl ActionInputError {
    pub fn field(&self) -> &'static str {
        match self {
            ActionInputError::NoReason => "reason",
            ActionInputError::NoParty | ActionInputError::BadParty(_) => "party",
            ActionInputError::NoOriginal => "original",
        }
    }
}

/// An action without its details: for buttons, audit verbs and the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Accept,
    Assign,
    Start,
    Resolve,
    Close,
    Reject,
    MarkDuplicate,
    Refer,
    Hold,
    Resume,
    Reopen,
}

impl ActionKind {
    pub const ALL: [ActionKind; 11] = [
        ActionKind::Accept,
        ActionKind::Assign,
        ActionKind::Start,
        ActionKind::Resolve,
        ActionKind::Close,
        ActionKind::Reject,
        ActionKind::MarkDuplicate,
        ActionKind::Refer,
        ActionKind::Hold,
        ActionKind::Resume,
        ActionKind::Reopen,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ActionKind::Accept => "accept",
            ActionKind::Assign => "assign",
            ActionKind::Start => "start",
            ActionKind::Resolve => "resolve",
            ActionKind::Close => "close",
            ActionKind::Reject => "reject",
            ActionKind::MarkDuplicate => "mark_duplicate",
            ActionKind::Refer => "refer",
            ActionKind::Hold => "hold",
            ActionKind::Resume => "resume",
            ActionKind::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Result<ActionKind, TransitionError> {
        ActionKind::ALL
            .into_iter()
            .find(|a| a.code() == s)
            .ok_or_else(|| TransitionError::UnknownAction(s.to_owned()))
    }

    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            ActionKind::Reject | ActionKind::Refer | ActionKind::Hold | ActionKind::Reopen
        )
    }

    /// The status this action leads to; `None` for resume, which returns to the
    /// status held before.
    pub fn target(self) -> Option<Status> {
        Some(match self {
            ActionKind::Accept => Status::Accepted,
            ActionKind::Assign => Status::Assigned,
            ActionKind::Start => Status::InProgress,
            ActionKind::Resolve => Status::Resolved,
            ActionKind::Close => Status::Closed,
            ActionKind::Reject => Status::Rejected,
            ActionKind::MarkDuplicate => Status::Duplicate,
            ActionKind::Refer => Status::Referred,
            ActionKind::Hold => Status::OnHold,
            ActionKind::Resume => return None,
            ActionKind::Reopen => Status::Reopened,
        })
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Who acts, as far as the state machine cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKind {
    /// The resident who raised the request.
    Requester,
    /// Anyone handling it: grid worker, community staff, responder, admin.
    Staff,
    /// A periodic job (auto-close, escalation).
    System,
}

/// What the state machine needs to know besides the status and the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionContext {
    pub request_id: RequestId,
    pub actor: ActorKind,
    /// Milliseconds since the Unix epoch, UTC.
    pub now_ms: i64,
    /// When the request was (last) resolved.
    pub resolved_at_ms: Option<i64>,
    /// The resident's rating of the last resolution, if any.
    pub rating: Option<Rating>,
    /// The status before the request was put on hold (needed to resume).
    pub held_from: Option<Status>,
    /// How long after resolution the resident may reopen.
    pub reopen_window_ms: i64,
}

impl TransitionContext {
    /// A context with nothing known beyond who acts and when, and the default window.
    pub fn new(request_id: RequestId, actor: ActorKind, now_ms: i64) -> TransitionContext {
        TransitionContext {
            request_id,
            actor,
            now_ms,
            resolved_at_ms: None,
            rating: None,
            held_from: None,
            reopen_window_ms: DEFAULT_REOPEN_WINDOW_MS,
        }
    }
}

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum TransitionError {
    #[error("unknown status '{0}'")]
    UnknownStatus(String),
    #[error("unknown action '{0}'")]
    UnknownAction(String),
    #[error("the action '{action}' is not allowed on a request that is {from}")]
    NotAllowed { from: Status, action: ActionKind },
    #[error("{0} needs a reason")]
    ReasonRequired(ActionKind),
    #[error("a reason must be at most {MAX_REASON_CHARS} characters")]
    ReasonTooLong,
    #[error("a request cannot be a duplicate of itself")]
    DuplicateOfItself,
    #[error("that request is itself a duplicate; link to its original instead")]
    DuplicateOfDuplicate,
    #[error("the resident who raised a request may only confirm or reopen it")]
    NotForRequester,
    #[error("only the resident who raised the request may reopen it, unless it was rated poorly")]
    ReopenOnlyByRequester,
    #[error("the time to reopen this request has passed")]
    ReopenWindowClosed,
    #[error("the status before the hold is not known, so the request cannot resume")]
    UnknownHeldFrom,
}

impl TransitionError {
    /// Stable snake_case code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::UnknownStatus(_) => "unknown_status",
            TransitionError::UnknownAction(_) => "unknown_action",
            TransitionError::NotAllowed { .. } => "transition_not_allowed",
            TransitionError::ReasonRequired(_) => "reason_required",
            TransitionError::ReasonTooLong => "reason_too_long",
            TransitionError::DuplicateOfItself => "duplicate_of_itself",
            TransitionError::DuplicateOfDuplicate => "duplicate_of_duplicate",
            TransitionError::NotForRequester => "not_for_requester",
            TransitionError::ReopenOnlyByRequester => "reopen_only_by_requester",
            TransitionError::ReopenWindowClosed => "reopen_window_closed",
            TransitionError::UnknownHeldFrom => "unknown_held_from",
        }
    }
}

/// The status `action` leads to from `current`, or why it may not be taken.
pub fn apply(
    current: Status,
    action: &Action,
    ctx: &TransitionContext,
) -> Result<Status, TransitionError> {
    let kind = action.kind();
    if ctx.actor == ActorKind::Requester && !matches!(kind, ActionKind::Close | ActionKind::Reopen)
    {
        return Err(TransitionError::NotForRequester);
    }
    if !current.actions().contains(&kind) {
        return Err(TransitionError::NotAllowed {
            from: current,
            action: kind,
        });
    }
    if let Some(reason) = action.reason() {
        if reason.is_empty() {
            return Err(TransitionError::ReasonRequired(kind));
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(TransitionError::ReasonTooLong);
        }
    }
    match action {
        Action::MarkDuplicate { original } if *original == ctx.request_id => {
            Err(TransitionError::DuplicateOfItself)
        }
        Action::Resume => match ctx.held_from {
            Some(s) if Status::HOLDABLE.contains(&s) => Ok(s),
            _ => Err(TransitionError::UnknownHeldFrom),
        },
        Action::Reopen { .. } => {
            check_reopen(ctx)?;
            Ok(Status::Reopened)
        }
        _ => kind.target().ok_or(TransitionError::UnknownHeldFrom),
    }
}

fn check_reopen(ctx: &TransitionContext) -> Result<(), TransitionError> {
    if ctx.rating.is_some_and(Rating::is_poor) {
        return Ok(());
    }
    if ctx.actor != ActorKind::Requester {
        return Err(TransitionError::ReopenOnlyByRequester);
    }
    match ctx.resolved_at_ms {
        Some(at) if ctx.now_ms.saturating_sub(at) <= ctx.reopen_window_ms => Ok(()),
        _ => Err(TransitionError::ReopenWindowClosed),
    }
}

/// A request may be marked a duplicate of one in `original` status unless that one is
/// itself a duplicate (chains of duplicates are not kept: link to the original).
pub fn check_duplicate_target(original: Status) -> Result<(), TransitionError> {
    if original == Status::Duplicate {
        Err(TransitionError::DuplicateOfDuplicate)
    } else {
        Ok(())
    }
}

/// A resolved request nobody confirmed or reopened may be closed by the system once
/// the reopen window has passed.
pub fn may_auto_close(status: Status, resolved_at_ms: i64, now_ms: i64, window_ms: i64) -> bool {
    status == Status::Resolved && now_ms.saturating_sub(resolved_at_ms) > window_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 60 * 60 * 1000;

    fn staff() -> TransitionContext {
        TransitionContext::new(RequestId(7), ActorKind::Staff, 100 * DAY)
    }

    fn requester() -> TransitionContext {
        TransitionContext::new(RequestId(7), ActorKind::Requester, 100 * DAY)
    }

    fn assign() -> Action {
        Action::Assign {
            party: Party::Org(4),
            user_id: None,
            reason: None,
        }
    }

    fn resolve() -> Action {
        Action::Resolve { note: None }
    }

    fn reason(kind: ActionKind, text: &str) -> Action {
        let reason = text.to_owned();
        match kind {
            ActionKind::Reject => Action::Reject { reason },
            ActionKind::Refer => Action::Refer { reason },
            ActionKind::Hold => Action::Hold { reason },
            ActionKind::Reopen => Action::Reopen { reason },
            _ => unreachable!("test helper for reasoned actions"),
        }
    }

    /// A valid action of each kind (reasons given, a different original).
    fn sample(kind: ActionKind) -> Action {
        match kind {
            ActionKind::Accept => Action::Accept,
            ActionKind::Assign => assign(),
            ActionKind::Start => Action::Start,
            ActionKind::Resolve => resolve(),
            ActionKind::Close => Action::Close,
            ActionKind::MarkDuplicate => Action::MarkDuplicate {
                original: RequestId(3),
            },
            ActionKind::Resume => Action::Resume,
            k => reason(k, "原因"),
        }
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.code())
            );
            assert!(!s.label(Language::Zh).is_empty());
            assert!(!s.label(Language::En).is_empty());
        }
        for a in ActionKind::ALL {
            assert_eq!(ActionKind::parse(a.code()), Ok(a));
            assert_eq!(sample(a).kind(), a);
        }
        assert_eq!(
            Status::parse("done"),
            Err(TransitionError::UnknownStatus("done".into()))
        );
        assert!(ActionKind::parse("escalate").is_err());
    }

    #[test]
    fn the_happy_path() {
        let ctx = staff();
        let mut s = Status::Submitted;
        for a in [
            Action::Accept,
            assign(),
            Action::Start,
            resolve(),
            Action::Close,
        ] {
            s = apply(s, &a, &ctx).unwrap();
        }
        assert_eq!(s, Status::Closed);
    }

    #[test]
    fn every_listed_action_is_allowed_and_nothing_else() {
        let ctx = TransitionContext {
            held_from: Some(Status::Assigned),
            rating: Some(Rating::new(1).unwrap()),
            ..staff()
        };
        for from in Status::ALL {
            for kind in ActionKind::ALL {
                let got = apply(from, &sample(kind), &ctx);
                if from.actions().contains(&kind) {
                    let to = got.unwrap_or_else(|e| panic!("{from} {kind}: {e}"));
                    assert_eq!(to, kind.target().unwrap_or(Status::Assigned));
                } else {
                    assert_eq!(
                        got,
                        Err(TransitionError::NotAllowed { from, action: kind }),
                        "{from} {kind}"
                    );
                }
            }
        }
    }

    #[test]
    fn direct_assignment_and_reassignment() {
        let ctx = staff();
        assert_eq!(
            apply(Status::Submitted, &assign(), &ctx),
            Ok(Status::Assigned)
        );
        assert_eq!(
            apply(Status::Assigned, &assign(), &ctx),
            Ok(Status::Assigned)
        );
        assert_eq!(
            apply(Status::InProgress, &assign(), &ctx),
            Ok(Status::Assigned)
        );
        let err = apply(Status::Submitted, &resolve(), &ctx).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the action 'resolve' is not allowed on a request that is submitted"
        );
        assert_eq!(err.code(), "transition_not_allowed");
    }

    #[test]
    fn terminal_statuses_allow_nothing_but_reopening_a_closed_one() {
        for s in [Status::Rejected, Status::Duplicate, Status::Referred] {
            assert!(s.is_terminal());
            assert!(s.actions().is_empty());
        }
        assert!(Status::Closed.is_terminal());
        assert_eq!(Status::Closed.actions(), &[ActionKind::Reopen]);
        assert!(!Status::Resolved.is_terminal());
    }

    #[test]
    fn reasons_are_required_and_limited() {
        let ctx = staff();
        for kind in [ActionKind::Reject, ActionKind::Refer, ActionKind::Hold] {
            assert!(kind.needs_reason());
            let from = if kind == ActionKind::Hold {
                Status::Accepted
            } else {
                Status::Submitted
            };
            assert_eq!(
                apply(from, &reason(kind, "  \n"), &ctx),
                Err(TransitionError::ReasonRequired(kind))
            );
            assert_eq!(
                apply(
                    from,
                    &reason(kind, &"因".repeat(MAX_REASON_CHARS + 1)),
                    &ctx
                ),
                Err(TransitionError::ReasonTooLong)
            );
            assert!(apply(from, &reason(kind, &"因".repeat(MAX_REASON_CHARS)), &ctx).is_ok());
        }
        assert!(!ActionKind::Accept.needs_reason());
        assert_eq!(
            reason(ActionKind::Reject, "  不在本社区 ").reason(),
            Some("不在本社区")
        );
        assert_eq!(Action::Accept.reason(), None);
        assert_eq!(
            TransitionError::ReasonRequired(ActionKind::Hold).to_string(),
            "hold needs a reason"
        );
    }

    #[test]
    fn duplicates_link_elsewhere() {
        let ctx = staff();
        assert_eq!(
            apply(
                Status::Submitted,
                &Action::MarkDuplicate {
                    original: RequestId(7)
                },
                &ctx
            ),
            Err(TransitionError::DuplicateOfItself)
        );
        assert_eq!(
            apply(
                Status::InProgress,
                &Action::MarkDuplicate {
                    original: RequestId(3)
                },
                &ctx
            ),
            Ok(Status::Duplicate)
        );
        assert_eq!(
            check_duplicate_target(Status::Duplicate),
            Err(TransitionError::DuplicateOfDuplicate)
        );
        assert!(check_duplicate_target(Status::Closed).is_ok());
        assert!(check_duplicate_target(Status::InProgress).is_ok());
    }

    #[test]
    fn hold_and_resume_return_where_they_were() {
        let ctx = staff();
        for from in Status::HOLDABLE {
            let held = apply(from, &reason(ActionKind::Hold, "等待配件"), &ctx).unwrap();
            assert_eq!(held, Status::OnHold);
            let back = TransitionContext {
                held_from: Some(from),
                ..staff()
            };
            assert_eq!(apply(held, &Action::Resume, &back), Ok(from));
        }
        assert_eq!(
            apply(Status::OnHold, &Action::Resume, &ctx),
            Err(TransitionError::UnknownHeldFrom)
        );
        let bogus = TransitionContext {
            held_from: Some(Status::Closed),
            ..staff()
        };
        assert_eq!(
            apply(Status::OnHold, &Action::Resume, &bogus),
            Err(TransitionError::UnknownHeldFrom)
        );
        assert!(Status::OnHold.is_open());
        assert!(!Status::OnHold.sla_clock_runs());
    }

    #[test]
    fn the_resident_reopens_within_the_window() {
        let resolved_at = 100 * DAY;
        let reopen = reason(ActionKind::Reopen, "还在漏水");
        let within = TransitionContext {
            resolved_at_ms: Some(resolved_at),
            now_ms: resolved_at + DEFAULT_REOPEN_WINDOW_MS,
            ..requester()
        };
        assert_eq!(
            apply(Status::Resolved, &reopen, &within),
            Ok(Status::Reopened)
        );
        assert_eq!(
            apply(Status::Closed, &reopen, &within),
            Ok(Status::Reopened)
        );

        let late = TransitionContext {
            now_ms: resolved_at + DEFAULT_REOPEN_WINDOW_MS + 1,
            ..within.clone()
        };
        assert_eq!(
            apply(Status::Closed, &reopen, &late),
            Err(TransitionError::ReopenWindowClosed)
        );
        let unknown = TransitionContext {
            resolved_at_ms: None,
            ..within.clone()
        };
        assert_eq!(
            apply(Status::Resolved, &reopen, &unknown),
            Err(TransitionError::ReopenWindowClosed)
        );
        let short = TransitionContext {
            reopen_window_ms: DAY,
            now_ms: resolved_at + 2 * DAY,
            ..within.clone()
        };
        assert_eq!(
            apply(Status::Resolved, &reopen, &short),
            Err(TransitionError::ReopenWindowClosed)
        );
        // Staff cannot reopen on the resident's behalf without a poor rating.
        let by_staff = TransitionContext {
            actor: ActorKind::Staff,
            ..within.clone()
        };
        assert_eq!(
            apply(Status::Resolved, &reopen, &by_staff),
            Err(TransitionError::ReopenOnlyByRequester)
        );
        assert_eq!(
            apply(Status::Resolved, &reason(ActionKind::Reopen, " "), &within),
            Err(TransitionError::ReasonRequired(ActionKind::Reopen))
        );
    }

    #[test]
    fn a_poor_rating_reopens_at_any_time_by_anyone_handling_it() {
        let reopen = reason(ActionKind::Reopen, "回访不满意");
        for actor in [ActorKind::Requester, ActorKind::Staff, ActorKind::System] {
            let ctx = TransitionContext {
                actor,
                resolved_at_ms: Some(0),
                rating: Some(Rating::new(2).unwrap()),
                ..staff()
            };
            assert_eq!(apply(Status::Closed, &reopen, &ctx), Ok(Status::Reopened));
        }
        let fair = TransitionContext {
            resolved_at_ms: Some(0),
            rating: Some(Rating::new(3).unwrap()),
            ..staff()
        };
        assert_eq!(
            apply(Status::Closed, &reopen, &fair),
            Err(TransitionError::ReopenOnlyByRequester)
        );
    }

    #[test]
    fn the_requester_may_only_confirm_or_reopen() {
        let ctx = requester();
        assert_eq!(
            apply(Status::Resolved, &Action::Close, &ctx),
            Ok(Status::Closed)
        );
        for a in [Action::Accept, resolve(), assign()] {
            assert_eq!(
                apply(Status::Submitted, &a, &ctx),
                Err(TransitionError::NotForRequester)
            );
        }
    }

    #[test]
    fn open_terminal_and_open311() {
        let open: Vec<Status> = Status::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(
            open,
            vec![
                Status::Submitted,
                Status::Accepted,
                Status::Assigned,
                Status::InProgress,
                Status::OnHold,
                Status::Reopened
            ]
        );
        for s in Status::ALL {
            assert!(!(s.is_open() && s.is_terminal()), "{s}");
            assert_eq!(s.open311_status() == "open", s.is_open());
        }
        assert_eq!(Status::Resolved.open311_status(), "closed");
        assert!(Status::Submitted.awaits_response());
        assert!(!Status::Accepted.awaits_response());
    }

    #[test]
    fn status_notes() {
        assert_eq!(
            Status::Rejected.status_notes(Language::En, Some(" not in this community ")),
            "Rejected: not in this community"
        );
        assert_eq!(
            Status::Rejected.status_notes(Language::Zh, Some("不属于本社区")),
            "不予受理：不属于本社区"
        );
        assert_eq!(
            Status::InProgress.status_notes(Language::En, Some("  ")),
            "Work in progress."
        );
        assert_eq!(Status::Closed.status_notes(Language::Zh, None), "已关闭。");
    }

    #[test]
    fn auto_close_after_the_window() {
        let w = DEFAULT_REOPEN_WINDOW_MS;
        assert!(!may_auto_close(Status::Resolved, 0, w, w));
        assert!(may_auto_close(Status::Resolved, 0, w + 1, w));
        assert!(!may_auto_close(Status::Reopened, 0, w + 1, w));
    }

    #[test]
    fn actions_serialize_with_their_details() {
        let a = Action::MarkDuplicate {
            original: RequestId(3),
        };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, r#"{"action":"mark_duplicate","original":3}"#);
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), a);
        assert_eq!(
            serde_json::from_str::<Action>(r#"{"action":"accept"}"#).unwrap(),
            Action::Accept
        );
    }

    #[test]
    fn each_action_reads_what_it_needs_from_the_input() {
        let given = ActionInput {
            reason: Some("  no parking space  "),
            party: Some(" org:4 "),
            user_id: Some(9),
            original: Some("R-2026-000003"),
        };
        for kind in ActionKind::ALL {
            let a = Action::from_input(kind, given).unwrap();
            assert_eq!(a.kind(), kind);
        }
        assert_eq!(
            Action::from_input(ActionKind::Reject, given),
            Ok(Action::Reject {
                reason: "no parking space".into()
            })
        );
        assert_eq!(
            Action::from_input(ActionKind::MarkDuplicate, given),
            Ok(Action::MarkDuplicate {
                original: RequestId(3)
            })
        );
        assert!(matches!(
            Action::from_input(ActionKind::Assign, given),
            Ok(Action::Assign {
                party: Party::Org(4),
                user_id: Some(9),
                ..
            })
        ));
        // What an action does not need is not read, however it looks.
        let junk = ActionInput {
            reason: Some(" "),
            party: Some("nobody"),
            user_id: None,
            original: Some("yesterday's"),
        };
        assert_eq!(
            Action::from_input(ActionKind::Accept, junk),
            Ok(Action::Accept)
        );
        let field = |kind, input| Action::from_input(kind, input).map_err(|e| e.field());
        for kind in ActionKind::ALL.into_iter().filter(|k| k.needs_reason()) {
            let e = Action::from_input(kind, junk).unwrap_err();
            assert_eq!((e.field(), e.to_string().as_str()), ("reason", "say why"));
        }
        assert_eq!(field(ActionKind::Resolve, junk), Err("reason"));
        assert_eq!(field(ActionKind::Assign, junk), Err("party"));
        assert_eq!(
            field(ActionKind::Assign, ActionInput::default()),
            Err("party")
        );
        assert_eq!(field(ActionKind::MarkDuplicate, junk), Err("original"));
        assert_eq!(
            field(ActionKind::MarkDuplicate, ActionInput::default()),
            Err("original")
        );
    }
}
