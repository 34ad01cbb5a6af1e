//! Emergency materials (应急物资): depots at community and street level, items, batches
//! and the stock ledger; material requests for households and transfer requests from a
//! community depot to its street's.
//!
//! Stock is never edited in place. Each depot holds batches of items (a batch: one
//! delivery of one item, with its expiry date), and every change of a batch's quantity
//! is a movement written in the same transaction, saying who and why:
//!
//! | movement     | quantity | why is needed                 | who                                  |
//! |--------------|----------|-------------------------------|--------------------------------------|
//! | receive      | +n       | no (the supplier, optional)   | staff keeping the depot              |
//! | issue        | −n       | the material request it fills | staff keeping the depot              |
//! | transfer_out | −n       | the other depot (and reason)  | staff keeping the giving depot       |
//! | transfer_in  | +n       | the other depot               | (written with its transfer_out)      |
//! | adjust       | ±n       | yes: what the count found     | staff keeping the depot              |
//! | write_off    | −n       | yes: expired, damaged, lost   | staff keeping the depot              |
//!
//! A movement that would take a batch below zero is refused (the store changes a batch
//! only with a conditional update). Issuing takes the batches that expire first
//! ([`pick_batches`]); an expired batch is never issued, only written off.
//!
//! A material request (物资申请) for a household moves so:
//!
//! | from    | to        | who                                                |
//! |---------|-----------|----------------------------------------------------|
//! | (none)  | waiting   | staff, or a welfare check or request raising it    |
//! | waiting | issued    | staff keeping a depot covering the household (stock leaves the depot) |
//! | waiting | cancelled | staff, with a reason                               |
//! | issued  | delivered | the deliverer assigned (a volunteer or grid worker), or staff |
//!
//! Waiting requests are served by priority ([`super::materials_priority`]). When a
//! community depot cannot fill a request, a transfer request (调拨申请) for what is
//! missing goes to the street depot, which street staff fulfil as a transfer or decline:
//!
//! | from | to                  | who                                   |
//! |------|---------------------|---------------------------------------|
//! | open | fulfilled, declined | staff keeping the street depot (declining needs a reason) |

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::care::volunteers::{Invalid, bad};
use crate::ledger::person::coded_enum;

coded_enum!(
    /// Where a depot stands in the hierarchy.
    DepotLevel, "depot level", {
    Community => "community", "社区", ["社区仓库"];
    Street => "street", "街道", ["街道仓库"];
});

coded_enum!(
    /// What kind of thing an item is.
    ItemKind, "item kind", {
    Food => "food", "食品", ["食物"];
    Water => "water", "饮用水", ["水"];
    Medicine => "medicine", "药品", ["药"];
    Protective => "protective", "防护用品", ["防护"];
    Supplies => "supplies", "生活用品", ["日用品"];
    Equipment => "equipment", "救援器材", ["器材"];
});

coded_enum!(
    /// The unit an item is counted in.
    ItemUnit, "item unit", {
    Piece => "piece", "件", ["个"];
    Box => "box", "箱", ["盒装"];
    Bottle => "bottle", "瓶", [];
    Bag => "bag", "袋", [];
    Pack => "pack", "包", [];
    Kilogram => "kg", "公斤", ["千克"];
    Litre => "litre", "升", [];
    Set => "set", "套", [];
});

coded_enum!(
    /// A line of the stock ledger (the table above).
    MovementKind, "movement kind", {
    Receive => "receive", "入库", ["收货"];
    Issue => "issue", "发放", ["出库"];
    TransferOut => "transfer_out", "调出", [];
    TransferIn => "transfer_in", "调入", [];
    Adjust => "adjust", "盘点调整", ["盘点"];
    WriteOff => "write_off", "报损", ["核销"];
});

impl MovementKind {
    /// Whether the movement adds to the batch (else it takes from it; an adjustment
    /// goes either way).
    pub fn adds(self) -> bool {
        matches!(self, MovementKind::Receive | MovementKind::TransferIn)
    }

    /// Whether staff must say why.
    pub fn needs_reason(self) -> bool {
        matches!(self, MovementKind::Adjust | MovementKind::WriteOff)
    }
}

coded_enum!(
    /// Where a material request stands (the table above).
    RequestStatus, "material request status", {
    Waiting => "waiting", "待分配", ["待发放"];
    Issued => "issued", "配送中", ["已出库"];
    Delivered => "delivered", "已送达", ["已签收"];
    Cancelled => "cancelled", "已取消", ["取消"];
});

impl RequestStatus {
    /// The states a request may move to from `self`.
    pub fn next(self) -> &'static [RequestStatus] {
        match self {
            RequestStatus::Waiting => &[RequestStatus::Issued, RequestStatus::Cancelled],
            RequestStatus::Issued => &[RequestStatus::Delivered],
            RequestStatus::Delivered | RequestStatus::Cancelled => &[],
        }
    }

    /// Still to be done (waiting or on its way).
    pub fn is_open(self) -> bool {
        matches!(self, RequestStatus::Waiting | RequestStatus::Issued)
    }
}

coded_enum!(
    /// Where a transfer request stands.
    TransferStatus, "transfer status", {
    Open => "open", "待调拨", ["待处理"];
    Fulfilled => "fulfilled", "已调拨", ["完成"];
    Declined => "declined", "已拒绝", ["拒绝"];
});

/// Where a material request came from: staff raising it, a resident request, or a
/// welfare check that found the household needing help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Source {
    Staff,
    Request(i64),
    WelfareCheck(i64),
}

impl Source {
    pub fn code(self) -> &'static str {
        match self {
            Source::Staff => "staff",
            Source::Request(_) => "request",
            Source::WelfareCheck(_) => "welfare_check",
        }
    }

    /// The id of the request or welfare check, if any.
    pub fn id(self) -> Option<i64> {
        match self {
            Source::Staff => None,
            Source::Request(id) | Source::WelfareCheck(id) => Some(id),
        }
    }

    /// Reads a stored source back.
    pub fn from_parts(code: &str, id: Option<i64>) -> Option<Source> {
        match (code, id) {
            ("staff", _) => Some(Source::Staff),
            ("request", Some(id)) => Some(Source::Request(id)),
            ("welfare_check", Some(id)) => Some(Source::WelfareCheck(id)),
            _ => None,
        }
    }
}

/// The most of one item a single movement or request line may move.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// The longest name, batch code, note or reason.
pub const MAX_TEXT_CHARS: usize = 200;
/// The most lines on one material request.
pub const MAX_LINES: usize = 20;
/// A batch expiring within this many days is flagged on the stock board.
pub const EXPIRING_SOON_DAYS: i64 = 30;

/// Reads a quantity as typed: a whole number from 1 to [`MAX_QUANTITY`].
pub fn parse_quantity(field: &'static str, raw: &str) -> Result<i64, Invalid> {
    match raw.trim().parse::<i64>() {
        Ok(n) => check_quantity(field, n),
        Err(_) => Err(bad(field, "give a whole number")),
    }
}

/// A quantity to move: above zero and at most [`MAX_QUANTITY`].
pub fn check_quantity(field: &'static str, n: i64) -> Result<i64, Invalid> {
    if (1..=MAX_QUANTITY).contains(&n) {
        Ok(n)
    } else {
        Err(bad(field, "give a whole number from 1 to 1000000"))
    }
}

/// A counted quantity (a stock count, a minimum): from 0 to [`MAX_QUANTITY`].
pub fn check_count(field: &'static str, n: i64) -> Result<i64, Invalid> {
    if (0..=MAX_QUANTITY).contains(&n) {
        Ok(n)
    } else {
        Err(bad(field, "give a whole number from 0 to 1000000"))
    }
}

/// A name or code that must be there: trimmed, at most [`MAX_TEXT_CHARS`].
pub fn check_text(field: &'static str, raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(bad(field, "fill this in"));
    }
    if s.chars().count() > MAX_TEXT_CHARS {
        return Err(bad(field, "at most 200 characters"));
    }
    Ok(s.to_owned())
}

/// A text that may be left out: trimmed, blank is `None`.
pub fn check_optional(field: &'static str, raw: Option<&str>) -> Result<Option<String>, Invalid> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => check_text(field, s).map(Some),
    }
}

/// The reason of a movement: needed for an adjustment and a write-off.
pub fn check_reason(kind: MovementKind, reason: Option<&str>) -> Result<Option<String>, Invalid> {
    let r = check_optional("reason", reason)?;
    if kind.needs_reason() && r.is_none() {
        return Err(bad("reason", "say why"));
    }
    Ok(r)
}

/// An expiry date given when receiving: not before `today` (expired goods are not
/// taken in).
pub fn check_expiry(expires_on: Option<NaiveDate>, today: NaiveDate) -> Result<(), Invalid> {
    match expires_on {
        Some(d) if d < today => Err(bad("expires_on", "this batch has expired already")),
        _ => Ok(()),
    }
}

/// How a batch stands against its expiry date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    /// Keeps (or has no expiry date).
    Fine,
    /// Expires within [`EXPIRING_SOON_DAYS`].
    Soon,
    /// Past its date: not issued, to be written off.
    Expired,
}

impl Expiry {
    pub fn code(self) -> &'static str {
        match self {
            Expiry::Fine => "fine",
            Expiry::Soon => "soon",
            Expiry::Expired => "expired",
        }
    }
}

/// Whether a batch expiring on `expires_on` is fine, soon to expire or expired on
/// `today`. A batch is good through its expiry date.
pub fn expiry(expires_on: Option<NaiveDate>, today: NaiveDate) -> Expiry {
    match expires_on {
        None => Expiry::Fine,
        Some(d) if d < today => Expiry::Expired,
        Some(d) if (d - today).num_days() <= EXPIRING_SOON_DAYS => Expiry::Soon,
        Some(_) => Expiry::Fine,
    }
}

/// Below the depot's minimum for the item (低于最低库存).
pub fn is_low(on_hand: i64, minimum: i64) -> bool {
    minimum > 0 && on_hand < minimum
}

/// A batch as issuing sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchStock {
    pub batch_id: i64,
    pub expires_on: Option<NaiveDate>,
    pub quantity: i64,
}

/// Not enough usable stock: how much there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Short {
    pub available: i64,
}

/// Which batches to take `want` from, earliest expiry first (batches without an expiry
/// date last, older batches first among equals), skipping empty and expired batches:
/// (batch id, how many). Refused with what is available when they hold too little.
pub fn pick_batches(
    batches: &[BatchStock],
    want: i64,
    today: NaiveDate,
) -> Result<Vec<(i64, i64)>, Short> {
    let mut usable: Vec<&BatchStock> = batches
        .iter()
        .filter(|b| b.quantity > 0 && expiry(b.expires_on, today) != Expiry::Expired)
        .collect();
    usable.sort_by_key(|b| (b.expires_on.is_none(), b.expires_on, b.batch_id));
    let available: i64 = usable.iter().map(|b| b.quantity).sum();
    if available < want {
        return Err(Short { available });
    }
    let mut left = want;
    let mut out = Vec::new();
    for b in usable {
        if left == 0 {
            break;
        }
        let take = left.min(b.quantity);
        out.push((b.batch_id, take));
        left -= take;
    }
    Ok(out)
}

/// A request line as asked: an item and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub item_id: i64,
    pub quantity: i64,
}

/// Checks a request's lines: one to [`MAX_LINES`], each quantity valid; the same item
/// twice is added up.
pub fn check_lines(lines: &[Line]) -> Result<Vec<Line>, Invalid> {
    if lines.is_empty() {
        return Err(bad("lines", "ask for at least one item"));
    }
    let mut out: Vec<Line> = Vec::new();
    for l in lines {
        check_quantity("lines", l.quantity)?;
        match out.iter_mut().find(|o| o.item_id == l.item_id) {
            Some(o) => o.quantity = check_quantity("lines", o.quantity + l.quantity)?,
            None => out.push(*l),
        }
    }
    if out.len() > MAX_LINES {
        return Err(bad("lines", "at most 20 items on one request"));
    }
    Ok(out)
}

/// A move of a material request from `from` to `to`; cancelling needs a reason.
pub fn check_request_move(
    from: RequestStatus,
    to: RequestStatus,
    reason: Option<&str>,
) -> Result<(), Invalid> {
    if !from.next().contains(&to) {
        return Err(bad(
            "status",
            "a material request in this state cannot move there",
        ));
    }
    if to == RequestStatus::Cancelled && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(bad("reason", "say why"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn b(id: i64, expires: Option<NaiveDate>, q: i64) -> BatchStock {
        BatchStock {
            batch_id: id,
            expires_on: expires,
            quantity: q,
        }
    }

    #[test]
    fn earliest_expiry_goes_first_and_expired_never() {
        let today = d(2026, 7, 1);
        let batches = [
            b(1, None, 50),
            b(2, Some(d(2026, 12, 31)), 10),
            b(3, Some(d(2026, 7, 10)), 4),
            b(4, Some(d(2026, 6, 30)), 100),
            b(5, Some(d(2026, 7, 10)), 0),
        ];
        assert_eq!(pick_batches(&batches, 3, today), Ok(vec![(3, 3)]));
        assert_eq!(
            pick_batches(&batches, 20, today),
            Ok(vec![(3, 4), (2, 10), (1, 6)])
        );
        // 100 expired units do not count.
        assert_eq!(
            pick_batches(&batches, 65, today),
            Err(Short { available: 64 })
        );
        // Good through its expiry date.
        assert_eq!(
            pick_batches(&[b(9, Some(today), 2)], 2, today),
            Ok(vec![(9, 2)])
        );
        assert_eq!(pick_batches(&[], 1, today), Err(Short { available: 0 }));
    }

    #[test]
    fn expiry_and_low_stock_warnings() {
        let today = d(2026, 7, 1);
        assert_eq!(expiry(None, today), Expiry::Fine);
        assert_eq!(expiry(Some(d(2026, 6, 30)), today), Expiry::Expired);
        assert_eq!(expiry(Some(today), today), Expiry::Soon);
        assert_eq!(expiry(Some(d(2026, 7, 31)), today), Expiry::Soon);
        assert_eq!(expiry(Some(d(2026, 8, 1)), today), Expiry::Fine);
        assert!(is_low(9, 10));
        assert!(!is_low(10, 10));
        assert!(!is_low(0, 0));
        assert_eq!(
            check_expiry(Some(d(2026, 6, 30)), today).unwrap_err().field,
            "expires_on"
        );
        assert!(check_expiry(Some(today), today).is_ok());
    }

    #[test]
    fn quantities_reasons_and_lines() {
        assert_eq!(parse_quantity("quantity", " 12 "), Ok(12));
        assert!(parse_quantity("quantity", "0").is_err());
        assert!(parse_quantity("quantity", "-3").is_err());
        assert!(parse_quantity("quantity", "1.5").is_err());
        assert!(parse_quantity("quantity", "1000001").is_err());
        assert_eq!(check_count("counted", 0), Ok(0));
        assert_eq!(
            check_reason(MovementKind::WriteOff, Some("  "))
                .unwrap_err()
                .field,
            "reason"
        );
        assert_eq!(check_reason(MovementKind::Receive, None), Ok(None));
        assert_eq!(
            check_reason(MovementKind::Adjust, Some(" 盘点少两箱 ")),
            Ok(Some("盘点少两箱".into()))
        );
        let l = |item_id, quantity| Line { item_id, quantity };
        assert_eq!(
            check_lines(&[l(1, 2), l(2, 1), l(1, 3)]),
            Ok(vec![l(1, 5), l(2, 1)])
        );
        assert_eq!(check_lines(&[]).unwrap_err().field, "lines");
        assert!(check_lines(&[l(1, 0)]).is_err());
        let many: Vec<Line> = (1..=21).map(|i| l(i, 1)).collect();
        assert!(check_lines(&many).is_err());
    }

    #[test]
    fn requests_move_as_the_table_says() {
        use RequestStatus::*;
        assert!(check_request_move(Waiting, Issued, None).is_ok());
        assert!(check_request_move(Issued, Delivered, None).is_ok());
        assert_eq!(
            check_request_move(Waiting, Cancelled, None)
                .unwrap_err()
                .field,
            "reason"
        );
        assert!(check_request_move(Waiting, Cancelled, Some("已由家属送达")).is_ok());
        assert!(check_request_move(Issued, Cancelled, Some("x")).is_err());
        assert!(check_request_move(Delivered, Issued, None).is_err());
        assert!(Waiting.is_open() && Issued.is_open() && !Delivered.is_open());
    }

    #[test]
    fn sources_read_back() {
        for s in [Source::Staff, Source::Request(7), Source::WelfareCheck(9)] {
            assert_eq!(Source::from_parts(s.code(), s.id()), Some(s));
        }
        assert_eq!(Source::from_parts("request", None), None);
        assert!(MovementKind::Receive.adds() && !MovementKind::Issue.adds());
        assert!(MovementKind::WriteOff.needs_reason());
    }
}
