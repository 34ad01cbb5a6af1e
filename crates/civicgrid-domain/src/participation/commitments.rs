//! Commitments (落实事项): what a decision promised, followed until it is delivered.
//! A commitment comes from a source — today a vote that closed and passed — and has an
//! owner who delivers it (a responder organisation such as the property company, or the
//! community's own staff), milestones with due dates, progress updates with photos,
//! linked resident requests and the money spent. Its page is public: residents see
//! that what they decided happens.
//!
//! | from        | to                                  |
//! |-------------|-------------------------------------|
//! | planned     | in_progress, delivered, dropped     |
//! | in_progress | delivered, dropped                  |
//! | delivered   | in_progress (reopened)              |
//! | dropped     | (none)                              |
//!
//! A progress update or a milestone ticked done moves a planned commitment to
//! in_progress by itself ([`State::after_work`]). Delivering needs every milestone
//! done; dropping needs a reason. A milestone is overdue when it is not done and its
//! due date is before today ([`overdue`]).
//!
//! Which votes may be a source (closed and passed), who owns a commitment and who may
//! report on it (staff managing participation, and the owning organisation's members)
//! are the application's decisions; this module holds the pure rules.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::ledger::person::coded_enum;

coded_enum!(
    /// Where a commitment stands.
    State, "commitment state", {
    Planned => "planned", "计划中", ["计划"];
    InProgress => "in_progress", "落实中", ["进行中"];
    Delivered => "delivered", "已落实", ["已完成"];
    Dropped => "dropped", "已终止", ["终止"];
});

impl State {
    /// The states `self` may move to by hand (the table in the module doc).
    pub fn next(self) -> &'static [State] {
        match self {
            State::Planned => &[State::InProgress, State::Delivered, State::Dropped],
            State::InProgress => &[State::Delivered, State::Dropped],
            State::Delivered => &[State::InProgress],
            State::Dropped => &[],
        }
    }

    /// The state after work is reported (an update, a milestone done).
    pub fn after_work(self) -> State {
        match self {
            State::Planned => State::InProgress,
            other => other,
        }
    }

    /// Whether progress may still be reported.
    pub fn is_live(self) -> bool {
        matches!(self, State::Planned | State::InProgress)
    }
}

/// Bad input, naming the field at fault.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: &'static str,
}

fn bad(field: &'static str, message: &'static str) -> Invalid {
    Invalid { field, message }
}

/// Trims `raw` and checks it holds `1..=max` characters.
fn text(field: &'static str, raw: &str, max: usize, msg: &'static str) -> Result<String, Invalid> {
    let t = raw.trim();
    let n = t.chars().count();
    if n == 0 || n > max {
        return Err(bad(field, msg));
    }
    Ok(t.to_owned())
}

/// A move from `from` to `to`, by hand; `open_milestones` are those not done yet.
pub fn check_move(
    from: State,
    to: State,
    open_milestones: usize,
    reason: Option<&str>,
) -> Result<(), Invalid> {
    if !from.next().contains(&to) {
        return Err(bad("state", "a commitment in this state cannot move there"));
    }
    if to == State::Delivered && open_milestones > 0 {
        return Err(bad(
            "state",
            "tick every milestone done before marking it delivered",
        ));
    }
    if to == State::Dropped && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(bad("reason", "say why it is dropped"));
    }
    Ok(())
}

/// What a commitment promises, as staff wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spec {
    pub title: String,
    pub summary: String,
}

impl Spec {
    pub fn check(self) -> Result<Spec, Invalid> {
        let title = text(
            "title",
            &self.title,
            100,
            "give a title of 1–100 characters",
        )?;
        let summary = self.summary.trim().to_owned();
        if summary.chars().count() > 2000 {
            return Err(bad(
                "summary",
                "the summary is longer than 2,000 characters",
            ));
        }
        Ok(Spec { title, summary })
    }
}

/// A milestone: a step with its due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub title: String,
    pub due_on: NaiveDate,
}

impl Milestone {
    pub fn check(self) -> Result<Milestone, Invalid> {
        Ok(Milestone {
            title: text(
                "milestone",
                &self.title,
                100,
                "name the milestone in 1–100 characters",
            )?,
            due_on: self.due_on,
        })
    }
}

/// Reads a date as people type it (`2026-12-31`), or an error on `field`.
pub fn parse_date(field: &'static str, raw: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| bad(field, "give a date as YYYY-MM-DD"))
}

/// A milestone is overdue when it is not done and was due before `today`.
pub fn overdue(due_on: NaiveDate, done_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    done_on.is_none() && due_on < today
}

/// A progress update's text.
pub fn check_update(raw: &str) -> Result<String, Invalid> {
    text(
        "update",
        raw,
        2000,
        "write the update in 1–2,000 characters",
    )
}

/// The most an amount may be: one hundred million yuan, in fen.
pub const MAX_AMOUNT_FEN: i64 = 10_000_000_000;

/// A spending line: what was paid, how much (fen), when and from which source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spending {
    pub what: String,
    pub amount_fen: i64,
    pub spent_on: NaiveDate,
    /// Who paid, or the fund it came from (专项维修资金, 公共收益).
    pub payer: String,
}

impl Spending {
    pub fn check(self) -> Result<Spending, Invalid> {
        let what = text(
            "what",
            &self.what,
            100,
            "say what was paid for in 1–100 characters",
        )?;
        if self.amount_fen <= 0 || self.amount_fen > MAX_AMOUNT_FEN {
            return Err(bad(
                "amount",
                "give an amount above 0 and at most 100,000,000 yuan",
            ));
        }
        let payer = text("payer", &self.payer, 50, "say who paid or from which fund")?;
        Ok(Spending {
            what,
            amount_fen: self.amount_fen,
            spent_on: self.spent_on,
            payer,
        })
    }
}

/// Reads an amount in yuan with at most two decimals (`1234.5`, `¥1,234.50`) as fen.
pub fn parse_yuan(raw: &str) -> Result<i64, Invalid> {
    let err = || bad("amount", "give the amount in yuan, e.g. 1234.50");
    let s: String = raw
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (whole, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || whole.len() > 12
    {
        return Err(err());
    }
    let whole: i64 = whole.parse().map_err(|_| err())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| err())?;
    Ok(whole * 100 + frac)
}

/// Fen as yuan with two decimals and thousands separators: `123456` → `1,234.56`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let whole = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", fen % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        parse_date("d", s).unwrap()
    }

    #[test]
    fn moves_follow_the_table() {
        assert!(check_move(State::Planned, State::InProgress, 2, None).is_ok());
        assert_eq!(
            check_move(State::InProgress, State::Delivered, 1, None)
                .unwrap_err()
                .field,
            "state"
        );
        assert!(check_move(State::InProgress, State::Delivered, 0, None).is_ok());
        assert_eq!(
            check_move(State::InProgress, State::Dropped, 0, Some(" "))
                .unwrap_err()
                .field,
            "reason"
        );
        assert!(check_move(State::InProgress, State::Dropped, 3, Some("业主撤回")).is_ok());
        assert!(check_move(State::Dropped, State::InProgress, 0, None).is_err());
        assert!(check_move(State::Delivered, State::InProgress, 0, None).is_ok());
        assert!(check_move(State::Planned, State::Planned, 0, None).is_err());
        assert_eq!(State::Planned.after_work(), State::InProgress);
        assert_eq!(State::Delivered.after_work(), State::Delivered);
        assert!(!State::Dropped.is_live());
    }

    #[test]
    fn texts_are_trimmed_and_bounded() {
        let s = Spec {
            title: " 修缮大门 ".into(),
            summary: " 更换门禁 ".into(),
        }
        .check()
        .unwrap();
        assert_eq!(
            (s.title.as_str(), s.summary.as_str()),
            ("修缮大门", "更换门禁")
        );
        let empty = Spec {
            title: "  ".into(),
            summary: String::new(),
        };
        assert_eq!(empty.check().unwrap_err().field, "title");
        let long = Spec {
            title: "门".into(),
            summary: "长".repeat(2001),
        };
        assert_eq!(long.check().unwrap_err().field, "summary");
        assert_eq!(check_update("").unwrap_err().field, "update");
        let m = Milestone {
            title: "".into(),
            due_on: day("2026-01-01"),
        };
        assert_eq!(m.check().unwrap_err().field, "milestone");
    }

    #[test]
    fn overdue_is_past_due_and_not_done() {
        let today = day("2026-12-07");
        assert!(overdue(day("2026-12-06"), None, today));
        assert!(!overdue(day("2026-12-07"), None, today));
        assert!(!overdue(day("2026-12-01"), Some(day("2026-12-02")), today));
        assert_eq!(parse_date("due_on", "12/07").unwrap_err().field, "due_on");
    }

    #[test]
    fn amounts_read_and_show_in_yuan() {
        assert_eq!(parse_yuan("1234.5"), Ok(123_450));
        assert_eq!(parse_yuan("¥1,234.56"), Ok(123_456));
        assert_eq!(parse_yuan("80"), Ok(8_000));
        assert!(parse_yuan("1.234").is_err());
        assert!(parse_yuan("-5").is_err());
        assert!(parse_yuan("").is_err());
        assert!(parse_yuan("abc").is_err());
        assert_eq!(format_yuan(123_456), "1,234.56");
        assert_eq!(format_yuan(5), "0.05");
        assert_eq!(format_yuan(100_000_000), "1,000,000.00");
        let line = Spending {
            what: "门禁".into(),
            amount_fen: 0,
            spent_on: day("2026-12-01"),
            payer: "维修资金".into(),
        };
        assert_eq!(line.clone().check().unwrap_err().field, "amount");
        let no_payer = Spending {
            amount_fen: 100,
            payer: " ".into(),
            ..line
        };
        assert_eq!(no_payer.check().unwrap_err().field, "payer");
    }
}
