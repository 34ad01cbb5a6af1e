//! The missed-visit alert job and the alerts each one reads (see
//! [`civicgrid_domain::care::alerts`] for the ladder).
//!
//! [`App::run_care_alerts`] is safe to run twice, or on several instances at once: on
//! PostgreSQL one instance takes an advisory lock and the others skip; on SQLite write
//! transactions are serialised; and each step is a conditional write (a pairing climbs
//! only `WHERE alert_level < target` for the due time read, an alert is keyed by
//! pairing, due time and level, a red flag is set only `WHERE red = 0`), so nothing is
//! raised twice. Each alert raised and each red flag is audited by the system.

use civicgrid_domain::care::alerts::{AlertLevel, level_at, next_level_at};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_store::care::alerts::{self as repo, AlertLine, CARE_ALERT_LOCK_KEY};
use civicgrid_store::care::pairings as pairing_repo;
use civicgrid_store::commit;
use civicgrid_store::requests::try_job_lock;
use serde::Serialize;

use super::pairings::log;
use crate::{App, AppResult};

/// Most pairings one run looks at (per step); the next run takes the rest.
pub const JOB_BATCH: i64 = 1000;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CareJobReport {
    /// Another instance held the job's lock; nothing was done.
    pub skipped: bool,
    /// Alerts raised.
    pub raised: usize,
    /// Residents flagged red.
    pub red: usize,
}

/// An open alert as its reader sees it.
#[derive(Debug, Clone)]
pub struct AlertItem {
    pub alert: AlertLine,
    pub level: AlertLevel,
}

impl App {
    /// Raises the alerts of overdue visits as of `now` (carer, then grid worker, then
    /// community staff) and flags red the residents nobody reached for two cadences.
    pub async fn run_care_alerts(&self, now: i64) -> AppResult<CareJobReport> {
        let system = Actor::system();
        let mut report = CareJobReport::default();
        let mut tx = self.db.begin_write().await?;
        if !try_job_lock(&mut tx, CARE_ALERT_LOCK_KEY).await? {
            report.skipped = true;
            return Ok(report);
        }
        for p in repo::due_alert_steps(&mut tx, now, JOB_BATCH).await? {
            let Some(due) = p.next_due_at else {
                repo::set_next_alert(&mut tx, p.id, None).await?;
                continue;
            };
            let current = AlertLevel::from_rank(p.alert_level);
            let Some(target) = level_at(due, p.cadence, now).filter(|t| t.rank() > p.alert_level)
            else {
                // Stale pointer (the due time moved): look again at the next step.
                repo::set_next_alert(&mut tx, p.id, next_level_at(due, p.cadence, current)).await?;
                continue;
            };
            let next = next_level_at(due, p.cadence, Some(target));
            if !repo::climb(&mut tx, p.id, due, target.rank(), next).await? {
                continue;
            }
            if repo::raise(&mut tx, p.id, due, target.rank(), now).await? {
                report.raised += 1;
                log(
                    &mut tx,
                    &system,
                    &p,
                    "care.alert.raise",
                    None,
                    serde_json::json!({ "alert_level": target.code(), "due_at": due }),
                )
                .await?;
            }
        }
        for id in repo::due_red(&mut tx, now, JOB_BATCH).await? {
            if repo::flag_red(&mut tx, id, now).await? {
                report.red += 1;
                let p = pairing_repo::get_pairing(&mut tx, id).await?;
                log(
                    &mut tx,
                    &system,
                    &p,
                    "care.red.flag",
                    None,
                    serde_json::json!({}),
                )
                .await?;
            }
        }
        commit(tx).await?;
        Ok(report)
    }

    /// The open alerts for the actor: of the pairings they are a carer on (from the
    /// first level), of the grids where they manage care (from the grid worker's), and
    /// of the communities and streets where they do (from the staff's).
    pub async fn my_care_alerts(&self, actor: &Actor) -> AppResult<Vec<AlertItem>> {
        let mut conn = self.db.read().await?;
        let mut out: Vec<AlertLine> = Vec::new();
        if let Some(user) = actor.user_id {
            for id in pairing_repo::pairings_of_carer(&mut conn, user).await? {
                out.extend(repo::open_alerts_of(&mut conn, id).await?);
            }
        }
        let scopes: Vec<(OrgPath, i64)> = actor
            .assignments
            .iter()
            .filter(|a| a.role.has(Permission::ManageCare) || a.role.has(Permission::ViewCare))
            .map(|a| {
                let min = if a.path.depth() >= 5 {
                    AlertLevel::GridWorker
                } else {
                    AlertLevel::Staff
                };
                (a.path.clone(), min.rank())
            })
            .collect();
        for (path, min) in scopes {
            out.extend(repo::open_alerts_in(&mut conn, path.as_str(), min, 200).await?);
        }
        out.sort_by_key(|a| (std::cmp::Reverse(a.level), a.raised_at, a.id));
        out.dedup_by_key(|a| a.id);
        Ok(out
            .into_iter()
            .filter_map(|a| {
                AlertLevel::from_rank(a.level).map(|level| AlertItem { alert: a, level })
            })
            .collect())
    }
}
