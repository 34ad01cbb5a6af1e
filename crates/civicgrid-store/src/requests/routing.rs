//! Routing rules: category × scope → responsible party.

use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::requests::routing::{Party, RoutingRule};
use sqlx::AnyConnection;

use super::{corrupt, flag};
use crate::repo::found;
use crate::repo::records;
use crate::{StoreError, StoreResult, prefix_end};

/// A stored rule with the node its scope is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRule {
    pub rule: RoutingRule,
    pub node_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A `routing_rules` row as stored: the party encoded, `active` as 0 or 1.
#[derive(sqlx::FromRow)]
struct RuleRow {
    id: i64,
    category: Option<String>,
    node_id: i64,
    scope_path: String,
    party: String,
    active: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<RuleRow> for StoredRule {
    type Error = StoreError;

    fn try_from(r: RuleRow) -> StoreResult<Self> {
        Ok(StoredRule {
            rule: RoutingRule {
                id: r.id,
                category: r.category,
                scope: OrgPath::from_stored(r.scope_path),
                party: Party::decode(&r.party).map_err(corrupt)?,
                active: r.active != 0,
            },
            node_id: r.node_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// `SELECT <columns> FROM ... <rest>` as one static query text.
macro_rules! select_rules {
    ($rest:literal) => {
        concat!("SELECT id, category, node_id, scope_path, party, active, created_at, updated_at FROM routing_rules ", $rest)
    };
}

/// Inserts a rule (validated by the caller) at node `node_id`; returns its id.
pub async fn insert_rule(
    conn: &mut AnyConnection,
    rule: &RoutingRule,
    node_id: i64,
    at_ms: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO routing_rules (category, node_id, scope_path, party, active, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(rule.category.as_deref())
    .bind(node_id)
    .bind(rule.scope.as_str())
    .bind(rule.party.encode())
    .bind(flag(rule.active))
    .bind(at_ms)
    .fetch_one(&mut *conn)
    .await?)
}

/// Changes a rule's category, party and activity (its scope stays).
pub async fn update_rule(
    conn: &mut AnyConnection,
    rule: &RoutingRule,
    at_ms: i64,
) -> StoreResult<()> {
    found(
        sqlx::query(
            "UPDATE routing_rules SET category = $2, party = $3, active = $4, updated_at = $5 \
         WHERE id = $1",
        )
        .bind(rule.id)
        .bind(rule.category.as_deref())
        .bind(rule.party.encode())
        .bind(flag(rule.active))
        .bind(at_ms)
        .execute(&mut *conn)
        .await?,
    )
}

pub async fn get_rule(conn: &mut AnyConnection, id: i64) -> StoreResult<StoredRule> {
    sqlx::query_as::<_, RuleRow>(select_rules!("WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?
        .try_into()
}

/// Rules whose scope lies inside `scope` (all for `None`), by scope then id.
pub async fn list_rules(
    conn: &mut AnyConnection,
    scope: Option<&OrgPath>,
) -> StoreResult<Vec<StoredRule>> {
    let start = scope.map(OrgPath::as_str);
    let end = start.map(prefix_end);
    records(
        sqlx::query_as::<_, RuleRow>(select_rules!(
            "WHERE CAST($1 AS TEXT) IS NULL OR (scope_path >= $1 AND scope_path < $2) \
             ORDER BY scope_path, id"
        ))
        .bind(start)
        .bind(end.as_deref())
        .fetch_all(&mut *conn)
        .await?,
    )
}

/// The active rules that may route a request located at `location`: those whose scope
/// is `location` or one of its ancestors.
pub async fn rules_for(
    conn: &mut AnyConnection,
    location: &OrgPath,
) -> StoreResult<Vec<RoutingRule>> {
    let ancestors: Vec<String> = {
        let mut out = Vec::new();
        let mut p: Option<OrgPath> = None;
        for id in location.ids() {
            let next = match &p {
                None => OrgPath::root(id),
                Some(parent) => parent.child(id),
            };
            out.push(next.as_str().to_owned());
            p = Some(next);
        }
        out
    };
    let mut rules = Vec::new();
    // A path is at most five levels deep (city → grid); one indexed read per level.
    for a in &ancestors {
        let rows: Vec<RuleRow> = sqlx::query_as(select_rules!(
            "WHERE scope_path = $1 AND active = 1 ORDER BY id"
        ))
        .bind(a.as_str())
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            rules.push(StoredRule::try_from(r)?.rule);
        }
    }
    Ok(rules)
}
