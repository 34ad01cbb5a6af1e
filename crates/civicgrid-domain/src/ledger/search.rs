//! The terms under which a resident's name is found. Chinese names are short and
//! have no spaces, so every character and every pair of characters is a term (a
//! search for 张三 or 三丰 finds 张三丰); the name's pinyin without tones, joined
//! (`zhangsanfeng`), the given name's pinyin (`sanfeng`) and the initials (`zsf`, `sf`)
//! are terms too, so staff can type a name on a Latin keyboard. Latin names are split
//! into lower-case words. Every term is lower-case letters, digits and CJK characters,
//! split by single spaces, so the index needs no tokenizer of its own beyond that.
//! Everything here is deterministic: the same name always gives the same terms.

use pinyin::{ToPinyin, ToPinyinMulti};

/// Is `c` a CJK ideograph (the scripts of Chinese names)?
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Characters that may appear in a stored or queried term: letters, digits and CJK.
/// Everything else is dropped, so a term never carries query syntax.
fn term_char(c: char) -> bool {
    c.is_alphanumeric() || is_cjk(c)
}

fn separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '·' | '•' | '.' | '-' | '\'' | ',' | '，' | '、')
}

/// Most readings kept for a surname with several (单: dan, chan, shan).
const MAX_SURNAME_READINGS: usize = 4;

/// A name's terms as they are gathered: one space-separated text, each term once.
/// Built in place (a million names are indexed in one import), without a string per
/// term.
struct Terms {
    text: String,
    /// Where each term lies in `text`.
    spans: Vec<(usize, usize)>,
}

impl Terms {
    fn push(&mut self, term: &str) {
        if term.is_empty() || self.spans.iter().any(|&(a, b)| &self.text[a..b] == term) {
            return;
        }
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        let start = self.text.len();
        self.text.push_str(term);
        self.spans.push((start, self.text.len()));
    }

    /// Pushes the concatenation of `parts` as one term (`scratch` is reused).
    fn push_joined<'a>(&mut self, scratch: &mut String, parts: impl IntoIterator<Item = &'a str>) {
        scratch.clear();
        parts.into_iter().for_each(|p| scratch.push_str(p));
        self.push(scratch);
    }
}

/// Pinyin terms of a run of Chinese characters: full pinyin joined (one per reading of
/// the surname), the given name's pinyin, and the initials of both.
fn pinyin_terms(chars: &[char], terms: &mut Terms) {
    let mut syllables: Vec<&'static str> = Vec::with_capacity(chars.len());
    for c in chars {
        match c.to_pinyin() {
            Some(p) => syllables.push(p.plain()),
            // A character without a reading (rare, or not Chinese): no pinyin for the run.
            None => return,
        }
    }
    let Some((&first, given)) = syllables.split_first() else {
        return;
    };
    let initial = |s: &'static str| s.get(..1).unwrap_or("");
    let mut surnames: Vec<&str> = Vec::with_capacity(MAX_SURNAME_READINGS);
    if let Some(multi) = chars[0].to_pinyin_multi() {
        for p in multi {
            if surnames.len() < MAX_SURNAME_READINGS && !surnames.contains(&p.plain()) {
                surnames.push(p.plain());
            }
        }
    }
    if surnames.is_empty() {
        surnames.push(first);
    }
    // The default reading first, so the common spelling leads.
    surnames.sort_by_key(|s| *s != first);
    let mut scratch = String::with_capacity(32);
    for s in &surnames {
        terms.push_joined(
            &mut scratch,
            std::iter::once(*s).chain(given.iter().copied()),
        );
    }
    for s in &surnames {
        let initials = given.iter().map(|g| initial(g));
        terms.push_joined(&mut scratch, std::iter::once(initial(s)).chain(initials));
    }
    if given.len() >= 2 {
        terms.push_joined(&mut scratch, given.iter().copied());
        terms.push_joined(&mut scratch, given.iter().map(|g| initial(g)));
    }
}

/// Space-separated, de-duplicated search terms for a name.
pub fn name_terms(name: &str) -> String {
    let mut terms = Terms {
        text: String::with_capacity(64),
        spans: Vec::with_capacity(12),
    };
    let mut chars: Vec<char> = Vec::with_capacity(8);
    let mut buf = [0u8; 8];
    for raw in name.split(separator) {
        chars.clear();
        chars.extend(
            raw.chars()
                .filter(|c| term_char(*c))
                .flat_map(char::to_lowercase),
        );
        let word = || chars.iter().collect::<String>();
        if chars.iter().any(|c| is_cjk(*c)) {
            for c in &chars {
                terms.push(c.encode_utf8(&mut buf));
            }
            for pair in chars.windows(2) {
                let first = pair[0].len_utf8();
                pair[0].encode_utf8(&mut buf);
                pair[1].encode_utf8(&mut buf[first..]);
                let len = first + pair[1].len_utf8();
                terms.push(std::str::from_utf8(&buf[..len]).unwrap_or_default());
            }
            // A query of Chinese characters matches by their pairs, so an all-Chinese
            // word is found without itself as a term; a mixed word ("A座张") is
            // queried whole, as a prefix.
            if !chars.iter().all(|c| is_cjk(*c)) {
                terms.push(&word());
            }
            pinyin_terms(&chars, &mut terms);
        } else {
            terms.push(&word());
        }
    }
    terms.text
}

/// One term of a query: the text, and whether it also matches longer terms that
/// start with it (Latin letters and pinyin: `zhangs` finds `zhangsanfeng`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    pub text: String,
    pub prefix: bool,
}

/// Terms of a search query, to be matched all together: a Chinese run becomes its
/// characters' pairs (or the single character), Latin words are lower-cased and
/// matched as prefixes. Only letters, digits and CJK characters survive.
pub fn query_terms(query: &str) -> Vec<QueryTerm> {
    let mut out: Vec<QueryTerm> = Vec::new();
    let mut push = |t: QueryTerm| {
        if !out.contains(&t) {
            out.push(t);
        }
    };
    for raw in query.split(separator) {
        let word: String = raw.chars().filter(|c| term_char(*c)).collect();
        let chars: Vec<char> = word.chars().collect();
        if chars.is_empty() {
            continue;
        }
        if chars.iter().all(|c| is_cjk(*c)) {
            if chars.len() == 1 {
                push(QueryTerm {
                    text: word,
                    prefix: false,
                });
            } else {
                for p in chars.windows(2) {
                    push(QueryTerm {
                        text: p.iter().collect(),
                        prefix: false,
                    });
                }
            }
        } else {
            push(QueryTerm {
                text: word.to_lowercase(),
                prefix: true,
            });
        }
    }
    out
}

/// An FTS5 MATCH expression: every term quoted (a quote inside doubled), prefixes
/// starred, all joined with AND. `None` when there is nothing to match.
pub fn fts5_match(terms: &[QueryTerm]) -> Option<String> {
    let parts: Vec<String> = terms
        .iter()
        .map(|t| {
            let quoted = format!("\"{}\"", t.text.replace('"', "\"\""));
            if t.prefix { quoted + "*" } else { quoted }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// The least text above every term that starts with `prefix` (UTF-8 sorts by code
/// point, so these are the texts in `[prefix, end)`): the prefix with its last
/// character advanced by one. `None` when no text is above them all.
pub fn term_prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value, over the surrogate gap; none after char::MAX.
        let next = (last as u32 + 1..=char::MAX as u32).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A PostgreSQL `to_tsquery('simple', …)` text: every term single-quoted (quotes and
/// backslashes escaped), prefixes as `:*`, joined with `&`.
pub fn tsquery(terms: &[QueryTerm]) -> Option<String> {
    let parts: Vec<String> = terms
        .iter()
        .map(|t| {
            let escaped = t.text.replace('\\', "\\\\").replace('\'', "''");
            if t.prefix {
                format!("'{escaped}':*")
            } else {
                format!("'{escaped}'")
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(q: &str) -> Vec<String> {
        query_terms(q).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn chinese_names_with_pinyin() {
        assert_eq!(
            name_terms("张三丰"),
            "张 三 丰 张三 三丰 zhangsanfeng zsf sanfeng sf"
        );
        assert_eq!(texts("张三丰"), vec!["张三", "三丰"]);
        assert_eq!(texts("三"), vec!["三"]);
        assert!(!query_terms("三")[0].prefix);
    }

    #[test]
    fn surnames_with_several_readings_keep_each() {
        let t = name_terms("曾国藩");
        for want in ["zengguofan", "cengguofan", "zgf", "cgf", "guofan", "gf"] {
            assert!(t.split(' ').any(|x| x == want), "{want} in {t}");
        }
        let t2 = name_terms("单伟");
        assert!(t2.split(' ').any(|x| x == "shanwei"), "{t2}");
        // Deterministic.
        assert_eq!(t, name_terms("曾国藩"));
    }

    #[test]
    fn latin_and_mixed_names() {
        assert_eq!(name_terms("John  Smith"), "john smith");
        let t = name_terms("阿依古丽·买买提");
        assert!(t.starts_with("阿 依 古 丽 阿依 依古 古丽 ayiguli"), "{t}");
        assert!(t.contains("买提 maimaiti"), "{t}");
        // A mixed word is a term whole, as a query gives it.
        assert!(name_terms("A座张").split(' ').any(|x| x == "a座张"));
        assert_eq!(texts("A座张"), vec!["a座张"]);
        assert_eq!(texts(" Smith "), vec!["smith"]);
        assert!(query_terms("zsf")[0].prefix);
    }

    #[test]
    fn every_term_is_lower_case_and_single_spaced() {
        for name in ["ÉLODIE Dupont", "A座张", "B栋 Wang·李四", "  张  三 "] {
            let t = name_terms(name);
            assert_eq!(t, t.to_lowercase(), "{name}");
            assert!(t.split(' ').all(|x| !x.is_empty()), "{name}: {t:?}");
        }
    }

    #[test]
    fn a_prefix_range_holds_exactly_the_terms_that_start_with_it() {
        assert_eq!(term_prefix_end("zh").as_deref(), Some("zi"));
        assert_eq!(term_prefix_end("张").as_deref(), Some("弡"));
        assert_eq!(term_prefix_end("a\u{d7ff}").as_deref(), Some("a\u{e000}"));
        assert_eq!(term_prefix_end("a\u{10ffff}").as_deref(), Some("b"));
        assert_eq!(term_prefix_end("\u{10ffff}"), None);
        assert_eq!(term_prefix_end(""), None);
        let end = term_prefix_end("zhang").unwrap();
        for inside in ["zhang", "zhangsan", "zhang\u{10ffff}"] {
            assert!(inside >= "zhang" && inside < end.as_str(), "{inside}");
        }
        for outside in ["zhan", "zhanh", "zhao", "zi"] {
            assert!(!(outside >= "zhang" && outside < end.as_str()), "{outside}");
        }
    }

    #[test]
    fn query_syntax_cannot_pass() {
        assert_eq!(texts("a\"b OR* c'd:*"), vec!["ab", "or", "c", "d"]);
        assert!(query_terms("\"*:&|!()").is_empty());
        let q = query_terms("张三 zh");
        assert_eq!(fts5_match(&q).as_deref(), Some("\"张三\" AND \"zh\"*"));
        assert_eq!(tsquery(&q).as_deref(), Some("'张三' & 'zh':*"));
        assert_eq!(fts5_match(&[]), None);
        let odd = [QueryTerm {
            text: "a'\"\\b".into(),
            prefix: false,
        }];
        assert_eq!(fts5_match(&odd).as_deref(), Some("\"a'\"\"\\b\""));
        assert_eq!(tsquery(&odd).as_deref(), Some("'a''\"\\\\b'"));
    }
}
