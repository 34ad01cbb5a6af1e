//! The category catalogue and the capability's settings (JSON by key).

use civicgrid_domain::requests::category::{Category, PartyKind, default_catalogue};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

use super::{corrupt, flag};
use crate::repo::records;
use crate::{StoreError, StoreResult};

/// Settings keys.
pub const SETTING_CALENDAR: &str = "calendar";
pub const SETTING_POLICY: &str = "policy";

/// A `request_categories` row as stored: the party kind as its code, minutes as
/// integers, booleans as 0 or 1.
#[derive(sqlx::FromRow)]
struct CategoryRow {
    code: String,
    name_zh: String,
    name_en: String,
    description: String,
    party_kind: String,
    response_minutes: i64,
    resolution_minutes: i64,
    public: i64,
    active: i64,
}

impl TryFrom<CategoryRow> for Category {
    type Error = StoreError;

    fn try_from(r: CategoryRow) -> StoreResult<Self> {
        Ok(Category {
            code: r.code,
            name_zh: r.name_zh,
            name_en: r.name_en,
            description: r.description,
            party_kind: PartyKind::parse(&r.party_kind).map_err(corrupt)?,
            response_minutes: u32::try_from(r.response_minutes).map_err(corrupt)?,
            resolution_minutes: u32::try_from(r.resolution_minutes).map_err(corrupt)?,
            public: r.public != 0,
            active: r.active != 0,
        })
    }
}

/// `INSERT INTO request_categories <all columns> VALUES <`[`bind_category`]`> <on_conflict>`
/// as one static query text.
macro_rules! insert_category {
    ($on_conflict:literal) => {
        concat!(
            "INSERT INTO request_categories (code, name_zh, name_en, description, party_kind, \
             response_minutes, resolution_minutes, public, active, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ",
            $on_conflict
        )
    };
}

/// Binds a catalogue entry at `position`, in [`insert_category!`] order.
fn bind_category<'q>(
    q: Query<'q, Any, AnyArguments>,
    c: &'q Category,
    position: i64,
) -> Query<'q, Any, AnyArguments> {
    q.bind(&c.code)
        .bind(&c.name_zh)
        .bind(&c.name_en)
        .bind(&c.description)
        .bind(c.party_kind.code())
        .bind(i64::from(c.response_minutes))
        .bind(i64::from(c.resolution_minutes))
        .bind(flag(c.public))
        .bind(flag(c.active))
        .bind(position)
}

/// The whole catalogue in its listing order (active and inactive).
pub async fn categories(conn: &mut AnyConnection) -> StoreResult<Vec<Category>> {
    let rows: Vec<CategoryRow> = sqlx::query_as(
        "SELECT code, name_zh, name_en, description, party_kind, response_minutes, \
         resolution_minutes, public, active FROM request_categories ORDER BY position, code",
    )
    .fetch_all(&mut *conn)
    .await?;
    records(rows)
}

/// One category by code.
pub async fn category(conn: &mut AnyConnection, code: &str) -> StoreResult<Option<Category>> {
    let row: Option<CategoryRow> = sqlx::query_as(
        "SELECT code, name_zh, name_en, description, party_kind, response_minutes, \
         resolution_minutes, public, active FROM request_categories WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(Category::try_from).transpose()
}

/// Inserts or replaces an entry (validated by the caller); `position` orders listings.
pub async fn upsert_category(
    conn: &mut AnyConnection,
    c: &Category,
    position: i64,
) -> StoreResult<()> {
    bind_category(
        sqlx::query(insert_category!(
            "ON CONFLICT (code) DO UPDATE SET \
             name_zh = excluded.name_zh, name_en = excluded.name_en, \
             description = excluded.description, party_kind = excluded.party_kind, \
             response_minutes = excluded.response_minutes, \
             resolution_minutes = excluded.resolution_minutes, public = excluded.public, \
             active = excluded.active, position = excluded.position"
        )),
        c,
        position,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds the default catalogue's entries that are missing; returns how many were added.
/// Entries a community changed are left as they are.
pub async fn ensure_default_categories(conn: &mut AnyConnection) -> StoreResult<u64> {
    let mut added = 0;
    for (i, c) in default_catalogue().iter().enumerate() {
        let position = i64::try_from(i).unwrap_or(i64::MAX);
        added += bind_category(
            sqlx::query(insert_category!("ON CONFLICT (code) DO NOTHING")),
            c,
            position,
        )
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
