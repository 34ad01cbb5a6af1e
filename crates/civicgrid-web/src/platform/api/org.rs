//! `/api/v1/org/nodes`: the organisation hierarchy (city → district → street →
//! community → grid).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::platform::org::{NodeInput, NodePatch};
use serde::{Deserialize, Serialize};

use crate::api::{Node, boundary_text, created, present, words};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/org/nodes", list_nodes)
        .post("/api/v1/org/nodes", create_node)
        .get("/api/v1/org/nodes/{id}", get_node)
        .patch("/api/v1/org/nodes/{id}", update_node)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NodeQuery {
    /// Only the children of this node (default: every node the caller may see).
    pub parent_id: Option<i64>,
}

/// A node with where it sits and what it holds.
#[derive(Serialize, utoipa::ToSchema)]
pub struct NodeDetail {
    pub node: Node,
    /// Ids of the node's ancestors, from the top of the hierarchy down.
    pub ancestor_ids: Vec<i64>,
    pub children: Vec<Node>,
    /// Number of nodes of each kind in the subtree (the node itself included).
    pub counts: BTreeMap<String, i64>,
}

/// A new node. `boundary` is a GeoJSON Polygon or MultiPolygon (or a Feature holding
/// one) in WGS-84, given as an object or as text.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateNode {
    /// The parent node; absent only for a new city.
    pub parent_id: Option<i64>,
    /// Defaults to the level below the parent.
    #[schema(schema_with = words::node_kind)]
    pub kind: Option<String>,
    /// Letters, digits, `-` and `_`; unique.
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9_-]+$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name_zh: String,
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name_en: String,
    #[schema(value_type = Option<Object>)]
    pub boundary: Option<serde_json::Value>,
    /// Why (kept in the audit log).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A partial edit: absent fields keep their value; `"boundary": null` removes the
/// boundary.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UpdateNode {
    #[schema(min_length = 1, max_length = 32, pattern = "^[A-Za-z0-9_-]+$")]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name_zh: Option<String>,
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub name_en: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    pub boundary: Option<Option<serde_json::Value>>,
    /// Why (kept in the audit log).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/org/nodes", tag = "org", params(NodeQuery),
    responses(
        (status = 200, body = Vec<Node>, description = "Parents before children"),
        (status = 404, body = ErrorBody, description = "No such parent"),
    ))]
pub async fn list_nodes(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<NodeQuery>,
) -> ApiResult<Json<Vec<Node>>> {
    let nodes = match q.parent_id {
        Some(id) => st.app.node(&caller.actor, id).await?.children,
        None => st.app.visible_nodes(&caller.actor).await?,
    };
    Ok(Json(nodes.into_iter().map(Node::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/org/nodes", tag = "org", request_body = CreateNode,
    responses(
        (status = 201, body = Node, headers(("Location" = String))),
        (status = 409, body = ErrorBody, description = "The code is taken"),
    ))]
pub async fn create_node(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CreateNode>,
) -> ApiResult<Response> {
    let input = NodeInput {
        parent_id: body.parent_id,
        kind: body.kind,
        code: body.code,
        name_zh: body.name_zh,
        name_en: body.name_en,
        boundary: boundary_text(body.boundary),
    };
    let node = st
        .app
        .create_node(&caller.actor, &input, body.reason.as_deref())
        .await?;
    Ok(created(
        format!("/api/v1/org/nodes/{}", node.id),
        Node::from(node),
    ))
}

#[utoipa::path(get, path = "/api/v1/org/nodes/{id}", tag = "org",
    params(("id" = i64, Path)),
    responses((status = 200, body = NodeDetail)))]
pub async fn get_node(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<NodeDetail>> {
    let view = st.app.node(&caller.actor, id).await?;
    Ok(Json(NodeDetail {
        ancestor_ids: view.ancestors.iter().map(|a| a.id).collect(),
        children: view.children.into_iter().map(Node::from).collect(),
        counts: view
            .counts
            .into_iter()
            .map(|(kind, n)| (kind.as_str().to_owned(), n))
            .collect(),
        node: Node::from(view.node),
    }))
}

#[utoipa::path(patch, path = "/api/v1/org/nodes/{id}", tag = "org",
    params(("id" = i64, Path)), request_body = UpdateNode,
    responses(
        (status = 200, body = Node),
        (status = 409, body = ErrorBody),
    ))]
pub async fn update_node(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateNode>,
) -> ApiResult<Json<Node>> {
    let patch = NodePatch {
        code: body.code,
        name_zh: body.name_zh,
        name_en: body.name_en,
        boundary: body.boundary.map(boundary_text),
    };
    let node = st
        .app
        .patch_node(&caller.actor, id, &patch, body.reason.as_deref())
        .await?;
    Ok(Json(Node::from(node)))
}
