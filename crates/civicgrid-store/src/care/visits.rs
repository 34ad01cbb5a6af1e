//! Visits (走访) with their sealed notes and photos.

use civicgrid_domain::care::visits::{Mode, Outcome};
use sqlx::AnyConnection;

use crate::crypto::{CryptoError, FieldKeys};
use crate::repo::{corrupt, records};
use crate::{StoreError, StoreResult};

/// Associated-data label of a visit's sealed notes.
pub const F_NOTES: &str = "care_visits.notes";

/// Seals a visit's notes for storage.
pub fn seal_notes(keys: &FieldKeys, notes: &str) -> Vec<u8> {
    keys.seal_bytes(F_NOTES, notes)
}

/// Opens a visit's sealed notes.
pub fn open_notes(keys: &FieldKeys, sealed: &[u8]) -> Result<String, CryptoError> {
    keys.open_bytes(F_NOTES, sealed, None)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecord {
    pub id: i64,
    pub pairing_id: i64,
    pub resident_id: i64,
    pub carer_user_id: Option<i64>,
    pub visited_at: i64,
    /// The due time the visit answered.
    pub due_at: Option<i64>,
    pub mode: Mode,
    pub outcome: Outcome,
    /// Sealed notes ([`seal_notes`]).
    pub notes_enc: Option<Vec<u8>>,
    /// The request raised when the resident needed help.
    pub request_id: Option<i64>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct VisitRow {
    id: i64,
    pairing_id: i64,
    resident_id: i64,
    carer_user_id: Option<i64>,
    visited_at: i64,
    due_at: Option<i64>,
    mode: String,
    outcome: String,
    notes_enc: Option<Vec<u8>>,
    request_id: Option<i64>,
    created_at: i64,
}

impl TryFrom<VisitRow> for VisitRecord {
    type Error = StoreError;

    fn try_from(r: VisitRow) -> StoreResult<Self> {
        Ok(VisitRecord {
            id: r.id,
            pairing_id: r.pairing_id,
            resident_id: r.resident_id,
            carer_user_id: r.carer_user_id,
            visited_at: r.visited_at,
            due_at: r.due_at,
            mode: Mode::parse(&r.mode).map_err(corrupt)?,
            outcome: Outcome::parse(&r.outcome).map_err(corrupt)?,
            notes_enc: r.notes_enc,
            request_id: r.request_id,
            created_at: r.created_at,
        })
    }
}

macro_rules! select_visits {
    ($rest:literal) => {
        concat!(
            "SELECT id, pairing_id, resident_id, carer_user_id, visited_at, due_at, mode, outcome, \
             notes_enc, request_id, created_at FROM care_visits ",
            $rest
        )
    };
}

/// Stores a visit; `id` of `v` is ignored.
pub async fn insert_visit(conn: &mut AnyConnection, v: &VisitRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO care_visits (pairing_id, resident_id, carer_user_id, visited_at, due_at, mode, \
         outcome, notes_enc, request_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(v.pairing_id)
    .bind(v.resident_id)
    .bind(v.carer_user_id)
    .bind(v.visited_at)
    .bind(v.due_at)
    .bind(v.mode.code())
    .bind(v.outcome.code())
    .bind(v.notes_enc.clone())
    .bind(v.request_id)
    .bind(v.created_at)
    .fetch_one(conn)
    .await?)
}

pub async fn get_visit(conn: &mut AnyConnection, id: i64) -> StoreResult<VisitRecord> {
    let row: VisitRow = sqlx::query_as(select_visits!("WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// A pairing's visits, the latest first, at most `limit`.
pub async fn visits_of(
    conn: &mut AnyConnection,
    pairing_id: i64,
    limit: i64,
) -> StoreResult<Vec<VisitRecord>> {
    let rows: Vec<VisitRow> = sqlx::query_as(select_visits!(
        "WHERE pairing_id = $1 ORDER BY visited_at DESC, id DESC LIMIT $2"
    ))
    .bind(pairing_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// A photo of a visit; the bytes are read only by [`photo`].
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VisitPhoto {
    pub id: i64,
    pub visit_id: i64,
    pub content_type: String,
    pub byte_len: i64,
    pub sha256: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: i64,
}

/// Stores a checked photo of a visit; `id` and `byte_len` of `meta` are ignored.
pub async fn insert_photo(
    conn: &mut AnyConnection,
    meta: &VisitPhoto,
    data: &[u8],
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO care_visit_photos (visit_id, content_type, byte_len, sha256, width, height, \
         uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(meta.visit_id)
    .bind(meta.content_type.as_str())
    .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
    .bind(meta.sha256.as_str())
    .bind(meta.width)
    .bind(meta.height)
    .bind(meta.uploaded_by)
    .bind(meta.uploaded_at)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO care_visit_photo_data (photo_id, data) VALUES ($1, $2)")
        .bind(id)
        .bind(data.to_vec())
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// The photos of a visit, in upload order.
pub async fn photos_of(conn: &mut AnyConnection, visit_id: i64) -> StoreResult<Vec<VisitPhoto>> {
    Ok(sqlx::query_as(
        "SELECT id, visit_id, content_type, byte_len, sha256, width, height, uploaded_by, \
         uploaded_at FROM care_visit_photos WHERE visit_id = $1 ORDER BY id",
    )
    .bind(visit_id)
    .fetch_all(conn)
    .await?)
}

/// A photo's metadata and bytes.
pub async fn photo(conn: &mut AnyConnection, id: i64) -> StoreResult<(VisitPhoto, Vec<u8>)> {
    let meta: VisitPhoto = sqlx::query_as(
        "SELECT id, visit_id, content_type, byte_len, sha256, width, height, uploaded_by, \
         uploaded_at FROM care_visit_photos WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let data: Vec<u8> =
        sqlx::query_scalar("SELECT data FROM care_visit_photo_data WHERE photo_id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    Ok((meta, data))
}
