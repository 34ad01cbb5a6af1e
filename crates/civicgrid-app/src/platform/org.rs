//! Use cases of the organisation hierarchy: browse, create, edit.

use civicgrid_domain::geo::Boundary;
use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_domain::platform::org::{self as rules, NodeKind};
use civicgrid_store::platform::org::{self as repo, NewNode, NodeUpdate};
use serde::Deserialize;

use crate::authz::{Change, reason, record, require, require_in_sight, require_somewhere};
use crate::{App, AppError, AppResult};

/// A node of the hierarchy as the use cases hand it out: a plain record (id, parent,
/// kind, code, names, path, boundary, times), the app's view of the stored one.
pub use civicgrid_store::platform::org::OrgNode;

/// A node as a screen shows it: where it sits and what it contains.
#[derive(Debug, Clone)]
pub struct NodeView {
    pub node: OrgNode,
    pub ancestors: Vec<OrgNode>,
    pub children: Vec<OrgNode>,
    pub counts: Vec<(NodeKind, i64)>,
}

/// What a user types to create a node.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NodeInput {
    /// The parent node; absent only for a new city.
    pub parent_id: Option<i64>,
    /// Defaults to the level below the parent.
    pub kind: Option<String>,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// A GeoJSON Polygon or MultiPolygon in WGS-84, or a Feature holding one.
    pub boundary: Option<String>,
}

/// What a user types to edit a node.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NodeEdit {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub boundary: Option<String>,
}

/// A partial edit of a node: `None` keeps a field; `boundary: Some(None)` removes the
/// boundary.
#[derive(Debug, Clone, Default)]
pub struct NodePatch {
    pub code: Option<String>,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub boundary: Option<Option<String>>,
}

fn parse_boundary(raw: Option<&str>) -> AppResult<Option<String>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => Boundary::parse_geojson(text)
            .map(|b| Some(b.to_geojson()))
            .map_err(|e| AppError::invalid("boundary", e)),
    }
}

impl App {
    /// The tops of the hierarchy this actor may browse.
    pub async fn visible_roots(&self, actor: &Actor) -> AppResult<Vec<OrgNode>> {
        require_somewhere(actor, Permission::ViewOrg)?;
        let mut conn = self.db.read().await?;
        match actor.scopes(Permission::ViewOrg) {
            None => Ok(repo::roots(&mut conn).await?),
            Some(paths) => {
                let mut out = Vec::new();
                for p in paths {
                    if let Some(id) = p.ids().last() {
                        out.push(repo::get(&mut conn, *id).await?);
                    }
                }
                Ok(out)
            }
        }
    }

    pub async fn node(&self, actor: &Actor, id: i64) -> AppResult<NodeView> {
        let mut conn = self.db.read().await?;
        let node = node_in_sight(&mut conn, actor, Permission::ViewOrg, id).await?;
        let ancestors = repo::ancestors(&mut conn, &node.path)
            .await?
            .into_iter()
            .filter(|a| a.id != node.id)
            .collect();
        let children = repo::children(&mut conn, node.id).await?;
        let counts = repo::count_by_kind(&mut conn, &node.path).await?;
        Ok(NodeView {
            node,
            ancestors,
            children,
            counts,
        })
    }

    /// A node named by its id, or by its code or name at any level (what the command
    /// line's `--scope` takes). A node the actor may not see is not found.
    pub async fn find_node(&self, actor: &Actor, id_or_code: &str) -> AppResult<OrgNode> {
        require_somewhere(actor, Permission::ViewOrg)?;
        let wanted = id_or_code.trim();
        let mut conn = self.db.read().await?;
        let mut found = match wanted.parse::<i64>() {
            Ok(id) => match get_node(&mut conn, id).await {
                Ok(node) => Some(node),
                Err(AppError::NotFound(_)) => None,
                Err(e) => return Err(e),
            },
            Err(_) => None,
        };
        for kind in NodeKind::ALL {
            if found.is_some() {
                break;
            }
            found = repo::find_by_code_or_name(&mut conn, kind, wanted).await?;
        }
        found
            .filter(|n| actor.can(Permission::ViewOrg, &n.path))
            .ok_or(AppError::NotFound("org node"))
    }

    /// How many nodes the hierarchy has (none in a fresh database), for who may browse
    /// it somewhere.
    pub async fn org_node_count(&self, actor: &Actor) -> AppResult<i64> {
        require_somewhere(actor, Permission::ViewOrg)?;
        let mut conn = self.db.read().await?;
        Ok(repo::count(&mut conn).await?)
    }

    /// A node and all its descendants (for maps and pickers).
    pub async fn subtree(&self, actor: &Actor, id: i64) -> AppResult<Vec<OrgNode>> {
        let mut conn = self.db.read().await?;
        let node = node_in_sight(&mut conn, actor, Permission::ViewOrg, id).await?;
        Ok(repo::subtree(&mut conn, &node.path).await?)
    }

    /// Every node the actor may browse, parents before children.
    pub async fn visible_nodes(&self, actor: &Actor) -> AppResult<Vec<OrgNode>> {
        let roots = self.visible_roots(actor).await?;
        let mut conn = self.db.read().await?;
        let mut out = Vec::new();
        for r in roots {
            out.extend(repo::subtree(&mut conn, &r.path).await?);
        }
        Ok(out)
    }

    pub async fn create_node(
        &self,
        actor: &Actor,
        input: &NodeInput,
        why: Option<&str>,
    ) -> AppResult<OrgNode> {
        let mut tx = self.db.begin_write().await?;
        let node = Self::create_node_in(&mut tx, actor, input, why).await?;
        civicgrid_store::commit(tx).await?;
        Ok(node)
    }

    /// Creates a node, with its audit entry, in the caller's transaction (an import
    /// creating many grids commits them together).
    pub async fn create_node_in(
        tx: &mut civicgrid_store::AnyConnection,
        actor: &Actor,
        input: &NodeInput,
        why: Option<&str>,
    ) -> AppResult<OrgNode> {
        let why = reason(why)?;
        let code = rules::validate_code(&input.code).map_err(|e| AppError::invalid("code", e))?;
        let name_zh = rules::validate_name("name_zh", &input.name_zh)
            .map_err(|e| AppError::invalid("name_zh", e))?;
        let name_en = rules::validate_name("name_en", &input.name_en)
            .map_err(|e| AppError::invalid("name_en", e))?;
        let boundary = parse_boundary(input.boundary.as_deref())?;
        require_somewhere(actor, Permission::ManageOrg)?;
        let parent = match input.parent_id {
            Some(pid) => {
                // A parent the actor cannot see is as absent as a missing one.
                let no_node = || AppError::invalid("parent_id", format!("no node has id {pid}"));
                let p = repo::get(&mut *tx, pid).await.map_err(|_| no_node())?;
                require_in_sight(
                    actor,
                    Permission::ManageOrg,
                    Permission::ViewOrg,
                    &p.path,
                    no_node,
                )?;
                Some(p)
            }
            None => None,
        };
        let kind = match (
            input
                .kind
                .as_deref()
                .map(str::trim)
                .filter(|k| !k.is_empty()),
            &parent,
        ) {
            (Some(k), _) => NodeKind::parse(k).map_err(|e| AppError::invalid("kind", e))?,
            (None, Some(p)) => p.kind.child_kind().ok_or_else(|| {
                AppError::invalid("parent_id", "a grid cannot contain other nodes")
            })?,
            (None, None) => NodeKind::City,
        };
        rules::check_placement(parent.as_ref().map(|p| p.kind), kind)
            .map_err(|e| AppError::invalid("kind", e))?;
        match &parent {
            Some(p) => require(actor, Permission::ManageOrg, &p.path)?,
            None if actor.is_system() || actor.roles().contains(&Role::SystemAdmin) => {}
            None => return Err(AppError::Forbidden),
        }
        let node = repo::insert(
            &mut *tx,
            &NewNode {
                parent: parent.as_ref(),
                kind,
                code: &code,
                name_zh: &name_zh,
                name_en: &name_en,
                boundary: boundary.as_deref(),
            },
        )
        .await?;
        record(
            &mut *tx,
            actor,
            Change {
                action: "org.node.create",
                target_type: "org_node",
                target_id: node.id.to_string(),
                scope: Some(&node.path),
                reason: why.as_deref(),
                details: serde_json::json!({
                    "kind": kind.as_str(), "code": code, "name_zh": name_zh, "name_en": name_en,
                    "boundary": boundary.is_some(),
                }),
            },
        )
        .await?;
        Ok(node)
    }

    pub async fn update_node(
        &self,
        actor: &Actor,
        id: i64,
        edit: &NodeEdit,
        why: Option<&str>,
    ) -> AppResult<OrgNode> {
        let patch = NodePatch {
            code: Some(edit.code.clone()),
            name_zh: Some(edit.name_zh.clone()),
            name_en: Some(edit.name_en.clone()),
            boundary: Some(edit.boundary.clone()),
        };
        self.patch_node(actor, id, &patch, why).await
    }

    /// Changes only the fields `patch` names; the rest keep their stored values
    /// (read in the same write transaction, so concurrent edits are not lost).
    pub async fn patch_node(
        &self,
        actor: &Actor,
        id: i64,
        patch: &NodePatch,
        why: Option<&str>,
    ) -> AppResult<OrgNode> {
        let why = reason(why)?;
        let code = patch
            .code
            .as_deref()
            .map(|c| rules::validate_code(c).map_err(|e| AppError::invalid("code", e)))
            .transpose()?;
        let name_zh = patch
            .name_zh
            .as_deref()
            .map(|n| {
                rules::validate_name("name_zh", n).map_err(|e| AppError::invalid("name_zh", e))
            })
            .transpose()?;
        let name_en = patch
            .name_en
            .as_deref()
            .map(|n| {
                rules::validate_name("name_en", n).map_err(|e| AppError::invalid("name_en", e))
            })
            .transpose()?;
        let boundary = patch
            .boundary
            .as_ref()
            .map(|b| parse_boundary(b.as_deref()))
            .transpose()?;
        let mut tx = self.db.begin_write().await?;
        let before = node_in_sight(&mut tx, actor, Permission::ManageOrg, id).await?;
        let node = repo::update(
            &mut tx,
            id,
            &NodeUpdate {
                code: code.as_deref().unwrap_or(&before.code),
                name_zh: name_zh.as_deref().unwrap_or(&before.name_zh),
                name_en: name_en.as_deref().unwrap_or(&before.name_en),
                boundary: match &boundary {
                    Some(b) => b.as_deref(),
                    None => before.boundary.as_deref(),
                },
            },
        )
        .await?;
        let mut changed = serde_json::Map::new();
        for (field, old, new) in [
            ("code", &before.code, &node.code),
            ("name_zh", &before.name_zh, &node.name_zh),
            ("name_en", &before.name_en, &node.name_en),
        ] {
            if old != new {
                changed.insert(field.into(), serde_json::json!({"from": old, "to": new}));
            }
        }
        if before.boundary != node.boundary {
            changed.insert("boundary".into(), serde_json::json!("changed"));
        }
        record(
            &mut tx,
            actor,
            Change {
                action: "org.node.update",
                target_type: "org_node",
                target_id: node.id.to_string(),
                scope: Some(&node.path),
                reason: why.as_deref(),
                details: serde_json::Value::Object(changed),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(node)
    }
}

pub(crate) async fn get_node(
    conn: &mut civicgrid_store::AnyConnection,
    id: i64,
) -> AppResult<OrgNode> {
    repo::get(conn, id).await.map_err(|e| match e {
        civicgrid_store::StoreError::NotFound => AppError::NotFound("org node"),
        other => other.into(),
    })
}

/// Loads a node for `permission`; a node the actor cannot see (no
/// [`Permission::ViewOrg`] there) is not found, as a missing one. One who may use
/// `permission` nowhere is refused before anything is read.
pub(crate) async fn node_in_sight(
    conn: &mut civicgrid_store::AnyConnection,
    actor: &Actor,
    permission: Permission,
    id: i64,
) -> AppResult<OrgNode> {
    require_somewhere(actor, permission)?;
    let node = get_node(conn, id).await?;
    require_in_sight(actor, permission, Permission::ViewOrg, &node.path, || {
        AppError::NotFound("org node")
    })?;
    Ok(node)
}

impl App {
    /// A node as its edit and add-child forms show it: only for those who may change it.
    pub async fn manageable_node(&self, actor: &Actor, id: i64) -> AppResult<NodeView> {
        require_somewhere(actor, Permission::ManageOrg)?;
        let view = self.node(actor, id).await?;
        require(actor, Permission::ManageOrg, &view.node.path)?;
        Ok(view)
    }

    /// Every node inside the actor's scopes for `permission`, parents before children:
    /// the choices of a picker such as "where may I grant this role" or "issue a token".
    pub async fn nodes_for(
        &self,
        actor: &Actor,
        permission: Permission,
    ) -> AppResult<Vec<OrgNode>> {
        require_somewhere(actor, permission)?;
        let mut conn = self.db.read().await?;
        let roots = match actor.scopes(permission) {
            None => repo::roots(&mut conn).await?,
            Some(paths) => {
                let mut out = Vec::new();
                for p in paths {
                    if let Some(id) = p.ids().last() {
                        out.push(repo::get(&mut conn, *id).await?);
                    }
                }
                out
            }
        };
        let mut out = Vec::new();
        for r in roots {
            out.extend(repo::subtree(&mut conn, &r.path).await?);
        }
        Ok(out)
    }
}
