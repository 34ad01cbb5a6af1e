//! Roles, permissions and scopes: the one place that says who may do what, where.
//!
//! A role is always assigned at a node of the hierarchy; the permissions it brings hold
//! only inside that node's subtree.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::platform::org::{NodeKind, OrgPath};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    Volunteer,
    Responder,
    GridWorker,
    CommunityStaff,
    StreetAdmin,
    Auditor,
    SystemAdmin,
    /// A member of an estate's owners' committee (业主委员会), bound to its community.
    OwnersCommittee,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AccessError {
    #[error(
        "unknown role '{0}' (expected resident, volunteer, responder, grid_worker, community_staff, street_admin, auditor, system_admin or owners_committee)"
    )]
    UnknownRole(String),
    #[error("a {role} is assigned at a {expected}, not at a {got}")]
    ScopeLevel {
        role: &'static str,
        expected: String,
        got: &'static str,
    },
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Resident,
        Role::Volunteer,
        Role::Responder,
        Role::GridWorker,
        Role::CommunityStaff,
        Role::StreetAdmin,
        Role::Auditor,
        Role::SystemAdmin,
        Role::OwnersCommittee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Volunteer => "volunteer",
            Role::Responder => "responder",
            Role::GridWorker => "grid_worker",
            Role::CommunityStaff => "community_staff",
            Role::StreetAdmin => "street_admin",
            Role::Auditor => "auditor",
            Role::SystemAdmin => "system_admin",
            Role::OwnersCommittee => "owners_committee",
        }
    }

    pub fn parse(s: &str) -> Result<Role, AccessError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| AccessError::UnknownRole(s.to_owned()))
    }

    /// What this role may do inside its scope, in the order of [`HOLDERS`].
    pub fn permissions(self) -> impl Iterator<Item = Permission> {
        HOLDERS
            .iter()
            .filter(move |(_, roles)| roles.contains(&self))
            .map(|(permission, _)| *permission)
    }

    pub fn has(self, permission: Permission) -> bool {
        HOLDERS
            .iter()
            .any(|(p, roles)| *p == permission && roles.contains(&self))
    }

    /// Roles that a holder of this role may grant to others (inside its scope).
    pub fn grantable(self) -> &'static [Role] {
        use Role::*;
        match self {
            SystemAdmin => &Role::ALL,
            StreetAdmin => &[
                CommunityStaff,
                GridWorker,
                Responder,
                Volunteer,
                Resident,
                OwnersCommittee,
            ],
            CommunityStaff => &[GridWorker, Responder, Volunteer, Resident, OwnersCommittee],
            _ => &[],
        }
    }

    /// Levels of the hierarchy at which this role may be assigned.
    pub fn scope_kinds(self) -> &'static [NodeKind] {
        use NodeKind::*;
        match self {
            Role::Resident | Role::Volunteer | Role::GridWorker => &[Community, Grid],
            Role::CommunityStaff | Role::OwnersCommittee => &[Community],
            Role::Responder => &[District, Street, Community],
            Role::StreetAdmin => &[District, Street],
            Role::Auditor => &[City, District, Street, Community],
            Role::SystemAdmin => &[City],
        }
    }

    pub fn check_scope_kind(self, kind: NodeKind) -> Result<(), AccessError> {
        if self.scope_kinds().contains(&kind) {
            Ok(())
        } else {
            Err(AccessError::ScopeLevel {
                role: self.as_str(),
                expected: self
                    .scope_kinds()
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
                got: kind.as_str(),
            })
        }
    }
}

/// Everything a role can allow. Each route and use case names exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Browse the hierarchy and its maps.
    ViewOrg,
    /// Create and edit hierarchy nodes and their boundaries.
    ManageOrg,
    /// See accounts whose roles lie in the scope.
    ViewUsers,
    /// Create accounts, assign and revoke roles, reset passwords, revoke sessions.
    ManageUsers,
    /// Read and verify the audit log.
    ViewAudit,
    /// Issue and revoke API tokens for integrations.
    ManageTokens,
    /// Browse the household ledger (personal data masked).
    ViewLedger,
    /// Add and change buildings, households and residents.
    EditLedger,
    /// See a resident's personal data unmasked, for a stated purpose (audited).
    UnmaskPersonalData,
    /// Import residents from spreadsheets.
    ImportLedger,
    /// Export the ledger (masked) to spreadsheets.
    ExportLedger,
    /// Manage city-wide catalogues (tags).
    ManageCatalogue,
    /// Raise a request: residents for themselves, staff for a resident or on patrol,
    /// integrations through the API. A resident sees the requests they raised without
    /// any further permission.
    SubmitRequest,
    /// See every request located in the scope, and its work queues.
    ViewRequests,
    /// Work on requests in the scope: accept, assign, start, resolve, reject, refer,
    /// hold, merge duplicates, comment, make return visits.
    HandleRequests,
    /// Work on the requests assigned to a responder organisation one belongs to
    /// (start, resolve, hold, resume, comment), inside the scope.
    RespondToRequests,
    /// Watch the overdue board and escalate by hand; clear flags after poor ratings.
    SuperviseRequests,
    /// Manage the city-wide request catalogue, the business calendar and SLA policies.
    ManageRequestCatalogue,
    /// Manage routing rules (category × scope → responsible party) in the scope.
    ManageRouting,
    /// Manage responder organisations and their members in the scope.
    ManageResponders,
    /// Set up estates (物业管理区域), write notices and run votes in the scope.
    ManageParticipation,
    /// Follow participation in the scope: notice coverage, vote turnout and tallies,
    /// the rooms still to canvass.
    ViewParticipation,
    /// Enter paper and door-to-door ballots and proxies for voters in the scope.
    RecordBallots,
    /// Set visit policies, pair vulnerable residents with carers, reassign and end
    /// pairings in the scope (a grid worker in their grid). A carer who holds no such
    /// role sees and logs visits only for the pairings they are a carer on.
    ManageCare,
    /// Follow care in the scope: coverage boards, due lists, alerts and care records
    /// (a visit's notes only to the carers, the grid worker and the community's staff).
    ViewCare,
    /// Run volunteering in the scope: verify volunteers and add them from the ledger,
    /// keep teams, publish activities, assign volunteers to shifts, confirm attendance
    /// and correct hours.
    ManageVolunteers,
    /// See the volunteer registry, activities and hours in the scope.
    ViewVolunteers,
    /// Keep party members' registrations where they live (在职党员报到) in the scope:
    /// confirm, decline and end them, link the requests they helped resolve.
    ManageParty,
    /// See party members' registrations, pledges and fulfilment in the scope, and the
    /// yearly summary per member and per party organisation.
    ViewParty,
    /// Write emergency plans and duty rosters, switch communities of the scope into
    /// emergency mode or a drill and back, tick the checklist, keep the incident log.
    ManageEmergency,
    /// Follow emergencies in the scope: the situation, the checklist, the incident log
    /// and the situation report.
    ViewEmergency,
    /// Keep the emergency material depots in the scope (应急物资): items, receipts,
    /// counts, write-offs and transfers, material requests, their issue and delivery.
    ManageMaterials,
    /// See the depots' stock boards and ledgers, material requests and transfers in
    /// the scope. A deliverer who holds no such role sees and confirms only the
    /// deliveries assigned to them.
    ViewMaterials,
    /// See the dashboards of the places in the scope (数据看板): figures counted per
    /// place and month, against the month before and against sibling places.
    ViewInsight,
}

/// The role × permission table, a row per permission: the roles that hold it, inside
/// the scope of their assignment. A role a row does not name lacks that permission.
#[rustfmt::skip]
pub const HOLDERS: &[(Permission, &[Role])] = {
    use Permission::*;
    use Role::{Auditor, CommunityStaff, GridWorker, OwnersCommittee, Resident, Responder, StreetAdmin, SystemAdmin};
    &[
        (ViewOrg,                &Role::ALL),
        (ManageOrg,              &[CommunityStaff, StreetAdmin, SystemAdmin]),
        (ViewUsers,              &[GridWorker, CommunityStaff, StreetAdmin, Auditor, SystemAdmin]),
        (ManageUsers,            &[CommunityStaff, StreetAdmin, SystemAdmin]),
        (ViewAudit,              &[Auditor, SystemAdmin]),
        (ManageTokens,           &[SystemAdmin]),
        (ViewLedger,             &[GridWorker, CommunityStaff, StreetAdmin, SystemAdmin]),
        (EditLedger,             &[GridWorker, CommunityStaff, SystemAdmin]),
        (UnmaskPersonalData,     &[GridWorker, CommunityStaff, SystemAdmin]),
        (ImportLedger,           &[GridWorker, CommunityStaff, SystemAdmin]),
        (ExportLedger,           &[GridWorker, CommunityStaff, StreetAdmin, SystemAdmin]),
        (ManageCatalogue,        &[SystemAdmin]),
        (SubmitRequest,          &[Resident, GridWorker, CommunityStaff, StreetAdmin, SystemAdmin]),
        (ViewRequests,           &[GridWorker, CommunityStaff, StreetAdmin, Auditor, SystemAdmin]),
        (HandleRequests,         &[GridWorker, CommunityStaff, StreetAdmin, SystemAdmin]),
        (RespondToRequests,      &[Responder]),
        (SuperviseRequests,      &[CommunityStaff, StreetAdmin, SystemAdmin]),
        (ManageRequestCatalogue, &[SystemAdmin]),
        (ManageRouting,          &[CommunityStaff, StreetAdmin, SystemAdmin]),
        (ManageResponders,       &[CommunityStaff, StreetAdmin, SystemAdmin]),
        (ManageParticipation,    &[CommunityStaff, StreetAdmin, SystemAdmin]),
        (ViewParticipation,      &[GridWorker, CommunityStaff, StreetAdmin, Auditor, SystemAdmin, OwnersCommittee]),
        (RecordBallots,          &[GridWorker, CommunityStaff, SystemAdmin, OwnersCommittee]),
        (ManageCare,             &[GridWorker, CommunityStaff, StreetAdmin]),
        (ViewCare,               &[GridWorker, CommunityStaff, StreetAdmin, Auditor]),
        (ManageVolunteers,       &[GridWorker, CommunityStaff, StreetAdmin, SystemAdmin]),
        (ViewVolunteers,         &[GridWorker, CommunityStaff, StreetAdmin, Auditor, SystemAdmin]),
        (ManageParty,            &[CommunityStaff, StreetAdmin]),
        (ViewParty,              &[CommunityStaff, StreetAdmin, Auditor]),
        (ManageEmergency,        &[CommunityStaff, StreetAdmin]),
        (ViewEmergency,          &[GridWorker, CommunityStaff, StreetAdmin, Auditor]),
        (ManageMaterials,        &[CommunityStaff, StreetAdmin]),
        (ViewMaterials,          &[GridWorker, CommunityStaff, StreetAdmin, Auditor]),
        (ViewInsight,            &[GridWorker, CommunityStaff, StreetAdmin, Auditor, SystemAdmin]),
    ]
};

/// One role held at one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: i64,
    pub role: Role,
    pub node_id: i64,
    pub path: OrgPath,
}

/// Who is acting: a signed-in user or an API token, with its role assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub token_id: Option<i64>,
    /// Username or token name, for the audit log.
    pub label: String,
    pub assignments: Vec<Assignment>,
}

impl Actor {
    /// The command line and the demo seeder act as the system itself.
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            token_id: None,
            label: "system".into(),
            assignments: Vec::new(),
        }
    }

    pub fn is_system(&self) -> bool {
        self.user_id.is_none() && self.token_id.is_none()
    }

    /// May this actor use `permission` on something located at `target`?
    pub fn can(&self, permission: Permission, target: &OrgPath) -> bool {
        self.is_system()
            || self
                .assignments
                .iter()
                .any(|a| a.role.has(permission) && target.is_within(&a.path))
    }

    /// May this actor use `permission` anywhere at all?
    pub fn can_somewhere(&self, permission: Permission) -> bool {
        self.is_system() || self.assignments.iter().any(|a| a.role.has(permission))
    }

    /// The subtrees in which `permission` holds; the system actor is unrestricted (`None`).
    pub fn scopes(&self, permission: Permission) -> Option<Vec<OrgPath>> {
        if self.is_system() {
            return None;
        }
        let mut paths: Vec<OrgPath> = self
            .assignments
            .iter()
            .filter(|a| a.role.has(permission))
            .map(|a| a.path.clone())
            .collect();
        // Drop paths already covered by a wider one.
        paths.sort_by_key(|p| p.depth());
        let mut out: Vec<OrgPath> = Vec::new();
        for p in paths {
            if !out.iter().any(|o| p.is_within(o)) {
                out.push(p);
            }
        }
        Some(out)
    }

    /// May this actor grant `role` at a node located at `target`?
    pub fn can_grant(&self, role: Role, target: &OrgPath) -> bool {
        self.is_system()
            || self.assignments.iter().any(|a| {
                a.role.has(Permission::ManageUsers)
                    && target.is_within(&a.path)
                    && a.role.grantable().contains(&role)
            })
    }

    /// May this actor manage an account holding `held` (its roles, password, sessions,
    /// profile, the resident record it is linked to)?
    ///
    /// Only when the actor could grant *every* role the account holds, where it is
    /// held: a scope covering one of them is not enough, or a community's staff could
    /// grant a system admin a volunteer role in the community and then reset the
    /// admin's password. An account without roles may be managed by whoever may grant
    /// it a first one.
    pub fn can_manage_account(&self, held: &[Assignment]) -> bool {
        if self.is_system() {
            return true;
        }
        if held.is_empty() {
            return self
                .assignments
                .iter()
                .any(|a| a.role.has(Permission::ManageUsers) && !a.role.grantable().is_empty());
        }
        held.iter().all(|h| self.can_grant(h.role, &h.path))
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self.assignments.iter().map(|a| a.role).collect();
        roles.sort();
        roles.dedup();
        roles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, path: OrgPath) -> Actor {
        Actor {
            user_id: Some(7),
            token_id: None,
            label: "u".into(),
            assignments: vec![Assignment {
                id: 1,
                role,
                node_id: *path.ids().last().unwrap_or(&0),
                path,
            }],
        }
    }

    #[test]
    fn permissions_hold_only_inside_the_subtree() {
        let street = OrgPath::root(1).child(2).child(3);
        let community = street.child(10);
        let other_street = OrgPath::root(1).child(2).child(4);
        let a = actor(Role::StreetAdmin, street.clone());
        assert!(a.can(Permission::ManageOrg, &community));
        assert!(a.can(Permission::ManageOrg, &street));
        assert!(!a.can(Permission::ManageOrg, &other_street));
        assert!(!a.can(Permission::ManageOrg, &OrgPath::root(1)));
        assert!(!a.can(Permission::ViewAudit, &community));
    }

    #[test]
    fn every_permission_has_one_row() {
        for (i, (p, roles)) in HOLDERS.iter().enumerate() {
            assert!(!HOLDERS[..i].iter().any(|(q, _)| q == p), "{p:?} twice");
            assert!(!roles.is_empty(), "{p:?} held by nobody");
        }
        // One row for each of the 34 permissions.
        assert_eq!(HOLDERS.len(), 34);
        assert_eq!(Role::SystemAdmin.permissions().count(), 25);
    }

    #[test]
    fn residents_only_view() {
        let grid = OrgPath::root(1).child(2).child(3).child(4).child(5);
        let r = actor(Role::Resident, grid.clone());
        assert!(r.can(Permission::ViewOrg, &grid));
        for p in [
            Permission::ManageOrg,
            Permission::ViewUsers,
            Permission::ManageUsers,
            Permission::ViewAudit,
            Permission::ManageTokens,
        ] {
            assert!(!r.can(p, &grid), "{p:?}");
        }
    }

    #[test]
    fn request_permissions_follow_the_ladder() {
        use Permission::*;
        let who =
            |p: Permission| -> Vec<Role> { Role::ALL.into_iter().filter(|r| r.has(p)).collect() };
        assert_eq!(
            who(SubmitRequest),
            [
                Role::Resident,
                Role::GridWorker,
                Role::CommunityStaff,
                Role::StreetAdmin,
                Role::SystemAdmin
            ]
        );
        assert_eq!(
            who(HandleRequests),
            [
                Role::GridWorker,
                Role::CommunityStaff,
                Role::StreetAdmin,
                Role::SystemAdmin
            ]
        );
        assert_eq!(who(RespondToRequests), [Role::Responder]);
        assert!(Role::Auditor.has(ViewRequests) && !Role::Auditor.has(HandleRequests));
        assert!(!Role::Resident.has(ViewRequests));
        assert!(!Role::GridWorker.has(SuperviseRequests));
        assert_eq!(who(ManageRequestCatalogue), [Role::SystemAdmin]);
    }

    #[test]
    fn grants_are_bounded_by_role_and_scope() {
        let community = OrgPath::root(1).child(2).child(3).child(4);
        let staff = actor(Role::CommunityStaff, community.clone());
        assert!(staff.can_grant(Role::GridWorker, &community.child(5)));
        assert!(!staff.can_grant(Role::CommunityStaff, &community));
        assert!(!staff.can_grant(Role::SystemAdmin, &community));
        assert!(!staff.can_grant(Role::GridWorker, &OrgPath::root(1).child(9)));
        let admin = actor(Role::SystemAdmin, OrgPath::root(1));
        assert!(admin.can_grant(Role::SystemAdmin, &OrgPath::root(1)));
    }

    fn held(role: Role, path: OrgPath) -> Assignment {
        Assignment {
            id: 9,
            role,
            node_id: *path.ids().last().unwrap_or(&0),
            path,
        }
    }

    #[test]
    fn an_account_is_managed_only_by_who_could_grant_every_role_it_holds() {
        let city = OrgPath::root(1);
        let community = city.child(2).child(3).child(4);
        let other = city.child(2).child(3).child(5);
        let staff = actor(Role::CommunityStaff, community.clone());
        let street = actor(Role::StreetAdmin, city.child(2).child(3));
        let volunteer_here = held(Role::Volunteer, community.clone());
        // One role, inside the scope and grantable: managed.
        assert!(staff.can_manage_account(std::slice::from_ref(&volunteer_here)));
        // A system admin who was also made a volunteer here: not the staff's to manage.
        let admin = [
            held(Role::SystemAdmin, city.clone()),
            volunteer_here.clone(),
        ];
        assert!(!staff.can_manage_account(&admin));
        assert!(!street.can_manage_account(&admin));
        // A role elsewhere beside one here: only who covers both.
        let two_places = [volunteer_here.clone(), held(Role::Volunteer, other)];
        assert!(!staff.can_manage_account(&two_places));
        assert!(street.can_manage_account(&two_places));
        // A peer (same role, same place) cannot be managed: staff cannot grant staff.
        assert!(!staff.can_manage_account(&[held(Role::CommunityStaff, community)]));
        // No roles: whoever may grant a first one.
        assert!(staff.can_manage_account(&[]));
        let grid = actor(Role::GridWorker, city.child(8));
        assert!(!grid.can_manage_account(&[]));
        assert!(Actor::system().can_manage_account(&admin));
        let sysadmin = actor(Role::SystemAdmin, city);
        assert!(sysadmin.can_manage_account(&admin));
    }

    #[test]
    fn scopes_collapse_nested_paths() {
        let mut a = actor(Role::CommunityStaff, OrgPath::root(1).child(2));
        a.assignments.push(Assignment {
            id: 2,
            role: Role::GridWorker,
            node_id: 3,
            path: OrgPath::root(1).child(2).child(3),
        });
        assert_eq!(
            a.scopes(Permission::ViewOrg),
            Some(vec![OrgPath::root(1).child(2)])
        );
        assert_eq!(a.scopes(Permission::ViewAudit), Some(vec![]));
        assert_eq!(Actor::system().scopes(Permission::ViewAudit), None);
    }

    #[test]
    fn roles_round_trip_and_scope_levels() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
            assert!(!r.scope_kinds().is_empty());
        }
        assert!(Role::GridWorker.check_scope_kind(NodeKind::Grid).is_ok());
        let e = Role::SystemAdmin
            .check_scope_kind(NodeKind::Grid)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "a system_admin is assigned at a city, not at a grid"
        );
    }
}
