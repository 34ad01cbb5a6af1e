//! Files attached to notices: their metadata for lists, and their bytes to serve.

use sqlx::AnyConnection;

use crate::StoreResult;

/// An attachment's metadata (the bytes are read only to serve it).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoticeAttachment {
    pub id: i64,
    pub notice_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub byte_len: i64,
    pub sha256: String,
    pub uploaded_at: i64,
}

/// A checked attachment to store.
pub struct NewAttachment<'a> {
    pub notice_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub uploaded_by: Option<i64>,
    pub now: i64,
    pub data: &'a [u8],
}

pub async fn insert_attachment(
    conn: &mut AnyConnection,
    a: &NewAttachment<'_>,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO notice_attachments (notice_id, file_name, content_type, byte_len, sha256, \
         uploaded_by, uploaded_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(a.notice_id)
    .bind(a.file_name)
    .bind(a.content_type)
    .bind(i64::try_from(a.data.len()).unwrap_or(i64::MAX))
    .bind(a.sha256)
    .bind(a.uploaded_by)
    .bind(a.now)
    .bind(a.data.to_vec())
    .fetch_one(conn)
    .await?)
}

const COLUMNS: &str = "id, notice_id, file_name, content_type, byte_len, sha256, uploaded_at";

/// A notice's attachments in the order they were added.
pub async fn attachments(
    conn: &mut AnyConnection,
    notice_id: i64,
) -> StoreResult<Vec<NoticeAttachment>> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {COLUMNS} FROM notice_attachments WHERE notice_id = $1 ORDER BY id"
    ))
    .bind(notice_id)
    .fetch_all(conn)
    .await?)
}

/// One attachment's metadata, if it exists.
pub async fn attachment(
    conn: &mut AnyConnection,
    id: i64,
) -> StoreResult<Option<NoticeAttachment>> {
    Ok(crate::dialect::query_as(format!(
        "SELECT {COLUMNS} FROM notice_attachments WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// An attachment's bytes.
pub async fn attachment_data(conn: &mut AnyConnection, id: i64) -> StoreResult<Vec<u8>> {
    Ok(
        sqlx::query_scalar("SELECT data FROM notice_attachments WHERE id = $1")
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

/// Removes an attachment; whether there was one.
pub async fn delete_attachment(conn: &mut AnyConnection, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM notice_attachments WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}
