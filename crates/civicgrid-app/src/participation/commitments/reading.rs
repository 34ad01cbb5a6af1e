//! Reading commitments: the public page with its whole history, and the cards of the
//! hub, the vote's result page and the home pages.

use chrono::NaiveDate;
use civicgrid_domain::participation::commitments::{State, overdue};
use civicgrid_domain::platform::access::Actor;
use civicgrid_domain::requests::RequestId;
use civicgrid_store::participation::commitments::{
    self as repo, CommitmentRecord, MilestoneRecord, SpendingRecord, UpdateRecord,
};
use civicgrid_store::participation::votes as vote_repo;
use civicgrid_store::platform::org;
use civicgrid_store::requests as req_repo;
use civicgrid_store::{AnyConnection, now_ms};

use super::{load, standing};
use crate::requests::board::PublicRequest;
use crate::{App, AppResult};

/// A milestone with whether it is overdue today.
#[derive(Debug, Clone)]
pub struct MilestoneView {
    pub m: MilestoneRecord,
    pub overdue: bool,
}

/// A progress update with its photos' ids and who posted it, in words.
#[derive(Debug, Clone)]
pub struct UpdateView {
    pub u: UpdateRecord,
    pub photos: Vec<i64>,
}

/// One line of the public history: its kind (`create`, `milestone_done`, …) and the
/// details the page puts into words.
#[derive(Debug, Clone)]
pub struct HistoryLine {
    pub at: i64,
    pub kind: String,
    pub details: serde_json::Value,
}

/// The public page of a commitment, with what the reader may do next.
#[derive(Debug, Clone)]
pub struct CommitmentView {
    pub c: CommitmentRecord,
    pub community_name: String,
    /// The source vote: id, title and when its result was published.
    pub vote: Option<(i64, String, Option<i64>)>,
    /// The source council decision: meeting id, meeting title, when it met, the item.
    pub decision: Option<(i64, String, i64, String)>,
    /// The owner's name; `None`: the community's staff.
    pub owner_name: Option<String>,
    pub milestones: Vec<MilestoneView>,
    pub updates: Vec<UpdateView>,
    pub requests: Vec<PublicRequest>,
    pub spending: Vec<SpendingRecord>,
    pub spent_fen: i64,
    pub history: Vec<HistoryLine>,
    pub may_manage: bool,
    pub may_report: bool,
    /// The states a manager may move it to now.
    pub next_states: Vec<State>,
}

/// A commitment on a list: enough for a card.
#[derive(Debug, Clone)]
pub struct CommitmentSummary {
    pub c: CommitmentRecord,
    pub owner_name: Option<String>,
    pub milestones: usize,
    pub done: usize,
    pub overdue: usize,
}

/// Today in the community's time zone (UTC+8).
pub(crate) fn today(now: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(now + 8 * 3_600_000)
        .unwrap_or_default()
        .date_naive()
}

async fn owner_name(conn: &mut AnyConnection, c: &CommitmentRecord) -> AppResult<Option<String>> {
    Ok(match c.owner_org_id {
        Some(o) => Some(req_repo::get_org(conn, o).await?.name),
        None => None,
    })
}

async fn summaries(
    conn: &mut AnyConnection,
    list: Vec<CommitmentRecord>,
) -> AppResult<Vec<CommitmentSummary>> {
    let day = today(now_ms());
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let ms = repo::milestones(conn, c.id).await?;
        out.push(CommitmentSummary {
            owner_name: owner_name(conn, &c).await?,
            milestones: ms.len(),
            done: ms.iter().filter(|m| m.done_on.is_some()).count(),
            overdue: ms
                .iter()
                .filter(|m| c.state.is_live() && overdue(m.due_on, m.done_on, day))
                .count(),
            c,
        });
    }
    Ok(out)
}

impl App {
    /// A commitment's public page, for anyone; the signed-in `actor` (none for a
    /// visitor) decides what they may do.
    pub async fn commitment(&self, actor: Option<&Actor>, id: i64) -> AppResult<CommitmentView> {
        let mut conn = self.db.read().await?;
        let c = load(&mut conn, id).await?;
        let s = match actor {
            Some(a) => standing(&mut conn, a, &c).await?,
            None => Default::default(),
        };
        let day = today(now_ms());
        let community_name = org::get(&mut conn, c.community_id).await?.name_zh;
        let vote = match c.vote_id {
            Some(v) => {
                let v = vote_repo::get_vote(&mut conn, v).await?;
                Some((v.id, v.spec.title, v.closed_at))
            }
            None => None,
        };
        let decision = match c.meeting_item_id {
            Some(i) => {
                use civicgrid_store::participation::deliberation as d;
                let item = d::get_item(&mut conn, i).await?;
                let m = d::get_meeting(&mut conn, item.meeting_id).await?;
                Some((m.id, m.title, m.held_at, item.title))
            }
            None => None,
        };
        let live = c.state.is_live();
        let milestones = repo::milestones(&mut conn, c.id)
            .await?
            .into_iter()
            .map(|m| MilestoneView {
                overdue: live && overdue(m.due_on, m.done_on, day),
                m,
            })
            .collect();
        let photos = repo::photos(&mut conn, c.id).await?;
        let updates = repo::updates(&mut conn, c.id)
            .await?
            .into_iter()
            .map(|u| UpdateView {
                photos: photos
                    .iter()
                    .filter(|p| p.update_id == Some(u.id))
                    .map(|p| p.id)
                    .collect(),
                u,
            })
            .collect();
        let offset = crate::requests::settings::load_rules(&mut conn)
            .await?
            .calendar
            .utc_offset_minutes();
        let mut requests = Vec::new();
        for (rid, _) in repo::linked_requests(&mut conn, c.id).await? {
            let r = req_repo::get_request(&mut conn, RequestId(rid)).await?;
            requests.push(PublicRequest::of(&r, offset));
        }
        let spending = repo::spending(&mut conn, c.id).await?;
        let history = repo::events(&mut conn, c.id)
            .await?
            .into_iter()
            .map(|e| HistoryLine {
                at: e.at,
                kind: e.kind,
                details: serde_json::from_str(&e.details).unwrap_or_default(),
            })
            .collect();
        Ok(CommitmentView {
            owner_name: owner_name(&mut conn, &c).await?,
            community_name,
            vote,
            decision,
            milestones,
            updates,
            requests,
            spent_fen: spending.iter().map(|s| s.line.amount_fen).sum(),
            spending,
            history,
            may_manage: s.manager,
            may_report: (s.manager || s.owner) && live,
            next_states: if s.manager {
                c.state.next().to_vec()
            } else {
                Vec::new()
            },
            c,
        })
    }

    /// The commitments the actor follows, as cards (see [`App::commitments`]).
    pub async fn commitment_cards(&self, actor: &Actor) -> AppResult<Vec<CommitmentSummary>> {
        let list = self.commitments(actor).await?;
        let mut conn = self.db.read().await?;
        summaries(&mut conn, list).await
    }

    /// The commitments a vote's decision led to, as cards; public, as the result is.
    pub async fn commitments_of_vote(&self, vote_id: i64) -> AppResult<Vec<CommitmentSummary>> {
        let mut conn = self.db.read().await?;
        let list = repo::commitments_of_vote(&mut conn, vote_id).await?;
        summaries(&mut conn, list).await
    }
}
