//! Proposals: raising one, supporting and discussing it, moderating the discussion,
//! withdrawing it, tabling it for the council or sending it to a vote, its photos, and
//! each community's support rules. Every change is audited in its transaction.

use civicgrid_domain::participation::deliberation::{
    ProposalState, ProposalText, RemovalReason, SupportRules, check_comment, check_removal, lapsed,
};
use civicgrid_domain::participation::votes::{DEFAULT_MIN_AGE, Electorate, VoteKind, VoteSpec};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::participation::deliberation::{
    self as repo, NewPhoto, NewProposal, Proposal, ProposalPhoto,
};
use civicgrid_store::participation::votes::VoteRecord;
use civicgrid_store::platform::org;
use civicgrid_store::{AnyConnection, StoreError, commit, now_ms};

use super::{
    Home, ProposalLine, Standing, comment_view, home_of, line_of, photos_of, proposal_in_sight,
    standing,
};
use crate::authz::{Change, record, require};
use crate::participation::votes::{NewVote, draft_vote};
use crate::{App, AppError, AppResult};

/// The most proposals a list shows.
const LIST_MAX: i64 = 200;
/// The most photos a proposal holds.
const MAX_PHOTOS: usize = 6;

/// A proposal to raise: where, and what.
#[derive(Debug, Clone)]
pub struct NewProposalInput {
    /// The community or grid it concerns; a resident's own community when `None`.
    pub node_id: Option<i64>,
    pub text: ProposalText,
    /// A photo to raise it with (stored in the same transaction).
    pub photo: Option<Vec<u8>>,
}

/// A comment as its reader sees it.
#[derive(Debug, Clone)]
pub struct CommentView {
    pub id: i64,
    pub author_name: String,
    /// Empty once removed.
    pub body: String,
    pub created_at: i64,
    pub removed: bool,
    pub removal_reason: Option<String>,
    pub removal_note: Option<String>,
    pub may_remove: bool,
}

/// One proposal with its discussion and what the reader may do.
#[derive(Debug, Clone)]
pub struct ProposalView {
    pub line: ProposalLine,
    pub comments: Vec<CommentView>,
    pub photos: Vec<ProposalPhoto>,
    /// The council meetings that took it up: (meeting id, title, held at, outcome code).
    pub meetings: Vec<(i64, String, i64, Option<String>)>,
    /// The vote it was sent to: (id, title, state code).
    pub vote: Option<(i64, String, String)>,
    pub supported: bool,
    pub may_support: bool,
    pub may_comment: bool,
    pub may_withdraw: bool,
    pub may_add_photo: bool,
    /// Staff may table it for the council or send it to a vote.
    pub may_advance: bool,
}

fn audit_change(action: &'static str, p: &Proposal, details: serde_json::Value) -> Change<'static> {
    Change {
        action,
        target_type: "proposal",
        target_id: p.id.to_string(),
        scope: None,
        reason: None,
        details,
    }
}

async fn audit(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &'static str,
    p: &Proposal,
    details: serde_json::Value,
) -> AppResult<()> {
    let scope = p.scope();
    let mut change = audit_change(action, p, details);
    change.scope = Some(&scope);
    record(conn, actor, change).await?;
    Ok(())
}

fn may_support(p: &Proposal, state: ProposalState, s: Standing, actor: &Actor) -> bool {
    s.inside
        && state.is_open()
        && !lapsed(state, p.deadline_at, now_ms())
        && actor.user_id.is_some()
}

/// Where the actor may raise a proposal: a resident's community and grid; the
/// communities and grids a manager manages.
async fn raise_places(
    app: &App,
    conn: &mut AnyConnection,
    actor: &Actor,
) -> AppResult<Vec<(i64, String)>> {
    let mut out = Vec::new();
    if let Some(h) = home_of(conn, actor).await? {
        out.push((h.community_id, h.community_name.clone()));
        out.push((h.grid_id, format!("{} · {}", h.community_name, h.grid_name)));
    }
    if actor.can_somewhere(Permission::ManageParticipation) {
        for n in app.visible_nodes(actor).await? {
            if matches!(n.kind, NodeKind::Community | NodeKind::Grid)
                && actor.can(Permission::ManageParticipation, &n.path)
                && !out.iter().any(|(id, _)| *id == n.id)
            {
                out.push((n.id, n.name_zh));
            }
        }
    }
    Ok(out)
}

impl App {
    /// The places the actor may raise a proposal in (empty: they may not).
    pub async fn proposal_places(&self, actor: &Actor) -> AppResult<Vec<(i64, String)>> {
        let mut conn = self.db.read().await?;
        raise_places(self, &mut conn, actor).await
    }

    /// Where the signed-in resident takes part, if they have a linked ledger record.
    pub async fn deliberation_home(&self, actor: &Actor) -> AppResult<Option<Home>> {
        let mut conn = self.db.read().await?;
        home_of(&mut conn, actor).await
    }

    /// Raises a proposal in a community or grid, with its photo if one is given. Its
    /// threshold and deadline are fixed now from the community's rules; a resident
    /// author's own support counts.
    pub async fn raise_proposal(&self, actor: &Actor, input: NewProposalInput) -> AppResult<i64> {
        let user = actor.user_id.ok_or(AppError::Forbidden)?;
        let text = input
            .text
            .check()
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let upload = match input.photo.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => Some(crate::photo::check_upload(d)?),
            None => None,
        };
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let home = home_of(&mut tx, actor).await?;
        let node_id = match (input.node_id, &home) {
            (Some(id), _) => id,
            (None, Some(h)) => h.community_id,
            (None, None) => {
                return Err(AppError::invalid("node_id", "choose the community or grid"));
            }
        };
        let node = org::get(&mut tx, node_id)
            .await
            .map_err(|_| AppError::invalid("node_id", "choose the community or grid"))?;
        let resident_place = home
            .as_ref()
            .is_some_and(|h| node.id == h.community_id || node.id == h.grid_id);
        if !resident_place {
            if !matches!(node.kind, NodeKind::Community | NodeKind::Grid) {
                return Err(AppError::invalid("node_id", "choose a community or a grid"));
            }
            require(actor, Permission::ManageParticipation, &node.path)?;
        }
        let community = if node.kind == NodeKind::Community {
            node.clone()
        } else {
            org::ancestors(&mut tx, &node.path)
                .await?
                .into_iter()
                .find(|n| n.kind == NodeKind::Community)
                .ok_or_else(|| AppError::invalid("node_id", "choose a community or a grid"))?
        };
        let rules = repo::rules(&mut tx, community.id).await?;
        let id = repo::insert_proposal(
            &mut tx,
            &NewProposal {
                node_id: node.id,
                community_id: community.id,
                scope: &node.path,
                title: &text.title,
                description: &text.description,
                reason: &text.reason,
                cost_fen: text.cost_fen,
                author_user_id: user,
                threshold: rules.threshold,
                deadline_at: rules.deadline(now),
                now,
            },
        )
        .await?;
        let mut p = repo::get_proposal(&mut tx, id).await?;
        audit(
            &mut tx,
            actor,
            "proposal.raise",
            &p,
            serde_json::json!({
                "title": p.title, "threshold": p.threshold, "deadline_at": p.deadline_at,
            }),
        )
        .await?;
        if standing(actor, home.as_ref(), &p.scope()).inside {
            support_in(&mut tx, actor, &mut p, user, now).await?;
        }
        if let Some(upload) = &upload {
            store_photo(&mut tx, actor, &p, upload, now).await?;
        }
        commit(tx).await?;
        Ok(id)
    }

    /// The proposals the actor may see: a resident's community's, and those in a
    /// staff member's scopes; the agenda and open ones first.
    pub async fn proposals(&self, actor: &Actor) -> AppResult<Vec<ProposalLine>> {
        let mut conn = self.db.read().await?;
        let mut scopes = Vec::new();
        if let Some(h) = home_of(&mut conn, actor).await? {
            scopes.push(h.community_path);
        }
        if actor.can_somewhere(Permission::ViewParticipation) {
            match actor.scopes(Permission::ViewParticipation) {
                Some(s) => scopes.extend(s),
                None => scopes.push(civicgrid_domain::platform::org::OrgPath::from_stored(
                    String::new(),
                )),
            }
        }
        let mut out: Vec<ProposalLine> = Vec::new();
        for s in scopes {
            for p in repo::list_proposals(&mut conn, &s, LIST_MAX).await? {
                if !out.iter().any(|o| o.proposal.id == p.id) {
                    out.push(line_of(&mut conn, p).await?);
                }
            }
        }
        Ok(out)
    }

    /// One proposal with its discussion, photos, meetings and vote.
    pub async fn proposal(&self, actor: &Actor, id: i64) -> AppResult<ProposalView> {
        let mut conn = self.db.read().await?;
        let (p, s, _) = proposal_in_sight(&mut conn, actor, id).await?;
        let supported = match actor.user_id {
            Some(u) => repo::has_supported(&mut conn, p.id, u).await?,
            None => false,
        };
        let comments = repo::comments(&mut conn, p.id)
            .await?
            .into_iter()
            .map(|c| comment_view(c, s.manager))
            .collect();
        let photos = photos_of(&mut conn, p.id).await?;
        let meetings = repo::items_of_proposal(&mut conn, p.id)
            .await?
            .into_iter()
            .map(|(i, m)| (m.id, m.title, m.held_at, i.outcome))
            .collect();
        let vote = match p.vote_id {
            Some(v) => {
                let v = civicgrid_store::participation::votes::get_vote(&mut conn, v).await?;
                Some((v.id, v.spec.title.clone(), v.state.code().to_owned()))
            }
            None => None,
        };
        let line = line_of(&mut conn, p).await?;
        let mine = actor.user_id == Some(line.proposal.author_user_id);
        Ok(ProposalView {
            may_support: !supported && may_support(&line.proposal, line.state, s, actor),
            may_comment: line.state.may_advance() && actor.user_id.is_some(),
            may_withdraw: mine && line.state.is_open(),
            may_add_photo: (mine || s.manager) && line.state.may_advance(),
            may_advance: s.manager && line.state.may_advance(),
            supported,
            comments,
            photos,
            meetings,
            vote,
            line,
        })
    }

    /// Supports a proposal of the place the actor lives in, once, while its window is
    /// open; reaching the threshold puts it on the council's agenda.
    pub async fn support_proposal(&self, actor: &Actor, id: i64) -> AppResult<ProposalView> {
        let user = actor.user_id.ok_or(AppError::Forbidden)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (mut p, s, _) = proposal_in_sight(&mut tx, actor, id).await?;
        let state = p.state()?;
        // Only residents living where it applies support it; staff who see it may not.
        if !s.inside {
            return Err(AppError::Forbidden);
        }
        if !state.is_open() {
            return Err(AppError::Conflict(
                "the proposal no longer collects support".into(),
            ));
        }
        if lapsed(state, p.deadline_at, now) {
            return Err(AppError::Conflict(
                "the proposal's support window has closed".into(),
            ));
        }
        if !support_in(&mut tx, actor, &mut p, user, now).await? {
            return Err(AppError::Conflict(
                "you support this proposal already".into(),
            ));
        }
        commit(tx).await?;
        self.proposal(actor, id).await
    }

    /// Adds the actor's comment to a proposal still under discussion.
    pub async fn comment_on_proposal(&self, actor: &Actor, id: i64, body: &str) -> AppResult<i64> {
        let user = actor.user_id.ok_or(AppError::Forbidden)?;
        let body = check_comment(body).map_err(|e| AppError::invalid(e.field, e.message))?;
        let mut tx = self.db.begin_write().await?;
        let (p, _, _) = proposal_in_sight(&mut tx, actor, id).await?;
        if !p.state()?.may_advance() {
            return Err(AppError::Conflict(
                "the discussion of this proposal has ended".into(),
            ));
        }
        let comment = repo::insert_comment(&mut tx, p.id, user, &body, now_ms()).await?;
        audit(
            &mut tx,
            actor,
            "proposal.comment",
            &p,
            serde_json::json!({"comment_id": comment}),
        )
        .await?;
        commit(tx).await?;
        Ok(comment)
    }

    /// Removes a comment with a reason that stays in its place (managers of the
    /// proposal's place).
    pub async fn remove_proposal_comment(
        &self,
        actor: &Actor,
        comment_id: i64,
        reason: RemovalReason,
        note: &str,
    ) -> AppResult<i64> {
        let note =
            check_removal(reason, note).map_err(|e| AppError::invalid(e.field, e.message))?;
        let mut tx = self.db.begin_write().await?;
        let c = repo::get_comment(&mut tx, comment_id)
            .await
            .map_err(|_| AppError::NotFound("comment"))?;
        let (p, s, _) = proposal_in_sight(&mut tx, actor, c.proposal_id)
            .await
            .map_err(|_| AppError::NotFound("comment"))?;
        if !s.manager {
            return Err(AppError::Forbidden);
        }
        repo::remove_comment(&mut tx, c.id, actor.user_id, reason.code(), &note, now_ms())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    AppError::Conflict("the comment was removed already".into())
                }
                other => other.into(),
            })?;
        audit(
            &mut tx,
            actor,
            "proposal.comment.remove",
            &p,
            serde_json::json!({
                "comment_id": c.id, "removal_reason": reason.code(),
            }),
        )
        .await?;
        commit(tx).await?;
        Ok(p.id)
    }

    /// The proposal a comment belongs to, for one who may see it.
    pub async fn proposal_of_comment(&self, actor: &Actor, comment_id: i64) -> AppResult<i64> {
        let mut conn = self.db.read().await?;
        let c = repo::get_comment(&mut conn, comment_id)
            .await
            .map_err(|_| AppError::NotFound("comment"))?;
        proposal_in_sight(&mut conn, actor, c.proposal_id)
            .await
            .map_err(|_| AppError::NotFound("comment"))?;
        Ok(c.proposal_id)
    }

    /// The author withdraws their proposal while it still collects support.
    pub async fn withdraw_proposal(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        let (p, _, _) = proposal_in_sight(&mut tx, actor, id).await?;
        if actor.user_id != Some(p.author_user_id) {
            return Err(AppError::Forbidden);
        }
        move_state(
            &mut tx,
            &p,
            &[ProposalState::Open],
            ProposalState::Withdrawn,
            None,
        )
        .await?;
        audit(
            &mut tx,
            actor,
            "proposal.withdraw",
            &p,
            serde_json::json!({}),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Staff put an open proposal on the council's agenda without waiting for support.
    pub async fn table_proposal(&self, actor: &Actor, id: i64) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        let (p, s, _) = proposal_in_sight(&mut tx, actor, id).await?;
        if !s.manager {
            return Err(AppError::Forbidden);
        }
        move_state(
            &mut tx,
            &p,
            &[ProposalState::Open],
            ProposalState::Agenda,
            None,
        )
        .await?;
        audit(
            &mut tx,
            actor,
            "proposal.table",
            &p,
            serde_json::json!({"supporters": p.supporters}),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Staff send a proposal to a vote: a draft proposal vote (agree / oppose /
    /// abstain) of the proposal's place, one per household or residents over 18, that
    /// they then open from the vote's page.
    pub async fn send_proposal_to_vote(
        &self,
        actor: &Actor,
        id: i64,
        electorate: Electorate,
        closes_at: i64,
    ) -> AppResult<VoteRecord> {
        let mut tx = self.db.begin_write().await?;
        let (p, s, _) = proposal_in_sight(&mut tx, actor, id).await?;
        if !s.manager {
            return Err(AppError::Forbidden);
        }
        if !p.state()?.may_advance() {
            return Err(AppError::Conflict("the proposal's course has ended".into()));
        }
        if electorate == Electorate::Owners {
            return Err(AppError::invalid(
                "electorate",
                "an owners' vote is drafted on its estate from the votes page",
            ));
        }
        let mut body = format!("{}\n\n{}", p.description, p.reason);
        body.truncate(body.char_indices().nth(5000).map_or(body.len(), |(i, _)| i));
        let v = draft_vote(
            &mut tx,
            actor,
            NewVote {
                spec: VoteSpec {
                    kind: VoteKind::Proposal,
                    title: p.title.chars().take(100).collect(),
                    body,
                    options: vec![],
                    max_choices: 1,
                    ranked: false,
                    electorate,
                    min_age: DEFAULT_MIN_AGE,
                    matter: None,
                },
                node_id: Some(p.node_id),
                estate_id: None,
                closes_at,
            },
        )
        .await?;
        move_state(
            &mut tx,
            &p,
            &[ProposalState::Open, ProposalState::Agenda],
            ProposalState::Voting,
            Some(v.id),
        )
        .await?;
        audit(
            &mut tx,
            actor,
            "proposal.to_vote",
            &p,
            serde_json::json!({"vote_id": v.id}),
        )
        .await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Adds a photo to a proposal still under way (its author or its managers). The
    /// type and size are decided by the content and location metadata is stripped.
    pub async fn add_proposal_photo(&self, actor: &Actor, id: i64, data: &[u8]) -> AppResult<i64> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (p, s, _) = proposal_in_sight(&mut tx, actor, id).await?;
        if !(s.manager || actor.user_id == Some(p.author_user_id)) {
            return Err(AppError::Forbidden);
        }
        if !p.state()?.may_advance() {
            return Err(AppError::Conflict("the proposal's course has ended".into()));
        }
        if data.is_empty() {
            return Err(AppError::invalid("photo", "choose a photo"));
        }
        let upload = crate::photo::check_upload(data)?;
        if repo::photos(&mut tx, p.id).await?.len() >= MAX_PHOTOS {
            return Err(AppError::invalid(
                "photo",
                "a proposal holds at most 6 photos",
            ));
        }
        let photo = store_photo(&mut tx, actor, &p, &upload, now).await?;
        commit(tx).await?;
        Ok(photo)
    }

    /// A proposal's photo with its bytes, for those who may see the proposal.
    pub async fn proposal_photo(
        &self,
        actor: &Actor,
        photo_id: i64,
    ) -> AppResult<(ProposalPhoto, Vec<u8>)> {
        let mut conn = self.db.read().await?;
        let (meta, data) = repo::photo(&mut conn, photo_id)
            .await
            .map_err(|_| AppError::NotFound("photo"))?;
        proposal_in_sight(&mut conn, actor, meta.proposal_id)
            .await
            .map_err(|_| AppError::NotFound("photo"))?;
        Ok((meta, data))
    }

    /// A community's support rules (those who follow participation there).
    pub async fn deliberation_rules(
        &self,
        actor: &Actor,
        community_id: i64,
    ) -> AppResult<SupportRules> {
        let mut conn = self.db.read().await?;
        let c = community(&mut conn, community_id).await?;
        require(actor, Permission::ViewParticipation, &c.path)?;
        Ok(repo::rules(&mut conn, c.id).await?)
    }

    /// Sets how much support within how many days puts a community's proposals on the
    /// agenda; proposals raised before keep theirs.
    pub async fn set_deliberation_rules(
        &self,
        actor: &Actor,
        community_id: i64,
        rules: SupportRules,
    ) -> AppResult<SupportRules> {
        let rules = rules
            .check()
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let mut tx = self.db.begin_write().await?;
        let c = community(&mut tx, community_id).await?;
        require(actor, Permission::ManageParticipation, &c.path)?;
        repo::set_rules(&mut tx, c.id, rules, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "deliberation.rules.set",
                target_type: "org_node",
                target_id: c.id.to_string(),
                scope: Some(&c.path),
                reason: None,
                details: serde_json::json!({
                    "threshold": rules.threshold, "window_days": rules.window_days,
                }),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(rules)
    }
}

/// A community by id; anything else is an error on `community_id`.
async fn community(
    conn: &mut AnyConnection,
    id: i64,
) -> AppResult<civicgrid_store::platform::org::OrgNode> {
    match org::get(conn, id).await {
        Ok(n) if n.kind == NodeKind::Community => Ok(n),
        _ => Err(AppError::invalid("community_id", "choose a community")),
    }
}

/// Stores a checked photo of proposal `p`, audited.
async fn store_photo(
    conn: &mut AnyConnection,
    actor: &Actor,
    p: &Proposal,
    upload: &crate::photo::Upload,
    now: i64,
) -> AppResult<i64> {
    let checked = &upload.photo;
    let photo = repo::insert_photo(
        conn,
        &NewPhoto {
            proposal_id: p.id,
            content_type: checked.kind.content_type(),
            sha256: &upload.sha256,
            width: i64::from(checked.width),
            height: i64::from(checked.height),
            uploaded_by: actor.user_id,
            now,
            data: &checked.data,
        },
    )
    .await?;
    audit(
        conn,
        actor,
        "proposal.photo.add",
        p,
        serde_json::json!({"photo_id": photo}),
    )
    .await?;
    Ok(photo)
}

/// Records `user`'s support; at the threshold the proposal goes on the agenda. False
/// when they had supported it already.
async fn support_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    p: &mut Proposal,
    user: i64,
    now: i64,
) -> AppResult<bool> {
    let Some(count) = repo::add_support(conn, p.id, user, now).await? else {
        return Ok(false);
    };
    p.supporters = count;
    audit(
        conn,
        actor,
        "proposal.support",
        p,
        serde_json::json!({"supporters": count}),
    )
    .await?;
    if count >= p.threshold && p.state()? == ProposalState::Open {
        move_state(conn, p, &[ProposalState::Open], ProposalState::Agenda, None).await?;
        audit(
            conn,
            actor,
            "proposal.agenda",
            p,
            serde_json::json!({"supporters": count}),
        )
        .await?;
    }
    Ok(true)
}

async fn move_state(
    conn: &mut AnyConnection,
    p: &Proposal,
    from: &[ProposalState],
    to: ProposalState,
    vote_id: Option<i64>,
) -> AppResult<()> {
    repo::set_proposal_state(conn, p.id, from, to, vote_id, now_ms())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                AppError::Conflict("the proposal has moved on meanwhile; reload the page".into())
            }
            other => other.into(),
        })
}
