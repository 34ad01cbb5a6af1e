//! Linking a user account to a resident record, so its holder sees their own household
//! and who accessed their data.

use civicgrid_domain::access::{Actor, Permission};
use civicgrid_store::commit;
use civicgrid_store::ledger as repo;

use super::resident_in_scope;
use crate::authz::{Change, record};
use crate::{App, AppError, AppResult};

impl App {
    /// Links a user account to a resident record (or unlinks with `None`), so the
    /// resident can see their own household.
    pub async fn link_user_resident(
        &self,
        actor: &Actor,
        user_id: i64,
        resident_id: Option<i64>,
    ) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        let target = match resident_id {
            Some(id) => Some(resident_in_scope(&mut tx, actor, Permission::EditLedger, id).await?),
            None => {
                let current = repo::resident_of_user(&mut tx, user_id).await?;
                match current {
                    Some(id) => {
                        Some(resident_in_scope(&mut tx, actor, Permission::EditLedger, id).await?)
                    }
                    None => None,
                }
            }
        };
        civicgrid_store::accounts::get_user(&mut tx, user_id)
            .await
            .map_err(|_| AppError::NotFound("user"))?;
        let Some((r, path)) = target else {
            return Ok(());
        };
        repo::link_user(&mut tx, user_id, resident_id).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: if resident_id.is_some() {
                    "ledger.resident.link_user"
                } else {
                    "ledger.resident.unlink_user"
                },
                target_type: "resident",
                target_id: r.id.to_string(),
                scope: Some(&path),
                reason: None,
                details: serde_json::json!({"user_id": user_id}),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Links the account `username` to a resident record (EditLedger in the resident's
    /// grid), so its holder sees their own household and who accessed their data.
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
        let user_id = {
            let mut conn = self.db.read().await?;
            // Check the scope before saying whether an account exists.
            resident_in_scope(&mut conn, actor, Permission::EditLedger, resident_id).await?;
            civicgrid_store::accounts::find_credentials(&mut conn, &username)
                .await?
                .map(|c| c.user.id)
                .ok_or_else(|| AppError::invalid("username", "no account has this username"))?
        };
        self.link_user_resident(actor, user_id, Some(resident_id))
            .await
    }
}
