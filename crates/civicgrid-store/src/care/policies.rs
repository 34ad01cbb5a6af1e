//! A community's visit policies (走访标准), one per (tag, second tag).

use civicgrid_domain::care::policies::{Cadence, PolicySpec};
use civicgrid_domain::care::visits::Mode;
use sqlx::AnyConnection;

use crate::repo::{corrupt, records};
use crate::{StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    pub id: i64,
    pub community_id: i64,
    pub spec: PolicySpec,
    pub updated_by: Option<i64>,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    id: i64,
    community_id: i64,
    tag_code: String,
    with_tag: String,
    level: i64,
    cadence_days: i64,
    mode: String,
    updated_by: Option<i64>,
    updated_at: i64,
}

impl TryFrom<PolicyRow> for PolicyRecord {
    type Error = StoreError;

    fn try_from(r: PolicyRow) -> StoreResult<Self> {
        Ok(PolicyRecord {
            id: r.id,
            community_id: r.community_id,
            spec: PolicySpec {
                tag: r.tag_code,
                with_tag: r.with_tag,
                level: r.level,
                cadence: Cadence::days(r.cadence_days).map_err(corrupt)?,
                mode: Mode::parse(&r.mode).map_err(corrupt)?,
            },
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        })
    }
}

/// A community's policies, by tag.
pub async fn policies(
    conn: &mut AnyConnection,
    community_id: i64,
) -> StoreResult<Vec<PolicyRecord>> {
    let rows: Vec<PolicyRow> = sqlx::query_as(
        "SELECT id, community_id, tag_code, with_tag, level, cadence_days, mode, updated_by, \
         updated_at FROM care_policies WHERE community_id = $1 ORDER BY level, tag_code, with_tag",
    )
    .bind(community_id)
    .fetch_all(conn)
    .await?;
    records(rows)
}

pub async fn get_policy(conn: &mut AnyConnection, id: i64) -> StoreResult<PolicyRecord> {
    let row: PolicyRow = sqlx::query_as(
        "SELECT id, community_id, tag_code, with_tag, level, cadence_days, mode, updated_by, \
         updated_at FROM care_policies WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?;
    row.try_into()
}

/// Writes the policy of (community, tag, second tag): a new one, or the level, cadence
/// and way of visiting of the one there. Returns its id and whether it was new.
pub async fn put_policy(
    conn: &mut AnyConnection,
    community_id: i64,
    spec: &PolicySpec,
    by: Option<i64>,
    at: i64,
) -> StoreResult<(i64, bool)> {
    let existing: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM care_policies WHERE community_id = $1 AND tag_code = $2 AND with_tag = $3",
    )
    .bind(community_id)
    .bind(spec.tag.as_str())
    .bind(spec.with_tag.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = existing {
        sqlx::query(
            "UPDATE care_policies SET level = $2, cadence_days = $3, mode = $4, updated_by = $5, \
             updated_at = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(spec.level)
        .bind(spec.cadence.as_days())
        .bind(spec.mode.code())
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        return Ok((id, false));
    }
    let id = sqlx::query_scalar(
        "INSERT INTO care_policies (community_id, tag_code, with_tag, level, cadence_days, mode, \
         updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(community_id)
    .bind(spec.tag.as_str())
    .bind(spec.with_tag.as_str())
    .bind(spec.level)
    .bind(spec.cadence.as_days())
    .bind(spec.mode.code())
    .bind(by)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    Ok((id, true))
}
