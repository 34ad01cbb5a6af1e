//! Material depots (应急物资仓库) at community and street level, the item catalogue and
//! each depot's minimum stock per item.

use civicgrid_domain::emergency::materials::{DepotLevel, ItemKind, ItemUnit};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::dialect::{anon, in_list, query_as};
use crate::repo::{corrupt, records};
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepotRecord {
    pub id: i64,
    /// The community or street it serves.
    pub node_id: i64,
    pub scope: OrgPath,
    pub level: DepotLevel,
    pub name: String,
    pub address: String,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct DepotRow {
    id: i64,
    node_id: i64,
    scope_path: String,
    level: String,
    name: String,
    address: String,
    created_at: i64,
}

impl TryFrom<DepotRow> for DepotRecord {
    type Error = StoreError;

    fn try_from(r: DepotRow) -> StoreResult<Self> {
        Ok(DepotRecord {
            id: r.id,
            node_id: r.node_id,
            scope: OrgPath::from_stored(r.scope_path),
            level: DepotLevel::parse(&r.level).map_err(corrupt)?,
            name: r.name,
            address: r.address,
            created_at: r.created_at,
        })
    }
}

const SELECT_DEPOTS: &str =
    "SELECT id, node_id, scope_path, level, name, address, created_at FROM material_depots ";

/// Stores a new depot; `id` of `d` is ignored.
pub async fn insert_depot(conn: &mut AnyConnection, d: &DepotRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO material_depots (node_id, scope_path, level, name, address, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(d.node_id)
    .bind(d.scope.as_str())
    .bind(d.level.code())
    .bind(d.name.as_str())
    .bind(d.address.as_str())
    .bind(d.created_at)
    .fetch_one(conn)
    .await?)
}

pub async fn get_depot(conn: &mut AnyConnection, id: i64) -> StoreResult<DepotRecord> {
    let row: DepotRow = sqlx::query_as(
        "SELECT id, node_id, scope_path, level, name, address, created_at \
         FROM material_depots WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    row.try_into()
}

/// Depots inside `scope` (its own included), by level (streets first) and id.
pub async fn depots_within(
    conn: &mut AnyConnection,
    scope: &OrgPath,
) -> StoreResult<Vec<DepotRecord>> {
    let rows: Vec<DepotRow> = sqlx::query_as(
        "SELECT id, node_id, scope_path, level, name, address, created_at FROM material_depots \
         WHERE scope_path >= $1 AND scope_path < $2 ORDER BY level DESC, id",
    )
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// Depots serving any of `node_ids` (a place's ancestors: the street depot a
/// community draws on), by id.
pub async fn depots_at(
    conn: &mut AnyConnection,
    node_ids: &[i64],
) -> StoreResult<Vec<DepotRecord>> {
    if node_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{SELECT_DEPOTS}WHERE node_id IN ({}) ORDER BY id",
        in_list(node_ids.len(), anon(conn))
    );
    let mut q = query_as::<DepotRow>(sql);
    for id in node_ids {
        q = q.bind(*id);
    }
    records(q.fetch_all(conn).await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRecord {
    pub id: i64,
    pub name: String,
    pub kind: ItemKind,
    pub unit: ItemUnit,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    name: String,
    kind: String,
    unit: String,
    created_at: i64,
}

impl TryFrom<ItemRow> for ItemRecord {
    type Error = StoreError;

    fn try_from(r: ItemRow) -> StoreResult<Self> {
        Ok(ItemRecord {
            id: r.id,
            name: r.name,
            kind: ItemKind::parse(&r.kind).map_err(corrupt)?,
            unit: ItemUnit::parse(&r.unit).map_err(corrupt)?,
            created_at: r.created_at,
        })
    }
}

/// Adds an item to the catalogue; `id` of `i` is ignored. A name already there breaks
/// a uniqueness rule (check with [`item_named`] first).
pub async fn insert_item(conn: &mut AnyConnection, i: &ItemRecord) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO material_items (name, kind, unit, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(i.name.as_str())
    .bind(i.kind.code())
    .bind(i.unit.code())
    .bind(i.created_at)
    .fetch_one(conn)
    .await?)
}

pub async fn get_item(conn: &mut AnyConnection, id: i64) -> StoreResult<ItemRecord> {
    let row: ItemRow =
        sqlx::query_as("SELECT id, name, kind, unit, created_at FROM material_items WHERE id = $1")
            .bind(id)
            .fetch_one(conn)
            .await?;
    row.try_into()
}

/// The item of that exact name, if the catalogue has it.
pub async fn item_named(conn: &mut AnyConnection, name: &str) -> StoreResult<Option<ItemRecord>> {
    let row: Option<ItemRow> = sqlx::query_as(
        "SELECT id, name, kind, unit, created_at FROM material_items WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(conn)
    .await?;
    row.map(TryInto::try_into).transpose()
}

/// The whole catalogue, by kind and name.
pub async fn list_items(conn: &mut AnyConnection) -> StoreResult<Vec<ItemRecord>> {
    let rows: Vec<ItemRow> = sqlx::query_as(
        "SELECT id, name, kind, unit, created_at FROM material_items ORDER BY kind, name, id",
    )
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// Sets the least `depot_id` should hold of `item_id` (0 clears the warning).
pub async fn set_minimum(
    conn: &mut AnyConnection,
    depot_id: i64,
    item_id: i64,
    minimum: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO material_minimums (depot_id, item_id, minimum) VALUES ($1, $2, $3) \
         ON CONFLICT (depot_id, item_id) DO UPDATE SET minimum = excluded.minimum",
    )
    .bind(depot_id)
    .bind(item_id)
    .bind(minimum)
    .execute(conn)
    .await?;
    Ok(())
}

/// One item of a depot's stock board: what it holds in all and its minimum.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StockLine {
    pub item_id: i64,
    pub on_hand: i64,
    pub minimum: i64,
}

/// Every item a depot holds or has a minimum for, by item id.
pub async fn stock_lines(conn: &mut AnyConnection, depot_id: i64) -> StoreResult<Vec<StockLine>> {
    Ok(sqlx::query_as(
        "SELECT i.id AS item_id, \
           COALESCE((SELECT CAST(SUM(b.quantity) AS BIGINT) FROM material_batches b \
                     WHERE b.depot_id = $1 AND b.item_id = i.id), 0) AS on_hand, \
           COALESCE((SELECT m.minimum FROM material_minimums m \
                     WHERE m.depot_id = $1 AND m.item_id = i.id), 0) AS minimum \
         FROM material_items i \
         WHERE EXISTS (SELECT 1 FROM material_batches b WHERE b.depot_id = $1 AND b.item_id = i.id) \
            OR EXISTS (SELECT 1 FROM material_minimums m WHERE m.depot_id = $1 AND m.item_id = i.id) \
         ORDER BY i.id",
    )
    .bind(depot_id)
    .fetch_all(conn)
    .await?)
}
