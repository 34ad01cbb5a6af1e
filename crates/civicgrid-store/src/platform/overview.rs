//! Home-page figures of those who oversee the platform: its accounts and units, and
//! what the audit and data-access logs recorded lately. One query per scope.

use sqlx::{AnyConnection, Row};

use crate::{StoreResult, prefix_end};

/// What lies in a scope, and what was recorded there since an instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OversightCounts {
    /// Accounts holding a role in the scope (every account when unscoped).
    pub accounts: i64,
    /// Of those, the switched-off ones.
    pub inactive_accounts: i64,
    /// Organisation units in the scope, its root included.
    pub org_units: i64,
    /// Audit entries recorded in the scope since the instant (unscoped: every entry,
    /// sign-ins included).
    pub audit_entries: i64,
    /// Residents' records shown in the scope since the instant.
    pub data_views: i64,
}

/// The counts under the subtree `scope` (a materialised path such as `/1/4/`), or
/// over everything when `None`; entries and views from `since_ms` on.
pub async fn oversight_counts(
    conn: &mut AnyConnection,
    scope: Option<&str>,
    since_ms: i64,
) -> StoreResult<OversightCounts> {
    let end = scope.map(prefix_end);
    let row = sqlx::query(
        "SELECT \
           CAST((SELECT COUNT(*) FROM users u WHERE CAST($1 AS TEXT) IS NULL OR u.id IN \
             (SELECT ra.user_id FROM role_assignments ra JOIN org_nodes n ON n.id = ra.node_id \
              WHERE n.path >= $1 AND n.path < $2)) AS BIGINT) AS accounts, \
           CAST((SELECT COUNT(*) FROM users u WHERE u.active = 0 AND (CAST($1 AS TEXT) IS NULL OR u.id IN \
             (SELECT ra.user_id FROM role_assignments ra JOIN org_nodes n ON n.id = ra.node_id \
              WHERE n.path >= $1 AND n.path < $2))) AS BIGINT) AS inactive_accounts, \
           CAST((SELECT COUNT(*) FROM org_nodes \
             WHERE CAST($1 AS TEXT) IS NULL OR (path >= $1 AND path < $2)) AS BIGINT) AS org_units, \
           CAST((SELECT COUNT(*) FROM audit_log WHERE at_ms >= $3 \
             AND (CAST($1 AS TEXT) IS NULL OR (scope_path >= $1 AND scope_path < $2))) AS BIGINT) AS audit_entries, \
           CAST((SELECT COUNT(*) FROM data_access_log WHERE at_ms >= $3 \
             AND (CAST($1 AS TEXT) IS NULL OR (scope_path >= $1 AND scope_path < $2))) AS BIGINT) AS data_views",
    )
    .bind(scope)
    .bind(end)
    .bind(since_ms)
    .fetch_one(&mut *conn)
    .await?;
    Ok(OversightCounts {
        accounts: row.try_get("accounts")?,
        inactive_accounts: row.try_get("inactive_accounts")?,
        org_units: row.try_get("org_units")?,
        audit_entries: row.try_get("audit_entries")?,
        data_views: row.try_get("data_views")?,
    })
}
