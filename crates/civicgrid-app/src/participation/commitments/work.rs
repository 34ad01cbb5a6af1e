//! The work on a commitment: milestones added and ticked, progress updates with a
//! photo, requests linked, money spent. Reporting (an update, a milestone ticked done)
//! moves a planned commitment to in progress.

use chrono::NaiveDate;
use civicgrid_domain::participation::commitments::{Milestone, Spending, check_update};
use civicgrid_domain::platform::access::Actor;
use civicgrid_domain::requests::RequestId;
use civicgrid_store::participation::commitments::{self as repo, CommitmentRecord, PhotoMeta};
use civicgrid_store::requests as req_repo;
use civicgrid_store::{AnyConnection, commit, now_ms};

use super::{MAX_MILESTONES, load, log, managed, stale, standing};
use crate::{App, AppError, AppResult};

/// Loads a commitment the actor may report on (a manager or the owner), still live.
async fn reportable(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<(CommitmentRecord, &'static str)> {
    let c = load(conn, id).await?;
    let s = standing(conn, actor, &c).await?;
    if !(s.manager || s.owner) {
        return Err(AppError::Forbidden);
    }
    live(&c)?;
    Ok((c, if s.owner { "owner" } else { "staff" }))
}

fn live(c: &CommitmentRecord) -> AppResult<()> {
    if c.state.is_live() {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "the commitment is delivered or dropped; reopen it first".into(),
        ))
    }
}

/// Moves a planned commitment to in progress once work is reported.
async fn started(conn: &mut AnyConnection, c: &mut CommitmentRecord, now: i64) -> AppResult<()> {
    let next = c.state.after_work();
    if next != c.state {
        c.state = next;
        c.updated_at = now;
        c.version = repo::update_commitment(conn, c).await?.ok_or_else(stale)?;
    }
    Ok(())
}

impl App {
    /// Adds a milestone (managers).
    pub async fn add_milestone(&self, actor: &Actor, id: i64, m: Milestone) -> AppResult<i64> {
        let m = m
            .check()
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let c = managed(&mut tx, actor, id).await?;
        live(&c)?;
        if repo::milestones(&mut tx, c.id).await?.len() >= MAX_MILESTONES {
            return Err(AppError::invalid("milestone", "at most 30 milestones"));
        }
        let mid = repo::insert_milestone(&mut tx, c.id, &m, now).await?;
        log(
            &mut tx,
            actor,
            &c,
            "commitment.milestone_add",
            serde_json::json!({ "milestone": m.title, "due_on": m.due_on.to_string() }),
            now,
        )
        .await?;
        commit(tx).await?;
        Ok(mid)
    }

    /// Ticks a milestone done on `done_on` (today when not given) or, with `None` for
    /// `done`, not done again; managers and the owner's members.
    pub async fn tick_milestone(
        &self,
        actor: &Actor,
        id: i64,
        milestone_id: i64,
        done: bool,
        done_on: Option<NaiveDate>,
    ) -> AppResult<()> {
        let now = now_ms();
        let today = super::reading::today(now);
        let done_on = done.then(|| done_on.unwrap_or(today));
        if done_on.is_some_and(|d| d > today) {
            return Err(AppError::invalid(
                "done_on",
                "a milestone cannot be done in the future",
            ));
        }
        let mut tx = self.db.begin_write().await?;
        let (mut c, by) = reportable(&mut tx, actor, id).await?;
        let m = repo::milestones(&mut tx, c.id)
            .await?
            .into_iter()
            .find(|m| m.id == milestone_id)
            .ok_or_else(|| {
                AppError::invalid("milestone_id", "choose a milestone of this commitment")
            })?;
        repo::set_milestone_done(&mut tx, c.id, m.id, done_on, actor.user_id).await?;
        if done {
            started(&mut tx, &mut c, now).await?;
        }
        log(
            &mut tx,
            actor,
            &c,
            if done {
                "commitment.milestone_done"
            } else {
                "commitment.milestone_undone"
            },
            serde_json::json!({
                "milestone": m.title, "due_on": m.due_on.to_string(),
                "done_on": done_on.map(|d| d.to_string()), "by": by,
            }),
            now,
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Posts a progress update with an optional photo; managers and the owner's
    /// members. The photo is checked as a request's is (JPEG, PNG or WebP by its
    /// content, at most 8 MB, location metadata removed).
    pub async fn post_commitment_update(
        &self,
        actor: &Actor,
        id: i64,
        body: &str,
        photo: Option<&[u8]>,
    ) -> AppResult<i64> {
        let body = check_update(body).map_err(|e| AppError::invalid(e.field, e.message))?;
        let checked = match photo.filter(|p| !p.is_empty()) {
            Some(p) => Some(crate::photo::check_upload(p)?),
            None => None,
        };
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (mut c, by) = reportable(&mut tx, actor, id).await?;
        let update = repo::insert_update(&mut tx, c.id, &body, actor.user_id, now).await?;
        let mut photo_id = None;
        if let Some(crate::photo::Upload {
            photo: p,
            sha256: sha,
        }) = &checked
        {
            let sha = sha.clone();
            let meta = PhotoMeta {
                id: 0,
                commitment_id: c.id,
                update_id: Some(update),
                content_type: p.kind.content_type().to_owned(),
                byte_len: 0,
                sha256: sha,
                width: Some(i64::from(p.width)),
                height: Some(i64::from(p.height)),
                uploaded_by: actor.user_id,
                uploaded_at: now,
            };
            photo_id = Some(repo::insert_photo(&mut tx, &meta, &p.data).await?);
        }
        started(&mut tx, &mut c, now).await?;
        log(
            &mut tx,
            actor,
            &c,
            "commitment.update",
            serde_json::json!({
                "update": update, "photo": photo_id, "by": by,
                "metadata_removed": checked.as_ref().map(|p| p.photo.removed),
            }),
            now,
        )
        .await?;
        commit(tx).await?;
        Ok(update)
    }

    /// Links a resident request of the commitment's community (managers).
    pub async fn link_commitment_request(
        &self,
        actor: &Actor,
        id: i64,
        request_id: i64,
    ) -> AppResult<()> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let c = managed(&mut tx, actor, id).await?;
        let wrong = || AppError::invalid("request_id", "choose a request of this community");
        let r = req_repo::get_request(&mut tx, RequestId(request_id))
            .await
            .map_err(|_| wrong())?;
        if r.community_id != c.community_id {
            return Err(wrong());
        }
        let offset = crate::requests::settings::load_rules(&mut tx)
            .await?
            .calendar
            .utc_offset_minutes();
        let number = civicgrid_domain::requests::public_number(r.id, r.created_at, offset);
        if !repo::link_request(&mut tx, c.id, r.id.0, actor.user_id, now).await? {
            return Err(AppError::invalid(
                "request_id",
                "this request is linked already",
            ));
        }
        log(
            &mut tx,
            actor,
            &c,
            "commitment.request_link",
            serde_json::json!({ "request": r.id.0, "number": number, "category": r.category }),
            now,
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// Records a spending line (managers).
    pub async fn add_commitment_spending(
        &self,
        actor: &Actor,
        id: i64,
        line: Spending,
    ) -> AppResult<i64> {
        let line = line
            .check()
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let c = managed(&mut tx, actor, id).await?;
        let sid = repo::insert_spending(&mut tx, c.id, &line, actor.user_id, now).await?;
        log(
            &mut tx,
            actor,
            &c,
            "commitment.spending",
            serde_json::json!({
                "what": line.what, "amount_fen": line.amount_fen,
                "spent_on": line.spent_on.to_string(), "payer": line.payer,
            }),
            now,
        )
        .await?;
        commit(tx).await?;
        Ok(sid)
    }

    /// One photo of a commitment with its bytes; public, as the page is.
    pub async fn commitment_photo(&self, photo_id: i64) -> AppResult<(PhotoMeta, Vec<u8>)> {
        let mut conn = self.db.read().await?;
        repo::photo(&mut conn, photo_id)
            .await
            .map_err(|_| AppError::NotFound("photo"))
    }

    /// Requests of a commitment's community that may be linked to it (managers), the
    /// newest first, at most 50, with their public reading.
    pub async fn linkable_requests(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<Vec<(i64, crate::requests::board::PublicRequest)>> {
        let mut conn = self.db.read().await?;
        let c = managed(&mut conn, actor, id).await?;
        let offset = crate::requests::settings::load_rules(&mut conn)
            .await?
            .calendar
            .utc_offset_minutes();
        let linked: Vec<i64> = repo::linked_requests(&mut conn, c.id)
            .await?
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        let mut out = Vec::new();
        for rid in repo::community_requests(&mut conn, c.community_id, 60).await? {
            if linked.contains(&rid) {
                continue;
            }
            let r = req_repo::get_request(&mut conn, RequestId(rid)).await?;
            out.push((rid, crate::requests::board::PublicRequest::of(&r, offset)));
            if out.len() == 50 {
                break;
            }
        }
        Ok(out)
    }
}
