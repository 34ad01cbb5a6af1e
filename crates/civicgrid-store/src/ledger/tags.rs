//! Residents' tags and the tag catalogue.

use civicgrid_domain::ledger::tags::{TagDef, default_catalogue};
use sqlx::{AnyConnection, Row};

use super::flag;
use crate::StoreResult;

pub async fn tags_of(conn: &mut AnyConnection, resident_id: i64) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT tag_code FROM resident_tags WHERE resident_id = $1 ORDER BY tag_code",
    )
    .bind(resident_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The tags of every member of a household: (resident id, tag code).
pub async fn tags_of_members(
    conn: &mut AnyConnection,
    household_id: i64,
) -> StoreResult<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT t.resident_id, t.tag_code FROM resident_tags t JOIN residents r ON r.id = t.resident_id \
         WHERE r.household_id = $1 ORDER BY t.resident_id, t.tag_code",
    )
    .bind(household_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("resident_id")?, r.try_get("tag_code")?)))
        .collect()
}

/// Replaces a resident's tags.
pub async fn set_tags(
    conn: &mut AnyConnection,
    resident_id: i64,
    codes: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM resident_tags WHERE resident_id = $1")
        .bind(resident_id)
        .execute(&mut *conn)
        .await?;
    let mut codes: Vec<&String> = codes.iter().collect();
    codes.sort();
    codes.dedup();
    for code in codes {
        sqlx::query("INSERT INTO resident_tags (resident_id, tag_code) VALUES ($1, $2)")
            .bind(resident_id)
            .bind(code.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A catalogue entry with whether it is offered for new assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueTag {
    pub def: TagDef,
    pub active: bool,
}

pub async fn catalogue(conn: &mut AnyConnection) -> StoreResult<Vec<CatalogueTag>> {
    let rows = sqlx::query(
        "SELECT code, name_zh, name_en, care, derived, active FROM tag_catalogue ORDER BY derived, care DESC, code",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let care: i64 = r.try_get("care")?;
            let derived: i64 = r.try_get("derived")?;
            let active: i64 = r.try_get("active")?;
            Ok(CatalogueTag {
                def: TagDef {
                    code: r.try_get("code")?,
                    name_zh: r.try_get("name_zh")?,
                    name_en: r.try_get("name_en")?,
                    care: care != 0,
                    derived: derived != 0,
                },
                active: active != 0,
            })
        })
        .collect()
}

/// Inserts or replaces a catalogue entry.
pub async fn upsert_tag(conn: &mut AnyConnection, def: &TagDef, active: bool) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tag_catalogue (code, name_zh, name_en, care, derived, active) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
         care = excluded.care, derived = excluded.derived, active = excluded.active",
    )
    .bind(&def.code)
    .bind(&def.name_zh)
    .bind(&def.name_en)
    .bind(flag(def.care))
    .bind(flag(def.derived))
    .bind(flag(active))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds the default catalogue's entries that are missing; returns how many were added.
pub async fn ensure_default_catalogue(conn: &mut AnyConnection) -> StoreResult<u64> {
    let mut added = 0;
    for def in default_catalogue() {
        added += sqlx::query(
            "INSERT INTO tag_catalogue (code, name_zh, name_en, care, derived, active) \
             VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (code) DO NOTHING",
        )
        .bind(&def.code)
        .bind(&def.name_zh)
        .bind(&def.name_en)
        .bind(flag(def.care))
        .bind(flag(def.derived))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(added)
}
