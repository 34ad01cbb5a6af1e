//! Care pairings (结对帮扶): the schedule of each lives on its row (`next_due_at`,
//! the alert ladder, the red flag), so a grid's due list is one indexed range of
//! (grid_id, next_due_at) and a carer's one join on their pairings.

use civicgrid_domain::care::policies::Cadence;
use civicgrid_domain::care::visits::Mode;
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, found, records};
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingRecord {
    pub id: i64,
    pub community_id: i64,
    pub grid_id: i64,
    /// The grid's path.
    pub scope: OrgPath,
    pub resident_id: i64,
    /// Set when the whole household is visited.
    pub household_id: Option<i64>,
    pub policy_id: Option<i64>,
    pub level: i64,
    pub cadence: Cadence,
    pub mode: Mode,
    /// Cadence and way set for this pairing rather than taken from the policy.
    pub overridden: bool,
    pub active: bool,
    pub next_due_at: Option<i64>,
    pub retry_at: Option<i64>,
    pub alert_level: i64,
    pub next_alert_at: Option<i64>,
    pub red: bool,
    pub red_at: Option<i64>,
    pub last_visit_at: Option<i64>,
    pub last_reached_at: Option<i64>,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
    pub created_by: Option<i64>,
    pub updated_at: i64,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct PairingRow {
    id: i64,
    community_id: i64,
    grid_id: i64,
    scope_path: String,
    resident_id: i64,
    household_id: Option<i64>,
    policy_id: Option<i64>,
    level: i64,
    cadence_days: i64,
    mode: String,
    overridden: i64,
    active: i64,
    next_due_at: Option<i64>,
    retry_at: Option<i64>,
    alert_level: i64,
    next_alert_at: Option<i64>,
    red: i64,
    red_at: Option<i64>,
    last_visit_at: Option<i64>,
    last_reached_at: Option<i64>,
    started_at: i64,
    ended_at: Option<i64>,
    end_reason: Option<String>,
    created_by: Option<i64>,
    updated_at: i64,
    version: i64,
}

impl TryFrom<PairingRow> for PairingRecord {
    type Error = StoreError;

    fn try_from(r: PairingRow) -> StoreResult<Self> {
        Ok(PairingRecord {
            id: r.id,
            community_id: r.community_id,
            grid_id: r.grid_id,
            scope: OrgPath::from_stored(r.scope_path),
            resident_id: r.resident_id,
            household_id: r.household_id,
            policy_id: r.policy_id,
            level: r.level,
            cadence: Cadence::days(r.cadence_days).map_err(corrupt)?,
            mode: Mode::parse(&r.mode).map_err(corrupt)?,
            overridden: r.overridden != 0,
            active: r.active != 0,
            next_due_at: r.next_due_at,
            retry_at: r.retry_at,
            alert_level: r.alert_level,
            next_alert_at: r.next_alert_at,
            red: r.red != 0,
            red_at: r.red_at,
            last_visit_at: r.last_visit_at,
            last_reached_at: r.last_reached_at,
            started_at: r.started_at,
            ended_at: r.ended_at,
            end_reason: r.end_reason,
            created_by: r.created_by,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

macro_rules! select_pairings {
    ($rest:literal) => {
        concat!(
            "SELECT p.id, p.community_id, p.grid_id, p.scope_path, p.resident_id, p.household_id, \
             p.policy_id, p.level, p.cadence_days, p.mode, p.overridden, p.active, p.next_due_at, \
             p.retry_at, p.alert_level, p.next_alert_at, p.red, p.red_at, p.last_visit_at, \
             p.last_reached_at, p.started_at, p.ended_at, p.end_reason, p.created_by, \
             p.updated_at, p.version FROM care_pairings p ",
            $rest
        )
    };
}

/// Stores a new pairing with its carers; `id` and `version` of `p` are ignored.
pub async fn insert_pairing(
    conn: &mut AnyConnection,
    p: &PairingRecord,
    carers: &[i64],
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO care_pairings (community_id, grid_id, scope_path, resident_id, household_id, \
         policy_id, level, cadence_days, mode, overridden, active, next_due_at, next_alert_at, \
         red_at, started_at, created_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $13, $14, $15, $16) \
         RETURNING id",
    )
    .bind(p.community_id)
    .bind(p.grid_id)
    .bind(p.scope.as_str())
    .bind(p.resident_id)
    .bind(p.household_id)
    .bind(p.policy_id)
    .bind(p.level)
    .bind(p.cadence.as_days())
    .bind(p.mode.code())
    .bind(i64::from(p.overridden))
    .bind(p.next_due_at)
    .bind(p.next_alert_at)
    .bind(p.red_at)
    .bind(p.started_at)
    .bind(p.created_by)
    .bind(p.updated_at)
    .fetch_one(&mut *conn)
    .await?;
    for c in carers {
        add_carer(conn, id, *c, p.started_at).await?;
    }
    Ok(id)
}

pub async fn get_pairing(conn: &mut AnyConnection, id: i64) -> StoreResult<PairingRecord> {
    let row: PairingRow = sqlx::query_as(select_pairings!("WHERE p.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// The active pairing of a resident, if any.
pub async fn active_pairing_of(
    conn: &mut AnyConnection,
    resident_id: i64,
) -> StoreResult<Option<PairingRecord>> {
    let row: Option<PairingRow> = sqlx::query_as(select_pairings!(
        "WHERE p.resident_id = $1 AND p.active = 1"
    ))
    .bind(resident_id)
    .fetch_optional(conn)
    .await?;
    row.map(TryInto::try_into).transpose()
}

/// The carers (user ids) of a pairing, in the order they were added.
pub async fn carers(conn: &mut AnyConnection, pairing_id: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM care_pairing_carers WHERE pairing_id = $1 ORDER BY added_at, user_id",
    )
    .bind(pairing_id)
    .fetch_all(conn)
    .await?)
}

/// Is `user_id` a carer of the pairing?
pub async fn is_carer(
    conn: &mut AnyConnection,
    pairing_id: i64,
    user_id: i64,
) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM care_pairing_carers WHERE pairing_id = $1 AND user_id = $2",
    )
    .bind(pairing_id)
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

pub async fn add_carer(
    conn: &mut AnyConnection,
    pairing_id: i64,
    user_id: i64,
    at: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO care_pairing_carers (pairing_id, user_id, added_at) VALUES ($1, $2, $3)",
    )
    .bind(pairing_id)
    .bind(user_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn remove_carer(
    conn: &mut AnyConnection,
    pairing_id: i64,
    user_id: i64,
) -> StoreResult<()> {
    found(
        sqlx::query("DELETE FROM care_pairing_carers WHERE pairing_id = $1 AND user_id = $2")
            .bind(pairing_id)
            .bind(user_id)
            .execute(conn)
            .await?,
    )
}

/// Writes the schedule and state of `p` (cadence, way, level, policy, due and alert
/// state, red flag, visits, end) if it is still at its version; returns the new
/// version, or `None` when someone changed it first.
pub async fn update_pairing(
    conn: &mut AnyConnection,
    p: &PairingRecord,
) -> StoreResult<Option<i64>> {
    let done = sqlx::query(
        "UPDATE care_pairings SET policy_id = $2, level = $3, cadence_days = $4, mode = $5, \
         overridden = $6, active = $7, next_due_at = $8, retry_at = $9, alert_level = $10, \
         next_alert_at = $11, red = $12, red_at = $13, last_visit_at = $14, last_reached_at = $15, \
         ended_at = $16, end_reason = $17, updated_at = $18, household_id = $19, \
         version = version + 1 WHERE id = $1 AND version = $20",
    )
    .bind(p.id)
    .bind(p.policy_id)
    .bind(p.level)
    .bind(p.cadence.as_days())
    .bind(p.mode.code())
    .bind(i64::from(p.overridden))
    .bind(i64::from(p.active))
    .bind(p.next_due_at)
    .bind(p.retry_at)
    .bind(p.alert_level)
    .bind(p.next_alert_at)
    .bind(i64::from(p.red))
    .bind(p.red_at)
    .bind(p.last_visit_at)
    .bind(p.last_reached_at)
    .bind(p.ended_at)
    .bind(p.end_reason.as_deref())
    .bind(p.updated_at)
    .bind(p.household_id)
    .bind(p.version)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(p.version + 1))
}

/// One line of a due list: the pairing's schedule with the resident's name and where
/// they live, read in one query.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DueLine {
    pub id: i64,
    pub grid_id: i64,
    pub scope_path: String,
    pub resident_id: i64,
    pub household_id: Option<i64>,
    pub level: i64,
    pub cadence_days: i64,
    pub mode: String,
    pub next_due_at: Option<i64>,
    pub retry_at: Option<i64>,
    pub alert_level: i64,
    pub red: i64,
    pub last_visit_at: Option<i64>,
    pub resident_name: String,
    pub building_name: Option<String>,
    pub unit_name: Option<String>,
    pub room_name: Option<String>,
}

macro_rules! select_due {
    ($from:literal, $rest:literal) => {
        concat!(
            "SELECT p.id, p.grid_id, p.scope_path, p.resident_id, p.household_id, p.level, \
             p.cadence_days, p.mode, p.next_due_at, p.retry_at, p.alert_level, p.red, \
             p.last_visit_at, r.name AS resident_name, b.name AS building_name, \
             u.name AS unit_name, rm.name AS room_name FROM ",
            $from,
            " JOIN residents r ON r.id = p.resident_id \
             LEFT JOIN households h ON h.id = r.household_id \
             LEFT JOIN rooms rm ON rm.id = h.room_id \
             LEFT JOIN units u ON u.id = rm.unit_id \
             LEFT JOIN buildings b ON b.id = u.building_id ",
            $rest
        )
    };
}

/// A grid's active pairings due before `before`, earliest first (one range of the
/// (grid_id, next_due_at) index).
pub async fn due_in_grid(
    conn: &mut AnyConnection,
    grid_id: i64,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<DueLine>> {
    Ok(sqlx::query_as(select_due!(
        "care_pairings p",
        "WHERE p.grid_id = $1 AND p.next_due_at < $2 ORDER BY p.next_due_at, p.id LIMIT $3"
    ))
    .bind(grid_id)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The active pairings `user_id` is a carer on, due before `before`, earliest first.
pub async fn due_for_carer(
    conn: &mut AnyConnection,
    user_id: i64,
    before: i64,
    limit: i64,
) -> StoreResult<Vec<DueLine>> {
    Ok(sqlx::query_as(select_due!(
        "care_pairing_carers c JOIN care_pairings p ON p.id = c.pairing_id",
        "WHERE c.user_id = $1 AND p.next_due_at < $2 ORDER BY p.next_due_at, p.id LIMIT $3"
    ))
    .bind(user_id)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The active pairings in the subtree of `scope`, the red and the most overdue first.
pub async fn pairings_in(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    limit: i64,
) -> StoreResult<Vec<DueLine>> {
    Ok(sqlx::query_as(select_due!(
        "care_pairings p",
        "WHERE p.scope_path >= $1 AND p.scope_path < $2 AND p.active = 1 \
         ORDER BY p.red DESC, p.next_due_at, p.id LIMIT $3"
    ))
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The pairings a user is a carer on (active), by id.
pub async fn pairings_of_carer(conn: &mut AnyConnection, user_id: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT c.pairing_id FROM care_pairing_carers c JOIN care_pairings p ON p.id = c.pairing_id \
         WHERE c.user_id = $1 AND p.active = 1 ORDER BY c.pairing_id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

/// The active pairings of a community (for applying a changed policy).
pub async fn active_in_community(
    conn: &mut AnyConnection,
    community_id: i64,
) -> StoreResult<Vec<PairingRecord>> {
    let rows: Vec<PairingRow> = sqlx::query_as(select_pairings!(
        "WHERE p.community_id = $1 AND p.active = 1 ORDER BY p.id"
    ))
    .bind(community_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// Active pairings whose next alert step is due at `now`, earliest first (read by
/// [`super::alerts::due_alert_steps`]).
pub(super) async fn alert_steps_due(
    conn: &mut AnyConnection,
    now: i64,
    limit: i64,
) -> StoreResult<Vec<PairingRecord>> {
    let rows: Vec<PairingRow> = sqlx::query_as(select_pairings!(
        "WHERE p.next_alert_at IS NOT NULL AND p.next_alert_at <= $1 AND p.active = 1 \
         ORDER BY p.next_alert_at, p.id LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    records(rows)
}
