//! The tokens of a request's free text, shared by duplicate suggestions and the
//! category classifier.
//!
//! Chinese is written without spaces, and its words are mostly two characters long, so
//! every pair of neighbouring CJK characters is a token (`楼道灯坏了` → 楼道, 道灯, 灯坏,
//! 坏了); with `unigrams` each character is one too, except a few function characters
//! (的, 了, 是…). A CJK run of a single character is always kept as that character.
//! Everything else is split into words of letters and digits, lower-cased, with
//! full-width forms (`ＡＢ１２`) folded to ASCII; one-character words and a few English
//! function words are dropped.
//!
//! The classifier reads words instead ([`for_each_word`]): Chinese cut by jieba's
//! dictionary (with the words of community requests and the classifier's seed keywords
//! added) in search mode, so a long
//! word comes with its shorter dictionary words (`楼道灯` → 楼道, 楼道灯); Latin words
//! lower-cased, a plural ending stripped (`lights` → light, `bushes` → bush,
//! `batteries` → battery); numbers, punctuation and one-letter words dropped.

use std::borrow::Cow;
use std::sync::LazyLock;

use jieba_rs::Jieba;

use super::category::default_catalogue;
use super::classifier::seed_keywords;
use crate::ledger::search::is_cjk;

/// CJK characters too common to tell texts apart on their own.
const STOP_CHARS: &[char] = &[
    '的', '了', '是', '在', '我', '你', '他', '她', '们', '这', '那', '个', '吗', '呢', '吧', '啊',
    '呀', '着', '和', '与', '及', '也', '都', '就', '很', '请', '有',
];

const STOP_WORDS: &[&str] = &[
    "the", "and", "of", "to", "is", "in", "on", "at", "it", "my", "for", "an", "are", "was", "be",
    "has", "have", "there", "this", "that", "with", "please",
];

/// Full-width ASCII forms (U+FF01–U+FF5E) to ASCII; everything else unchanged.
fn fold(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Calls `f` with every token of `text`, in order (repeats included).
pub fn for_each_token(text: &str, unigrams: bool, mut f: impl FnMut(&str)) {
    let mut word = String::new();
    // Byte offset and length of the previous character when it was CJK, and the
    // length of the current CJK run.
    let mut prev: Option<(usize, usize)> = None;
    let mut run = 0usize;
    let flush_word = |word: &mut String, f: &mut dyn FnMut(&str)| {
        if word.chars().nth(1).is_some() && !STOP_WORDS.contains(&word.as_str()) {
            f(word);
        }
        word.clear();
    };
    let end_run = |prev: Option<(usize, usize)>, run: usize, f: &mut dyn FnMut(&str)| {
        if let Some((at, len)) = prev
            && run == 1
            && !unigrams
        {
            f(&text[at..at + len]);
        }
    };
    for (i, c) in text.char_indices() {
        if is_cjk(c) {
            flush_word(&mut word, &mut f);
            if unigrams && !STOP_CHARS.contains(&c) {
                f(&text[i..i + c.len_utf8()]);
            }
            if let Some((at, _)) = prev {
                f(&text[at..i + c.len_utf8()]);
            }
            prev = Some((i, c.len_utf8()));
            run += 1;
            continue;
        }
        end_run(prev, run, &mut f);
        prev = None;
        run = 0;
        let c = fold(c);
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else {
            flush_word(&mut word, &mut f);
        }
    }
    end_run(prev, run, &mut f);
    flush_word(&mut word, &mut f);
}

/// Words of community requests that jieba's general dictionary cuts apart or does not
/// know, so that they stay one word.
const REQUEST_WORDS: &[&str] = &[
    "楼道灯",
    "感应灯",
    "声控灯",
    "路灯杆",
    "电表箱",
    "配电箱",
    "跳闸",
    "飞线",
    "飞线充电",
    "困人",
    "关人",
    "电梯困人",
    "电梯停运",
    "电梯异响",
    "僵尸车",
    "挪车",
    "乱停",
    "乱停车",
    "乱停乱放",
    "毁绿",
    "毁绿种菜",
    "占绿",
    "堆物",
    "楼道堆物",
    "高空抛物",
    "高空坠物",
    "噪音扰民",
    "广场舞",
    "垃圾房",
    "垃圾亭",
    "垃圾分类",
    "满溢",
    "化粪池",
    "窨井",
    "窨井盖",
    "漏水",
    "渗水",
    "爆管",
    "堵塞",
    "物业费",
    "公共收益",
    "门禁卡",
    "健身器材",
    "盲道",
    "坑洼",
    "井盖",
    "外墙",
    "消防通道",
    "灭火器",
    "燃气",
    "漏气",
    "煤气罐",
    "不安全",
    "上下楼",
];

/// The segmenter: jieba's embedded dictionary with [`REQUEST_WORDS`] and the default
/// categories' Chinese seed keywords that it lacks, built at first use and shared.
static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut j = Jieba::new();
    let seeds = default_catalogue()
        .into_iter()
        .flat_map(|c| seed_keywords(&c.code).iter().copied());
    for w in REQUEST_WORDS.iter().copied().chain(seeds) {
        // A word the dictionary has may still be cut apart (打药 as 打 and 药), so what
        // counts is how it is cut on its own.
        if w.chars().nth(1).is_some() && w.chars().all(is_cjk) && j.cut(w, false).len() > 1 {
            j.add_word(w, None, None);
        }
    }
    j
});

/// Builds the segmenter now rather than at the first word.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
}

/// `word` (lower-case) with a plural ending stripped: `-ies` → `-y`; `-es` after x,
/// ch, sh, ss or zz; otherwise a final `s` except after `s`, `u` or `i` (`glass`, `bus`,
/// `this`). Words of three letters or fewer, and words not in ASCII, stay as they are.
pub fn stem(word: &str) -> Cow<'_, str> {
    if word.len() <= 3 || !word.is_ascii() {
        return Cow::Borrowed(word);
    }
    if let Some(base) = word.strip_suffix("ies")
        && base.len() >= 2
    {
        return Cow::Owned(format!("{base}y"));
    }
    if let Some(base) = word.strip_suffix("es")
        && ["x", "ch", "sh", "ss", "zz"]
            .iter()
            .any(|e| base.ends_with(e))
    {
        return Cow::Borrowed(base);
    }
    match word.strip_suffix('s') {
        Some(base) if !base.ends_with(['s', 'u', 'i']) => Cow::Borrowed(base),
        _ => Cow::Borrowed(word),
    }
}

/// Calls `f` with every word of `text` for the classifier, in order (repeats
/// included), each with the shorter dictionary words inside it (2 and 3 characters,
/// jieba's search mode: 下水道 has 下水 and 水道); Latin words have none.
pub fn for_each_word(text: &str, mut f: impl FnMut(&str, &[&str])) {
    let jieba = &*JIEBA;
    let mut latin = String::new();
    let flush = |latin: &mut String, f: &mut dyn FnMut(&str, &[&str])| {
        if latin.len() >= 2 && !latin.bytes().any(|b| b.is_ascii_digit()) {
            f(&stem(latin), &[]);
        }
        latin.clear();
    };
    let mut run_start: Option<usize> = None;
    let mut parts: Vec<&str> = Vec::new();
    for (i, c) in text.char_indices() {
        if is_cjk(c) {
            flush(&mut latin, &mut f);
            run_start.get_or_insert(i);
            continue;
        }
        if let Some(at) = run_start.take() {
            cut_run(jieba, &text[at..i], &mut parts, &mut f);
        }
        let c = fold(c);
        if c.is_alphanumeric() {
            latin.extend(c.to_lowercase());
        } else {
            flush(&mut latin, &mut f);
        }
    }
    if let Some(at) = run_start {
        cut_run(jieba, &text[at..], &mut parts, &mut f);
    }
    flush(&mut latin, &mut f);
}

/// Cuts one run of CJK characters. Search mode gives a word's parts just before the
/// word, and words never overlap, so from the end backwards a token inside the last
/// word seen (and shorter) is one of its parts, and any other token is a word.
fn cut_run<'t>(
    jieba: &Jieba,
    run: &'t str,
    parts: &mut Vec<&'t str>,
    f: &mut impl FnMut(&str, &[&str]),
) {
    let tokens = jieba.cut_for_search(run, false);
    let mut is_part = vec![false; tokens.len()];
    let mut cover: Option<(usize, usize)> = None;
    for (k, t) in tokens.iter().enumerate().rev() {
        let inside = cover.is_some_and(|(a, b)| {
            a <= t.byte_start && t.byte_end <= b && t.byte_end - t.byte_start < b - a
        });
        if inside {
            is_part[k] = true;
        } else {
            cover = Some((t.byte_start, t.byte_end));
        }
    }
    parts.clear();
    for (t, part) in tokens.iter().zip(is_part) {
        if part {
            parts.push(t.word);
        } else {
            f(t.word, parts);
            parts.clear();
        }
    }
}

/// The classifier's words of `text`, in order, each after its parts.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |w, parts| {
        out.extend(parts.iter().map(|p| (*p).to_owned()));
        out.push(w.to_owned());
    });
    out
}

/// The tokens of `text`, in order.
pub fn tokens(text: &str, unigrams: bool) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(text, unigrams, |t| out.push(t.to_owned()));
    out
}

/// The distinct tokens of `text`, sorted: the form similarity compares.
pub fn token_set(text: &str) -> Vec<String> {
    let mut out = tokens(text, false);
    out.sort_unstable();
    out.dedup();
    out
}

/// The distinct tokens of `text` as 64-bit FNV-1a hashes, sorted: the compact form
/// kept for texts compared many times (a clash between two tokens is far less likely
/// than a typo).
pub fn token_hashes(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for_each_token(text, false, |t| out.push(fnv1a(t.as_bytes())));
    out.sort_unstable();
    out.dedup();
    out
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Cosine similarity of two sorted, distinct token sets, 0.0 to 1.0.
pub fn set_cosine<T: Ord>(a: &[T], b: &[T]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / ((a.len() as f64) * (b.len() as f64)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_sets_compare_like_token_sets() {
        let texts = [
            "3号楼2单元楼道水管漏水",
            "楼道水管漏水，地上全是水",
            "Broken street light on Jianghan Road",
            "street light broken",
            "",
        ];
        for a in texts {
            assert_eq!(token_hashes(a).len(), token_set(a).len(), "{a}");
            for b in texts {
                let plain = set_cosine(&token_set(a), &token_set(b));
                let hashed = set_cosine(&token_hashes(a), &token_hashes(b));
                assert!(
                    (plain - hashed).abs() < 1e-12,
                    "{a} / {b}: {plain} vs {hashed}"
                );
            }
        }
    }

    #[test]
    fn chinese_pairs() {
        assert_eq!(
            tokens("楼道灯坏了", false),
            ["楼道", "道灯", "灯坏", "坏了"]
        );
        assert_eq!(
            tokens("灯坏了", true),
            ["灯", "坏", "灯坏", "坏了"] // 了 is a function character
        );
        // A single character between non-CJK text is kept alone.
        assert_eq!(tokens("吵!", false), ["吵"]);
        assert_eq!(tokens("吵", true), ["吵"]);
        // Runs do not pair across punctuation.
        assert_eq!(tokens("漏水，很急", false), ["漏水", "很急"]);
    }

    #[test]
    fn latin_words() {
        assert_eq!(
            tokens("The LIFT in Block-3 is broken again!", false),
            ["lift", "block", "broken", "again"]
        );
        assert_eq!(tokens("Ｌｉｆｔ　ＢＲＯＫＥＮ", false), ["lift", "broken"]);
        assert_eq!(tokens("room 302", false), ["room", "302"]);
    }

    #[test]
    fn classifier_words() {
        // Whole words, each after its shorter dictionary words; numbers dropped.
        let w = words("3栋2单元楼道灯坏了，晚上很黑");
        assert!(w.contains(&"楼道灯".to_owned()), "{w:?}");
        assert!(w.contains(&"楼道".to_owned()), "{w:?}");
        assert!(w.contains(&"晚上".to_owned()), "{w:?}");
        assert!(
            !w.iter().any(|x| x.contains('3') || x.contains('2')),
            "{w:?}"
        );
        // A seed keyword stays one word.
        assert!(words("有人飞线充电").contains(&"飞线充电".to_owned()));
        let mut seen = Vec::new();
        for_each_word("下水道堵了", |w, parts| {
            seen.push((w.to_owned(), parts.to_vec().join("+")));
        });
        assert_eq!(seen[0], ("下水道".to_owned(), "下水+水道".to_owned()));
        // Latin words: lower-case, plural stripped, one letter and numbers dropped.
        assert_eq!(
            words("The LIGHTS in Block-3 are OUT, 2 bulbs"),
            ["the", "light", "in", "block", "are", "out", "bulb"]
        );
        assert_eq!(words("Ｌｉｆｔｓ"), ["lift"]);
        assert!(words("").is_empty());
        assert!(words("，。!?").is_empty());
    }

    #[test]
    fn plurals() {
        for (word, stemmed) in [
            ("lights", "light"),
            ("batteries", "battery"),
            ("bushes", "bush"),
            ("branches", "branch"),
            ("boxes", "box"),
            ("glasses", "glass"),
            ("noises", "noise"),
            ("glass", "glass"),
            ("bus", "bus"),
            ("this", "this"),
            ("gas", "gas"),
            ("lift", "lift"),
            ("电梯", "电梯"),
        ] {
            assert_eq!(stem(word), stemmed, "{word}");
        }
    }

    #[test]
    fn mixed_text() {
        assert_eq!(
            tokens("3号楼302室water漏水", false),
            ["号楼", "302", "室", "water", "漏水"]
        );
        // "3" is a one-character word and is dropped; 室 is a lone CJK character.
    }

    #[test]
    fn sets_and_cosine() {
        let a = token_set("楼道灯坏了，楼道灯坏了");
        assert_eq!(a, ["坏了", "楼道", "灯坏", "道灯"]);
        let b = token_set("三楼楼道灯坏了");
        assert!((set_cosine(&a, &a) - 1.0).abs() < 1e-12);
        let ab = set_cosine(&a, &b);
        // 4 in common; b has 三楼, 楼楼 too: 4 / sqrt(4 * 6).
        assert!((ab - 4.0 / 24f64.sqrt()).abs() < 1e-12, "{ab}");
        assert_eq!(set_cosine(&a, &token_set("停车位被占")), 0.0);
        assert_eq!(set_cosine(&a, &[]), 0.0);
        assert!(tokens("", true).is_empty());
        assert!(tokens("!!! ...", true).is_empty());
    }
}
