//! Repository of API tokens for integrations. Only a hash of each token is stored.

use civicgrid_domain::platform::access::Role;
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, found, node_path, records};
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

/// An `api_tokens` row joined with its node's path: the role as its code.
#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    role: String,
    node_id: i64,
    path: Option<String>,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;

    fn try_from(r: TokenRow) -> StoreResult<Self> {
        Ok(ApiToken {
            id: r.id,
            name: r.name,
            role: Role::parse(&r.role).map_err(corrupt)?,
            node_id: r.node_id,
            node_path: node_path(r.path)?,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
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
    sqlx::query_as::<_, TokenRow>(select_tokens!("WHERE t.id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_into()
}

/// The unrevoked token with this hash.
pub async fn find_live(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> StoreResult<Option<ApiToken>> {
    let row: Option<TokenRow> = sqlx::query_as(select_tokens!(
        "WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
    ))
    .bind(token_hash)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(ApiToken::try_from).transpose()
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
    records(
        sqlx::query_as::<_, TokenRow>(select_tokens!("ORDER BY t.name"))
            .fetch_all(&mut *conn)
            .await?,
    )
}
