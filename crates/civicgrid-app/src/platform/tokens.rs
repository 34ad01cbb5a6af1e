//! Use cases of API tokens for integrations. A token is shown once, stored hashed.

use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_store::now_ms;
use civicgrid_store::platform::tokens as repo;
use serde::Deserialize;

use crate::authz::{Change, reason, record, require_in_sight, require_somewhere};
use crate::platform::auth::{new_secret, secret_hash};
use crate::platform::org::get_node;
use crate::{App, AppError, AppResult};

/// An API token as listed (never its secret): a plain record, the app's view of the
/// stored one.
pub use civicgrid_store::platform::tokens::ApiToken;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    pub name: String,
    pub role: String,
    pub node_id: i64,
}

/// A newly issued token: `secret` is shown to the caller this once and never again.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// Prefix of every API token, so that leaked ones are easy to recognise.
pub const TOKEN_PREFIX: &str = "cg_";

impl App {
    pub async fn create_token(
        &self,
        actor: &Actor,
        input: &NewToken,
        why: Option<&str>,
    ) -> AppResult<IssuedToken> {
        let why = reason(why)?;
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(AppError::invalid("name", "must be 1–64 characters"));
        }
        let role = Role::parse(input.role.trim()).map_err(|e| AppError::invalid("role", e))?;
        require_somewhere(actor, Permission::ManageTokens)?;
        let mut tx = self.db.begin_write().await?;
        // A node the actor cannot see is as absent as a missing one.
        let no_node = || AppError::invalid("node_id", format!("no node has id {}", input.node_id));
        let node = get_node(&mut tx, input.node_id)
            .await
            .map_err(|_| no_node())?;
        require_in_sight(
            actor,
            Permission::ManageTokens,
            Permission::ViewOrg,
            &node.path,
            no_node,
        )?;
        role.check_scope_kind(node.kind)
            .map_err(|e| AppError::invalid("node_id", e))?;
        let secret = format!("{TOKEN_PREFIX}{}", new_secret());
        let token = repo::insert(&mut tx, name, &secret_hash(&secret), role, node.id).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "token.create",
                target_type: "api_token",
                target_id: token.id.to_string(),
                scope: Some(&node.path),
                reason: why.as_deref(),
                details: serde_json::json!({"name": name, "role": role.as_str(), "node_id": node.id}),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(IssuedToken { token, secret })
    }

    /// Tokens whose scope lies inside the actor's.
    pub async fn list_tokens(&self, actor: &Actor) -> AppResult<Vec<ApiToken>> {
        require_somewhere(actor, Permission::ManageTokens)?;
        let mut conn = self.db.read().await?;
        Ok(repo::list(&mut conn)
            .await?
            .into_iter()
            .filter(|t| actor.can(Permission::ManageTokens, &t.node_path))
            .collect())
    }

    pub async fn revoke_token(&self, actor: &Actor, id: i64, why: Option<&str>) -> AppResult<()> {
        let why = reason(why)?;
        require_somewhere(actor, Permission::ManageTokens)?;
        let mut tx = self.db.begin_write().await?;
        let token = repo::get(&mut tx, id)
            .await
            .map_err(|_| AppError::NotFound("api token"))?;
        // Tokens are listed to those who manage them there; to anyone else a token
        // outside their scope is not found.
        require_in_sight(
            actor,
            Permission::ManageTokens,
            Permission::ManageTokens,
            &token.node_path,
            || AppError::NotFound("api token"),
        )?;
        repo::revoke(&mut tx, id, now_ms())
            .await
            .map_err(|_| AppError::Conflict("the token is already revoked".into()))?;
        record(
            &mut tx,
            actor,
            Change {
                action: "token.revoke",
                target_type: "api_token",
                target_id: id.to_string(),
                scope: Some(&token.node_path),
                reason: why.as_deref(),
                details: serde_json::json!({"name": token.name}),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        self.verified_tokens.clear();
        Ok(())
    }
}
