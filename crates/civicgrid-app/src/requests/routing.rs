//! Routing rules: category × scope → responsible party ([`Permission::ManageRouting`]
//! at the rule's node).

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::requests::routing::{Party, RoutingRule, check_conflict};
use civicgrid_store::requests::{self as repo, StoredRule};
use civicgrid_store::{AnyConnection, commit, now_ms, platform::org};

use crate::authz::{Change, record, require_in_sight, require_somewhere};
use crate::{App, AppError, AppResult};

/// Checks that `party` may take requests located at `at`: an active organisation
/// whose scope contains it, or a routable role.
pub(crate) async fn check_party(
    conn: &mut AnyConnection,
    actor: &Actor,
    party: Party,
    at: &OrgPath,
) -> AppResult<()> {
    match party {
        Party::Role(role) => Party::role(role)
            .map(|_| ())
            .map_err(|e| AppError::invalid("party", e)),
        Party::Org(id) => {
            let no_such = || AppError::invalid("party", "no such responder organisation");
            let o = repo::get_org(conn, id).await.map_err(|_| no_such())?;
            let serves = at.is_within(&o.scope);
            // An organisation neither serving this place nor listed to the actor is as
            // absent as a missing one.
            let listed = actor.can(Permission::ViewRequests, &o.scope)
                || actor.can(Permission::ManageResponders, &o.scope);
            if !serves && !listed {
                return Err(no_such());
            }
            if !o.active {
                return Err(AppError::invalid("party", "that organisation is inactive"));
            }
            if !serves {
                return Err(AppError::invalid(
                    "party",
                    "that organisation does not serve this place",
                ));
            }
            Ok(())
        }
    }
}

/// `rule` as the domain accepts it; an objection names the field it is about.
fn validated(rule: RoutingRule) -> AppResult<RoutingRule> {
    rule.validate().map_err(|e| {
        let field = if e.code() == "bad_category" {
            "category"
        } else {
            "party"
        };
        AppError::invalid(field, e)
    })
}

impl App {
    /// Adds a rule at `node_id`: requests of `category` (any when `None`) located in
    /// its subtree go to `party`.
    pub async fn create_routing_rule(
        &self,
        actor: &Actor,
        category: Option<&str>,
        node_id: i64,
        party: Party,
    ) -> AppResult<StoredRule> {
        require_somewhere(actor, Permission::ManageRouting)?;
        let mut tx = self.db.begin_write().await?;
        let no_node = || AppError::invalid("node_id", "no such node");
        let node = org::get(&mut tx, node_id).await.map_err(|_| no_node())?;
        require_in_sight(
            actor,
            Permission::ManageRouting,
            Permission::ViewOrg,
            &node.path,
            no_node,
        )?;
        let rule = validated(RoutingRule {
            id: 0,
            category: category.map(str::to_owned),
            scope: node.path.clone(),
            party,
            active: true,
        })?;
        self.check_rule(&mut tx, actor, &rule).await?;
        let id = repo::insert_rule(&mut tx, &rule, node.id, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "request.routing.create",
                target_type: "routing_rule",
                target_id: id.to_string(),
                scope: Some(&node.path),
                reason: None,
                details: serde_json::json!({"category": rule.category, "party": party.encode()}),
            },
        )
        .await?;
        let stored = repo::get_rule(&mut tx, id).await?;
        commit(tx).await?;
        self.requests.intake_cache.clear();
        Ok(stored)
    }

    /// Changes a rule's category, party or activity.
    pub async fn update_routing_rule(
        &self,
        actor: &Actor,
        id: i64,
        category: Option<&str>,
        party: Party,
        active: bool,
    ) -> AppResult<StoredRule> {
        require_somewhere(actor, Permission::ManageRouting)?;
        let mut tx = self.db.begin_write().await?;
        let before = repo::get_rule(&mut tx, id)
            .await
            .map_err(|_| AppError::NotFound("routing rule"))?;
        // Rules are listed where the actor views requests; elsewhere one is not found.
        require_in_sight(
            actor,
            Permission::ManageRouting,
            Permission::ViewRequests,
            &before.rule.scope,
            || AppError::NotFound("routing rule"),
        )?;
        let rule = validated(RoutingRule {
            id,
            category: category.map(str::to_owned),
            scope: before.rule.scope.clone(),
            party,
            active,
        })?;
        self.check_rule(&mut tx, actor, &rule).await?;
        repo::update_rule(&mut tx, &rule, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "request.routing.update",
                target_type: "routing_rule",
                target_id: id.to_string(),
                scope: Some(&rule.scope),
                reason: None,
                details: serde_json::json!({
                    "from": {"category": before.rule.category, "party": before.rule.party.encode(), "active": before.rule.active},
                    "to": {"category": rule.category, "party": party.encode(), "active": active},
                }),
            },
        )
        .await?;
        let stored = repo::get_rule(&mut tx, id).await?;
        commit(tx).await?;
        self.requests.intake_cache.clear();
        Ok(stored)
    }

    async fn check_rule(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        rule: &RoutingRule,
    ) -> AppResult<()> {
        if let Some(code) = &rule.category {
            self.ensure_request_catalogue(conn).await?;
            if repo::category(conn, code).await?.is_none() {
                return Err(AppError::invalid("category", "no such category"));
            }
        }
        check_party(conn, actor, rule.party, &rule.scope).await?;
        let same_scope: Vec<RoutingRule> = repo::list_rules(conn, Some(&rule.scope))
            .await?
            .into_iter()
            .map(|s| s.rule)
            .collect();
        check_conflict(&same_scope, rule).map_err(|e| AppError::Conflict(e.to_string()))
    }

    /// Rules in the actor's scopes ([`Permission::ManageRouting`] or
    /// [`Permission::ViewRequests`]), by scope.
    pub async fn routing_rules(&self, actor: &Actor) -> AppResult<Vec<StoredRule>> {
        let perm = if actor.can_somewhere(Permission::ManageRouting) {
            Permission::ManageRouting
        } else {
            require_somewhere(actor, Permission::ViewRequests)?;
            Permission::ViewRequests
        };
        let mut conn = self.db.read().await?;
        match actor.scopes(perm) {
            None => Ok(repo::list_rules(&mut conn, None).await?),
            Some(scopes) => {
                let mut out = Vec::new();
                for s in scopes {
                    out.extend(repo::list_rules(&mut conn, Some(&s)).await?);
                }
                Ok(out)
            }
        }
    }
}
