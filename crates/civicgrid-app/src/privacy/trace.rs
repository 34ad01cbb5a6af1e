//! The trace a look at a resident's record leaves: who looked, when, in which role.
//!
//! A card shows personal data even masked (name, household, the visible parts of the
//! ID number and phone, tags), so every card shown writes one row per resident on it
//! to the data-access log, in the request that shows it: if the row cannot be written
//! the card is not shown. The rows hold no personal values. They live outside the
//! hash-chained audit log, which keeps unmasking and changes, so page views do not
//! flood it; residents read their rows on their data-access page, auditors on theirs.

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_store::commit;
use civicgrid_store::privacy::data_access::{self, NewView};

use crate::{App, AppResult};

/// A resident card was shown.
pub const VIEW_RESIDENT: &str = "ledger.resident.view";
/// A household card was shown (one row per member on it).
pub const VIEW_HOUSEHOLD: &str = "ledger.household.view";

/// The role under which `actor` holds `permission` at `path`: that of the narrowest
/// assignment allowing it. `None` for the system itself.
pub(crate) fn acting_role(
    actor: &Actor,
    permission: Permission,
    path: &OrgPath,
) -> Option<&'static str> {
    actor
        .assignments
        .iter()
        .filter(|a| a.role.has(permission) && path.is_within(&a.path))
        .max_by_key(|a| a.path.depth())
        .map(|a| a.role.as_str())
}

/// Records that `actor` was shown `residents` (resident id, household id) of the grid
/// at `scope`, in a transaction of its own that commits before the card is returned.
pub(crate) async fn record_view(
    app: &App,
    actor: &Actor,
    action: &'static str,
    scope: &OrgPath,
    residents: &[(i64, Option<i64>)],
) -> AppResult<()> {
    if residents.is_empty() {
        return Ok(());
    }
    let mut tx = app.db.begin_write().await?;
    data_access::append(
        &mut tx,
        &NewView {
            at_ms: civicgrid_store::now_ms(),
            actor_user_id: actor.user_id,
            actor_token_id: actor.token_id,
            actor_label: &actor.label,
            actor_role: acting_role(actor, Permission::ViewLedger, scope),
            action,
            scope_path: scope.as_str(),
        },
        residents,
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use civicgrid_domain::platform::access::{Assignment, Role};

    use super::*;

    fn at(role: Role, path: &str) -> Assignment {
        Assignment {
            id: 1,
            role,
            node_id: 1,
            path: OrgPath::from_stored(path.into()),
        }
    }

    #[test]
    fn the_narrowest_allowing_role_is_named() {
        let actor = Actor {
            user_id: Some(1),
            token_id: None,
            label: "u".into(),
            assignments: vec![
                at(Role::StreetAdmin, "/1/2/"),
                at(Role::GridWorker, "/1/2/3/4/"),
                at(Role::Auditor, "/1/2/3/4/5/"),
            ],
        };
        let grid = OrgPath::from_stored("/1/2/3/4/".into());
        let other = OrgPath::from_stored("/1/2/3/9/".into());
        let outside = OrgPath::from_stored("/1/7/".into());
        let view = Permission::ViewLedger;
        assert_eq!(acting_role(&actor, view, &grid), Some("grid_worker"));
        assert_eq!(acting_role(&actor, view, &other), Some("street_admin"));
        assert_eq!(acting_role(&actor, view, &outside), None);
        assert_eq!(acting_role(&Actor::system(), view, &grid), None);
    }
}
