//! Coverage (覆盖率) of a community or street: per grid, how many vulnerable residents
//! are paired, visited on time, overdue and red; and the list to act on (red first,
//! then the most overdue).
//!
//! Who may read it: [`Permission::ViewCare`] or [`Permission::ManageCare`] at the place.

use civicgrid_domain::care::coverage::Counts;
use civicgrid_domain::care::visits::local_day_start;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::care::coverage as repo;
use civicgrid_store::care::pairings::{self as pairing_repo, DueLine};
use civicgrid_store::now_ms;
use civicgrid_store::platform::org::{self, OrgNode};

use crate::{App, AppError, AppResult};

/// How many pairings the list to act on shows.
pub const ACT_ON_MAX: i64 = 100;

/// A place's coverage.
#[derive(Debug, Clone)]
pub struct CoverageView {
    pub node: OrgNode,
    pub total: Counts,
    /// Each grid of the place with its counts (grids without vulnerable residents
    /// count zero), by name.
    pub grids: Vec<(OrgNode, Counts)>,
    /// Pairings to act on: red, then overdue, the most overdue first.
    pub act_on: Vec<DueLine>,
    pub now: i64,
}

impl App {
    /// The coverage of `node_id` (a grid, community, street or wider).
    pub async fn care_coverage(&self, actor: &Actor, node_id: i64) -> AppResult<CoverageView> {
        if !(actor.can_somewhere(Permission::ViewCare)
            || actor.can_somewhere(Permission::ManageCare))
        {
            return Err(AppError::Forbidden);
        }
        let now = now_ms();
        let mut conn = self.db.read().await?;
        let node = org::get(&mut conn, node_id)
            .await
            .map_err(|_| AppError::NotFound("place"))?;
        if !(actor.can(Permission::ViewCare, &node.path)
            || actor.can(Permission::ManageCare, &node.path))
        {
            return Err(AppError::NotFound("place"));
        }
        let today = local_day_start(now);
        let counts = repo::coverage_by_grid(&mut conn, node.path.as_str(), today).await?;
        let mut grids: Vec<(OrgNode, Counts)> = org::subtree(&mut conn, &node.path)
            .await?
            .into_iter()
            .filter(|n| n.kind == NodeKind::Grid)
            .map(|g| {
                let c = counts.get(&g.id).copied().unwrap_or_default();
                (g, c)
            })
            .collect();
        grids.sort_by(|a, b| a.0.name_zh.cmp(&b.0.name_zh));
        let mut total = Counts::default();
        for (_, c) in &grids {
            total.add(c);
        }
        let act_on = pairing_repo::pairings_in(&mut conn, &node.path, ACT_ON_MAX)
            .await?
            .into_iter()
            .filter(|l| l.red != 0 || l.next_due_at.is_some_and(|d| d < today))
            .collect();
        Ok(CoverageView {
            node,
            total,
            grids,
            act_on,
            now,
        })
    }

    /// The places whose coverage the actor may open: the nodes of their assignments
    /// that view or manage care, by depth.
    pub async fn care_places(&self, actor: &Actor) -> AppResult<Vec<OrgNode>> {
        let mut conn = self.db.read().await?;
        let mut out: Vec<OrgNode> = Vec::new();
        for a in &actor.assignments {
            if (a.role.has(Permission::ViewCare) || a.role.has(Permission::ManageCare))
                && !out.iter().any(|n| n.id == a.node_id)
            {
                out.push(org::get(&mut conn, a.node_id).await?);
            }
        }
        out.sort_by_key(|n| n.path.depth());
        Ok(out)
    }
}
