//! Importing residents from an uploaded spreadsheet, downloading the rejected rows,
//! and exporting the ledger (masked) as CSV or XLSX.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use askama::Template;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::access::Permission;
use civicgrid_app::ledger_export::ExportFormat;
use civicgrid_app::ledger_import::{self, ImportOptions, ImportSummary, RejectedRow};
use serde::Deserialize;

use super::{PageCtx, render};
use crate::csrf;
use crate::error::{Failure, PageError, PageResult};
use crate::extract::{CurrentUser, PagePath, PageQuery};
use crate::i18n::Lang;
use crate::routes::Routes;
use crate::state::AppState;

/// Largest upload accepted by the import page.
pub const MAX_UPLOAD_BYTES: usize = ledger_import::DEFAULT_MAX_BYTES;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/ledger/import", form)
        .post_with_body_limit("/ledger/import", upload, MAX_UPLOAD_BYTES + 64 * 1024)
        .get("/ledger/import/rejects/{id}", rejects)
        .get("/ledger/export", export)
}

/// Rejected rows kept for download: random id → (uploader's user id, when, CSV).
/// Kept in memory for an hour, at most 64 files.
type Kept = HashMap<String, (i64, i64, Vec<u8>)>;

fn kept() -> &'static Mutex<Kept> {
    static KEPT: OnceLock<Mutex<Kept>> = OnceLock::new();
    KEPT.get_or_init(|| Mutex::new(HashMap::new()))
}

fn keep_rejects(user_id: i64, csv: Vec<u8>) -> Option<String> {
    let id = civicgrid_app::auth::new_secret();
    let now = civicgrid_app::store::now_ms();
    let mut map = kept().lock().ok()?;
    map.retain(|_, (_, at, _)| now - *at < 3_600_000);
    if map.len() >= 64
        && let Some(oldest) = map.iter().min_by_key(|(_, v)| v.1).map(|(k, _)| k.clone())
    {
        map.remove(&oldest);
    }
    map.insert(id.clone(), (user_id, now, csv));
    Some(id)
}

fn forbidden() -> PageError {
    PageError(Failure::from(AppError::Forbidden))
}

#[derive(Template)]
#[template(path = "ledger_import.html")]
struct ImportPage {
    ctx: PageCtx,
    columns: Vec<(&'static str, &'static str, bool)>,
    max_mb: usize,
    error: Option<String>,
}

fn import_page(ctx: PageCtx, error: Option<String>) -> Response {
    render(&ImportPage {
        ctx,
        columns: ledger_import::columns(),
        max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
        error,
    })
}

async fn form(ctx: PageCtx, CurrentUser(me): CurrentUser) -> PageResult<Response> {
    if !me.actor.can_somewhere(Permission::ImportLedger) {
        return Err(forbidden());
    }
    Ok(import_page(ctx, None))
}

#[derive(Template)]
#[template(path = "ledger_import_result.html")]
struct ResultPage<'a> {
    ctx: PageCtx,
    s: &'a ImportSummary,
    shown: &'a [RejectedRow],
    rejects_id: Option<String>,
}

/// The fields of the upload form.
#[derive(Default)]
struct Upload {
    csrf: String,
    file_name: String,
    bytes: Vec<u8>,
    dry_run: bool,
    create_missing: bool,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, String> {
    let mut u = Upload::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(e.body_text()),
        };
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                u.file_name = field.file_name().unwrap_or("upload.csv").to_owned();
                u.bytes = field.bytes().await.map_err(|e| e.body_text())?.to_vec();
            }
            "_csrf" => u.csrf = field.text().await.map_err(|e| e.body_text())?,
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
    if !me.actor.can_somewhere(Permission::ImportLedger) {
        return Err(forbidden());
    }
    let header_token = req
        .headers()
        .get(csrf::CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let cookie = csrf::cookie_token(req.headers());
    let mp = Multipart::from_request(req, &st).await.map_err(|r| {
        let status = r.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "invalid_form"
        };
        PageError(Failure::new(status, code, r.body_text()))
    })?;
    let upload = read_upload(mp)
        .await
        .map_err(|m| PageError(Failure::new(StatusCode::BAD_REQUEST, "invalid_form", m)))?;
    let sent = header_token.unwrap_or_else(|| upload.csrf.clone());
    csrf::check(cookie.as_deref(), Some(&sent)).map_err(PageError)?;
    if upload.bytes.is_empty() {
        let msg = ctx.t("import-no-file");
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            import_page(ctx, Some(msg)),
        )
            .into_response());
    }
    let opts = ImportOptions {
        dry_run: upload.dry_run,
        create_missing: upload.create_missing,
        ..ImportOptions::default()
    };
    match st
        .app
        .import_residents(&me.actor, &upload.file_name, upload.bytes, &opts)
        .await
    {
        Ok(s) => {
            let rejects_id = if s.rejects.is_empty() {
                None
            } else {
                keep_rejects(me.user.id, s.rejects_csv())
            };
            let shown = &s.rejects[..s.rejects.len().min(200)];
            Ok(render(&ResultPage {
                ctx,
                s: &s,
                shown,
                rejects_id,
            }))
        }
        Err(AppError::Invalid { message, .. }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            import_page(ctx, Some(message)),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

async fn rejects(
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    if !me.actor.can_somewhere(Permission::ImportLedger) {
        return Err(forbidden());
    }
    let found = kept().lock().ok().and_then(|m| {
        m.get(&id)
            .filter(|(owner, ..)| *owner == me.user.id)
            .map(|v| v.2.clone())
    });
    match found {
        Some(bytes) => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"rejects.csv\"",
                ),
            ],
            bytes,
        )
            .into_response()),
        None => Err(PageError(Failure::not_found())),
    }
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
