//! Reading: one request, its timeline and photos, work queues, and the resident's
//! inbox. Everything is masked (contact name and phone) and limited to what the
//! reader may see.

use std::collections::HashMap;

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::requests::routing::Party;
use civicgrid_domain::requests::{RequestId, Status};
use civicgrid_store::requests::{self as repo, Narrowing, Queue, RequestEvent, RequestRecord};
use civicgrid_store::{commit, now_ms, platform::org};
use serde::Serialize;

use super::settings::load_rules;
use super::{RequestView, standing, view, visible_request};
use crate::authz::require_somewhere;
use crate::{App, AppError, AppResult};

/// A photo's metadata and a line of the resident's inbox: plain records, the app's
/// view of the stored ones.
pub use civicgrid_store::requests::{InboxItem, PhotoMeta};

/// Largest page of a queue.
pub const MAX_PAGE_SIZE: u32 = 200;

/// Which queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueKind {
    /// Open requests taken by me, and those waiting for my role at my places.
    Mine,
    /// Open requests assigned to the responder organisations I belong to.
    MyOrgs,
    /// Open requests in my scopes.
    Scope,
    /// Open requests in my scopes in warning: warned, not yet due.
    DueSoon,
    /// Overdue open requests in my scopes (the overdue board).
    Overdue,
    /// Every request in my scopes, newest first (including done ones).
    All,
    /// Resolved requests owing a staff return visit in my scopes.
    ReturnVisits,
    /// Requests flagged after a poor rating in my scopes.
    Flagged,
    /// The requests I raised, newest first.
    Raised,
}

/// The queues an actor may open, in the order tabs show them; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueKinds {
    first: QueueKind,
    rest: Vec<QueueKind>,
}

impl QueueKinds {
    /// The queue opened when none is asked for.
    pub fn first(&self) -> QueueKind {
        self.first
    }

    /// Every queue, the first one first.
    pub fn all(&self) -> impl Iterator<Item = QueueKind> + '_ {
        std::iter::once(self.first).chain(self.rest.iter().copied())
    }
}

/// The work queues `actor` may open: [`QueueKind::Mine`] for who handles requests,
/// [`QueueKind::MyOrgs`] for responders, the scope's queues for who views them.
/// Refused when none.
pub fn queue_kinds(actor: &Actor) -> AppResult<QueueKinds> {
    let mut kinds = Vec::new();
    if actor.can_somewhere(Permission::HandleRequests) {
        kinds.push(QueueKind::Mine);
    }
    if actor.can_somewhere(Permission::RespondToRequests) {
        kinds.push(QueueKind::MyOrgs);
    }
    if actor.can_somewhere(Permission::ViewRequests) {
        kinds.extend([
            QueueKind::Scope,
            QueueKind::DueSoon,
            QueueKind::Overdue,
            QueueKind::ReturnVisits,
            QueueKind::Flagged,
            QueueKind::All,
        ]);
    }
    let mut kinds = kinds.into_iter();
    let first = kinds.next().ok_or(AppError::Forbidden)?;
    Ok(QueueKinds {
        first,
        rest: kinds.collect(),
    })
}

/// A queue read: filters and a page.
#[derive(Debug, Clone)]
pub struct QueueQuery {
    pub kind: QueueKind,
    /// Only requests under this node (which must lie in the reader's scope).
    pub within_node: Option<i64>,
    pub status: Option<Status>,
    pub category: Option<String>,
    pub party: Option<Party>,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

impl Default for QueueQuery {
    fn default() -> QueueQuery {
        QueueQuery {
            kind: QueueKind::Mine,
            within_node: None,
            status: None,
            category: None,
            party: None,
            page: 1,
            page_size: 50,
        }
    }
}

/// One page of a queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueuePage {
    pub items: Vec<RequestView>,
    pub page: u32,
    pub page_size: u32,
    /// Another page follows.
    pub more: bool,
}

/// A timeline line as the resident sees it: no staff names, only roles.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub id: i64,
    pub at_ms: i64,
    pub kind: String,
    pub from_status: Option<Status>,
    pub to_status: Option<Status>,
    /// `requester`, `grid_worker`, `community_staff`, `responder`, `system`, …
    pub actor_role: Option<String>,
    /// The display name of the account that acted (王芳); only for readers who handle
    /// or view requests, and never for the system itself.
    pub actor_label: Option<String>,
    pub party: Option<String>,
    pub related_id: Option<RequestId>,
    pub note: Option<String>,
    pub visible: bool,
}

fn entry(e: RequestEvent, name: Option<String>) -> TimelineEntry {
    TimelineEntry {
        id: e.id,
        at_ms: e.at_ms,
        kind: e.kind,
        from_status: e.from_status,
        to_status: e.to_status,
        actor_role: e.actor_role,
        actor_label: name,
        party: e.party,
        related_id: e.related_id,
        note: e.note,
        visible: e.visible,
    }
}

/// Merges pages read per scope into one, in the queue's order, without repeats.
fn merge(mut all: Vec<RequestRecord>, due_order: bool) -> Vec<RequestRecord> {
    if due_order {
        all.sort_by_key(|r| (r.due_at.unwrap_or(i64::MAX), r.id));
    } else {
        all.sort_by_key(|r| std::cmp::Reverse(r.id));
    }
    all.dedup_by_key(|r| r.id);
    all
}

impl App {
    /// One request as `actor` may see it (not found for those who may not).
    pub async fn request(&self, actor: &Actor, id: RequestId) -> AppResult<RequestView> {
        let mut conn = self.db.read().await?;
        let (rec, s) = visible_request(&mut conn, actor, id).await?;
        let rules = load_rules(&mut conn).await?;
        let mut v = view(&rec, s, &self.config.field_keys, &rules.calendar, now_ms());
        super::name_view(&mut conn, &mut v, s, &mut HashMap::new()).await?;
        Ok(v)
    }

    /// A request's timeline, oldest first. The requester sees only the lines meant for
    /// them, without staff names; staff see everything.
    pub async fn request_timeline(
        &self,
        actor: &Actor,
        id: RequestId,
    ) -> AppResult<Vec<TimelineEntry>> {
        let mut conn = self.db.read().await?;
        let (rec, s) = visible_request(&mut conn, actor, id).await?;
        let staff = s.handler || s.responder || s.viewer;
        let events = repo::events(&mut conn, rec.id, !staff).await?;
        let acted = events
            .iter()
            .filter_map(|e| e.actor_user_id.filter(|_| staff));
        let names =
            crate::platform::users::display_names(&mut conn, acted.collect::<Vec<_>>()).await?;
        Ok(events
            .into_iter()
            .map(|e| {
                let name = e.actor_user_id.and_then(|u| names.get(&u).cloned());
                entry(e, name)
            })
            .collect())
    }

    /// The request a photo is about to be added to, once `actor` may add one (see
    /// [`super::RequestPermits::may_add_photo`]); called before the upload is read.
    pub async fn request_for_photo(&self, actor: &Actor, id: RequestId) -> AppResult<RequestView> {
        let v = self.request(actor, id).await?;
        if v.permits.may_add_photo {
            Ok(v)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// A request's photos (metadata; the bytes through [`App::request_photo`]).
    pub async fn request_photos(&self, actor: &Actor, id: RequestId) -> AppResult<Vec<PhotoMeta>> {
        let mut conn = self.db.read().await?;
        let (rec, _) = visible_request(&mut conn, actor, id).await?;
        Ok(repo::photos(&mut conn, rec.id).await?)
    }

    /// One photo with its bytes, for those who may see its request.
    pub async fn request_photo(
        &self,
        actor: &Actor,
        photo_id: i64,
    ) -> AppResult<(PhotoMeta, Vec<u8>)> {
        let mut conn = self.db.read().await?;
        let (meta, data) = repo::photo(&mut conn, photo_id)
            .await
            .map_err(|_| AppError::NotFound("photo"))?;
        visible_request(&mut conn, actor, meta.request_id)
            .await
            .map_err(|_| AppError::NotFound("photo"))?;
        Ok((meta, data))
    }

    /// Stores a photo. Its type and size are decided by the content
    /// ([`civicgrid_domain::requests::photo`]: JPEG, PNG or WebP, whatever the upload
    /// claims; the size is read from the image) and location metadata is stripped
    /// before it is stored. The requester, handlers and responders may add them;
    /// `stage` is `intake` or `resolution`; when not given (or blank), `intake` for the
    /// requester and `resolution` for those working on it.
    pub async fn add_request_photo(
        &self,
        actor: &Actor,
        id: RequestId,
        stage: Option<&str>,
        data: &[u8],
    ) -> AppResult<i64> {
        let stage = stage.map(str::trim).filter(|s| !s.is_empty());
        if stage.is_some_and(|s| !matches!(s, "intake" | "resolution")) {
            return Err(AppError::invalid("stage", "intake or resolution"));
        }
        let upload = crate::photo::check_upload(data)?;
        let checked = &upload.photo;
        let content_type = checked.kind.content_type();
        let size = Some((i64::from(checked.width), i64::from(checked.height)));
        let data = checked.data.as_slice();
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (rec, s) = visible_request(&mut tx, actor, id).await?;
        if !(s.requester || s.handler || s.responder) {
            return Err(AppError::Forbidden);
        }
        let stage = stage.unwrap_or(if s.requester { "intake" } else { "resolution" });
        let sha = upload.sha256.clone();
        let photo = repo::insert_photo(
            &mut tx,
            &PhotoMeta {
                id: 0,
                request_id: rec.id,
                stage: stage.to_owned(),
                content_type: content_type.to_owned(),
                byte_len: 0,
                sha256: sha.clone(),
                width: size.map(|s| s.0),
                height: size.map(|s| s.1),
                uploaded_by: actor.user_id,
                uploaded_at: now,
            },
            data,
        )
        .await?;
        let mut step = super::Step::new("photo");
        step.visible = stage == "resolution" || s.requester;
        step.details = serde_json::json!({
            "photo": photo,
            "stage": stage,
            "sha256": sha,
            "bytes": data.len(),
            "metadata_removed": checked.removed,
        });
        let role = if s.requester && !s.handler {
            "requester".to_owned()
        } else {
            super::actor_role(actor, s)
        };
        super::write_step(&mut tx, actor, &role, &rec, step, now).await?;
        commit(tx).await?;
        Ok(photo)
    }

    /// A page of a work queue or listing (see [`QueueKind`]).
    pub async fn request_queue(&self, actor: &Actor, q: &QueueQuery) -> AppResult<QueuePage> {
        if q.page == 0 {
            return Err(AppError::invalid("page", "pages count from 1"));
        }
        if q.page_size == 0 || q.page_size > MAX_PAGE_SIZE {
            return Err(AppError::invalid(
                "page_size",
                format!("from 1 to {MAX_PAGE_SIZE}"),
            ));
        }
        let now = now_ms();
        let mut conn = self.db.read().await?;
        let within = match q.within_node {
            Some(n) => {
                // A node the actor cannot see is as absent as a missing one.
                let no_such = || AppError::invalid("within_node", "no such node");
                let node = org::get(&mut conn, n).await.map_err(|_| no_such())?;
                if !actor.can(Permission::ViewOrg, &node.path) {
                    return Err(no_such());
                }
                Some(node.path)
            }
            None => None,
        };
        let base = Narrowing {
            within: within.clone(),
            status: q.status,
            category: q.category.clone(),
            party: q.party.map(Party::encode),
            ..Narrowing::default()
        };
        let limit = i64::from(q.page_size) + 1;
        let want = i64::from(q.page) * i64::from(q.page_size) + 1;
        let offset = i64::from(q.page - 1) * i64::from(q.page_size);
        // Queues read per scope: each from 0 up to the end of the page, merged after.
        let mut reads: Vec<(Queue, Narrowing)> = Vec::new();
        let scoped = |perm: Permission| -> AppResult<Vec<Option<OrgPath>>> {
            require_somewhere(actor, perm)?;
            Ok(match actor.scopes(perm) {
                None => vec![None],
                Some(v) => v.into_iter().map(Some).collect(),
            })
        };
        let due_order = !matches!(
            q.kind,
            QueueKind::All | QueueKind::Raised | QueueKind::ReturnVisits | QueueKind::Flagged
        );
        match q.kind {
            QueueKind::Mine => {
                let user = actor.user_id.ok_or(AppError::Forbidden)?;
                if !(actor.can_somewhere(Permission::HandleRequests)
                    || actor.can_somewhere(Permission::RespondToRequests))
                {
                    return Err(AppError::Forbidden);
                }
                reads.push((Queue::Assignee(user), base.clone()));
                for a in actor
                    .assignments
                    .iter()
                    .filter(|a| a.role.has(Permission::HandleRequests))
                {
                    if let Ok(p) = Party::role(a.role) {
                        reads.push((
                            Queue::Party(p.encode()),
                            Narrowing {
                                within: Some(narrower(&a.path, within.as_ref())),
                                ..base.clone()
                            },
                        ));
                    }
                }
            }
            QueueKind::MyOrgs => {
                let user = actor.user_id.ok_or(AppError::Forbidden)?;
                for scope in scoped(Permission::RespondToRequests)? {
                    for org in repo::orgs_of_user(&mut conn, user).await? {
                        let w = scope.as_ref().map(|s| narrower(s, within.as_ref()));
                        reads.push((
                            Queue::Party(Party::Org(org).encode()),
                            Narrowing {
                                within: w,
                                ..base.clone()
                            },
                        ));
                    }
                }
            }
            QueueKind::Scope
            | QueueKind::DueSoon
            | QueueKind::Overdue
            | QueueKind::All
            | QueueKind::ReturnVisits
            | QueueKind::Flagged => {
                for scope in scoped(Permission::ViewRequests)? {
                    let path = match (&scope, &within) {
                        (Some(s), w) => Some(narrower(s, w.as_ref())),
                        (None, w) => w.clone(),
                    };
                    let mut n = base.clone();
                    n.within = None;
                    let queue = match (q.kind, path) {
                        (QueueKind::Overdue, None) => Queue::OverdueAt(now),
                        (QueueKind::Overdue | QueueKind::Scope, Some(p)) => {
                            if q.kind == QueueKind::Overdue {
                                n.due_before = Some(now);
                            }
                            Queue::OpenIn(p)
                        }
                        (QueueKind::Scope, None) => Queue::OverdueAt(i64::MAX),
                        (QueueKind::DueSoon, p) => {
                            n.warning_at = Some(now);
                            p.map_or(Queue::OverdueAt(i64::MAX), Queue::OpenIn)
                        }
                        (_, p) => {
                            n.return_visit_pending = q.kind == QueueKind::ReturnVisits;
                            n.flagged = q.kind == QueueKind::Flagged;
                            if q.kind == QueueKind::ReturnVisits {
                                n.status = Some(Status::Resolved);
                            }
                            Queue::AllIn(p.unwrap_or_else(|| OrgPath::from_stored("/".into())))
                        }
                    };
                    reads.push((queue, n));
                }
            }
            QueueKind::Raised => {
                let user = actor.user_id.ok_or(AppError::Forbidden)?;
                reads.push((Queue::Requester(user), base.clone()));
            }
        }
        // Reads whose scope does not overlap `within` are pointless but harmless.
        let mut all = Vec::new();
        if reads.len() == 1 {
            let (queue, n) = &reads[0];
            all = repo::queue(&mut conn, queue, n, limit, offset).await?;
        } else {
            for (queue, n) in &reads {
                all.extend(repo::queue(&mut conn, queue, n, want, 0).await?);
            }
            all = merge(all, due_order);
            all = all
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(limit).unwrap_or(0))
                .collect();
        }
        let more = all.len() > q.page_size as usize;
        all.truncate(q.page_size as usize);
        let rules = load_rules(&mut conn).await?;
        let mut items = Vec::with_capacity(all.len());
        let mut orgs = HashMap::new();
        for rec in &all {
            let s = standing(&mut conn, actor, rec).await?;
            let mut v = view(rec, s, &self.config.field_keys, &rules.calendar, now);
            super::name_view(&mut conn, &mut v, s, &mut orgs).await?;
            items.push(v);
        }
        Ok(QueuePage {
            items,
            page: q.page,
            page_size: q.page_size,
            more,
        })
    }

    /// The signed-in user's inbox, newest first (lines before `before_id` for the next
    /// page), and how many are unread.
    pub async fn request_inbox(
        &self,
        actor: &Actor,
        before_id: Option<i64>,
        limit: u32,
    ) -> AppResult<(Vec<InboxItem>, i64)> {
        let user = actor.user_id.ok_or(AppError::Unauthenticated)?;
        let limit = i64::from(limit.clamp(1, MAX_PAGE_SIZE));
        let mut conn = self.db.read().await?;
        let items = repo::inbox(&mut conn, user, before_id, limit).await?;
        let unread = repo::unread_count(&mut conn, user).await?;
        Ok((items, unread))
    }

    /// Marks the user's inbox read up to `up_to_id`; returns how many lines changed.
    pub async fn mark_request_inbox_read(&self, actor: &Actor, up_to_id: i64) -> AppResult<u64> {
        let user = actor.user_id.ok_or(AppError::Unauthenticated)?;
        let mut tx = self.db.begin_write().await?;
        let n = repo::mark_read(&mut tx, user, up_to_id, now_ms()).await?;
        commit(tx).await?;
        Ok(n)
    }
}

/// The narrower of a scope and an optional `within` path (the deeper one when one
/// contains the other; the scope itself otherwise, so nothing outside it is read).
fn narrower(scope: &OrgPath, within: Option<&OrgPath>) -> OrgPath {
    match within {
        Some(w) if w.is_within(scope) => w.clone(),
        Some(w) if !scope.is_within(w) => OrgPath::from_stored(format!("{}x/", scope.as_str())),
        _ => scope.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::settings::settings_access;
    use civicgrid_domain::platform::access::{Assignment, Role};

    fn actor(roles: &[Role]) -> Actor {
        let grid = OrgPath::root(1).child(2).child(3).child(4).child(5);
        Actor {
            user_id: Some(1),
            token_id: None,
            label: "t".into(),
            assignments: roles
                .iter()
                .enumerate()
                .map(|(i, role)| Assignment {
                    id: i64::try_from(i).unwrap_or(0),
                    role: *role,
                    node_id: 5,
                    path: grid.clone(),
                })
                .collect(),
        }
    }

    #[test]
    fn queues_follow_the_request_permissions() {
        let codes = |a: &Actor| queue_kinds(a).map(|k| k.all().collect::<Vec<_>>());
        let worker = codes(&actor(&[Role::GridWorker])).unwrap();
        assert_eq!(worker.first(), Some(&QueueKind::Mine));
        assert!(worker.contains(&QueueKind::Scope));
        assert_eq!(
            codes(&actor(&[Role::Responder])).unwrap(),
            [QueueKind::MyOrgs]
        );
        assert_eq!(
            codes(&actor(&[Role::Resident])).map_err(|e| e.code()),
            Err("forbidden")
        );
    }

    #[test]
    fn settings_open_to_who_manages_a_part_of_them() {
        let admin = settings_access(&actor(&[Role::SystemAdmin])).unwrap();
        assert!(admin.catalogue && admin.routing);
        assert_eq!(
            settings_access(&actor(&[Role::Resident])).map_err(|e| e.code()),
            Err("forbidden")
        );
    }
}
