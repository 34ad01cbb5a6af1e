//! Ledger search and the population summary: staff find residents across their
//! scope, and see a grid's or community's population at a glance.

pub mod query;

use chrono::Datelike;
use civicgrid_domain::ledger::person::ResidenceStatus;
use civicgrid_domain::ledger::tags::{AGE_TAGS, TagDef};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::ledger::population::{self as pop_repo, born_by};
use civicgrid_store::ledger::search::{self as repo, SearchFilter};
use civicgrid_store::{AnyConnection, ledger, ledger::pii};

pub use query::ParsedQuery;

/// A resident found, a population's counts (per grid and in total) and its age bands:
/// plain records and the band rule, the app's view of the store's.
pub use civicgrid_store::ledger::population::{
    AGE_BANDS, Counts, GridCounts, Population, age_band,
};
pub use civicgrid_store::ledger::search::Hit;

use crate::authz::require_somewhere;
use crate::platform::org::OrgNode;
use crate::{App, AppError, AppResult};

/// Results per page.
pub const PAGE_SIZE: i64 = 20;
/// Deepest page a search may ask for.
const MAX_PAGE: i64 = 500;

/// What a search form or API call sends.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: String,
    /// Narrow to this node (a grid, community, …) inside the actor's scope.
    pub node_id: Option<i64>,
    /// A tag code or name.
    pub tag: Option<String>,
    /// A residence status code or name.
    pub status: Option<String>,
    /// From 1.
    pub page: i64,
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    pub page: i64,
    pub has_more: bool,
    pub parsed: ParsedQuery,
}

/// Today's year and month as YYYYMM (UTC).
pub fn today_ym() -> i64 {
    let d = chrono::Utc::now().date_naive();
    i64::from(d.year()) * 100 + i64::from(d.month())
}

/// The birth year-months (inclusive) of an age-derived tag on `today_ym`.
fn derived_range(code: &str, today_ym: i64) -> Option<(i64, i64)> {
    AGE_TAGS
        .iter()
        .find(|t| t.0 == code)
        .map(|(_, _, _, min, max)| {
            let lo = if *max == i32::MAX {
                0
            } else {
                born_by(today_ym, i64::from(*max)) + 1
            };
            (lo, born_by(today_ym, i64::from(*min)))
        })
}

async fn catalogue(conn: &mut AnyConnection) -> AppResult<Vec<TagDef>> {
    Ok(ledger::catalogue(conn)
        .await?
        .into_iter()
        .map(|t| t.def)
        .collect())
}

impl App {
    /// The tag catalogue, for filters and labels.
    pub async fn search_tags(&self, actor: &Actor) -> AppResult<Vec<TagDef>> {
        require_somewhere(actor, Permission::ViewLedger)?;
        let mut conn = self.db.read().await?;
        catalogue(&mut conn).await
    }

    /// Finds residents in the actor's scope (or in `node_id` inside it).
    pub async fn search_residents(
        &self,
        actor: &Actor,
        req: &SearchRequest,
    ) -> AppResult<SearchResults> {
        require_somewhere(actor, Permission::ViewLedger)?;
        let page = req.page.clamp(1, MAX_PAGE);
        let mut conn = self.db.read().await?;
        let scopes = match req.node_id {
            Some(id) => {
                let node = crate::platform::org::node_in_sight(
                    &mut conn,
                    actor,
                    Permission::ViewLedger,
                    id,
                )
                .await?;
                Some(vec![node.path.as_str().to_owned()])
            }
            None => actor
                .scopes(Permission::ViewLedger)
                .map(|ps| ps.iter().map(|p| p.as_str().to_owned()).collect()),
        };
        let tags = catalogue(&mut conn).await?;
        let mut parsed = query::parse(&req.q, &tags);
        if let Some(t) = req.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let def = civicgrid_domain::ledger::tags::lookup(&tags, t)
                .ok_or_else(|| AppError::invalid("tag", "unknown tag"))?;
            parsed.tag = Some(def.code.clone());
        }
        if let Some(s) = req
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            parsed.status =
                Some(ResidenceStatus::parse(s).map_err(|e| AppError::invalid("status", e))?);
        }
        let (tag, birth_ym) = match parsed.tag.as_deref() {
            Some(code) => match derived_range(code, today_ym()) {
                Some(range) => (None, Some(range)),
                None => (Some(code.to_owned()), None),
            },
            None => (None, None),
        };
        let keys = &self.config.field_keys;
        let filter = SearchFilter {
            scopes,
            name: parsed.name.clone(),
            phone: parsed.phone.as_ref().map(|p| pii::phone_keys(keys, p)),
            phone_last4_idx: parsed
                .phone_last4
                .as_deref()
                .map(|d| pii::phone_last4_index(keys, d)),
            buildings: parsed
                .building
                .as_deref()
                .map(query::building_names)
                .unwrap_or_default(),
            units: parsed
                .unit
                .as_deref()
                .map(query::unit_names)
                .unwrap_or_default(),
            rooms: parsed
                .room
                .as_deref()
                .map(query::room_names)
                .unwrap_or_default(),
            tag,
            birth_ym,
            status: parsed.status.map(|s| s.code().to_owned()),
            limit: PAGE_SIZE + 1,
            offset: (page - 1) * PAGE_SIZE,
        };
        let mut hits = repo::search_residents(&mut conn, &filter).await?;
        let has_more = hits.len() as i64 > PAGE_SIZE;
        hits.truncate(PAGE_SIZE as usize);
        Ok(SearchResults {
            hits,
            page,
            has_more,
            parsed,
        })
    }

    /// Population of a grid, community or any node in the actor's ledger scope.
    pub async fn population(&self, actor: &Actor, node_id: i64) -> AppResult<PopulationView> {
        let mut conn = self.db.read().await?;
        let node =
            crate::platform::org::node_in_sight(&mut conn, actor, Permission::ViewLedger, node_id)
                .await?;
        let today = today_ym();
        let mut population = pop_repo::population(&mut conn, node.path.as_str(), today).await?;
        add_derived_tags(&mut population);
        let tags = catalogue(&mut conn).await?;
        Ok(PopulationView {
            node,
            population,
            tags,
            today_ym: today,
        })
    }
}

/// Age-derived tags counted from the age bands (they are computed, never recorded).
fn add_derived_tags(p: &mut Population) {
    let apply = |c: &mut Counts| {
        let b = c.by_age_band;
        for (code, n) in [
            ("minor", b[0]),
            ("senior_60", b[3] + b[4]),
            ("aged_80", b[4]),
        ] {
            if n > 0 {
                c.by_tag.insert(code.to_owned(), n);
            }
        }
    };
    for g in &mut p.grids {
        apply(&mut g.counts);
    }
    apply(&mut p.total);
}

#[derive(Debug, Clone)]
pub struct PopulationView {
    pub node: OrgNode,
    pub population: Population,
    /// The catalogue, for tag names.
    pub tags: Vec<TagDef>,
    pub today_ym: i64,
}

impl PopulationView {
    /// Is the node a grid (one row) rather than a wider area?
    pub fn is_grid(&self) -> bool {
        self.node.kind == NodeKind::Grid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_tags_become_birth_ranges() {
        assert_eq!(derived_range("aged_80", 202611), Some((0, 194611)));
        assert_eq!(derived_range("senior_60", 202611), Some((0, 196611)));
        assert_eq!(derived_range("minor", 202611), Some((200812, 202611)));
        assert_eq!(derived_range("veteran", 202611), None);
    }
}
