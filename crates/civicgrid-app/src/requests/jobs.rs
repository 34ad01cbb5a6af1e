//! Periodic jobs: the escalation ladder (with closing resolved requests nobody
//! confirmed within the reopen window) and the delivery of outbound notifications.
//!
//! [`App::run_escalations`] is safe to run twice at once or on several instances: on
//! PostgreSQL one instance takes an advisory lock and the others skip; on SQLite write
//! transactions are serialised; and each step is written with
//! `WHERE escalation_level < target`, so a step is never taken twice.

use civicgrid_domain::platform::access::Actor;
use civicgrid_domain::requests::Action;
use civicgrid_domain::requests::status::{ActorKind, may_auto_close};
use civicgrid_store::requests::{self as repo, ESCALATION_LOCK_KEY};
use civicgrid_store::{commit, now_ms};
use serde::Serialize;

use super::settings::load_rules;
use super::transitions::apply_action;
use super::{Standing, Step, write_step};
use crate::{App, AppResult};

/// Most requests one run looks at (per kind); the next run takes the rest.
pub const JOB_BATCH: i64 = 500;
/// Delivery attempts before a notification is given up as failed.
pub const MAX_DELIVERY_ATTEMPTS: i64 = 5;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobReport {
    /// Another instance held the job's lock; nothing was done.
    pub skipped: bool,
    pub escalated: usize,
    pub auto_closed: usize,
}

impl App {
    /// Escalates overdue requests up the ladder (grid worker → community staff →
    /// street admin) and closes resolved requests whose reopen window has passed, as
    /// of `now_ms`. Each step gets a staff-only timeline line, an audit entry by the
    /// system, and a notification to the role now watching.
    pub async fn run_escalations(&self, now_ms: i64) -> AppResult<JobReport> {
        let system = Actor::system();
        let mut report = JobReport::default();
        let mut tx = self.db.begin_write().await?;
        if !repo::try_job_lock(&mut tx, ESCALATION_LOCK_KEY).await? {
            report.skipped = true;
            return Ok(report);
        }
        let rules = load_rules(&mut tx).await?;
        let cal = &rules.calendar;
        let ladder = rules.policy.escalation;
        for rec in repo::due_steps(&mut tx, now_ms, JOB_BATCH).await? {
            let Some(due) = rec.due_at else {
                repo::set_next_step(&mut tx, rec.id, None).await?;
                continue;
            };
            let target = ladder.level_at(cal, due, now_ms);
            let next = ladder.next_step_at(cal, target, due).map(|(_, at)| at);
            if target <= rec.escalation_level {
                // Stale pointer (the due time moved): look again when the next step is due.
                let next = ladder
                    .next_step_at(cal, rec.escalation_level, due)
                    .map(|(_, at)| at);
                repo::set_next_step(&mut tx, rec.id, next).await?;
                continue;
            }
            if !repo::escalate(&mut tx, rec.id, target, next, now_ms).await? {
                continue;
            }
            report.escalated += 1;
            let mut step = Step::new("escalate");
            step.visible = false;
            step.party = Some(format!("role:{}", target.code()));
            step.notify
                .push(format!("role:{}@{}", target.code(), rec.path.as_str()));
            step.details = serde_json::json!({
                "from_level": rec.escalation_level.code(),
                "to_level": target.code(),
                "due_at": due,
            });
            write_step(&mut tx, &system, "system", &rec, step, now_ms).await?;
        }
        let window = rules.policy.reopen_window_ms;
        for mut rec in
            repo::stale_resolved(&mut tx, now_ms.saturating_sub(window), JOB_BATCH).await?
        {
            let Some(resolved) = rec.resolved_at else {
                continue;
            };
            if !may_auto_close(rec.status, resolved, now_ms, window) {
                continue;
            }
            let step = Step::new("auto_close");
            // A concurrent change makes the version check fail: skip it this time.
            match apply_action(
                &mut tx,
                &system,
                Standing::default(),
                &mut rec,
                &Action::Close,
                ActorKind::System,
                &rules,
                step,
                now_ms,
            )
            .await
            {
                Ok(_) => report.auto_closed += 1,
                Err(crate::AppError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        commit(tx).await?;
        Ok(report)
    }

    /// Hands pending notifications to the notifier, oldest first, at most `limit`;
    /// returns how many were delivered.
    pub async fn deliver_request_notifications(&self, limit: i64) -> AppResult<usize> {
        let notifier = match self.requests.notifier.read() {
            Ok(n) => std::sync::Arc::clone(&n),
            Err(_) => return Ok(0),
        };
        let items = {
            let mut conn = self.db.read().await?;
            repo::pending_outbox(&mut conn, limit.clamp(1, 1000)).await?
        };
        let mut delivered = 0;
        for item in items {
            let ok = notifier.deliver(&item).await.is_ok();
            let mut tx = self.db.begin_write().await?;
            if repo::outbox_attempted(&mut tx, item.id, ok, MAX_DELIVERY_ATTEMPTS, now_ms()).await?
                && ok
            {
                delivered += 1;
            }
            commit(tx).await?;
        }
        Ok(delivered)
    }

    /// Replaces the outbound notifier (webhook, SMTP); the default sends nothing.
    pub fn set_request_notifier(&self, notifier: std::sync::Arc<dyn super::Notifier>) {
        if let Ok(mut n) = self.requests.notifier.write() {
            *n = notifier;
        }
    }
}
