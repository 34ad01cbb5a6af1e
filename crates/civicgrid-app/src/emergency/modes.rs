//! Switching a community into emergency mode or a drill and back (see the table of
//! [`civicgrid_domain::emergency::modes`]), ticking the plan's checklist, keeping the
//! incident log, and what every page and the home page show while one runs.
//!
//! Who may: [`Permission::ManageEmergency`] switches communities of the scope (a street
//! admin may switch every community of the street at once), ticks steps and writes the
//! log; [`Permission::ViewEmergency`] follows the situation. Everyone signed in whose
//! place lies in a running activation's community (residents included) sees its
//! banner. Starting copies the governing plan's checklist and urgent categories, and,
//! when asked, publishes an important notice to every household; each change is
//! audited in its transaction.

use civicgrid_domain::emergency::modes::{
    Hazard, Kind, Level, check_closing, check_reason, check_switch_on,
};
use civicgrid_domain::emergency::plans::template;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::emergency::modes::{
    self as repo, ActivationRecord, DutyRecord, IncidentRecord, StepRecord,
};
use civicgrid_store::platform::org::{self, OrgNode};
use civicgrid_store::{AnyConnection, commit, now_ms};

pub use civicgrid_store::emergency::modes::ActivationRecord as Activation;

use super::plans::{domain_error, governing_plan};
use crate::authz::{Change, record, require_in_sight, require_somewhere, scopes};
use crate::{App, AppError, AppResult};

/// What a switch into emergency mode says.
#[derive(Debug, Clone)]
pub struct StartEmergency {
    /// A community, or a street (every community of it).
    pub node_id: i64,
    pub kind: Kind,
    pub hazard: Hazard,
    pub level: Level,
    pub reason: String,
    /// Publish an important notice to every household of each community.
    pub notify: bool,
}

/// The kinds of incident log entries.
pub const INCIDENT_KINDS: &[&str] = &["event", "decision", "resource"];

/// What the situation page shows.
#[derive(Debug, Clone)]
pub struct Situation {
    pub a: ActivationRecord,
    pub community_name: String,
    pub checklist: Vec<StepRecord>,
    pub roster: Vec<DutyRecord>,
    pub incidents: Vec<IncidentRecord>,
    /// Open requests of the community in the activation's urgent categories.
    pub urgent_open: i64,
    pub may_manage: bool,
    /// Its welfare-check campaigns, newest first.
    pub campaigns: Vec<civicgrid_store::emergency::checks::CampaignRecord>,
    /// For a new campaign (who manages it): the care tags the plan checks first, the
    /// community and its grids, and who may check.
    pub check_tags: Vec<String>,
    pub campaign_places: Vec<(i64, String)>,
    pub checkers: Vec<(i64, String)>,
}

/// A running activation as a banner or a home card names it.
#[derive(Debug, Clone)]
pub struct RunningEmergency {
    pub a: ActivationRecord,
    pub community_name: String,
    /// The people on duty (from the governing plan).
    pub roster: Vec<DutyRecord>,
    /// Steps done, of all.
    pub steps: (usize, usize),
    /// The reader follows it (may open the situation).
    pub may_follow: bool,
}

fn gone() -> AppError {
    AppError::NotFound("emergency")
}

async fn log(
    conn: &mut AnyConnection,
    actor: &Actor,
    a: &ActivationRecord,
    action: &'static str,
    reason: Option<&str>,
    details: serde_json::Value,
) -> AppResult<()> {
    record(
        conn,
        actor,
        Change {
            action,
            target_type: "emergency",
            target_id: a.id.to_string(),
            scope: Some(&a.scope),
            reason,
            details,
        },
    )
    .await?;
    Ok(())
}

/// Whether `actor` follows emergencies of the community at `scope`: in a scope holding
/// it, or in one of its grids (a grid worker follows their community's emergency).
pub fn follows(actor: &Actor, scope: &civicgrid_domain::platform::org::OrgPath) -> bool {
    actor.can(Permission::ViewEmergency, scope)
        || actor
            .assignments
            .iter()
            .any(|a| a.role.has(Permission::ViewEmergency) && a.path.is_within(scope))
}

/// Loads an activation the actor follows; anything else is not found.
pub(super) async fn followed(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<ActivationRecord> {
    let a = repo::get_activation(conn, id).await.map_err(|_| gone())?;
    if !follows(actor, &a.scope) {
        return Err(gone());
    }
    Ok(a)
}

/// Loads an activation the actor manages; one out of sight is not found.
async fn managed(conn: &mut AnyConnection, actor: &Actor, id: i64) -> AppResult<ActivationRecord> {
    require_somewhere(actor, Permission::ManageEmergency)?;
    let a = repo::get_activation(conn, id).await.map_err(|_| gone())?;
    require_in_sight(
        actor,
        Permission::ManageEmergency,
        Permission::ViewEmergency,
        &a.scope,
        gone,
    )?;
    Ok(a)
}

/// The communities a switch at `node` covers: itself, or every community of a street.
async fn communities_of(conn: &mut AnyConnection, node: &OrgNode) -> AppResult<Vec<OrgNode>> {
    match node.kind {
        NodeKind::Community => Ok(vec![node.clone()]),
        NodeKind::Street => Ok(org::children(conn, node.id)
            .await?
            .into_iter()
            .filter(|n| n.kind == NodeKind::Community)
            .collect()),
        _ => Err(AppError::invalid(
            "node",
            "switch a community, or every community of a street",
        )),
    }
}

impl App {
    /// Switches a community, or every community of a street, into emergency mode or a
    /// drill; returns the activations started. A community already running one
    /// refuses the whole switch.
    pub async fn start_emergency(
        &self,
        actor: &Actor,
        s: &StartEmergency,
    ) -> AppResult<Vec<ActivationRecord>> {
        require_somewhere(actor, Permission::ManageEmergency)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let no_place = || AppError::invalid("node", "choose a community or a street");
        let node = org::get(&mut tx, s.node_id).await.map_err(|_| no_place())?;
        if !actor.can(Permission::ManageEmergency, &node.path) {
            return Err(no_place());
        }
        let reason = check_reason(&s.reason).map_err(domain_error)?;
        let communities = communities_of(&mut tx, &node).await?;
        if communities.is_empty() {
            return Err(AppError::invalid("node", "this street has no community"));
        }
        let mut started = Vec::new();
        for c in &communities {
            let running = repo::running_in(&mut tx, c.id).await?;
            check_switch_on(running.map(|r| r.kind)).map_err(|e| AppError::Invalid {
                field: e.field,
                message: format!("{}: {}", c.name_zh, e.message),
            })?;
            let plan = governing_plan(&mut tx, c, s.hazard).await?;
            let spec = plan
                .as_ref()
                .map_or_else(|| template(s.hazard), |p| p.spec.clone());
            let mut a = ActivationRecord {
                id: 0,
                community_id: c.id,
                scope: c.path.clone(),
                kind: s.kind,
                hazard: s.hazard,
                level: s.level,
                reason: reason.clone(),
                plan_id: plan.as_ref().map(|p| p.id),
                urgent_categories: spec.urgent_categories.clone(),
                urgent_response_minutes: spec.urgent_response_minutes,
                urgent_resolution_minutes: spec.urgent_resolution_minutes,
                started_by: actor.user_id,
                started_at: now,
                ended_by: None,
                ended_at: None,
                closing_note: None,
            };
            a.id = repo::insert_activation(&mut tx, &a).await?;
            repo::insert_checklist(&mut tx, a.id, &spec.steps).await?;
            log(
                &mut tx,
                actor,
                &a,
                "emergency.start",
                Some(&reason),
                serde_json::json!({ "emergency_kind": a.kind.code(), "hazard": a.hazard.code(),
                                    "emergency_level": a.level.code(), "plan_id": a.plan_id }),
            )
            .await?;
            started.push(a);
        }
        commit(tx).await?;
        if s.notify {
            for a in &started {
                self.emergency_notice(actor, a).await?;
            }
        }
        Ok(started)
    }

    /// Publishes the important notice of a switch to every household of its community.
    async fn emergency_notice(&self, actor: &Actor, a: &ActivationRecord) -> AppResult<()> {
        let (tag_zh, tag_en) = match a.kind {
            Kind::Drill => ("【演练】", "[Drill] "),
            Kind::Emergency => ("", ""),
        };
        let input = crate::participation::notices::NoticeInput {
            scope_id: Some(a.community_id),
            title_zh: format!(
                "{tag_zh}{}应急响应（{}）启动",
                a.hazard.label_zh(),
                a.level.label_zh()
            ),
            body_zh: format!(
                "{}\n请留意社区后续通知；独居老人、行动不便的居民，网格员和志愿者将逐户联系。需要帮助请拨打社区值班电话或在平台提交诉求。",
                a.reason
            ),
            title_en: format!("{tag_en}Emergency response started: {}", a.hazard.code()),
            body_en: a.reason.clone(),
            target: "everyone".into(),
            tags: Vec::new(),
            roles: Vec::new(),
            estate_id: None,
            pinned: true,
            important: true,
            // Everyone should have read it within a day; the grid worker follows up.
            read_by: Some(now_ms() + 86_400_000),
            expires_at: None,
            publish: true,
            attachments: Vec::new(),
        };
        self.create_notice(actor, &input).await?;
        Ok(())
    }

    /// Switches a community back to normal with a closing note.
    pub async fn end_emergency(
        &self,
        actor: &Actor,
        id: i64,
        closing_note: &str,
    ) -> AppResult<ActivationRecord> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let a = managed(&mut tx, actor, id).await?;
        let note = check_closing(closing_note).map_err(domain_error)?;
        if !repo::end_activation(&mut tx, a.id, actor.user_id, now, &note).await? {
            return Err(AppError::invalid("closing_note", "this has ended already"));
        }
        log(
            &mut tx,
            actor,
            &a,
            "emergency.end",
            Some(&note),
            serde_json::json!({ "emergency_kind": a.kind.code() }),
        )
        .await?;
        commit(tx).await?;
        let mut conn = self.db.read().await?;
        Ok(repo::get_activation(&mut conn, id).await?)
    }

    /// Ticks or unticks step `position` of a running activation's checklist.
    pub async fn tick_emergency_step(
        &self,
        actor: &Actor,
        id: i64,
        position: i64,
        done: bool,
    ) -> AppResult<()> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let a = managed(&mut tx, actor, id).await?;
        if a.ended_at.is_some() {
            return Err(AppError::invalid("step", "this has ended"));
        }
        let at = done.then_some((actor.user_id, now));
        if !repo::set_step(&mut tx, a.id, position, at).await? {
            return Err(AppError::invalid("step", "no such step"));
        }
        log(
            &mut tx,
            actor,
            &a,
            "emergency.step",
            None,
            serde_json::json!({ "step": position + 1, "done": done }),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Appends an entry to the incident log (an event, a decision, a resource used),
    /// at `happened_at` (default now; not in the future, not before the start).
    pub async fn log_incident(
        &self,
        actor: &Actor,
        id: i64,
        kind: &str,
        text: &str,
        happened_at: Option<i64>,
    ) -> AppResult<IncidentRecord> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let a = managed(&mut tx, actor, id).await?;
        if !INCIDENT_KINDS.contains(&kind) {
            return Err(AppError::invalid(
                "incident_kind",
                "event, decision or resource",
            ));
        }
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 500 {
            return Err(AppError::invalid(
                "incident_text",
                "say what happened (at most 500 characters)",
            ));
        }
        let at = happened_at.unwrap_or(now);
        if at > now + 60_000 || at < a.started_at - 86_400_000 {
            return Err(AppError::invalid(
                "incident_at",
                "a time since the start and not in the future",
            ));
        }
        let mut i = IncidentRecord {
            id: 0,
            activation_id: a.id,
            kind: kind.to_owned(),
            text: text.to_owned(),
            happened_at: at,
            recorded_by: actor.user_id,
            recorded_at: now,
        };
        i.id = repo::insert_incident(&mut tx, &i).await?;
        log(
            &mut tx,
            actor,
            &a,
            "emergency.incident",
            None,
            serde_json::json!({ "incident_id": i.id, "incident_kind": kind }),
        )
        .await?;
        commit(tx).await?;
        Ok(i)
    }

    /// The situation of one activation (who follows emergencies there).
    pub async fn emergency_situation(&self, actor: &Actor, id: i64) -> AppResult<Situation> {
        let mut conn = self.db.read().await?;
        let a = followed(&mut conn, actor, id).await?;
        let community_name = org::get(&mut conn, a.community_id).await?.name_zh;
        let roster = match a.plan_id {
            Some(p) => repo::roster_of(&mut conn, p).await?,
            None => Vec::new(),
        };
        let urgent_open =
            repo::open_requests_in(&mut conn, a.community_id, &a.urgent_categories).await?;
        let may_manage = actor.can(Permission::ManageEmergency, &a.scope);
        let community = org::get(&mut conn, a.community_id).await?;
        let check_tags = governing_plan(&mut conn, &community, a.hazard)
            .await?
            .map_or_else(|| template(a.hazard).check_tags, |p| p.spec.check_tags);
        let (campaign_places, checkers) = if may_manage && a.ended_at.is_none() {
            let mut places = vec![(a.community_id, community_name.clone())];
            places.extend(
                org::children(&mut conn, a.community_id)
                    .await?
                    .into_iter()
                    .filter(|n| n.kind == NodeKind::Grid)
                    .map(|n| (n.id, n.name_zh)),
            );
            (places, super::checks::serving(&mut conn, &a.scope).await?)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Situation {
            campaigns: civicgrid_store::emergency::checks::campaigns_of(&mut conn, a.id).await?,
            check_tags,
            campaign_places,
            checkers,
            checklist: repo::checklist_of(&mut conn, a.id).await?,
            incidents: repo::incidents_of(&mut conn, a.id).await?,
            may_manage,
            community_name,
            roster,
            urgent_open,
            a,
        })
    }

    /// Running and past activations where the actor follows emergencies, newest first.
    pub async fn emergencies(&self, actor: &Actor) -> AppResult<Vec<(ActivationRecord, String)>> {
        require_somewhere(actor, Permission::ViewEmergency)?;
        let mut conn = self.db.read().await?;
        let mut all: Vec<ActivationRecord> = Vec::new();
        for s in scopes(actor, Permission::ViewEmergency) {
            all.extend(repo::activations_within(&mut conn, &s, 50).await?);
        }
        // A grid worker follows what runs in their community.
        all.extend(
            repo::running(&mut conn)
                .await?
                .into_iter()
                .filter(|a| follows(actor, &a.scope)),
        );
        all.sort_by_key(|a| std::cmp::Reverse(a.id));
        all.dedup_by_key(|a| a.id);
        let mut out = Vec::with_capacity(all.len());
        for a in all {
            let name = org::get(&mut conn, a.community_id).await?.name_zh;
            out.push((a, name));
        }
        Ok(out)
    }

    /// The activations running where the actor has a place (any role; a resident's
    /// grid), for the banner and the home page.
    pub async fn running_emergencies(&self, actor: &Actor) -> AppResult<Vec<RunningEmergency>> {
        let mut conn = self.db.read().await?;
        let running = repo::running(&mut conn).await?;
        if running.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for a in running {
            let concerns = actor.is_system()
                || actor
                    .assignments
                    .iter()
                    .any(|x| x.path.is_within(&a.scope) || a.scope.is_within(&x.path));
            if !concerns {
                continue;
            }
            let checklist = repo::checklist_of(&mut conn, a.id).await?;
            let roster = match a.plan_id {
                Some(p) => repo::roster_of(&mut conn, p).await?,
                None => Vec::new(),
            };
            out.push(RunningEmergency {
                community_name: org::get(&mut conn, a.community_id).await?.name_zh,
                steps: (
                    checklist.iter().filter(|s| s.done_at.is_some()).count(),
                    checklist.len(),
                ),
                may_follow: follows(actor, &a.scope),
                roster,
                a,
            });
        }
        Ok(out)
    }
}
