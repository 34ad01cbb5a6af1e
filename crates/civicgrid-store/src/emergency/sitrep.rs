//! What a situation report reads beyond the board and the situation: the households a
//! campaign found needing help, material requests of a community by status, and the
//! quantities its depots issued to them.

use sqlx::AnyConnection;

use super::checks::{TARGET_COLUMNS, TargetRecord, TargetRow};
use crate::StoreResult;
use crate::repo::records;

/// The households of a campaign whose latest check says they need help, in walking
/// order.
pub async fn needing_help(
    conn: &mut AnyConnection,
    campaign_id: i64,
) -> StoreResult<Vec<TargetRecord>> {
    let rows: Vec<TargetRow> = crate::dialect::query_as(format!(
        "{TARGET_COLUMNS} WHERE t.campaign_id = $1 AND t.outcome = 'needs_help' ORDER BY t.walk_key"
    ))
    .bind(campaign_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

/// How many material requests for households of `community_id`, raised from `since`
/// on, stand in each status: (status code, count).
pub async fn material_requests_by_status(
    conn: &mut AnyConnection,
    community_id: i64,
    since: i64,
) -> StoreResult<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT status, COUNT(*) FROM material_requests \
         WHERE community_id = $1 AND raised_at >= $2 GROUP BY status ORDER BY status",
    )
    .bind(community_id)
    .bind(since)
    .fetch_all(conn)
    .await?)
}

/// What was issued of one item.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IssuedLine {
    pub item: String,
    /// The item's unit code.
    pub unit: String,
    pub quantity: i64,
    /// Households it went to.
    pub households: i64,
}

/// What depots issued against material requests of `community_id` between `since` and
/// `until` (inclusive), per item by name.
pub async fn materials_issued(
    conn: &mut AnyConnection,
    community_id: i64,
    since: i64,
    until: i64,
) -> StoreResult<Vec<IssuedLine>> {
    Ok(sqlx::query_as(
        "SELECT i.name AS item, i.unit AS unit, CAST(SUM(-m.quantity) AS BIGINT) AS quantity, \
         COUNT(DISTINCT r.household_id) AS households \
         FROM material_movements m JOIN material_requests r ON r.id = m.request_id \
         JOIN material_items i ON i.id = m.item_id \
         WHERE m.kind = 'issue' AND r.community_id = $1 AND m.at >= $2 AND m.at <= $3 \
         GROUP BY i.name, i.unit ORDER BY i.name",
    )
    .bind(community_id)
    .bind(since)
    .bind(until)
    .fetch_all(conn)
    .await?)
}
