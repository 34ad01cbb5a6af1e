//! Votes: staff draft one for a scope or an estate, open it (which freezes the
//! electorate from the ledger), and close it (which publishes the result for good).
//! Ballots are in [`ballots`], the count in [`tally`].
//!
//! [`Permission::ManageParticipation`] at the vote's place drafts, opens and closes;
//! [`Permission::ViewParticipation`] follows turnout and the tally;
//! [`Permission::RecordBallots`] enters paper ballots and proxies. Residents vote for
//! themselves (or as a proxy) without any permission: the frozen electorate says who may.

mod ballots;
mod tally;

use civicgrid_domain::participation::estates::owners;
use civicgrid_domain::participation::votes::{Electorate, VoteSpec, VoteState};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::participation::estates as estate_repo;
use civicgrid_store::participation::votes::{self as repo, VoteRecord};
use civicgrid_store::{AnyConnection, commit, now_ms, platform::org};

pub use ballots::{BallotFor, MyBallot, PaperBallot};
pub use civicgrid_store::participation::votes::{
    BallotScan, PersonMatch, VoteRecord as StoredVote,
};
pub use tally::{BuildingTally, ChoiceTally, Tally};

use super::estates::room_labels;
use crate::authz::{Change, record, require, require_in_sight, require_somewhere};
use crate::{App, AppError, AppResult};

/// A vote as its readers see it, with what the reader may do next.
#[derive(Debug, Clone)]
pub struct VoteView {
    pub vote: VoteRecord,
    /// The place that votes: the community or grid name, or the estate's name.
    pub place_name: String,
    pub estate_name: Option<String>,
    /// Ballots are no longer taken (closed, or past its closing time).
    pub ended: bool,
    pub may_manage: bool,
    pub may_follow: bool,
    pub may_record: bool,
    /// What the signed-in resident may cast, and has cast.
    pub mine: Option<MyBallot>,
}

/// A vote to draft: where it is held and until when.
#[derive(Debug, Clone)]
pub struct NewVote {
    pub spec: VoteSpec,
    /// The community or grid whose residents or households vote (not for owners).
    pub node_id: Option<i64>,
    /// The estate whose owners vote (owners' votes only).
    pub estate_id: Option<i64>,
    pub closes_at: i64,
}

/// The longest a vote may run.
const MAX_RUN_MS: i64 = 180 * 24 * 3600 * 1000;
/// The most votes a list shows.
const LIST_MAX: i64 = 100;

fn stale() -> AppError {
    AppError::Conflict("the vote was changed meanwhile; reload and try again".into())
}

/// Loads a vote the actor may see with `permission`; one outside their sight is not
/// found.
pub(crate) async fn vote_in_sight(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    permission: Permission,
) -> AppResult<VoteRecord> {
    require_somewhere(actor, permission)?;
    let v = repo::get_vote(conn, id)
        .await
        .map_err(|_| AppError::NotFound("vote"))?;
    require_in_sight(
        actor,
        permission,
        Permission::ViewParticipation,
        &v.scope,
        || AppError::NotFound("vote"),
    )?;
    Ok(v)
}

/// The year and month (YYYYMM) of the latest birth that is `age` years old today.
fn born_by_ym(age: u8, now_ms: i64) -> i64 {
    let today = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .date_naive();
    use chrono::Datelike;
    i64::from(today.year() - i32::from(age)) * 100 + i64::from(today.month())
}

/// Drafts a vote on the caller's transaction (see [`App::create_vote`]), audited.
pub(crate) async fn draft_vote(
    tx: &mut AnyConnection,
    actor: &Actor,
    new: NewVote,
) -> AppResult<VoteRecord> {
    let spec = new
        .spec
        .check()
        .map_err(|e| AppError::invalid(e.field, e.message))?;
    let now = now_ms();
    if new.closes_at <= now {
        return Err(AppError::invalid(
            "closes_at",
            "the closing time has passed",
        ));
    }
    if new.closes_at > now + MAX_RUN_MS {
        return Err(AppError::invalid(
            "closes_at",
            "a vote runs at most 180 days",
        ));
    }
    let (node_id, scope, estate_id) = if spec.electorate == Electorate::Owners {
        let id = new
            .estate_id
            .ok_or_else(|| AppError::invalid("estate_id", "choose the estate whose owners vote"))?;
        let e =
            super::estates::estate_in_sight(&mut *tx, actor, id, Permission::ManageParticipation)
                .await
                .map_err(|e| match e {
                    AppError::NotFound(_) => AppError::invalid("estate_id", "choose an estate"),
                    other => other,
                })?;
        (e.community_id, e.scope(), Some(e.id))
    } else {
        let id = new.node_id.ok_or_else(|| {
            AppError::invalid("node_id", "choose the community or grid that votes")
        })?;
        let node = org::get(&mut *tx, id)
            .await
            .map_err(|_| AppError::invalid("node_id", "choose a community or a grid"))?;
        require(actor, Permission::ManageParticipation, &node.path)?;
        if !matches!(
            node.kind,
            NodeKind::Community | NodeKind::Grid | NodeKind::Street
        ) {
            return Err(AppError::invalid(
                "node_id",
                "choose a street, a community or a grid",
            ));
        }
        (node.id, node.path, None)
    };
    let mut v = VoteRecord {
        id: 0,
        node_id,
        scope,
        estate_id,
        spec,
        state: VoteState::Draft,
        closes_at: new.closes_at,
        created_by: actor.user_id,
        created_at: now,
        opened_at: None,
        closed_at: None,
        total_area: 0,
        total_heads: 0,
        result: None,
        version: 1,
    };
    v.id = repo::insert_vote(&mut *tx, &v).await?;
    record(
        &mut *tx,
        actor,
        Change {
            action: "vote.create",
            target_type: "vote",
            target_id: v.id.to_string(),
            scope: Some(&v.scope),
            reason: None,
            details: serde_json::json!({
                "title": v.spec.title, "vote_kind": v.spec.kind.code(),
                "electorate": v.spec.electorate.code(),
                "matter": v.spec.matter.map(|m| m.code()),
            }),
        },
    )
    .await?;
    Ok(v)
}

impl App {
    /// Drafts a vote. An owners' vote is held on an estate; the others on a community
    /// or a grid.
    pub async fn create_vote(&self, actor: &Actor, new: NewVote) -> AppResult<VoteRecord> {
        let mut tx = self.db.begin_write().await?;
        let v = draft_vote(&mut tx, actor, new).await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Opens a draft: the electorate is computed from the ledger now and frozen with
    /// the vote. An owners' vote cannot open while a room of the estate has no area
    /// (the error names them; the estate's page lists them all).
    pub async fn open_vote(&self, actor: &Actor, id: i64) -> AppResult<VoteRecord> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut v = vote_in_sight(&mut tx, actor, id, Permission::ManageParticipation).await?;
        if v.state != VoteState::Draft {
            return Err(AppError::Conflict("only a draft can be opened".into()));
        }
        if v.closes_at <= now {
            return Err(AppError::invalid(
                "closes_at",
                "the closing time has passed",
            ));
        }
        match (v.spec.electorate, v.estate_id) {
            (Electorate::Owners, Some(estate)) => {
                let parts = estate_repo::estate_parts(&mut tx, estate).await?;
                if parts.is_empty() {
                    return Err(AppError::invalid(
                        "estate_id",
                        "the estate holds no rooms yet",
                    ));
                }
                let owners = match owners(&parts) {
                    Ok(o) => o,
                    Err(missing) => {
                        let shown = &missing[..missing.len().min(10)];
                        let names: Vec<String> = room_labels(&mut tx, shown)
                            .await?
                            .into_iter()
                            .map(|r| format!("{}-{}-{}", r.building, r.unit, r.room))
                            .collect();
                        return Err(AppError::invalid(
                            "estate_id",
                            format!(
                                "{} rooms have no area in the ledger ({}); record their area first",
                                missing.len(),
                                names.join(", ")
                            ),
                        ));
                    }
                };
                let key_of = |p: &civicgrid_domain::participation::estates::Part| {
                    p.owner
                        .unwrap_or(civicgrid_domain::participation::estates::DEVELOPER)
                };
                let rows: Vec<(i64, i64, i64, i64)> = parts
                    .iter()
                    .map(|p| {
                        (
                            p.room_id,
                            p.building_id,
                            key_of(p),
                            p.area_centi.unwrap_or(0),
                        )
                    })
                    .collect();
                repo::freeze_owners(&mut tx, v.id, &owners, &rows).await?;
                v.total_area = owners.iter().map(|o| o.area_centi).sum();
                v.total_heads = owners.len() as i64;
            }
            (Electorate::Owners, None) => {
                return Err(AppError::invalid(
                    "estate_id",
                    "choose the estate whose owners vote",
                ));
            }
            (e, _) => {
                let cutoff = born_by_ym(v.spec.min_age, now);
                v.total_heads =
                    repo::freeze_ledger_voters(&mut tx, v.id, e, &v.scope, cutoff).await?;
                v.total_area = 0;
            }
        }
        if v.total_heads == 0 {
            return Err(AppError::invalid(
                "node_id",
                "nobody in the ledger may vote here",
            ));
        }
        v.state = VoteState::Open;
        v.opened_at = Some(now);
        v.version = repo::update_vote(&mut tx, &v).await?.ok_or_else(stale)?;
        record(
            &mut tx,
            actor,
            Change {
                action: "vote.open",
                target_type: "vote",
                target_id: v.id.to_string(),
                scope: Some(&v.scope),
                reason: None,
                details: serde_json::json!({
                    "title": v.spec.title, "voters": v.total_heads,
                    "area_centi": v.total_area,
                }),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Closes an open vote and publishes its result (公示): the tally is computed once
    /// and kept with the vote; nothing changes after this.
    pub async fn close_vote(&self, actor: &Actor, id: i64) -> AppResult<VoteRecord> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut v = vote_in_sight(&mut tx, actor, id, Permission::ManageParticipation).await?;
        if v.state != VoteState::Open {
            return Err(AppError::Conflict("only an open vote can be closed".into()));
        }
        let t = tally::count(&mut tx, &v, true).await?;
        v.state = VoteState::Closed;
        v.closed_at = Some(now);
        v.result = Some(serde_json::to_string(&t).map_err(|e| AppError::Internal(Box::new(e)))?);
        v.version = repo::update_vote(&mut tx, &v).await?.ok_or_else(stale)?;
        record(
            &mut tx,
            actor,
            Change {
                action: "vote.close",
                target_type: "vote",
                target_id: v.id.to_string(),
                scope: Some(&v.scope),
                reason: None,
                details: serde_json::json!({
                    "title": v.spec.title, "ballots": t.ballots, "passed": t.passed,
                }),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Closes and publishes every open vote whose closing time has passed by `now_ms`
    /// (the periodic job); returns how many it closed. A vote another instance closed
    /// first is skipped.
    pub async fn close_due_votes(&self, now_ms: i64) -> AppResult<usize> {
        let due = {
            let mut conn = self.db.read().await?;
            repo::votes_due_to_close(&mut conn, now_ms).await?
        };
        let mut closed = 0;
        for id in due {
            match self.close_vote(&Actor::system(), id).await {
                Ok(_) => closed += 1,
                Err(AppError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(closed)
    }

    /// The votes the actor may follow, newest first; for a resident without that
    /// permission, the open and published votes of the place they live.
    pub async fn votes(&self, actor: &Actor) -> AppResult<Vec<VoteRecord>> {
        let mut conn = self.db.read().await?;
        let scopes: Vec<OrgPath> = match actor.scopes(Permission::ViewParticipation) {
            None => vec![OrgPath::from_stored(String::new())],
            Some(s) if !s.is_empty() => s,
            Some(_) => return self.resident_votes(&mut conn, actor).await,
        };
        let mut out = Vec::new();
        for s in scopes {
            out.extend(repo::list_votes(&mut conn, &s, LIST_MAX).await?);
        }
        out.sort_by_key(|v| std::cmp::Reverse(v.id));
        Ok(out)
    }

    /// A vote's page: readable by those who follow votes at its place and by every
    /// voter of its electorate; a published result is public (see
    /// [`App::published_vote`]).
    pub async fn vote(&self, actor: &Actor, id: i64) -> AppResult<VoteView> {
        let mut conn = self.db.read().await?;
        let v = repo::get_vote(&mut conn, id)
            .await
            .map_err(|_| AppError::NotFound("vote"))?;
        let may_follow = actor.can(Permission::ViewParticipation, &v.scope);
        let mine = ballots::my_ballot(&mut conn, actor, &v).await?;
        if !may_follow && mine.is_none() && v.state != VoteState::Closed {
            return Err(AppError::NotFound("vote"));
        }
        self.vote_view(&mut conn, actor, v, mine).await
    }

    async fn vote_view(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        v: VoteRecord,
        mine: Option<MyBallot>,
    ) -> AppResult<VoteView> {
        let node = org::get(conn, v.node_id).await?;
        let estate_name = match v.estate_id {
            Some(e) => Some(estate_repo::get_estate(conn, e).await?.name),
            None => None,
        };
        Ok(VoteView {
            place_name: estate_name.clone().unwrap_or(node.name_zh),
            estate_name,
            ended: v.state == VoteState::Closed || now_ms() >= v.closes_at,
            may_manage: actor.can(Permission::ManageParticipation, &v.scope),
            may_follow: actor.can(Permission::ViewParticipation, &v.scope),
            may_record: v.state == VoteState::Open
                && actor.can(Permission::RecordBallots, &v.scope),
            mine,
            vote: v,
        })
    }

    /// A closed vote's published result, for anyone (公示): the vote and the tally
    /// kept when it closed.
    pub async fn published_vote(&self, id: i64) -> AppResult<(VoteView, Tally)> {
        let mut conn = self.db.read().await?;
        let v = repo::get_vote(&mut conn, id)
            .await
            .map_err(|_| AppError::NotFound("vote"))?;
        if v.state != VoteState::Closed {
            return Err(AppError::NotFound("vote"));
        }
        let t: Tally = v
            .result
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok())
            .ok_or(AppError::NotFound("vote"))?;
        let view = self.vote_view(&mut conn, &Actor::system(), v, None).await?;
        Ok((view, t))
    }

    /// Open and published votes whose electorate includes the signed-in resident.
    async fn resident_votes(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
    ) -> AppResult<Vec<VoteRecord>> {
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for a in &actor.assignments {
            for v in repo::votes_over(conn, &a.path.lineage(), LIST_MAX).await? {
                if v.state == VoteState::Draft || !seen.insert(v.id) {
                    continue;
                }
                if v.state == VoteState::Closed
                    || ballots::my_ballot(conn, actor, &v).await?.is_some()
                {
                    out.push(v);
                }
            }
        }
        out.sort_by_key(|v| std::cmp::Reverse(v.id));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_age_cutoff_is_by_month() {
        // 2026-12-07: someone born in December 2008 is 18.
        let ms = chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|d| d.and_utc().timestamp_millis())
            .unwrap_or(0);
        assert_eq!(born_by_ym(18, ms), 200812);
    }
}
