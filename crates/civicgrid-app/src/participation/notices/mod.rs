//! Notices (通知公告): staff holding [`Permission::ManageParticipation`] at a street,
//! community or grid write a notice, target it and publish it; publishing freezes the
//! audience as receipts. Residents read what is addressed to them (opening it records
//! the receipt), anyone reads the public ones on their community's board or by the
//! poster's code, [`Permission::ViewParticipation`] holders follow the coverage inside
//! their scope, and the grid worker ([`Permission::EditLedger`] with
//! [`Permission::ViewParticipation`] at the household's grid) records door-to-door and
//! phone follow-ups of important notices. Publishing, withdrawing and every follow-up
//! are audited in their transaction; names on lists are masked.
//!
//! The use cases by group: `writing` (the form, writing, publishing, withdrawing, the
//! poster), `recipients` (whom a notice is for, frozen as receipts on publishing),
//! `receipts` (lists, inboxes, reading and its receipt, the public board, coverage)
//! `follow_up` (the grid worker's visits and calls) and `attachments` (files sent
//! with a notice). Here: the views they share
//! and the one view of a notice.

use civicgrid_domain::participation::notices::{NoticeState, Target, Texts, Timing, Version};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_store::participation::estates as estate_repo;
use civicgrid_store::participation::notices as repo;
use civicgrid_store::{AnyConnection, now_ms, platform::org};

use crate::{AppError, AppResult};

mod attachments;
mod follow_up;
mod receipts;
mod recipients;
mod writing;

pub use attachments::{AttachmentLine, UploadedFile};
pub use follow_up::{DueFollowUp, FollowUp};
pub use receipts::{Board, BuildingCoverage, Coverage};
pub use recipients::RecipientRow;
pub use writing::{NoticeChoices, NoticeInput};

/// A notice as the store keeps it (the app's view of a stored notice).
pub use civicgrid_store::participation::notices::Notice as StoredNotice;

/// The most notices a list shows.
pub const LIST_MAX: i64 = 200;

/// One notice with what the reader may do with it.
#[derive(Debug, Clone)]
pub struct NoticeView {
    pub id: i64,
    pub code: String,
    pub state: NoticeState,
    pub texts: Texts,
    pub target: Target,
    pub node_id: i64,
    pub scope: OrgPath,
    pub scope_name_zh: String,
    pub scope_name_en: String,
    pub estate_name: Option<String>,
    pub pinned: bool,
    pub important: bool,
    pub read_by: Option<i64>,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub published_at: Option<i64>,
    /// The reader's own receipt: `Some` when the notice is addressed to them, with the
    /// time it was read (`None` inside while unread).
    pub my_receipt: Option<Option<i64>>,
    /// Households and accounts it reaches inside the reader's sight, and how many read it.
    pub recipients: i64,
    pub read: i64,
    pub may_publish: bool,
    pub may_withdraw: bool,
    pub may_see_coverage: bool,
    pub may_follow_up: bool,
    pub may_print: bool,
    /// Files sent with the notice, in the order they were added.
    pub attachments: Vec<AttachmentLine>,
    /// Files may still be added or removed (a draft the reader manages).
    pub may_attach: bool,
}

impl NoticeView {
    /// The title in the reader's language, else the other.
    pub fn title(&self, english: bool) -> &str {
        self.texts
            .for_reader(english)
            .map_or("", |v| v.title.as_str())
    }

    /// The body in the reader's language, else the other.
    pub fn body(&self, english: bool) -> &str {
        self.texts
            .for_reader(english)
            .map_or("", |v| v.body.as_str())
    }
}

/// A notice on a list, with how far it has reached inside the reader's sight.
#[derive(Debug, Clone)]
pub struct NoticeLine {
    pub id: i64,
    pub state: NoticeState,
    pub title_zh: Option<String>,
    pub title_en: Option<String>,
    pub target: String,
    pub pinned: bool,
    pub important: bool,
    pub read_by: Option<i64>,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub recipients: i64,
    pub read: i64,
    /// For a reader's own inbox: whether they have read it.
    pub read_at: Option<i64>,
}

impl NoticeLine {
    fn of(n: &StoredNotice, recipients: i64, read: i64, read_at: Option<i64>) -> NoticeLine {
        NoticeLine {
            id: n.id,
            state: NoticeState::parse(&n.state).unwrap_or(NoticeState::Withdrawn),
            title_zh: n.title_zh.clone(),
            title_en: n.title_en.clone(),
            target: n.target.clone(),
            pinned: n.pinned != 0,
            important: n.important != 0,
            read_by: n.read_by,
            created_at: n.created_at,
            published_at: n.published_at,
            expires_at: n.expires_at,
            recipients,
            read,
            read_at,
        }
    }

    /// The title in the reader's language, else the other.
    pub fn title(&self, english: bool) -> &str {
        let (mine, other) = if english {
            (&self.title_en, &self.title_zh)
        } else {
            (&self.title_zh, &self.title_en)
        };
        mine.as_deref().or(other.as_deref()).unwrap_or("")
    }
}

fn state_of(n: &StoredNotice) -> NoticeState {
    NoticeState::parse(&n.state).unwrap_or(NoticeState::Withdrawn)
}

fn timing_of(n: &StoredNotice) -> Timing {
    Timing {
        important: n.important != 0,
        read_by: n.read_by,
        expires_at: n.expires_at,
    }
}

fn texts_of(n: &StoredNotice) -> Texts {
    let v = |t: &Option<String>, b: &Option<String>| match (t, b) {
        (Some(t), Some(b)) => Some(Version {
            title: t.clone(),
            body: b.clone(),
        }),
        _ => None,
    };
    Texts {
        zh: v(&n.title_zh, &n.body_zh),
        en: v(&n.title_en, &n.body_en),
    }
}

fn is_live_public(n: &StoredNotice, now: i64) -> bool {
    state_of(n) == NoticeState::Published
        && n.target == "everyone"
        && n.expires_at.is_none_or(|e| e > now)
}

/// The part of a notice's scope the actor follows with `permission`: the whole scope
/// when they hold it there, else the first of their scopes inside it; `None` when
/// they follow none of it.
fn sight_of(actor: &Actor, permission: Permission, scope: &OrgPath) -> Option<OrgPath> {
    if actor.can(permission, scope) {
        return Some(scope.clone());
    }
    actor
        .scopes(permission)?
        .into_iter()
        .find(|s| s.is_within(scope))
}

/// The household of the account `user_id` (through its linked ledger record), if any.
async fn household_of_user(conn: &mut AnyConnection, user_id: i64) -> AppResult<Option<i64>> {
    let Some(resident) = civicgrid_store::ledger::resident_of_user(conn, user_id).await? else {
        return Ok(None);
    };
    Ok(civicgrid_store::ledger::get_resident(conn, resident)
        .await
        .ok()
        .and_then(|r| r.household_id))
}

/// The view of `n` for `actor` (`None`: an anonymous reader of a public notice), or
/// not found when they may not see it.
async fn view_of(
    conn: &mut AnyConnection,
    actor: Option<&Actor>,
    n: &StoredNotice,
) -> AppResult<NoticeView> {
    let scope = n.scope();
    let state = state_of(n);
    let now = now_ms();
    let sight = actor.and_then(|a| sight_of(a, Permission::ViewParticipation, &scope));
    let my_receipt = match actor.and_then(|a| a.user_id) {
        Some(user) => {
            let household = household_of_user(conn, user).await?;
            if repo::is_recipient(conn, n.id, household, user).await? {
                let mine = repo::inbox(conn, household, user, i64::MIN, LIST_MAX).await?;
                Some(
                    mine.iter()
                        .find(|i| i.notice.id == n.id)
                        .and_then(|i| i.read_at),
                )
            } else {
                None
            }
        }
        None => None,
    };
    let allowed = sight.is_some()
        || (my_receipt.is_some() && state == NoticeState::Published)
        || is_live_public(n, now);
    if !allowed {
        return Err(AppError::NotFound("notice"));
    }
    let (recipients, read) = match &sight {
        Some(within) => {
            let rows = repo::coverage_by_building(conn, n.id, within).await?;
            let accounts = repo::recipients(conn, n.id, within)
                .await?
                .into_iter()
                .filter(|r| r.household_id.is_none())
                .collect::<Vec<_>>();
            (
                rows.iter().map(|b| b.households).sum::<i64>() + accounts.len() as i64,
                rows.iter().map(|b| b.read).sum::<i64>()
                    + accounts.iter().filter(|a| a.read_at.is_some()).count() as i64,
            )
        }
        None => (0, 0),
    };
    let node = org::get(conn, n.node_id).await?;
    let estate_name = match n.estate_id {
        Some(e) => estate_repo::get_estate(conn, e).await.ok().map(|e| e.name),
        None => None,
    };
    let manage = actor.is_some_and(|a| a.can(Permission::ManageParticipation, &scope));
    Ok(NoticeView {
        id: n.id,
        code: n.code.clone(),
        state,
        texts: texts_of(n),
        target: n.target().unwrap_or(Target::Everyone),
        node_id: n.node_id,
        scope: scope.clone(),
        scope_name_zh: node.name_zh,
        scope_name_en: node.name_en,
        estate_name,
        pinned: n.pinned != 0,
        important: n.important != 0,
        read_by: n.read_by,
        expires_at: n.expires_at,
        created_at: n.created_at,
        published_at: n.published_at,
        my_receipt,
        recipients,
        read,
        may_publish: manage && state.may_publish(),
        may_withdraw: manage && state.may_withdraw(),
        may_see_coverage: sight.is_some() && state != NoticeState::Draft,
        may_follow_up: n.important != 0
            && state == NoticeState::Published
            && sight
                .as_ref()
                .is_some_and(|w| actor.is_some_and(|a| follow_up::may_follow_up_in(a, w))),
        may_print: manage && state == NoticeState::Published,
        attachments: civicgrid_store::participation::notice_attachments::attachments(conn, n.id)
            .await?,
        may_attach: manage && state.may_publish(),
    })
}
