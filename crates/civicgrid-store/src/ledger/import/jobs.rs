//! Import jobs: an upload runs in the background and its page follows the progress.
//! The summary holds counts and the header row only. The rejected rows (what staff
//! typed, ID numbers and phones masked by the caller) are sealed by the caller and
//! kept apart, in `import_job_rejects`, until they expire: a short preview for the
//! job's page and the file to download, so showing the page never reads the file.

use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{StoreResult, now_ms};

/// `running`, then `done` or `failed`. A running job whose heartbeat stopped was
/// interrupted (its process ended): the chunks committed before stay, and importing
/// the file again merges the rest. Judged by heartbeat, not marked at start-up, so
/// one instance restarting never mislabels another instance's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportJob {
    pub id: i64,
    pub user_id: Option<i64>,
    pub file_name: String,
    pub dry_run: bool,
    pub create_missing: bool,
    pub status: String,
    pub done_units: i64,
    pub total_units: i64,
    /// JSON of the summary's counts (no personal values), once finished.
    pub summary: Option<String>,
    /// What stopped a failed job, in words for the uploader.
    pub error: Option<String>,
    pub started_at: i64,
    /// Last sign of life from the process running it (every second or so).
    pub heartbeat_at: i64,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, file_name, dry_run, create_missing, status, done_units, \
     total_units, summary, error, started_at, heartbeat_at, finished_at";

fn job(r: &AnyRow) -> StoreResult<ImportJob> {
    Ok(ImportJob {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        file_name: r.try_get("file_name")?,
        dry_run: r.try_get::<i64, _>("dry_run")? != 0,
        create_missing: r.try_get::<i64, _>("create_missing")? != 0,
        status: r.try_get("status")?,
        done_units: r.try_get("done_units")?,
        total_units: r.try_get("total_units")?,
        summary: r.try_get("summary")?,
        error: r.try_get("error")?,
        started_at: r.try_get("started_at")?,
        heartbeat_at: r.try_get("heartbeat_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

/// Records a job that starts now; returns its id.
pub async fn create(
    conn: &mut AnyConnection,
    user_id: Option<i64>,
    file_name: &str,
    dry_run: bool,
    create_missing: bool,
) -> StoreResult<i64> {
    let row = sqlx::query(
        "INSERT INTO import_jobs (user_id, file_name, dry_run, create_missing, status, \
         started_at, heartbeat_at) VALUES ($1, $2, $3, $4, 'running', $5, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(file_name.to_owned())
    .bind(i64::from(dry_run))
    .bind(i64::from(create_missing))
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Moves a running job's progress forward and renews its heartbeat.
pub async fn progress(conn: &mut AnyConnection, id: i64, done: i64, total: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE import_jobs SET done_units = $1, total_units = $2, heartbeat_at = $3 \
         WHERE id = $4 AND status = 'running'",
    )
    .bind(done)
    .bind(total)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends a running job as `done` with its summary (its rejected rows go in with
/// [`put_rejects`], in the same transaction).
pub async fn finish(conn: &mut AnyConnection, id: i64, summary: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE import_jobs SET status = 'done', done_units = total_units, summary = $1, \
         finished_at = $2 WHERE id = $3 AND status = 'running'",
    )
    .bind(summary.to_owned())
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A job's rejected rows as stored: sealed by the caller, kept until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRejects<'a> {
    pub expires_at: i64,
    /// Rows in the file (the first of the job's rejected rows).
    pub kept_rows: i64,
    /// The first rows' lines and reasons, for the job's page.
    pub preview_enc: &'a str,
    /// The rows as a file to download.
    pub file_enc: &'a str,
}

/// Keeps a job's rejected rows (once: a second call leaves the first).
pub async fn put_rejects(
    conn: &mut AnyConnection,
    job_id: i64,
    r: &NewRejects<'_>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO import_job_rejects (job_id, expires_at, kept_rows, preview_enc, file_enc) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job_id) DO NOTHING",
    )
    .bind(job_id)
    .bind(r.expires_at)
    .bind(r.kept_rows)
    .bind(r.preview_enc.to_owned())
    .bind(r.file_enc.to_owned())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A job's preview of rejected rows, unless they expired by `now`.
pub async fn rejects_preview(
    conn: &mut AnyConnection,
    job_id: i64,
    now: i64,
) -> StoreResult<Option<String>> {
    let row = sqlx::query(
        "SELECT preview_enc FROM import_job_rejects WHERE job_id = $1 AND expires_at > $2",
    )
    .bind(job_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("preview_enc")?),
        None => None,
    })
}

/// A job's file of rejected rows and how many rows it holds, unless they expired by
/// `now`.
pub async fn rejects_file(
    conn: &mut AnyConnection,
    job_id: i64,
    now: i64,
) -> StoreResult<Option<(String, i64)>> {
    let row = sqlx::query(
        "SELECT kept_rows, file_enc FROM import_job_rejects WHERE job_id = $1 AND expires_at > $2",
    )
    .bind(job_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        Some(r) => Some((r.try_get("file_enc")?, r.try_get("kept_rows")?)),
        None => None,
    })
}

/// Deletes the rejected rows that expired by `now`; returns how many jobs had some.
pub async fn delete_expired_rejects(conn: &mut AnyConnection, now: i64) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM import_job_rejects WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// Ends a running job as `failed`, saying why.
pub async fn fail(conn: &mut AnyConnection, id: i64, error: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE import_jobs SET status = 'failed', error = $1, finished_at = $2 \
         WHERE id = $3 AND status = 'running'",
    )
    .bind(error.to_owned())
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> StoreResult<ImportJob> {
    let sql = format!("SELECT {COLUMNS} FROM import_jobs WHERE id = $1");
    let row = crate::dialect::query(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(crate::StoreError::NotFound)?;
    job(&row)
}

/// A user's latest jobs, newest first.
pub async fn list_for_user(
    conn: &mut AnyConnection,
    user_id: i64,
    limit: i64,
) -> StoreResult<Vec<ImportJob>> {
    let sql =
        format!("SELECT {COLUMNS} FROM import_jobs WHERE user_id = $1 ORDER BY id DESC LIMIT $2");
    let rows = crate::dialect::query(sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(job).collect()
}
