//! Repository of user accounts and their role assignments.

use civicgrid_domain::platform::access::{Assignment, Role};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::{corrupt, found, node_path, records};
use crate::{StoreError, StoreResult, now_ms, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A user with the stored password hash, for signing in only.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// An assignment joined with what the screens show about its node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentView {
    pub assignment: Assignment,
    pub user_id: i64,
    pub node_code: String,
    pub node_name_zh: String,
    pub node_name_en: String,
    pub node_kind: String,
}

macro_rules! select_users {
    ($rest:literal) => {
        concat!(
            "SELECT id, username, display_name, active, created_at, updated_at, password_hash FROM users ",
            $rest
        )
    };
}

/// A `users` row as [`select_users!`] reads it: `active` as 0 or 1, and the password
/// hash, which only [`Credentials`] carry on.
#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    active: i64,
    created_at: i64,
    updated_at: i64,
    password_hash: String,
}

impl From<UserRow> for Credentials {
    fn from(r: UserRow) -> Self {
        Credentials {
            user: User {
                id: r.id,
                username: r.username,
                display_name: r.display_name,
                active: r.active != 0,
                created_at: r.created_at,
                updated_at: r.updated_at,
            },
            password_hash: r.password_hash,
        }
    }
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        Credentials::from(r).user
    }
}

pub async fn insert_user(
    conn: &mut AnyConnection,
    username: &str,
    display_name: &str,
    password_hash: &str,
) -> StoreResult<User> {
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, active, created_at, updated_at) \
         VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
    )
    .bind(username)
    .bind(display_name)
    .bind(password_hash)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    get_user(conn, id).await
}

pub async fn get_user(conn: &mut AnyConnection, id: i64) -> StoreResult<User> {
    let row: UserRow = sqlx::query_as(select_users!("WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.into())
}

pub async fn find_credentials(
    conn: &mut AnyConnection,
    username: &str,
) -> StoreResult<Option<Credentials>> {
    let row: Option<UserRow> = sqlx::query_as(select_users!("WHERE username = $1"))
        .bind(username)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(Credentials::from))
}

pub async fn set_password_hash(
    conn: &mut AnyConnection,
    user_id: i64,
    password_hash: &str,
) -> StoreResult<()> {
    found(
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(now_ms())
            .bind(user_id)
            .execute(&mut *conn)
            .await?,
    )
}

pub async fn update_user(
    conn: &mut AnyConnection,
    user_id: i64,
    display_name: &str,
    active: bool,
) -> StoreResult<User> {
    found(
        sqlx::query(
            "UPDATE users SET display_name = $1, active = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(display_name)
        .bind(i64::from(active))
        .bind(now_ms())
        .bind(user_id)
        .execute(&mut *conn)
        .await?,
    )?;
    get_user(conn, user_id).await
}

/// Users holding at least one role inside one of `scopes` (all users when `None`),
/// optionally filtered by a username or display-name fragment, ordered by username.
pub async fn list_users(
    conn: &mut AnyConnection,
    scopes: Option<&[OrgPath]>,
    query: Option<&str>,
    limit: i64,
    offset: i64,
) -> StoreResult<Vec<User>> {
    let pattern = query
        .map(|q| format!("%{}%", like_escape(&q.trim().to_lowercase())))
        .unwrap_or_else(|| "%".into());
    let rows: Vec<UserRow> = match scopes {
        None => {
            sqlx::query_as(select_users!(
                "WHERE (LOWER(username) LIKE $1 ESCAPE '\\' OR LOWER(display_name) LIKE $1 ESCAPE '\\') \
                 ORDER BY username LIMIT $2 OFFSET $3"
            ))
            .bind(&pattern)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await?
        }
        Some(scopes) => {
            // One query per scope keeps the SQL static; scopes are few (a user's roles).
            let mut all = Vec::new();
            for scope in scopes {
                let rows: Vec<UserRow> = sqlx::query_as(select_users!(
                    "WHERE (LOWER(username) LIKE $1 ESCAPE '\\' OR LOWER(display_name) LIKE $1 ESCAPE '\\') \
                     AND id IN (SELECT ra.user_id FROM role_assignments ra \
                     JOIN org_nodes n ON n.id = ra.node_id WHERE n.path >= $2 AND n.path < $3) \
                     ORDER BY username LIMIT $4"
                ))
                .bind(&pattern)
                .bind(scope.as_str())
                .bind(prefix_end(scope.as_str()))
                .bind(limit.saturating_add(offset))
                .fetch_all(&mut *conn)
                .await?;
                all.extend(rows);
            }
            let mut users: Vec<User> = all.into_iter().map(User::from).collect();
            users.sort_by(|a, b| a.username.cmp(&b.username));
            users.dedup_by_key(|u| u.id);
            return Ok(users
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(0))
                .take(usize::try_from(limit).unwrap_or(0))
                .collect());
        }
    };
    Ok(rows.into_iter().map(User::from).collect())
}

/// Escapes `%`, `_` and `\` so a search text matches literally inside a LIKE pattern.
pub fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub async fn count_users(conn: &mut AnyConnection) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *conn)
        .await?)
}

pub async fn insert_assignment(
    conn: &mut AnyConnection,
    user_id: i64,
    role: Role,
    node_id: i64,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO role_assignments (user_id, role, node_id, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(role.as_str())
    .bind(node_id)
    .bind(now_ms())
    .fetch_one(&mut *conn)
    .await?)
}

pub async fn delete_assignment(conn: &mut AnyConnection, assignment_id: i64) -> StoreResult<()> {
    found(
        sqlx::query("DELETE FROM role_assignments WHERE id = $1")
            .bind(assignment_id)
            .execute(&mut *conn)
            .await?,
    )
}

/// A user's assignments with their nodes, ordered by role then node path.
pub async fn assignments_of(
    conn: &mut AnyConnection,
    user_id: i64,
) -> StoreResult<Vec<AssignmentView>> {
    let rows: Vec<AssignmentRow> = sqlx::query_as(
        "SELECT ra.id, ra.user_id, ra.role, ra.node_id, n.path, n.code, n.name_zh, n.name_en, n.kind \
         FROM role_assignments ra JOIN org_nodes n ON n.id = ra.node_id \
         WHERE ra.user_id = $1 ORDER BY ra.role, n.path",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    records(rows)
}

pub async fn get_assignment(
    conn: &mut AnyConnection,
    assignment_id: i64,
) -> StoreResult<AssignmentView> {
    sqlx::query_as::<_, AssignmentRow>(
        "SELECT ra.id, ra.user_id, ra.role, ra.node_id, n.path, n.code, n.name_zh, n.name_en, n.kind \
         FROM role_assignments ra JOIN org_nodes n ON n.id = ra.node_id WHERE ra.id = $1",
    )
    .bind(assignment_id)
    .fetch_one(&mut *conn)
    .await?
    .try_into()
}

/// A `role_assignments` row joined with its node: the role as its code.
#[derive(sqlx::FromRow)]
struct AssignmentRow {
    id: i64,
    user_id: i64,
    role: String,
    node_id: i64,
    path: Option<String>,
    code: String,
    name_zh: String,
    name_en: String,
    kind: String,
}

impl TryFrom<AssignmentRow> for AssignmentView {
    type Error = StoreError;

    fn try_from(r: AssignmentRow) -> StoreResult<Self> {
        Ok(AssignmentView {
            assignment: Assignment {
                id: r.id,
                role: Role::parse(&r.role).map_err(corrupt)?,
                node_id: r.node_id,
                path: node_path(r.path)?,
            },
            user_id: r.user_id,
            node_code: r.code,
            node_name_zh: r.name_zh,
            node_name_en: r.name_en,
            node_kind: r.kind,
        })
    }
}
