//! Photos of a request. Metadata and bytes sit in two tables in the database, so every
//! instance sharing it serves the same files and a backup holds them; the bytes are
//! read only when a photo is shown. Content checks and metadata stripping happen
//! before a photo gets here.

use civicgrid_domain::requests::RequestId;
use sqlx::AnyConnection;

use crate::StoreResult;

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

/// A `request_photos` row as stored.
#[derive(sqlx::FromRow)]
struct PhotoRow {
    id: i64,
    request_id: i64,
    stage: String,
    content_type: String,
    byte_len: i64,
    sha256: String,
    width: Option<i64>,
    height: Option<i64>,
    uploaded_by: Option<i64>,
    uploaded_at: i64,
}

impl From<PhotoRow> for PhotoMeta {
    fn from(r: PhotoRow) -> Self {
        PhotoMeta {
            id: r.id,
            request_id: RequestId(r.request_id),
            stage: r.stage,
            content_type: r.content_type,
            byte_len: r.byte_len,
            sha256: r.sha256,
            width: r.width,
            height: r.height,
            uploaded_by: r.uploaded_by,
            uploaded_at: r.uploaded_at,
        }
    }
}

/// A photo's row with its bytes.
#[derive(sqlx::FromRow)]
struct PhotoWithData {
    #[sqlx(flatten)]
    meta: PhotoRow,
    data: Vec<u8>,
}

/// A request's photos, in upload order.
pub async fn photos(
    conn: &mut AnyConnection,
    request_id: RequestId,
) -> StoreResult<Vec<PhotoMeta>> {
    let rows: Vec<PhotoRow> = sqlx::query_as(
        "SELECT id, request_id, stage, content_type, byte_len, sha256, width, height, \
         uploaded_by, uploaded_at FROM request_photos WHERE request_id = $1 ORDER BY id",
    )
    .bind(request_id.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(PhotoMeta::from).collect())
}

/// One photo with its bytes.
pub async fn photo(conn: &mut AnyConnection, id: i64) -> StoreResult<(PhotoMeta, Vec<u8>)> {
    let row: PhotoWithData = sqlx::query_as(
        "SELECT p.id, p.request_id, p.stage, p.content_type, p.byte_len, p.sha256, p.width, \
         p.height, p.uploaded_by, p.uploaded_at, d.data FROM request_photos p \
         JOIN request_photo_data d ON d.photo_id = p.id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.meta.into(), row.data))
}
