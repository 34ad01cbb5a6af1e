//! Imports as background jobs: an upload returns at once with a job id; the import
//! runs on its own task, its progress and heartbeat saved about once a second, and its
//! summary and (sealed) rejected rows saved when it ends. Only the uploader sees a job.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use civicgrid_domain::access::{Actor, Permission};
use civicgrid_store::import_jobs::{self as repo, ImportJob};
use serde_json::{Value, json};

use super::{ImportOptions, ImportSummary, RejectedRow};
use crate::authz::require_somewhere;
use crate::{App, AppError, AppResult};

/// Field name (associated data) the rejected rows are sealed under.
const F_REJECTS: &str = "import_jobs.rejects";
/// Rows per transaction of an upload: the server is answering requests meanwhile, and
/// their writes wait while a chunk is written (about a second at this size).
const LIVE_CHUNK_ROWS: usize = 10_000;
/// A running job whose heartbeat is older than this has stopped with its process.
const STALE_AFTER_MS: i64 = 60_000;
/// Rejected rows shown on the job's page (all of them are in the download).
pub const SHOWN_REJECTS: usize = 200;

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Running,
    Done,
    Failed,
    /// Its process stopped before it ended.
    Interrupted,
}

impl JobState {
    pub fn code(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Interrupted => "interrupted",
        }
    }
}

/// A job as its page shows it.
#[derive(Debug, Clone)]
pub struct ImportJobView {
    pub id: i64,
    pub file_name: String,
    pub dry_run: bool,
    pub state: JobState,
    pub done_units: u64,
    pub total_units: u64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub error: Option<String>,
    /// Once done: counts, encoding, created nodes, and the first rejected rows.
    pub summary: Option<ImportSummary>,
}

impl ImportJobView {
    /// Progress in whole percent (0 while the size is unknown).
    pub fn percent(&self) -> u64 {
        match self.state {
            JobState::Done => 100,
            _ if self.total_units == 0 => 0,
            _ => (self.done_units.saturating_mul(100) / self.total_units).min(100),
        }
    }
}

fn summary_json(s: &ImportSummary) -> Value {
    json!({
        "encoding": s.encoding,
        "inserted": s.inserted,
        "updated": s.updated,
        "unchanged": s.unchanged,
        "rejected": s.rejected,
        "created_nodes": s.created_nodes,
        "header": s.header,
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads rows of a rejects CSV back (line, cells…, reason).
fn parse_rejects(csv_bytes: &[u8], limit: usize) -> Vec<RejectedRow> {
    let text = csv_bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(csv_bytes);
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text);
    let mut out = Vec::new();
    for rec in r.records().take(limit).flatten() {
        let mut cells: Vec<String> = rec.iter().map(str::to_owned).collect();
        if cells.len() < 2 {
            continue;
        }
        let reason = cells.pop().unwrap_or_default();
        let line = cells.remove(0);
        out.push(RejectedRow {
            line: line.parse().unwrap_or(0),
            reason,
            cells,
        });
    }
    out
}

impl App {
    /// Starts importing `bytes` in the background; returns the job id at once.
    pub async fn start_import(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: Vec<u8>,
        opts: ImportOptions,
    ) -> AppResult<i64> {
        require_somewhere(actor, Permission::ImportLedger)?;
        super::check_size(bytes.len(), opts.max_bytes)?;
        let id = {
            let mut tx = self.db.begin_write().await?;
            let id = repo::create(
                &mut tx,
                actor.user_id,
                file_name,
                opts.dry_run,
                opts.create_missing,
            )
            .await?;
            civicgrid_store::commit(tx).await?;
            id
        };
        let app = self.clone();
        let actor = actor.clone();
        let file_name = file_name.to_owned();
        tokio::spawn(async move { app.run_import_job(id, actor, file_name, bytes, opts).await });
        Ok(id)
    }

    async fn run_import_job(
        &self,
        id: i64,
        actor: Actor,
        file_name: String,
        bytes: Vec<u8>,
        mut opts: ImportOptions,
    ) {
        let done = Arc::new(AtomicU64::new(0));
        let total = Arc::new(AtomicU64::new(0));
        let (d, t) = (done.clone(), total.clone());
        opts.chunk_rows = opts.chunk_rows.min(LIVE_CHUNK_ROWS);
        opts.progress = Some(Arc::new(move |a, b| {
            d.store(a, Ordering::Relaxed);
            t.store(b, Ordering::Relaxed);
        }));
        // The import runs on its own task: progress is saved in between its write
        // transactions, never while this task would hold one of them up.
        let app = self.clone();
        let mut import =
            tokio::spawn(
                async move { app.import_residents(&actor, &file_name, bytes, &opts).await },
            );
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let result = loop {
            tokio::select! {
                r = &mut import => break r.unwrap_or_else(|e| Err(AppError::Internal(Box::new(e)))),
                _ = tick.tick() => {
                    let (a, b) = (done.load(Ordering::Relaxed), total.load(Ordering::Relaxed));
                    if let Err(e) = self.save_progress(id, a, b).await {
                        tracing::warn!(job = id, error = %e, "import job progress not saved");
                    }
                }
            }
        };
        let saved = match result {
            Ok(summary) => self.save_finished(id, &summary).await,
            Err(e) => {
                let message = match &e {
                    AppError::Invalid { message, .. } | AppError::Conflict(message) => {
                        message.clone()
                    }
                    AppError::Internal(_) => {
                        tracing::error!(job = id, error = %e, "import job failed");
                        "the import stopped on an internal error; rows committed before it \
                         stay, and importing the file again merges the rest"
                            .to_owned()
                    }
                    other => other.to_string(),
                };
                self.save_failed(id, &message).await
            }
        };
        if let Err(e) = saved {
            tracing::error!(job = id, error = %e, "import job outcome not saved");
        }
    }

    async fn save_progress(&self, id: i64, done: u64, total: u64) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        repo::progress(
            &mut tx,
            id,
            i64::try_from(done).unwrap_or(i64::MAX),
            i64::try_from(total).unwrap_or(i64::MAX),
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(())
    }

    async fn save_finished(&self, id: i64, s: &ImportSummary) -> AppResult<()> {
        let rejects = if s.rejects.is_empty() {
            None
        } else {
            let csv = s.rejects_csv();
            Some(
                self.config
                    .field_keys
                    .seal(F_REJECTS, &String::from_utf8_lossy(&csv)),
            )
        };
        let mut tx = self.db.begin_write().await?;
        repo::finish(
            &mut tx,
            id,
            &summary_json(s).to_string(),
            rejects.as_deref(),
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(())
    }

    async fn save_failed(&self, id: i64, message: &str) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        repo::fail(&mut tx, id, message).await?;
        civicgrid_store::commit(tx).await?;
        Ok(())
    }

    /// The uploader's own job (anyone else gets `NotFound`).
    async fn own_job(&self, actor: &Actor, id: i64) -> AppResult<ImportJob> {
        require_somewhere(actor, Permission::ImportLedger)?;
        let mut conn = self.db.read().await?;
        let job = match repo::get(&mut conn, id).await {
            Ok(j) => j,
            Err(civicgrid_store::StoreError::NotFound) => {
                return Err(AppError::NotFound("import job"));
            }
            Err(e) => return Err(e.into()),
        };
        if job.user_id.is_none() || job.user_id != actor.user_id {
            return Err(AppError::NotFound("import job"));
        }
        Ok(job)
    }

    fn job_view(&self, job: ImportJob) -> ImportJobView {
        let state = match job.status.as_str() {
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            _ if civicgrid_store::now_ms() - job.heartbeat_at > STALE_AFTER_MS => {
                JobState::Interrupted
            }
            _ => JobState::Running,
        };
        let summary = job
            .summary
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
            .map(|v| {
                let count = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
                let rejects = job
                    .rejects_enc
                    .as_deref()
                    .and_then(|sealed| self.config.field_keys.open(F_REJECTS, sealed).ok())
                    .map(|csv| parse_rejects(csv.as_bytes(), SHOWN_REJECTS))
                    .unwrap_or_default();
                ImportSummary {
                    file_name: job.file_name.clone(),
                    encoding: v
                        .get("encoding")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    dry_run: job.dry_run,
                    inserted: count("inserted"),
                    updated: count("updated"),
                    unchanged: count("unchanged"),
                    rejected: count("rejected"),
                    created_nodes: strings(v.get("created_nodes").unwrap_or(&Value::Null)),
                    header: strings(v.get("header").unwrap_or(&Value::Null)),
                    rejects,
                }
            });
        ImportJobView {
            id: job.id,
            file_name: job.file_name,
            dry_run: job.dry_run,
            state,
            done_units: u64::try_from(job.done_units).unwrap_or(0),
            total_units: u64::try_from(job.total_units).unwrap_or(0),
            started_at: job.started_at,
            finished_at: job.finished_at,
            error: job.error,
            summary,
        }
    }

    /// One of the caller's import jobs.
    pub async fn import_job(&self, actor: &Actor, id: i64) -> AppResult<ImportJobView> {
        let job = self.own_job(actor, id).await?;
        Ok(self.job_view(job))
    }

    /// The caller's latest import jobs, newest first.
    pub async fn my_import_jobs(&self, actor: &Actor, limit: i64) -> AppResult<Vec<ImportJobView>> {
        require_somewhere(actor, Permission::ImportLedger)?;
        let Some(user_id) = actor.user_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.db.read().await?;
        let jobs = repo::list_for_user(&mut conn, user_id, limit.clamp(1, 100)).await?;
        Ok(jobs.into_iter().map(|j| self.job_view(j)).collect())
    }

    /// A finished job's rejected rows as a CSV file (UTF-8 with BOM), for the uploader.
    pub async fn import_job_rejects(&self, actor: &Actor, id: i64) -> AppResult<Vec<u8>> {
        let job = self.own_job(actor, id).await?;
        let sealed = job.rejects_enc.ok_or(AppError::NotFound("import job"))?;
        let csv = self
            .config
            .field_keys
            .open(F_REJECTS, &sealed)
            .map_err(|e| AppError::Internal(Box::new(e)))?;
        Ok(csv.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_round_trip_through_csv() {
        let s = ImportSummary {
            header: vec!["name".into(), "phone".into()],
            rejects: vec![RejectedRow {
                line: 7,
                reason: "phone: not a phone number".into(),
                cells: vec!["张三".into(), "=1+1".into()],
            }],
            ..ImportSummary::default()
        };
        let back = parse_rejects(&s.rejects_csv(), 10);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].line, 7);
        assert_eq!(back[0].reason, "phone: not a phone number");
        assert_eq!(back[0].cells[0], "张三");
        assert!(parse_rejects(b"garbage", 10).is_empty());
        assert!(parse_rejects(b"line,reason\n3\n", 10).is_empty());
        assert_eq!(parse_rejects(b"line,reason\n3,bad\n", 10)[0].cells.len(), 0);
        assert!(parse_rejects(b"", 10).is_empty());
    }
}
