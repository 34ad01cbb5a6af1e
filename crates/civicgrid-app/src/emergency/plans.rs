//! Emergency plans (应急预案) per community or street and hazard: read (the written
//! plan, or the hazard's template when none is written) and saved with the duty
//! roster. Who may: [`Permission::ViewEmergency`] reads the plans of the scope,
//! [`Permission::ManageEmergency`] writes them; the people on the roster must be
//! active accounts serving that place. Saving is audited in its transaction.

use civicgrid_domain::emergency::modes::Hazard;
use civicgrid_domain::emergency::plans::{PlanSpec, template};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::emergency::modes::{self as repo, DutyRecord, PlanRecord};
use civicgrid_store::platform::{accounts, org};
use civicgrid_store::{AnyConnection, commit, now_ms};

use crate::authz::{Change, record, require_in_sight, require_somewhere, scopes};
use crate::{App, AppError, AppResult};

/// The longest duty name or contact.
const MAX_DUTY_CHARS: usize = 50;
/// The most people on a roster.
const MAX_ROSTER: usize = 20;

pub(crate) fn domain_error(e: civicgrid_domain::emergency::Invalid) -> AppError {
    AppError::invalid(e.field, e.message)
}

/// A plan as a page shows it: written, or the template.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub node_id: i64,
    pub node_name: String,
    pub spec: PlanSpec,
    /// `None` when nothing is written yet (the template is shown).
    pub plan_id: Option<i64>,
    pub roster: Vec<DutyRecord>,
    pub updated_at: Option<i64>,
    pub may_edit: bool,
}

/// One person on call, as posted.
#[derive(Debug, Clone)]
pub struct DutyInput {
    pub user_id: i64,
    pub duty: String,
    pub contact: String,
}

/// The community or street `node_id`, which the actor may see emergencies at.
async fn plan_place(
    conn: &mut AnyConnection,
    actor: &Actor,
    node_id: i64,
    manage: bool,
) -> AppResult<org::OrgNode> {
    let gone = || AppError::NotFound("place");
    let node = org::get(conn, node_id).await.map_err(|_| gone())?;
    if manage {
        require_in_sight(
            actor,
            Permission::ManageEmergency,
            Permission::ViewEmergency,
            &node.path,
            gone,
        )?;
    } else if !actor.can(Permission::ViewEmergency, &node.path) {
        return Err(gone());
    }
    if !matches!(node.kind, NodeKind::Community | NodeKind::Street) {
        return Err(AppError::invalid(
            "node",
            "plans are written for a community or a street",
        ));
    }
    Ok(node)
}

/// The plan that governs `community` for `hazard`: its own, else its street's.
pub(crate) async fn governing_plan(
    conn: &mut AnyConnection,
    community: &org::OrgNode,
    hazard: Hazard,
) -> AppResult<Option<PlanRecord>> {
    if let Some(p) = repo::plan_of(conn, community.id, hazard).await? {
        return Ok(Some(p));
    }
    for id in community.path.ids().into_iter().rev().skip(1) {
        let n = org::get(conn, id).await?;
        if n.kind == NodeKind::Street {
            return Ok(repo::plan_of(conn, n.id, hazard).await?);
        }
    }
    Ok(None)
}

impl App {
    /// The plan of `node_id` for `hazard`, or the hazard's template when none is
    /// written.
    pub async fn emergency_plan(
        &self,
        actor: &Actor,
        node_id: i64,
        hazard: Hazard,
    ) -> AppResult<PlanView> {
        require_somewhere(actor, Permission::ViewEmergency)?;
        let mut conn = self.db.read().await?;
        let node = plan_place(&mut conn, actor, node_id, false).await?;
        let written = repo::plan_of(&mut conn, node.id, hazard).await?;
        let roster = match &written {
            Some(p) => repo::roster_of(&mut conn, p.id).await?,
            None => Vec::new(),
        };
        Ok(PlanView {
            node_id: node.id,
            node_name: node.name_zh.clone(),
            may_edit: actor.can(Permission::ManageEmergency, &node.path),
            plan_id: written.as_ref().map(|p| p.id),
            updated_at: written.as_ref().map(|p| p.updated_at),
            spec: written.map_or_else(|| template(hazard), |p| p.spec),
            roster,
        })
    }

    /// The plans written for places of the actor's scope.
    pub async fn emergency_plans(&self, actor: &Actor) -> AppResult<Vec<(PlanRecord, String)>> {
        require_somewhere(actor, Permission::ViewEmergency)?;
        let mut conn = self.db.read().await?;
        let mut out: Vec<(PlanRecord, String)> = Vec::new();
        for s in scopes(actor, Permission::ViewEmergency) {
            for p in repo::plans_within(&mut conn, &s).await? {
                if out.iter().any(|(q, _)| q.id == p.id) {
                    continue;
                }
                let name = org::get(&mut conn, p.node_id).await?.name_zh;
                out.push((p, name));
            }
        }
        Ok(out)
    }

    /// Writes the plan of `node_id` for its hazard with its duty roster.
    pub async fn save_emergency_plan(
        &self,
        actor: &Actor,
        node_id: i64,
        spec: PlanSpec,
        roster: &[DutyInput],
    ) -> AppResult<i64> {
        require_somewhere(actor, Permission::ManageEmergency)?;
        let mut tx = self.db.begin_write().await?;
        let node = plan_place(&mut tx, actor, node_id, true).await?;
        let spec = spec.check().map_err(domain_error)?;
        let cats = civicgrid_store::requests::categories(&mut tx).await?;
        if let Some(bad) = spec
            .urgent_categories
            .iter()
            .find(|c| !cats.iter().any(|k| &k.code == *c))
        {
            return Err(AppError::Invalid {
                field: "urgent_categories",
                message: format!("no such category: {bad}"),
            });
        }
        let tags = civicgrid_store::ledger::catalogue(&mut tx).await?;
        if spec
            .check_tags
            .iter()
            .any(|t| !tags.iter().any(|k| &k.def.code == t))
        {
            return Err(AppError::invalid(
                "check_tags",
                "choose tags of the catalogue",
            ));
        }
        let roster = check_roster(&mut tx, roster, &node.path).await?;
        let id = repo::put_plan(
            &mut tx,
            &PlanRecord {
                id: 0,
                node_id: node.id,
                scope: node.path.clone(),
                spec: spec.clone(),
                updated_by: actor.user_id,
                updated_at: now_ms(),
            },
        )
        .await?;
        repo::put_roster(&mut tx, id, &roster).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "emergency.plan",
                target_type: "emergency_plan",
                target_id: id.to_string(),
                scope: Some(&node.path),
                reason: None,
                details: serde_json::json!({
                    "hazard": spec.hazard.code(),
                    "steps": spec.steps.len(),
                    "on_duty": roster.len(),
                }),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(id)
    }
}

/// Checks the roster: each person an active account serving `place` (a role there,
/// above or inside it), with a duty and a contact.
async fn check_roster(
    conn: &mut AnyConnection,
    roster: &[DutyInput],
    place: &OrgPath,
) -> AppResult<Vec<DutyRecord>> {
    if roster.len() > MAX_ROSTER {
        return Err(AppError::invalid("roster", "at most 20 people on duty"));
    }
    let mut out = Vec::new();
    for d in roster {
        let bad = || AppError::invalid("roster", "choose people who serve this place");
        let user = accounts::get_user(conn, d.user_id)
            .await
            .map_err(|_| bad())?;
        let serves = accounts::assignments_of(conn, d.user_id)
            .await?
            .iter()
            .any(|a| a.assignment.path.is_within(place) || place.is_within(&a.assignment.path));
        if !user.active || !serves {
            return Err(bad());
        }
        let (duty, contact) = (d.duty.trim(), d.contact.trim());
        if duty.is_empty() || contact.is_empty() {
            return Err(AppError::invalid(
                "roster",
                "give each person a duty and a contact",
            ));
        }
        if duty.chars().count() > MAX_DUTY_CHARS || contact.chars().count() > MAX_DUTY_CHARS {
            return Err(AppError::invalid("roster", "at most 50 characters"));
        }
        out.push(DutyRecord {
            user_id: d.user_id,
            duty: duty.to_owned(),
            contact: contact.to_owned(),
            name: user.display_name.clone(),
        });
    }
    Ok(out)
}

/// An account that may be put on a duty roster.
#[derive(Debug, Clone)]
pub struct DutyChoice {
    pub user_id: i64,
    pub display_name: String,
}

impl App {
    /// Accounts serving `node_id` (a role at it or inside it, residents aside) that may
    /// be put on its duty roster, by name.
    pub async fn duty_choices(&self, actor: &Actor, node_id: i64) -> AppResult<Vec<DutyChoice>> {
        require_somewhere(actor, Permission::ManageEmergency)?;
        let mut conn = self.db.read().await?;
        let node = plan_place(&mut conn, actor, node_id, true).await?;
        let users = accounts::list_users(
            &mut conn,
            Some(std::slice::from_ref(&node.path)),
            None,
            500,
            0,
        )
        .await?;
        let mut out = Vec::new();
        for u in users.into_iter().filter(|u| u.active) {
            let staff = accounts::assignments_of(&mut conn, u.id)
                .await?
                .iter()
                .any(|a| a.assignment.role != civicgrid_domain::platform::access::Role::Resident);
            if staff {
                out.push(DutyChoice {
                    user_id: u.id,
                    display_name: u.display_name,
                });
            }
        }
        Ok(out)
    }
}
