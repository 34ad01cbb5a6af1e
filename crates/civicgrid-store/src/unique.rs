//! Which uniqueness rule a write broke, decided here and nowhere else.
//!
//! Each rule of the schema that a write can break is named by the constraint (or
//! unique index) PostgreSQL knows it by. PostgreSQL reports that name with the error;
//! SQLite reports the columns instead (`UNIQUE constraint failed: users.username`), so
//! each rule also lists them. A violation of a rule missing from [`RULES`] keeps the
//! name (or columns) the database gave, as [`Unique::Other`].
//!
//! | rule | PostgreSQL constraint | SQLite columns |
//! |---|---|---|
//! | [`Unique::NodeCode`] | `org_nodes_code_key` | `org_nodes.code` |
//! | [`Unique::NodePath`] | `org_nodes_path_key` | `org_nodes.path` |
//! | [`Unique::Username`] | `users_username_key` | `users.username` |
//! | [`Unique::RoleAssignment`] | `role_assignments_user_id_role_node_id_key` | `role_assignments.user_id, role_assignments.role, role_assignments.node_id` |
//! | [`Unique::SessionToken`] | `sessions_token_hash_key` | `sessions.token_hash` |
//! | [`Unique::TokenName`] | `api_tokens_name_key` | `api_tokens.name` |
//! | [`Unique::TokenHash`] | `api_tokens_token_hash_key` | `api_tokens.token_hash` |
//! | [`Unique::BuildingName`] | `buildings_grid_id_name_key` | `buildings.grid_id, buildings.name` |
//! | [`Unique::UnitName`] | `units_building_id_name_key` | `units.building_id, units.name` |
//! | [`Unique::RoomName`] | `rooms_unit_id_name_key` | `rooms.unit_id, rooms.name` |
//! | [`Unique::ResidentIdNumber`] | `residents_id_number` (an index) | `residents.id_number_idx` |
//! | [`Unique::ResidentTag`] | `resident_tags_pkey` | `resident_tags.resident_id, resident_tags.tag_code` |
//! | [`Unique::Open311Token`] | `request_open311_tokens_pkey` | `request_open311_tokens.token` |

use std::fmt;

/// A uniqueness rule of the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unique {
    /// An org node's code.
    NodeCode,
    /// An org node's materialised path.
    NodePath,
    Username,
    /// One role of one user at one node.
    RoleAssignment,
    /// A session's token hash.
    SessionToken,
    /// An API token's name.
    TokenName,
    /// An API token's hash.
    TokenHash,
    /// A building's name within its grid.
    BuildingName,
    /// A unit's name within its building.
    UnitName,
    /// A room's name within its unit.
    RoomName,
    /// A resident's ID number (by its blind index).
    ResidentIdNumber,
    /// One tag of one resident.
    ResidentTag,
    /// A request's Open311 token.
    Open311Token,
    /// A rule not listed here: the constraint's name as PostgreSQL gave it, or the
    /// columns SQLite named.
    Other(String),
}

/// Every listed rule: its PostgreSQL constraint name and the columns SQLite names.
const RULES: &[(Unique, &str, &str)] = &[
    (Unique::NodeCode, "org_nodes_code_key", "org_nodes.code"),
    (Unique::NodePath, "org_nodes_path_key", "org_nodes.path"),
    (Unique::Username, "users_username_key", "users.username"),
    (
        Unique::RoleAssignment,
        "role_assignments_user_id_role_node_id_key",
        "role_assignments.user_id, role_assignments.role, role_assignments.node_id",
    ),
    (
        Unique::SessionToken,
        "sessions_token_hash_key",
        "sessions.token_hash",
    ),
    (Unique::TokenName, "api_tokens_name_key", "api_tokens.name"),
    (
        Unique::TokenHash,
        "api_tokens_token_hash_key",
        "api_tokens.token_hash",
    ),
    (
        Unique::BuildingName,
        "buildings_grid_id_name_key",
        "buildings.grid_id, buildings.name",
    ),
    (
        Unique::UnitName,
        "units_building_id_name_key",
        "units.building_id, units.name",
    ),
    (
        Unique::RoomName,
        "rooms_unit_id_name_key",
        "rooms.unit_id, rooms.name",
    ),
    (
        Unique::ResidentIdNumber,
        "residents_id_number",
        "residents.id_number_idx",
    ),
    (
        Unique::ResidentTag,
        "resident_tags_pkey",
        "resident_tags.resident_id, resident_tags.tag_code",
    ),
    (
        Unique::Open311Token,
        "request_open311_tokens_pkey",
        "request_open311_tokens.token",
    ),
];

/// How SQLite begins the message of a broken uniqueness rule, before the columns.
const SQLITE_PREFIX: &str = "UNIQUE constraint failed: ";

impl Unique {
    /// The rule a violation broke: by `constraint`, the name PostgreSQL reports, or
    /// else by the columns in SQLite's `message`.
    pub fn of_violation(constraint: Option<&str>, message: &str) -> Unique {
        match constraint {
            Some(name) => RULES
                .iter()
                .find(|(_, pg, _)| *pg == name)
                .map_or_else(|| Unique::Other(name.to_owned()), |(u, _, _)| u.clone()),
            None => {
                let columns = message.strip_prefix(SQLITE_PREFIX).unwrap_or(message);
                RULES
                    .iter()
                    .find(|(_, _, cols)| *cols == columns)
                    .map_or_else(|| Unique::Other(columns.to_owned()), |(u, _, _)| u.clone())
            }
        }
    }

    /// The rule's stable name: its PostgreSQL constraint name (for [`Unique::Other`],
    /// what the database named).
    pub fn name(&self) -> &str {
        match self {
            Unique::Other(name) => name,
            listed => RULES
                .iter()
                .find(|(u, _, _)| u == listed)
                .map_or("", |(_, pg, _)| pg),
        }
    }
}

impl fmt::Display for Unique {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
