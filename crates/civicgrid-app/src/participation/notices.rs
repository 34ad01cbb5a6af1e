//! Notices (通知公告): staff holding [`Permission::ManageParticipation`] at a street,
//! community or grid write a notice, target it and publish it; publishing freezes the
//! audience as receipts. Residents read what is addressed to them (opening it records
//! the receipt), anyone reads the public ones on their community's board or by the
//! poster's code, [`Permission::ViewParticipation`] holders follow the coverage inside
//! their scope, and the grid worker ([`Permission::EditLedger`] with
//! [`Permission::ViewParticipation`] at the household's grid) records door-to-door and
//! phone follow-ups of important notices. Publishing, withdrawing and every follow-up
//! are audited in their transaction; names on lists are masked.

use civicgrid_domain::participation::notices::{
    NoticeState, Reading, Target, Texts, Timing, Version, check_texts, check_timing, check_values,
    code_from, needs_follow_up, normalize_code,
};
use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_domain::privacy::mask_name;
use civicgrid_store::participation::estates as estate_repo;
use civicgrid_store::participation::notices::{self as repo, NewNotice};
use civicgrid_store::{AnyConnection, commit, now_ms, platform::org};
use serde::Serialize;

use crate::authz::{Change, record, require, require_somewhere};
use crate::platform::org::OrgNode;
use crate::{App, AppError, AppResult};

/// Read and unread households of one building (the store's record, shown as is).
pub use civicgrid_store::participation::notices::BuildingCoverage;
/// A notice as the store keeps it (the app's view of a stored notice).
pub use civicgrid_store::participation::notices::Notice as StoredNotice;

/// The most notices a list shows.
pub const LIST_MAX: i64 = 200;

/// What a notice form offers the writer: the places they may write for, the ledger
/// tags, the roles and the estates a notice may be narrowed to.
#[derive(Debug, Clone)]
pub struct NoticeChoices {
    pub nodes: Vec<OrgNode>,
    /// (code, Chinese name, English name) of the active tags.
    pub tags: Vec<(String, String, String)>,
    pub roles: Vec<&'static str>,
    /// (id, community name, estate name).
    pub estates: Vec<(i64, String, String)>,
}

/// A notice as written, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct NoticeInput {
    /// The street, community or grid the notice is for.
    pub scope_id: Option<i64>,
    pub title_zh: String,
    pub body_zh: String,
    pub title_en: String,
    pub body_en: String,
    /// `everyone`, `tags`, `roles` or `estate`.
    pub target: String,
    pub tags: Vec<String>,
    pub roles: Vec<String>,
    pub estate_id: Option<i64>,
    pub pinned: bool,
    pub important: bool,
    pub read_by: Option<i64>,
    pub expires_at: Option<i64>,
    /// Publish at once (else it is kept as a draft).
    pub publish: bool,
}

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

/// A recipient on a coverage table or a follow-up list: the household by its room
/// and its head's masked name, or the account by its masked name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecipientRow {
    pub id: i64,
    pub household_id: Option<i64>,
    pub grid_name: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    /// The head of the household, or the account, masked (张**).
    pub name: String,
    /// `online`, `in_person`, `phone`, `not_reached`, or none (unread).
    pub reading: Option<String>,
    pub read_at: Option<i64>,
    pub followed_at: Option<i64>,
}

impl From<repo::RecipientLine> for RecipientRow {
    fn from(r: repo::RecipientLine) -> Self {
        let name = r
            .head_name
            .as_deref()
            .or(r.account_name.as_deref())
            .map(mask_name)
            .unwrap_or_default();
        RecipientRow {
            id: r.id,
            household_id: r.household_id,
            grid_name: r.grid_name,
            building: r.building.unwrap_or_default(),
            unit: r.unit.unwrap_or_default(),
            room: r.room.unwrap_or_default(),
            name,
            reading: r.reading,
            read_at: r.read_at,
            followed_at: r.followed_at,
        }
    }
}

/// How far a notice has reached inside the reader's sight.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub notice: NoticeView,
    pub households: i64,
    pub households_read: i64,
    pub accounts: i64,
    pub accounts_read: i64,
    pub buildings: Vec<BuildingCoverage>,
    pub rows: Vec<RecipientRow>,
}

/// The households of one grid worker's sight still to visit or call about a notice.
#[derive(Debug, Clone)]
pub struct FollowUp {
    pub notice: NoticeView,
    /// Whether the read-by deadline has passed (before it, the list is a preview).
    pub due: bool,
    pub rows: Vec<RecipientRow>,
}

/// An important notice with households still unread after its deadline, for a home
/// page.
pub use civicgrid_store::participation::notices::DueFollowUp;

/// A community's public notice board.
#[derive(Debug, Clone)]
pub struct Board {
    pub community_name_zh: String,
    pub community_name_en: String,
    pub notices: Vec<NoticeLine>,
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

/// May the actor record follow-ups somewhere in `within`?
fn may_follow_up_in(actor: &Actor, within: &OrgPath) -> bool {
    (actor.can(Permission::ViewParticipation, within) && actor.can(Permission::EditLedger, within))
        || actor
            .scopes(Permission::EditLedger)
            .unwrap_or_default()
            .iter()
            .any(|s| s.is_within(within) && actor.can(Permission::ViewParticipation, s))
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

impl App {
    /// What the notice form offers the actor.
    pub async fn notice_choices(&self, actor: &Actor) -> AppResult<NoticeChoices> {
        require_somewhere(actor, Permission::ManageParticipation)?;
        let nodes: Vec<OrgNode> = self
            .visible_nodes(actor)
            .await?
            .into_iter()
            .filter(|n| {
                matches!(
                    n.kind,
                    NodeKind::Street | NodeKind::Community | NodeKind::Grid
                ) && actor.can(Permission::ManageParticipation, &n.path)
            })
            .collect();
        let mut conn = self.db.read().await?;
        let tags = civicgrid_store::ledger::catalogue(&mut conn)
            .await?
            .into_iter()
            .filter(|t| t.active)
            .map(|t| (t.def.code, t.def.name_zh, t.def.name_en))
            .collect();
        let scopes = actor
            .scopes(Permission::ManageParticipation)
            .unwrap_or_else(|| vec![OrgPath::from_stored(String::new())]);
        let mut estates = Vec::new();
        for s in scopes {
            for e in estate_repo::list_estates(&mut conn, &s).await? {
                estates.push((e.id, e.community_name, e.name));
            }
        }
        Ok(NoticeChoices {
            nodes,
            tags,
            roles: Role::ALL
                .iter()
                .filter(|r| **r != Role::Resident)
                .map(|r| r.as_str())
                .collect(),
            estates,
        })
    }

    /// Writes a notice for the node `input.node_id`, as a draft or published at once.
    pub async fn create_notice(&self, actor: &Actor, input: &NoticeInput) -> AppResult<NoticeView> {
        require_somewhere(actor, Permission::ManageParticipation)?;
        let texts = check_texts(
            &input.title_zh,
            &input.body_zh,
            &input.title_en,
            &input.body_en,
        )
        .map_err(|e| AppError::invalid(e.field, e.message))?;
        let now = now_ms();
        let timing = check_timing(input.important, input.read_by, input.expires_at, now)
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let node_id = input
            .scope_id
            .ok_or_else(|| AppError::invalid("scope_id", "choose where the notice is for"))?;
        let mut tx = self.db.begin_write().await?;
        let node = org::get(&mut tx, node_id)
            .await
            .map_err(|_| AppError::invalid("scope_id", "choose where the notice is for"))?;
        if !actor.can(Permission::ManageParticipation, &node.path) {
            return Err(AppError::invalid(
                "scope_id",
                "choose a place where you may write notices",
            ));
        }
        if !matches!(
            node.kind,
            NodeKind::Street | NodeKind::Community | NodeKind::Grid
        ) {
            return Err(AppError::invalid(
                "scope_id",
                "a notice is for a street, a community or a grid",
            ));
        }
        let target = self.check_target(&mut tx, input, &node.path).await?;
        let code = free_code(&mut tx).await?;
        let (tz, bz) = texts
            .zh
            .as_ref()
            .map(|v| (Some(v.title.as_str()), Some(v.body.as_str())))
            .unwrap_or((None, None));
        let (te, be) = texts
            .en
            .as_ref()
            .map(|v| (Some(v.title.as_str()), Some(v.body.as_str())))
            .unwrap_or((None, None));
        let n = repo::insert_notice(
            &mut tx,
            &NewNotice {
                node_id: node.id,
                scope: &node.path,
                code: &code,
                title_zh: tz,
                body_zh: bz,
                title_en: te,
                body_en: be,
                target: &target,
                pinned: input.pinned,
                important: timing.important,
                read_by: timing.read_by,
                expires_at: timing.expires_at,
                created_by: actor.user_id,
                at_ms: now,
            },
        )
        .await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "notice.create",
                target_type: "notice",
                target_id: n.id.to_string(),
                scope: Some(&node.path),
                reason: None,
                // Whom it is for stays on the notice itself, which never changes.
                details: serde_json::json!({
                    "important": timing.important, "pinned": input.pinned,
                    "estate_id": target.estate(),
                }),
            },
        )
        .await?;
        if input.publish {
            publish_in(&mut tx, actor, &n).await?;
        }
        commit(tx).await?;
        self.notice(actor, n.id).await
    }

    /// Checks whom a notice is for, inside `scope`.
    async fn check_target(
        &self,
        conn: &mut AnyConnection,
        input: &NoticeInput,
        scope: &OrgPath,
    ) -> AppResult<Target> {
        let invalid = |e: civicgrid_domain::participation::notices::NoticeInputError| {
            AppError::invalid(e.field, e.message)
        };
        match input.target.trim() {
            "" | "everyone" => Ok(Target::Everyone),
            "tags" => {
                let known: Vec<String> = civicgrid_store::ledger::catalogue(conn)
                    .await?
                    .into_iter()
                    .filter(|t| t.active)
                    .map(|t| t.def.code)
                    .collect();
                let tags = check_values("tags", &input.tags, |t| known.iter().any(|k| k == t))
                    .map_err(invalid)?;
                Ok(Target::Tags(tags))
            }
            "roles" => {
                let roles = check_values("roles", &input.roles, |r| {
                    Role::parse(r).is_ok_and(|r| r != Role::Resident)
                })
                .map_err(invalid)?;
                Ok(Target::Roles(roles))
            }
            "estate" => {
                let bad = || AppError::invalid("estate_id", "choose an estate inside the place");
                let id = input.estate_id.ok_or_else(bad)?;
                let e = estate_repo::get_estate(conn, id).await.map_err(|_| bad())?;
                let es = e.scope();
                if !(es.is_within(scope) || scope.is_within(&es)) {
                    return Err(bad());
                }
                Ok(Target::EstateOwners(e.id))
            }
            _ => Err(AppError::invalid(
                "target",
                "choose everyone, residents with tags, role holders or an estate's owners",
            )),
        }
    }

    /// Publishes a draft: its audience is frozen as receipts.
    pub async fn publish_notice(&self, actor: &Actor, id: i64) -> AppResult<NoticeView> {
        let mut tx = self.db.begin_write().await?;
        let n = notice_to_manage(&mut tx, actor, id).await?;
        if !state_of(&n).may_publish() {
            return Err(AppError::Conflict("the notice is already published".into()));
        }
        publish_in(&mut tx, actor, &n).await?;
        commit(tx).await?;
        self.notice(actor, id).await
    }

    /// Withdraws a notice: it leaves inboxes and the board; its receipts stay.
    pub async fn withdraw_notice(
        &self,
        actor: &Actor,
        id: i64,
        reason: Option<&str>,
    ) -> AppResult<NoticeView> {
        let reason = crate::authz::reason(reason)?;
        let mut tx = self.db.begin_write().await?;
        let n = notice_to_manage(&mut tx, actor, id).await?;
        if !state_of(&n).may_withdraw() {
            return Err(AppError::Conflict("the notice is already withdrawn".into()));
        }
        repo::mark_withdrawn(&mut tx, n.id, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "notice.withdraw",
                target_type: "notice",
                target_id: n.id.to_string(),
                scope: Some(&n.scope()),
                reason: reason.as_deref(),
                details: serde_json::json!({"was_published": n.state == "published"}),
            },
        )
        .await?;
        commit(tx).await?;
        self.notice(actor, id).await
    }

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

    /// A notice to print as a stairwell poster (those who may manage it).
    pub async fn notice_poster(&self, actor: &Actor, id: i64) -> AppResult<NoticeView> {
        let mut conn = self.db.read().await?;
        let n = notice_to_manage(&mut conn, actor, id).await?;
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
            rows,
        })
    }

    /// The households inside the actor's sight still unread: the follow-up list (due
    /// once an important notice's deadline has passed).
    pub async fn notice_follow_up(&self, actor: &Actor, id: i64) -> AppResult<FollowUp> {
        require_somewhere(actor, Permission::ViewParticipation)?;
        let mut conn = self.db.read().await?;
        let n = repo::get_notice(&mut conn, id)
            .await
            .map_err(|_| AppError::NotFound("notice"))?;
        let within = sight_of(actor, Permission::ViewParticipation, &n.scope())
            .ok_or(AppError::NotFound("notice"))?;
        let notice = view_of(&mut conn, Some(actor), &n).await?;
        let due = needs_follow_up(state_of(&n), &timing_of(&n), None, now_ms());
        let rows = if notice.important && state_of(&n) == NoticeState::Published {
            repo::unread_households(&mut conn, id, &within)
                .await?
                .into_iter()
                .map(RecipientRow::from)
                .collect()
        } else {
            Vec::new()
        };
        Ok(FollowUp { notice, due, rows })
    }

    /// Records a grid worker's follow-up on receipt `receipt_id`: read out at the
    /// door, on the phone, or not reached. Audited.
    pub async fn record_notice_follow_up(
        &self,
        actor: &Actor,
        receipt_id: i64,
        outcome: &str,
    ) -> AppResult<i64> {
        require_somewhere(actor, Permission::EditLedger)?;
        require_somewhere(actor, Permission::ViewParticipation)?;
        let reading =
            Reading::follow_up(outcome).map_err(|e| AppError::invalid(e.field, e.message))?;
        let mut tx = self.db.begin_write().await?;
        let hidden = || AppError::NotFound("receipt");
        let path = repo::recipient_path(&mut tx, receipt_id)
            .await
            .map_err(|_| hidden())?;
        let sees = actor.can(Permission::ViewParticipation, &path);
        if !sees {
            return Err(hidden());
        }
        require(actor, Permission::EditLedger, &path)?;
        let r = repo::get_recipient(&mut tx, receipt_id).await?;
        let n = repo::get_notice(&mut tx, r.notice_id).await?;
        if r.household_id.is_none() {
            return Err(AppError::Conflict(
                "only a household's receipt is followed up".into(),
            ));
        }
        if state_of(&n) != NoticeState::Published || r.read_at.is_some() {
            return Err(AppError::Conflict(
                "this household has already read the notice, or it is no longer published".into(),
            ));
        }
        repo::record_follow_up(
            &mut tx,
            receipt_id,
            reading.as_str(),
            reading.is_read(),
            actor.user_id,
            now_ms(),
        )
        .await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "notice.follow_up",
                target_type: "notice",
                target_id: n.id.to_string(),
                scope: Some(&path),
                reason: None,
                details: serde_json::json!({
                    "receipt_id": receipt_id, "household_id": r.household_id,
                    "outcome": reading.as_str(),
                }),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(n.id)
    }

    /// The important notices past their deadline with households still unread inside
    /// the actor's scopes (for the grid worker's and staff's home pages).
    pub async fn due_notice_follow_ups(&self, actor: &Actor) -> AppResult<Vec<DueFollowUp>> {
        if !actor.can_somewhere(Permission::ViewParticipation) {
            return Ok(Vec::new());
        }
        let mut conn = self.db.read().await?;
        let scopes = actor
            .scopes(Permission::ViewParticipation)
            .unwrap_or_else(|| vec![OrgPath::from_stored(String::new())]);
        let mut out: Vec<DueFollowUp> = Vec::new();
        for s in scopes {
            for d in repo::due_follow_ups(&mut conn, &s, now_ms()).await? {
                if !out.iter().any(|o| o.notice_id == d.notice_id) {
                    out.push(d);
                }
            }
        }
        Ok(out)
    }
}

/// A poster code no notice has yet.
async fn free_code(conn: &mut AnyConnection) -> AppResult<String> {
    for _ in 0..16 {
        let code = code_from(rand::random::<u64>());
        if repo::notice_by_code(conn, &code).await?.is_none() {
            return Ok(code);
        }
    }
    Err(AppError::Conflict(
        "no free poster code was found; try again".into(),
    ))
}

/// Loads a notice the actor may manage; one outside their sight is not found.
async fn notice_to_manage(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<StoredNotice> {
    require_somewhere(actor, Permission::ManageParticipation)?;
    let n = repo::get_notice(conn, id)
        .await
        .map_err(|_| AppError::NotFound("notice"))?;
    crate::authz::require_in_sight(
        actor,
        Permission::ManageParticipation,
        Permission::ViewParticipation,
        &n.scope(),
        || AppError::NotFound("notice"),
    )?;
    Ok(n)
}

/// Publishes `n` on the caller's transaction: freezes its audience and records it.
async fn publish_in(conn: &mut AnyConnection, actor: &Actor, n: &StoredNotice) -> AppResult<()> {
    let target = n
        .target()
        .ok_or_else(|| AppError::Conflict("the notice's audience cannot be read".into()))?;
    let scope = n.scope();
    let households = repo::freeze_households(conn, n.id, &scope, &target).await?;
    let accounts = match &target {
        Target::Roles(roles) => repo::freeze_accounts(conn, n.id, &scope, roles).await?,
        _ => 0,
    };
    repo::mark_published(conn, n.id, now_ms()).await?;
    record(
        conn,
        actor,
        Change {
            action: "notice.publish",
            target_type: "notice",
            target_id: n.id.to_string(),
            scope: Some(&scope),
            reason: None,
            details: serde_json::json!({"households": households, "accounts": accounts}),
        },
    )
    .await?;
    Ok(())
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
                .is_some_and(|w| actor.is_some_and(|a| may_follow_up_in(a, w))),
        may_print: manage && state == NoticeState::Published,
    })
}
