//! Writing notices: the form's choices, writing one (kept as a draft or published at
//! once), publishing a draft, withdrawing, and the stairwell poster. Staff holding
//! [`Permission::ManageParticipation`] where the notice is for.

use civicgrid_domain::participation::notices::{check_texts, check_timing, code_from};
use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::participation::estates as estate_repo;
use civicgrid_store::participation::notices::{self as repo, NewNotice};
use civicgrid_store::{AnyConnection, commit, now_ms, platform::org};

use super::attachments::{UploadedFile, check_uploads, store_attachments};
use super::recipients::publish_in;
use super::{NoticeView, StoredNotice, state_of, view_of};
use crate::authz::{Change, record, require_somewhere};
use crate::platform::org::OrgNode;
use crate::{App, AppError, AppResult};

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
    /// Files sent with it, stored in the same transaction.
    pub attachments: Vec<UploadedFile>,
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
        let files = check_uploads(&input.attachments, 0)?;
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
        store_attachments(&mut tx, actor, &n, &files, now).await?;
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
                    "estate_id": target.estate(), "files": files.len(),
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

    /// A notice to print as a stairwell poster (those who may manage it).
    pub async fn notice_poster(&self, actor: &Actor, id: i64) -> AppResult<NoticeView> {
        let mut conn = self.db.read().await?;
        let n = notice_to_manage(&mut conn, actor, id).await?;
        view_of(&mut conn, Some(actor), &n).await
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
pub(super) async fn notice_to_manage(
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
