//! Repository of the organisation hierarchy.

use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use sqlx::{AnyConnection, Row};

use crate::repo::{corrupt, found, node_path, records};
use crate::{StoreError, StoreResult, now_ms, prefix_end};

#[derive(Debug, Clone, PartialEq)]
pub struct OrgNode {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: NodeKind,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub path: OrgPath,
    /// GeoJSON geometry text, validated by the domain before it is stored.
    pub boundary: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewNode<'a> {
    pub parent: Option<&'a OrgNode>,
    pub kind: NodeKind,
    pub code: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub boundary: Option<&'a str>,
}

/// `SELECT <all node columns> FROM org_nodes <rest>` as one static query text.
macro_rules! select_nodes {
    ($rest:literal) => {
        concat!(
            "SELECT id, parent_id, kind, code, name_zh, name_en, path, boundary, created_at, \
             updated_at FROM org_nodes ",
            $rest
        )
    };
}

/// An `org_nodes` row as stored: the kind as its code, the path text (set right after
/// the insert).
#[derive(sqlx::FromRow)]
struct NodeRow {
    id: i64,
    parent_id: Option<i64>,
    kind: String,
    code: String,
    name_zh: String,
    name_en: String,
    path: Option<String>,
    boundary: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<NodeRow> for OrgNode {
    type Error = StoreError;

    fn try_from(r: NodeRow) -> StoreResult<Self> {
        Ok(OrgNode {
            id: r.id,
            parent_id: r.parent_id,
            kind: NodeKind::parse(&r.kind).map_err(corrupt)?,
            code: r.code,
            name_zh: r.name_zh,
            name_en: r.name_en,
            path: node_path(r.path)?,
            boundary: r.boundary,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Inserts a node and sets its materialised path.
pub async fn insert(conn: &mut AnyConnection, n: &NewNode<'_>) -> StoreResult<OrgNode> {
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO org_nodes (parent_id, kind, code, name_zh, name_en, boundary, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(n.parent.map(|p| p.id))
    .bind(n.kind.as_str())
    .bind(n.code)
    .bind(n.name_zh)
    .bind(n.name_en)
    .bind(n.boundary)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let path = match n.parent {
        Some(p) => p.path.child(id),
        None => OrgPath::root(id),
    };
    sqlx::query("UPDATE org_nodes SET path = $1 WHERE id = $2")
        .bind(path.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    get(conn, id).await
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> StoreResult<OrgNode> {
    sqlx::query_as::<_, NodeRow>(select_nodes!("WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_into()
}

/// Finds a node by its code, or failing that by its Chinese or English name.
pub async fn find_by_code_or_name(
    conn: &mut AnyConnection,
    kind: NodeKind,
    key: &str,
) -> StoreResult<Option<OrgNode>> {
    let row: Option<NodeRow> = sqlx::query_as(select_nodes!(
        "WHERE kind = $1 AND (code = $2 OR name_zh = $2 OR name_en = $2) \
         ORDER BY CASE WHEN code = $2 THEN 0 ELSE 1 END, id LIMIT 1"
    ))
    .bind(kind.as_str())
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(OrgNode::try_from).transpose()
}

/// Direct children of a node, ordered by code.
pub async fn children(conn: &mut AnyConnection, parent_id: i64) -> StoreResult<Vec<OrgNode>> {
    let rows: Vec<NodeRow> = sqlx::query_as(select_nodes!("WHERE parent_id = $1 ORDER BY code"))
        .bind(parent_id)
        .fetch_all(&mut *conn)
        .await?;
    records(rows)
}

/// Roots of the hierarchy (cities).
pub async fn roots(conn: &mut AnyConnection) -> StoreResult<Vec<OrgNode>> {
    let rows: Vec<NodeRow> = sqlx::query_as(select_nodes!("WHERE parent_id IS NULL ORDER BY code"))
        .fetch_all(&mut *conn)
        .await?;
    records(rows)
}

/// A node and everything beneath it, in path order (parents before children).
pub async fn subtree(conn: &mut AnyConnection, root: &OrgPath) -> StoreResult<Vec<OrgNode>> {
    let rows: Vec<NodeRow> = sqlx::query_as(select_nodes!(
        "WHERE path >= $1 AND path < $2 ORDER BY path"
    ))
    .bind(root.as_str())
    .bind(prefix_end(root.as_str()))
    .fetch_all(&mut *conn)
    .await?;
    records(rows)
}

/// The nodes on the path from the root down to (and including) `path`.
pub async fn ancestors(conn: &mut AnyConnection, path: &OrgPath) -> StoreResult<Vec<OrgNode>> {
    let mut out = Vec::new();
    for id in path.ids() {
        out.push(get(conn, id).await?);
    }
    Ok(out)
}

/// Number of nodes of each kind inside a subtree.
pub async fn count_by_kind(
    conn: &mut AnyConnection,
    root: &OrgPath,
) -> StoreResult<Vec<(NodeKind, i64)>> {
    let rows = sqlx::query(
        "SELECT kind, COUNT(*) AS n FROM org_nodes WHERE path >= $1 AND path < $2 GROUP BY kind",
    )
    .bind(root.as_str())
    .bind(prefix_end(root.as_str()))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let kind: String = row.try_get("kind")?;
        let kind = NodeKind::parse(&kind).map_err(corrupt)?;
        out.push((kind, row.try_get("n")?));
    }
    out.sort();
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct NodeUpdate<'a> {
    pub code: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub boundary: Option<&'a str>,
}

pub async fn update(conn: &mut AnyConnection, id: i64, u: &NodeUpdate<'_>) -> StoreResult<OrgNode> {
    found(sqlx::query(
        "UPDATE org_nodes SET code = $1, name_zh = $2, name_en = $3, boundary = $4, updated_at = $5 \
         WHERE id = $6",
    )
    .bind(u.code)
    .bind(u.name_zh)
    .bind(u.name_en)
    .bind(u.boundary)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *conn)
    .await?)?;
    get(conn, id).await
}

pub async fn count(conn: &mut AnyConnection) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM org_nodes")
        .fetch_one(&mut *conn)
        .await?)
}
