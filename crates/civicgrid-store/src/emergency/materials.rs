//! Material requests (物资申请) for households: their lines, state and deliverer; what
//! the ledger says of a household when a request is raised; and who may deliver in a
//! community.

use civicgrid_domain::emergency::materials::{ItemUnit, RequestStatus, Source};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::{AnyConnection, Row};

use crate::dialect::query_as;
use crate::repo::{corrupt, node_path, records};
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub id: i64,
    pub household_id: i64,
    pub community_id: i64,
    /// The household's grid: who may see the request.
    pub scope: OrgPath,
    pub source: Source,
    pub status: RequestStatus,
    pub note: String,
    /// Points from the household's care tags when it was raised.
    pub vulnerability: i64,
    /// Members living in the household when it was raised.
    pub people: i64,
    /// The care tags that counted.
    pub care_tags: Vec<String>,
    /// The depot it was issued from.
    pub depot_id: Option<i64>,
    pub deliverer_user_id: Option<i64>,
    pub status_reason: Option<String>,
    pub raised_by: Option<i64>,
    pub raised_at: i64,
    pub issued_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub updated_at: i64,
    pub version: i64,
    /// Where the household lives, and who heads it (from the ledger).
    pub building: String,
    pub unit: String,
    pub room: String,
    pub head_name: Option<String>,
    /// The deliverer's display name.
    pub deliverer_name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    household_id: i64,
    community_id: i64,
    scope_path: String,
    source: String,
    source_id: Option<i64>,
    status: String,
    note: String,
    vulnerability: i64,
    people: i64,
    care_tags: String,
    depot_id: Option<i64>,
    deliverer_user_id: Option<i64>,
    status_reason: Option<String>,
    raised_by: Option<i64>,
    raised_at: i64,
    issued_at: Option<i64>,
    delivered_at: Option<i64>,
    updated_at: i64,
    version: i64,
    building: String,
    unit: String,
    room: String,
    head_name: Option<String>,
    deliverer_name: Option<String>,
}

impl TryFrom<RequestRow> for RequestRecord {
    type Error = StoreError;

    fn try_from(r: RequestRow) -> StoreResult<Self> {
        Ok(RequestRecord {
            id: r.id,
            household_id: r.household_id,
            community_id: r.community_id,
            scope: OrgPath::from_stored(r.scope_path),
            source: Source::from_parts(&r.source, r.source_id)
                .ok_or_else(|| corrupt(format!("material request source {}", r.source)))?,
            status: RequestStatus::parse(&r.status).map_err(corrupt)?,
            note: r.note,
            vulnerability: r.vulnerability,
            people: r.people,
            care_tags: r
                .care_tags
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            depot_id: r.depot_id,
            deliverer_user_id: r.deliverer_user_id,
            status_reason: r.status_reason,
            raised_by: r.raised_by,
            raised_at: r.raised_at,
            issued_at: r.issued_at,
            delivered_at: r.delivered_at,
            updated_at: r.updated_at,
            version: r.version,
            building: r.building,
            unit: r.unit,
            room: r.room,
            head_name: r.head_name,
            deliverer_name: r.deliverer_name,
        })
    }
}

const SELECT_REQUESTS: &str = "SELECT r.id, r.household_id, r.community_id, r.scope_path, \
     r.source, r.source_id, r.status, r.note, r.vulnerability, r.people, r.care_tags, \
     r.depot_id, r.deliverer_user_id, r.status_reason, r.raised_by, r.raised_at, r.issued_at, \
     r.delivered_at, r.updated_at, r.version, b.name AS building, u.name AS unit, \
     rm.name AS room, \
     (SELECT x.name FROM residents x WHERE x.household_id = r.household_id \
      ORDER BY CASE WHEN x.relation = 'head' THEN 0 ELSE 1 END, x.id LIMIT 1) AS head_name, \
     d.display_name AS deliverer_name \
     FROM material_requests r JOIN households h ON h.id = r.household_id \
     JOIN rooms rm ON rm.id = h.room_id JOIN units u ON u.id = rm.unit_id \
     JOIN buildings b ON b.id = u.building_id \
     LEFT JOIN users d ON d.id = r.deliverer_user_id ";

/// One line of a request: an item, its unit and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRecord {
    pub item_id: i64,
    pub item_name: String,
    pub unit: ItemUnit,
    pub quantity: i64,
}

/// Stores a new request with its lines (`(item id, quantity)`, distinct items); the
/// `id`, `version` and ledger fields of `r` are ignored.
pub async fn insert_request(
    conn: &mut AnyConnection,
    r: &RequestRecord,
    lines: &[(i64, i64)],
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO material_requests (household_id, community_id, scope_path, source, \
         source_id, status, note, vulnerability, people, care_tags, depot_id, \
         deliverer_user_id, status_reason, raised_by, raised_at, issued_at, delivered_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, $18) RETURNING id",
    )
    .bind(r.household_id)
    .bind(r.community_id)
    .bind(r.scope.as_str())
    .bind(r.source.code())
    .bind(r.source.id())
    .bind(r.status.code())
    .bind(r.note.as_str())
    .bind(r.vulnerability)
    .bind(r.people)
    .bind(r.care_tags.join(","))
    .bind(r.depot_id)
    .bind(r.deliverer_user_id)
    .bind(r.status_reason.as_deref())
    .bind(r.raised_by)
    .bind(r.raised_at)
    .bind(r.issued_at)
    .bind(r.delivered_at)
    .bind(r.updated_at)
    .fetch_one(&mut *conn)
    .await?;
    for (item, quantity) in lines {
        sqlx::query(
            "INSERT INTO material_request_lines (request_id, item_id, quantity) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(*item)
        .bind(*quantity)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

pub async fn get_request(conn: &mut AnyConnection, id: i64) -> StoreResult<RequestRecord> {
    let row: RequestRow = query_as(format!("{SELECT_REQUESTS}WHERE r.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    row.try_into()
}

/// Writes a request's state, depot, deliverer and times if it is still at its
/// version; returns the new version, or `None` when someone changed it first.
pub async fn update_request(
    conn: &mut AnyConnection,
    r: &RequestRecord,
) -> StoreResult<Option<i64>> {
    let done = sqlx::query(
        "UPDATE material_requests SET status = $2, depot_id = $3, deliverer_user_id = $4, \
         status_reason = $5, issued_at = $6, delivered_at = $7, updated_at = $8, \
         version = version + 1 WHERE id = $1 AND version = $9",
    )
    .bind(r.id)
    .bind(r.status.code())
    .bind(r.depot_id)
    .bind(r.deliverer_user_id)
    .bind(r.status_reason.as_deref())
    .bind(r.issued_at)
    .bind(r.delivered_at)
    .bind(r.updated_at)
    .bind(r.version)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(r.version + 1))
}

#[derive(sqlx::FromRow)]
struct LineRow {
    item_id: i64,
    item_name: String,
    unit: String,
    quantity: i64,
}

/// A request's lines, by item id.
pub async fn lines_of(conn: &mut AnyConnection, request_id: i64) -> StoreResult<Vec<LineRecord>> {
    let rows: Vec<LineRow> = sqlx::query_as(
        "SELECT l.item_id, i.name AS item_name, i.unit, l.quantity FROM material_request_lines l \
         JOIN material_items i ON i.id = l.item_id WHERE l.request_id = $1 ORDER BY l.item_id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(LineRecord {
                item_id: r.item_id,
                item_name: r.item_name,
                unit: ItemUnit::parse(&r.unit).map_err(corrupt)?,
                quantity: r.quantity,
            })
        })
        .collect()
}

/// Requests for households inside `scope`, at `status` when given, newest first, at
/// most `limit`.
pub async fn list_requests(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    status: Option<RequestStatus>,
    limit: i64,
) -> StoreResult<Vec<RequestRecord>> {
    let rows: Vec<RequestRow> = match status {
        Some(s) => {
            query_as(format!(
                "{SELECT_REQUESTS}WHERE r.scope_path >= $1 AND r.scope_path < $2 \
                 AND r.status = $3 ORDER BY r.id DESC LIMIT $4"
            ))
            .bind(scope.as_str())
            .bind(prefix_end(scope.as_str()))
            .bind(s.code())
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
        None => {
            query_as(format!(
                "{SELECT_REQUESTS}WHERE r.scope_path >= $1 AND r.scope_path < $2 \
                 ORDER BY r.id DESC LIMIT $3"
            ))
            .bind(scope.as_str())
            .bind(prefix_end(scope.as_str()))
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
    };
    records(rows)
}

/// How many requests for households inside `scope` stand at `status`.
pub async fn count_requests(
    conn: &mut AnyConnection,
    scope: &OrgPath,
    status: RequestStatus,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM material_requests WHERE scope_path >= $1 AND scope_path < $2 \
         AND status = $3",
    )
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .bind(status.code())
    .fetch_one(conn)
    .await?)
}

/// The deliveries assigned to `user_id`: those on their way first, then the delivered,
/// newest first, at most `limit`.
pub async fn deliveries_of(
    conn: &mut AnyConnection,
    user_id: i64,
    limit: i64,
) -> StoreResult<Vec<RequestRecord>> {
    let rows: Vec<RequestRow> = query_as(format!(
        "{SELECT_REQUESTS}WHERE r.deliverer_user_id = $1 AND r.status IN ('issued', 'delivered') \
         ORDER BY CASE WHEN r.status = 'issued' THEN 0 ELSE 1 END, r.id DESC LIMIT $2"
    ))
    .bind(user_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// What the ledger says of a household when a material request is raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdFacts {
    pub household_id: i64,
    pub active: bool,
    pub grid_id: i64,
    pub grid_path: OrgPath,
    /// The grid's community.
    pub community_id: i64,
    /// Members living there: (resident id, birth year-month).
    pub members: Vec<(i64, i64)>,
}

/// The household's place and living members; [`StoreError::NotFound`] when there is
/// no such household.
pub async fn household_facts(
    conn: &mut AnyConnection,
    household_id: i64,
) -> StoreResult<HouseholdFacts> {
    let row = sqlx::query(
        "SELECT h.id, h.active, h.grid_id, g.path, g.parent_id FROM households h \
         JOIN org_nodes g ON g.id = h.grid_id WHERE h.id = $1",
    )
    .bind(household_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let active: i64 = row.try_get("active")?;
    let parent: Option<i64> = row.try_get("parent_id")?;
    let members = sqlx::query(
        "SELECT id, birth_ym FROM residents WHERE household_id = $1 \
         AND residence_status IN ('registered', 'floating') ORDER BY id",
    )
    .bind(household_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("id")?, r.try_get("birth_ym")?)))
    .collect::<StoreResult<Vec<(i64, i64)>>>()?;
    Ok(HouseholdFacts {
        household_id: row.try_get("id")?,
        active: active != 0,
        grid_id: row.try_get("grid_id")?,
        grid_path: node_path(row.try_get("path")?)?,
        community_id: parent.ok_or_else(|| corrupt("a grid without a community"))?,
        members,
    })
}

/// An account that may deliver: a volunteer or grid worker of the community.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Deliverer {
    pub user_id: i64,
    pub display_name: String,
}

/// Active accounts holding a volunteer or grid worker role inside `community`, by name.
pub async fn deliverers(
    conn: &mut AnyConnection,
    community: &OrgPath,
) -> StoreResult<Vec<Deliverer>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT u.id AS user_id, u.display_name FROM users u \
         JOIN role_assignments a ON a.user_id = u.id JOIN org_nodes n ON n.id = a.node_id \
         WHERE u.active = 1 AND a.role IN ('volunteer', 'grid_worker') \
         AND n.path >= $1 AND n.path < $2 ORDER BY u.display_name, u.id",
    )
    .bind(community.as_str())
    .bind(prefix_end(community.as_str()))
    .fetch_all(conn)
    .await?)
}
