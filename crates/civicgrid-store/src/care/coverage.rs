//! Coverage (覆盖率) per grid: vulnerable residents (holding a care tag of the
//! catalogue, still living here), paired, on time, overdue and red, in two grouped
//! queries whatever the number of grids.

use std::collections::BTreeMap;

use civicgrid_domain::care::coverage::Counts;
use sqlx::AnyConnection;

use crate::{StoreResult, prefix_end};

/// The counts of every grid in the subtree of `scope` that has a vulnerable resident
/// or a pairing, by grid id. A pairing is overdue when its next visit was due before
/// `overdue_before` (the start of the local day).
pub async fn coverage_by_grid(
    conn: &mut AnyConnection,
    scope: &str,
    overdue_before: i64,
) -> StoreResult<BTreeMap<i64, Counts>> {
    let end = prefix_end(scope);
    let mut out: BTreeMap<i64, Counts> = BTreeMap::new();
    let vulnerable: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT r.grid_id, COUNT(DISTINCT r.id) FROM residents r \
         JOIN resident_tags t ON t.resident_id = r.id \
         JOIN tag_catalogue c ON c.code = t.tag_code AND c.care = 1 \
         JOIN org_nodes g ON g.id = r.grid_id \
         WHERE g.path >= $1 AND g.path < $2 AND r.residence_status IN ('registered', 'floating') \
         GROUP BY r.grid_id",
    )
    .bind(scope)
    .bind(end.as_str())
    .fetch_all(&mut *conn)
    .await?;
    for (grid, n) in vulnerable {
        out.entry(grid).or_default().vulnerable = n;
    }
    let paired: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT grid_id, COUNT(*), \
         CAST(SUM(CASE WHEN next_due_at >= $3 THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN next_due_at < $3 THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(red) AS BIGINT) \
         FROM care_pairings WHERE scope_path >= $1 AND scope_path < $2 AND active = 1 \
         GROUP BY grid_id",
    )
    .bind(scope)
    .bind(end.as_str())
    .bind(overdue_before)
    .fetch_all(&mut *conn)
    .await?;
    for (grid, n, on_time, overdue, red) in paired {
        let c = out.entry(grid).or_default();
        c.paired = n;
        c.on_time = on_time;
        c.overdue = overdue;
        c.red = red;
    }
    Ok(out)
}

/// A resident who holds a care tag, for the pairing form's picker.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CareCandidate {
    pub resident_id: i64,
    pub household_id: Option<i64>,
    pub grid_id: i64,
    pub name: String,
    pub building_name: Option<String>,
    pub unit_name: Option<String>,
    pub room_name: Option<String>,
    /// An active pairing of theirs, if any.
    pub pairing_id: Option<i64>,
}

/// Residents of the subtree of `scope` holding a care tag whose name contains `name`
/// (all of them when empty), by name, at most `limit`.
pub async fn care_candidates(
    conn: &mut AnyConnection,
    scope: &str,
    name: &str,
    limit: i64,
) -> StoreResult<Vec<CareCandidate>> {
    let pattern = format!(
        "%{}%",
        name.trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    Ok(sqlx::query_as(
        "SELECT r.id AS resident_id, r.household_id, r.grid_id, r.name, b.name AS building_name, \
         u.name AS unit_name, rm.name AS room_name, p.id AS pairing_id FROM residents r \
         JOIN org_nodes g ON g.id = r.grid_id \
         LEFT JOIN households h ON h.id = r.household_id \
         LEFT JOIN rooms rm ON rm.id = h.room_id \
         LEFT JOIN units u ON u.id = rm.unit_id \
         LEFT JOIN buildings b ON b.id = u.building_id \
         LEFT JOIN care_pairings p ON p.resident_id = r.id AND p.active = 1 \
         WHERE g.path >= $1 AND g.path < $2 AND r.residence_status IN ('registered', 'floating') \
         AND r.name LIKE $3 ESCAPE '\\' \
         AND EXISTS (SELECT 1 FROM resident_tags t JOIN tag_catalogue c ON c.code = t.tag_code \
                     WHERE t.resident_id = r.id AND c.care = 1) \
         ORDER BY r.name, r.id LIMIT $4",
    )
    .bind(scope)
    .bind(prefix_end(scope))
    .bind(pattern)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
