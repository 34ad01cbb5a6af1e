//! The name index of a held load's new residents, built in memory and written once.
//!
//! FTS5 takes a second or more of one core per million residents to index their names
//! term by term, and its index must then be copied into the load's transaction. A held
//! load knows all its new residents' terms at its end, so it gathers each term's
//! residents itself while the database builds the other indexes ([`build`]) and writes
//! one row per term ([`write`]): `resident_name_postings (term, first_id, ids)`, the
//! ids ascending, each stored as its distance from the one before in a variable-length
//! integer (a few bytes each). A search reads the rows of its terms and intersects
//! them here ([`loaded_matches`]). The load's id range goes to `resident_name_loads`; a
//! resident renamed or removed later is listed in `resident_name_stale` ([`STALE_SQL`])
//! and found in FTS5 from then on (see [`crate::ledger::search`]). SQLite only: PostgreSQL
//! indexes every resident as it comes.

use civicgrid_domain::ledger::search::{QueryTerm, term_prefix_end};
use foldhash::{HashMap, HashMapExt};
use rusqlite::Connection;
use sqlx::Row;

use crate::StoreResult;
use crate::ledger::import::names::LoadNames;

/// Lists resident `$1` as changed since its load indexed it, when a load did (SQLite).
pub const STALE_SQL: &str = "INSERT OR IGNORE INTO resident_name_stale (resident_id) \
     SELECT $1 WHERE EXISTS (SELECT 1 FROM resident_name_loads WHERE first_id <= $1 AND last_id >= $1)";

/// One load's name index: every term with its residents' ids (as `encode` writes
/// them), sorted by term.
#[derive(Debug, Default, PartialEq)]
pub struct Postings {
    first_id: i64,
    last_id: i64,
    terms: Vec<(String, Vec<u8>)>,
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

/// Gathers the residents of each term of `entries` (resident id, number of its name
/// in `names`), which must be new residents with ids no resident indexed before holds;
/// an entry whose name `names` lacks is left out (the caller checks them first).
///
/// The terms of each distinct name are looked up once; each term's residents are then
/// laid out by counting (how many hold it, then every resident in id order at its
/// term's next slot), without a list per term to grow or sort.
///
/// Covered by: crates/civicgrid-store/src/ledger/import/postings.rs::tests::each_term_lists_its_residents_in_id_order
pub fn build(names: &LoadNames, entries: &[(i64, u32)]) -> Postings {
    let entries: Vec<(i64, u32)> = entries
        .iter()
        .copied()
        .filter(|(_, no)| (*no as usize) < names.len())
        .collect();
    let (Some(first_id), Some(last_id)) = (
        entries.iter().map(|e| e.0).min(),
        entries.iter().map(|e| e.0).max(),
    ) else {
        return Postings::default();
    };
    // Each name's terms, numbered.
    let mut term_no: HashMap<&str, u32> = HashMap::with_capacity(names.len());
    let mut terms: Vec<&str> = Vec::new();
    let mut name_terms: Vec<u32> = Vec::with_capacity(names.len() * 8);
    let mut name_starts: Vec<usize> = Vec::with_capacity(names.len() + 1);
    for text in names.all() {
        let start = name_terms.len();
        name_starts.push(start);
        for term in text.split(' ').filter(|t| !t.is_empty()) {
            let no = *term_no.entry(term).or_insert_with(|| {
                terms.push(term);
                (terms.len() - 1) as u32
            });
            // A name's terms are distinct; should one repeat, it counts once.
            if !name_terms[start..].contains(&no) {
                name_terms.push(no);
            }
        }
    }
    name_starts.push(name_terms.len());
    let terms_of = |name: u32| {
        let n = name as usize;
        &name_terms[name_starts[n]..name_starts[n + 1]]
    };
    // Where each term's residents start, from how many hold it.
    let mut next = vec![0usize; terms.len() + 1];
    for &(_, name) in &entries {
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
        let (id, name) = entries[i];
        for &t in terms_of(name) {
            ids[next[t as usize]] = id;
            next[t as usize] += 1;
        }
    }
    let mut order: Vec<u32> = (0..terms.len() as u32)
        .filter(|&t| starts[t as usize] < starts[t as usize + 1])
        .collect();
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
            (terms[t].to_owned(), encode(held))
        })
        .collect();
    Postings {
        first_id,
        last_id,
        terms,
    }
}

/// Ascending `ids` as LEB128 varints of the gaps between them (the first from 0).
fn encode(ids: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ids.len() * 3);
    let mut last = 0i64;
    for &id in ids {
        let mut gap = id.wrapping_sub(last) as u64;
        last = id;
        while gap >= 0x80 {
            out.push((gap as u8) | 0x80);
            gap >>= 7;
        }
        out.push(gap as u8);
    }
    out
}

/// The ids [`encode`] wrote into `blob`, appended to `out`.
fn decode(blob: &[u8], out: &mut Vec<i64>) -> StoreResult<()> {
    let (mut last, mut gap, mut shift) = (0i64, 0u64, 0u32);
    for &b in blob {
        if shift > 63 {
            return Err(corrupt());
        }
        gap |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            last = last.wrapping_add(gap as i64);
            out.push(last);
            (gap, shift) = (0, 0);
        } else {
            shift += 7;
        }
    }
    if shift != 0 {
        return Err(corrupt());
    }
    Ok(())
}

fn corrupt() -> crate::StoreError {
    crate::StoreError::Corrupt("a term's residents in the name index do not decode".into())
}

/// `[1,2,3]`: ids as a JSON array, for `json_each`.
///
/// Covered by: crates/civicgrid-store/src/ledger/import/postings.rs::tests::ids_round_trip_through_their_gaps
pub fn json_array(ids: &[i64]) -> String {
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

/// The residents the loads indexed whose names hold every one of `terms`, ascending
/// (those changed since included: the caller leaves out `resident_name_stale`). Each
/// term is one indexed read of its rows, a prefix a range of them.
///
/// Covered by: crates/civicgrid-store/tests/conformance/name_index.rs
/// (name searches after a load, on SQLite)
pub async fn loaded_matches(
    conn: &mut sqlx::AnyConnection,
    terms: &[QueryTerm],
) -> StoreResult<Vec<i64>> {
    let mut matched: Option<Vec<i64>> = None;
    for t in terms {
        let end = if t.prefix {
            term_prefix_end(&t.text)
        } else {
            None
        };
        let query = match (t.prefix, &end) {
            (false, _) => sqlx::query("SELECT ids FROM resident_name_postings WHERE term = $1"),
            (true, Some(_)) => {
                sqlx::query("SELECT ids FROM resident_name_postings WHERE term >= $1 AND term < $2")
            }
            (true, None) => sqlx::query("SELECT ids FROM resident_name_postings WHERE term >= $1"),
        };
        let mut query = query.bind(t.text.as_str());
        if let Some(end) = &end {
            query = query.bind(end.as_str());
        }
        let rows = query.fetch_all(&mut *conn).await?;
        let mut ids = Vec::new();
        for r in &rows {
            decode(&r.try_get::<Vec<u8>, _>("ids")?, &mut ids)?;
        }
        if rows.len() > 1 {
            ids.sort_unstable();
            ids.dedup();
        }
        let next = match matched {
            None => ids,
            Some(before) => intersect(&before, &ids),
        };
        if next.is_empty() {
            return Ok(next);
        }
        matched = Some(next);
    }
    Ok(matched.unwrap_or_default())
}

/// The ids in both ascending lists.
fn intersect(a: &[i64], b: &[i64]) -> Vec<i64> {
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(a.len().min(b.len())));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
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

    fn decoded(blob: &[u8]) -> Vec<i64> {
        let mut out = Vec::new();
        decode(blob, &mut out).unwrap();
        out
    }

    #[test]
    fn each_term_lists_its_residents_in_id_order() {
        let mut names = LoadNames::default();
        for n in [
            "张 三 张三 zhangsan",
            "张 伟 张伟 zhangwei",
            "john smith",
            "unused",
        ] {
            names.push(n.to_string());
        }
        // Two residents share a name; an entry naming no name is left out.
        let p = build(&names, &[(12, 0), (10, 1), (11, 2), (13, 9), (14, 0)]);
        assert_eq!((p.first_id, p.last_id), (10, 14));
        let terms: Vec<(&str, Vec<i64>)> = p
            .terms
            .iter()
            .map(|(t, ids)| (t.as_str(), decoded(ids)))
            .collect();
        assert_eq!(
            terms,
            vec![
                ("john", vec![11]),
                ("smith", vec![11]),
                ("zhangsan", vec![12, 14]),
                ("zhangwei", vec![10]),
                ("三", vec![12, 14]),
                ("伟", vec![10]),
                ("张", vec![10, 12, 14]),
                ("张三", vec![12, 14]),
                ("张伟", vec![10]),
            ]
        );
        assert!(build(&names, &[]).is_empty());
        assert!(build(&names, &[(5, 4)]).is_empty());
    }

    #[test]
    fn ids_round_trip_through_their_gaps() {
        let ids = [1, 2, 129, 130, 20_000, 1 << 40, i64::MAX];
        let blob = encode(&ids);
        assert_eq!(decoded(&blob), ids);
        assert_eq!(encode(&[1, 2, 3]), vec![1, 1, 1]);
        // A varint cut short, or one that never ends, is refused.
        assert!(decode(&blob[..blob.len() - 1], &mut Vec::new()).is_err());
        assert!(decode(&[0xff; 11], &mut Vec::new()).is_err());
        assert_eq!(intersect(&[1, 3, 5, 7], &[2, 3, 7, 9]), vec![3, 7]);
        assert_eq!(json_array(&[3, 17]), "[3,17]");
    }
}
