//! The dashboard of a place (数据看板): its figures this month and the months before,
//! each against the month before, and its children's (and, when the reader sees the
//! parent, its siblings') figures side by side. Everything is read from the counted
//! figures (`store::insight::figures`): a handful of indexed reads whatever the size of
//! the place. Who may: [`Permission::ViewInsight`] in a scope holding the place; a
//! place outside it is not found.

use std::collections::BTreeMap;

use civicgrid_domain::insight::measures::{Kind, Measure};
use civicgrid_domain::insight::period::Month;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_store::insight::figures::{self as repo, CountRecord};
use civicgrid_store::now_ms;
use civicgrid_store::platform::org::{self, OrgNode};

use crate::authz::{require_somewhere, scopes};
use crate::{App, AppError, AppResult};

/// How many months a trend shows.
pub const TREND_MONTHS: usize = 6;

/// Figures by measure name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures(pub BTreeMap<String, i64>);

impl Figures {
    pub fn get(&self, m: Measure) -> i64 {
        self.0.get(m.code()).copied().unwrap_or(0)
    }

    pub fn named(&self, measure: &str) -> i64 {
        self.0.get(measure).copied().unwrap_or(0)
    }
}

/// A place beside the one shown, with its figures of the month.
#[derive(Debug, Clone)]
pub struct Area {
    pub node: OrgNode,
    pub figures: Figures,
}

/// What the dashboard shows.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub node: OrgNode,
    pub month: Month,
    /// The last count of the month (none before the first).
    pub counted: Option<CountRecord>,
    /// The months of the trend, oldest first; the last is `month`.
    pub months: Vec<Month>,
    /// Figures of each month of `months`.
    pub trend: Vec<Figures>,
    /// Whether each month of `months` has been counted (a month never counted shows
    /// no figures rather than zeros).
    pub trend_counted: Vec<bool>,
    /// The places inside it, one level down.
    pub children: Vec<Area>,
    /// The places beside it (its parent's children) when the reader sees the parent.
    pub siblings: Vec<Area>,
    pub parent: Option<OrgNode>,
    /// The places the reader may open a dashboard of, highest first.
    pub places: Vec<OrgNode>,
}

impl Dashboard {
    /// This month's figures.
    pub fn now(&self) -> Figures {
        self.trend.last().cloned().unwrap_or_default()
    }

    /// The month before's figure of `m` to compare with: none when the month was not
    /// counted, or (for a snapshot) not counted while it ran.
    pub fn before(&self, m: Measure) -> Option<i64> {
        let i = self.trend.len().checked_sub(2)?;
        if !self.trend_counted.get(i).copied().unwrap_or(false) {
            return None;
        }
        let f = self.trend.get(i)?;
        match m.kind() {
            Kind::Flow => Some(f.get(m)),
            Kind::Snapshot => f.0.get(m.code()).copied(),
        }
    }
}

fn in_sight(sight: &[civicgrid_domain::platform::org::OrgPath], n: &OrgNode) -> bool {
    sight.iter().any(|s| n.path.is_within(s))
}

async fn areas(
    conn: &mut civicgrid_store::AnyConnection,
    parent: &OrgNode,
    period: &str,
) -> AppResult<Vec<Area>> {
    let mut by_node: BTreeMap<i64, Figures> = BTreeMap::new();
    for (node, measure, value) in repo::of_children(conn, parent.id, period).await? {
        by_node.entry(node).or_default().0.insert(measure, value);
    }
    let mut out = Vec::new();
    for child in org::children(conn, parent.id).await? {
        let figures = by_node.remove(&child.id).unwrap_or_default();
        out.push(Area {
            node: child,
            figures,
        });
    }
    Ok(out)
}

impl App {
    /// The dashboard of `node_id` (default: the reader's highest place) for `month`
    /// (default: this month).
    pub async fn insight_dashboard(
        &self,
        actor: &Actor,
        node_id: Option<i64>,
        month: Option<Month>,
    ) -> AppResult<Dashboard> {
        require_somewhere(actor, Permission::ViewInsight)?;
        let gone = || AppError::NotFound("place");
        let sight = scopes(actor, Permission::ViewInsight);
        let mut conn = self.db.read().await?;
        let mut places = Vec::new();
        for s in &sight {
            match s.ids().last() {
                Some(id) => places.push(org::get(&mut conn, *id).await?),
                None => places.extend(org::roots(&mut conn).await?),
            }
        }
        places.sort_by_key(|n| (n.path.depth(), n.path.as_str().to_owned()));
        places.dedup_by_key(|n| n.id);
        let node = match node_id {
            Some(id) => org::get(&mut conn, id).await.map_err(|_| gone())?,
            None => places.first().cloned().ok_or_else(gone)?,
        };
        if !in_sight(&sight, &node) {
            return Err(gone());
        }
        let month = month.unwrap_or_else(|| Month::of(now_ms()));
        let months = month.last(TREND_MONTHS);
        let from = months.first().map_or_else(|| month.code(), |m| m.code());
        let mut by_month: BTreeMap<String, Figures> = BTreeMap::new();
        for (period, measure, value) in
            repo::of_node(&mut conn, node.id, &from, &month.code()).await?
        {
            by_month.entry(period).or_default().0.insert(measure, value);
        }
        let trend = months
            .iter()
            .map(|m| by_month.remove(&m.code()).unwrap_or_default())
            .collect();
        let counted_periods = repo::counted_periods(&mut conn, &from, &month.code()).await?;
        let trend_counted = months
            .iter()
            .map(|m| counted_periods.contains(&m.code()))
            .collect();
        let period = month.code();
        let children = areas(&mut conn, &node, &period).await?;
        let parent = match node.parent_id {
            Some(p) => {
                let p = org::get(&mut conn, p).await?;
                in_sight(&sight, &p).then_some(p)
            }
            None => None,
        };
        let siblings = match &parent {
            Some(p) => areas(&mut conn, p, &period).await?,
            None => Vec::new(),
        };
        Ok(Dashboard {
            counted: repo::last_count(&mut conn, &period).await?,
            node,
            month,
            months,
            trend,
            trend_counted,
            children,
            siblings,
            parent,
            places,
        })
    }
}
