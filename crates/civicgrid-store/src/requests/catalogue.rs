//! The category catalogue and the capability's settings (JSON by key).

use civicgrid_domain::requests::category::{Category, PartyKind, default_catalogue};
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{corrupt, flag};
use crate::StoreResult;

/// Settings keys.
pub const SETTING_CALENDAR: &str = "calendar";
pub const SETTING_POLICY: &str = "policy";

fn category_from_row(r: &AnyRow) -> StoreResult<Category> {
    let party: String = r.try_get("party_kind")?;
    let response: i64 = r.try_get("response_minutes")?;
    let resolution: i64 = r.try_get("resolution_minutes")?;
    let public: i64 = r.try_get("public")?;
    let active: i64 = r.try_get("active")?;
    Ok(Category {
        code: r.try_get("code")?,
        name_zh: r.try_get("name_zh")?,
        name_en: r.try_get("name_en")?,
        description: r.try_get("description")?,
        party_kind: PartyKind::parse(&party).map_err(corrupt)?,
        response_minutes: u32::try_from(response).map_err(corrupt)?,
        resolution_minutes: u32::try_from(resolution).map_err(corrupt)?,
        public: public != 0,
        active: active != 0,
    })
}

/// The whole catalogue in its listing order (active and inactive).
pub async fn categories(conn: &mut AnyConnection) -> StoreResult<Vec<Category>> {
    let rows = sqlx::query(
        "SELECT code, name_zh, name_en, description, party_kind, response_minutes, \
         resolution_minutes, public, active FROM request_categories ORDER BY position, code",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(category_from_row).collect()
}

/// One category by code.
pub async fn category(conn: &mut AnyConnection, code: &str) -> StoreResult<Option<Category>> {
    let row = sqlx::query(
        "SELECT code, name_zh, name_en, description, party_kind, response_minutes, \
         resolution_minutes, public, active FROM request_categories WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(category_from_row).transpose()
}

/// Inserts or replaces an entry (validated by the caller); `position` orders listings.
pub async fn upsert_category(
    conn: &mut AnyConnection,
    c: &Category,
    position: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO request_categories (code, name_zh, name_en, description, party_kind, \
         response_minutes, resolution_minutes, public, active, position) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (code) DO UPDATE SET \
         name_zh = excluded.name_zh, name_en = excluded.name_en, \
         description = excluded.description, party_kind = excluded.party_kind, \
         response_minutes = excluded.response_minutes, \
         resolution_minutes = excluded.resolution_minutes, public = excluded.public, \
         active = excluded.active, position = excluded.position",
    )
    .bind(&c.code)
    .bind(&c.name_zh)
    .bind(&c.name_en)
    .bind(&c.description)
    .bind(c.party_kind.code())
    .bind(i64::from(c.response_minutes))
    .bind(i64::from(c.resolution_minutes))
    .bind(flag(c.public))
    .bind(flag(c.active))
    .bind(position)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds the default catalogue's entries that are missing; returns how many were added.
/// Entries a community changed are left as they are.
pub async fn ensure_default_categories(conn: &mut AnyConnection) -> StoreResult<u64> {
    let mut added = 0;
    for (i, c) in default_catalogue().iter().enumerate() {
        added += sqlx::query(
            "INSERT INTO request_categories (code, name_zh, name_en, description, party_kind, \
             response_minutes, resolution_minutes, public, active, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (code) DO NOTHING",
        )
        .bind(&c.code)
        .bind(&c.name_zh)
        .bind(&c.name_en)
        .bind(&c.description)
        .bind(c.party_kind.code())
        .bind(i64::from(c.response_minutes))
        .bind(i64::from(c.resolution_minutes))
        .bind(flag(c.public))
        .bind(flag(c.active))
        .bind(i64::try_from(i).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(added)
}

/// A setting's JSON text, if set.
pub async fn setting(conn: &mut AnyConnection, key: &str) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT value FROM request_settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Sets a setting's JSON text.
pub async fn set_setting(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
    at_ms: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO request_settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(key)
    .bind(value)
    .bind(at_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
