//! What an actor may reach: the parts of the site that menus and home tiles link to.

use civicgrid_domain::platform::access::{Actor, Permission, Role};

/// May `actor` reach the part of the site that needs `permission`: does it hold it
/// somewhere? Menus show their links from this; each use case still decides at the
/// place it acts on.
pub fn may_reach(actor: &Actor, permission: Permission) -> bool {
    actor.can_somewhere(permission)
}

/// One link of the menu: the message naming it (`nav-…`) and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuLink {
    pub key: &'static str,
    pub href: String,
    /// One of the few main entries (shown first, and outside "more" on a phone).
    pub main: bool,
}

/// The node whose population the actor may open: the place of its first assignment
/// that may view the ledger.
pub fn population_node(actor: &Actor) -> Option<i64> {
    actor
        .assignments
        .iter()
        .find(|a| a.role.has(Permission::ViewLedger))
        .map(|a| a.node_id)
}

/// The menu of a signed-in actor, main entries first: only what it may reach.
pub fn menu(actor: &Actor) -> Vec<MenuLink> {
    let mut out = Vec::new();
    let mut add = |key: &'static str, href: String, main: bool, shown: bool| {
        if shown {
            out.push(MenuLink { key, href, main });
        }
    };
    let resident = actor.assignments.iter().any(|a| a.role == Role::Resident);
    let requests = may_reach(actor, Permission::ViewRequests)
        || may_reach(actor, Permission::RespondToRequests);
    add("nav-requests", "/requests/queue".into(), true, requests);
    add(
        "nav-my-requests",
        "/requests/mine".into(),
        !requests,
        may_reach(actor, Permission::SubmitRequest),
    );
    add("nav-my-household", "/me/household".into(), true, resident);
    add("nav-participation", "/participation".into(), false, true);
    // Everyone signed in has a notice inbox; staff also follow the notices they send.
    add("nav-notices", "/notices".into(), resident, true);
    // Residents raise and support proposals; staff follow them and the council.
    add(
        "nav-deliberation",
        "/participation/proposals".into(),
        false,
        resident || may_reach(actor, Permission::ViewParticipation),
    );
    // Carers (grid workers, volunteers, residents who are building chiefs) work their
    // visit list; who follows care opens coverage.
    let carer = actor
        .assignments
        .iter()
        .any(|a| matches!(a.role, Role::GridWorker | Role::Volunteer));
    add(
        "nav-care-visits",
        "/care/visits".into(),
        carer,
        carer || resident,
    );
    add(
        "nav-care",
        "/care".into(),
        false,
        may_reach(actor, Permission::ViewCare) || may_reach(actor, Permission::ManageCare),
    );
    // Residents volunteer from their own page; staff keep the registry.
    let volunteer = actor.assignments.iter().any(|a| a.role == Role::Volunteer);
    add(
        "nav-volunteering",
        "/care/volunteer".into(),
        false,
        resident || volunteer,
    );
    add(
        "nav-volunteers",
        "/care/volunteers".into(),
        false,
        may_reach(actor, Permission::ViewVolunteers),
    );
    // Any resident may be a party member registering where they live; staff keep the
    // registrations.
    add("nav-party", "/care/party".into(), false, resident);
    add(
        "nav-party-members",
        "/care/party-members".into(),
        false,
        may_reach(actor, Permission::ViewParty),
    );
    // Checkers work their welfare-check list on a phone.
    add(
        "nav-welfare-checks",
        "/emergency/checks".into(),
        false,
        actor.assignments.iter().any(|a| {
            matches!(
                a.role,
                Role::GridWorker | Role::Volunteer | Role::CommunityStaff
            )
        }),
    );
    add(
        "nav-insight",
        "/insight".into(),
        false,
        may_reach(actor, Permission::ViewInsight),
    );
    add(
        "nav-emergency",
        "/emergency".into(),
        false,
        may_reach(actor, Permission::ViewEmergency),
    );
    // Who follows depots opens them; a deliverer (a volunteer, a grid worker) sees the
    // deliveries assigned to them.
    add(
        "nav-materials",
        "/materials".into(),
        false,
        may_reach(actor, Permission::ViewMaterials),
    );
    add(
        "nav-material-deliveries",
        "/materials/deliveries".into(),
        false,
        carer,
    );
    add(
        "nav-ledger",
        "/ledger".into(),
        true,
        may_reach(actor, Permission::ViewLedger),
    );
    add(
        "nav-search",
        "/ledger/search".into(),
        true,
        may_reach(actor, Permission::ViewLedger),
    );
    if let Some(node) = population_node(actor) {
        add(
            "nav-population",
            format!("/ledger/population/{node}"),
            false,
            true,
        );
    }
    add(
        "nav-import",
        "/ledger/import".into(),
        false,
        may_reach(actor, Permission::ImportLedger),
    );
    add(
        "nav-export",
        "/ledger/export".into(),
        false,
        may_reach(actor, Permission::ExportLedger),
    );
    add(
        "nav-request-settings",
        "/requests/settings".into(),
        false,
        crate::requests::settings::settings_access(actor).is_ok(),
    );
    add(
        "nav-org",
        "/org".into(),
        false,
        may_reach(actor, Permission::ViewOrg) && !resident,
    );
    add(
        "nav-users",
        "/users".into(),
        false,
        may_reach(actor, Permission::ViewUsers),
    );
    let audit = may_reach(actor, Permission::ViewAudit);
    add("nav-audit", "/audit".into(), audit, audit);
    add("nav-data-views", "/audit/views".into(), audit, audit);
    add(
        "nav-tokens",
        "/tokens".into(),
        false,
        may_reach(actor, Permission::ManageTokens),
    );
    add(
        "nav-my-data-access",
        "/me/data-access".into(),
        false,
        resident,
    );
    out.sort_by_key(|l| !l.main);
    out
}
