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

use crate::ledger::search_terms::is_cjk;

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
