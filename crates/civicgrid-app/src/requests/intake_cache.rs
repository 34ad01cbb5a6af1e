//! What every submission reads and that rarely changes — the calendar and policy, the
//! catalogue, the routing rules of a place, a community's recent requests for duplicate
//! suggestions — kept in memory for a few seconds, so intake costs a handful of reads.
//! A change made through this instance clears it at once; another instance's change is
//! seen within [`SETTINGS_TTL`] (duplicate candidates within [`CANDIDATES_TTL`]; the
//! requests this instance writes join its candidates immediately).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use civicgrid_domain::requests::category::Category;
use civicgrid_domain::requests::routing::RoutingRule;
use civicgrid_domain::requests::similarity::{Candidate, Summary};
use civicgrid_domain::requests::text::token_hashes;
use civicgrid_store::platform::org::{self, OrgNode};
use civicgrid_store::requests::{self as repo, CandidateRow};
use civicgrid_store::{AnyConnection, Db, ReadConn};

use super::settings::{Rules, load_rules};
use crate::AppResult;

/// How long settings, catalogue and routing rules are reused.
pub const SETTINGS_TTL: Duration = Duration::from_secs(5);
/// Most org nodes kept (a city has a few thousand grids).
const MAX_NODES: usize = 20_000;
/// How long a community's duplicate candidates are reused.
pub const CANDIDATES_TTL: Duration = Duration::from_secs(2);

/// A read connection taken from the pool only when something must be read: a
/// submission whose every answer is cached touches no connection at all (taking and
/// returning one costs a round trip to the database's worker each way).
pub(crate) struct LazyRead<'a> {
    db: &'a Db,
    conn: Option<ReadConn>,
}

impl<'a> LazyRead<'a> {
    pub fn new(db: &'a Db) -> LazyRead<'a> {
        LazyRead { db, conn: None }
    }

    pub async fn get(&mut self) -> AppResult<&mut AnyConnection> {
        let conn = match self.conn.take() {
            Some(c) => c,
            None => self.db.read().await?,
        };
        Ok(&mut **self.conn.insert(conn))
    }
}

/// A recent request with its description's token set, worked out once: every new
/// request of the community is compared with it.
#[derive(Debug, Clone)]
pub(crate) struct KnownCandidate {
    pub row: CandidateRow,
    pub tokens: Vec<u64>,
}

impl KnownCandidate {
    pub fn new(row: CandidateRow) -> KnownCandidate {
        let tokens = token_hashes(&row.description);
        KnownCandidate { row, tokens }
    }

    pub fn candidate(&self) -> Candidate<'_> {
        let r = &self.row;
        Candidate {
            id: r.id,
            summary: Summary {
                category: &r.category,
                text: &r.description,
                building_id: r.building_id,
                point: r.point,
                created_ms: r.created_at,
            },
            tokens: &self.tokens,
        }
    }
}

type Slot<T> = Mutex<Option<(Instant, Arc<T>)>>;
type Keyed<K, T> = Mutex<HashMap<K, (Instant, Arc<T>)>>;

#[derive(Default)]
pub(crate) struct IntakeCache {
    rules: Slot<Rules>,
    catalogue: Slot<Vec<Category>>,
    routing: Keyed<String, Vec<RoutingRule>>,
    candidates: Keyed<i64, Vec<Arc<KnownCandidate>>>,
    grids: Keyed<i64, OrgNode>,
}

fn fresh<T>(entry: Option<&(Instant, Arc<T>)>, ttl: Duration) -> Option<Arc<T>> {
    entry
        .filter(|(at, _)| at.elapsed() < ttl)
        .map(|(_, v)| Arc::clone(v))
}

impl IntakeCache {
    /// Forgets everything (after a change to settings, catalogue or routing).
    pub fn clear(&self) {
        if let Ok(mut s) = self.rules.lock() {
            *s = None;
        }
        if let Ok(mut s) = self.catalogue.lock() {
            *s = None;
        }
        if let Ok(mut m) = self.routing.lock() {
            m.clear();
        }
        if let Ok(mut m) = self.grids.lock() {
            m.clear();
        }
    }

    /// An org node by id (the grid a request lands in; a renamed or moved grid is seen
    /// within [`SETTINGS_TTL`]).
    pub async fn node(&self, conn: &mut LazyRead<'_>, id: i64) -> AppResult<Arc<OrgNode>> {
        if let Some(v) = self
            .grids
            .lock()
            .ok()
            .and_then(|m| fresh(m.get(&id), SETTINGS_TTL))
        {
            return Ok(v);
        }
        let v = Arc::new(org::get(conn.get().await?, id).await?);
        if let Ok(mut m) = self.grids.lock() {
            if m.len() >= MAX_NODES {
                m.clear();
            }
            m.insert(id, (Instant::now(), Arc::clone(&v)));
        }
        Ok(v)
    }

    pub async fn rules(&self, conn: &mut LazyRead<'_>) -> AppResult<Arc<Rules>> {
        if let Some(v) = self
            .rules
            .lock()
            .ok()
            .and_then(|s| fresh(s.as_ref(), SETTINGS_TTL))
        {
            return Ok(v);
        }
        let v = Arc::new(load_rules(conn.get().await?).await?);
        if let Ok(mut s) = self.rules.lock() {
            *s = Some((Instant::now(), Arc::clone(&v)));
        }
        Ok(v)
    }

    /// The whole catalogue when a fresh copy is at hand (no connection needed).
    fn cached_catalogue(&self) -> Option<Arc<Vec<Category>>> {
        self.catalogue
            .lock()
            .ok()
            .and_then(|s| fresh(s.as_ref(), SETTINGS_TTL))
    }

    /// The whole catalogue, read again unless a fresh copy is at hand.
    pub async fn catalogue(&self, conn: &mut LazyRead<'_>) -> AppResult<Arc<Vec<Category>>> {
        if let Some(all) = self.cached_catalogue() {
            return Ok(all);
        }
        self.read_catalogue(conn).await
    }

    async fn read_catalogue(&self, conn: &mut LazyRead<'_>) -> AppResult<Arc<Vec<Category>>> {
        let all = Arc::new(repo::categories(conn.get().await?).await?);
        if let Ok(mut s) = self.catalogue.lock() {
            *s = Some((Instant::now(), Arc::clone(&all)));
        }
        Ok(all)
    }

    /// An active or inactive category by code.
    pub async fn category(
        &self,
        conn: &mut LazyRead<'_>,
        code: &str,
    ) -> AppResult<Option<Category>> {
        if let Some(found) = self
            .cached_catalogue()
            .and_then(|all| all.iter().find(|c| c.code == code).cloned())
        {
            return Ok(Some(found));
        }
        // Not cached, or a code the cached list lacks (created a moment ago): read again.
        let all = self.read_catalogue(conn).await?;
        Ok(all.iter().find(|c| c.code == code).cloned())
    }

    /// The routing rules that may apply at `path`.
    pub async fn routing(
        &self,
        conn: &mut LazyRead<'_>,
        path: &civicgrid_domain::platform::org::OrgPath,
    ) -> AppResult<Arc<Vec<RoutingRule>>> {
        let key = path.as_str().to_owned();
        if let Some(v) = self
            .routing
            .lock()
            .ok()
            .and_then(|m| fresh(m.get(&key), SETTINGS_TTL))
        {
            return Ok(v);
        }
        let v = Arc::new(repo::rules_for(conn.get().await?, path).await?);
        if let Ok(mut m) = self.routing.lock() {
            m.insert(key, (Instant::now(), Arc::clone(&v)));
        }
        Ok(v)
    }

    /// The community's recent requests that a new one may duplicate (newest first).
    pub async fn candidates(
        &self,
        conn: &mut LazyRead<'_>,
        community_id: i64,
        since_ms: i64,
        limit: i64,
    ) -> AppResult<Arc<Vec<Arc<KnownCandidate>>>> {
        if let Some(v) = self
            .candidates
            .lock()
            .ok()
            .and_then(|m| fresh(m.get(&community_id), CANDIDATES_TTL))
        {
            return Ok(v);
        }
        let rows =
            repo::duplicate_candidates(conn.get().await?, community_id, since_ms, limit).await?;
        let v = Arc::new(
            rows.into_iter()
                .map(|r| Arc::new(KnownCandidate::new(r)))
                .collect::<Vec<_>>(),
        );
        if let Ok(mut m) = self.candidates.lock() {
            m.insert(community_id, (Instant::now(), Arc::clone(&v)));
        }
        Ok(v)
    }

    /// Adds a request just written to its community's cached candidates.
    pub fn add_candidate(&self, community_id: i64, row: CandidateRow, limit: usize) {
        let known = Arc::new(KnownCandidate::new(row));
        if let Ok(mut m) = self.candidates.lock()
            && let Some((_, list)) = m.get_mut(&community_id)
        {
            let mut next = Vec::with_capacity(list.len() + 1);
            next.push(known);
            next.extend(list.iter().take(limit.saturating_sub(1)).cloned());
            *list = Arc::new(next);
        }
    }
}
