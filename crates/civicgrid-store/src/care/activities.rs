//! Volunteer activities, their shifts and the places volunteers hold on them.
//!
//! A shift's `taken` counts the places signed up or attended; [`take_slot`] takes one
//! only while one is free, in a single statement, so two volunteers racing for the last
//! place cannot both have it on either backend.

use chrono::NaiveDate;
use civicgrid_domain::care::activities::{ActivityState, SignupState};
use civicgrid_domain::care::volunteers::{Skill, join_codes, split_codes};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, found, records};
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub id: i64,
    pub community_id: i64,
    /// The community or grid it is published to.
    pub node_id: i64,
    pub scope: OrgPath,
    pub title: String,
    pub description: String,
    pub place: String,
    pub skills: Vec<Skill>,
    pub state: ActivityState,
    /// Who organises it (confirms attendance).
    pub organiser_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: i64,
    community_id: i64,
    node_id: i64,
    scope_path: String,
    title: String,
    description: String,
    place: String,
    skills: String,
    state: String,
    organiser_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<ActivityRow> for ActivityRecord {
    type Error = StoreError;

    fn try_from(r: ActivityRow) -> StoreResult<Self> {
        Ok(ActivityRecord {
            id: r.id,
            community_id: r.community_id,
            node_id: r.node_id,
            scope: OrgPath::from_stored(r.scope_path),
            title: r.title,
            description: r.description,
            place: r.place,
            skills: split_codes(&r.skills)
                .map(|c| Skill::parse(c).map_err(corrupt))
                .collect::<StoreResult<Vec<_>>>()?,
            state: ActivityState::parse(&r.state).map_err(corrupt)?,
            organiser_id: r.organiser_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

macro_rules! select_activities {
    ($rest:literal) => {
        concat!(
            "SELECT id, community_id, node_id, scope_path, title, description, place, skills, \
             state, organiser_id, created_at, updated_at FROM volunteer_activities ",
            $rest
        )
    };
}

/// Stores a new activity; `id` of `a` is ignored.
pub async fn insert_activity(conn: &mut AnyConnection, a: &ActivityRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO volunteer_activities (community_id, node_id, scope_path, title, \
         description, place, skills, state, organiser_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(a.community_id)
    .bind(a.node_id)
    .bind(a.scope.as_str())
    .bind(a.title.as_str())
    .bind(a.description.as_str())
    .bind(a.place.as_str())
    .bind(join_codes(a.skills.iter().map(|s| s.code())))
    .bind(a.state.code())
    .bind(a.organiser_id)
    .bind(a.created_at)
    .bind(a.updated_at)
    .fetch_one(conn)
    .await?)
}

pub async fn get_activity(conn: &mut AnyConnection, id: i64) -> StoreResult<ActivityRecord> {
    let row: ActivityRow = sqlx::query_as(select_activities!("WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// Sets an activity's state.
pub async fn set_activity_state(
    conn: &mut AnyConnection,
    id: i64,
    state: ActivityState,
    now: i64,
) -> StoreResult<()> {
    found(
        sqlx::query("UPDATE volunteer_activities SET state = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(state.code())
            .bind(now)
            .execute(conn)
            .await?,
    )
}

/// Activities published inside the subtree of `scope`, newest first, at most `limit`.
pub async fn list_activities(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    limit: i64,
) -> StoreResult<Vec<ActivityRecord>> {
    let rows: Vec<ActivityRow> = sqlx::query_as(select_activities!(
        "WHERE scope_path >= $1 AND scope_path < $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// Activities a volunteer covering `area` can reach: published inside it, or at a
/// place holding it (its community); newest first, at most `limit`.
pub async fn activities_reaching(
    conn: &mut AnyConnection,
    area: &OrgPath,
    limit: i64,
) -> StoreResult<Vec<ActivityRecord>> {
    let above = area.lineage();
    let mut sql = String::from(select_activities!(
        "WHERE (scope_path >= $1 AND scope_path < $2)"
    ));
    let mut n = 3;
    for _ in &above {
        sql.push_str(&format!(" OR scope_path = ${n}"));
        n += 1;
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${n}"));
    let mut q = crate::dialect::query_as::<ActivityRow>(sql)
        .bind(area.as_str().to_owned())
        .bind(prefix_end(area.as_str()));
    for p in above {
        q = q.bind(p.as_str().to_owned());
    }
    let rows = q.bind(limit).fetch_all(conn).await?;
    records(rows)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShiftRow {
    pub id: i64,
    pub activity_id: i64,
    pub on_date: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub slots: i64,
    pub taken: i64,
}

/// A shift: its day in the community's time, its start and end, slots and places taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftRecord {
    pub id: i64,
    pub activity_id: i64,
    pub on: NaiveDate,
    pub starts_at: i64,
    pub ends_at: i64,
    pub slots: i64,
    pub taken: i64,
}

impl ShiftRecord {
    /// How long it lasts, in minutes.
    pub fn minutes(&self) -> i64 {
        (self.ends_at - self.starts_at) / 60_000
    }
}

impl TryFrom<ShiftRow> for ShiftRecord {
    type Error = StoreError;

    fn try_from(r: ShiftRow) -> StoreResult<Self> {
        Ok(ShiftRecord {
            id: r.id,
            activity_id: r.activity_id,
            on: NaiveDate::parse_from_str(&r.on_date, "%Y-%m-%d").map_err(corrupt)?,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            slots: r.slots,
            taken: r.taken,
        })
    }
}

/// Stores a shift of an activity; `id` and `taken` of `s` are ignored.
pub async fn insert_shift(conn: &mut AnyConnection, s: &ShiftRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO volunteer_shifts (activity_id, on_date, starts_at, ends_at, slots) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(s.activity_id)
    .bind(s.on.format("%Y-%m-%d").to_string())
    .bind(s.starts_at)
    .bind(s.ends_at)
    .bind(s.slots)
    .fetch_one(conn)
    .await?)
}

pub async fn get_shift(conn: &mut AnyConnection, id: i64) -> StoreResult<ShiftRecord> {
    let row: ShiftRow = sqlx::query_as(
        "SELECT id, activity_id, on_date, starts_at, ends_at, slots, taken \
         FROM volunteer_shifts WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    row.try_into()
}

/// The shifts of an activity, the earliest first.
pub async fn shifts_of(
    conn: &mut AnyConnection,
    activity_id: i64,
) -> StoreResult<Vec<ShiftRecord>> {
    let rows: Vec<ShiftRow> = sqlx::query_as(
        "SELECT id, activity_id, on_date, starts_at, ends_at, slots, taken \
         FROM volunteer_shifts WHERE activity_id = $1 ORDER BY starts_at, id",
    )
    .bind(activity_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// Takes a free place on a shift: `false` when every slot is taken.
pub async fn take_slot(conn: &mut AnyConnection, shift_id: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE volunteer_shifts SET taken = taken + 1 WHERE id = $1 AND taken < slots",
    )
    .bind(shift_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a place back (a volunteer withdrew).
pub async fn free_slot(conn: &mut AnyConnection, shift_id: i64) -> StoreResult<()> {
    found(
        sqlx::query("UPDATE volunteer_shifts SET taken = taken - 1 WHERE id = $1 AND taken > 0")
            .bind(shift_id)
            .execute(conn)
            .await?,
    )
}

/// A volunteer's place on a shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignupRecord {
    pub id: i64,
    pub shift_id: i64,
    pub volunteer_id: i64,
    pub state: SignupState,
    /// Staff who assigned the volunteer; `None`: they signed up themselves.
    pub assigned_by: Option<i64>,
    /// The minutes confirmed, once attended.
    pub minutes: Option<i64>,
    pub confirmed_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct SignupRow {
    id: i64,
    shift_id: i64,
    volunteer_id: i64,
    state: String,
    assigned_by: Option<i64>,
    minutes: Option<i64>,
    confirmed_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<SignupRow> for SignupRecord {
    type Error = StoreError;

    fn try_from(r: SignupRow) -> StoreResult<Self> {
        Ok(SignupRecord {
            id: r.id,
            shift_id: r.shift_id,
            volunteer_id: r.volunteer_id,
            state: SignupState::parse(&r.state).map_err(corrupt)?,
            assigned_by: r.assigned_by,
            minutes: r.minutes,
            confirmed_by: r.confirmed_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

macro_rules! select_signups {
    ($rest:literal) => {
        concat!(
            "SELECT id, shift_id, volunteer_id, state, assigned_by, minutes, confirmed_by, \
             created_at, updated_at FROM volunteer_signups ",
            $rest
        )
    };
}

/// Stores a new place, signed up.
pub async fn insert_signup(
    conn: &mut AnyConnection,
    shift_id: i64,
    volunteer_id: i64,
    assigned_by: Option<i64>,
    now: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO volunteer_signups (shift_id, volunteer_id, state, assigned_by, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(shift_id)
    .bind(volunteer_id)
    .bind(SignupState::SignedUp.code())
    .bind(assigned_by)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

pub async fn get_signup(conn: &mut AnyConnection, id: i64) -> StoreResult<SignupRecord> {
    let row: SignupRow = sqlx::query_as(select_signups!("WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// A volunteer's place on a shift, if they ever held one.
pub async fn signup_of(
    conn: &mut AnyConnection,
    shift_id: i64,
    volunteer_id: i64,
) -> StoreResult<Option<SignupRecord>> {
    let row: Option<SignupRow> =
        sqlx::query_as(select_signups!("WHERE shift_id = $1 AND volunteer_id = $2"))
            .bind(shift_id)
            .bind(volunteer_id)
            .fetch_optional(conn)
            .await?;
    row.map(TryInto::try_into).transpose()
}

/// The places on a shift, in the order they were taken.
pub async fn signups_of_shift(
    conn: &mut AnyConnection,
    shift_id: i64,
) -> StoreResult<Vec<SignupRecord>> {
    let rows: Vec<SignupRow> = sqlx::query_as(select_signups!("WHERE shift_id = $1 ORDER BY id"))
        .bind(shift_id)
        .fetch_all(conn)
        .await?;
    records(rows)
}

/// Every place a volunteer held, the latest shift first, at most `limit`.
pub async fn signups_of_volunteer(
    conn: &mut AnyConnection,
    volunteer_id: i64,
    limit: i64,
) -> StoreResult<Vec<SignupRecord>> {
    let rows: Vec<SignupRow> = sqlx::query_as(
        "SELECT g.id, g.shift_id, g.volunteer_id, g.state, g.assigned_by, g.minutes, \
         g.confirmed_by, g.created_at, g.updated_at FROM volunteer_signups g \
         JOIN volunteer_shifts s ON s.id = g.shift_id WHERE g.volunteer_id = $1 \
         ORDER BY s.starts_at DESC, g.id DESC LIMIT $2",
    )
    .bind(volunteer_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// Moves a place to `state`, with the minutes confirmed and who confirmed them.
pub async fn set_signup_state(
    conn: &mut AnyConnection,
    id: i64,
    state: SignupState,
    minutes: Option<i64>,
    confirmed_by: Option<i64>,
    now: i64,
) -> StoreResult<()> {
    found(
        sqlx::query(
            "UPDATE volunteer_signups SET state = $2, minutes = $3, confirmed_by = $4, \
             updated_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(state.code())
        .bind(minutes)
        .bind(confirmed_by)
        .bind(now)
        .execute(conn)
        .await?,
    )
}
