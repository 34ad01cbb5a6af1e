//! Linking a user account to a resident record, so its holder sees their own household
//! and who accessed their data.

use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_store::commit;
use civicgrid_store::ledger as repo;

use super::{Changed, resident_in_scope};
use crate::platform::users::require_manageable_user;
use crate::{App, AppError, AppResult};

/// May `actor` link residents' accounts to records at `path`? Linking is managing an
/// account, so it takes both editing the ledger and granting the resident role there.
pub(crate) fn may_link_at(actor: &Actor, path: &OrgPath) -> bool {
    actor.can(Permission::EditLedger, path) && actor.can_grant(Role::Resident, path)
}

fn require_link_at(actor: &Actor, path: &OrgPath) -> AppResult<()> {
    if may_link_at(actor, path) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

impl App {
    /// Links a user account to a resident record (or unlinks with `None`), so the
    /// resident can see their own household.
    ///
    /// Every object the link touches is checked: the account must be a resident's
    /// account that the actor may manage (see [`Actor::can_manage_account`]), the new
    /// record must lie where the actor may edit the ledger, and so must the record the
    /// account was linked to before, which the link replaces.
    pub async fn link_user_resident(
        &self,
        actor: &Actor,
        user_id: i64,
        resident_id: Option<i64>,
    ) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        let held = require_manageable_user(&mut tx, actor, user_id).await?;
        let previous = repo::resident_of_user(&mut tx, user_id).await?;
        if previous == resident_id {
            return Ok(());
        }
        let previous_place = match previous {
            Some(id) => Some(resident_in_scope(&mut tx, actor, Permission::EditLedger, id).await?),
            None => None,
        };
        let target = match resident_id {
            Some(id) => {
                if !held.iter().any(|a| a.assignment.role == Role::Resident) {
                    return Err(AppError::invalid(
                        "username",
                        "only an account holding the resident role can be linked to a resident",
                    ));
                }
                let (r, path) =
                    resident_in_scope(&mut tx, actor, Permission::EditLedger, id).await?;
                require_link_at(actor, &path)?;
                Some((r, path))
            }
            None => None,
        };
        let Some((r, path)) = target.or(previous_place) else {
            return Ok(());
        };
        repo::link_user(&mut tx, user_id, resident_id).await?;
        let action = if resident_id.is_some() {
            "ledger.resident.link_user"
        } else {
            "ledger.resident.unlink_user"
        };
        let details = serde_json::json!({"user_id": user_id, "replaced_resident_id": previous});
        Changed::resident(r.id, &path, None)
            .audit(&mut tx, actor, action, details)
            .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Links the account `username` to a resident record (EditLedger in the resident's
    /// grid), so its holder sees their own household and who accessed their data.
    /// An account the actor may not manage is answered as one that does not exist.
    pub async fn link_username_to_resident(
        &self,
        actor: &Actor,
        resident_id: i64,
        username: &str,
    ) -> AppResult<()> {
        let username = username.trim().to_lowercase();
        if username.is_empty() {
            return Err(AppError::invalid("username", "give the account's username"));
        }
        let no_such_account = || {
            AppError::invalid(
                "username",
                "no resident account you manage has this username",
            )
        };
        let user_id = {
            let mut conn = self.db.read().await?;
            // Check the scope before saying whether an account exists.
            let (_, path) =
                resident_in_scope(&mut conn, actor, Permission::EditLedger, resident_id).await?;
            require_link_at(actor, &path)?;
            let user_id =
                civicgrid_store::platform::accounts::find_credentials(&mut conn, &username)
                    .await?
                    .map(|c| c.user.id)
                    .ok_or_else(no_such_account)?;
            match require_manageable_user(&mut conn, actor, user_id).await {
                Ok(held) if held.iter().any(|a| a.assignment.role == Role::Resident) => user_id,
                Ok(_) | Err(AppError::Forbidden) => return Err(no_such_account()),
                Err(e) => return Err(e),
            }
        };
        self.link_user_resident(actor, user_id, Some(resident_id))
            .await
    }
}
