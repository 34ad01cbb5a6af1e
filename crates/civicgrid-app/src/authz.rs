//! The one place where authorization is decided and where changes are recorded.
//!
//! Use cases call [`require`] (or [`require_grant`]) before touching data, and
//! [`record`] inside the transaction of every governance change.

use civicgrid_domain::access::{Actor, Permission, Role};
use civicgrid_domain::audit::AuditFields;
use civicgrid_domain::org::OrgPath;
use civicgrid_store::{AnyConnection, audit, now_ms};

use crate::{AppError, AppResult};

/// Allows the action when `actor` holds `permission` in a scope containing `target`.
pub fn require(actor: &Actor, permission: Permission, target: &OrgPath) -> AppResult<()> {
    if actor.can(permission, target) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Allows the action when `actor` holds `permission` anywhere (for actions that are
/// then narrowed to the actor's scopes, such as listings).
pub fn require_somewhere(actor: &Actor, permission: Permission) -> AppResult<()> {
    if actor.can_somewhere(permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Allows granting or revoking `role` at `target`.
pub fn require_grant(actor: &Actor, role: Role, target: &OrgPath) -> AppResult<()> {
    if actor.can_grant(role, target) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// A change to record in the audit log.
pub struct Change<'a> {
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: String,
    pub scope: Option<&'a OrgPath>,
    pub reason: Option<&'a str>,
    pub details: serde_json::Value,
}

/// Appends the audit entry for `change` on the caller's transaction.
pub async fn record(conn: &mut AnyConnection, actor: &Actor, change: Change<'_>) -> AppResult<i64> {
    Ok(audit::append(conn, &audit_fields(actor, change)).await?)
}

/// The audit entry of `change` by `actor`, timed now (for writers that append many
/// at once).
pub fn audit_fields(actor: &Actor, change: Change<'_>) -> AuditFields {
    AuditFields {
        at_ms: now_ms(),
        actor_user_id: actor.user_id,
        actor_token_id: actor.token_id,
        actor_label: actor.label.clone(),
        action: change.action.to_owned(),
        target_type: change.target_type.to_owned(),
        target_id: change.target_id,
        scope_path: change.scope.map(|p| p.as_str().to_owned()),
        reason: change
            .reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
        details: change.details.to_string(),
    }
}

/// Trims a stated reason and bounds its length.
pub fn reason(raw: Option<&str>) -> AppResult<Option<String>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) if r.chars().count() > 500 => Err(AppError::invalid(
            "reason",
            "must be at most 500 characters",
        )),
        Some(r) => Ok(Some(r.to_owned())),
    }
}
