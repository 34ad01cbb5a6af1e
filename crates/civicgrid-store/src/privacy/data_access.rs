//! The data-access log: who looked at which resident's record, when, in which role.
//!
//! Reads of personal data are far more frequent than changes, so they are kept here
//! rather than in the hash-chained audit log (which keeps unmasking and every change).
//! A row holds ids, the actor and the path of the grid holding the record — never a
//! personal value. Residents read their own rows; auditors read the rows of their scope,
//! which the read joins to the resident's name and the household's room so that the app
//! can show them masked, as a name and an address rather than record numbers.

use sqlx::AnyConnection;

use crate::{StoreResult, prefix_end};

/// One resident shown to someone.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DataView {
    pub id: i64,
    pub at_ms: i64,
    pub resident_id: i64,
    /// The household the resident belonged to when shown.
    pub household_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    /// Username or token name.
    pub actor_label: String,
    /// The role under which the record was shown (`grid_worker`, …; `None` for the
    /// system itself).
    pub actor_role: Option<String>,
    /// What was looked at, e.g. `ledger.resident.view`.
    pub action: String,
    /// Materialised path of the grid holding the record.
    pub scope_path: String,
    /// The resident's name as the ledger holds it now (unmasked: the app masks it);
    /// `None` when the record is gone.
    pub resident_name: Option<String>,
    /// The building, unit and room of the household the resident was shown in.
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
}

/// A view to record; `at_ms` and the actor are the same for every resident shown at once.
#[derive(Debug, Clone)]
pub struct NewView<'a> {
    pub at_ms: i64,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    pub actor_label: &'a str,
    pub actor_role: Option<&'a str>,
    pub action: &'a str,
    pub scope_path: &'a str,
}

/// Records that `view` showed each of `residents` (resident id, household id).
pub async fn append(
    conn: &mut AnyConnection,
    view: &NewView<'_>,
    residents: &[(i64, Option<i64>)],
) -> StoreResult<()> {
    for (resident_id, household_id) in residents {
        sqlx::query(
            "INSERT INTO data_access_log (at_ms, resident_id, household_id, actor_user_id, \
             actor_token_id, actor_label, actor_role, action, scope_path) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(view.at_ms)
        .bind(resident_id)
        .bind(household_id)
        .bind(view.actor_user_id)
        .bind(view.actor_token_id)
        .bind(view.actor_label)
        .bind(view.actor_role)
        .bind(view.action)
        .bind(view.scope_path)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Filters for reading the log; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct ViewFilter {
    /// Only rows whose grid lies inside this subtree.
    pub scope: Option<String>,
    pub resident_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    /// Rows with an id below this (for paging backwards).
    pub before_id: Option<i64>,
}

/// Newest rows first, at most `limit`.
pub async fn list(
    conn: &mut AnyConnection,
    f: &ViewFilter,
    limit: i64,
) -> StoreResult<Vec<DataView>> {
    let scope_end = f.scope.as_deref().map(prefix_end);
    Ok(sqlx::query_as(
        "SELECT v.id, v.at_ms, v.resident_id, v.household_id, v.actor_user_id, \
         v.actor_token_id, v.actor_label, v.actor_role, v.action, v.scope_path, \
         r.name AS resident_name, b.name AS building, u.name AS unit, ro.name AS room \
         FROM data_access_log v \
         LEFT JOIN residents r ON r.id = v.resident_id \
         LEFT JOIN households h ON h.id = v.household_id \
         LEFT JOIN rooms ro ON ro.id = h.room_id \
         LEFT JOIN units u ON u.id = ro.unit_id \
         LEFT JOIN buildings b ON b.id = u.building_id \
         WHERE (CAST($1 AS TEXT) IS NULL OR (v.scope_path >= $1 AND v.scope_path < $2)) \
         AND (CAST($3 AS BIGINT) IS NULL OR v.resident_id = $3) \
         AND (CAST($4 AS BIGINT) IS NULL OR v.actor_user_id = $4) \
         AND (CAST($5 AS BIGINT) IS NULL OR v.id < $5) \
         ORDER BY v.id DESC LIMIT $6",
    )
    .bind(f.scope.as_deref())
    .bind(scope_end.as_deref())
    .bind(f.resident_id)
    .bind(f.actor_user_id)
    .bind(f.before_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}
