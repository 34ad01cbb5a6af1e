//! A notice's attachments over the API: adding files to a draft (multipart parts
//! named `attachments`), reading one and removing one.

use axum::Json;
use axum::extract::{FromRequest, Request as HttpRequest, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::attachments::{MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS};
use civicgrid_app::participation::notices::{AttachmentLine, UploadedFile};
use serde::Serialize;

use crate::api::time;
use crate::error::{ApiError, ApiResult, ErrorBody, Failure};
use crate::extract::{ApiCaller, ApiPath};
use crate::state::AppState;

/// The largest upload: every file a notice may carry, and the multipart framing.
pub(super) const MAX_UPLOAD_BYTES: usize = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 64 * 1024;

/// A file sent with a notice (the bytes at `url`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    pub notice_id: i64,
    pub file_name: String,
    /// application/pdf, image/jpeg, image/png or image/webp, decided by the content.
    pub content_type: String,
    pub bytes: i64,
    /// Hex SHA-256 of the stored bytes (a photo's location metadata already removed).
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    pub url: String,
}

impl From<AttachmentLine> for AttachmentOut {
    fn from(a: AttachmentLine) -> AttachmentOut {
        AttachmentOut {
            url: format!("/api/v1/notice-attachments/{}", a.id),
            id: a.id,
            notice_id: a.notice_id,
            file_name: a.file_name,
            content_type: a.content_type,
            bytes: a.byte_len,
            sha256: a.sha256,
            uploaded_at: time(a.uploaded_at),
        }
    }
}

fn bad_upload(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError(Failure::new(status, code, message))
}

/// The files of an upload, from its `attachments` parts (none when the body is not
/// multipart: the use case then says a file is missing, once it has checked who asks).
async fn read_files(st: &AppState, req: HttpRequest) -> Result<Vec<UploadedFile>, ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return Ok(Vec::new());
    }
    let failed = |status: StatusCode, text: String| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            bad_upload(
                status,
                "payload_too_large",
                format!(
                    "attachments: at most {MAX_ATTACHMENTS} files of {} MB each",
                    MAX_ATTACHMENT_BYTES / (1024 * 1024)
                ),
            )
        } else {
            bad_upload(status, "invalid_multipart", text)
        }
    };
    let mut mp = axum::extract::Multipart::from_request(req, st)
        .await
        .map_err(|r| failed(r.status(), r.body_text()))?;
    let mut files = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(failed(e.status(), e.body_text())),
        };
        if field.name() != Some("attachments") {
            return Err(
                AppError::invalid("attachments", "send only parts named `attachments`").into(),
            );
        }
        let file_name = field.file_name().unwrap_or("").to_owned();
        let data = field
            .bytes()
            .await
            .map_err(|e| failed(e.status(), e.body_text()))?
            .to_vec();
        files.push(UploadedFile { file_name, data });
    }
    Ok(files)
}

#[utoipa::path(post, path = "/api/v1/notices/{id}/attachments", tag = "notices",
    params(("id" = i64, Path, description = "A draft notice")),
    request_body(content_type = "multipart/form-data", description = "`attachments`: one part \
        per file, a PDF or a JPEG, PNG or WebP image of at most 8 MB; at most 5 per notice"),
    responses(
        (status = 201, body = Vec<AttachmentOut>, description = "All the notice's files"),
        (status = 409, body = ErrorBody, description = "The notice is no longer a draft"),
        (status = 413, body = ErrorBody, description = "The upload is too large"),
        (status = 422, body = ErrorBody, description = "No file was sent (the body must be \
            multipart/form-data), or a file is refused; the message names it"),
    ))]
pub async fn attach(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    req: HttpRequest,
) -> ApiResult<Response> {
    let files = read_files(&st, req).await?;
    let list = st
        .app
        .add_notice_attachments(&caller.actor, id, &files)
        .await?;
    let out: Vec<AttachmentOut> = list.into_iter().map(AttachmentOut::from).collect();
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[utoipa::path(get, path = "/api/v1/notice-attachments/{id}", tag = "notices",
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The file, with its type and name"),
        (status = 404, body = ErrorBody, description = "No such file, or its notice is out of sight"),
    ))]
pub async fn file(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let (meta, data) = st.app.notice_attachment(Some(&caller.actor), id).await?;
    Ok(crate::participation::pages::notice_file_response(
        &meta, data,
    ))
}

#[utoipa::path(delete, path = "/api/v1/notice-attachments/{id}", tag = "notices",
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 409, body = ErrorBody, description = "The notice is no longer a draft"),
    ))]
pub async fn remove(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    st.app.remove_notice_attachment(&caller.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
