//! Responder organisations and their members ([`Permission::ManageResponders`] at the
//! node the organisation serves).

use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_domain::requests::category::ResponderKind;
use civicgrid_store::requests::{self as repo, ResponderOrg};
use civicgrid_store::{AnyConnection, commit, now_ms, platform::accounts, platform::org};

use crate::authz::{Change, record, require_in_sight, require_somewhere};
use crate::{App, AppError, AppResult};

fn check_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "give a name of 1–100 characters"));
    }
    Ok(name.to_owned())
}

/// Loads an organisation for a change; one the actor cannot see (outside the scopes in
/// which organisations are listed to them) is not found, as a missing one.
async fn org_in_sight(conn: &mut AnyConnection, actor: &Actor, id: i64) -> AppResult<ResponderOrg> {
    require_somewhere(actor, Permission::ManageResponders)?;
    let o = repo::get_org(conn, id)
        .await
        .map_err(|_| AppError::NotFound("responder organisation"))?;
    require_in_sight(
        actor,
        Permission::ManageResponders,
        Permission::ViewRequests,
        &o.scope,
        || AppError::NotFound("responder organisation"),
    )?;
    Ok(o)
}

/// The account may join the organisation: it holds the responder role where the
/// organisation works, somewhere the actor may see accounts.
async fn may_join(
    conn: &mut AnyConnection,
    actor: &Actor,
    o: &ResponderOrg,
    user_id: i64,
) -> AppResult<bool> {
    let held = accounts::assignments_of(conn, user_id).await?;
    Ok(held.iter().any(|a| {
        a.assignment.role == Role::Responder
            && (a.assignment.path.is_within(&o.scope) || o.scope.is_within(&a.assignment.path))
            && actor.can(Permission::ViewUsers, &a.assignment.path)
    }))
}

/// The most accounts one search of would-be members looks at, and the most it returns.
const MEMBER_SCAN: i64 = 200;
const MEMBER_MAX: usize = 20;

impl App {
    /// Accounts whose name contains `q` that may join organisation `org_id` (those
    /// [`App::set_responder_member`] would accept and that are not members yet), as
    /// (user id, name). For those who may change its members.
    pub async fn responder_member_candidates(
        &self,
        actor: &Actor,
        org_id: i64,
        q: &str,
    ) -> AppResult<Vec<(i64, String)>> {
        let mut conn = self.db.read().await?;
        let o = org_in_sight(&mut conn, actor, org_id).await?;
        let members = repo::members(&mut conn, org_id).await?;
        let q = q.trim();
        let users = accounts::list_users(
            &mut conn,
            None,
            (!q.is_empty()).then_some(q),
            MEMBER_SCAN,
            0,
        )
        .await?;
        let mut out = Vec::new();
        for u in users {
            if u.active && !members.contains(&u.id) && may_join(&mut conn, actor, &o, u.id).await? {
                out.push((u.id, u.display_name));
                if out.len() >= MEMBER_MAX {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// One organisation with its members' names (user id, name), for those who may
    /// change its members; others find no such organisation.
    pub async fn responder_org_members(
        &self,
        actor: &Actor,
        org_id: i64,
    ) -> AppResult<(ResponderOrg, Vec<(i64, String)>)> {
        let mut conn = self.db.read().await?;
        let o = org_in_sight(&mut conn, actor, org_id).await?;
        let mut named = Vec::new();
        for id in repo::members(&mut conn, org_id).await? {
            let name = accounts::get_user(&mut conn, id)
                .await
                .map_or_else(|_| String::new(), |u| u.display_name);
            named.push((id, name));
        }
        Ok((o, named))
    }

    /// [`App::responder_orgs`] with each member's name, as (user id, name).
    pub async fn responder_orgs_named(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(ResponderOrg, Vec<(i64, String)>)>> {
        let orgs = self.responder_orgs(actor).await?;
        let mut conn = self.db.read().await?;
        let mut out = Vec::with_capacity(orgs.len());
        for (o, ids) in orgs {
            let mut named = Vec::with_capacity(ids.len());
            for id in ids {
                let name = accounts::get_user(&mut conn, id)
                    .await
                    .map_or_else(|_| String::new(), |u| u.display_name);
                named.push((id, name));
            }
            out.push((o, named));
        }
        Ok(out)
    }

    /// Creates an organisation serving the subtree of `node_id`.
    pub async fn create_responder_org(
        &self,
        actor: &Actor,
        kind: ResponderKind,
        name: &str,
        node_id: i64,
    ) -> AppResult<ResponderOrg> {
        let name = check_name(name)?;
        require_somewhere(actor, Permission::ManageResponders)?;
        let mut tx = self.db.begin_write().await?;
        let no_node = || AppError::invalid("node_id", "no such node");
        let node = org::get(&mut tx, node_id).await.map_err(|_| no_node())?;
        require_in_sight(
            actor,
            Permission::ManageResponders,
            Permission::ViewOrg,
            &node.path,
            no_node,
        )?;
        let o = repo::insert_org(&mut tx, kind, &name, node.id, &node.path, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "request.responder.create",
                target_type: "responder_org",
                target_id: o.id.to_string(),
                scope: Some(&node.path),
                reason: None,
                details: serde_json::json!({"kind": kind.code(), "name": name, "node": node.id}),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(o)
    }

    /// Renames, changes the kind of, or (de)activates an organisation. An inactive one
    /// keeps its requests but is no longer offered for routing and its members lose
    /// their queue.
    pub async fn update_responder_org(
        &self,
        actor: &Actor,
        id: i64,
        kind: ResponderKind,
        name: &str,
        active: bool,
    ) -> AppResult<ResponderOrg> {
        let name = check_name(name)?;
        let mut tx = self.db.begin_write().await?;
        let before = org_in_sight(&mut tx, actor, id).await?;
        repo::update_org(&mut tx, id, kind, &name, active, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "request.responder.update",
                target_type: "responder_org",
                target_id: id.to_string(),
                scope: Some(&before.scope),
                reason: None,
                details: serde_json::json!({
                    "from": {"kind": before.kind.code(), "name": before.name, "active": before.active},
                    "to": {"kind": kind.code(), "name": name, "active": active},
                }),
            },
        )
        .await?;
        let after = repo::get_org(&mut tx, id).await?;
        commit(tx).await?;
        Ok(after)
    }

    /// Adds (`member = true`) or removes a member. Returns whether anything changed.
    pub async fn set_responder_member(
        &self,
        actor: &Actor,
        org_id: i64,
        user_id: i64,
        member: bool,
    ) -> AppResult<bool> {
        let mut tx = self.db.begin_write().await?;
        let o = org_in_sight(&mut tx, actor, org_id).await?;
        if member {
            // The account touched is checked too: only an account holding the responder
            // role where the organisation works, and visible to the actor, may join it.
            // Any other is answered as one that does not exist.
            if !may_join(&mut tx, actor, &o, user_id).await? {
                return Err(AppError::invalid(
                    "user_id",
                    "no account holding the responder role here has this id",
                ));
            }
        } else {
            accounts::get_user(&mut tx, user_id)
                .await
                .map_err(|_| AppError::invalid("user_id", "no such user"))?;
        }
        let changed = if member {
            repo::add_member(&mut tx, org_id, user_id, now_ms()).await?
        } else {
            repo::remove_member(&mut tx, org_id, user_id).await?
        };
        if changed {
            record(
                &mut tx,
                actor,
                Change {
                    action: if member {
                        "request.responder.member_add"
                    } else {
                        "request.responder.member_remove"
                    },
                    target_type: "responder_org",
                    target_id: org_id.to_string(),
                    scope: Some(&o.scope),
                    reason: None,
                    details: serde_json::json!({"user": user_id}),
                },
            )
            .await?;
        }
        commit(tx).await?;
        Ok(changed)
    }

    /// Organisations in the actor's scopes (with [`Permission::ViewRequests`] or
    /// [`Permission::ManageResponders`]), with their members' user ids.
    pub async fn responder_orgs(&self, actor: &Actor) -> AppResult<Vec<(ResponderOrg, Vec<i64>)>> {
        let perm = if actor.can_somewhere(Permission::ManageResponders) {
            Permission::ManageResponders
        } else {
            require_somewhere(actor, Permission::ViewRequests)?;
            Permission::ViewRequests
        };
        let mut conn = self.db.read().await?;
        let mut orgs = Vec::new();
        match actor.scopes(perm) {
            None => orgs = repo::list_orgs(&mut conn, None).await?,
            Some(scopes) => {
                for s in scopes {
                    orgs.extend(repo::list_orgs(&mut conn, Some(&s)).await?);
                }
            }
        }
        let mut out = Vec::with_capacity(orgs.len());
        for o in orgs {
            let members = repo::members(&mut conn, o.id).await?;
            out.push((o, members));
        }
        Ok(out)
    }
}
