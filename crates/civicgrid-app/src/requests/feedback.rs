//! After resolution: the resident's rating (online), and the staff return visit (回访)
//! for requests taken by phone or at the desk. What a rating leads to follows the
//! policy: a satisfactory one closes a resolved request; a poor one (≤ 2) reopens it
//! or flags it for a supervisor.

use civicgrid_domain::platform::access::Actor;
use civicgrid_domain::requests::status::ActorKind;
use civicgrid_domain::requests::{
    Action, Feedback, Rating, RatingOutcome, RequestId, Status, after_rating,
};
use civicgrid_store::{commit, now_ms};

use super::settings::load_rules;
use super::transitions::apply_action;
use super::{RequestView, Step, actor_role, stale, view, visible_request, write_step};
use crate::{App, AppError, AppResult};

impl App {
    /// The requester rates a resolved or closed request, once per resolution.
    pub async fn rate_request(
        &self,
        actor: &Actor,
        id: RequestId,
        score: u8,
        comment: Option<&str>,
    ) -> AppResult<RequestView> {
        self.feedback(actor, id, score, comment, false).await
    }

    /// Staff record the rating a resident gave on a return visit (by phone or in
    /// person), for requests that owe one.
    pub async fn record_return_visit(
        &self,
        actor: &Actor,
        id: RequestId,
        score: u8,
        comment: Option<&str>,
    ) -> AppResult<RequestView> {
        self.feedback(actor, id, score, comment, true).await
    }

    /// A supervisor clears the flag a poor rating left, with a note.
    pub async fn clear_request_flag(
        &self,
        actor: &Actor,
        id: RequestId,
        note: &str,
    ) -> AppResult<RequestView> {
        let note = crate::authz::reason(Some(note))?
            .ok_or_else(|| AppError::invalid("reason", "say what was done"))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (mut rec, s) = visible_request(&mut tx, actor, id).await?;
        if !s.supervisor {
            return Err(AppError::Forbidden);
        }
        if !rec.flagged {
            return Err(AppError::Conflict("the request is not flagged".into()));
        }
        let rules = load_rules(&mut tx).await?;
        rec.flagged = false;
        rec.updated_at = now;
        rec.version = civicgrid_store::requests::update_request(&mut tx, &rec)
            .await?
            .ok_or_else(stale)?;
        let mut step = Step::new("unflag");
        step.note = Some(note);
        step.visible = false;
        write_step(&mut tx, actor, &actor_role(actor, s), &rec, step, now).await?;
        let out = view(&rec, s, &self.config.field_keys, &rules.calendar, now);
        commit(tx).await?;
        Ok(out)
    }

    async fn feedback(
        &self,
        actor: &Actor,
        id: RequestId,
        score: u8,
        comment: Option<&str>,
        visit: bool,
    ) -> AppResult<RequestView> {
        let rating = Rating::new(score).map_err(|e| AppError::invalid(e.field(), e))?;
        let fb = Feedback::new(rating, comment).map_err(|e| AppError::invalid(e.field(), e))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (mut rec, s) = visible_request(&mut tx, actor, id).await?;
        if visit {
            if !s.handler {
                return Err(AppError::Forbidden);
            }
            if !rec.return_visit_pending {
                return Err(AppError::Conflict(
                    "no return visit is owed for this request".into(),
                ));
            }
        } else if !s.requester {
            return Err(AppError::Forbidden);
        }
        if !matches!(rec.status, Status::Resolved | Status::Closed) {
            return Err(AppError::Conflict(
                "only a resolved or closed request can be rated".into(),
            ));
        }
        if rec.rating.is_some() {
            return Err(AppError::Conflict(
                "this resolution was already rated".into(),
            ));
        }
        let rules = load_rules(&mut tx).await?;
        rec.rating = Some(rating);
        rec.rating_comment = fb.comment.clone();
        rec.rated_at = Some(now);
        if visit {
            rec.return_visit_pending = false;
            rec.return_visit_at = Some(now);
        }
        let outcome = after_rating(rating, rules.policy.poor_rating);
        if outcome == RatingOutcome::Flag {
            rec.flagged = true;
        }
        rec.updated_at = now;
        rec.version = civicgrid_store::requests::update_request(&mut tx, &rec)
            .await?
            .ok_or_else(stale)?;
        let role = if visit {
            actor_role(actor, s)
        } else {
            "requester".to_owned()
        };
        let mut step = Step::new(if visit { "return_visit" } else { "rate" });
        step.note = fb.comment.clone();
        step.details = serde_json::json!({"rating": rating.value(), "outcome": outcome});
        if outcome != RatingOutcome::Close {
            step.notify.push(format!("party:{}", rec.party.encode()));
        }
        write_step(&mut tx, actor, &role, &rec, step, now).await?;
        let actor_kind = if visit {
            ActorKind::Staff
        } else {
            ActorKind::Requester
        };
        match outcome {
            RatingOutcome::Close if rec.status == Status::Resolved => {
                apply_action(
                    &mut tx,
                    actor,
                    s,
                    &mut rec,
                    &Action::Close,
                    actor_kind,
                    &rules,
                    Step::new("close"),
                    now,
                )
                .await?;
            }
            RatingOutcome::Reopen => {
                let reason = format!("rated {} of 5", rating.value());
                let mut step = Step::new("reopen");
                step.notify.push(format!("party:{}", rec.party.encode()));
                apply_action(
                    &mut tx,
                    actor,
                    s,
                    &mut rec,
                    &Action::Reopen { reason },
                    actor_kind,
                    &rules,
                    step,
                    now,
                )
                .await?;
            }
            RatingOutcome::Flag => {
                let mut step = Step::new("flag");
                step.visible = false;
                write_step(&mut tx, actor, &role, &rec, step, now).await?;
            }
            RatingOutcome::Close => {}
        }
        let out = self
            .view_after_change(&mut tx, actor, &rec, &rules.calendar, now)
            .await?;
        commit(tx).await?;
        Ok(out)
    }
}
