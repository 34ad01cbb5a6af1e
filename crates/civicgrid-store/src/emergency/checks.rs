//! Welfare-check campaigns: the campaign, the households it targets (chosen from the
//! ledger in one statement, in walking order), each checker's list, the checks made
//! (a retried one recorded once) and the progress per building.

use civicgrid_domain::care::volunteers::{join_codes, split_codes};
use civicgrid_domain::emergency::checks::{Need, Outcome};
use civicgrid_domain::emergency::materials::{ItemKind, ItemUnit};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, records};
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CampaignRecord {
    pub id: i64,
    pub activation_id: i64,
    pub community_id: i64,
    /// The community or grid whose households are targeted.
    pub node_id: i64,
    pub scope_path: String,
    pub title: String,
    /// Care tags the households' members hold (`,a,b,`); `,` for every household.
    pub tags: String,
    pub starts_at: i64,
    pub deadline_at: i64,
    pub created_by: Option<i64>,
    pub closed_at: Option<i64>,
}

impl CampaignRecord {
    pub fn scope(&self) -> OrgPath {
        OrgPath::from_stored(self.scope_path.clone())
    }
}

const CAMPAIGN_COLUMNS: &str = "SELECT id, activation_id, community_id, node_id, scope_path, \
     title, tags, starts_at, deadline_at, created_by, closed_at FROM welfare_campaigns ";

/// Stores a campaign; `id` of `c` is ignored.
pub async fn insert_campaign(conn: &mut AnyConnection, c: &CampaignRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO welfare_campaigns (activation_id, community_id, node_id, scope_path, \
         title, tags, starts_at, deadline_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(c.activation_id)
    .bind(c.community_id)
    .bind(c.node_id)
    .bind(c.scope_path.as_str())
    .bind(c.title.as_str())
    .bind(c.tags.as_str())
    .bind(c.starts_at)
    .bind(c.deadline_at)
    .bind(c.created_by)
    .fetch_one(conn)
    .await?)
}

pub async fn get_campaign(conn: &mut AnyConnection, id: i64) -> StoreResult<CampaignRecord> {
    Ok(
        crate::dialect::query_as(format!("{CAMPAIGN_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

/// The campaigns of an activation, newest first.
pub async fn campaigns_of(
    conn: &mut AnyConnection,
    activation_id: i64,
) -> StoreResult<Vec<CampaignRecord>> {
    Ok(crate::dialect::query_as(format!(
        "{CAMPAIGN_COLUMNS} WHERE activation_id = $1 ORDER BY id DESC"
    ))
    .bind(activation_id)
    .fetch_all(conn)
    .await?)
}

/// A household the campaign targets, with its place (before its checker is chosen).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Candidate {
    pub household_id: i64,
    pub building_id: i64,
    pub grid_id: i64,
    pub building: String,
    pub unit: String,
    pub floor: Option<i64>,
    pub room: String,
}

/// The active households with living members inside `scope` — only those with a member
/// holding one of `tags`, or born by `born_by_ym` (an age tag), when either is given.
pub async fn candidates(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    tags: &[String],
    born_by_ym: Option<i64>,
) -> StoreResult<Vec<Candidate>> {
    let mut sql = String::from(
        "SELECT h.id AS household_id, b.id AS building_id, h.grid_id, b.name AS building, \
         u.name AS unit, ro.floor, ro.name AS room \
         FROM households h JOIN rooms ro ON ro.id = h.room_id \
         JOIN units u ON u.id = ro.unit_id JOIN buildings b ON b.id = u.building_id \
         JOIN org_nodes g ON g.id = h.grid_id \
         WHERE h.active = 1 AND g.path >= $1 AND g.path < $2 \
         AND EXISTS (SELECT 1 FROM residents r WHERE r.household_id = h.id \
                     AND r.residence_status IN ('registered', 'floating')",
    );
    let targeted = !tags.is_empty() || born_by_ym.is_some();
    if targeted {
        sql.push_str(
            " AND ((r.birth_ym <= $4) OR EXISTS (SELECT 1 FROM resident_tags t \
             WHERE t.resident_id = r.id AND $3 LIKE '%,' || t.tag_code || ',%'))",
        );
    }
    sql.push(')');
    let mut q = crate::dialect::query_as::<Candidate>(sql)
        .bind(scope.as_str().to_owned())
        .bind(prefix_end(scope.as_str()));
    if targeted {
        q = q
            .bind(join_codes(tags.iter().map(String::as_str)))
            .bind(born_by_ym.unwrap_or(-1));
    }
    Ok(q.fetch_all(conn).await?)
}

/// Adds the campaign's targets: (household, building, grid, walking key, checker).
pub async fn insert_targets(
    conn: &mut AnyConnection,
    campaign_id: i64,
    targets: &[(Candidate, String, Option<i64>)],
) -> StoreResult<()> {
    for (c, key, checker) in targets {
        sqlx::query(
            "INSERT INTO welfare_targets (campaign_id, household_id, building_id, grid_id, \
             walk_key, checker_id, state) VALUES ($1, $2, $3, $4, $5, $6, 'to_check')",
        )
        .bind(campaign_id)
        .bind(c.household_id)
        .bind(c.building_id)
        .bind(c.grid_id)
        .bind(key.as_str())
        .bind(*checker)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A targeted household where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRecord {
    pub household_id: i64,
    pub building_id: i64,
    pub grid_id: i64,
    pub checker_id: Option<i64>,
    pub checked: bool,
    pub outcome: Option<Outcome>,
    pub needs: Vec<Need>,
    pub attempts: i64,
    pub checked_at: Option<i64>,
    /// 3栋 / 1单元 / 302
    pub building: String,
    pub unit: String,
    pub room: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct TargetRow {
    household_id: i64,
    building_id: i64,
    grid_id: i64,
    checker_id: Option<i64>,
    state: String,
    outcome: Option<String>,
    needs: String,
    attempts: i64,
    checked_at: Option<i64>,
    building: String,
    unit: String,
    room: String,
}

impl TryFrom<TargetRow> for TargetRecord {
    type Error = StoreError;

    fn try_from(r: TargetRow) -> StoreResult<Self> {
        Ok(TargetRecord {
            household_id: r.household_id,
            building_id: r.building_id,
            grid_id: r.grid_id,
            checker_id: r.checker_id,
            checked: r.state == "checked",
            outcome: r
                .outcome
                .as_deref()
                .map(Outcome::parse)
                .transpose()
                .map_err(corrupt)?,
            needs: split_codes(&r.needs)
                .map(|c| Need::parse(c).map_err(corrupt))
                .collect::<StoreResult<Vec<_>>>()?,
            attempts: r.attempts,
            checked_at: r.checked_at,
            building: r.building,
            unit: r.unit,
            room: r.room,
        })
    }
}

pub(crate) const TARGET_COLUMNS: &str = "SELECT t.household_id, t.building_id, t.grid_id, t.checker_id, \
     t.state, t.outcome, t.needs, t.attempts, t.checked_at, b.name AS building, \
     u.name AS unit, ro.name AS room FROM welfare_targets t \
     JOIN households h ON h.id = t.household_id JOIN rooms ro ON ro.id = h.room_id \
     JOIN units u ON u.id = ro.unit_id JOIN buildings b ON b.id = t.building_id ";

/// One target of a campaign.
pub async fn get_target(
    conn: &mut AnyConnection,
    campaign_id: i64,
    household_id: i64,
) -> StoreResult<TargetRecord> {
    let row: TargetRow = crate::dialect::query_as(format!(
        "{TARGET_COLUMNS} WHERE t.campaign_id = $1 AND t.household_id = $2"
    ))
    .bind(campaign_id)
    .bind(household_id)
    .fetch_one(conn)
    .await?;
    row.try_into()
}

/// A checker's targets still to check (or all of them), in walking order.
pub async fn checker_list(
    conn: &mut AnyConnection,
    campaign_id: i64,
    checker_id: i64,
    only_to_check: bool,
) -> StoreResult<Vec<TargetRecord>> {
    let state = if only_to_check {
        " AND t.state = 'to_check'"
    } else {
        ""
    };
    let rows: Vec<TargetRow> = crate::dialect::query_as(format!(
        "{TARGET_COLUMNS} WHERE t.campaign_id = $1 AND t.checker_id = $2{state} ORDER BY t.walk_key"
    ))
    .bind(campaign_id)
    .bind(checker_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// The campaign's targets still to check in `building_id`, in walking order.
pub async fn building_list(
    conn: &mut AnyConnection,
    campaign_id: i64,
    building_id: i64,
) -> StoreResult<Vec<TargetRecord>> {
    let rows: Vec<TargetRow> = crate::dialect::query_as(format!(
        "{TARGET_COLUMNS} WHERE t.campaign_id = $1 AND t.building_id = $2 ORDER BY t.walk_key"
    ))
    .bind(campaign_id)
    .bind(building_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// A check as made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    pub id: i64,
    pub campaign_id: i64,
    pub household_id: i64,
    pub outcome: Outcome,
    pub needs: Vec<Need>,
    pub note: String,
    pub checked_by: Option<i64>,
    pub checked_at: i64,
    pub client_key: String,
    pub request_id: Option<i64>,
}

/// The check a client key recorded already, if any (a retried submission).
pub async fn check_by_key(
    conn: &mut AnyConnection,
    campaign_id: i64,
    client_key: &str,
) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM welfare_checks WHERE campaign_id = $1 AND client_key = $2",
    )
    .bind(campaign_id)
    .bind(client_key)
    .fetch_optional(conn)
    .await?)
}

/// Appends a check and moves its household's state: settled outcomes check it, the
/// others send it back to the queue with one more attempt. Returns the check's id.
pub async fn record_check(conn: &mut AnyConnection, c: &CheckRecord) -> StoreResult<i64> {
    let needs = join_codes(c.needs.iter().map(|n| n.code()));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO welfare_checks (campaign_id, household_id, outcome, needs, note, \
         checked_by, checked_at, client_key, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(c.campaign_id)
    .bind(c.household_id)
    .bind(c.outcome.code())
    .bind(needs.as_str())
    .bind(c.note.as_str())
    .bind(c.checked_by)
    .bind(c.checked_at)
    .bind(c.client_key.as_str())
    .bind(c.request_id)
    .fetch_one(&mut *conn)
    .await?;
    let state = if c.outcome.settles() {
        "checked"
    } else {
        "to_check"
    };
    crate::repo::found(
        sqlx::query(
            "UPDATE welfare_targets SET state = $3, outcome = $4, needs = $5, \
             attempts = attempts + 1, checked_at = $6 \
             WHERE campaign_id = $1 AND household_id = $2",
        )
        .bind(c.campaign_id)
        .bind(c.household_id)
        .bind(state)
        .bind(c.outcome.code())
        .bind(needs.as_str())
        .bind(c.checked_at)
        .execute(conn)
        .await?,
    )?;
    Ok(id)
}

/// Gives every target of `building_id` in the campaign to `checker_id`; returns how many.
pub async fn reassign_building(
    conn: &mut AnyConnection,
    campaign_id: i64,
    building_id: i64,
    checker_id: i64,
) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE welfare_targets SET checker_id = $3 WHERE campaign_id = $1 AND building_id = $2",
    )
    .bind(campaign_id)
    .bind(building_id)
    .bind(checker_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The progress of one building (or grid) of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Progress {
    pub building_id: i64,
    pub grid_id: i64,
    pub building: String,
    pub checker_id: Option<i64>,
    pub total: i64,
    pub checked: i64,
    pub needing_help: i64,
    /// Still to check after at least one attempt (not reached, not at home).
    pub unreached: i64,
}

/// Progress per building of a campaign, in building order.
pub async fn progress(conn: &mut AnyConnection, campaign_id: i64) -> StoreResult<Vec<Progress>> {
    Ok(sqlx::query_as(
        "SELECT t.building_id, MIN(t.grid_id) AS grid_id, MIN(b.name) AS building, \
         MIN(t.checker_id) AS checker_id, COUNT(*) AS total, \
         CAST(SUM(CASE WHEN t.state = 'checked' THEN 1 ELSE 0 END) AS BIGINT) AS checked, \
         CAST(SUM(CASE WHEN t.outcome = 'needs_help' THEN 1 ELSE 0 END) AS BIGINT) AS needing_help, \
         CAST(SUM(CASE WHEN t.state = 'to_check' AND t.attempts > 0 THEN 1 ELSE 0 END) AS BIGINT) AS unreached \
         FROM welfare_targets t JOIN buildings b ON b.id = t.building_id \
         WHERE t.campaign_id = $1 GROUP BY t.building_id ORDER BY MIN(t.walk_key)",
    )
    .bind(campaign_id)
    .fetch_all(conn)
    .await?)
}

/// The campaigns where `checker_id` has households, newest first.
pub async fn campaigns_of_checker(
    conn: &mut AnyConnection,
    checker_id: i64,
) -> StoreResult<Vec<CampaignRecord>> {
    Ok(crate::dialect::query_as(format!(
        "{CAMPAIGN_COLUMNS} WHERE closed_at IS NULL AND id IN \
         (SELECT campaign_id FROM welfare_targets WHERE checker_id = $1) ORDER BY id DESC"
    ))
    .bind(checker_id)
    .fetch_all(conn)
    .await?)
}

/// An item a check may ask for: kept in a depot of the community, with what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpItem {
    pub id: i64,
    pub name: String,
    pub kind: ItemKind,
    pub unit: ItemUnit,
    /// What the community's depots hold of it in all (0: run out).
    pub on_hand: i64,
}

#[derive(sqlx::FromRow)]
struct HelpItemRow {
    id: i64,
    name: String,
    kind: String,
    unit: String,
    on_hand: i64,
}

/// The items of `kinds` that a depot of `community_id` keeps (has received a batch
/// of), by kind and name.
pub async fn help_items(
    conn: &mut AnyConnection,
    community_id: i64,
    kinds: &[ItemKind],
) -> StoreResult<Vec<HelpItem>> {
    let rows: Vec<HelpItemRow> = sqlx::query_as(
        "SELECT i.id, i.name, i.kind, i.unit, CAST(SUM(b.quantity) AS BIGINT) AS on_hand \
         FROM material_depots d JOIN material_batches b ON b.depot_id = d.id \
         JOIN material_items i ON i.id = b.item_id \
         WHERE d.node_id = $1 AND $2 LIKE '%,' || i.kind || ',%' \
         GROUP BY i.id, i.name, i.kind, i.unit ORDER BY i.kind, i.name, i.id",
    )
    .bind(community_id)
    .bind(join_codes(kinds.iter().map(|k| k.code())))
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(HelpItem {
                id: r.id,
                name: r.name,
                kind: ItemKind::parse(&r.kind).map_err(corrupt)?,
                unit: ItemUnit::parse(&r.unit).map_err(corrupt)?,
                on_hand: r.on_hand,
            })
        })
        .collect()
}

/// A household of a campaign found needing help, with what its latest check raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpNeeded {
    pub household_id: i64,
    pub grid_id: i64,
    pub needs: Vec<Need>,
    pub note: String,
    pub checked_at: i64,
    /// The request the check raised.
    pub request_id: Option<i64>,
    /// The material request the check raised.
    pub material_request_id: Option<i64>,
    pub building: String,
    pub unit: String,
    pub room: String,
}

#[derive(sqlx::FromRow)]
struct HelpNeededRow {
    household_id: i64,
    grid_id: i64,
    needs: String,
    note: String,
    checked_at: i64,
    request_id: Option<i64>,
    material_request_id: Option<i64>,
    building: String,
    unit: String,
    room: String,
}

/// The households of a campaign whose latest check found them needing help (up to
/// `limit`), in walking order.
pub async fn needing_help(
    conn: &mut AnyConnection,
    campaign_id: i64,
    limit: i64,
) -> StoreResult<Vec<HelpNeeded>> {
    let rows: Vec<HelpNeededRow> = sqlx::query_as(
        "SELECT t.household_id, t.grid_id, c.needs, c.note, c.checked_at, c.request_id, \
         (SELECT MIN(m.id) FROM material_requests m WHERE m.household_id = t.household_id \
          AND m.source = 'welfare_check' AND m.source_id = c.id) AS material_request_id, \
         b.name AS building, u.name AS unit, ro.name AS room \
         FROM welfare_targets t \
         JOIN welfare_checks c ON c.id = (SELECT MAX(x.id) FROM welfare_checks x \
              WHERE x.campaign_id = t.campaign_id AND x.household_id = t.household_id) \
         JOIN households h ON h.id = t.household_id JOIN rooms ro ON ro.id = h.room_id \
         JOIN units u ON u.id = ro.unit_id JOIN buildings b ON b.id = t.building_id \
         WHERE t.campaign_id = $1 AND t.outcome = 'needs_help' ORDER BY t.walk_key LIMIT $2",
    )
    .bind(campaign_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(HelpNeeded {
                household_id: r.household_id,
                grid_id: r.grid_id,
                needs: split_codes(&r.needs)
                    .map(|c| Need::parse(c).map_err(corrupt))
                    .collect::<StoreResult<Vec<_>>>()?,
                note: r.note,
                checked_at: r.checked_at,
                request_id: r.request_id,
                material_request_id: r.material_request_id,
                building: r.building,
                unit: r.unit,
                room: r.room,
            })
        })
        .collect()
}

/// Households still to check in one grid of a campaign whose emergency runs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Unchecked {
    pub campaign_id: i64,
    pub activation_id: i64,
    pub title: String,
    pub community_id: i64,
    pub starts_at: i64,
    pub deadline_at: i64,
    pub grid_id: i64,
    pub remaining: i64,
}

/// How many households are still to check, per campaign and grid, in the grids inside
/// `scope`, for the open campaigns of running emergencies; soonest deadline first.
/// Counted from `welfare_targets_left` (campaign, state, grid).
pub async fn unchecked_within(
    conn: &mut AnyConnection,
    scope: &OrgPath,
) -> StoreResult<Vec<Unchecked>> {
    Ok(sqlx::query_as(
        // Running emergencies (their partial index), their campaigns, the targets still
        // to check (`welfare_targets_left`, covering), the grid by its key: in that order
        // (CROSS JOIN keeps it on SQLite).
        "SELECT c.id AS campaign_id, c.activation_id, c.title, c.community_id, c.starts_at, \
         c.deadline_at, t.grid_id, COUNT(*) AS remaining \
         FROM welfare_campaigns c CROSS JOIN welfare_targets t CROSS JOIN org_nodes g \
         WHERE c.activation_id IN (SELECT a.id FROM emergency_activations a \
                                   WHERE a.ended_at IS NULL) \
         AND c.closed_at IS NULL AND t.campaign_id = c.id AND t.state = 'to_check' \
         AND g.id = t.grid_id AND g.path >= $1 AND g.path < $2 \
         GROUP BY c.id, c.activation_id, c.title, c.community_id, c.starts_at, c.deadline_at, \
         t.grid_id \
         ORDER BY c.deadline_at, c.id, t.grid_id",
    )
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .fetch_all(conn)
    .await?)
}
