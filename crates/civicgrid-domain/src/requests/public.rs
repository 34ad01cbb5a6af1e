//! What a request may show to anyone (the public board, Open311 reads): no contact
//! data in any text, the place no finer than building and unit, and a point no finer
//! than about a hundred metres. One rule, applied by every public surface.
//!
//! - [`redact_contacts`] replaces phone numbers (mainland mobiles, landlines with an
//!   area code, `+86`/`0086` forms, a local number right after a word like 电话 or
//!   `tel`), ID numbers (18 characters ending in a digit or `X`, 15 digits, and any
//!   other 15–19 digit run such as a bank card) and e-mail addresses with [`REDACTED`].
//!   Ordinary numbers (`3栋2单元`, dates, times, amounts, coordinates) are left alone.
//! - [`public_address`] also drops what names a room: `501室`, the room after a
//!   building or unit (`3栋2单元501` → `3栋2单元`), the floor, the third part of
//!   `3-2-501`, and `Room 501` / `Flat 3B` in English.
//! - [`public_point`] rounds both coordinates to [`POINT_DECIMALS`] decimals.

use std::borrow::Cow;

/// What stands in for a removed contact detail.
pub const REDACTED: &str = "***";
/// Decimals a public point keeps: 3 decimals of a degree are about 100 m.
pub const POINT_DECIMALS: i32 = 3;

/// Most digits one contact number may span (`0086 755 1234 5678` is 15).
const MAX_NUMBER_DIGITS: usize = 20;
/// Most groups of digits one number may be written in (`+86 138 1234 5678` is 4).
const MAX_NUMBER_GROUPS: usize = 6;
/// Most separator characters between two groups (`(0755) 1234`).
const MAX_SEPARATORS: usize = 3;

/// Words after which a shorter number (5–12 digits) is a contact: a local landline
/// without its area code, a QQ number.
const CONTACT_WORDS: &[&str] = &[
    "电话",
    "手机",
    "座机",
    "致电",
    "拨打",
    "联系方式",
    "微信",
    "qq",
    "tel",
    "phone",
    "mobile",
    "whatsapp",
];
/// Characters allowed between such a word and its number (`电话号码：`, `tel.: `).
const CONTACT_FILLER: &[char] = &[
    ' ', '\u{3000}', ':', '：', '.', '#', '号', '码', '是', '为', '(', ')', '（', '）', '-',
];
const MAX_CONTACT_FILLER: usize = 4;

/// A decimal digit, ASCII or full-width.
fn digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')),
        _ => None,
    }
}

fn is_digit(c: char) -> bool {
    digit(c).is_some()
}

/// What may stand between the groups of one number.
fn is_number_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{3000}' | '-' | '－' | '‐' | '‑' | '–' | '—' | '(' | ')' | '（' | '）'
    )
}

fn is_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// `0` + an area code (2–3 digits) + a subscriber number (7–8 digits).
fn is_landline(d: &str) -> bool {
    d.starts_with('0') && !d.starts_with("00") && (10..=12).contains(&d.len())
}

/// ID numbers (15 digits; 18 are matched with their last character apart) and other
/// long identifying numbers such as bank cards.
fn is_long_identifier(d: &str) -> bool {
    (15..=19).contains(&d.len())
}

/// Whether the digits `d` (separators removed) are a contact or identifying number;
/// `plus` when a `+` stood before them.
fn is_contact_number(d: &str, plus: bool) -> bool {
    if is_mobile(d) || is_landline(d) || is_long_identifier(d) {
        return true;
    }
    let national = d
        .strip_prefix("0086")
        .or_else(|| d.strip_prefix("86").filter(|r| plus || is_mobile(r)));
    national.is_some_and(|r| {
        is_mobile(r) || is_landline(r) || (!r.starts_with('0') && is_landline(&format!("0{r}")))
    })
}

/// Whether a contact word ends just before char index `at` (only filler between).
fn after_contact_word(chars: &[(usize, char)], at: usize) -> bool {
    let mut end = at;
    let mut filler = 0;
    loop {
        let before = &chars[..end];
        let found = CONTACT_WORDS.iter().any(|w| {
            let n = w.chars().count();
            n <= before.len()
                && before[before.len() - n..]
                    .iter()
                    .map(|c| c.1.to_ascii_lowercase())
                    .eq(w.chars())
        });
        if found {
            return true;
        }
        match end.checked_sub(1).map(|k| chars[k].1) {
            Some(c) if filler < MAX_CONTACT_FILLER && CONTACT_FILLER.contains(&c) => {
                end -= 1;
                filler += 1;
            }
            _ => return false,
        }
    }
}

/// Char-index spans of contact and identifying numbers.
fn number_spans(chars: &[(usize, char)], spans: &mut Vec<(usize, usize)>) {
    let n = chars.len();
    let mut i = 0;
    while i < n {
        if !is_digit(chars[i].1) || (i > 0 && is_digit(chars[i - 1].1)) {
            i += 1;
            continue;
        }
        // `+`, `(` just before the first digit belong to the number.
        let mut start = i;
        let mut plus = false;
        while start > 0 && i - start < 2 {
            match chars[start - 1].1 {
                '+' | '＋' => plus = true,
                '(' | '（' => {}
                _ => break,
            }
            start -= 1;
        }
        // The groups of digits from here: (digits so far, char index after the group).
        let mut digits = String::new();
        let mut ends: Vec<(usize, usize)> = Vec::new();
        let mut j = i;
        loop {
            while let Some(d) = chars.get(j).and_then(|c| digit(c.1)) {
                digits.push(d);
                j += 1;
            }
            ends.push((digits.len(), j));
            if digits.len() >= MAX_NUMBER_DIGITS || ends.len() >= MAX_NUMBER_GROUPS {
                break;
            }
            let mut k = j;
            while k < n && k - j < MAX_SEPARATORS && is_number_separator(chars[k].1) {
                k += 1;
            }
            if k == j || !chars.get(k).is_some_and(|c| is_digit(c.1)) {
                break;
            }
            j = k;
        }
        // The longest reading that is a contact wins.
        let mut matched = None;
        for &(len, end) in ends.iter().rev() {
            // An 18-character ID number ending in X.
            let check = chars.get(end).map(|c| c.1);
            if len == 17
                && matches!(check, Some('X' | 'x' | 'Ｘ' | 'ｘ'))
                && !chars
                    .get(end + 1)
                    .is_some_and(|c| c.1.is_ascii_alphanumeric())
            {
                matched = Some(end + 1);
                break;
            }
            if is_contact_number(&digits[..len], plus) {
                matched = Some(end);
                break;
            }
        }
        if matched.is_none() && after_contact_word(chars, start) {
            matched = ends
                .iter()
                .rev()
                .find(|(len, _)| (5..=12).contains(len))
                .map(|(_, end)| *end);
        }
        match matched {
            Some(end) => {
                spans.push((start, end));
                i = end;
            }
            None => i = ends.first().map_or(i + 1, |e| e.1),
        }
    }
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

/// Char-index spans of e-mail addresses (`local@domain.tld`; the local part in ASCII,
/// as Chinese text often runs into it: `邮箱wang@example.org`).
fn email_spans(chars: &[(usize, char)], spans: &mut Vec<(usize, usize)>) {
    for (at, _) in chars
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.1, '@' | '＠'))
    {
        let mut start = at;
        while start > 0 && is_email_local(chars[start - 1].1) {
            start -= 1;
        }
        let mut end = at + 1;
        while end < chars.len() && is_email_domain(chars[end].1) {
            end += 1;
        }
        while end > at + 1 && chars[end - 1].1 == '.' {
            end -= 1;
        }
        let domain: String = chars[at + 1..end].iter().map(|c| c.1).collect();
        let labels: Vec<&str> = domain.split('.').collect();
        let tld_ok = labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
        // A local part in other letters (`张三@…`) cannot be told from the text
        // before it: the address is removed from the `@`.
        let local = start < at || (at > 0 && chars[at - 1].1.is_alphanumeric());
        if local && labels.len() >= 2 && labels.iter().all(|l| !l.is_empty()) && tld_ok {
            spans.push((start, end));
        }
    }
}

/// Replaces the char-index `spans` of `text` with `with`; `None` when there are none.
fn replace_spans(
    text: &str,
    chars: &[(usize, char)],
    mut spans: Vec<(usize, usize)>,
    with: &str,
) -> Option<String> {
    if spans.is_empty() {
        return None;
    }
    spans.sort_unstable();
    let byte = |k: usize| chars.get(k).map_or(text.len(), |c| c.0);
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, end) in spans {
        let (start, end) = (byte(start), byte(end));
        if end <= done {
            continue;
        }
        if start >= done {
            out.push_str(&text[done..start]);
            out.push_str(with);
        }
        done = end;
    }
    out.push_str(&text[done..]);
    Some(out)
}

/// `text` with every phone number, ID number (and other long identifying number) and
/// e-mail address replaced by [`REDACTED`]; borrowed when there is none.
pub fn redact_contacts(text: &str) -> Cow<'_, str> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut spans = Vec::new();
    number_spans(&chars, &mut spans);
    email_spans(&chars, &mut spans);
    match replace_spans(text, &chars, spans, REDACTED) {
        Some(s) => Cow::Owned(s),
        None => Cow::Borrowed(text),
    }
}

/// Words that name a building or a unit: kept, and what follows them is inside.
const BUILDING_WORDS: &[&str] = &["号楼", "号院", "栋", "幢", "座", "单元", "门"];
/// Words that name a room or a floor after a number.
const ROOM_WORDS: &[&str] = &["室", "房", "户", "层"];
/// English words before a room.
const ENGLISH_ROOM_WORDS: &[&str] = &["room", "rm", "flat", "apt", "apartment", "suite"];

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || is_digit(c)
}

fn token_end(chars: &[(usize, char)], from: usize) -> usize {
    let mut k = from;
    while k < chars.len() && is_token_char(chars[k].1) {
        k += 1;
    }
    k
}

fn has_digit(chars: &[(usize, char)]) -> bool {
    chars.iter().any(|c| is_digit(c.1))
}

/// The word of `words` that starts at char index `at`, as its length in chars.
fn word_at(chars: &[(usize, char)], at: usize, words: &[&str]) -> Option<usize> {
    words.iter().find_map(|w| {
        let n = w.chars().count();
        chars
            .get(at..at + n)
            .filter(|s| s.iter().map(|c| c.1).eq(w.chars()))
            .map(|_| n)
    })
}

/// Char-index spans of what names a room (or floor) in an address.
fn room_spans(chars: &[(usize, char)]) -> Vec<(usize, usize)> {
    let n = chars.len();
    let mut spans = Vec::new();
    // A building (or a street number) was named: a bare number after it is a room.
    let mut inside = false;
    let mut k = 0;
    while k < n {
        if !is_token_char(chars[k].1) || (k > 0 && is_token_char(chars[k - 1].1)) {
            k += 1;
            continue;
        }
        let t = token_end(chars, k);
        let word: String = chars[k..t]
            .iter()
            .map(|c| c.1.to_ascii_lowercase())
            .collect();
        // `Room 501`, `Flat 3B`, `Apt. 5`.
        if ENGLISH_ROOM_WORDS.contains(&word.as_str()) {
            let mut m = t;
            while m < n && m - t < 3 && matches!(chars[m].1, ' ' | '.' | ':' | '#' | '-' | '：') {
                m += 1;
            }
            let r = token_end(chars, m);
            if r > m && has_digit(&chars[m..r]) {
                spans.push((k, r));
                k = r;
                continue;
            }
            k = t;
            continue;
        }
        if !has_digit(&chars[k..t]) && t - k > 1 {
            k = t;
            continue;
        }
        // `3-2-501`: building, unit, room.
        let mut chain = vec![(k, t)];
        let mut m = t;
        while m + 1 < n && matches!(chars[m].1, '-' | '－') && is_token_char(chars[m + 1].1) {
            let e = token_end(chars, m + 1);
            if !has_digit(&chars[m + 1..e]) {
                break;
            }
            chain.push((m + 1, e));
            m = e;
        }
        if chain.len() >= 2 {
            let last = chain.len() - 1;
            let cut = if chain.len() >= 3 {
                Some(2)
            } else if inside || chain[last].1 - chain[last].0 >= 3 {
                Some(1)
            } else {
                None
            };
            if let Some(from) = cut {
                let mut end = chain[last].1;
                end += word_at(chars, end, &["号", "室"]).unwrap_or(0);
                spans.push((chain[from].0 - 1, end));
                inside = true;
                k = end;
                continue;
            }
        }
        if let Some(w) = word_at(chars, t, BUILDING_WORDS) {
            inside = true;
            k = t + w;
        } else if let Some(w) = word_at(chars, t, ROOM_WORDS) {
            spans.push((k, t + w));
            k = t + w;
        } else if word_at(chars, t, &["楼", "号"]).is_some() {
            // `5号楼` is matched above; `3楼`/`12号` alone name a building or a street
            // number, and inside one a floor or a room.
            if inside {
                spans.push((k, t + 1));
            }
            inside = true;
            k = t + 1;
        } else {
            if inside && has_digit(&chars[k..t]) {
                spans.push((k, t));
            }
            k = t;
        }
    }
    spans
}

/// An address as the public may read it: no contact data ([`redact_contacts`]) and
/// nothing finer than a building and unit (rooms and floors dropped).
pub fn public_address(address: &str) -> Cow<'_, str> {
    let redacted = redact_contacts(address);
    let chars: Vec<(usize, char)> = redacted.char_indices().collect();
    let spans = room_spans(&chars);
    match replace_spans(&redacted, &chars, spans, "") {
        None => redacted,
        Some(s) => {
            let trimmed =
                s.trim_matches(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | '-'));
            Cow::Owned(trimmed.to_owned())
        }
    }
}

/// A coordinate rounded to [`POINT_DECIMALS`] decimals.
pub fn public_coordinate(v: f64) -> f64 {
    let scale = 10_f64.powi(POINT_DECIMALS);
    (v * scale).round() / scale
}

/// A point (longitude, latitude) as the public may see it: rounded to about 100 m.
pub fn public_point(point: (f64, f64)) -> (f64, f64) {
    (public_coordinate(point.0), public_coordinate(point.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn redacts(text: &str, want: &str) {
        assert_eq!(redact_contacts(text), want, "{text:?}");
    }

    #[track_caller]
    fn keeps(text: &str) {
        assert!(
            matches!(redact_contacts(text), Cow::Borrowed(_)),
            "{text:?} became {:?}",
            redact_contacts(text)
        );
    }

    #[test]
    fn mobiles_in_every_form() {
        redacts("电话13812345678", "电话***");
        redacts("13812345678", "***");
        redacts("请联系 138 1234 5678 谢谢", "请联系 *** 谢谢");
        redacts("请联系138-1234-5678。", "请联系***。");
        redacts("+86 138 1234 5678", "***");
        redacts("+8613812345678", "***");
        redacts("8613812345678", "***");
        redacts("0086-13812345678", "***");
        redacts("(+86) 13812345678", "***");
        redacts("手机１３８１２３４５６７８", "手机***");
        redacts(
            "王先生19912345678，李女士15012345678",
            "王先生***，李女士***",
        );
        redacts("13812345678 13912345678", "*** ***");
        redacts("3栋 13812345678", "3栋 ***");
        redacts("1 13812345678", "1 ***");
        redacts("13812345678 5", "*** 5");
        redacts("tel13812345678", "tel***");
        redacts("A13812345678号", "A***号");
    }

    #[test]
    fn landlines_in_every_form() {
        redacts("座机010-12345678", "座机***");
        redacts("0755 1234 5678", "***");
        redacts("(010)12345678", "***");
        redacts("（0755）1234-5678转", "***转");
        redacts("027-8888666", "***");
        redacts("+86 10 1234 5678", "***");
        redacts("+86-755-12345678", "***");
        redacts("0086 755 12345678", "***");
        redacts("01012345678", "***");
        // A local number where a contact word says so.
        redacts("电话：87654321", "电话：***");
        redacts("联系电话 8765-4321", "联系电话 ***");
        redacts("Tel.: 8765 4321", "Tel.: ***");
        redacts("QQ号:123456789", "QQ号:***");
        redacts("拨打87654321", "拨打***");
    }

    #[test]
    fn identity_numbers_and_cards() {
        redacts("身份证110105194912310021", "身份证***");
        redacts("身份证号11010519491231002X。", "身份证号***。");
        redacts("11010519491231002x", "***");
        redacts("110105 19491231 002X", "***");
        redacts("老身份证110105491231002", "老身份证***");
        redacts("卡号6222 0212 3456 7890 123", "卡号***");
    }

    #[test]
    fn email_addresses() {
        redacts("邮箱 wang@example.org", "邮箱 ***");
        redacts("mail: Wang.Xiao-Ming+cg@mail.example.com.cn.", "mail: ***.");
        redacts("邮箱wang@example.org", "邮箱***");
        redacts("写信给张三@example.com", "写信给张三***");
        redacts("a@b.cn, c_d@e-f.org", "***, ***");
        redacts("x＠example.org", "***");
        // Not addresses.
        keeps("@所有人 注意");
        keeps("3@4");
        keeps("me@localhost");
        keeps("someone@example.c0m");
    }

    #[test]
    fn ordinary_numbers_stay() {
        for text in [
            "3栋2单元",
            "幸福小区3栋2单元门口的路灯坏了",
            "2025-10-01",
            "2025年10月1日 13:30",
            "20251001",
            "2025/10/01 09:30",
            "30.585, 114.315",
            "lat 30.585 long 114.315",
            "停车费1500元",
            "共12345户",
            "电梯坏了3天",
            "联系日期 2025-10-01",
            "第1234567号通知",
            "鄂A12345",
            "3-2-501",
            "12:00-13:00",
            "100-200",
            "1380 元",
            "电话亭旁边2号楼",
            "手机坏了，3栋2单元",
            "",
        ] {
            keeps(text);
        }
    }

    #[test]
    fn mixed_text() {
        redacts(
            "3栋2单元501室漏水，请联系王先生13812345678或010-12345678，邮箱w@x.cn",
            "3栋2单元501室漏水，请联系王先生***或***，邮箱***",
        );
    }

    #[track_caller]
    fn address(raw: &str, want: &str) {
        assert_eq!(public_address(raw), want, "{raw:?}");
    }

    #[test]
    fn addresses_stop_at_building_and_unit() {
        address("3栋2单元501室", "3栋2单元");
        address("3栋2单元501", "3栋2单元");
        address("幸福小区5号楼1单元302室东侧", "幸福小区5号楼1单元东侧");
        address("3栋501", "3栋");
        address("3栋501号", "3栋");
        address("5栋3楼", "5栋");
        address("1栋2单元3层301", "1栋2单元");
        address("和平路12号501室", "和平路12号");
        address("和平路12号3栋2单元", "和平路12号3栋2单元");
        address("3-2-501", "3-2");
        address("3-2-501室", "3-2");
        address("12号院3-501", "12号院3");
        address("3-501", "3");
        address("B座1203", "B座");
        address("Room 501, Building 3", "Building 3");
        address("Building 3, Unit 2, Rm. 501", "Building 3, Unit 2");
        address("Flat 3B, 12 Heping Road", "12 Heping Road");
        address("3栋2单元501室 电话13812345678", "3栋2单元 电话***");
        // Nothing finer than a building: unchanged.
        for keep in [
            "3栋东侧 <消防通道>",
            "3栋2单元",
            "幸福小区",
            "和平路12号",
            "3号楼",
            "12-3",
            "东门",
            "",
        ] {
            assert_eq!(public_address(keep), keep);
        }
    }

    #[test]
    fn points_round_to_about_100_m() {
        assert_eq!(public_point((114.315_678, 30.585_432)), (114.316, 30.585));
        assert_eq!(public_point((114.315, 30.585)), (114.315, 30.585));
        assert_eq!(public_point((-0.000_4, 0.000_6)), (-0.0, 0.001));
        assert_eq!(public_coordinate(179.999_9), 180.0);
    }
}
