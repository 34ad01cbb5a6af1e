//! Households: who lives in a room together, and splitting and merging them.

use civicgrid_domain::ledger::person::{Ownership, Relation};
use sqlx::AnyConnection;

use super::{corrupt, flag, get_resident, members, move_resident, place_of_room};
use crate::repo::{found, records};
use crate::{StoreError, StoreResult, now_ms};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub id: i64,
    pub room_id: i64,
    pub grid_id: i64,
    pub ownership: Ownership,
    pub area_centi: Option<i64>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

macro_rules! select_households {
    ($rest:literal) => {
        concat!(
            "SELECT id, room_id, grid_id, ownership, area_centi, active, created_at, updated_at \
             FROM households ",
            $rest
        )
    };
}

/// A `households` row as stored: the ownership as its code, `active` as 0 or 1.
#[derive(sqlx::FromRow)]
struct HouseholdRow {
    id: i64,
    room_id: i64,
    grid_id: i64,
    ownership: String,
    area_centi: Option<i64>,
    active: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<HouseholdRow> for Household {
    type Error = StoreError;

    fn try_from(r: HouseholdRow) -> StoreResult<Self> {
        Ok(Household {
            id: r.id,
            room_id: r.room_id,
            grid_id: r.grid_id,
            ownership: Ownership::parse(&r.ownership).map_err(corrupt)?,
            area_centi: r.area_centi,
            active: r.active != 0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Inserts an active household in `room_id`; its grid is the room's.
pub async fn insert_household(
    conn: &mut AnyConnection,
    room_id: i64,
    ownership: Ownership,
    area_centi: Option<i64>,
) -> StoreResult<Household> {
    let place = place_of_room(conn, room_id).await?;
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO households (room_id, grid_id, ownership, area_centi, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
    )
    .bind(room_id)
    .bind(place.grid_id)
    .bind(ownership.code())
    .bind(area_centi)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    get_household(conn, id).await
}

pub async fn get_household(conn: &mut AnyConnection, id: i64) -> StoreResult<Household> {
    sqlx::query_as::<_, HouseholdRow>(select_households!("WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_into()
}

/// Active and former households that lived in a room, newest first.
pub async fn households_in_room(
    conn: &mut AnyConnection,
    room_id: i64,
) -> StoreResult<Vec<Household>> {
    records(
        sqlx::query_as::<_, HouseholdRow>(select_households!(
            "WHERE room_id = $1 ORDER BY active DESC, id DESC"
        ))
        .bind(room_id)
        .fetch_all(&mut *conn)
        .await?,
    )
}

pub async fn update_household(
    conn: &mut AnyConnection,
    id: i64,
    ownership: Ownership,
    area_centi: Option<i64>,
) -> StoreResult<Household> {
    found(
        sqlx::query(
            "UPDATE households SET ownership = $1, area_centi = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(ownership.code())
        .bind(area_centi)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *conn)
        .await?,
    )?;
    get_household(conn, id).await
}

pub async fn set_household_active(
    conn: &mut AnyConnection,
    id: i64,
    active: bool,
) -> StoreResult<()> {
    found(
        sqlx::query("UPDATE households SET active = $1, updated_at = $2 WHERE id = $3")
            .bind(flag(active))
            .bind(now_ms())
            .bind(id)
            .execute(&mut *conn)
            .await?,
    )
}

/// Moves `member_ids` (all members of `from`) into a new household in `room_id`; the
/// first listed member becomes its head. Returns the new household.
pub async fn split_household(
    conn: &mut AnyConnection,
    from: i64,
    room_id: i64,
    ownership: Ownership,
    area_centi: Option<i64>,
    member_ids: &[i64],
) -> StoreResult<Household> {
    let source = get_household(conn, from).await?;
    let current: Vec<i64> = members(conn, source.id)
        .await?
        .iter()
        .map(|m| m.id)
        .collect();
    if member_ids.is_empty() || member_ids.iter().any(|m| !current.contains(m)) {
        return Err(StoreError::NotFound);
    }
    let new = insert_household(conn, room_id, ownership, area_centi).await?;
    for (i, m) in member_ids.iter().enumerate() {
        let relation = if i == 0 {
            Relation::Head
        } else {
            get_resident(conn, *m).await?.relation
        };
        let relation = if i > 0 && relation == Relation::Head {
            Relation::Other
        } else {
            relation
        };
        move_resident(conn, *m, new.id, relation).await?;
    }
    Ok(new)
}

/// Moves every member of `from` into `into` (the head of `from` becomes `other`) and
/// marks `from` inactive. Returns the ids of the moved residents.
pub async fn merge_households(
    conn: &mut AnyConnection,
    from: i64,
    into: i64,
) -> StoreResult<Vec<i64>> {
    if from == into {
        return Err(StoreError::Refused("a household cannot merge into itself"));
    }
    let target = get_household(conn, into).await?;
    get_household(conn, from).await?;
    let moved = members(conn, from).await?;
    for m in &moved {
        let relation = if m.relation == Relation::Head {
            Relation::Other
        } else {
            m.relation
        };
        move_resident(conn, m.id, target.id, relation).await?;
    }
    set_household_active(conn, from, false).await?;
    Ok(moved.iter().map(|m| m.id).collect())
}
