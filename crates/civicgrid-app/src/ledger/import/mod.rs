//! Importing residents from a spreadsheet (CSV in UTF-8 or GB18030, or XLSX).
//!
//! A blocking thread reads the file, validates each row ([`validate`]) and seals its
//! personal data, handing chunks over a channel to the writer ([`write`]), which
//! resolves places, matches residents by the ID-number blind index and writes each
//! chunk in one transaction with one audit entry. Nothing of a chunk is half-written.

use std::sync::Arc;

use civicgrid_domain::ledger::import::{Column, HeaderMap};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::privacy::{mask_id_number_text, mask_numbers_in, mask_phone_text};

use crate::authz::require_somewhere;
use crate::{App, AppError, AppResult};

pub mod jobs;
mod places;
pub mod read;
mod validate;
mod write;

pub use read::ImportFile;

/// Refuses one who may import nowhere ([`Permission::ImportLedger`]). The import pages
/// ask this before reading an upload or a job number, so that the refusal does not
/// depend on what was sent.
pub fn require_importer(actor: &Actor) -> AppResult<()> {
    require_somewhere(actor, Permission::ImportLedger)
}

/// Largest file an import accepts by default (bytes).
pub const DEFAULT_MAX_BYTES: usize = 200 * 1024 * 1024;
/// Rejected rows kept with their cells by default (the first of a file; the rest are
/// counted).
pub const DEFAULT_MAX_REJECTS: usize = 10_000;
/// Columns of a rejected row kept, at most.
const MAX_REJECT_COLUMNS: usize = 100;
/// Characters of a rejected row's cell kept, at most.
const MAX_REJECT_CELL_CHARS: usize = 200;
/// Bytes of rejected rows kept, at most (the rows after are counted only).
const MAX_REJECTS_BYTES: usize = 8 * 1024 * 1024;
/// Rows written per transaction by default.
pub const DEFAULT_CHUNK_ROWS: usize = 50_000;

/// Reports (done, total) in the file's own unit, for a progress bar.
pub type ProgressFn = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// How to import.
#[derive(Clone)]
pub struct ImportOptions {
    /// Validate and match without writing anything.
    pub dry_run: bool,
    /// Create unknown communities and grids (under the street "Imported").
    pub create_missing: bool,
    pub max_bytes: usize,
    /// Rejected rows kept with their cells: the first ones; the rest are counted.
    pub max_rejects: usize,
    pub chunk_rows: usize,
    pub progress: Option<ProgressFn>,
    /// Write a first load's chunks in one transaction on SQLite, committed when the
    /// load ends (or before communities and grids are created), so that each page is
    /// written once. Other writers wait meanwhile: for the command line, not for an
    /// upload whose progress is saved as it goes.
    pub hold_writes: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            dry_run: false,
            create_missing: false,
            max_bytes: DEFAULT_MAX_BYTES,
            max_rejects: DEFAULT_MAX_REJECTS,
            chunk_rows: DEFAULT_CHUNK_ROWS,
            progress: None,
            hold_writes: false,
        }
    }
}

/// A row that was not imported: its spreadsheet row number, why, and its cells (kept
/// short, ID numbers and phones masked: the line and the reason find it in the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub line: u64,
    pub reason: String,
    pub cells: Vec<String>,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub file_name: String,
    /// `UTF-8`, `UTF-8 (BOM)`, `GB18030` or `XLSX`.
    pub encoding: String,
    pub dry_run: bool,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Codes of communities and grids created (with `create_missing`).
    pub created_nodes: Vec<String>,
    /// The header row as read, for the rejects file.
    pub header: Vec<String>,
    /// The first rejected rows, in line order (see [`ImportOptions::max_rejects`]).
    pub rejects: Vec<RejectedRow>,
}

impl ImportSummary {
    pub fn rows(&self) -> u64 {
        self.inserted + self.updated + self.unchanged + self.rejected
    }

    /// Rejected rows counted but not kept (past the first ones).
    pub fn rejects_not_kept(&self) -> u64 {
        self.rejected.saturating_sub(self.rejects.len() as u64)
    }

    /// The rejected rows as a CSV file (UTF-8 with BOM): the cells as kept plus a
    /// `reason` column, so staff can find them in the file, fix them and import it
    /// again. Every cell, the header's too, is neutralised against formulas.
    pub fn rejects_csv(&self) -> Vec<u8> {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(&mut out);
            let mut head: Vec<String> = vec!["line".into()];
            head.extend(
                self.header
                    .iter()
                    .map(|c| crate::ledger::export::neutralise(c)),
            );
            head.push("reason".into());
            let _ = w.write_record(&head);
            for r in &self.rejects {
                let mut rec: Vec<String> = vec![r.line.to_string()];
                rec.extend(r.cells.iter().map(|c| crate::ledger::export::neutralise(c)));
                rec.resize(self.header.len() + 1, String::new());
                rec.push(crate::ledger::export::neutralise(&r.reason));
                let _ = w.write_record(&rec);
            }
            let _ = w.flush();
        }
        out
    }
}

/// The columns of the import format, for help texts: (code, 中文, required).
pub fn columns() -> Vec<(&'static str, &'static str, bool)> {
    Column::ALL
        .iter()
        .map(|c| (c.code(), c.label_zh(), c.required()))
        .collect()
}

fn file_error(message: impl std::fmt::Display) -> AppError {
    AppError::invalid("file", message)
}

/// Refuses a file larger than `max` bytes; gives the file's size.
fn check_size(file: &ImportFile, max: usize) -> AppResult<u64> {
    let len = file
        .size()
        .map_err(|e| file_error(format!("the file could not be read: {e}")))?;
    if len > max as u64 {
        return Err(file_error(format!(
            "the file is {} MB; at most {} MB can be imported at once — split it",
            len.div_ceil(1024 * 1024),
            max / (1024 * 1024)
        )));
    }
    Ok(len)
}

/// Keeps what an import tells of its rejected rows bounded and free of personal
/// numbers: the first rows (by line) up to a number and a size, each cut to the
/// header's columns and a length, ID numbers and phones masked as on screen.
struct KeptRejects {
    id_col: Option<usize>,
    phone_col: Option<usize>,
    width: usize,
    max_rows: usize,
    bytes: usize,
    full: bool,
}

impl KeptRejects {
    fn new(map: &HeaderMap, header_len: usize, max_rows: usize) -> KeptRejects {
        KeptRejects {
            id_col: map.position(Column::IdNumber),
            phone_col: map.position(Column::Phone),
            width: header_len.min(MAX_REJECT_COLUMNS),
            max_rows,
            bytes: 0,
            full: false,
        }
    }

    /// The header row as kept.
    fn header(&self, header: &[String]) -> Vec<String> {
        header
            .iter()
            .take(self.width)
            .map(|c| cut(mask_numbers_in(c)))
            .collect()
    }

    /// Tidies the rows of `rejects` from `from` on (those of the chunk just written,
    /// after the ones kept before) and keeps the first that fit.
    fn keep(&mut self, rejects: &mut Vec<RejectedRow>, from: usize) {
        let from = from.min(rejects.len());
        if let Some(new) = rejects.get_mut(from..) {
            new.sort_by_key(|r| r.line);
        }
        let mut kept = from;
        for r in rejects.iter_mut().skip(from) {
            if self.full || kept >= self.max_rows {
                break;
            }
            self.tidy(&mut r.cells);
            r.reason = cut(r.reason.clone());
            let size = r.cells.iter().map(|c| c.len() + 3).sum::<usize>() + r.reason.len() + 24;
            if self.bytes + size > MAX_REJECTS_BYTES {
                self.full = true;
                break;
            }
            self.bytes += size;
            kept += 1;
        }
        rejects.truncate(kept);
    }

    fn tidy(&self, cells: &mut Vec<String>) {
        cells.truncate(self.width);
        for (i, c) in cells.iter_mut().enumerate() {
            let masked = if Some(i) == self.id_col {
                mask_id_number_text(c)
            } else if Some(i) == self.phone_col {
                mask_phone_text(c)
            } else {
                mask_numbers_in(c)
            };
            *c = cut(masked);
        }
    }
}

/// `text` cut to [`MAX_REJECT_CELL_CHARS`] characters (with `…` when cut).
fn cut(text: String) -> String {
    match text.char_indices().nth(MAX_REJECT_CELL_CHARS) {
        None => text,
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or_default()),
    }
}

impl App {
    /// Imports residents from `file` (named `file_name`, which picks CSV or XLSX):
    /// bytes read already, or an open file read as a stream. File-level problems (too
    /// large, unreadable, missing columns) are an error; row-level problems are
    /// rejected rows in the summary.
    pub async fn import_residents(
        &self,
        actor: &Actor,
        file_name: &str,
        file: impl Into<ImportFile>,
        opts: &ImportOptions,
    ) -> AppResult<ImportSummary> {
        require_somewhere(actor, Permission::ImportLedger)?;
        let file = file.into();
        check_size(&file, opts.max_bytes)?;
        let catalogue: Vec<civicgrid_domain::ledger::tags::TagDef> = {
            let mut tx = self.db.begin_write().await?;
            civicgrid_store::ledger::ensure_default_catalogue(&mut tx).await?;
            civicgrid_store::commit(tx).await?;
            let mut conn = self.db.read().await?;
            civicgrid_store::ledger::catalogue(&mut conn)
                .await?
                .into_iter()
                .filter(|t| t.active)
                .map(|t| t.def)
                .collect()
        };
        let name = file_name.to_owned();
        let opened = tokio::task::spawn_blocking(move || read::open_named(&name, file))
            .await
            .map_err(|e| AppError::Internal(Box::new(e)))?
            .map_err(file_error)?;
        let mut kept = KeptRejects::new(&opened.map, opened.header.len(), opts.max_rejects);
        let mut summary = ImportSummary {
            file_name: file_name.to_owned(),
            encoding: opened.encoding.to_owned(),
            dry_run: opts.dry_run,
            header: kept.header(&opened.header),
            ..ImportSummary::default()
        };
        // Up to four chunks wait for the writer: while a load creates the file's
        // communities and grids at its start (a second or so for a city's), the reader
        // reads on instead of stopping at its second chunk.
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        // Row buffers the writer has emptied, back to the reader to fill again.
        let (spent_tx, spent_rx) = std::sync::mpsc::sync_channel(4);
        let keys = self.config.field_keys.clone();
        let today = chrono::Local::now().date_naive();
        let chunk_rows = opts.chunk_rows.max(1);
        // A first load into an empty ledger builds the secondary indexes once at the
        // end, and has no stored resident to match rows against.
        let first_load = !opts.dry_run && {
            let mut tx = self.db.begin_write().await?;
            let empty = civicgrid_store::ledger::import::indexes::ledger_is_empty(&mut tx).await?;
            if empty {
                civicgrid_store::ledger::import::indexes::drop_deferrable(
                    &mut tx,
                    opts.hold_writes,
                )
                .await?;
            }
            civicgrid_store::commit(tx).await?;
            empty
        };
        // A held load lets go of its transaction to create a community or grid, and
        // when it has the database to itself reads their places only at its start: it
        // learns them all from the file first.
        let places_first = opts.hold_writes && first_load;
        let producer = tokio::task::spawn_blocking(move || {
            validate::produce(
                opened,
                &catalogue,
                &keys,
                today,
                chunk_rows,
                places_first,
                &validate::Handoff {
                    chunks: tx,
                    spent: spent_rx,
                },
            )
        });
        let mut writer = write::Writer::new(self, actor, opts, file_name, first_load);
        let mut failure: Option<AppError> = None;
        // Where the time goes, for `CIVICGRID_LOG=civicgrid_app=debug`: waiting for the
        // reader, writing, and building the deferred indexes.
        let (mut waited, mut wrote) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
        let mut mark = std::time::Instant::now();
        while let Some(chunk) = rx.recv().await {
            waited += mark.elapsed();
            mark = std::time::Instant::now();
            let result = match chunk {
                Ok(chunk) => {
                    let progress = chunk.progress;
                    let before = summary.rejects.len();
                    let r = writer
                        .write_chunk(chunk, &mut summary)
                        .await
                        .map(|spent| drop(spent_tx.try_send(spent)));
                    kept.keep(&mut summary.rejects, before);
                    wrote += mark.elapsed();
                    mark = std::time::Instant::now();
                    if let Some(p) = &opts.progress {
                        p(progress.0, progress.1);
                    }
                    r
                }
                Err(message) => Err(file_error(message)),
            };
            if let Err(e) = result {
                failure = Some(e);
                break;
            }
        }
        drop(rx);
        let _ = producer.await;
        let mark = std::time::Instant::now();
        if failure.is_none()
            && let Err(e) = writer.finish().await
        {
            failure = Some(e);
        }
        tracing::debug!(?waited, ?wrote, finish = ?mark.elapsed(), "import chunks written");
        let created_nodes = writer.created_nodes();
        // A failed load's connection goes now: what it held uncommitted rolls back.
        drop(writer);
        if first_load {
            // Whether the import succeeded or not, the indexes come back now.
            let mark = std::time::Instant::now();
            let built = self.build_deferred_indexes().await;
            tracing::debug!(took = ?mark.elapsed(), "deferred indexes built");
            if failure.is_none() {
                built?;
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
        summary.created_nodes = created_nodes;
        summary.rejects.sort_by_key(|r| r.line);
        Ok(summary)
    }

    async fn build_deferred_indexes(&self) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        civicgrid_store::ledger::import::indexes::ensure(&mut tx).await?;
        civicgrid_store::commit(tx).await?;
        // PostgreSQL plans from table statistics: gather them now rather than leave the
        // first searches to plans made for an empty ledger.
        let mut conn = self.db.read().await?;
        civicgrid_store::ledger::import::indexes::analyze(&mut conn).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(line: u64, cells: &[&str]) -> RejectedRow {
        RejectedRow {
            line,
            reason: "id_number: wrong".into(),
            cells: cells.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn rejects_kept_are_the_first_ones_masked_and_short() {
        let header: Vec<String> = [
            "community",
            "grid",
            "building",
            "unit",
            "room",
            "name",
            "id_number",
            "phone",
        ]
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
        let map = HeaderMap::from_header(&header).unwrap();
        let id = map.position(Column::IdNumber).unwrap();
        let phone = map.position(Column::Phone).unwrap();
        let mut kept = KeptRejects::new(&map, 8, 3);
        let long = "长".repeat(500);
        let mut row = vec![""; 8];
        row[id] = "11010519491231002X";
        row[phone] = "13812345678";
        row[0] = &long;
        let mut rejects = vec![rejected(9, &row), rejected(4, &row), rejected(5, &row)];
        kept.keep(&mut rejects, 0);
        assert_eq!(
            rejects.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![4, 5, 9]
        );
        assert_eq!(rejects[0].cells[id], "110105********002X");
        assert_eq!(rejects[0].cells[phone], "138****5678");
        assert_eq!(
            rejects[0].cells[0].chars().count(),
            MAX_REJECT_CELL_CHARS + 1
        );
        // The next chunk's rows fill up to the limit; the rest are not kept.
        rejects.push(rejected(12, &row));
        rejects.push(rejected(11, &row));
        kept.keep(&mut rejects, 3);
        assert_eq!(rejects.len(), 3);
        let summary = ImportSummary {
            rejected: 5,
            header: kept.header(&header),
            rejects,
            ..ImportSummary::default()
        };
        assert_eq!(summary.rejects_not_kept(), 2);
    }

    #[test]
    fn the_rejects_file_neutralises_its_header_too() {
        let s = ImportSummary {
            header: vec!["name".into(), "=HYPERLINK(\"x\")".into(), "@SUM(1)".into()],
            rejects: vec![RejectedRow {
                line: 7,
                reason: "phone: not a phone number".into(),
                cells: vec!["张三".into(), "=1+1".into(), "-2".into()],
            }],
            ..ImportSummary::default()
        };
        let csv = String::from_utf8(s.rejects_csv()).unwrap();
        let mut lines = csv.trim_start_matches('\u{feff}').lines();
        assert_eq!(
            lines.next(),
            Some("line,name,\"'=HYPERLINK(\"\"x\"\")\",'@SUM(1),reason")
        );
        assert_eq!(
            lines.next(),
            Some("7,张三,'=1+1,'-2,phone: not a phone number")
        );
    }
}
