//! Reading notices and their receipts: the lists of those who follow notices, a
//! reader's inbox, opening a notice (which records the recipient's receipt), the public
//! board and poster codes, and how far a notice has reached (coverage).

use civicgrid_domain::participation::notices::{NoticeState, normalize_code};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::participation::notices as repo;
use civicgrid_store::{commit, now_ms, platform::org};

use super::{
    LIST_MAX, NoticeLine, NoticeView, RecipientRow, household_of_user, is_live_public, sight_of,
    state_of, view_of,
};
use crate::authz::require_somewhere;
use crate::{App, AppError, AppResult};

/// Read and unread households of one building (the store's record, shown as is).
pub use civicgrid_store::participation::notices::BuildingCoverage;

/// How far a notice has reached inside the reader's sight.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub notice: NoticeView,
    pub households: i64,
    pub households_read: i64,
    pub accounts: i64,
    pub accounts_read: i64,
    pub buildings: Vec<BuildingCoverage>,
    /// The grids those buildings stand in, with their boundaries (for the map).
    pub grids: Vec<org::OrgNode>,
    pub rows: Vec<RecipientRow>,
}

/// A community's public notice board.
#[derive(Debug, Clone)]
pub struct Board {
    pub community_name_zh: String,
    pub community_name_en: String,
    pub notices: Vec<NoticeLine>,
}

impl App {
    /// The notices the actor follows: written for their scopes or reaching into them.
    pub async fn notices(&self, actor: &Actor) -> AppResult<Vec<NoticeLine>> {
        require_somewhere(actor, Permission::ViewParticipation)?;
        let mut conn = self.db.read().await?;
        let scopes = actor
            .scopes(Permission::ViewParticipation)
            .unwrap_or_else(|| vec![OrgPath::from_stored(String::new())]);
        let mut out: Vec<NoticeLine> = Vec::new();
        for s in scopes {
            for n in repo::list_notices(&mut conn, &s, LIST_MAX).await? {
                if !out.iter().any(|o| o.id == n.notice.id) {
                    out.push(NoticeLine::of(&n.notice, n.recipients, n.read, None));
                }
            }
        }
        Ok(out)
    }

    /// The notices addressed to the actor's household or account, published and not
    /// expired; anyone signed in has an inbox (an empty one without a ledger record).
    pub async fn my_notices(&self, actor: &Actor) -> AppResult<Vec<NoticeLine>> {
        let user = actor.user_id.ok_or(AppError::Forbidden)?;
        let mut conn = self.db.read().await?;
        let household = household_of_user(&mut conn, user).await?;
        Ok(repo::inbox(&mut conn, household, user, now_ms(), LIST_MAX)
            .await?
            .into_iter()
            .map(|i| NoticeLine::of(&i.notice, 0, 0, i.read_at))
            .collect())
    }

    /// Opens a notice: one of the actor's scope, one addressed to them, or a public
    /// one (anyone, signed in or not: `actor` `None`). A recipient opening it records
    /// the receipt, once.
    pub async fn open_notice(&self, actor: Option<&Actor>, id: i64) -> AppResult<NoticeView> {
        let Some(actor) = actor else {
            let mut conn = self.db.read().await?;
            let n = repo::get_notice(&mut conn, id)
                .await
                .map_err(|_| AppError::NotFound("notice"))?;
            if !is_live_public(&n, now_ms()) {
                return Err(AppError::Unauthenticated);
            }
            return view_of(&mut conn, None, &n).await;
        };
        if let Some(user) = actor.user_id {
            let mut conn = self.db.read().await?;
            let household = household_of_user(&mut conn, user).await?;
            let n = repo::get_notice(&mut conn, id)
                .await
                .map_err(|_| AppError::NotFound("notice"))?;
            if state_of(&n) == NoticeState::Published
                && repo::is_recipient(&mut conn, id, household, user).await?
            {
                drop(conn);
                let mut tx = self.db.begin_write().await?;
                repo::record_read(&mut tx, id, household, user, now_ms()).await?;
                commit(tx).await?;
            }
        }
        self.notice(actor, id).await
    }

    /// Records the actor's receipt of a notice addressed to them (opening it does the
    /// same); a second time changes nothing.
    pub async fn read_notice(&self, actor: &Actor, id: i64) -> AppResult<NoticeView> {
        let view = self.open_notice(Some(actor), id).await?;
        if view.my_receipt.is_none() {
            return Err(AppError::Conflict(
                "the notice is not addressed to you".into(),
            ));
        }
        Ok(view)
    }

    /// One notice as the actor may see it (without recording a receipt).
    pub async fn notice(&self, actor: &Actor, id: i64) -> AppResult<NoticeView> {
        let mut conn = self.db.read().await?;
        let n = repo::get_notice(&mut conn, id)
            .await
            .map_err(|_| AppError::NotFound("notice"))?;
        view_of(&mut conn, Some(actor), &n).await
    }

    /// The notice with poster code `code`, published; a code that is not one is an
    /// error on `code`.
    pub async fn notice_by_code(&self, code: &str) -> AppResult<i64> {
        let bad = || AppError::invalid("code", "no notice has this code; check the poster");
        let code = normalize_code(code).ok_or_else(bad)?;
        let mut conn = self.db.read().await?;
        match repo::notice_by_code(&mut conn, &code).await? {
            Some(n) if state_of(&n) == NoticeState::Published => Ok(n.id),
            _ => Err(bad()),
        }
    }

    /// A community's public notice board (anyone may read it).
    pub async fn notice_board(&self, community_id: i64) -> AppResult<Board> {
        let mut conn = self.db.read().await?;
        let c = org::get(&mut conn, community_id)
            .await
            .map_err(|_| AppError::NotFound("community"))?;
        if c.kind != NodeKind::Community {
            return Err(AppError::NotFound("community"));
        }
        let notices = repo::board(&mut conn, &c.path, now_ms())
            .await?
            .iter()
            .map(|n| NoticeLine::of(n, 0, 0, None))
            .collect();
        Ok(Board {
            community_name_zh: c.name_zh,
            community_name_en: c.name_en,
            notices,
        })
    }

    /// How far a notice has reached inside the actor's sight: totals, buildings and
    /// every household and account.
    pub async fn notice_coverage(&self, actor: &Actor, id: i64) -> AppResult<Coverage> {
        require_somewhere(actor, Permission::ViewParticipation)?;
        let mut conn = self.db.read().await?;
        let n = repo::get_notice(&mut conn, id)
            .await
            .map_err(|_| AppError::NotFound("notice"))?;
        let within = sight_of(actor, Permission::ViewParticipation, &n.scope())
            .ok_or(AppError::NotFound("notice"))?;
        let notice = view_of(&mut conn, Some(actor), &n).await?;
        let buildings = repo::coverage_by_building(&mut conn, id, &within).await?;
        let mut grids: Vec<org::OrgNode> = Vec::new();
        for b in &buildings {
            if !grids.iter().any(|g| g.id == b.grid_id) {
                grids.push(org::get(&mut conn, b.grid_id).await?);
            }
        }
        let rows: Vec<RecipientRow> = repo::recipients(&mut conn, id, &within)
            .await?
            .into_iter()
            .map(RecipientRow::from)
            .collect();
        let count = |household: bool, read: bool| {
            rows.iter()
                .filter(|r| r.household_id.is_some() == household)
                .filter(|r| !read || r.read_at.is_some())
                .count() as i64
        };
        Ok(Coverage {
            households: count(true, false),
            households_read: count(true, true),
            accounts: count(false, false),
            accounts_read: count(false, true),
            notice,
            buildings,
            grids,
            rows,
        })
    }
}
