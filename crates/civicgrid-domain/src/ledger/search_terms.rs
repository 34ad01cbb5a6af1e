//! The terms under which a resident's name is found. Chinese names are short and
//! have no spaces, so every character and every pair of characters is a term (a
//! search for 张三 or 三丰 finds 张三丰); Latin names are split into lower-case words.

/// Is `c` a CJK ideograph (the scripts of Chinese names)?
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Space-separated, de-duplicated search terms for a name.
pub fn name_terms(name: &str) -> String {
    let mut terms: Vec<String> = Vec::new();
    let mut push = |t: String| {
        if !t.is_empty() && !terms.contains(&t) {
            terms.push(t);
        }
    };
    for word in name.split(|c: char| c.is_whitespace() || matches!(c, '·' | '•' | '.' | '-' | '\''))
    {
        let chars: Vec<char> = word.chars().collect();
        if chars.iter().any(|c| is_cjk(*c)) {
            for c in &chars {
                push(c.to_string());
            }
            for pair in chars.windows(2) {
                push(pair.iter().collect());
            }
            push(word.to_owned());
        } else {
            push(word.to_lowercase());
        }
    }
    terms.join(" ")
}

/// Terms of a search query, to be matched all together: a Chinese run becomes its
/// characters' pairs (or the single character), Latin words are lower-cased.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in query.split(|c: char| c.is_whitespace() || matches!(c, '·' | '•' | ',' | '，'))
    {
        let chars: Vec<char> = word.chars().collect();
        if chars.is_empty() {
            continue;
        }
        if chars.iter().all(|c| is_cjk(*c)) {
            if chars.len() == 1 {
                out.push(word.to_owned());
            } else {
                out.extend(chars.windows(2).map(|p| p.iter().collect::<String>()));
            }
        } else {
            out.push(word.to_lowercase());
        }
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names() {
        assert_eq!(name_terms("张三丰"), "张 三 丰 张三 三丰 张三丰");
        assert_eq!(query_terms("张三丰"), vec!["张三", "三丰"]);
        assert_eq!(query_terms("三"), vec!["三"]);
    }

    #[test]
    fn latin_and_mixed_names() {
        assert_eq!(name_terms("John  Smith"), "john smith");
        assert_eq!(
            name_terms("阿依古丽·买买提"),
            "阿 依 古 丽 阿依 依古 古丽 阿依古丽 买 提 买买 买提 买买提"
        );
        assert_eq!(query_terms(" Smith "), vec!["smith"]);
    }
}
