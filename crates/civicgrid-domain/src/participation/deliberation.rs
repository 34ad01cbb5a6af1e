//! Deliberation (议事协商, 有事好商量): a resident or staff member raises a proposal in a
//! community or grid; residents there support it and discuss it; enough support within
//! the community's window puts it on the residents' council's agenda (居民议事会), and
//! staff may table it directly or send it to a vote. A council meeting records its
//! agenda, attendees, minutes and the outcome of each item.
//!
//! | proposal state | how it gets there                                   | what may happen next                      |
//! |----------------|-----------------------------------------------------|-------------------------------------------|
//! | `open`         | raised                                              | support, comment; author withdraws; staff table it or send it to a vote; support reaching the threshold before the deadline → `agenda` |
//! | `agenda`       | support reached the threshold, or staff tabled it   | placed on a meeting; sent to a vote       |
//! | `voting`       | staff sent it to a vote (a draft proposal vote)     | final: the vote decides                   |
//! | `adopted`      | a meeting's outcome for its item                    | final: a commitment tracks its delivery   |
//! | `rejected`     | a meeting's outcome for its item                    | final                                     |
//! | `withdrawn`    | its author withdrew it while open                   | final                                     |
//!
//! An open proposal whose support window has passed without reaching the threshold has
//! *lapsed* ([`lapsed`]): it takes no more support, but staff may still table it. A
//! meeting item's outcome `deferred` leaves the proposal on the agenda; `to_vote` leaves
//! it there too until staff send it to a vote.
//!
//! Comments are moderated: staff remove one with a reason ([`RemovalReason`]) that is
//! kept and shown in its place; the text is kept for the auditor.

use serde::{Deserialize, Serialize};

use super::votes::SpecError;
use crate::ledger::person::coded_enum;

coded_enum!(
    /// Where a proposal stands (see the module's table).
    ProposalState, "proposal state", {
    Open => "open", "征集支持", ["征集中"];
    Agenda => "agenda", "待上会", ["已列入议程"];
    Voting => "voting", "交付表决", ["表决中"];
    Adopted => "adopted", "已通过", ["通过"];
    Rejected => "rejected", "未通过", ["否决"];
    Withdrawn => "withdrawn", "已撤回", ["撤回"];
});

coded_enum!(
    /// Why a moderator removed a comment; the reason stays in the comment's place.
    RemovalReason, "removal reason", {
    OffTopic => "off_topic", "与议题无关", [];
    Abusive => "abusive", "人身攻击或辱骂", ["辱骂"];
    PersonalData => "personal_data", "泄露个人信息", ["隐私"];
    Advertising => "advertising", "广告", [];
    Other => "other", "其他", [];
});

coded_enum!(
    /// What a council meeting decided on an agenda item.
    ItemOutcome, "item outcome", {
    Adopted => "adopted", "通过", ["同意"];
    Rejected => "rejected", "不通过", ["否决"];
    Deferred => "deferred", "暂缓，下次再议", ["暂缓"];
    ToVote => "to_vote", "提交居民表决", ["表决"];
});

coded_enum!(
    /// A council meeting is planned, then held (its minutes recorded).
    MeetingState, "meeting state", {
    Planned => "planned", "待召开", [];
    Held => "held", "已召开", [];
});

impl ProposalState {
    /// Residents may still support and discuss it.
    pub fn is_open(self) -> bool {
        self == ProposalState::Open
    }

    /// Staff may table it, or send it to a vote, from here.
    pub fn may_advance(self) -> bool {
        matches!(self, ProposalState::Open | ProposalState::Agenda)
    }

    /// The proposal's course has ended.
    pub fn is_final(self) -> bool {
        !self.may_advance()
    }
}

impl ItemOutcome {
    /// The proposal's state after a meeting decided its item this way.
    pub fn proposal_state(self) -> ProposalState {
        match self {
            ItemOutcome::Adopted => ProposalState::Adopted,
            ItemOutcome::Rejected => ProposalState::Rejected,
            ItemOutcome::Deferred | ItemOutcome::ToVote => ProposalState::Agenda,
        }
    }
}

/// The most support a threshold may ask for, and the longest window.
pub const MAX_THRESHOLD: i64 = 10_000;
pub const MAX_WINDOW_DAYS: i64 = 365;
/// A community that has set nothing: 10 supporters within 30 days.
pub const DEFAULT_RULES: SupportRules = SupportRules {
    threshold: 10,
    window_days: 30,
};
const DAY_MS: i64 = 24 * 3600 * 1000;
/// The largest cost estimate, in fen (¥1,000,000,000.00).
pub const MAX_COST_FEN: i64 = 100_000_000_000;

/// How much support within how many days puts a proposal on the council's agenda.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportRules {
    pub threshold: i64,
    pub window_days: i64,
}

impl SupportRules {
    pub fn check(self) -> Result<SupportRules, SpecError> {
        if !(1..=MAX_THRESHOLD).contains(&self.threshold) {
            return Err(bad("threshold", "the support needed is 1–10,000 residents"));
        }
        if !(1..=MAX_WINDOW_DAYS).contains(&self.window_days) {
            return Err(bad("window_days", "the window is 1–365 days"));
        }
        Ok(self)
    }

    /// When support closes for a proposal raised at `raised_at`.
    pub fn deadline(self, raised_at: i64) -> i64 {
        raised_at.saturating_add(self.window_days.saturating_mul(DAY_MS))
    }

    /// `supporters` within the window put it on the agenda.
    pub fn reached(self, supporters: i64) -> bool {
        supporters >= self.threshold
    }
}

/// An open proposal whose support window has passed.
pub fn lapsed(state: ProposalState, deadline: i64, now: i64) -> bool {
    state == ProposalState::Open && now > deadline
}

fn bad(field: &'static str, message: &'static str) -> SpecError {
    SpecError { field, message }
}

/// A proposal as its author wrote it (checked by [`ProposalText::check`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalText {
    pub title: String,
    /// What should be done.
    pub description: String,
    /// Why: the problem it solves, who benefits.
    pub reason: String,
    /// A rough cost, in fen, if the author has one.
    pub cost_fen: Option<i64>,
}

fn trimmed_len(s: &mut String) -> usize {
    *s = s.trim().to_owned();
    s.chars().count()
}

impl ProposalText {
    pub fn check(mut self) -> Result<ProposalText, SpecError> {
        let n = trimmed_len(&mut self.title);
        if !(2..=80).contains(&n) {
            return Err(bad("title", "give a title of 2–80 characters"));
        }
        let n = trimmed_len(&mut self.description);
        if n == 0 {
            return Err(bad("description", "say what should be done"));
        }
        if n > 4000 {
            return Err(bad(
                "description",
                "the description is longer than 4,000 characters",
            ));
        }
        let n = trimmed_len(&mut self.reason);
        if n == 0 {
            return Err(bad("reason", "say why it is needed"));
        }
        if n > 2000 {
            return Err(bad("reason", "the reason is longer than 2,000 characters"));
        }
        if let Some(c) = self.cost_fen
            && !(0..=MAX_COST_FEN).contains(&c)
        {
            return Err(bad("cost", "the cost estimate is 0 to ¥1,000,000,000"));
        }
        Ok(self)
    }
}

/// Reads an amount of yuan as typed ("1200", "1,200.5", "¥80") into fen; blank is
/// none. More than two decimals, a sign or anything else is an error.
pub fn parse_yuan(raw: &str) -> Result<Option<i64>, SpecError> {
    let err = || bad("cost", "write the cost in yuan, e.g. 12000 or 350.50");
    let s: String = raw
        .trim()
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    if s.is_empty() {
        return Ok(None);
    }
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || whole.len() > 12
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(err());
    }
    let yuan: i64 = whole.parse().map_err(|_| err())?;
    let mut fen: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| err())?
    };
    if frac.len() == 1 {
        fen *= 10;
    }
    let total = yuan
        .checked_mul(100)
        .and_then(|y| y.checked_add(fen))
        .ok_or_else(err)?;
    if total > MAX_COST_FEN {
        return Err(bad("cost", "the cost estimate is 0 to ¥1,000,000,000"));
    }
    Ok(Some(total))
}

/// Fen as people read yuan: 1234550 → "12,345.50".
pub fn format_yuan(fen: i64) -> String {
    let yuan = fen / 100;
    let digits = yuan.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{:02}", fen % 100)
}

/// A comment's text, trimmed: 1–1,000 characters.
pub fn check_comment(body: &str) -> Result<String, SpecError> {
    let body = body.trim();
    let n = body.chars().count();
    if n == 0 {
        return Err(bad("body", "write the comment"));
    }
    if n > 1000 {
        return Err(bad("body", "a comment is at most 1,000 characters"));
    }
    Ok(body.to_owned())
}

/// A moderator's note with the reason: needed for `other`, at most 200 characters.
pub fn check_removal(reason: RemovalReason, note: &str) -> Result<String, SpecError> {
    let note = note.trim();
    if reason == RemovalReason::Other && note.is_empty() {
        return Err(bad("note", "say why the comment is removed"));
    }
    if note.chars().count() > 200 {
        return Err(bad("note", "the note is at most 200 characters"));
    }
    Ok(note.to_owned())
}

/// A council meeting as staff plan it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingPlan {
    pub title: String,
    pub held_at: i64,
    pub place: String,
}

impl MeetingPlan {
    pub fn check(mut self) -> Result<MeetingPlan, SpecError> {
        let n = trimmed_len(&mut self.title);
        if !(2..=80).contains(&n) {
            return Err(bad("title", "give a title of 2–80 characters"));
        }
        let n = trimmed_len(&mut self.place);
        if n == 0 || n > 100 {
            return Err(bad(
                "place",
                "say where the council meets (1–100 characters)",
            ));
        }
        Ok(self)
    }
}

/// The attendees as typed, one per line (or separated by commas or 、): trimmed,
/// blank ones dropped, each at most 40 characters, at most 200 people.
pub fn parse_attendees(raw: &str) -> Result<Vec<String>, SpecError> {
    let names: Vec<String> = raw
        .split(['\n', ',', '，', '、', ';', '；'])
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return Err(bad("attendees", "list who attended, one per line"));
    }
    if names.len() > 200 {
        return Err(bad("attendees", "at most 200 attendees"));
    }
    if names.iter().any(|n| n.chars().count() > 40) {
        return Err(bad("attendees", "a name is at most 40 characters"));
    }
    Ok(names)
}

/// Minutes: 1–20,000 characters.
pub fn check_minutes(raw: &str) -> Result<String, SpecError> {
    let m = raw.trim();
    let n = m.chars().count();
    if n == 0 {
        return Err(bad("minutes", "write the minutes"));
    }
    if n > 20_000 {
        return Err(bad("minutes", "the minutes are at most 20,000 characters"));
    }
    Ok(m.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> ProposalText {
        ProposalText {
            title: " 增设电动车充电桩 ".into(),
            description: "在3栋北侧空地增设10个充电桩".into(),
            reason: "楼道充电有火灾隐患".into(),
            cost_fen: Some(3_000_000),
        }
    }

    #[test]
    fn a_proposal_is_trimmed_and_names_the_field_at_fault() {
        let t = text().check().unwrap();
        assert_eq!(t.title, "增设电动车充电桩");
        let e = ProposalText {
            title: "x".into(),
            ..text()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.field, "title");
        let e = ProposalText {
            reason: "  ".into(),
            ..text()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.field, "reason");
        let e = ProposalText {
            description: "".into(),
            ..text()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.field, "description");
        let e = ProposalText {
            cost_fen: Some(-1),
            ..text()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.field, "cost");
    }

    #[test]
    fn support_reaches_the_threshold_at_its_bound_within_the_window() {
        let r = SupportRules {
            threshold: 3,
            window_days: 2,
        }
        .check()
        .unwrap();
        assert!(!r.reached(2));
        assert!(r.reached(3));
        let deadline = r.deadline(1_000);
        assert_eq!(deadline, 1_000 + 2 * DAY_MS);
        assert!(!lapsed(ProposalState::Open, deadline, deadline));
        assert!(lapsed(ProposalState::Open, deadline, deadline + 1));
        assert!(!lapsed(ProposalState::Agenda, deadline, deadline + 1));
        assert_eq!(
            SupportRules {
                threshold: 0,
                window_days: 2
            }
            .check()
            .unwrap_err()
            .field,
            "threshold"
        );
        assert_eq!(
            SupportRules {
                threshold: 5,
                window_days: 366
            }
            .check()
            .unwrap_err()
            .field,
            "window_days"
        );
    }

    #[test]
    fn yuan_are_read_exactly_into_fen() {
        assert_eq!(parse_yuan("").unwrap(), None);
        assert_eq!(parse_yuan("12000").unwrap(), Some(1_200_000));
        assert_eq!(parse_yuan("¥1,200.5").unwrap(), Some(120_050));
        assert_eq!(parse_yuan("350.05元").unwrap(), Some(35_005));
        for bad in ["-5", "1.234", "abc", ".5", "1e3", "99999999999999"] {
            assert_eq!(parse_yuan(bad).unwrap_err().field, "cost", "{bad}");
        }
        assert_eq!(format_yuan(123_456_789), "1,234,567.89");
        assert_eq!(format_yuan(5), "0.05");
    }

    #[test]
    fn outcomes_move_the_proposal() {
        assert_eq!(
            ItemOutcome::Adopted.proposal_state(),
            ProposalState::Adopted
        );
        assert_eq!(
            ItemOutcome::Deferred.proposal_state(),
            ProposalState::Agenda
        );
        assert!(ProposalState::Agenda.may_advance());
        assert!(ProposalState::Voting.is_final());
    }

    #[test]
    fn comments_attendees_and_removals_are_checked() {
        assert_eq!(check_comment("  同意 ").unwrap(), "同意");
        assert_eq!(check_comment(" ").unwrap_err().field, "body");
        assert_eq!(check_comment(&"字".repeat(1001)).unwrap_err().field, "body");
        assert_eq!(
            check_removal(RemovalReason::Other, "").unwrap_err().field,
            "note"
        );
        assert_eq!(check_removal(RemovalReason::Abusive, "").unwrap(), "");
        assert_eq!(
            parse_attendees("王主任\n李阿姨、张师傅, \n").unwrap(),
            vec!["王主任", "李阿姨", "张师傅"]
        );
        assert_eq!(parse_attendees(" \n").unwrap_err().field, "attendees");
        assert_eq!(check_minutes("").unwrap_err().field, "minutes");
    }
}
