//! Imports as background jobs: an upload returns at once with a job id; the import
//! runs on its own task, its progress and heartbeat saved about once a second, and its
//! summary and rejected rows saved when it ends. Only the uploader sees a job.
//!
//! The rejected rows kept are the first of the file (see [`super::ImportOptions`]),
//! ID numbers and phones masked, sealed, for [`REJECTS_KEPT_MS`]: then they are
//! deleted (when a later import ends or starts) and the job says they expired. The
//! counts stay in the summary; the job's page opens only a short preview of lines and
//! reasons, and each download of the file is audited.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_store::ledger::import::jobs::{self as repo, ImportJob};
use serde_json::{Value, json};

use super::{ImportFile, ImportOptions, ImportSummary, RejectedRow};
use crate::authz::{Change, record, require_somewhere};
use crate::{App, AppError, AppResult};

/// Field names (associated data) the rejected rows are sealed under: the file, and
/// the preview of lines and reasons.
const F_REJECTS: &str = "import_job_rejects.file";
const F_PREVIEW: &str = "import_job_rejects.preview";
/// How long an import's rejected rows are kept.
pub const REJECTS_KEPT_MS: i64 = 7 * 24 * 3600 * 1000;
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
    /// Once done: counts, encoding, created nodes, and (on the job's own page) the
    /// line and reason of the first rejected rows.
    pub summary: Option<ImportSummary>,
    /// What is kept of the rejected rows.
    pub rejects: RejectsKept,
}

/// What a finished job keeps of its rejected rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectsKept {
    /// None were rejected (or the job has not finished).
    None,
    /// The first `rows` are in the file until `expires_at`; `not_kept` more were
    /// counted only.
    Kept {
        rows: u64,
        not_kept: u64,
        expires_at: i64,
    },
    /// They were deleted when their time was up.
    Expired,
}

/// A job's rejected rows as a file, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectsFile {
    /// The CSV file (UTF-8 with BOM).
    Csv(Vec<u8>),
    /// Their time was up: they are no longer kept.
    Expired,
}

/// What the uploader is told when the rejected rows are gone.
pub const REJECTS_EXPIRED: &str = "the rejected rows of this import were kept for 7 days \
     and have been deleted; import the file again (as a dry run, to change nothing) to \
     list them";

impl ImportJobView {
    /// The first rows kept, and how many were counted only, while they are kept.
    pub fn rejects_kept(&self) -> Option<(u64, u64, i64)> {
        match self.rejects {
            RejectsKept::Kept {
                rows,
                not_kept,
                expires_at,
            } => Some((rows, not_kept, expires_at)),
            _ => None,
        }
    }

    /// Rejected rows counted only (past the first ones kept).
    pub fn rejects_not_kept(&self) -> u64 {
        self.rejects_kept().map_or(0, |(_, not_kept, _)| not_kept)
    }

    pub fn rejects_expired(&self) -> bool {
        self.rejects == RejectsKept::Expired
    }

    /// Progress in whole percent (0 while the size is unknown).
    pub fn percent(&self) -> u64 {
        match self.state {
            JobState::Done => 100,
            _ if self.total_units == 0 => 0,
            _ => (self.done_units.saturating_mul(100) / self.total_units).min(100),
        }
    }
}

fn summary_json(s: &ImportSummary, rejects_expire_at: Option<i64>) -> Value {
    json!({
        "encoding": s.encoding,
        "inserted": s.inserted,
        "updated": s.updated,
        "unchanged": s.unchanged,
        "rejected": s.rejected,
        "rejects_kept": s.rejects.len(),
        "rejects_expire_at": rejects_expire_at,
        "created_nodes": s.created_nodes,
        "header": s.header,
    })
}

/// The line and reason of the first rejected rows, as JSON, for the job's page.
fn preview_json(rejects: &[RejectedRow]) -> String {
    let rows: Vec<Value> = rejects
        .iter()
        .take(SHOWN_REJECTS)
        .map(|r| json!([r.line, r.reason]))
        .collect();
    Value::Array(rows).to_string()
}

fn parse_preview(text: &str) -> Vec<RejectedRow> {
    let Ok(Value::Array(rows)) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    rows.iter()
        .take(SHOWN_REJECTS)
        .filter_map(|r| {
            Some(RejectedRow {
                line: r.get(0)?.as_u64()?,
                reason: r.get(1)?.as_str()?.to_owned(),
                cells: Vec::new(),
            })
        })
        .collect()
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

impl App {
    /// Starts importing `file` in the background; returns the job id at once. A file
    /// too large, or a workbook whose parts would unpack past their limits, is
    /// refused here, before any job.
    pub async fn start_import(
        &self,
        actor: &Actor,
        file_name: &str,
        file: impl Into<ImportFile>,
        opts: ImportOptions,
    ) -> AppResult<i64> {
        require_somewhere(actor, Permission::ImportLedger)?;
        let file = file.into();
        super::check_size(&file, opts.max_bytes)?;
        let name = file_name.to_owned();
        let (file, checked) =
            tokio::task::spawn_blocking(move || super::read::precheck(&name, file))
                .await
                .map_err(|e| AppError::Internal(Box::new(e)))?;
        checked.map_err(super::file_error)?;
        let id = {
            let mut tx = self.db.begin_write().await?;
            repo::delete_expired_rejects(&mut tx, civicgrid_store::now_ms()).await?;
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
        tokio::spawn(async move { app.run_import_job(id, actor, file_name, file, opts).await });
        Ok(id)
    }

    async fn run_import_job(
        &self,
        id: i64,
        actor: Actor,
        file_name: String,
        file: ImportFile,
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
                async move { app.import_residents(&actor, &file_name, file, &opts).await },
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
        let now = civicgrid_store::now_ms();
        let expires_at = now + REJECTS_KEPT_MS;
        let keys = &self.config.field_keys;
        let rejects = (!s.rejects.is_empty()).then(|| {
            let csv = s.rejects_csv();
            (
                keys.seal(F_PREVIEW, &preview_json(&s.rejects)),
                keys.seal(F_REJECTS, &String::from_utf8_lossy(&csv)),
            )
        });
        let summary = summary_json(s, rejects.is_some().then_some(expires_at));
        let mut tx = self.db.begin_write().await?;
        repo::finish(&mut tx, id, &summary.to_string()).await?;
        if let Some((preview_enc, file_enc)) = &rejects {
            let kept_rows = i64::try_from(s.rejects.len()).unwrap_or(i64::MAX);
            let new = repo::NewRejects {
                expires_at,
                kept_rows,
                preview_enc,
                file_enc,
            };
            repo::put_rejects(&mut tx, id, &new).await?;
        }
        repo::delete_expired_rejects(&mut tx, now).await?;
        civicgrid_store::commit(tx).await?;
        Ok(())
    }

    /// Deletes the rejected rows of imports whose time is up; returns how many imports
    /// had some. Imports call it as they start and end; a periodic job may too.
    pub async fn delete_expired_import_rejects(&self) -> AppResult<u64> {
        let mut tx = self.db.begin_write().await?;
        let n = repo::delete_expired_rejects(&mut tx, civicgrid_store::now_ms()).await?;
        civicgrid_store::commit(tx).await?;
        Ok(n)
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

    /// A job as shown. On its own page `preview` is what was found of its rejected
    /// rows: `Some(None)` when they are gone; a listing looks for none (`None`).
    fn job_view(&self, job: ImportJob, preview: Option<Option<&str>>) -> ImportJobView {
        let now = civicgrid_store::now_ms();
        let state = match job.status.as_str() {
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            _ if now - job.heartbeat_at > STALE_AFTER_MS => JobState::Interrupted,
            _ => JobState::Running,
        };
        let summary_json = job
            .summary
            .as_deref()
            .and_then(|s| serde_json::from_str::<Value>(s).ok());
        let mut rejects = RejectsKept::None;
        let summary = summary_json.map(|v| {
            let count = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
            let rejected = count("rejected");
            let kept = count("rejects_kept");
            let expires_at = v.get("rejects_expire_at").and_then(Value::as_i64);
            let gone = preview == Some(None);
            rejects = match expires_at {
                Some(at) if at > now && kept > 0 && !gone => RejectsKept::Kept {
                    rows: kept,
                    not_kept: rejected.saturating_sub(kept),
                    expires_at: at,
                },
                // Those of an import before rejected rows expired were deleted then.
                _ if rejected > 0 => RejectsKept::Expired,
                _ => RejectsKept::None,
            };
            let shown = match (rejects, preview) {
                (RejectsKept::Kept { .. }, Some(Some(sealed))) => self
                    .config
                    .field_keys
                    .open(F_PREVIEW, sealed)
                    .map(|text| parse_preview(&text))
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
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
                rejected,
                created_nodes: strings(v.get("created_nodes").unwrap_or(&Value::Null)),
                header: strings(v.get("header").unwrap_or(&Value::Null)),
                rejects: shown,
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
            rejects,
        }
    }

    /// One of the caller's import jobs.
    pub async fn import_job(&self, actor: &Actor, id: i64) -> AppResult<ImportJobView> {
        let job = self.own_job(actor, id).await?;
        let preview = if job.status == "done" {
            let mut conn = self.db.read().await?;
            Some(repo::rejects_preview(&mut conn, id, civicgrid_store::now_ms()).await?)
        } else {
            None
        };
        Ok(self.job_view(job, preview.as_ref().map(Option::as_deref)))
    }

    /// The caller's latest import jobs, newest first.
    pub async fn my_import_jobs(&self, actor: &Actor, limit: i64) -> AppResult<Vec<ImportJobView>> {
        require_somewhere(actor, Permission::ImportLedger)?;
        let Some(user_id) = actor.user_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.db.read().await?;
        let jobs = repo::list_for_user(&mut conn, user_id, limit.clamp(1, 100)).await?;
        Ok(jobs.into_iter().map(|j| self.job_view(j, None)).collect())
    }

    /// A finished job's rejected rows as a CSV file (UTF-8 with BOM), for the uploader,
    /// while they are kept. Each download is audited.
    pub async fn import_job_rejects(&self, actor: &Actor, id: i64) -> AppResult<RejectsFile> {
        let job = self.own_job(actor, id).await?;
        let now = civicgrid_store::now_ms();
        let stored = {
            let mut conn = self.db.read().await?;
            repo::rejects_file(&mut conn, id, now).await?
        };
        let Some((sealed, rows)) = stored else {
            let view = self.job_view(job, None);
            return match view.rejects {
                RejectsKept::None => Err(AppError::NotFound("import job")),
                _ => Ok(RejectsFile::Expired),
            };
        };
        let csv = self
            .config
            .field_keys
            .open(F_REJECTS, &sealed)
            .map_err(|e| AppError::Internal(Box::new(e)))?;
        let mut tx = self.db.begin_write().await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.import.rejects.download",
                target_type: "import_job",
                target_id: id.to_string(),
                scope: None,
                reason: None,
                details: json!({ "rows": rows, "file_name": job.file_name }),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(RejectsFile::Csv(csv.into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_round_trip_through_json() {
        let rejects: Vec<RejectedRow> = (1..=SHOWN_REJECTS as u64 + 5)
            .map(|line| RejectedRow {
                line,
                reason: format!("phone: not a phone number ({line})"),
                cells: vec!["张*".into(), "138****5678".into()],
            })
            .collect();
        let back = parse_preview(&preview_json(&rejects));
        assert_eq!(back.len(), SHOWN_REJECTS);
        assert_eq!(back[6].line, 7);
        assert_eq!(back[6].reason, "phone: not a phone number (7)");
        // Only lines and reasons: no cell goes into the preview.
        assert!(back.iter().all(|r| r.cells.is_empty()));
        assert!(!preview_json(&rejects).contains("****"));
        assert!(parse_preview("garbage").is_empty());
        assert!(parse_preview("[[1]]").is_empty());
        assert!(parse_preview("{}").is_empty());
    }
}
