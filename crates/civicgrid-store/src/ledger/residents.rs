//! Residents, their personal fields stored sealed (see [`crate::ledger::pii`]).

use civicgrid_domain::ledger::person::{Gender, Relation, ResidenceStatus};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use super::{corrupt, get_household};
use crate::ledger::pii::SealedPii;
use crate::repo::{found, records};
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

/// A `residents` row as stored: gender, relation and status as their codes.
#[derive(sqlx::FromRow)]
struct ResidentRow {
    id: i64,
    household_id: Option<i64>,
    grid_id: i64,
    name: String,
    gender: String,
    relation: String,
    residence_status: String,
    #[sqlx(flatten)]
    pii: SealedPii,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

impl TryFrom<ResidentRow> for ResidentRecord {
    type Error = StoreError;

    fn try_from(r: ResidentRow) -> StoreResult<Self> {
        Ok(ResidentRecord {
            id: r.id,
            household_id: r.household_id,
            grid_id: r.grid_id,
            name: r.name,
            gender: Gender::parse(&r.gender).map_err(corrupt)?,
            relation: Relation::parse(&r.relation).map_err(corrupt)?,
            status: ResidenceStatus::parse(&r.residence_status).map_err(corrupt)?,
            pii: r.pii,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

/// Binds what a resident holds ($1 to $13 of the insert and of the update), in the
/// order both name the columns.
fn bind_fields<'q>(
    q: Query<'q, Any, AnyArguments>,
    f: &'q ResidentFields<'_>,
) -> Query<'q, Any, AnyArguments> {
    q.bind(f.household_id)
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
}

/// Inserts a resident and indexes the name for search. A second resident with the
/// same ID number is a [`StoreError::Conflict`].
pub async fn insert_resident(
    conn: &mut AnyConnection,
    f: &ResidentFields<'_>,
) -> StoreResult<ResidentRecord> {
    let now = now_ms();
    let inserted = bind_fields(
        sqlx::query(
            "INSERT INTO residents (household_id, grid_id, name, gender, birth_ym, birth_date_enc, \
             id_number_enc, id_number_idx, phone_enc, phone_idx, phone_last4_idx, relation, \
             residence_status, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, 1) RETURNING id",
        ),
        f,
    )
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = inserted.try_get("id")?;
    // A new resident: nothing indexed under its id to replace.
    let terms = civicgrid_domain::ledger::search::name_terms(f.name);
    crate::ledger::search::index_residents(conn, &[(id, terms)], false).await?;
    get_resident(conn, id).await
}

pub async fn get_resident(conn: &mut AnyConnection, id: i64) -> StoreResult<ResidentRecord> {
    sqlx::query_as::<_, ResidentRow>(select_residents!("WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_into()
}

/// The resident holding an ID number (by its blind index).
pub async fn find_resident_by_id_index(
    conn: &mut AnyConnection,
    id_number_idx: &[u8],
) -> StoreResult<Option<ResidentRecord>> {
    sqlx::query_as::<_, ResidentRow>(select_residents!("WHERE id_number_idx = $1"))
        .bind(id_number_idx)
        .fetch_optional(&mut *conn)
        .await?
        .map(ResidentRecord::try_from)
        .transpose()
}

/// Every member of a household, present or not, the head first.
pub async fn members(
    conn: &mut AnyConnection,
    household_id: i64,
) -> StoreResult<Vec<ResidentRecord>> {
    records(
        sqlx::query_as::<_, ResidentRow>(select_residents!(
            "WHERE household_id = $1 ORDER BY CASE WHEN relation = 'head' THEN 0 ELSE 1 END, birth_ym, id"
        ))
        .bind(household_id)
        .fetch_all(&mut *conn)
        .await?,
    )
}

/// Replaces a resident's fields when `expected_version` is still current (optimistic
/// locking); a stale version is [`StoreError::Stale`]. Re-indexes the name.
pub async fn update_resident(
    conn: &mut AnyConnection,
    id: i64,
    expected_version: i64,
    f: &ResidentFields<'_>,
) -> StoreResult<ResidentRecord> {
    let n = bind_fields(
        sqlx::query(
            "UPDATE residents SET household_id = $1, grid_id = $2, name = $3, gender = $4, birth_ym = $5, \
             birth_date_enc = $6, id_number_enc = $7, id_number_idx = $8, phone_enc = $9, phone_idx = $10, \
             phone_last4_idx = $11, relation = $12, residence_status = $13, updated_at = $14, \
             version = version + 1 WHERE id = $15 AND version = $16",
        ),
        f,
    )
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
    let update = sqlx::query(
        "UPDATE residents SET household_id = $1, grid_id = $2, relation = $3, updated_at = $4, \
         version = version + 1 WHERE id = $5",
    )
    .bind(target.id)
    .bind(target.grid_id)
    .bind(relation.code());
    changed(conn, id, update).await
}

pub async fn set_status(
    conn: &mut AnyConnection,
    id: i64,
    status: ResidenceStatus,
) -> StoreResult<ResidentRecord> {
    let update = sqlx::query(
        "UPDATE residents SET residence_status = $1, updated_at = $2, version = version + 1 \
         WHERE id = $3",
    )
    .bind(status.code());
    changed(conn, id, update).await
}

/// Runs `update` of resident `id`, binding its last two parameters (the time of the
/// change, the resident's id); the resident as it now is, or not found.
async fn changed(
    conn: &mut AnyConnection,
    id: i64,
    update: Query<'static, Any, AnyArguments>,
) -> StoreResult<ResidentRecord> {
    found(update.bind(now_ms()).bind(id).execute(&mut *conn).await?)?;
    get_resident(conn, id).await
}
