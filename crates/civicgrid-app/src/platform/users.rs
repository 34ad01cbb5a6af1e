//! Use cases of user accounts and role assignments.

use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_domain::platform::account;
use civicgrid_store::platform::accounts as repo;
use civicgrid_store::platform::sessions;
use civicgrid_store::{AnyConnection, StoreError, now_ms};
use serde::Deserialize;

use crate::authz::{Change, reason, record, require_grant, require_somewhere};
use crate::platform::org::get_node;
use crate::{App, AppError, AppResult};

/// An account, a role assignment with its node's names, and a live session as the use
/// cases hand them out: plain records, the app's view of the stored ones.
pub use civicgrid_store::platform::accounts::{AssignmentView, User};
pub use civicgrid_store::platform::sessions::Session;

#[derive(Debug, Clone)]
pub struct UserView {
    pub user: User,
    pub assignments: Vec<AssignmentView>,
    pub sessions: Vec<Session>,
    /// May the reader manage this account (edit it, reset its password, grant and
    /// revoke its roles, sign it out)? Only who could grant every role it holds.
    pub manageable: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    /// The first role of the account.
    pub role: String,
    /// Id of the node the role is bound to.
    pub node_id: i64,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct UserEdit {
    pub display_name: String,
    pub active: bool,
}

/// A partial edit of an account: `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RoleGrant {
    pub role: String,
    pub node_id: i64,
}

fn parse_role(raw: &str) -> AppResult<Role> {
    Role::parse(raw.trim()).map_err(|e| AppError::invalid("role", e))
}

async fn get_user(conn: &mut AnyConnection, id: i64) -> AppResult<User> {
    repo::get_user(conn, id).await.map_err(|e| match e {
        StoreError::NotFound => AppError::NotFound("user"),
        other => other.into(),
    })
}

/// A user is visible to an actor holding `permission` where one of the user's roles
/// lies. A user without roles is visible only to the system and to system admins.
fn require_user_visible(
    actor: &Actor,
    permission: Permission,
    assignments: &[AssignmentView],
) -> AppResult<()> {
    let visible = if assignments.is_empty() {
        actor.is_system() || actor.roles().contains(&Role::SystemAdmin)
    } else {
        assignments
            .iter()
            .any(|a| actor.can(permission, &a.assignment.path))
    };
    if visible {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The roles `actor` may hand out somewhere, in role order: what a role picker offers
/// (granting checks the node as well).
pub fn grantable_roles(actor: &Actor) -> Vec<Role> {
    let mut roles: Vec<Role> = if actor.is_system() {
        Role::ALL.to_vec()
    } else {
        actor
            .assignments
            .iter()
            .filter(|a| a.role.has(Permission::ManageUsers))
            .flat_map(|a| a.role.grantable().iter().copied())
            .collect()
    };
    roles.sort();
    roles.dedup();
    roles
}

/// May `actor` manage the account holding `assignments`? See
/// [`Actor::can_manage_account`]: only who could grant every role it holds.
pub(crate) fn may_manage(actor: &Actor, assignments: &[AssignmentView]) -> bool {
    let held: Vec<_> = assignments.iter().map(|a| a.assignment.clone()).collect();
    actor.can_manage_account(&held)
}

/// Refuses unless `actor` may manage the account holding `assignments`.
pub(crate) fn require_manageable(actor: &Actor, assignments: &[AssignmentView]) -> AppResult<()> {
    if may_manage(actor, assignments) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Loads an account's roles and refuses unless `actor` may manage it.
pub(crate) async fn require_manageable_user(
    conn: &mut AnyConnection,
    actor: &Actor,
    user_id: i64,
) -> AppResult<Vec<AssignmentView>> {
    get_user(conn, user_id).await?;
    let assignments = repo::assignments_of(conn, user_id).await?;
    require_manageable(actor, &assignments)?;
    Ok(assignments)
}

/// The display names of the accounts `ids` (each read once); accounts since deleted
/// are left out. For naming people on pages that show records, not for authorising.
pub(crate) async fn display_names(
    conn: &mut AnyConnection,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<std::collections::HashMap<i64, String>> {
    let mut out = std::collections::HashMap::new();
    for id in ids {
        if out.contains_key(&id) {
            continue;
        }
        match repo::get_user(conn, id).await {
            Ok(u) => {
                out.insert(id, u.display_name);
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

impl App {
    pub async fn list_users(
        &self,
        actor: &Actor,
        query: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> AppResult<Vec<User>> {
        require_somewhere(actor, Permission::ViewUsers)?;
        let scopes = actor.scopes(Permission::ViewUsers);
        let mut conn = self.db.read().await?;
        Ok(repo::list_users(
            &mut conn,
            scopes.as_deref(),
            query.filter(|q| !q.trim().is_empty()),
            limit.clamp(1, 500),
            offset.max(0),
        )
        .await?)
    }

    pub async fn user(&self, actor: &Actor, id: i64) -> AppResult<UserView> {
        let mut conn = self.db.read().await?;
        let user = get_user(&mut conn, id).await?;
        let assignments = repo::assignments_of(&mut conn, id).await?;
        if actor.user_id != Some(id) {
            require_user_visible(actor, Permission::ViewUsers, &assignments)?;
        }
        let manageable = may_manage(actor, &assignments);
        let sessions = sessions::live_of_user(&mut conn, id, now_ms()).await?;
        Ok(UserView {
            user,
            assignments,
            sessions,
            manageable,
        })
    }

    /// Creates an account with its first role.
    pub async fn create_user(
        &self,
        actor: &Actor,
        input: &NewUser,
        why: Option<&str>,
    ) -> AppResult<User> {
        let why = reason(why)?;
        let username = account::validate_username(&input.username)
            .map_err(|e| AppError::invalid("username", e))?;
        let display_name = account::validate_display_name(&input.display_name)
            .map_err(|e| AppError::invalid("display_name", e))?;
        account::validate_password(&username, &input.password)
            .map_err(|e| AppError::invalid("password", e))?;
        let role = parse_role(&input.role)?;
        {
            // Check the grant before spending a password hash on it.
            let mut conn = self.db.read().await?;
            let node = get_node(&mut conn, input.node_id).await?;
            require_grant(actor, role, &node.path)?;
            role.check_scope_kind(node.kind)
                .map_err(|e| AppError::invalid("node_id", e))?;
        }
        let hash = self.hasher.hash(input.password.clone()).await?;
        let mut tx = self.db.begin_write().await?;
        let node = get_node(&mut tx, input.node_id).await?;
        let user = repo::insert_user(&mut tx, &username, &display_name, &hash).await?;
        let assignment_id = repo::insert_assignment(&mut tx, user.id, role, node.id).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "user.create",
                target_type: "user",
                target_id: user.id.to_string(),
                scope: Some(&node.path),
                reason: why.as_deref(),
                details: serde_json::json!({
                    "username": username, "role": role.as_str(), "node_id": node.id,
                    "assignment_id": assignment_id,
                }),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(user)
    }

    pub async fn update_user(
        &self,
        actor: &Actor,
        id: i64,
        edit: &UserEdit,
        why: Option<&str>,
    ) -> AppResult<User> {
        let patch = UserPatch {
            display_name: Some(edit.display_name.clone()),
            active: Some(edit.active),
        };
        self.patch_user(actor, id, &patch, why).await
    }

    /// Changes only the fields `patch` names; the rest keep their stored values.
    pub async fn patch_user(
        &self,
        actor: &Actor,
        id: i64,
        patch: &UserPatch,
        why: Option<&str>,
    ) -> AppResult<User> {
        let why = reason(why)?;
        let display_name = patch
            .display_name
            .as_deref()
            .map(|d| {
                account::validate_display_name(d).map_err(|e| AppError::invalid("display_name", e))
            })
            .transpose()?;
        let mut tx = self.db.begin_write().await?;
        let before = get_user(&mut tx, id).await?;
        let assignments = require_manageable_user(&mut tx, actor, id).await?;
        let active = patch.active.unwrap_or(before.active);
        if actor.user_id == Some(id) && !active {
            return Err(AppError::invalid(
                "active",
                "you cannot deactivate your own account",
            ));
        }
        let display_name = display_name.as_deref().unwrap_or(&before.display_name);
        let user = repo::update_user(&mut tx, id, display_name, active).await?;
        if !active {
            sessions::revoke_all_of_user(&mut tx, id, now_ms()).await?;
        }
        record(
            &mut tx,
            actor,
            Change {
                action: "user.update",
                target_type: "user",
                target_id: id.to_string(),
                scope: assignments.first().map(|a| &a.assignment.path),
                reason: why.as_deref(),
                details: serde_json::json!({
                    "display_name_changed": before.display_name != user.display_name,
                    "active": {"from": before.active, "to": user.active},
                }),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(user)
    }

    /// Sets a new password for another user and signs them out everywhere.
    pub async fn reset_password(
        &self,
        actor: &Actor,
        id: i64,
        new_password: &str,
        why: Option<&str>,
    ) -> AppResult<()> {
        let why = reason(why)?;
        let (user, assignments) = {
            let mut conn = self.db.read().await?;
            let user = get_user(&mut conn, id).await?;
            let assignments = repo::assignments_of(&mut conn, id).await?;
            (user, assignments)
        };
        require_manageable(actor, &assignments)?;
        account::validate_password(&user.username, new_password)
            .map_err(|e| AppError::invalid("password", e))?;
        let hash = self.hasher.hash(new_password.to_owned()).await?;
        let mut tx = self.db.begin_write().await?;
        repo::set_password_hash(&mut tx, id, &hash).await?;
        let revoked = sessions::revoke_all_of_user(&mut tx, id, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "user.password.reset",
                target_type: "user",
                target_id: id.to_string(),
                scope: assignments.first().map(|a| &a.assignment.path),
                reason: why.as_deref(),
                details: serde_json::json!({ "sessions_revoked": revoked }),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(())
    }

    pub async fn grant_role(
        &self,
        actor: &Actor,
        user_id: i64,
        grant: &RoleGrant,
        why: Option<&str>,
    ) -> AppResult<AssignmentView> {
        let why = reason(why)?;
        let role = parse_role(&grant.role)?;
        let mut tx = self.db.begin_write().await?;
        require_manageable_user(&mut tx, actor, user_id).await?;
        let node = get_node(&mut tx, grant.node_id).await.map_err(|_| {
            AppError::invalid("node_id", format!("no node has id {}", grant.node_id))
        })?;
        require_grant(actor, role, &node.path)?;
        role.check_scope_kind(node.kind)
            .map_err(|e| AppError::invalid("node_id", e))?;
        let id = repo::insert_assignment(&mut tx, user_id, role, node.id).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "user.role.grant",
                target_type: "user",
                target_id: user_id.to_string(),
                scope: Some(&node.path),
                reason: why.as_deref(),
                details: serde_json::json!({
                    "role": role.as_str(), "node_id": node.id, "assignment_id": id,
                }),
            },
        )
        .await?;
        let view = repo::get_assignment(&mut tx, id).await?;
        civicgrid_store::commit(tx).await?;
        Ok(view)
    }

    pub async fn revoke_role(
        &self,
        actor: &Actor,
        user_id: i64,
        assignment_id: i64,
        why: Option<&str>,
    ) -> AppResult<()> {
        let why = reason(why)?;
        let mut tx = self.db.begin_write().await?;
        let a = repo::get_assignment(&mut tx, assignment_id)
            .await
            .map_err(|_| AppError::NotFound("role assignment"))?;
        if a.user_id != user_id {
            return Err(AppError::NotFound("role assignment"));
        }
        require_manageable_user(&mut tx, actor, user_id).await?;
        require_grant(actor, a.assignment.role, &a.assignment.path)?;
        if actor.user_id == Some(user_id) && a.assignment.role == Role::SystemAdmin {
            return Err(AppError::invalid(
                "assignment_id",
                "you cannot revoke your own system_admin role",
            ));
        }
        repo::delete_assignment(&mut tx, assignment_id).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "user.role.revoke",
                target_type: "user",
                target_id: user_id.to_string(),
                scope: Some(&a.assignment.path),
                reason: why.as_deref(),
                details: serde_json::json!({
                    "role": a.assignment.role.as_str(), "node_id": a.assignment.node_id,
                    "assignment_id": assignment_id,
                }),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(())
    }

    /// Signs a user out everywhere (e.g. a lost phone).
    pub async fn revoke_sessions(
        &self,
        actor: &Actor,
        user_id: i64,
        why: Option<&str>,
    ) -> AppResult<u64> {
        let why = reason(why)?;
        let mut tx = self.db.begin_write().await?;
        get_user(&mut tx, user_id).await?;
        let assignments = repo::assignments_of(&mut tx, user_id).await?;
        if actor.user_id != Some(user_id) {
            require_manageable(actor, &assignments)?;
        }
        let n = sessions::revoke_all_of_user(&mut tx, user_id, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "user.sessions.revoke",
                target_type: "user",
                target_id: user_id.to_string(),
                scope: assignments.first().map(|a| &a.assignment.path),
                reason: why.as_deref(),
                details: serde_json::json!({ "sessions_revoked": n }),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(n)
    }
}
