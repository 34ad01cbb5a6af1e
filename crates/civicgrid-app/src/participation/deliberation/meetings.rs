//! The residents' council's meetings (居民议事会): staff plan one with its agenda (the
//! proposals waiting for the council, and matters they name), add to the agenda until
//! it is held, then record the attendees, the minutes and each item's outcome, which
//! moves each proposal on. Residents of the community read the records.

use civicgrid_domain::participation::deliberation::{
    ItemOutcome, MeetingPlan, MeetingState, ProposalState, check_minutes, parse_attendees,
};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::participation::deliberation::{self as repo, Meeting, NewMeeting, Proposal};
use civicgrid_store::platform::org;
use civicgrid_store::{AnyConnection, StoreError, commit, now_ms};

use super::{ProposalLine, home_of, line_of, standing};
use crate::authz::{Change, record, require};
use crate::{App, AppError, AppResult};

/// A meeting to plan: its community, title, time and place, and its first agenda.
#[derive(Debug, Clone)]
pub struct NewMeetingInput {
    pub community_id: i64,
    pub plan: MeetingPlan,
    /// Proposals waiting for the council to put on the agenda.
    pub proposal_ids: Vec<i64>,
    /// Other matters, by title.
    pub matters: Vec<String>,
}

/// The record of a held meeting: attendees, minutes and an outcome per agenda item
/// (item id, outcome, note).
#[derive(Debug, Clone)]
pub struct Outcomes {
    pub attendees: String,
    pub minutes: String,
    pub items: Vec<(i64, Option<ItemOutcome>, String)>,
}

/// An agenda item as read: its proposal's line when it is one.
#[derive(Debug, Clone)]
pub struct MeetingItemView {
    pub item: repo::MeetingItem,
    pub outcome: Option<ItemOutcome>,
    pub proposal: Option<ProposalLine>,
}

/// A meeting with its agenda and what the reader may do.
#[derive(Debug, Clone)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub state: MeetingState,
    pub community_name: String,
    pub items: Vec<MeetingItemView>,
    pub may_manage: bool,
    /// Proposals of the community waiting for the council, to add (managers only).
    pub awaiting: Vec<ProposalLine>,
}

const LIST_MAX: i64 = 100;

fn bad_item(message: &'static str) -> AppError {
    AppError::invalid("items", message)
}

async fn meeting_in_sight(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<(Meeting, bool)> {
    let home = home_of(conn, actor).await?;
    let m = repo::get_meeting(conn, id)
        .await
        .map_err(|_| AppError::NotFound("meeting"))?;
    let s = standing(actor, home.as_ref(), &m.scope());
    if !s.sees() {
        return Err(AppError::NotFound("meeting"));
    }
    Ok((m, s.manager))
}

/// A proposal for `meeting`'s agenda: of its community and waiting for the council.
async fn agenda_proposal(conn: &mut AnyConnection, m: &Meeting, id: i64) -> AppResult<Proposal> {
    let p = repo::get_proposal(conn, id)
        .await
        .map_err(|_| bad_item("choose a proposal waiting for the council"))?;
    if p.community_id != m.community_id || p.state()? != ProposalState::Agenda {
        return Err(bad_item("choose a proposal waiting for the council"));
    }
    Ok(p)
}

async fn add_item(
    conn: &mut AnyConnection,
    m: &Meeting,
    proposal: Option<&Proposal>,
    title: &str,
) -> AppResult<i64> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 80 {
        return Err(bad_item("an agenda item's title is 1–80 characters"));
    }
    repo::add_item(conn, m.id, proposal.map(|p| p.id), title)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => bad_item("the proposal is on this agenda already"),
            other => other.into(),
        })
}

fn audit_meeting<'a>(
    action: &'static str,
    m: &Meeting,
    scope: &'a OrgPath,
    details: serde_json::Value,
) -> Change<'a> {
    Change {
        action,
        target_type: "meeting",
        target_id: m.id.to_string(),
        scope: Some(scope),
        reason: None,
        details,
    }
}

/// The audit details of a recorded meeting: how many attended and the items' titles
/// by outcome (`adopted_items`, `rejected_items`, …).
fn outcome_details(attendees: usize, decided: &[(ItemOutcome, String)]) -> serde_json::Value {
    let mut d = serde_json::json!({ "attendees": attendees });
    for o in ItemOutcome::ALL {
        let titles: Vec<&str> = decided
            .iter()
            .filter(|(x, _)| x == o)
            .map(|(_, t)| t.as_str())
            .collect();
        if !titles.is_empty() {
            d[format!("{}_items", o.code())] = titles.join("、").into();
        }
    }
    d
}

impl App {
    /// Plans a council meeting of a community with its first agenda.
    pub async fn plan_meeting(&self, actor: &Actor, input: NewMeetingInput) -> AppResult<i64> {
        let plan = input
            .plan
            .check()
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let c = match org::get(&mut tx, input.community_id).await {
            Ok(n) if n.kind == NodeKind::Community => n,
            _ => return Err(AppError::invalid("community_id", "choose a community")),
        };
        require(actor, Permission::ManageParticipation, &c.path)?;
        let id = repo::insert_meeting(
            &mut tx,
            &NewMeeting {
                community_id: c.id,
                scope: &c.path,
                title: &plan.title,
                held_at: plan.held_at,
                place: &plan.place,
                created_by: actor.user_id,
                now,
            },
        )
        .await?;
        let m = repo::get_meeting(&mut tx, id).await?;
        for pid in &input.proposal_ids {
            let p = agenda_proposal(&mut tx, &m, *pid).await?;
            add_item(&mut tx, &m, Some(&p), &p.title).await?;
        }
        for t in input.matters.iter().filter(|t| !t.trim().is_empty()) {
            add_item(&mut tx, &m, None, t).await?;
        }
        record(
            &mut tx,
            actor,
            audit_meeting(
                "meeting.plan",
                &m,
                &c.path,
                serde_json::json!({
                    "title": m.title, "held_at": m.held_at, "proposal_ids": input.proposal_ids,
                }),
            ),
        )
        .await?;
        commit(tx).await?;
        Ok(id)
    }

    /// Adds a waiting proposal, or a matter by title, to a planned meeting's agenda.
    pub async fn add_meeting_item(
        &self,
        actor: &Actor,
        meeting_id: i64,
        proposal_id: Option<i64>,
        title: &str,
    ) -> AppResult<i64> {
        let mut tx = self.db.begin_write().await?;
        let (m, manager) = meeting_in_sight(&mut tx, actor, meeting_id).await?;
        if !manager {
            return Err(AppError::Forbidden);
        }
        if m.state()? != MeetingState::Planned {
            return Err(AppError::Conflict("the meeting has been held".into()));
        }
        let item = match proposal_id {
            Some(pid) => {
                let p = agenda_proposal(&mut tx, &m, pid).await?;
                add_item(&mut tx, &m, Some(&p), &p.title).await?
            }
            None => add_item(&mut tx, &m, None, title).await?,
        };
        let scope = m.scope();
        record(
            &mut tx,
            actor,
            audit_meeting(
                "meeting.item.add",
                &m,
                &scope,
                serde_json::json!({
                    "item_id": item, "proposal_id": proposal_id,
                }),
            ),
        )
        .await?;
        commit(tx).await?;
        Ok(item)
    }

    /// Records a planned meeting as held: who attended, the minutes, and the outcome
    /// of every agenda item (each must have one). Proposals move on by their outcome.
    pub async fn record_meeting(
        &self,
        actor: &Actor,
        meeting_id: i64,
        outcomes: Outcomes,
    ) -> AppResult<()> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (m, manager) = meeting_in_sight(&mut tx, actor, meeting_id).await?;
        if !manager {
            return Err(AppError::Forbidden);
        }
        if m.state()? != MeetingState::Planned {
            return Err(AppError::Conflict(
                "the meeting was recorded already".into(),
            ));
        }
        let attendees = parse_attendees(&outcomes.attendees)
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let minutes =
            check_minutes(&outcomes.minutes).map_err(|e| AppError::invalid(e.field, e.message))?;
        let items = repo::items(&mut tx, m.id).await?;
        if items.is_empty() {
            return Err(bad_item("the agenda is empty; add an item first"));
        }
        let mut decided = Vec::new();
        for item in &items {
            let Some((_, Some(outcome), note)) =
                outcomes.items.iter().find(|(id, _, _)| *id == item.id)
            else {
                return Err(AppError::invalid(
                    "outcome",
                    format!("give the outcome of “{}”", item.title),
                ));
            };
            let note = note.trim();
            if note.chars().count() > 500 {
                return Err(AppError::invalid(
                    "outcome",
                    "an outcome's note is at most 500 characters",
                ));
            }
            repo::set_outcome(&mut tx, item.id, *outcome, note).await?;
            if let Some(pid) = item.proposal_id {
                let to = outcome.proposal_state();
                if to != ProposalState::Agenda {
                    repo::set_proposal_state(&mut tx, pid, &[ProposalState::Agenda], to, None, now)
                        .await
                        .map_err(|e| match e {
                            StoreError::NotFound => AppError::Conflict(format!(
                                "“{}” is no longer waiting for the council; reload the page",
                                item.title
                            )),
                            other => other.into(),
                        })?;
                }
            }
            decided.push((*outcome, item.title.clone()));
        }
        repo::record_minutes(&mut tx, m.id, &attendees, &minutes, now)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    AppError::Conflict("the meeting was recorded already".into())
                }
                other => other.into(),
            })?;
        let scope = m.scope();
        record(
            &mut tx,
            actor,
            audit_meeting(
                "meeting.record",
                &m,
                &scope,
                outcome_details(attendees.len(), &decided),
            ),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// The council meetings the actor may see: their community's (residents) and those
    /// of their scopes (staff); the coming ones first.
    pub async fn meetings(&self, actor: &Actor) -> AppResult<Vec<Meeting>> {
        let mut conn = self.db.read().await?;
        let mut scopes = Vec::new();
        if let Some(h) = home_of(&mut conn, actor).await? {
            scopes.push(h.community_path);
        }
        match actor.scopes(Permission::ViewParticipation) {
            Some(s) => scopes.extend(s),
            None => scopes.push(OrgPath::from_stored(String::new())),
        }
        let mut out: Vec<Meeting> = Vec::new();
        for s in scopes {
            for m in repo::list_meetings(&mut conn, &s, LIST_MAX).await? {
                let visible = standing(actor, None, &m.scope()).staff || s == m.scope();
                if visible && !out.iter().any(|o| o.id == m.id) {
                    out.push(m);
                }
            }
        }
        Ok(out)
    }

    /// One meeting with its agenda.
    pub async fn meeting(&self, actor: &Actor, id: i64) -> AppResult<MeetingView> {
        let mut conn = self.db.read().await?;
        let (m, manager) = meeting_in_sight(&mut conn, actor, id).await?;
        let state = m.state()?;
        let mut items = Vec::new();
        for item in repo::items(&mut conn, m.id).await? {
            let proposal = match item.proposal_id {
                Some(pid) => {
                    let p = repo::get_proposal(&mut conn, pid).await?;
                    Some(line_of(&mut conn, p).await?)
                }
                None => None,
            };
            items.push(MeetingItemView {
                outcome: item.outcome()?,
                item,
                proposal,
            });
        }
        let mut awaiting = Vec::new();
        if manager && state == MeetingState::Planned {
            for p in repo::awaiting_council(&mut conn, m.community_id).await? {
                awaiting.push(line_of(&mut conn, p).await?);
            }
        }
        let community_name = org::get(&mut conn, m.community_id).await?.name_zh;
        Ok(MeetingView {
            may_manage: manager,
            community_name,
            state,
            items,
            awaiting,
            meeting: m,
        })
    }

    /// The proposals of the actor's communities waiting for the council (managers).
    pub async fn proposals_awaiting_council(
        &self,
        actor: &Actor,
        community_id: i64,
    ) -> AppResult<Vec<ProposalLine>> {
        let mut conn = self.db.read().await?;
        let c = org::get(&mut conn, community_id)
            .await
            .map_err(|_| AppError::invalid("community_id", "choose a community"))?;
        require(actor, Permission::ManageParticipation, &c.path)?;
        let mut out = Vec::new();
        for p in repo::awaiting_council(&mut conn, c.id).await? {
            out.push(line_of(&mut conn, p).await?);
        }
        Ok(out)
    }
}
