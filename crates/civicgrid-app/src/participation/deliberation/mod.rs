//! Deliberation (议事协商): who may see, raise, support and discuss proposals, and the
//! views that carry what the reader may do. The use cases are in [`proposals`] and
//! [`meetings`]; the rules in [`civicgrid_domain::participation::deliberation`].
//!
//! Residents take part where they live: an account linked to a ledger record sees the
//! proposals and council meetings of the resident's community, raises proposals there
//! (for the community or the resident's own grid) and supports those of their
//! community or grid. Staff with [`Permission::ViewParticipation`] see and comment in
//! their scope; [`Permission::ManageParticipation`] moderates, tables proposals, sends
//! them to a vote, sets the support rules and keeps the council's meetings.

mod meetings;
mod proposals;

use civicgrid_domain::participation::deliberation::{ProposalState, lapsed};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::participation::deliberation::{
    self as repo, Comment, Proposal, ProposalPhoto,
};
use civicgrid_store::platform::org;
use civicgrid_store::{AnyConnection, now_ms};

pub use civicgrid_store::participation::deliberation::{Meeting, MeetingItem};
pub use meetings::{MeetingItemView, MeetingView, NewMeetingInput, Outcomes};
pub use proposals::{CommentView, NewProposalInput, ProposalView};

use crate::{AppError, AppResult};

/// Where a signed-in resident lives: their grid and its community.
#[derive(Debug, Clone)]
pub struct Home {
    pub grid_id: i64,
    pub grid_path: OrgPath,
    pub grid_name: String,
    pub community_id: i64,
    pub community_path: OrgPath,
    pub community_name: String,
}

/// The home of the actor's linked, living ledger record, if any.
pub(crate) async fn home_of(conn: &mut AnyConnection, actor: &Actor) -> AppResult<Option<Home>> {
    let Some(user) = actor.user_id else {
        return Ok(None);
    };
    let Some(resident) = civicgrid_store::ledger::resident_of_user(conn, user).await? else {
        return Ok(None);
    };
    let Ok(r) = civicgrid_store::ledger::get_resident(conn, resident).await else {
        return Ok(None);
    };
    if !r.status.is_present() {
        return Ok(None);
    }
    let grid = org::get(conn, r.grid_id).await?;
    let Some(community) = org::ancestors(conn, &grid.path)
        .await?
        .into_iter()
        .find(|n| n.kind == NodeKind::Community)
    else {
        return Ok(None);
    };
    Ok(Some(Home {
        grid_id: grid.id,
        grid_path: grid.path,
        grid_name: grid.name_zh,
        community_id: community.id,
        community_path: community.path,
        community_name: community.name_zh,
    }))
}

/// How the actor stands towards things at `scope` (a proposal's or meeting's place).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Standing {
    /// Staff who follow participation here.
    pub staff: bool,
    /// Staff who manage participation here.
    pub manager: bool,
    /// A resident of the community the place belongs to.
    pub neighbour: bool,
    /// A resident living inside the place itself (may support).
    pub inside: bool,
}

impl Standing {
    pub fn sees(self) -> bool {
        self.staff || self.neighbour
    }
}

pub(crate) fn standing(actor: &Actor, home: Option<&Home>, scope: &OrgPath) -> Standing {
    Standing {
        staff: actor.can(Permission::ViewParticipation, scope),
        manager: actor.can(Permission::ManageParticipation, scope),
        neighbour: home.is_some_and(|h| scope.is_within(&h.community_path)),
        inside: home.is_some_and(|h| h.grid_path.is_within(scope)),
    }
}

/// A proposal the actor may see, with their standing; anything else is not found.
pub(crate) async fn proposal_in_sight(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<(Proposal, Standing, Option<Home>)> {
    let home = home_of(conn, actor).await?;
    let p = repo::get_proposal(conn, id)
        .await
        .map_err(|_| AppError::NotFound("proposal"))?;
    let s = standing(actor, home.as_ref(), &p.scope());
    if !s.sees() {
        return Err(AppError::NotFound("proposal"));
    }
    Ok((p, s, home))
}

/// A proposal on a list, with its support so far.
#[derive(Debug, Clone)]
pub struct ProposalLine {
    pub proposal: Proposal,
    pub state: ProposalState,
    /// Open, but its support window has passed.
    pub lapsed: bool,
    pub place_name: String,
}

pub(crate) async fn line_of(conn: &mut AnyConnection, p: Proposal) -> AppResult<ProposalLine> {
    let state = p.state()?;
    let place_name = org::get(conn, p.node_id).await?.name_zh;
    Ok(ProposalLine {
        lapsed: lapsed(state, p.deadline_at, now_ms()),
        state,
        place_name,
        proposal: p,
    })
}

/// A comment as the reader sees it: a removed one shows only its removal.
pub(crate) fn comment_view(c: Comment, may_moderate: bool) -> CommentView {
    let removed = c.removed_at.is_some();
    CommentView {
        id: c.id,
        author_name: c.author_name,
        body: if removed { String::new() } else { c.body },
        created_at: c.created_at,
        removed,
        removal_reason: c.removal_reason,
        removal_note: c.removal_note,
        may_remove: may_moderate && !removed,
    }
}

/// Photos of a proposal, without their bytes.
pub(crate) async fn photos_of(conn: &mut AnyConnection, id: i64) -> AppResult<Vec<ProposalPhoto>> {
    Ok(repo::photos(conn, id).await?)
}
