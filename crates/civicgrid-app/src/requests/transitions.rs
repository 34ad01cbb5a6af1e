//! What staff, responders and the resident do to a request: accept, assign, start,
//! resolve, close, reject, refer, hold, resume, reopen, merge a duplicate, comment.
//!
//! Every state-machine action goes through one call, [`App::act_on_request`], with
//! the domain's [`Action`] carrying what the action needs; it names the request and,
//! optionally, the version the caller saw (stale versions are refused). The domain state machine decides whether the status allows
//! the action; the caller's standing (requester, handler, responder) decides whether
//! they may take it. The change, its timeline line, its audit entry and the
//! notifications are written in one transaction.

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::requests::routing::Party;
use civicgrid_domain::requests::sla::{EscalationLevel, Targets};
use civicgrid_domain::requests::status::{self, ActorKind, TransitionContext};
use civicgrid_domain::requests::{Action, ActionKind, RequestId, Status};
use civicgrid_store::requests::{self as repo, RequestRecord};
use civicgrid_store::{AnyConnection, StoreError, commit, now_ms, platform::accounts};

use super::routing::check_party;
use super::settings::{Rules, load_rules};
use super::{
    RequestView, Standing, Step, actor_role, set_clock, stale, transition_error, visible_request,
    write_step,
};
use crate::authz::reason;
use crate::{App, AppError, AppResult};

/// Applies `action` to `rec` (already loaded and seen by `actor` with standing `s`),
/// updating its fields, and writes everything. Shared by every transition, the rating
/// and the escalation job's auto-close.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_action(
    conn: &mut AnyConnection,
    actor: &Actor,
    s: Standing,
    rec: &mut RequestRecord,
    action: &Action,
    actor_kind: ActorKind,
    rules: &Rules,
    extra: Step,
    now: i64,
) -> AppResult<i64> {
    let ctx = TransitionContext {
        request_id: rec.id,
        actor: actor_kind,
        now_ms: now,
        resolved_at_ms: rec.resolved_at,
        rating: rec.rating,
        held_from: rec.held_from,
        reopen_window_ms: rules.policy.reopen_window_ms,
    };
    let from = rec.status;
    let to = status::apply(from, action, &ctx).map_err(transition_error)?;
    let cal = &rules.calendar;
    match action.kind() {
        ActionKind::Hold => {
            rec.held_from = Some(from);
            rec.held_at = Some(now);
        }
        ActionKind::Resume => {
            if let Some(held) = rec.held_at {
                rec.deadlines = rec.deadlines.extended(cal, held, now);
            }
            rec.held_from = None;
            rec.held_at = None;
        }
        ActionKind::Resolve => {
            rec.resolved_at = Some(now);
            rec.return_visit_pending = rec.channel.needs_staff_return_visit();
        }
        ActionKind::Close => rec.closed_at = Some(now),
        ActionKind::Reopen => {
            let category = repo::category(conn, &rec.category).await?;
            if let Some(c) = category {
                rec.deadlines =
                    rules
                        .policy
                        .sla
                        .resolution_deadline(cal, Targets::of(&c), now, rec.deadlines);
            }
            rec.resolved_at = None;
            rec.closed_at = None;
            rec.rating = None;
            rec.rating_comment = None;
            rec.rated_at = None;
            rec.flagged = false;
            rec.return_visit_pending = false;
            rec.escalation_level = EscalationLevel::GridWorker;
        }
        _ => {}
    }
    if from == Status::Submitted && rec.responded_at.is_none() && to != Status::Submitted {
        rec.responded_at = Some(now);
    }
    rec.status = to;
    rec.updated_at = now;
    set_clock(rec, cal, &rules.policy);
    rec.version = repo::update_request(conn, rec).await?.ok_or_else(stale)?;
    let mut step = extra;
    step.from = Some(from);
    step.to = Some(to);
    if step.note.is_none() {
        step.note = action.reason().map(str::to_owned);
    }
    if let Action::MarkDuplicate { original } = action {
        step.related = Some(*original);
    }
    let role = if actor_kind == ActorKind::Requester {
        "requester".to_owned()
    } else {
        actor_role(actor, s)
    };
    write_step(conn, actor, &role, rec, step, now).await
}

/// Checks that `user` can work on a request located at `at` for `party`: an active
/// account holding the party's role at a node containing the place (a role party), or
/// a member of the organisation holding a role there that responds to or handles
/// requests (an organisation). Anyone else, existing or not, is the same objection.
async fn check_assignee(
    conn: &mut AnyConnection,
    party: Party,
    user: i64,
    at: &OrgPath,
) -> AppResult<()> {
    let refused = || {
        AppError::invalid(
            "user_id",
            match party {
                Party::Role(_) => "not someone holding that role where the request is",
                Party::Org(_) => {
                    "not a member of that organisation who can work where the request is"
                }
            },
        )
    };
    let active = accounts::get_user(conn, user)
        .await
        .map(|u| u.active)
        .or_else(|e| match e {
            StoreError::NotFound => Ok(false),
            other => Err(AppError::from(other)),
        })?;
    if !active {
        return Err(refused());
    }
    let held = accounts::assignments_of(conn, user).await?;
    let here = |a: &&accounts::AssignmentView| at.is_within(&a.assignment.path);
    let fits = match party {
        Party::Role(role) => held
            .iter()
            .filter(here)
            .any(|a| a.assignment.role == role && role.has(Permission::HandleRequests)),
        Party::Org(org) => {
            repo::members(conn, org).await?.contains(&user)
                && held.iter().filter(here).any(|a| {
                    a.assignment.role.has(Permission::RespondToRequests)
                        || a.assignment.role.has(Permission::HandleRequests)
                })
        }
    };
    if fits { Ok(()) } else { Err(refused()) }
}

/// Someone a request may be assigned to, with the parties under which they may take it.
#[derive(Debug, Clone)]
pub struct AssigneeCandidate {
    pub user_id: i64,
    pub name: String,
    /// `role:<role>` or `org:<id>`: the parties with which the assignment is accepted.
    pub parties: Vec<Party>,
}

/// The most people one search of assignees looks at, and the most it returns.
const ASSIGNEE_SCAN: i64 = 200;
const ASSIGNEE_MAX: usize = 20;

impl App {
    /// People request `id` may be assigned to whose name or account contains `q`: only
    /// those [`App::act_on_request`] would accept as assignee (an active account holding
    /// a role that works where the request is, directly or through a responder
    /// organisation serving it). For those who may assign it; others are refused as
    /// they would be for the assignment.
    pub async fn request_assignee_candidates(
        &self,
        actor: &Actor,
        id: RequestId,
        q: &str,
    ) -> AppResult<Vec<AssigneeCandidate>> {
        let mut conn = self.db.read().await?;
        let (rec, s) = visible_request(&mut conn, actor, id).await?;
        if !s.may_take(ActionKind::Assign) {
            return Err(AppError::Forbidden);
        }
        let q = q.trim();
        let users = accounts::list_users(
            &mut conn,
            None,
            (!q.is_empty()).then_some(q),
            ASSIGNEE_SCAN,
            0,
        )
        .await?;
        let mut out = Vec::new();
        for u in users {
            if !u.active {
                continue;
            }
            let held = accounts::assignments_of(&mut conn, u.id).await?;
            let here: Vec<_> = held
                .iter()
                .filter(|a| rec.path.is_within(&a.assignment.path))
                .collect();
            let mut parties: Vec<Party> = here
                .iter()
                .filter(|a| a.assignment.role.has(Permission::HandleRequests))
                .filter_map(|a| Party::role(a.assignment.role).ok())
                .collect();
            if here.iter().any(|a| {
                a.assignment.role.has(Permission::RespondToRequests)
                    || a.assignment.role.has(Permission::HandleRequests)
            }) {
                for org in repo::orgs_of_user(&mut conn, u.id).await? {
                    if check_party(&mut conn, actor, Party::Org(org), &rec.path)
                        .await
                        .is_ok()
                    {
                        parties.push(Party::Org(org));
                    }
                }
            }
            parties.dedup();
            if !parties.is_empty() {
                out.push(AssigneeCandidate {
                    user_id: u.id,
                    name: u.display_name,
                    parties,
                });
            }
            if out.len() >= ASSIGNEE_MAX {
                break;
            }
        }
        Ok(out)
    }

    /// Loads a request for a change: visible to the actor, at the version they saw.
    async fn for_change(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        id: RequestId,
        version: Option<i64>,
    ) -> AppResult<(RequestRecord, Standing)> {
        let (rec, s) = visible_request(conn, actor, id).await?;
        if version.is_some_and(|v| v != rec.version) {
            return Err(stale());
        }
        Ok((rec, s))
    }

    /// `action` taken by `actor` on request `id` (at the `version` they saw, if given):
    /// every action of the state machine goes through here, from the page and the API
    /// alike. Returns the request as the actor now sees it.
    ///
    /// Besides the state machine's own rules: reassigning to another party needs a
    /// reason, the party must be one the actor may route to and the person within it
    /// one who can work there; the original of a duplicate must be a request the actor
    /// handles; a responder who starts work nobody had taken takes it.
    pub async fn act_on_request(
        &self,
        actor: &Actor,
        id: RequestId,
        version: Option<i64>,
        action: Action,
    ) -> AppResult<RequestView> {
        // The optional notes of an assignment and a resolution, trimmed and bounded.
        let note = match &action {
            Action::Assign { reason: why, .. } => reason(why.as_deref())?,
            Action::Resolve { note } => Some(
                reason(note.as_deref())?
                    .ok_or_else(|| AppError::invalid("reason", "say what was done"))?,
            ),
            _ => None,
        };
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (mut rec, s) = self.for_change(&mut tx, actor, id, version).await?;
        let kind = action.kind();
        if !s.may_take(kind) {
            return Err(AppError::Forbidden);
        }
        // The requester confirms and reopens as the requester even if they also work
        // there; anything else is staff work.
        let actor_kind = if s.requester
            && matches!(kind, ActionKind::Close | ActionKind::Reopen)
            && (!s.handler || kind == ActionKind::Reopen)
        {
            ActorKind::Requester
        } else {
            ActorKind::Staff
        };
        let rules = load_rules(&mut tx).await?;
        let mut step = Step::new(kind.code());
        step.note = note;
        match &action {
            Action::Assign { party, user_id, .. } => {
                let (party, user_id) = (*party, *user_id);
                let reassigning = matches!(rec.status, Status::Assigned | Status::InProgress)
                    && rec.party != party;
                if reassigning && step.note.is_none() {
                    return Err(AppError::invalid(
                        "reason",
                        "say why it goes to someone else",
                    ));
                }
                check_party(&mut tx, actor, party, &rec.path).await?;
                if let Some(user) = user_id {
                    check_assignee(&mut tx, party, user, &rec.path).await?;
                }
                rec.party = party;
                rec.assignee_user_id = user_id;
                step.party = Some(party.encode());
                step.notify.push(format!("party:{}", party.encode()));
                if let Some(u) = user_id {
                    step.notify.push(format!("user:{u}"));
                }
            }
            Action::MarkDuplicate { original } => {
                let (orig, os) = visible_request(&mut tx, actor, *original)
                    .await
                    .map_err(|_| AppError::invalid("original", "no such request"))?;
                if !os.handler {
                    return Err(AppError::Forbidden);
                }
                status::check_duplicate_target(orig.status).map_err(transition_error)?;
                rec.duplicate_of = Some(orig.id);
                let mut linked = Step::new("duplicate_linked");
                linked.related = Some(rec.id);
                linked.visible = false;
                write_step(&mut tx, actor, &actor_role(actor, os), &orig, linked, now).await?;
            }
            Action::Start if s.responder && rec.assignee_user_id.is_none() => {
                rec.assignee_user_id = actor.user_id;
            }
            _ => {}
        }
        apply_action(
            &mut tx, actor, s, &mut rec, &action, actor_kind, &rules, step, now,
        )
        .await?;
        let out = self
            .view_after_change(&mut tx, actor, &rec, &rules.calendar, now)
            .await?;
        commit(tx).await?;
        Ok(out)
    }

    /// Adds a note to the timeline: staff and responders (shown to the resident when
    /// `visible`), or the requester (always shown). Returns the event id.
    pub async fn comment_request(
        &self,
        actor: &Actor,
        id: RequestId,
        text: &str,
        visible: bool,
    ) -> AppResult<i64> {
        let text = reason(Some(text))
            .map_err(|_| AppError::invalid("comment", "must be at most 500 characters"))?
            .ok_or_else(|| AppError::invalid("comment", "write something"))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (rec, s) = visible_request(&mut tx, actor, id).await?;
        if !(s.handler || s.responder || s.requester) {
            return Err(AppError::Forbidden);
        }
        let mut step = Step::new("comment");
        step.note = Some(text);
        step.visible = visible || (s.requester && !s.handler);
        let role = if s.requester && !s.handler {
            "requester".to_owned()
        } else {
            actor_role(actor, s)
        };
        let event = write_step(&mut tx, actor, &role, &rec, step, now).await?;
        commit(tx).await?;
        Ok(event)
    }
}
