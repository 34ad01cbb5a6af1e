//! Routing: who is responsible for a request of a category at a place.
//!
//! A rule names a category (or any category) and a scope, a node of the hierarchy
//! given by its materialised path (`/1/4/9/`); it applies to requests located in that
//! subtree. Of the rules that apply, the most specific wins: a rule for the request's
//! own category beats a rule for any category, then a deeper scope beats a shallower
//! one, then the older rule (lower id) wins. Category first means a community's
//! catch-all rule never silently overrides a city-wide rule made for one category
//! (lifts to the lift maintainer); to override that, a community writes a rule for
//! that category.
//!
//! With no applicable rule, a request goes to the category's default party if that is
//! the community's own people, and to community staff otherwise, who dispatch it.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::category::{Category, PartyKind, valid_code};
use crate::platform::access::Role;
use crate::platform::org::OrgPath;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum RoutingError {
    #[error("'{0}' is not a responsible party (expected org:<id> or role:<role>)")]
    BadParty(String),
    #[error(
        "a request can be routed to a grid worker, community staff or a street admin, not a {0}"
    )]
    RoleNotRoutable(&'static str),
    #[error("category must be a category code or empty for any category")]
    BadCategory,
    #[error("rule {0} already routes this category in this scope")]
    Conflict(i64),
}

impl RoutingError {
    /// Stable snake_case code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            RoutingError::BadParty(_) => "bad_party",
            RoutingError::RoleNotRoutable(_) => "role_not_routable",
            RoutingError::BadCategory => "bad_category",
            RoutingError::Conflict(_) => "routing_conflict",
        }
    }
}

/// Roles a request may be routed to.
pub const ROUTABLE_ROLES: [Role; 3] = [Role::GridWorker, Role::CommunityStaff, Role::StreetAdmin];

/// Whoever must act on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// A responder organisation, by id.
    Org(i64),
    /// Whoever holds this role at the request's node, or the nearest ancestor where
    /// someone does.
    Role(Role),
}

impl Party {
    /// One text for storage: `org:12` or `role:grid_worker`.
    pub fn encode(self) -> String {
        match self {
            Party::Org(id) => format!("org:{id}"),
            Party::Role(role) => format!("role:{}", role.as_str()),
        }
    }

    pub fn decode(s: &str) -> Result<Party, RoutingError> {
        let bad = || RoutingError::BadParty(s.to_owned());
        match s.split_once(':') {
            Some(("org", id)) => match id.parse::<i64>() {
                Ok(id) if id > 0 => Ok(Party::Org(id)),
                _ => Err(bad()),
            },
            Some(("role", role)) => {
                let role = Role::parse(role).map_err(|_| bad())?;
                Party::role(role)
            }
            _ => Err(bad()),
        }
    }

    /// A role party, if the role may be routed to.
    pub fn role(role: Role) -> Result<Party, RoutingError> {
        if ROUTABLE_ROLES.contains(&role) {
            Ok(Party::Role(role))
        } else {
            Err(RoutingError::RoleNotRoutable(role.as_str()))
        }
    }

    /// The default party of a category when no rule applies.
    pub fn default_for(kind: PartyKind) -> Party {
        match kind {
            PartyKind::GridWorker => Party::Role(Role::GridWorker),
            PartyKind::CommunityStaff | PartyKind::Responder(_) => {
                Party::Role(Role::CommunityStaff)
            }
        }
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// One routing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    pub id: i64,
    /// A category code, or `None` for any category.
    pub category: Option<String>,
    /// The subtree the rule covers.
    pub scope: OrgPath,
    pub party: Party,
    pub active: bool,
}

impl RoutingRule {
    /// Does the rule apply to a request of `category` located at `location`?
    pub fn applies(&self, category: &str, location: &OrgPath) -> bool {
        self.active
            && self.category.as_deref().is_none_or(|c| c == category)
            && location.is_within(&self.scope)
    }

    /// Higher is more specific: own category first, then depth, then age.
    fn specificity(&self) -> (bool, usize, std::cmp::Reverse<i64>) {
        (
            self.category.is_some(),
            self.scope.depth(),
            std::cmp::Reverse(self.id),
        )
    }

    /// Checks the rule's category and party; a blank category means any category.
    pub fn validate(mut self) -> Result<RoutingRule, RoutingError> {
        self.category = match self.category.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) if valid_code(c) => Some(c.to_owned()),
            Some(_) => return Err(RoutingError::BadCategory),
        };
        match self.party {
            Party::Org(id) if id <= 0 => return Err(RoutingError::BadParty(self.party.encode())),
            Party::Role(role) => {
                Party::role(role)?;
            }
            Party::Org(_) => {}
        }
        Ok(self)
    }
}

/// The rule that routes a request of `category` located at `location`, if any.
pub fn route<'a>(
    rules: &'a [RoutingRule],
    category: &str,
    location: &OrgPath,
) -> Option<&'a RoutingRule> {
    rules
        .iter()
        .filter(|r| r.applies(category, location))
        .max_by_key(|r| r.specificity())
}

/// Where a request goes, and which rule sent it there (`None`: the category's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routed {
    pub party: Party,
    pub rule_id: Option<i64>,
}

/// Routes with the rules, falling back to the category's default party.
pub fn route_or_default(rules: &[RoutingRule], category: &Category, location: &OrgPath) -> Routed {
    match route(rules, &category.code, location) {
        Some(rule) => Routed {
            party: rule.party,
            rule_id: Some(rule.id),
        },
        None => Routed {
            party: Party::default_for(category.party_kind),
            rule_id: None,
        },
    }
}

/// Refuses a new or edited rule when another active rule has the same category and
/// scope (the two would tie on everything but age).
pub fn check_conflict(existing: &[RoutingRule], rule: &RoutingRule) -> Result<(), RoutingError> {
    if !rule.active {
        return Ok(());
    }
    match existing.iter().find(|r| {
        r.id != rule.id && r.active && r.category == rule.category && r.scope == rule.scope
    }) {
        Some(r) => Err(RoutingError::Conflict(r.id)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::category::{ResponderKind, default_catalogue};

    fn path(s: &str) -> OrgPath {
        OrgPath::from_stored(s.to_owned())
    }

    fn rule(id: i64, category: Option<&str>, scope: &str, party: Party) -> RoutingRule {
        RoutingRule {
            id,
            category: category.map(str::to_owned),
            scope: path(scope),
            party,
            active: true,
        }
    }

    fn rules() -> Vec<RoutingRule> {
        vec![
            // City-wide: lifts to the lift maintainer (org 100).
            rule(1, Some("repairs_lift"), "/1/", Party::Org(100)),
            // Street 4: anything to community staff.
            rule(2, None, "/1/2/4/", Party::Role(Role::CommunityStaff)),
            // Community 9 (in street 4): anything to its property company (org 200).
            rule(3, None, "/1/2/4/9/", Party::Org(200)),
            // Community 9: noise to the grid worker.
            rule(4, Some("noise"), "/1/2/4/9/", Party::Role(Role::GridWorker)),
            // Grid 33 of community 9: parking to urban management (org 300).
            rule(5, Some("parking"), "/1/2/4/9/33/", Party::Org(300)),
        ]
    }

    fn routed(category: &str, at: &str) -> Option<i64> {
        let rules = rules();
        route(&rules, category, &path(at)).map(|r| r.id)
    }

    #[test]
    fn the_most_specific_rule_wins() {
        // A grid of community 9.
        assert_eq!(routed("parking", "/1/2/4/9/33/"), Some(5));
        assert_eq!(routed("parking", "/1/2/4/9/34/"), Some(3));
        assert_eq!(routed("noise", "/1/2/4/9/33/"), Some(4));
        assert_eq!(routed("sanitation", "/1/2/4/9/33/"), Some(3));
        // The city's lift rule is for one category: a community's catch-all does not
        // override it.
        assert_eq!(routed("repairs_lift", "/1/2/4/9/33/"), Some(1));
        // Another community of street 4.
        assert_eq!(routed("noise", "/1/2/4/10/"), Some(2));
        // Another street: only the lift rule applies anywhere.
        assert_eq!(routed("noise", "/1/2/5/11/"), None);
        assert_eq!(routed("repairs_lift", "/1/2/5/11/"), Some(1));
        // A request located at the community itself (no grid): grid rules do not apply.
        assert_eq!(routed("parking", "/1/2/4/9/"), Some(3));
        // Path prefixes are whole ids: /1/2/4/ does not cover /1/2/40/.
        assert_eq!(routed("noise", "/1/2/40/"), None);
    }

    #[test]
    fn ties_go_to_the_older_rule_and_inactive_rules_are_ignored() {
        let mut rs = rules();
        rs.push(rule(9, Some("parking"), "/1/2/4/9/33/", Party::Org(999)));
        assert_eq!(
            route(&rs, "parking", &path("/1/2/4/9/33/")).map(|r| r.id),
            Some(5)
        );
        rs.iter_mut().find(|r| r.id == 5).unwrap().active = false;
        assert_eq!(
            route(&rs, "parking", &path("/1/2/4/9/33/")).map(|r| r.id),
            Some(9)
        );
        assert_eq!(route(&[], "parking", &path("/1/")), None);
    }

    #[test]
    fn defaults_when_nothing_applies() {
        let cat = default_catalogue();
        let by = |code: &str| cat.iter().find(|c| c.code == code).unwrap();
        let nowhere = path("/7/");
        assert_eq!(
            route_or_default(&rules(), by("noise"), &nowhere),
            Routed {
                party: Party::Role(Role::GridWorker),
                rule_id: None
            }
        );
        // The property company is the default kind, but no company is known here:
        // community staff dispatch it.
        assert_eq!(
            by("sanitation").party_kind,
            PartyKind::Responder(ResponderKind::PropertyCompany)
        );
        assert_eq!(
            route_or_default(&rules(), by("sanitation"), &nowhere).party,
            Party::Role(Role::CommunityStaff)
        );
        assert_eq!(
            route_or_default(&rules(), by("sanitation"), &path("/1/2/4/9/")),
            Routed {
                party: Party::Org(200),
                rule_id: Some(3)
            }
        );
    }

    #[test]
    fn parties_encode_for_storage() {
        for p in [
            Party::Org(12),
            Party::Role(Role::GridWorker),
            Party::Role(Role::CommunityStaff),
            Party::Role(Role::StreetAdmin),
        ] {
            assert_eq!(Party::decode(&p.encode()), Ok(p));
        }
        assert_eq!(Party::Org(12).to_string(), "org:12");
        for bad in ["org:0", "org:-1", "org:x", "role:mayor", "team:1", "12", ""] {
            assert!(Party::decode(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Party::decode("role:auditor"),
            Err(RoutingError::RoleNotRoutable("auditor"))
        );
        let json = serde_json::to_string(&Party::Org(12)).unwrap();
        assert_eq!(json, r#"{"org":12}"#);
        assert_eq!(
            serde_json::to_string(&Party::Role(Role::GridWorker)).unwrap(),
            r#"{"role":"grid_worker"}"#
        );
    }

    #[test]
    fn rules_are_checked() {
        let ok = rule(1, Some(" parking "), "/1/", Party::Org(3))
            .validate()
            .unwrap();
        assert_eq!(ok.category.as_deref(), Some("parking"));
        let any = rule(1, Some(" "), "/1/", Party::Org(3)).validate().unwrap();
        assert_eq!(any.category, None);
        assert_eq!(
            rule(1, Some("Parking!"), "/1/", Party::Org(3)).validate(),
            Err(RoutingError::BadCategory)
        );
        assert_eq!(
            rule(1, None, "/1/", Party::Org(0)).validate(),
            Err(RoutingError::BadParty("org:0".into()))
        );
        assert_eq!(
            rule(1, None, "/1/", Party::Role(Role::Resident)).validate(),
            Err(RoutingError::RoleNotRoutable("resident"))
        );
    }

    #[test]
    fn conflicts() {
        let rs = rules();
        let dup = rule(10, Some("noise"), "/1/2/4/9/", Party::Org(1));
        assert_eq!(check_conflict(&rs, &dup), Err(RoutingError::Conflict(4)));
        // Editing rule 4 itself is not a conflict.
        let edit = rule(4, Some("noise"), "/1/2/4/9/", Party::Org(1));
        assert_eq!(check_conflict(&rs, &edit), Ok(()));
        let inactive = RoutingRule {
            active: false,
            ..dup.clone()
        };
        assert_eq!(check_conflict(&rs, &inactive), Ok(()));
        let other_scope = rule(10, Some("noise"), "/1/2/4/10/", Party::Org(1));
        assert_eq!(check_conflict(&rs, &other_scope), Ok(()));
        assert_eq!(RoutingError::Conflict(4).code(), "routing_conflict");
    }
}
