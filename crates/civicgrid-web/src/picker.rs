//! Choosing a person, an organisation, a room or a household by name: a search box
//! and the matches as choices, instead of a typed number.
//!
//! Every picker is the same form parts (`templates/macros.html`, `picker` and
//! `picker_matches`), named after its field: the chosen value is posted as `<field>`
//! (e.g. `assignee_id`), the search text as `<stem>_q` (`assignee_q`) and the search
//! button as `find_<stem>`. With htmx the button fetches the matches alone from the
//! picker's search URL (a GET with those two names) and swaps them in; without
//! JavaScript it submits the whole form, whose handler sees `find_<stem>` and shows
//! the form again with the matches. A chosen value that the current matches do not
//! show is carried along hidden, with its label when the page knows it.

use std::collections::HashMap;

/// One choice found by a search: the value posted and what people read.
#[derive(Debug, Clone)]
pub struct PickMatch {
    pub value: String,
    /// The name as people say it (张**, 湖光物业).
    pub label: String,
    /// Where or what it is (1栋1单元204室 · 湖光社区第1网格), may be empty.
    pub detail: String,
}

/// The state of one picker on a form.
#[derive(Debug, Clone)]
pub struct Pick {
    /// The field posted with the chosen value.
    pub field: &'static str,
    /// The stem of the search field and button names (`<stem>_q`, `find_<stem>`).
    pub stem: &'static str,
    /// Where htmx fetches the matches alone.
    pub search_url: String,
    pub q: String,
    /// A search was made (so "none found" can be said).
    pub searched: bool,
    pub matches: Vec<PickMatch>,
    /// The chosen value, or empty.
    pub chosen: String,
    /// What the chosen value is called, when known and not among the matches.
    pub chosen_label: String,
    /// The label of an explicit "none" choice, shown first when set.
    pub none_label: Option<String>,
}

/// The longest search text kept.
pub const MAX_QUERY_CHARS: usize = 100;

impl Pick {
    /// A picker with nothing searched, `chosen` preselected.
    pub fn new(field: &'static str, stem: &'static str, search_url: &str, chosen: &str) -> Pick {
        Pick {
            field,
            stem,
            search_url: search_url.to_owned(),
            q: String::new(),
            searched: false,
            matches: Vec::new(),
            chosen: chosen.trim().to_owned(),
            chosen_label: String::new(),
            none_label: None,
        }
    }

    /// The search text and chosen value read from a form or a query string.
    pub fn read(mut self, fields: &HashMap<String, String>) -> Pick {
        if let Some(q) = fields.get(&format!("{}_q", self.stem)) {
            self.q = q.trim().chars().take(MAX_QUERY_CHARS).collect();
        }
        if let Some(v) = fields.get(self.field) {
            self.chosen = v.trim().to_owned();
        }
        self
    }

    /// The search results, marking the picker as searched.
    pub fn found(mut self, matches: Vec<PickMatch>) -> Pick {
        self.searched = true;
        self.matches = matches;
        self
    }

    /// Offers an explicit "none" choice first.
    pub fn with_none(mut self, label: String) -> Pick {
        self.none_label = Some(label);
        self
    }

    /// The chosen value is among the matches shown (else it is carried hidden).
    pub fn shows_chosen(&self) -> bool {
        self.matches.iter().any(|m| m.value == self.chosen)
    }

    /// The id of the element the matches are swapped into.
    pub fn matches_id(&self) -> String {
        format!("{}-matches", self.stem)
    }
}

/// The form was submitted to search the picker named `stem`, not to save (the
/// no-JavaScript path: the page shows the form again with the matches).
pub fn is_search(fields: &HashMap<String, String>, stem: &str) -> bool {
    fields.contains_key(&format!("find_{stem}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_its_own_names_only() {
        let p = Pick::new("assignee_id", "assignee", "/x", "").read(&fields(&[
            ("assignee_q", "  张 "),
            ("assignee_id", " 7 "),
            ("resident_q", "李"),
        ]));
        assert_eq!((p.q.as_str(), p.chosen.as_str()), ("张", "7"));
        assert!(!is_search(&fields(&[("find_resident", "1")]), p.stem));
        assert!(is_search(&fields(&[("find_assignee", "1")]), p.stem));
    }

    #[test]
    fn long_searches_are_cut() {
        let long = "好".repeat(MAX_QUERY_CHARS + 10);
        let p = Pick::new("a", "a", "/x", "").read(&fields(&[("a_q", &long)]));
        assert_eq!(p.q.chars().count(), MAX_QUERY_CHARS);
    }

    #[test]
    fn a_chosen_value_outside_the_matches_is_carried_hidden() {
        let m = |v: &str| PickMatch {
            value: v.to_owned(),
            label: v.to_owned(),
            detail: String::new(),
        };
        let p = Pick::new("a", "a", "/x", "3").found(vec![m("1"), m("2")]);
        assert!(p.searched && !p.shows_chosen());
        assert!(p.found(vec![m("3")]).shows_chosen());
    }
}
