//! Home-page figures: what waits in the reader's places, and how each community of a
//! street is doing. Read-only; limited to where the reader may view requests.

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::requests as repo;
use civicgrid_store::{now_ms, platform::org};
use serde::Serialize;

use crate::authz::require_somewhere;
use crate::{App, AppResult};

pub use civicgrid_store::requests::WorkCounts;

/// Results are counted over this many days back.
pub const RESULT_DAYS: i64 = 30;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// One community's line on the street overview.
#[derive(Debug, Clone, Serialize)]
pub struct CommunityLine {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub open: i64,
    pub overdue: i64,
    /// Closed in the last [`RESULT_DAYS`] days, and how many of those on time.
    pub closed: i64,
    pub closed_on_time: i64,
    /// Percentage closed on time, when any were closed.
    pub on_time_pct: Option<i64>,
    /// Ratings given in the last [`RESULT_DAYS`] days: how many, and their average
    /// with one decimal (e.g. `4.5`) when there are any.
    pub rated: i64,
    pub rating_avg: Option<String>,
}

/// The scopes in which `permission` holds, the unrestricted actor's as its roots.
async fn scope_paths(
    conn: &mut civicgrid_store::AnyConnection,
    actor: &Actor,
    permission: Permission,
) -> AppResult<Vec<OrgPath>> {
    Ok(match actor.scopes(permission) {
        Some(p) => p,
        None => org::roots(conn)
            .await?
            .into_iter()
            .map(|n| n.path)
            .collect(),
    })
}

impl App {
    /// What waits in the actor's places: not yet accepted, due soon, overdue, flagged
    /// after a poor rating; summed over every place where the actor may view requests.
    pub async fn work_counts(&self, actor: &Actor) -> AppResult<WorkCounts> {
        require_somewhere(actor, Permission::ViewRequests)?;
        let now = now_ms();
        let mut conn = self.db.read().await?;
        let mut total = WorkCounts::default();
        for path in scope_paths(&mut conn, actor, Permission::ViewRequests).await? {
            let c = repo::work_counts(&mut conn, &path, now).await?;
            total.submitted += c.submitted;
            total.due_soon += c.due_soon;
            total.overdue += c.overdue;
            total.flagged += c.flagged;
        }
        Ok(total)
    }

    /// Each community where the actor may view requests, side by side: open and
    /// overdue now, closed on time and satisfaction over the last [`RESULT_DAYS`] days.
    /// One grouped query per scope, never one per community.
    pub async fn community_overview(&self, actor: &Actor) -> AppResult<Vec<CommunityLine>> {
        require_somewhere(actor, Permission::ViewRequests)?;
        let now = now_ms();
        let since = now - RESULT_DAYS * DAY_MS;
        let mut conn = self.db.read().await?;
        let mut lines: Vec<CommunityLine> = Vec::new();
        for path in scope_paths(&mut conn, actor, Permission::ViewRequests).await? {
            let figures = repo::community_figures(&mut conn, &path, now, since).await?;
            for n in org::subtree(&mut conn, &path).await? {
                if n.kind != NodeKind::Community || lines.iter().any(|l| l.id == n.id) {
                    continue;
                }
                let f = figures
                    .iter()
                    .find(|f| f.community_id == n.id)
                    .copied()
                    .unwrap_or_default();
                lines.push(CommunityLine {
                    id: n.id,
                    name_zh: n.name_zh,
                    name_en: n.name_en,
                    open: f.open,
                    overdue: f.overdue,
                    closed: f.closed,
                    closed_on_time: f.closed_on_time,
                    on_time_pct: (f.closed > 0).then(|| f.closed_on_time * 100 / f.closed),
                    rated: f.rated,
                    rating_avg: (f.rated > 0).then(|| {
                        let tenths = (f.rating_sum * 10 + f.rated / 2) / f.rated;
                        format!("{}.{}", tenths / 10, tenths % 10)
                    }),
                });
            }
        }
        Ok(lines)
    }
}
