//! What an actor may reach: the parts of the site that menus and home tiles link to.

use civicgrid_domain::platform::access::{Actor, Permission};

/// May `actor` reach the part of the site that needs `permission`: does it hold it
/// somewhere? Menus show their links from this; each use case still decides at the
/// place it acts on.
pub fn may_reach(actor: &Actor, permission: Permission) -> bool {
    actor.can_somewhere(permission)
}
