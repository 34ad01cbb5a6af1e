//! Photos of a request. Metadata and bytes sit in two tables in the database, so every
//! instance sharing it serves the same files and a backup holds them; the bytes are
//! read only when a photo is shown. Content checks and metadata stripping happen
//! before a photo gets here.

use civicgrid_domain::requests::RequestId;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoMeta {
    pub id: i64,
    pub request_id: RequestId,
    /// `intake` (with the request) or `resolution` (the work done).
    pub stage: String,
    pub content_type: String,
    pub byte_len: i64,
    /// Hex SHA-256 of the bytes, for ETags and de-duplication.
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: i64,
}

/// A photo to store; `id` and `byte_len` of `meta` are ignored.
pub async fn insert_photo(
    conn: &mut AnyConnection,
    meta: &PhotoMeta,
    data: &[u8],
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO request_photos (request_id, stage, content_type, byte_len, sha256, width, \
         height, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(meta.request_id.0)
    .bind(&meta.stage)
    .bind(&meta.content_type)
    .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
    .bind(&meta.sha256)
    .bind(meta.width)
    .bind(meta.height)
    .bind(meta.uploaded_by)
    .bind(meta.uploaded_at)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO request_photo_data (photo_id, data) VALUES ($1, $2)")
        .bind(id)
        .bind(data.to_vec())
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

fn from_row(r: &AnyRow) -> StoreResult<PhotoMeta> {
    Ok(PhotoMeta {
        id: r.try_get("id")?,
        request_id: RequestId(r.try_get("request_id")?),
        stage: r.try_get("stage")?,
        content_type: r.try_get("content_type")?,
        byte_len: r.try_get("byte_len")?,
        sha256: r.try_get("sha256")?,
        width: r.try_get("width")?,
        height: r.try_get("height")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

/// A request's photos, in upload order.
pub async fn photos(
    conn: &mut AnyConnection,
    request_id: RequestId,
) -> StoreResult<Vec<PhotoMeta>> {
    let rows = sqlx::query(
        "SELECT id, request_id, stage, content_type, byte_len, sha256, width, height, \
         uploaded_by, uploaded_at FROM request_photos WHERE request_id = $1 ORDER BY id",
    )
    .bind(request_id.0)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One photo with its bytes.
pub async fn photo(conn: &mut AnyConnection, id: i64) -> StoreResult<(PhotoMeta, Vec<u8>)> {
    let row = sqlx::query(
        "SELECT p.id, p.request_id, p.stage, p.content_type, p.byte_len, p.sha256, p.width, \
         p.height, p.uploaded_by, p.uploaded_at, d.data FROM request_photos p \
         JOIN request_photo_data d ON d.photo_id = p.id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((from_row(&row)?, row.try_get("data")?))
}
