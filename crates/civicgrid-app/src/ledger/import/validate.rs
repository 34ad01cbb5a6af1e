//! The producer side of an import, on a blocking thread: reads rows, validates them,
//! rejects repeated ID numbers, seals personal data and computes blind indexes and
//! name search terms, then hands chunks to the writer.

use foldhash::{HashMap, HashMapExt};

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::id_number::IdNumber;
use civicgrid_domain::ledger::import::{ValidRow, validate_row};
use civicgrid_domain::ledger::search::name_terms;
use civicgrid_domain::ledger::tags::TagDef;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::pii::{self, SealedPii};
use std::sync::mpsc::Receiver;
use tokio::sync::mpsc::Sender;

use super::RejectedRow;
use super::read::{Opened, PackedCells};

/// A valid row, ready to write.
pub struct Prepared {
    pub line: u64,
    pub row: ValidRow,
    pub pii: SealedPii,
    /// The number of its name among the import's names (see [`Chunk::new_names`]).
    pub name_no: u32,
    /// The row's cells, kept in case the writer rejects it (an unknown grid).
    pub cells: PackedCells,
}

/// A batch of rows for one write transaction.
pub struct Chunk {
    /// Places (community, grid) to resolve before any row: in a first chunk read
    /// ahead from the whole file, so that a held load creates them all at its start.
    pub places: Vec<(String, String)>,
    pub rows: Vec<Prepared>,
    pub rejects: Vec<RejectedRow>,
    /// The search terms of the names first met in this chunk, numbered on from the
    /// names of the chunks before (see [`civicgrid_store::ledger::import::names`]).
    pub new_names: Vec<String>,
    /// Progress through the file after this chunk.
    pub progress: (u64, u64),
}

/// How chunks go to the writer, and their emptied row buffers come back.
pub struct Handoff {
    pub chunks: Sender<Result<Chunk, String>>,
    pub spent: Receiver<Vec<Prepared>>,
}

/// The import's names met so far, by number: each name's terms are worked out once.
#[derive(Default)]
struct NameNumbers {
    by_name: HashMap<String, u32>,
}

impl NameNumbers {
    /// The number of `name`; a name not met before gets the next one, and its terms
    /// go to `new_names`.
    fn number(&mut self, name: &str, new_names: &mut Vec<String>) -> u32 {
        if let Some(no) = self.by_name.get(name) {
            return *no;
        }
        let no = self.by_name.len() as u32;
        self.by_name.insert(name.to_owned(), no);
        new_names.push(name_terms(name));
        no
    }
}

/// An ID number as one exact integer key (17 digits, then the check character).
fn id_key(id: &IdNumber) -> u64 {
    let s = id.as_str().as_bytes();
    let mut k: u64 = 0;
    for b in &s[..17] {
        k = k * 10 + u64::from(b - b'0');
    }
    let check = match s[17] {
        b'X' => 10,
        b => u64::from(b - b'0'),
    };
    k * 11 + check
}

/// Reads every row of `opened` and sends chunks of up to `chunk_rows` to `out`; a
/// file-level read error is sent as `Err` and ends the reading. The first chunks are
/// smaller (a sixteenth, doubling), so the writer starts early and progress shows.
/// With `places_first`, a chunk of only the file's places goes before them.
pub fn produce(
    mut opened: Opened,
    catalogue: &[TagDef],
    keys: &FieldKeys,
    today: Date,
    chunk_rows: usize,
    places_first: bool,
    handoff: &Handoff,
) {
    let (out, spent) = (&handoff.chunks, &handoff.spent);
    if places_first {
        let mut first = new_chunk(0, spent);
        let started = std::time::Instant::now();
        first.places = opened.rows.places_ahead(&opened.map);
        tracing::debug!(took = ?started.elapsed(), places = first.places.len(), "places read ahead");
        first.progress = (0, opened.rows.progress().1);
        if out.blocking_send(Ok(first)).is_err() {
            return;
        }
    }
    let mut seen: HashMap<u64, u64> = HashMap::new();
    let mut names = NameNumbers::default();
    let mut limit = (chunk_rows / 16).max(1);
    let mut chunk = new_chunk(limit, spent);
    while let Some(next) = opened.rows.next_row() {
        let raw = match next {
            Ok(raw) => raw,
            Err(message) => {
                let _ = out.blocking_send(Err(message));
                return;
            }
        };
        let checked = match raw.problem {
            Some(p) => Err(p.to_string()),
            None => {
                let cells: Vec<&str> = raw.cells.iter().collect();
                validate_row(&opened.map, &cells, catalogue, today).map_err(|e| e.to_string())
            }
        };
        match checked {
            Err(reason) => chunk.rejects.push(RejectedRow {
                line: raw.line,
                reason,
                cells: raw.cells.unpack(),
            }),
            Ok(row) => {
                let first = *seen.entry(id_key(&row.id_number)).or_insert(raw.line);
                if first != raw.line {
                    chunk.rejects.push(RejectedRow {
                        line: raw.line,
                        reason: format!(
                            "id_number: the same ID number is already on line {first} of this file"
                        ),
                        cells: raw.cells.unpack(),
                    });
                    continue;
                }
                let sealed = pii::seal(
                    keys,
                    Some(&row.id_number),
                    row.phone.as_ref(),
                    row.birth_date,
                );
                chunk.rows.push(Prepared {
                    line: raw.line,
                    name_no: names.number(&row.name, &mut chunk.new_names),
                    row,
                    pii: sealed,
                    cells: raw.cells,
                });
            }
        }
        if chunk.rows.len() + chunk.rejects.len() >= limit {
            chunk.progress = opened.rows.progress();
            limit = (limit * 2).min(chunk_rows);
            let full = std::mem::replace(&mut chunk, new_chunk(limit, spent));
            if out.blocking_send(Ok(full)).is_err() {
                return;
            }
        }
    }
    chunk.progress = opened.rows.progress();
    chunk.progress.0 = chunk.progress.1;
    let _ = out.blocking_send(Ok(chunk));
}

/// An empty chunk for `n` rows, in a buffer the writer has emptied if there is one.
fn new_chunk(n: usize, spent: &Receiver<Vec<Prepared>>) -> Chunk {
    let mut rows = spent.try_recv().unwrap_or_default();
    rows.clear();
    rows.reserve(n);
    Chunk {
        places: Vec::new(),
        rows,
        rejects: Vec::new(),
        new_names: Vec::new(),
        progress: (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_keys_are_exact() {
        let a = IdNumber::parse("11010519491231002X").unwrap();
        let b = IdNumber::parse("110105194912310029").unwrap_or(a.clone());
        assert_eq!(id_key(&a), id_key(&a.clone()));
        if a != b {
            assert_ne!(id_key(&a), id_key(&b));
        }
    }
}
