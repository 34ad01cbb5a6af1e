//! Importing residents from a spreadsheet (CSV in UTF-8 or GB18030, or XLSX).
//!
//! A blocking thread reads the file, validates each row ([`validate`]) and seals its
//! personal data, handing chunks over a channel to the writer ([`write`]), which
//! resolves places, matches residents by the ID-number blind index and writes each
//! chunk in one transaction with one audit entry. Nothing of a chunk is half-written.

use std::sync::Arc;

use civicgrid_domain::access::{Actor, Permission};
use civicgrid_domain::ledger::import_row::Column;

use crate::authz::require_somewhere;
use crate::{App, AppError, AppResult};

pub mod jobs;
mod places;
pub mod read;
mod validate;
mod write;

/// Largest file an import accepts by default (bytes).
pub const DEFAULT_MAX_BYTES: usize = 200 * 1024 * 1024;
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
            chunk_rows: DEFAULT_CHUNK_ROWS,
            progress: None,
            hold_writes: false,
        }
    }
}

/// A row that was not imported: its spreadsheet row number, why, and its cells.
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
    pub rejects: Vec<RejectedRow>,
}

impl ImportSummary {
    pub fn rows(&self) -> u64 {
        self.inserted + self.updated + self.unchanged + self.rejected
    }

    /// The rejected rows as a CSV file (UTF-8 with BOM): the original cells plus a
    /// `reason` column, so staff can fix them and import the file again.
    pub fn rejects_csv(&self) -> Vec<u8> {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(&mut out);
            let mut head: Vec<String> = vec!["line".into()];
            head.extend(self.header.iter().cloned());
            head.push("reason".into());
            let _ = w.write_record(&head);
            for r in &self.rejects {
                let mut rec: Vec<String> = vec![r.line.to_string()];
                rec.extend(r.cells.iter().map(|c| crate::ledger_export::neutralise(c)));
                rec.resize(self.header.len() + 1, String::new());
                rec.push(r.reason.clone());
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

/// Refuses a file larger than `max` bytes.
fn check_size(len: usize, max: usize) -> AppResult<()> {
    if len > max {
        return Err(file_error(format!(
            "the file is {} MB; at most {} MB can be imported at once — split it",
            len.div_ceil(1024 * 1024),
            max / (1024 * 1024)
        )));
    }
    Ok(())
}

impl App {
    /// Imports residents from `bytes` (named `file_name`, which picks CSV or XLSX).
    /// File-level problems (too large, unreadable, missing columns) are an error;
    /// row-level problems are rejected rows in the summary.
    pub async fn import_residents(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: Vec<u8>,
        opts: &ImportOptions,
    ) -> AppResult<ImportSummary> {
        require_somewhere(actor, Permission::ImportLedger)?;
        check_size(bytes.len(), opts.max_bytes)?;
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
        let format = read::detect(file_name, &bytes);
        let opened = tokio::task::spawn_blocking(move || read::open(bytes, format))
            .await
            .map_err(|e| AppError::Internal(Box::new(e)))?
            .map_err(file_error)?;
        let mut summary = ImportSummary {
            file_name: file_name.to_owned(),
            encoding: opened.encoding.to_owned(),
            dry_run: opts.dry_run,
            header: opened.header.clone(),
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
            let empty = civicgrid_store::bulk_indexes::ledger_is_empty(&mut tx).await?;
            if empty {
                civicgrid_store::bulk_indexes::drop_deferrable(&mut tx, opts.hold_writes).await?;
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
                    let r = writer
                        .write_chunk(chunk, &mut summary)
                        .await
                        .map(|spent| drop(spent_tx.try_send(spent)));
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
        civicgrid_store::bulk_indexes::ensure(&mut tx).await?;
        civicgrid_store::commit(tx).await?;
        // PostgreSQL plans from table statistics: gather them now rather than leave the
        // first searches to plans made for an empty ledger.
        let mut conn = self.db.read().await?;
        civicgrid_store::bulk_indexes::analyze(&mut conn).await?;
        Ok(())
    }
}
