//! Shapes shared by several API modules: how nodes, users and times look in JSON, and
//! the small helpers for `201 Created` answers and optional write reasons.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use civicgrid_app::platform::org::OrgNode;
use civicgrid_app::platform::users::{AssignmentView, User as StoredUser};
use serde::{Deserialize, Deserializer, Serialize};

/// A stored UTC millisecond timestamp as a time (serialised as RFC 3339).
pub fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// `201 Created` with `Location` and the created resource.
pub fn created<T: Serialize>(location: String, body: T) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response()
}

/// `?reason=` of a delete: why it was done, kept in the audit log.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReasonQuery {
    /// Why this is done (kept in the audit log; at most 500 characters).
    #[param(max_length = 500)]
    pub reason: Option<String>,
}

/// Deserialises a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A node of the hierarchy.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Node {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// city, district, street, community or grid.
    pub kind: String,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// GeoJSON geometry (Polygon or MultiPolygon, WGS-84), or null.
    #[schema(value_type = Option<Object>)]
    pub boundary: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrgNode> for Node {
    fn from(n: OrgNode) -> Node {
        Node {
            id: n.id,
            parent_id: n.parent_id,
            kind: n.kind.as_str().to_owned(),
            boundary: n
                .boundary
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok()),
            code: n.code,
            name_zh: n.name_zh,
            name_en: n.name_en,
            created_at: time(n.created_at),
            updated_at: time(n.updated_at),
        }
    }
}

/// Turns a GeoJSON boundary given as an object (or as text) into the text the use cases
/// parse and validate.
pub fn boundary_text(v: Option<serde_json::Value>) -> Option<String> {
    match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    }
}

/// A user account (never its password hash).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<StoredUser> for User {
    fn from(u: StoredUser) -> User {
        User {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            active: u.active,
            created_at: time(u.created_at),
            updated_at: time(u.updated_at),
        }
    }
}

/// A role held by a user at a node.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoleAssignment {
    /// The assignment's id (for `DELETE /api/v1/users/{id}/roles/{assignment_id}`).
    pub id: i64,
    pub role: String,
    pub node_id: i64,
    pub node_kind: String,
    pub node_code: String,
    pub node_name_zh: String,
    pub node_name_en: String,
}

impl From<AssignmentView> for RoleAssignment {
    fn from(a: AssignmentView) -> RoleAssignment {
        RoleAssignment {
            id: a.assignment.id,
            role: a.assignment.role.as_str().to_owned(),
            node_id: a.assignment.node_id,
            node_kind: a.node_kind,
            node_code: a.node_code,
            node_name_zh: a.node_name_zh,
            node_name_en: a.node_name_en,
        }
    }
}

/// Schemas of the words the API accepts, from the lists the server checks them
/// against (so the document cannot drift from what is accepted).
pub mod words {
    use civicgrid_app::domain::platform::access::Role;
    use civicgrid_app::domain::platform::org::NodeKind;
    use civicgrid_app::domain::requests::routing::ROUTABLE_ROLES;
    use civicgrid_app::domain::requests::{ActionKind, Channel, Status};
    use utoipa::openapi::schema::{Object, ObjectBuilder, Type};

    fn one_of<'a>(values: impl IntoIterator<Item = &'a str>, description: &str) -> Object {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values))
            .description(Some(description))
            .build()
    }

    pub fn role() -> Object {
        one_of(Role::ALL.iter().map(|r| r.as_str()), "A role")
    }

    pub fn node_kind() -> Object {
        one_of(
            NodeKind::ALL.iter().map(|k| k.as_str()),
            "The node's level; defaults to the level below the parent",
        )
    }

    pub fn request_status() -> Object {
        one_of(Status::ALL.iter().map(|s| s.code()), "A request's status")
    }

    pub fn action() -> Object {
        one_of(
            ActionKind::ALL.iter().map(|a| a.code()),
            "An action of the state machine",
        )
    }

    /// The channels an API caller may name (`api` for integrations, the others for
    /// staff taking a request on a resident's behalf).
    pub fn intake_channel() -> Object {
        one_of(
            Channel::ALL
                .iter()
                .filter(|c| c.is_staff_intake() || **c == Channel::Api)
                .map(|c| c.code()),
            "api (default for tokens), staff_phone, staff_walk_in or patrol (staff only)",
        )
    }

    pub fn poor_rating() -> Object {
        one_of(["reopen", "flag"], "What a poor rating leads to")
    }

    /// `org:<id>` or `role:<role>` for a role requests can be routed to.
    pub fn party() -> Object {
        let roles: Vec<&str> = ROUTABLE_ROLES.iter().map(|r| r.as_str()).collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!(
                "^(org:[1-9][0-9]{{0,17}}|role:({}))$",
                roles.join("|")
            )))
            .description(Some("`org:<id>` or `role:<role>`"))
            .build()
    }
}
