//! Commitments (落实事项): staff turn a passed vote into a commitment with an owner and
//! milestones, then follow it to delivery; the owner reports progress; everyone reads
//! it on a public page. Reading is in [`reading`], the work on a commitment
//! (milestones, updates with photos, linked requests, spending) in [`work`].
//!
//! Who may do what: [`Permission::ManageParticipation`] at the commitment's community
//! creates, edits, moves, adds milestones, links requests and records spending; the
//! owning responder organisation's members (with [`Permission::RespondToRequests`]
//! there) and those managers post updates and tick milestones. The page is public, so a
//! commitment's existence is not hidden: who may not act on it hears "forbidden".
//!
//! Every change writes an audit entry and a line of the public history in the same
//! transaction.

mod reading;
mod work;

use civicgrid_domain::participation::commitments::{Milestone, Spec, State, check_move};
use civicgrid_domain::participation::votes::VoteState;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::participation::commitments::{self as repo, CommitmentRecord};
use civicgrid_store::participation::votes::VoteRecord;
use civicgrid_store::platform::org::{self, OrgNode};
use civicgrid_store::requests as req_repo;
use civicgrid_store::{AnyConnection, commit, now_ms};

pub use civicgrid_store::participation::commitments::{
    CommitmentRecord as StoredCommitment, EventRecord, MilestoneRecord, PhotoMeta, SpendingRecord,
    UpdateRecord,
};
pub use reading::{CommitmentSummary, CommitmentView, HistoryLine, MilestoneView, UpdateView};

use crate::authz::{Change, record};
use crate::{App, AppError, AppResult};

/// The most milestones a commitment may hold.
pub const MAX_MILESTONES: usize = 30;
/// The most commitments a list shows.
const LIST_MAX: i64 = 100;

/// A commitment to create from a passed vote.
#[derive(Debug, Clone)]
pub struct NewCommitment {
    /// Its source: a vote that closed and passed, or (instead) an agenda item the
    /// residents' council adopted.
    pub vote_id: Option<i64>,
    pub meeting_item_id: Option<i64>,
    pub spec: Spec,
    /// The responder organisation that delivers it; `None`: the community's staff.
    pub owner_org_id: Option<i64>,
    pub milestones: Vec<Milestone>,
}

/// Who the actor is to a commitment.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Standing {
    pub manager: bool,
    /// A member of the owning organisation, acting for it.
    pub owner: bool,
}

pub(crate) async fn standing(
    conn: &mut AnyConnection,
    actor: &Actor,
    c: &CommitmentRecord,
) -> AppResult<Standing> {
    let owner = match (c.owner_org_id, actor.user_id) {
        (Some(org), Some(user)) if actor.can(Permission::RespondToRequests, &c.scope) => {
            req_repo::orgs_of_user(conn, user).await?.contains(&org)
        }
        _ => false,
    };
    Ok(Standing {
        manager: actor.can(Permission::ManageParticipation, &c.scope),
        owner,
    })
}

fn stale() -> AppError {
    AppError::Conflict("the commitment was changed meanwhile; reload and try again".into())
}

pub(crate) async fn load(conn: &mut AnyConnection, id: i64) -> AppResult<CommitmentRecord> {
    repo::get_commitment(conn, id)
        .await
        .map_err(|_| AppError::NotFound("commitment"))
}

/// Loads a commitment the actor manages.
async fn managed(conn: &mut AnyConnection, actor: &Actor, id: i64) -> AppResult<CommitmentRecord> {
    let c = load(conn, id).await?;
    if actor.can(Permission::ManageParticipation, &c.scope) {
        Ok(c)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The community node on `path`'s line (itself or an ancestor).
pub(crate) async fn community_of(
    conn: &mut AnyConnection,
    path: &OrgPath,
) -> AppResult<Option<OrgNode>> {
    for id in path.ids().into_iter().rev() {
        let node = org::get(conn, id).await?;
        if node.kind == NodeKind::Community {
            return Ok(Some(node));
        }
    }
    Ok(None)
}

/// The part of a published result (a [`super::votes::Tally`]) that says whether it
/// passed.
#[derive(serde::Deserialize)]
struct Outcome {
    passed: Option<bool>,
}

/// Whether a closed vote's published result passed.
pub(crate) fn passed(v: &VoteRecord) -> bool {
    v.state == VoteState::Closed
        && v.result
            .as_deref()
            .and_then(|r| serde_json::from_str::<Outcome>(r).ok())
            .and_then(|t| t.passed)
            == Some(true)
}

/// Checks that organisation `org_id` serves `community` (its place lies on the same
/// line: the community itself, inside it, or above it); the error names `owner_org_id`.
pub(crate) async fn check_owner(
    conn: &mut AnyConnection,
    org_id: i64,
    community: &OrgPath,
) -> AppResult<String> {
    let wrong = || AppError::invalid("owner_org_id", "choose an organisation of this community");
    let o = req_repo::get_org(conn, org_id).await.map_err(|_| wrong())?;
    if o.active && (o.scope.is_within(community) || community.is_within(&o.scope)) {
        Ok(o.name)
    } else {
        Err(wrong())
    }
}

/// Writes the audit entry (`commitment.<kind>`) and the history line (`<kind>`) of one
/// change.
pub(crate) async fn log(
    conn: &mut AnyConnection,
    actor: &Actor,
    c: &CommitmentRecord,
    action: &'static str,
    details: serde_json::Value,
    at: i64,
) -> AppResult<()> {
    let kind = action.trim_start_matches("commitment.");
    record(
        conn,
        actor,
        Change {
            action,
            target_type: "commitment",
            target_id: c.id.to_string(),
            scope: Some(&c.scope),
            reason: None,
            details: details.clone(),
        },
    )
    .await?;
    repo::insert_event(conn, c.id, kind, &details, actor.user_id, at).await?;
    Ok(())
}

/// A vote that closed and passed, in the actor's management; anything else is an error
/// on `vote_id`.
async fn vote_source(
    conn: &mut AnyConnection,
    actor: &Actor,
    vote_id: i64,
) -> AppResult<VoteRecord> {
    let no_vote = || AppError::invalid("vote_id", "choose a vote that closed and passed");
    let vote = civicgrid_store::participation::votes::get_vote(conn, vote_id)
        .await
        .map_err(|_| no_vote())?;
    if !actor.can(Permission::ManageParticipation, &vote.scope) || !passed(&vote) {
        return Err(no_vote());
    }
    Ok(vote)
}

/// An agenda item the council adopted, at a meeting of a community the actor manages;
/// anything else is an error on `meeting_item_id`.
async fn decision_source(
    conn: &mut AnyConnection,
    actor: &Actor,
    item_id: i64,
) -> AppResult<(
    civicgrid_store::participation::deliberation::MeetingItem,
    civicgrid_store::participation::deliberation::Meeting,
    OrgNode,
)> {
    use civicgrid_domain::participation::deliberation::ItemOutcome;
    use civicgrid_store::participation::deliberation as d;
    let bad = || AppError::invalid("meeting_item_id", "choose a decision the council adopted");
    let item = d::get_item(conn, item_id).await.map_err(|_| bad())?;
    let meeting = d::get_meeting(conn, item.meeting_id)
        .await
        .map_err(|_| bad())?;
    if !actor.can(Permission::ManageParticipation, &meeting.scope())
        || item.outcome()? != Some(ItemOutcome::Adopted)
    {
        return Err(bad());
    }
    let community = org::get(conn, meeting.community_id).await?;
    Ok((item, meeting, community))
}

impl App {
    /// Creates a commitment from a vote that closed and passed, at the vote's
    /// community, with its first milestones.
    pub async fn create_commitment(
        &self,
        actor: &Actor,
        new: NewCommitment,
    ) -> AppResult<CommitmentRecord> {
        let spec = new
            .spec
            .check()
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        if new.milestones.len() > MAX_MILESTONES {
            return Err(AppError::invalid("milestone", "at most 30 milestones"));
        }
        let milestones = new
            .milestones
            .into_iter()
            .map(|m| m.check().map_err(|e| AppError::invalid(e.field, e.message)))
            .collect::<AppResult<Vec<_>>>()?;
        crate::authz::require_somewhere(actor, Permission::ManageParticipation)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (source, community, source_details) = match (new.vote_id, new.meeting_item_id) {
            (Some(vote_id), None) => {
                let vote = vote_source(&mut tx, actor, vote_id).await?;
                let community = community_of(&mut tx, &vote.scope).await?.ok_or_else(|| {
                    AppError::invalid(
                        "vote_id",
                        "a commitment is followed in one community; this vote was held street-wide",
                    )
                })?;
                let details = serde_json::json!({"vote": vote.id, "vote_title": vote.spec.title});
                ((Some(vote.id), None), community, details)
            }
            (None, Some(item_id)) => {
                let (item, meeting, community) = decision_source(&mut tx, actor, item_id).await?;
                let details = serde_json::json!({
                    "item_id": item.id, "item_title": item.title, "meeting_title": meeting.title,
                });
                ((None, Some(item.id)), community, details)
            }
            (None, None) => {
                return Err(AppError::invalid(
                    "vote_id",
                    "choose the vote that passed or the council's decision it delivers",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(AppError::invalid(
                    "meeting_item_id",
                    "a commitment delivers one decision: a vote or a council decision, not both",
                ));
            }
        };
        let owner_name = match new.owner_org_id {
            Some(o) => Some(check_owner(&mut tx, o, &community.path).await?),
            None => None,
        };
        let mut c = CommitmentRecord {
            id: 0,
            community_id: community.id,
            scope: community.path.clone(),
            vote_id: source.0,
            meeting_item_id: source.1,
            title: spec.title,
            summary: spec.summary,
            owner_org_id: new.owner_org_id,
            state: State::Planned,
            created_by: actor.user_id,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        c.id = repo::insert_commitment(&mut tx, &c).await?;
        log(
            &mut tx,
            actor,
            &c,
            "commitment.create",
            {
                let mut d = source_details;
                d["title"] = c.title.clone().into();
                d["owner"] = owner_name.clone().into();
                d
            },
            now,
        )
        .await?;
        for m in &milestones {
            repo::insert_milestone(&mut tx, c.id, m, now).await?;
            log(
                &mut tx,
                actor,
                &c,
                "commitment.milestone_add",
                serde_json::json!({ "milestone": m.title, "due_on": m.due_on.to_string() }),
                now,
            )
            .await?;
        }
        commit(tx).await?;
        Ok(c)
    }

    /// Changes what a commitment promises and who owns it.
    pub async fn edit_commitment(
        &self,
        actor: &Actor,
        id: i64,
        spec: Spec,
        owner_org_id: Option<i64>,
    ) -> AppResult<CommitmentRecord> {
        let spec = spec
            .check()
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut c = managed(&mut tx, actor, id).await?;
        let owner_name = match owner_org_id {
            Some(o) => Some(check_owner(&mut tx, o, &c.scope).await?),
            None => None,
        };
        let before = (c.title.clone(), c.owner_org_id);
        c.title = spec.title;
        c.summary = spec.summary;
        c.owner_org_id = owner_org_id;
        c.updated_at = now;
        c.version = repo::update_commitment(&mut tx, &c)
            .await?
            .ok_or_else(stale)?;
        log(
            &mut tx,
            actor,
            &c,
            "commitment.edit",
            serde_json::json!({
                "title": c.title,
                "previous_title": (before.0 != c.title).then_some(before.0),
                "owner": owner_name,
                "owner_changed": before.1 != c.owner_org_id,
            }),
            now,
        )
        .await?;
        commit(tx).await?;
        Ok(c)
    }

    /// Moves a commitment by hand (see the table of
    /// [`civicgrid_domain::participation::commitments`]).
    pub async fn move_commitment(
        &self,
        actor: &Actor,
        id: i64,
        to: State,
        reason: Option<&str>,
    ) -> AppResult<CommitmentRecord> {
        let reason = crate::authz::reason(reason)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut c = managed(&mut tx, actor, id).await?;
        let open = repo::milestones(&mut tx, c.id)
            .await?
            .iter()
            .filter(|m| m.done_on.is_none())
            .count();
        check_move(c.state, to, open, reason.as_deref())
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let from = c.state;
        c.state = to;
        c.updated_at = now;
        c.version = repo::update_commitment(&mut tx, &c)
            .await?
            .ok_or_else(stale)?;
        log(
            &mut tx,
            actor,
            &c,
            "commitment.state",
            serde_json::json!({
                "from_state": from.code(), "to_state": to.code(), "reason": reason,
            }),
            now,
        )
        .await?;
        commit(tx).await?;
        Ok(c)
    }

    /// Whether the signed-in `actor` may start a commitment from vote `vote_id`: it
    /// closed and passed, at a place they manage.
    pub async fn may_commit_from(&self, actor: &Actor, vote_id: i64) -> AppResult<bool> {
        let mut conn = self.db.read().await?;
        let v = civicgrid_store::participation::votes::get_vote(&mut conn, vote_id)
            .await
            .map_err(|_| AppError::NotFound("vote"))?;
        Ok(passed(&v) && actor.can(Permission::ManageParticipation, &v.scope))
    }

    /// The votes that closed and passed where the actor manages participation: the
    /// sources a new commitment may come from, newest first.
    pub async fn commitment_sources(&self, actor: &Actor) -> AppResult<Vec<VoteRecord>> {
        let votes = self.votes(actor).await?;
        Ok(votes
            .into_iter()
            .filter(|v| actor.can(Permission::ManageParticipation, &v.scope) && passed(v))
            .collect())
    }

    /// The council's adopted decisions the actor may turn into commitments: (item id,
    /// meeting title, when it met, item title), the latest first.
    pub async fn commitment_decisions(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(i64, String, i64, String)>> {
        use civicgrid_store::participation::deliberation as d;
        let mut conn = self.db.read().await?;
        let scopes = actor
            .scopes(Permission::ManageParticipation)
            .unwrap_or_else(|| vec![OrgPath::from_stored(String::new())]);
        let mut out: Vec<(i64, String, i64, String)> = Vec::new();
        for s in scopes {
            for (i, m) in d::adopted_items(&mut conn, &s, 100).await? {
                if !out.iter().any(|o| o.0 == i.id) {
                    out.push((i.id, m.title, m.held_at, i.title));
                }
            }
        }
        Ok(out)
    }

    /// Responder organisations that may own a commitment the actor manages (active,
    /// serving a place the actor manages), by name.
    pub async fn commitment_owner_choices(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<civicgrid_store::requests::ResponderOrg>> {
        let mut conn = self.db.read().await?;
        let scopes = match actor.scopes(Permission::ManageParticipation) {
            None => return Ok(req_repo::list_orgs(&mut conn, None).await?),
            Some(s) => s,
        };
        let all = req_repo::list_orgs(&mut conn, None).await?;
        Ok(all
            .into_iter()
            .filter(|o| {
                o.active
                    && scopes
                        .iter()
                        .any(|s| o.scope.is_within(s) || s.is_within(&o.scope))
            })
            .collect())
    }

    /// The commitments the actor follows: those where they view participation, those
    /// their organisations own, and those of the places they belong to; newest first.
    pub async fn commitments(&self, actor: &Actor) -> AppResult<Vec<CommitmentRecord>> {
        let mut conn = self.db.read().await?;
        let mut out: Vec<CommitmentRecord> = Vec::new();
        match actor.scopes(Permission::ViewParticipation) {
            None => {
                let root = OrgPath::from_stored(String::new());
                out.extend(repo::list_commitments(&mut conn, &root, LIST_MAX).await?);
            }
            Some(scopes) => {
                for s in scopes {
                    out.extend(repo::list_commitments(&mut conn, &s, LIST_MAX).await?);
                }
            }
        }
        if let Some(user) = actor.user_id {
            for org in req_repo::orgs_of_user(&mut conn, user).await? {
                out.extend(repo::commitments_owned_by(&mut conn, org, LIST_MAX).await?);
            }
        }
        for a in &actor.assignments {
            if let Some(c) = community_of(&mut conn, &a.path).await? {
                out.extend(repo::list_commitments(&mut conn, &c.path, LIST_MAX).await?);
            }
        }
        out.sort_by_key(|c| std::cmp::Reverse(c.id));
        out.dedup_by_key(|c| c.id);
        out.truncate(LIST_MAX as usize);
        Ok(out)
    }
}
