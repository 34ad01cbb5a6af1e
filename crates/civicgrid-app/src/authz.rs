//! The one place where authorization is decided and where changes are recorded.
//!
//! Use cases call [`require`] (or [`require_grant`]) before touching data, and
//! [`record`] inside the transaction of every governance change.

use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_domain::platform::audit::{AuditFields, MAX_REASON_CHARS};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_store::{AnyConnection, now_ms, platform::audit};

use crate::{AppError, AppResult};

/// Allows the action when `actor` holds `permission` in a scope containing `target`.
pub fn require(actor: &Actor, permission: Permission, target: &OrgPath) -> AppResult<()> {
    if actor.can(permission, target) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Allows `permission` on something at `target` without revealing what the actor may
/// not see: where the actor has no `sight` of `target` the answer is `hidden()` (what a
/// missing record answers, so that ids cannot be probed); where they see it but may
/// not do this, [`AppError::Forbidden`] (which reveals nothing new).
///
/// Call [`require_somewhere`] for `permission` *before* loading the record: one who may
/// do this nowhere is refused alike for every id, existing or not.
pub fn require_in_sight(
    actor: &Actor,
    permission: Permission,
    sight: Permission,
    target: &OrgPath,
    hidden: impl FnOnce() -> AppError,
) -> AppResult<()> {
    if actor.can(permission, target) {
        Ok(())
    } else if actor.can(sight, target) || !actor.can_somewhere(permission) {
        Err(AppError::Forbidden)
    } else {
        Err(hidden())
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
        Some(r) => within_reason_limit("reason", r).map(|r| Some(r.to_owned())),
    }
}

/// `stated` (a reason, a purpose) when it is no longer than the audit log keeps, else
/// an error on `field`.
pub(crate) fn within_reason_limit<'a>(field: &'static str, stated: &'a str) -> AppResult<&'a str> {
    if stated.chars().count() > MAX_REASON_CHARS {
        Err(AppError::invalid(
            field,
            format_args!("must be at most {MAX_REASON_CHARS} characters"),
        ))
    } else {
        Ok(stated)
    }
}

/// The subtrees where `actor` holds `permission`, the whole tree for the system: the
/// scopes a listing reads, one by one.
pub(crate) fn scopes(actor: &Actor, permission: Permission) -> Vec<OrgPath> {
    actor
        .scopes(permission)
        .unwrap_or_else(|| vec![OrgPath::from_stored(String::new())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use civicgrid_domain::platform::access::Assignment;

    fn actor(role: Role, path: &OrgPath) -> Actor {
        Actor {
            user_id: Some(1),
            token_id: None,
            label: "t".into(),
            assignments: vec![Assignment {
                id: 1,
                role,
                node_id: path.ids().last().copied().unwrap_or(0),
                path: path.clone(),
            }],
        }
    }

    #[test]
    fn what_cannot_be_seen_is_not_found() {
        let community = OrgPath::root(1).child(2).child(3).child(4);
        let mine = community.child(5);
        let other = OrgPath::root(1).child(2).child(3).child(6).child(7);
        let hidden = || AppError::NotFound("resident");
        let check = |a: &Actor, p: Permission, at: &OrgPath| {
            require_in_sight(a, p, Permission::ViewLedger, at, hidden).map_err(|e| e.code())
        };
        let worker = actor(Role::GridWorker, &mine);
        assert_eq!(check(&worker, Permission::EditLedger, &mine), Ok(()));
        assert_eq!(
            check(&worker, Permission::EditLedger, &other),
            Err("not_found")
        );
        // A street admin sees the ledger but may not edit it: refused, not hidden.
        let street = actor(Role::StreetAdmin, &OrgPath::root(1).child(2).child(3));
        assert_eq!(
            check(&street, Permission::EditLedger, &mine),
            Err("forbidden")
        );
        // One who may do this nowhere is refused alike everywhere.
        let resident = actor(Role::Resident, &mine);
        assert_eq!(
            check(&resident, Permission::ViewLedger, &mine),
            Err("forbidden")
        );
        assert_eq!(
            check(&resident, Permission::ViewLedger, &other),
            Err("forbidden")
        );
    }
}
