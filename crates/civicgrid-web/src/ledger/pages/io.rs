//! Importing residents from an uploaded spreadsheet, downloading the rejected rows,
//! and exporting the ledger (masked) as CSV or XLSX.

use askama::Template;
use axum::extract::{Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::ledger::export::ExportFormat;
use civicgrid_app::ledger::import::jobs::{ImportJobView, JobState, REJECTS_EXPIRED, RejectsFile};
use civicgrid_app::ledger::import::{self, ImportOptions, RejectedRow};
use serde::Deserialize;

use crate::csrf;
use crate::error::{Failure, PageError, PageResult};
use crate::extract::{CurrentUser, PagePath, PageQuery};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

/// Largest upload accepted by the import page.
pub const MAX_UPLOAD_BYTES: usize = import::DEFAULT_MAX_BYTES;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/ledger/import", form)
        .post_with_body_limit("/ledger/import", upload, MAX_UPLOAD_BYTES + 64 * 1024)
        .get("/ledger/import/jobs/{id}", job)
        .get("/ledger/import/jobs/{id}/rejects", rejects)
        .get("/ledger/export", export)
}

#[derive(Template)]
#[template(path = "ledger/import.html")]
struct ImportPage {
    ctx: PageCtx,
    columns: Vec<(&'static str, &'static str, bool)>,
    max_mb: usize,
    error: Option<String>,
    jobs: Vec<ImportJobView>,
}

fn import_page(ctx: PageCtx, error: Option<String>, jobs: Vec<ImportJobView>) -> Response {
    render(&ImportPage {
        ctx,
        columns: import::columns(),
        max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
        error,
        jobs,
    })
}

async fn form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let jobs = st.app.my_import_jobs(&me.actor, 10).await?;
    Ok(import_page(ctx, None, jobs))
}

#[derive(Template)]
#[template(path = "ledger/import_job.html")]
struct JobPage {
    ctx: PageCtx,
    job: ImportJobView,
    running: bool,
    shown: Vec<RejectedRow>,
}

/// A job id from the path, once the caller may import at all (so a refusal does not
/// depend on how the id is spelled).
fn job_id(me: &civicgrid_app::platform::auth::SignedIn, raw: &str) -> Result<i64, PageError> {
    import::require_importer(&me.actor)?;
    raw.parse()
        .map_err(|_| PageError(Failure::from(AppError::NotFound("import job"))))
}

fn state_key(s: &JobState) -> &'static str {
    match s {
        JobState::Running => "import-job-running",
        JobState::Done => "import-job-done",
        JobState::Failed => "import-job-failed",
        JobState::Interrupted => "import-job-interrupted",
    }
}

/// The fields of the upload form.
#[derive(Default)]
struct Upload {
    csrf: String,
    file_name: String,
    /// The file, written to a temporary file as it arrived (deleted when closed).
    file: Option<std::fs::File>,
    size: u64,
    dry_run: bool,
    create_missing: bool,
}

/// Why an upload could not be read.
enum UploadError {
    /// The form itself (what the browser sent), said to the user.
    Form(String),
    /// Saving it to a temporary file.
    Io(std::io::Error),
}

/// Reads the upload form, the file a chunk at a time into a temporary file (never
/// whole in memory), at most `max` bytes of it.
async fn read_upload(mut mp: Multipart, max: u64) -> Result<Upload, UploadError> {
    use tokio::io::AsyncWriteExt;
    let mut u = Upload::default();
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(UploadError::Form(e.body_text())),
        };
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                u.file_name = field.file_name().unwrap_or("upload.csv").to_owned();
                let temp = tokio::task::spawn_blocking(tempfile::tempfile)
                    .await
                    .map_err(|e| UploadError::Io(std::io::Error::other(e)))?
                    .map_err(UploadError::Io)?;
                let mut out = tokio::fs::File::from_std(temp);
                let mut size: u64 = 0;
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| UploadError::Form(e.body_text()))?
                {
                    size += chunk.len() as u64;
                    if size > max {
                        return Err(UploadError::Form(format!(
                            "file: the file is larger than {} MB; split it",
                            max / (1024 * 1024)
                        )));
                    }
                    out.write_all(&chunk).await.map_err(UploadError::Io)?;
                }
                out.flush().await.map_err(UploadError::Io)?;
                u.file = Some(out.into_std().await);
                u.size = size;
            }
            "_csrf" => {
                u.csrf = field
                    .text()
                    .await
                    .map_err(|e| UploadError::Form(e.body_text()))?;
            }
            "dry_run" => u.dry_run = true,
            "create_missing" => u.create_missing = true,
            _ => {}
        }
    }
    Ok(u)
}

async fn upload(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    req: Request,
) -> PageResult<Response> {
    import::require_importer(&me.actor)?;
    let header_token = req
        .headers()
        .get(csrf::CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let cookie = csrf::cookie_token(req.headers());
    let mp = crate::forms::open_multipart(req, &st).await?;
    let upload = match read_upload(mp, MAX_UPLOAD_BYTES as u64).await {
        Ok(u) => u,
        Err(UploadError::Form(m)) => {
            return Err(PageError(Failure::new(
                StatusCode::BAD_REQUEST,
                "invalid_form",
                m,
            )));
        }
        Err(UploadError::Io(e)) => return Err(AppError::Internal(Box::new(e)).into()),
    };
    let sent = header_token.unwrap_or_else(|| upload.csrf.clone());
    csrf::check(cookie.as_deref(), Some(&sent)).map_err(PageError)?;
    let file = upload.file.filter(|_| upload.size > 0);
    let Some(file) = file else {
        let msg = ctx.t("import-no-file");
        let jobs = st.app.my_import_jobs(&me.actor, 10).await?;
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            import_page(ctx, Some(msg), jobs),
        )
            .into_response());
    };
    let opts = ImportOptions {
        dry_run: upload.dry_run,
        create_missing: upload.create_missing,
        ..ImportOptions::default()
    };
    // The import runs in the background; its page follows it.
    match st
        .app
        .start_import(&me.actor, &upload.file_name, file, opts)
        .await
    {
        Ok(id) => Ok(Redirect::to(&format!("/ledger/import/jobs/{id}")).into_response()),
        Err(AppError::Invalid { message, .. }) => {
            let jobs = st.app.my_import_jobs(&me.actor, 10).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                import_page(ctx, Some(message), jobs),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn job(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = job_id(&me, &id)?;
    let job = st.app.import_job(&me.actor, id).await?;
    let running = job.state == JobState::Running;
    let shown = job
        .summary
        .as_ref()
        .map(|s| s.rejects.clone())
        .unwrap_or_default();
    Ok(render(&JobPage {
        ctx,
        job,
        running,
        shown,
    }))
}

async fn rejects(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = job_id(&me, &id)?;
    let bytes = match st.app.import_job_rejects(&me.actor, id).await? {
        RejectsFile::Csv(bytes) => bytes,
        RejectsFile::Expired => {
            return Err(PageError(Failure::new(
                StatusCode::GONE,
                "rejects_expired",
                REJECTS_EXPIRED,
            )));
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"rejects.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
    node: Option<i64>,
}

async fn export(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<ExportQuery>,
) -> PageResult<Response> {
    let format = match q.format.as_deref() {
        None => ExportFormat::Csv,
        Some(f) => ExportFormat::parse(f).ok_or_else(|| {
            PageError(Failure::from(AppError::invalid(
                "format",
                "use csv or xlsx",
            )))
        })?,
    };
    let export = st.app.export_residents(&me.actor, q.node, format).await?;
    let disposition = format!("attachment; filename=\"residents.{}\"", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        export.bytes,
    )
        .into_response())
}
