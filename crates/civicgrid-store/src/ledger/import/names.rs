//! The distinct names of one import, numbered in the order they are first met, each
//! with its search terms.
//!
//! A city's million residents share a few hundred thousand names. An import works out
//! each name's terms once, gives every row its name's number, and hands the numbers
//! on: a held load on SQLite gathers its name index from them
//! ([`crate::ledger::import::postings::build`]) without a term string per resident to carry,
//! hash or free.

use crate::{StoreError, StoreResult};

/// Search terms (space-separated, as [`civicgrid_domain::ledger::search::name_terms`]
/// makes them) by name number.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LoadNames {
    terms: Vec<String>,
}

impl LoadNames {
    /// How many names it holds (the next name's number).
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Adds a name by its terms; returns its number.
    pub fn push(&mut self, terms: String) -> u32 {
        self.terms.push(terms);
        (self.terms.len() - 1) as u32
    }

    /// The terms of name `no`, if there is one.
    pub fn terms(&self, no: u32) -> Option<&str> {
        self.terms.get(no as usize).map(String::as_str)
    }

    /// Every name's terms, by number.
    pub fn all(&self) -> &[String] {
        &self.terms
    }

    /// Copies the names of `later` beyond the ones this holds: `later` is this
    /// catalogue as it has grown since.
    ///
    /// Covered by: crates/civicgrid-store/src/ledger/import/names.rs::tests::names_are_numbered_and_expanded
    pub fn catch_up(&mut self, later: &LoadNames) {
        if let Some(new) = later.terms.get(self.terms.len()..) {
            self.terms.extend_from_slice(new);
        }
    }

    /// Whether every name number of `residents` is one of its names.
    pub fn check(&self, residents: &[(i64, u32)]) -> StoreResult<()> {
        match residents.iter().find(|(_, no)| *no as usize >= self.len()) {
            Some((id, no)) => Err(StoreError::Corrupt(format!(
                "resident {id} names name {no} of an import that has {}",
                self.len()
            ))),
            None => Ok(()),
        }
    }

    /// `(resident id, terms)` of each `(resident id, name number)`.
    ///
    /// Covered by: crates/civicgrid-store/src/ledger/import/names.rs::tests::names_are_numbered_and_expanded
    pub fn expand(&self, residents: &[(i64, u32)]) -> StoreResult<Vec<(i64, String)>> {
        self.check(residents)?;
        Ok(residents
            .iter()
            .filter_map(|(id, no)| Some((*id, self.terms(*no)?.to_owned())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_numbered_and_expanded() {
        let mut a = LoadNames::default();
        assert_eq!(a.push("张 三".into()), 0);
        let mut later = a.clone();
        assert_eq!(later.push("li".into()), 1);
        a.catch_up(&later);
        assert_eq!(a, later);
        a.catch_up(&later);
        assert_eq!(a.len(), 2);
        assert_eq!(
            a.expand(&[(7, 1), (8, 0)]).unwrap(),
            vec![(7, "li".to_string()), (8, "张 三".to_string())]
        );
        assert!(a.expand(&[(9, 2)]).is_err());
        assert_eq!(a.terms(5), None);
    }
}
