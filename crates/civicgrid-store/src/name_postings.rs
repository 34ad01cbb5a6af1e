//! The name index of a held load's new residents, built in memory and written once.
//!
//! FTS5 takes a second or more of one core per million residents to index their names
//! term by term, and its index must then be copied into the load's transaction. A held
//! load knows all its new residents' terms at its end, so it gathers each term's
//! residents itself while the database builds the other indexes ([`build`]) and writes
//! one row per term ([`write`]): `resident_name_postings (term, first_id, ids)`, the
//! ids a JSON array that a search reads with `json_each`. The load's id range goes to
//! `resident_name_loads`; a resident renamed or removed later is listed in
//! `resident_name_stale` ([`STALE_SQL`]) and found in FTS5 from then on (see
//! [`crate::search`]). SQLite only: PostgreSQL indexes every resident as it comes.

use foldhash::{HashMap, HashMapExt};
use rusqlite::Connection;

use crate::StoreResult;

/// Lists resident `$1` as changed since its load indexed it, when a load did (SQLite).
pub const STALE_SQL: &str = "INSERT OR IGNORE INTO resident_name_stale (resident_id) \
     SELECT $1 WHERE EXISTS (SELECT 1 FROM resident_name_loads WHERE first_id <= $1 AND last_id >= $1)";

/// One load's name index: every term with its residents' ids as a JSON array, sorted
/// by term.
#[derive(Debug, Default, PartialEq)]
pub struct Postings {
    first_id: i64,
    last_id: i64,
    terms: Vec<(String, String)>,
}

impl Postings {
    /// How many distinct terms it holds.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// Gathers the residents of each term of `entries` (resident id, space-separated
/// terms), which must be new residents with ids no resident indexed before holds.
///
/// A city's million residents share a few hundred thousand names, so the terms of each
/// distinct name are looked up once; each term's residents are then laid out by
/// counting (how many hold it, then every resident in id order at its term's next
/// slot), without a list per term to grow or sort.
pub fn build(entries: &[(i64, String)]) -> Postings {
    let (Some(first_id), Some(last_id)) = (
        entries.iter().map(|e| e.0).min(),
        entries.iter().map(|e| e.0).max(),
    ) else {
        return Postings::default();
    };
    // Each entry's name, numbered; each name's terms, numbered.
    let mut name_no: HashMap<&str, u32> = HashMap::with_capacity(entries.len() / 4);
    let mut term_no: HashMap<&str, u32> = HashMap::with_capacity(entries.len() / 4);
    let mut terms: Vec<&str> = Vec::new();
    let mut name_terms: Vec<u32> = Vec::new();
    let mut name_starts: Vec<usize> = Vec::new();
    let entry_names: Vec<u32> = entries
        .iter()
        .map(|(_, text)| {
            *name_no.entry(text.as_str()).or_insert_with(|| {
                name_starts.push(name_terms.len());
                for term in text.split(' ').filter(|t| !t.is_empty()) {
                    let no = *term_no.entry(term).or_insert_with(|| {
                        terms.push(term);
                        (terms.len() - 1) as u32
                    });
                    name_terms.push(no);
                }
                (name_starts.len() - 1) as u32
            })
        })
        .collect();
    name_starts.push(name_terms.len());
    let terms_of = |name: u32| {
        let n = name as usize;
        &name_terms[name_starts[n]..name_starts[n + 1]]
    };
    // Where each term's residents start, from how many hold it.
    let mut next = vec![0usize; terms.len() + 1];
    for &name in &entry_names {
        for &t in terms_of(name) {
            next[t as usize + 1] += 1;
        }
    }
    for i in 1..next.len() {
        next[i] += next[i - 1];
    }
    let starts = next.clone();
    let mut by_id: Vec<usize> = (0..entries.len()).collect();
    if !entries.is_sorted_by_key(|e| e.0) {
        by_id.sort_unstable_by_key(|&i| entries[i].0);
    }
    let mut ids = vec![0i64; starts[terms.len()]];
    for i in by_id {
        for &t in terms_of(entry_names[i]) {
            ids[next[t as usize]] = entries[i].0;
            next[t as usize] += 1;
        }
    }
    let mut order: Vec<u32> = (0..terms.len() as u32).collect();
    order.sort_unstable_by_key(|&t| terms[t as usize]);
    let terms = order
        .into_iter()
        .map(|t| {
            let t = t as usize;
            let mut held = &ids[starts[t]..starts[t + 1]];
            let deduped: Vec<i64>;
            if held.windows(2).any(|w| w[0] == w[1]) {
                // The same resident twice (the same id given twice).
                deduped = {
                    let mut v = held.to_vec();
                    v.dedup();
                    v
                };
                held = &deduped;
            }
            (terms[t].to_owned(), json_array(held))
        })
        .collect();
    Postings {
        first_id,
        last_id,
        terms,
    }
}

/// `[1,2,3]`.
fn json_array(ids: &[i64]) -> String {
    let mut out = String::with_capacity(ids.len() * 8 + 2);
    let mut digits = itoa::Buffer::new();
    out.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(digits.format(*id));
    }
    out.push(']');
    out
}

/// Writes `postings` on `c`, in its open transaction.
pub fn write(c: &Connection, postings: &Postings) -> StoreResult<()> {
    if postings.is_empty() {
        return Ok(());
    }
    c.execute(
        "INSERT INTO resident_name_loads (first_id, last_id) VALUES (?1, ?2)",
        [postings.first_id, postings.last_id],
    )?;
    let mut insert =
        c.prepare("INSERT INTO resident_name_postings (term, first_id, ids) VALUES (?1, ?2, ?3)")?;
    for (term, ids) in &postings.terms {
        insert.execute(rusqlite::params![term, postings.first_id, ids])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_term_lists_its_residents_in_id_order() {
        let entries = vec![
            (12, "张 三 张三 zhangsan".to_string()),
            (10, "张 伟 张伟 zhangwei".to_string()),
            (11, "john smith".to_string()),
        ];
        let p = build(&entries);
        assert_eq!((p.first_id, p.last_id), (10, 12));
        let terms: Vec<(&str, &str)> = p
            .terms
            .iter()
            .map(|(t, ids)| (t.as_str(), ids.as_str()))
            .collect();
        assert_eq!(
            terms,
            vec![
                ("john", "[11]"),
                ("smith", "[11]"),
                ("zhangsan", "[12]"),
                ("zhangwei", "[10]"),
                ("三", "[12]"),
                ("伟", "[10]"),
                ("张", "[10,12]"),
                ("张三", "[12]"),
                ("张伟", "[10]"),
            ]
        );
        assert!(build(&[]).is_empty());
    }

    #[test]
    fn written_postings_are_read_back_by_json_each() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(include_str!("../migrations/sqlite/0015_name_postings.sql"))
            .unwrap();
        let entries: Vec<(i64, String)> =
            (1..=1000).map(|i| (i, format!("t{} all", i % 7))).collect();
        write(&c, &build(&entries)).unwrap();
        let n: i64 = c
            .query_row(
                "SELECT count(*) FROM resident_name_postings p, json_each(p.ids) j \
                 WHERE p.term = 'all'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1000);
        let sum: i64 = c
            .query_row(
                "SELECT sum(j.value) FROM resident_name_postings p, json_each(p.ids) j \
                 WHERE p.term = 't3'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(sum, (1..=1000).filter(|i| i % 7 == 3).sum::<i64>());
    }
}
