//! Responder organisations (property companies, owners' committees, police stations,
//! urban management, utilities) and their members.

use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::requests::category::ResponderKind;
use sqlx::AnyConnection;

use super::{corrupt, flag};
use crate::repo::found;
use crate::repo::records;
use crate::{StoreError, StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponderOrg {
    pub id: i64,
    pub kind: ResponderKind,
    pub name: String,
    /// The node whose subtree the organisation serves.
    pub node_id: i64,
    pub scope: OrgPath,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A `responder_orgs` row as stored: the kind as its code, `active` as 0 or 1.
#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    kind: String,
    name: String,
    node_id: i64,
    scope_path: String,
    active: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<OrgRow> for ResponderOrg {
    type Error = StoreError;

    fn try_from(r: OrgRow) -> StoreResult<Self> {
        Ok(ResponderOrg {
            id: r.id,
            kind: ResponderKind::parse(&r.kind).map_err(corrupt)?,
            name: r.name,
            node_id: r.node_id,
            scope: OrgPath::from_stored(r.scope_path),
            active: r.active != 0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// `SELECT <columns> FROM ... <rest>` as one static query text.
macro_rules! select_orgs {
    ($rest:literal) => {
        concat!("SELECT id, kind, name, node_id, scope_path, active, created_at, updated_at FROM responder_orgs ", $rest)
    };
}

/// Creates an organisation serving the subtree of `node_id` (at `scope`).
pub async fn insert_org(
    conn: &mut AnyConnection,
    kind: ResponderKind,
    name: &str,
    node_id: i64,
    scope: &OrgPath,
    at_ms: i64,
) -> StoreResult<ResponderOrg> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO responder_orgs (kind, name, node_id, scope_path, active, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id",
    )
    .bind(kind.code())
    .bind(name)
    .bind(node_id)
    .bind(scope.as_str())
    .bind(at_ms)
    .fetch_one(&mut *conn)
    .await?;
    get_org(conn, id).await
}

pub async fn get_org(conn: &mut AnyConnection, id: i64) -> StoreResult<ResponderOrg> {
    sqlx::query_as::<_, OrgRow>(select_orgs!("WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_into()
}

/// Renames, changes the kind of, or (de)activates an organisation.
pub async fn update_org(
    conn: &mut AnyConnection,
    id: i64,
    kind: ResponderKind,
    name: &str,
    active: bool,
    at_ms: i64,
) -> StoreResult<()> {
    found(
        sqlx::query(
            "UPDATE responder_orgs SET kind = $2, name = $3, active = $4, updated_at = $5 \
         WHERE id = $1",
        )
        .bind(id)
        .bind(kind.code())
        .bind(name)
        .bind(flag(active))
        .bind(at_ms)
        .execute(&mut *conn)
        .await?,
    )
}

/// Organisations whose node lies inside `scope` (all of them for `None`), by name.
pub async fn list_orgs(
    conn: &mut AnyConnection,
    scope: Option<&OrgPath>,
) -> StoreResult<Vec<ResponderOrg>> {
    let start = scope.map(OrgPath::as_str);
    let end = start.map(prefix_end);
    records(
        sqlx::query_as::<_, OrgRow>(select_orgs!(
            "WHERE CAST($1 AS TEXT) IS NULL OR (scope_path >= $1 AND scope_path < $2) \
             ORDER BY name, id"
        ))
        .bind(start)
        .bind(end.as_deref())
        .fetch_all(&mut *conn)
        .await?,
    )
}

/// Adds a member; adding one twice is no change. Returns whether a row was added.
pub async fn add_member(
    conn: &mut AnyConnection,
    org_id: i64,
    user_id: i64,
    at_ms: i64,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO responder_members (org_id, user_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (org_id, user_id) DO NOTHING",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(at_ms)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0)
}

/// Removes a member; returns whether there was one.
pub async fn remove_member(
    conn: &mut AnyConnection,
    org_id: i64,
    user_id: i64,
) -> StoreResult<bool> {
    Ok(
        sqlx::query("DELETE FROM responder_members WHERE org_id = $1 AND user_id = $2")
            .bind(org_id)
            .bind(user_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            > 0,
    )
}

/// User ids of an organisation's members, ascending.
pub async fn members(conn: &mut AnyConnection, org_id: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM responder_members WHERE org_id = $1 ORDER BY user_id",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Ids of the active organisations a user belongs to, ascending.
pub async fn orgs_of_user(conn: &mut AnyConnection, user_id: i64) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT m.org_id FROM responder_members m JOIN responder_orgs o ON o.id = m.org_id \
         WHERE m.user_id = $1 AND o.active = 1 ORDER BY m.org_id",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?)
}
