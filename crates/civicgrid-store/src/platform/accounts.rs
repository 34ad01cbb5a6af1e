//! Repository of user accounts and their role assignments.

use civicgrid_domain::platform::access::{Assignment, Role};
use civicgrid_domain::platform::org::OrgPath;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::repo::found;
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

fn user_from_row(row: &AnyRow) -> StoreResult<User> {
    let active: i64 = row.try_get("active")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        active: active != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
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
    let row = sqlx::query(select_users!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    user_from_row(&row)
}

pub async fn find_credentials(
    conn: &mut AnyConnection,
    username: &str,
) -> StoreResult<Option<Credentials>> {
    let row = sqlx::query(select_users!("WHERE username = $1"))
        .bind(username)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        None => Ok(None),
        Some(row) => Ok(Some(Credentials {
            user: user_from_row(&row)?,
            password_hash: row.try_get("password_hash")?,
        })),
    }
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
    let rows = match scopes {
        None => {
            sqlx::query(select_users!(
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
                let rows = sqlx::query(select_users!(
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
            let mut users = all
                .iter()
                .map(user_from_row)
                .collect::<StoreResult<Vec<_>>>()?;
            users.sort_by(|a, b| a.username.cmp(&b.username));
            users.dedup_by_key(|u| u.id);
            return Ok(users
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(0))
                .take(usize::try_from(limit).unwrap_or(0))
                .collect());
        }
    };
    rows.iter().map(user_from_row).collect()
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
    let rows = sqlx::query(
        "SELECT ra.id, ra.user_id, ra.role, ra.node_id, n.path, n.code, n.name_zh, n.name_en, n.kind \
         FROM role_assignments ra JOIN org_nodes n ON n.id = ra.node_id \
         WHERE ra.user_id = $1 ORDER BY ra.role, n.path",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(assignment_from_row).collect()
}

pub async fn get_assignment(
    conn: &mut AnyConnection,
    assignment_id: i64,
) -> StoreResult<AssignmentView> {
    let row = sqlx::query(
        "SELECT ra.id, ra.user_id, ra.role, ra.node_id, n.path, n.code, n.name_zh, n.name_en, n.kind \
         FROM role_assignments ra JOIN org_nodes n ON n.id = ra.node_id WHERE ra.id = $1",
    )
    .bind(assignment_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    assignment_from_row(&row)
}

fn assignment_from_row(row: &AnyRow) -> StoreResult<AssignmentView> {
    let role: String = row.try_get("role")?;
    let path: Option<String> = row.try_get("path")?;
    Ok(AssignmentView {
        assignment: Assignment {
            id: row.try_get("id")?,
            role: Role::parse(&role).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            node_id: row.try_get("node_id")?,
            path: OrgPath::from_stored(
                path.ok_or_else(|| StoreError::Corrupt("org node without a path".into()))?,
            ),
        },
        user_id: row.try_get("user_id")?,
        node_code: row.try_get("code")?,
        node_name_zh: row.try_get("name_zh")?,
        node_name_en: row.try_get("name_en")?,
        node_kind: row.try_get("kind")?,
    })
}
