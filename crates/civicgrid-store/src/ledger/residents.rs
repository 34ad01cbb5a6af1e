//! Residents, their personal fields stored sealed (see [`crate::ledger::pii`]).

use civicgrid_domain::ledger::person::{Gender, Relation, ResidenceStatus};
use sqlx::{AnyConnection, Row, any::AnyRow};

use super::{corrupt, get_household};
use crate::ledger::pii::SealedPii;
use crate::{StoreError, StoreResult, now_ms};

/// A resident as stored: personal fields sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentRecord {
    pub id: i64,
    pub household_id: Option<i64>,
    pub grid_id: i64,
    pub name: String,
    pub gender: Gender,
    pub relation: Relation,
    pub status: ResidenceStatus,
    pub pii: SealedPii,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

/// What a new or edited resident holds.
#[derive(Debug, Clone)]
pub struct ResidentFields<'a> {
    pub household_id: Option<i64>,
    pub grid_id: i64,
    pub name: &'a str,
    pub gender: Gender,
    pub relation: Relation,
    pub status: ResidenceStatus,
    pub pii: &'a SealedPii,
}

macro_rules! select_residents {
    ($rest:literal) => {
        concat!(
            "SELECT id, household_id, grid_id, name, gender, birth_ym, birth_date_enc, id_number_enc, \
             id_number_idx, phone_enc, phone_idx, phone_last4_idx, relation, residence_status, \
             created_at, updated_at, version FROM residents ",
            $rest
        )
    };
}

fn resident_from_row(row: &AnyRow) -> StoreResult<ResidentRecord> {
    let gender: String = row.try_get("gender")?;
    let relation: String = row.try_get("relation")?;
    let status: String = row.try_get("residence_status")?;
    Ok(ResidentRecord {
        id: row.try_get("id")?,
        household_id: row.try_get("household_id")?,
        grid_id: row.try_get("grid_id")?,
        name: row.try_get("name")?,
        gender: Gender::parse(&gender).map_err(corrupt)?,
        relation: Relation::parse(&relation).map_err(corrupt)?,
        status: ResidenceStatus::parse(&status).map_err(corrupt)?,
        pii: SealedPii {
            id_number_enc: row.try_get("id_number_enc")?,
            id_number_idx: row.try_get("id_number_idx")?,
            phone_enc: row.try_get("phone_enc")?,
            phone_idx: row.try_get("phone_idx")?,
            phone_last4_idx: row.try_get("phone_last4_idx")?,
            birth_date_enc: row.try_get("birth_date_enc")?,
            birth_ym: row.try_get("birth_ym")?,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

/// Inserts a resident and indexes the name for search. A second resident with the
/// same ID number is a [`StoreError::Conflict`].
pub async fn insert_resident(
    conn: &mut AnyConnection,
    f: &ResidentFields<'_>,
) -> StoreResult<ResidentRecord> {
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO residents (household_id, grid_id, name, gender, birth_ym, birth_date_enc, \
         id_number_enc, id_number_idx, phone_enc, phone_idx, phone_last4_idx, relation, \
         residence_status, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, 1) RETURNING id",
    )
    .bind(f.household_id)
    .bind(f.grid_id)
    .bind(f.name)
    .bind(f.gender.code())
    .bind(f.pii.birth_ym)
    .bind(&f.pii.birth_date_enc)
    .bind(f.pii.id_number_enc.as_deref())
    .bind(f.pii.id_number_idx.as_deref())
    .bind(f.pii.phone_enc.as_deref())
    .bind(f.pii.phone_idx.as_deref())
    .bind(f.pii.phone_last4_idx.as_deref())
    .bind(f.relation.code())
    .bind(f.status.code())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    // A new resident: nothing indexed under its id to replace.
    let terms = civicgrid_domain::ledger::search::name_terms(f.name);
    crate::ledger::search::index_residents(conn, &[(id, terms)], false).await?;
    get_resident(conn, id).await
}

pub async fn get_resident(conn: &mut AnyConnection, id: i64) -> StoreResult<ResidentRecord> {
    let row = sqlx::query(select_residents!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    resident_from_row(&row)
}

/// The resident holding an ID number (by its blind index).
pub async fn find_resident_by_id_index(
    conn: &mut AnyConnection,
    id_number_idx: &[u8],
) -> StoreResult<Option<ResidentRecord>> {
    let row = sqlx::query(select_residents!("WHERE id_number_idx = $1"))
        .bind(id_number_idx)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(resident_from_row).transpose()
}

/// Every member of a household, present or not, the head first.
pub async fn members(
    conn: &mut AnyConnection,
    household_id: i64,
) -> StoreResult<Vec<ResidentRecord>> {
    let rows = sqlx::query(select_residents!(
        "WHERE household_id = $1 ORDER BY CASE WHEN relation = 'head' THEN 0 ELSE 1 END, birth_ym, id"
    ))
    .bind(household_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(resident_from_row).collect()
}

/// Replaces a resident's fields when `expected_version` is still current (optimistic
/// locking); a stale version is [`StoreError::Stale`]. Re-indexes the name.
pub async fn update_resident(
    conn: &mut AnyConnection,
    id: i64,
    expected_version: i64,
    f: &ResidentFields<'_>,
) -> StoreResult<ResidentRecord> {
    let n = sqlx::query(
        "UPDATE residents SET household_id = $1, grid_id = $2, name = $3, gender = $4, birth_ym = $5, \
         birth_date_enc = $6, id_number_enc = $7, id_number_idx = $8, phone_enc = $9, phone_idx = $10, \
         phone_last4_idx = $11, relation = $12, residence_status = $13, updated_at = $14, \
         version = version + 1 WHERE id = $15 AND version = $16",
    )
    .bind(f.household_id)
    .bind(f.grid_id)
    .bind(f.name)
    .bind(f.gender.code())
    .bind(f.pii.birth_ym)
    .bind(&f.pii.birth_date_enc)
    .bind(f.pii.id_number_enc.as_deref())
    .bind(f.pii.id_number_idx.as_deref())
    .bind(f.pii.phone_enc.as_deref())
    .bind(f.pii.phone_idx.as_deref())
    .bind(f.pii.phone_last4_idx.as_deref())
    .bind(f.relation.code())
    .bind(f.status.code())
    .bind(now_ms())
    .bind(id)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        get_resident(conn, id).await?;
        return Err(StoreError::Stale);
    }
    crate::ledger::search::index_resident(
        conn,
        id,
        &civicgrid_domain::ledger::search::name_terms(f.name),
    )
    .await?;
    get_resident(conn, id).await
}

/// Moves a resident into another household (and that household's grid).
pub async fn move_resident(
    conn: &mut AnyConnection,
    id: i64,
    household_id: i64,
    relation: Relation,
) -> StoreResult<ResidentRecord> {
    let target = get_household(conn, household_id).await?;
    let n = sqlx::query(
        "UPDATE residents SET household_id = $1, grid_id = $2, relation = $3, updated_at = $4, \
         version = version + 1 WHERE id = $5",
    )
    .bind(target.id)
    .bind(target.grid_id)
    .bind(relation.code())
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    get_resident(conn, id).await
}

pub async fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    status: ResidenceStatus,
) -> StoreResult<ResidentRecord> {
    let n = sqlx::query(
        "UPDATE residents SET residence_status = $1, updated_at = $2, version = version + 1 WHERE id = $3",
    )
    .bind(status.code())
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    get_resident(conn, id).await
}
