//! Repository of API tokens for integrations. Only a hash of each token is stored.

use civicgrid_domain::platform::access::Role;
use civicgrid_domain::platform::org::OrgPath;
use sqlx::{AnyConnection, Row};

use crate::repo::found;
use crate::{StoreError, StoreResult, now_ms};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub node_id: i64,
    pub node_path: OrgPath,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

macro_rules! select_tokens {
    ($rest:literal) => {
        concat!(
            "SELECT t.id, t.name, t.role, t.node_id, n.path, t.created_at, t.last_used_at, t.revoked_at \
             FROM api_tokens t JOIN org_nodes n ON n.id = t.node_id ",
            $rest
        )
    };
}

fn from_row(row: &sqlx::any::AnyRow) -> StoreResult<ApiToken> {
    let role: String = row.try_get("role")?;
    let path: Option<String> = row.try_get("path")?;
    Ok(ApiToken {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        node_id: row.try_get("node_id")?,
        node_path: OrgPath::from_stored(
            path.ok_or_else(|| StoreError::Corrupt("org node without a path".into()))?,
        ),
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    name: &str,
    token_hash: &str,
    role: Role,
    node_id: i64,
) -> StoreResult<ApiToken> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (name, token_hash, role, node_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(name)
    .bind(token_hash)
    .bind(role.as_str())
    .bind(node_id)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?;
    get(conn, id).await
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> StoreResult<ApiToken> {
    let row = sqlx::query(select_tokens!("WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

/// The unrevoked token with this hash.
pub async fn find_live(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> StoreResult<Option<ApiToken>> {
    let row = sqlx::query(select_tokens!(
        "WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
    ))
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records use, at most once a minute per token, to keep reads cheap.
pub async fn mark_used(conn: &mut AnyConnection, id: i64, now: i64) -> StoreResult<()> {
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
         AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(now - 60_000)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn revoke(conn: &mut AnyConnection, id: i64, now: i64) -> StoreResult<()> {
    found(
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?,
    )
}

pub async fn list(conn: &mut AnyConnection) -> StoreResult<Vec<ApiToken>> {
    let rows = sqlx::query(select_tokens!("ORDER BY t.name"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(from_row).collect()
}
