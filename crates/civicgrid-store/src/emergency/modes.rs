//! Emergency plans with their duty roster, activations with their checklist, and the
//! incident log.

use civicgrid_domain::care::volunteers::{join_codes, split_codes};
use civicgrid_domain::emergency::modes::{Hazard, Kind, Level};
use civicgrid_domain::emergency::plans::PlanSpec;
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, records};
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRecord {
    pub id: i64,
    /// The community or street the plan is for.
    pub node_id: i64,
    pub scope: OrgPath,
    pub spec: PlanSpec,
    pub updated_by: Option<i64>,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: i64,
    node_id: i64,
    scope_path: String,
    hazard: String,
    title: String,
    steps: String,
    urgent_categories: String,
    urgent_response_minutes: i64,
    urgent_resolution_minutes: i64,
    check_tags: String,
    materials: String,
    updated_by: Option<i64>,
    updated_at: i64,
}

fn minutes(m: i64) -> StoreResult<u32> {
    u32::try_from(m).map_err(corrupt)
}

fn codes(stored: &str) -> Vec<String> {
    split_codes(stored).map(str::to_owned).collect()
}

fn stored_lines(v: &[String]) -> String {
    v.join("\n")
}

fn lines_of(stored: &str) -> Vec<String> {
    stored
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl TryFrom<PlanRow> for PlanRecord {
    type Error = StoreError;

    fn try_from(r: PlanRow) -> StoreResult<Self> {
        Ok(PlanRecord {
            id: r.id,
            node_id: r.node_id,
            scope: OrgPath::from_stored(r.scope_path),
            spec: PlanSpec {
                hazard: Hazard::parse(&r.hazard).map_err(corrupt)?,
                title: r.title,
                steps: lines_of(&r.steps),
                urgent_categories: codes(&r.urgent_categories),
                urgent_response_minutes: minutes(r.urgent_response_minutes)?,
                urgent_resolution_minutes: minutes(r.urgent_resolution_minutes)?,
                check_tags: codes(&r.check_tags),
                materials: lines_of(&r.materials),
            },
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        })
    }
}

const PLAN_COLUMNS: &str = "SELECT id, node_id, scope_path, hazard, title, steps, \
     urgent_categories, urgent_response_minutes, urgent_resolution_minutes, check_tags, \
     materials, updated_by, updated_at FROM emergency_plans ";

/// Writes the plan of `p.node_id` for its hazard, replacing the one there was; returns
/// its id.
pub async fn put_plan(conn: &mut AnyConnection, p: &PlanRecord) -> StoreResult<i64> {
    let s = &p.spec;
    Ok(sqlx::query_scalar(
        "INSERT INTO emergency_plans (node_id, scope_path, hazard, title, steps, \
         urgent_categories, urgent_response_minutes, urgent_resolution_minutes, check_tags, \
         materials, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (node_id, hazard) DO UPDATE SET title = excluded.title, \
         steps = excluded.steps, urgent_categories = excluded.urgent_categories, \
         urgent_response_minutes = excluded.urgent_response_minutes, \
         urgent_resolution_minutes = excluded.urgent_resolution_minutes, \
         check_tags = excluded.check_tags, materials = excluded.materials, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(p.node_id)
    .bind(p.scope.as_str())
    .bind(s.hazard.code())
    .bind(s.title.as_str())
    .bind(stored_lines(&s.steps))
    .bind(join_codes(s.urgent_categories.iter().map(String::as_str)))
    .bind(i64::from(s.urgent_response_minutes))
    .bind(i64::from(s.urgent_resolution_minutes))
    .bind(join_codes(s.check_tags.iter().map(String::as_str)))
    .bind(stored_lines(&s.materials))
    .bind(p.updated_by)
    .bind(p.updated_at)
    .fetch_one(conn)
    .await?)
}

/// The plan of `node_id` for `hazard`, if one was written.
pub async fn plan_of(
    conn: &mut AnyConnection,
    node_id: i64,
    hazard: Hazard,
) -> StoreResult<Option<PlanRecord>> {
    let row: Option<PlanRow> =
        crate::dialect::query_as(format!("{PLAN_COLUMNS} WHERE node_id = $1 AND hazard = $2"))
            .bind(node_id)
            .bind(hazard.code())
            .fetch_optional(conn)
            .await?;
    row.map(TryInto::try_into).transpose()
}

/// Plans of the nodes inside `scope` (and of `scope` itself), by place and hazard.
pub async fn plans_within(
    conn: &mut AnyConnection,
    scope: &OrgPath,
) -> StoreResult<Vec<PlanRecord>> {
    let rows: Vec<PlanRow> = crate::dialect::query_as(format!(
        "{PLAN_COLUMNS} WHERE scope_path >= $1 AND scope_path < $2 ORDER BY scope_path, hazard"
    ))
    .bind(scope.as_str().to_owned())
    .bind(prefix_end(scope.as_str()))
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// One person on call under a plan.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DutyRecord {
    pub user_id: i64,
    /// What they do (总指挥, 值班员, 联络员).
    pub duty: String,
    /// How to reach them (a work phone).
    pub contact: String,
    /// Their display name (from the account).
    pub name: String,
}

/// Replaces the duty roster of `plan_id` with `roster`, in order.
pub async fn put_roster(
    conn: &mut AnyConnection,
    plan_id: i64,
    roster: &[DutyRecord],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM emergency_duty WHERE plan_id = $1")
        .bind(plan_id)
        .execute(&mut *conn)
        .await?;
    for (i, d) in roster.iter().enumerate() {
        sqlx::query(
            "INSERT INTO emergency_duty (plan_id, position, user_id, duty, contact) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(plan_id)
        .bind(i as i64)
        .bind(d.user_id)
        .bind(d.duty.as_str())
        .bind(d.contact.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The duty roster of `plan_id`, in order.
pub async fn roster_of(conn: &mut AnyConnection, plan_id: i64) -> StoreResult<Vec<DutyRecord>> {
    Ok(sqlx::query_as(
        "SELECT d.user_id, d.duty, d.contact, u.display_name AS name FROM emergency_duty d \
         JOIN users u ON u.id = d.user_id WHERE d.plan_id = $1 ORDER BY d.position",
    )
    .bind(plan_id)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationRecord {
    pub id: i64,
    pub community_id: i64,
    /// The community's path: the scope of its banner.
    pub scope: OrgPath,
    pub kind: Kind,
    pub hazard: Hazard,
    pub level: Level,
    pub reason: String,
    pub plan_id: Option<i64>,
    pub urgent_categories: Vec<String>,
    pub urgent_response_minutes: u32,
    pub urgent_resolution_minutes: u32,
    pub started_by: Option<i64>,
    pub started_at: i64,
    pub ended_by: Option<i64>,
    pub ended_at: Option<i64>,
    pub closing_note: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ActivationRow {
    id: i64,
    community_id: i64,
    scope_path: String,
    kind: String,
    hazard: String,
    level: String,
    reason: String,
    plan_id: Option<i64>,
    urgent_categories: String,
    urgent_response_minutes: i64,
    urgent_resolution_minutes: i64,
    started_by: Option<i64>,
    started_at: i64,
    ended_by: Option<i64>,
    ended_at: Option<i64>,
    closing_note: Option<String>,
}

impl TryFrom<ActivationRow> for ActivationRecord {
    type Error = StoreError;

    fn try_from(r: ActivationRow) -> StoreResult<Self> {
        Ok(ActivationRecord {
            id: r.id,
            community_id: r.community_id,
            scope: OrgPath::from_stored(r.scope_path),
            kind: Kind::parse(&r.kind).map_err(corrupt)?,
            hazard: Hazard::parse(&r.hazard).map_err(corrupt)?,
            level: Level::parse(&r.level).map_err(corrupt)?,
            reason: r.reason,
            plan_id: r.plan_id,
            urgent_categories: codes(&r.urgent_categories),
            urgent_response_minutes: minutes(r.urgent_response_minutes)?,
            urgent_resolution_minutes: minutes(r.urgent_resolution_minutes)?,
            started_by: r.started_by,
            started_at: r.started_at,
            ended_by: r.ended_by,
            ended_at: r.ended_at,
            closing_note: r.closing_note,
        })
    }
}

const ACTIVATION_COLUMNS: &str = "SELECT id, community_id, scope_path, kind, hazard, level, \
     reason, plan_id, urgent_categories, urgent_response_minutes, urgent_resolution_minutes, \
     started_by, started_at, ended_by, ended_at, closing_note FROM emergency_activations ";

/// Stores a running activation; `id`, `ended_*` and `closing_note` of `a` are ignored.
/// A community already running one refuses it (the store's unique index).
pub async fn insert_activation(conn: &mut AnyConnection, a: &ActivationRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO emergency_activations (community_id, scope_path, kind, hazard, level, \
         reason, plan_id, urgent_categories, urgent_response_minutes, \
         urgent_resolution_minutes, started_by, started_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(a.community_id)
    .bind(a.scope.as_str())
    .bind(a.kind.code())
    .bind(a.hazard.code())
    .bind(a.level.code())
    .bind(a.reason.as_str())
    .bind(a.plan_id)
    .bind(join_codes(a.urgent_categories.iter().map(String::as_str)))
    .bind(i64::from(a.urgent_response_minutes))
    .bind(i64::from(a.urgent_resolution_minutes))
    .bind(a.started_by)
    .bind(a.started_at)
    .fetch_one(conn)
    .await?)
}

/// Ends a running activation; `false` when it had ended already.
pub async fn end_activation(
    conn: &mut AnyConnection,
    id: i64,
    by: Option<i64>,
    at: i64,
    note: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE emergency_activations SET ended_by = $2, ended_at = $3, closing_note = $4 \
         WHERE id = $1 AND ended_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .bind(at)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get_activation(conn: &mut AnyConnection, id: i64) -> StoreResult<ActivationRecord> {
    let row: ActivationRow =
        crate::dialect::query_as(format!("{ACTIVATION_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_one(conn)
            .await?;
    row.try_into()
}

/// The activation running in `community_id`, if any.
pub async fn running_in(
    conn: &mut AnyConnection,
    community_id: i64,
) -> StoreResult<Option<ActivationRecord>> {
    let row: Option<ActivationRow> = crate::dialect::query_as(format!(
        "{ACTIVATION_COLUMNS} WHERE community_id = $1 AND ended_at IS NULL"
    ))
    .bind(community_id)
    .fetch_optional(conn)
    .await?;
    row.map(TryInto::try_into).transpose()
}

/// Every running activation (there are few), oldest first.
pub async fn running(conn: &mut AnyConnection) -> StoreResult<Vec<ActivationRecord>> {
    let rows: Vec<ActivationRow> = crate::dialect::query_as(format!(
        "{ACTIVATION_COLUMNS} WHERE ended_at IS NULL ORDER BY id"
    ))
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// Activations of communities inside `scope`, newest first, at most `limit`.
pub async fn activations_within(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    limit: i64,
) -> StoreResult<Vec<ActivationRecord>> {
    let rows: Vec<ActivationRow> = crate::dialect::query_as(format!(
        "{ACTIVATION_COLUMNS} WHERE scope_path >= $1 AND scope_path < $2 \
         ORDER BY id DESC LIMIT $3"
    ))
    .bind(scope.as_str().to_owned())
    .bind(prefix_end(scope.as_str()))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// One step of an activation's checklist.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StepRecord {
    pub position: i64,
    pub text: String,
    pub done_by: Option<i64>,
    pub done_at: Option<i64>,
}

/// Copies `steps` into the checklist of activation `id`.
pub async fn insert_checklist(
    conn: &mut AnyConnection,
    id: i64,
    steps: &[String],
) -> StoreResult<()> {
    for (i, s) in steps.iter().enumerate() {
        sqlx::query(
            "INSERT INTO emergency_checklist (activation_id, position, text) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(i as i64)
        .bind(s.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Ticks (`Some(by, at)`) or unticks (`None`) a step; `false` when there is no such step.
pub async fn set_step(
    conn: &mut AnyConnection,
    id: i64,
    position: i64,
    done: Option<(Option<i64>, i64)>,
) -> StoreResult<bool> {
    let (by, at) = match done {
        Some((by, at)) => (by, Some(at)),
        None => (None, None),
    };
    let r = sqlx::query(
        "UPDATE emergency_checklist SET done_by = $3, done_at = $4 \
         WHERE activation_id = $1 AND position = $2",
    )
    .bind(id)
    .bind(position)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn checklist_of(conn: &mut AnyConnection, id: i64) -> StoreResult<Vec<StepRecord>> {
    Ok(sqlx::query_as(
        "SELECT position, text, done_by, done_at FROM emergency_checklist \
         WHERE activation_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// An entry of the incident log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IncidentRecord {
    pub id: i64,
    pub activation_id: i64,
    /// event, decision or resource.
    pub kind: String,
    pub text: String,
    pub happened_at: i64,
    pub recorded_by: Option<i64>,
    pub recorded_at: i64,
}

/// Appends an entry; `id` of `i` is ignored.
pub async fn insert_incident(conn: &mut AnyConnection, i: &IncidentRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO emergency_incidents (activation_id, kind, text, happened_at, recorded_by, \
         recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(i.activation_id)
    .bind(i.kind.as_str())
    .bind(i.text.as_str())
    .bind(i.happened_at)
    .bind(i.recorded_by)
    .bind(i.recorded_at)
    .fetch_one(conn)
    .await?)
}

/// The incident log of activation `id`, in the order things happened.
pub async fn incidents_of(conn: &mut AnyConnection, id: i64) -> StoreResult<Vec<IncidentRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, activation_id, kind, text, happened_at, recorded_by, recorded_at \
         FROM emergency_incidents WHERE activation_id = $1 ORDER BY happened_at, id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// The urgent deadlines (response, resolution minutes) a new request of `category` in
/// `community_id` gets while an activation runs there, if the category is urgent.
pub async fn urgent_deadlines(
    conn: &mut AnyConnection,
    community_id: i64,
    category: &str,
) -> StoreResult<Option<(u32, u32)>> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT urgent_response_minutes, urgent_resolution_minutes FROM emergency_activations \
         WHERE community_id = $1 AND ended_at IS NULL AND urgent_categories LIKE $2",
    )
    .bind(community_id)
    .bind(format!("%,{category},%"))
    .fetch_optional(conn)
    .await?;
    row.map(|(r, s)| Ok((minutes(r)?, minutes(s)?))).transpose()
}

/// How many requests of `community_id` in `categories` are open.
pub async fn open_requests_in(
    conn: &mut AnyConnection,
    community_id: i64,
    categories: &[String],
) -> StoreResult<i64> {
    if categories.is_empty() {
        return Ok(0);
    }
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM requests WHERE community_id = $1 AND open = 1 \
         AND $2 LIKE '%,' || category || ',%'",
    )
    .bind(community_id)
    .bind(join_codes(categories.iter().map(String::as_str)))
    .fetch_one(conn)
    .await?)
}
