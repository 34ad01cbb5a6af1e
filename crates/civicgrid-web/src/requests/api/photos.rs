//! A request's photos: listing them, adding one (multipart upload) and reading one.

use axum::Json;
use axum::extract::{FromRequest, Request as HttpRequest, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::requests::photo::MAX_PHOTO_BYTES;
use civicgrid_app::requests::reading::PhotoMeta;
use serde::Serialize;

use crate::api::{created, time};
use crate::error::{ApiError, ApiResult, ErrorBody, Failure};
use crate::extract::{ApiCaller, ApiPath};
use crate::state::AppState;

use super::id_of;

/// A photo of a request (the bytes at `url`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Photo {
    pub id: i64,
    pub request_id: i64,
    /// `intake` (with the report) or `resolution` (the work done).
    pub stage: String,
    /// image/jpeg, image/png or image/webp, decided by the content.
    pub content_type: String,
    pub bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// Hex SHA-256 of the stored bytes (location metadata already removed).
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    pub url: String,
}

impl From<PhotoMeta> for Photo {
    fn from(m: PhotoMeta) -> Photo {
        Photo {
            url: format!("/api/v1/requests/{}/photos/{}", m.request_id.0, m.id),
            id: m.id,
            request_id: m.request_id.0,
            stage: m.stage,
            content_type: m.content_type,
            bytes: m.byte_len,
            width: m.width,
            height: m.height,
            sha256: m.sha256,
            uploaded_at: time(m.uploaded_at),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/photos", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    responses((status = 200, body = Vec<Photo>)))]
pub async fn photos(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
) -> ApiResult<Json<Vec<Photo>>> {
    let id = id_of(&raw)?;
    let list = st.app.request_photos(&caller.actor, id).await?;
    Ok(Json(list.into_iter().map(Photo::from).collect()))
}

fn bad_upload(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError(Failure::new(status, code, message))
}

/// The fields of a photo upload: the image and, optionally, its stage.
async fn read_upload(
    st: &AppState,
    req: HttpRequest,
) -> Result<(Option<String>, Option<Vec<u8>>), ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return Err(bad_upload(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the photo as multipart/form-data in a part named `photo`",
        ));
    }
    let mut mp = axum::extract::Multipart::from_request(req, st)
        .await
        .map_err(|r| bad_upload(r.status(), "invalid_multipart", r.body_text()))?;
    let too_large = |status: StatusCode, text: String| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            bad_upload(
                status,
                "payload_too_large",
                format!("photo: at most {} MB", MAX_PHOTO_BYTES / (1024 * 1024)),
            )
        } else {
            bad_upload(status, "invalid_multipart", text)
        }
    };
    let (mut stage, mut photo) = (None, None);
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(too_large(e.status(), e.body_text())),
        };
        match field.name().unwrap_or("") {
            "photo" => {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| too_large(e.status(), e.body_text()))?;
                if bytes.len() > MAX_PHOTO_BYTES {
                    return Err(too_large(StatusCode::PAYLOAD_TOO_LARGE, String::new()));
                }
                photo = Some(bytes.to_vec());
            }
            "stage" => {
                let text = field
                    .text()
                    .await
                    .map_err(|e| too_large(e.status(), e.body_text()))?;
                stage = Some(text.trim().to_owned());
            }
            _ => {
                return Err(
                    AppError::invalid("photo", "send only the parts `photo` and `stage`").into(),
                );
            }
        }
    }
    Ok((stage, photo))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/photos", tag = "requests",
    params(("id" = String, Path, description = "An id or a number")),
    request_body(content_type = "multipart/form-data", description = "`photo`: the image \
        (JPEG, PNG or WebP, decided by its content; at most 8 MB; location metadata is \
        removed before it is stored). `stage`: `intake` or `resolution` (when omitted, \
        `intake` for the requester, `resolution` for staff)."),
    responses(
        (status = 201, body = Photo, headers(("Location" = String))),
        (status = 403, body = ErrorBody, description = "Only the requester and those working on it add photos"),
        (status = 413, body = ErrorBody, description = "More than 8 MB"),
        (status = 415, body = ErrorBody, description = "Not multipart/form-data"),
        (status = 422, body = ErrorBody, description = "Not a JPEG, PNG or WebP image, or a bad stage; the code names the field"),
    ))]
pub async fn add_photo(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(raw): ApiPath<String>,
    req: HttpRequest,
) -> ApiResult<Response> {
    let id = id_of(&raw)?;
    // The same rule as the page: the requester, or someone who may act on it now; the
    // body is read only after that.
    st.app.request_for_photo(&caller.actor, id).await?;
    let (stage, photo) = read_upload(&st, req).await?;
    let data = photo
        .filter(|p| !p.is_empty())
        .ok_or_else(|| AppError::invalid("photo", "send the image in a part named `photo`"))?;
    let photo_id = st
        .app
        .add_request_photo(&caller.actor, id, stage.as_deref(), &data)
        .await?;
    let meta = st
        .app
        .request_photos(&caller.actor, id)
        .await?
        .into_iter()
        .find(|p| p.id == photo_id)
        .ok_or(AppError::NotFound("photo"))?;
    let body = Photo::from(meta);
    Ok(created(body.url.clone(), body))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/photos/{photo_id}", tag = "requests",
    params(
        ("id" = String, Path, description = "An id or a number"),
        ("photo_id" = i64, Path, description = "The photo's id"),
    ),
    responses(
        (status = 200, description = "The image bytes (image/jpeg, image/png or image/webp)", content_type = "image/*"),
        (status = 404, body = ErrorBody, description = "No such photo of this request, or not one the caller may see"),
    ))]
pub async fn photo(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath((raw, photo_raw)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let id = id_of(&raw)?;
    let photo_id = photo_raw
        .trim()
        .parse::<i64>()
        .map_err(|_| ApiError(Failure::not_found()))?;
    let (meta, data) = st.app.request_photo(&caller.actor, photo_id).await?;
    if meta.request_id != id {
        return Err(AppError::NotFound("photo").into());
    }
    Ok(crate::page::photo_response(
        &meta.content_type,
        &meta.sha256,
        data,
        false,
    ))
}
