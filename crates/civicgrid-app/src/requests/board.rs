//! Reading across requests: the duplicate suggestions staff see beside one request
//! (to merge it with one action), and the public board of open, publicly showable
//! requests (no personal data: category, status, grid, community, age).
//!
//! [`PublicRequest`] is what anyone may read of a request, decided here once for every
//! public surface (this board, Open311 reads without a token that may view it): free
//! text without contact details, the address no finer than building and unit, the
//! point rounded to about 100 m (the rules of `domain::requests::public`).

use std::collections::HashMap;

use civicgrid_domain::platform::access::Actor;
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_domain::requests::public::{public_address, public_point, redact_contacts};
use civicgrid_domain::requests::similarity::{Candidate, Summary, suggest_duplicates};
use civicgrid_domain::requests::{RequestId, Status};
use civicgrid_store::now_ms;
use civicgrid_store::platform::org;
use civicgrid_store::requests::{self as repo, Narrowing, Queue, RequestRecord};
use serde::Serialize;

use super::intake::DUPLICATE_CANDIDATES;
use super::intake_cache::KnownCandidate;
use super::settings::load_rules;
use super::{RequestView, public_number, standing, view, visible_request};
use crate::{App, AppError, AppResult};

/// Most requests the public board lists.
pub const PUBLIC_BOARD_LIMIT: i64 = 500;

/// An earlier request the one in hand may duplicate, as its reader may see it.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateSuggestion {
    /// Combined score, 0..1.
    pub score: f64,
    pub request: RequestView,
}

/// A request as anyone may read it (the public board, Open311): nothing that could
/// identify or reach anyone.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRequest {
    /// `R-2026-000123`.
    pub number: String,
    pub category: String,
    pub status: Status,
    pub grid_id: i64,
    pub community_id: i64,
    pub created_at: i64,
    /// The description without phone numbers, ID numbers or e-mail addresses.
    pub description: String,
    /// The address no finer than building and unit, without contact details.
    pub address: String,
    /// (longitude, latitude), rounded to about 100 m.
    pub point: Option<(f64, f64)>,
}

impl PublicRequest {
    /// The public reading of `rec`; times shown at `utc_offset_minutes`.
    pub(crate) fn of(rec: &RequestRecord, utc_offset_minutes: i32) -> PublicRequest {
        PublicRequest {
            number: public_number(rec.id, rec.created_at, utc_offset_minutes),
            category: rec.category.clone(),
            status: rec.status,
            grid_id: rec.grid_id,
            community_id: rec.community_id,
            created_at: rec.created_at,
            description: public_text(&rec.description),
            address: public_address(&rec.address).into_owned(),
            point: rec.point.map(public_point),
        }
    }
}

/// Any other text shown publicly beside a request (names of categories and
/// responsible parties, status notes): without contact details.
pub fn public_text(text: &str) -> String {
    redact_contacts(text).into_owned()
}

/// The public board: its requests and every place of its scope (names and
/// boundaries, for the map and the scope chooser).
#[derive(Debug, Clone, Default)]
pub struct PublicBoard {
    /// The node the board is narrowed to, if any.
    pub scope: Option<civicgrid_store::platform::org::OrgNode>,
    pub requests: Vec<PublicRequest>,
    /// The scope's nodes (the whole tree without a scope), the scope first.
    pub places: Vec<civicgrid_store::platform::org::OrgNode>,
    /// The streets and communities people may narrow the board to.
    pub scopes: Vec<civicgrid_store::platform::org::OrgNode>,
}

/// One public request with what its page names: its grid (with the boundary its map
/// draws), its community and its category. Read without the board.
#[derive(Debug, Clone)]
pub struct PublicRequestShown {
    pub request: PublicRequest,
    pub grid: civicgrid_store::platform::org::OrgNode,
    /// Absent only if the community was removed since.
    pub community: Option<civicgrid_store::platform::org::OrgNode>,
    /// Absent only if the category was removed since.
    pub category: Option<civicgrid_domain::requests::Category>,
}

impl App {
    /// Earlier requests of the same community that `id` may duplicate, best first
    /// (same category, nearby, recent, similar text). Only handlers of `id` ask; only
    /// requests they may see are offered, and never one already a duplicate.
    pub async fn request_duplicates(
        &self,
        actor: &Actor,
        id: RequestId,
    ) -> AppResult<Vec<DuplicateSuggestion>> {
        let mut conn = self.db.read().await?;
        let (rec, s) = visible_request(&mut conn, actor, id).await?;
        if !s.handler {
            return Err(AppError::Forbidden);
        }
        let rules = load_rules(&mut conn).await?;
        let since = rec
            .created_at
            .saturating_sub(rules.policy.duplicates.window_ms);
        let rows =
            repo::duplicate_candidates(&mut conn, rec.community_id, since, DUPLICATE_CANDIDATES)
                .await?;
        let known: Vec<KnownCandidate> = rows
            .into_iter()
            .filter(|r| r.id != rec.id && r.created_at <= rec.created_at)
            .map(KnownCandidate::new)
            .collect();
        let candidates: Vec<Candidate<'_>> = known.iter().map(KnownCandidate::candidate).collect();
        let probe = Summary {
            category: &rec.category,
            text: &rec.description,
            building_id: rec.building_id,
            point: rec.point,
            created_ms: rec.created_at,
        };
        let similar = suggest_duplicates(&probe, &candidates, &rules.policy.duplicates);
        let ids: Vec<RequestId> = similar.iter().map(|s| s.id).collect();
        let found = repo::requests_by_ids(&mut conn, &ids).await?;
        let now = now_ms();
        let mut out = Vec::with_capacity(similar.len());
        for sim in similar {
            let Some(other) = found.iter().find(|r| r.id == sim.id) else {
                continue;
            };
            if other.status == Status::Duplicate {
                continue;
            }
            let os = standing(&mut conn, actor, other).await?;
            if !os.may_view() {
                continue;
            }
            out.push(DuplicateSuggestion {
                score: sim.score,
                request: view(other, os, &self.config.field_keys, &rules.calendar, now),
            });
        }
        Ok(out)
    }

    /// Open requests that may be shown publicly (their own flag and their category's),
    /// earliest due first, under `within` (a node's path) or everywhere. Anyone may
    /// read it, signed in or not.
    pub async fn public_request_board(&self, within: Option<i64>) -> AppResult<PublicBoard> {
        let mut conn = self.db.read().await?;
        let scope = match within {
            Some(id) => Some(
                org::get(&mut conn, id)
                    .await
                    .map_err(|_| AppError::NotFound("place"))?,
            ),
            None => None,
        };
        let public: Vec<String> = repo::categories(&mut conn)
            .await?
            .into_iter()
            .filter(|c| c.public)
            .map(|c| c.code)
            .collect();
        let root = scope
            .as_ref()
            .map_or_else(|| OrgPath::from_stored("/".into()), |n| n.path.clone());
        let rows = repo::queue(
            &mut conn,
            &Queue::OpenIn(root.clone()),
            &Narrowing {
                public_only: true,
                ..Narrowing::default()
            },
            PUBLIC_BOARD_LIMIT,
            0,
        )
        .await?;
        let offset = load_rules(&mut conn).await?.calendar.utc_offset_minutes();
        let requests: Vec<PublicRequest> = rows
            .into_iter()
            .filter(|r| public.contains(&r.category))
            .map(|r| PublicRequest::of(&r, offset))
            .collect();
        let mut places = org::subtree(&mut conn, &root).await?;
        // The scope first, then the tree in path order.
        places.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
        let scopes = org::subtree(&mut conn, &OrgPath::from_stored("/".into()))
            .await?
            .into_iter()
            .filter(|n| matches!(n.kind, NodeKind::Street | NodeKind::Community))
            .collect();
        Ok(PublicBoard {
            scope,
            requests,
            places,
            scopes,
        })
    }

    /// One request as anyone may read it, when it may be shown publicly (its own flag
    /// and its category's); otherwise not found, as if it did not exist. With its
    /// grid, community and category, for naming them.
    pub async fn public_request(&self, id: RequestId) -> AppResult<PublicRequestShown> {
        let mut conn = self.db.read().await?;
        let offset = load_rules(&mut conn).await?.calendar.utc_offset_minutes();
        let rec = repo::public_request(&mut conn, id)
            .await?
            .ok_or(AppError::NotFound("request"))?;
        let grid = org::get(&mut conn, rec.grid_id).await?;
        let community = match org::get(&mut conn, rec.community_id).await {
            Ok(n) => Some(n),
            Err(civicgrid_store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        drop(conn);
        let category = self
            .request_categories()
            .await?
            .into_iter()
            .find(|c| c.code == rec.category);
        Ok(PublicRequestShown {
            request: PublicRequest::of(&rec, offset),
            grid,
            community,
            category,
        })
    }

    /// The public numbers (`R-2026-000123`) of requests by id, for pages that name
    /// requests they refer to (the audit log). Numbers say nothing about anyone; ids
    /// that do not exist are left out.
    pub async fn request_numbers(&self, ids: &[i64]) -> AppResult<HashMap<i64, String>> {
        let mut conn = self.db.read().await?;
        let offset = load_rules(&mut conn).await?.calendar.utc_offset_minutes();
        let ids: Vec<RequestId> = ids.iter().copied().map(RequestId).collect();
        Ok(repo::requests_by_ids(&mut conn, &ids)
            .await?
            .into_iter()
            .map(|r| (r.id.0, public_number(r.id, r.created_at, offset)))
            .collect())
    }
}
