//! Use cases of resident requests ("small things", 身边小事), one module per group of
//! user actions:
//!
//! - [`settings`]: the category catalogue, the business calendar and the policies
//!   (SLA warnings, escalation ladder, poor ratings, reopen window, duplicates);
//! - [`responders`]: responder organisations and their members;
//! - [`routing`]: routing rules;
//! - [`intake`]: raising a request from any channel, category and duplicate suggestions;
//! - [`transitions`]: accept, assign, start, resolve, close, reject, refer, hold,
//!   resume, reopen, merge duplicates, comment;
//! - [`feedback`]: the resident's rating and the staff return visit (回访);
//! - [`reading`]: one request, its timeline and photos, work queues, the resident's
//!   inbox;
//! - [`jobs`]: the escalation job (with auto-close) and notification delivery;
//! - [`notify`]: the pluggable outbound channel.
//!
//! Who may do what: residents raise requests ([`Permission::SubmitRequest`]) and see,
//! confirm, reopen and rate the ones they raised; staff with
//! [`Permission::HandleRequests`] work on every request in their scope; members of a
//! responder organisation with [`Permission::RespondToRequests`] work on the requests
//! assigned to it; [`Permission::ViewRequests`] reads. Every change writes a timeline
//! line, an audit entry and the notifications in one transaction. Personal data (the
//! contact's name and phone) is sealed or masked in every output.

pub mod board;
pub mod feedback;
mod group_commit;
pub mod intake;
mod intake_cache;
pub mod jobs;
pub mod locate;
pub mod notify;
pub mod open311;
pub mod overview;
pub mod reading;
pub mod recategorize;
pub mod responders;
pub mod routing;
pub mod settings;
pub mod transitions;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::privacy::{UNREADABLE_PHONE, mask_name, mask_stored_phone};
use civicgrid_domain::requests::classifier::Classifier;
use civicgrid_domain::requests::routing::Party;
use civicgrid_domain::requests::sla::SlaState;
use civicgrid_domain::requests::status::TransitionError;
use civicgrid_domain::requests::{ActionKind, BusinessCalendar, RequestId, Status};
pub use civicgrid_domain::requests::{parse_public_number, public_number};
use civicgrid_store::AnyConnection;
use civicgrid_store::requests::{self as repo, NewEvent, RequestRecord};
use serde::Serialize;

use civicgrid_domain::platform::audit::AuditFields;

use crate::authz::{Change, audit_fields};
use crate::{AppError, AppResult};

pub use notify::{NoopNotifier, Notifier, NotifyError};
pub use settings::RequestPolicy;

/// Resources the request use cases share across calls: the per-community classifier
/// cache, the outbound notifier, and whether the default catalogue was ensured.
pub struct Shared {
    classifiers: Mutex<HashMap<i64, (Instant, Arc<Classifier>)>>,
    notifier: RwLock<Arc<dyn Notifier>>,
    catalogue_ready: std::sync::atomic::AtomicBool,
    /// Parsed grid boundaries for point → grid ([`locate`]), with when they were loaded.
    grid_map: RwLock<Option<(Instant, Arc<locate::GridMap>)>>,
    /// Intake's group-commit writer.
    intake: group_commit::IntakeWriter,
    /// What intake reads that rarely changes.
    intake_cache: intake_cache::IntakeCache,
}

impl Default for Shared {
    fn default() -> Shared {
        Shared {
            classifiers: Mutex::new(HashMap::new()),
            notifier: RwLock::new(Arc::new(NoopNotifier)),
            catalogue_ready: std::sync::atomic::AtomicBool::new(false),
            grid_map: RwLock::new(None),
            intake: group_commit::IntakeWriter::default(),
            intake_cache: intake_cache::IntakeCache::default(),
        }
    }
}

/// A request as shown to someone allowed to see it: personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    /// `R-2026-000123`.
    pub number: String,
    pub id: RequestId,
    pub category: String,
    pub channel: String,
    pub description: String,
    pub grid_id: i64,
    pub community_id: i64,
    pub building_id: Option<i64>,
    pub room_id: Option<i64>,
    /// (longitude, latitude).
    pub point: Option<(f64, f64)>,
    pub address: String,
    pub status: Status,
    /// `org:<id>` or `role:<role>`.
    pub party: String,
    /// The responder organisation's name when the party is one (湖光物业).
    pub party_name: Option<String>,
    pub assignee_user_id: Option<i64>,
    /// The assignee's name, for those who work on it (not for the requester).
    pub assignee_name: Option<String>,
    pub escalation_level: String,
    pub response_due_at: i64,
    pub resolution_due_at: i64,
    /// The running clock's due time; `None` on hold or once done.
    pub due_at: Option<i64>,
    pub sla: Option<SlaState>,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<u8>,
    pub rating_comment: Option<String>,
    pub flagged: bool,
    pub return_visit_pending: bool,
    pub public: bool,
    pub duplicate_of: Option<RequestId>,
    /// The contact's name masked (`张*`); `None` for residents' own requests.
    pub contact_name: Option<String>,
    /// The contact's phone masked (`138****5678`).
    pub contact_phone: Option<String>,
    /// The requester is the viewer.
    pub mine: bool,
    /// Actions the viewer may take now (buttons).
    pub actions: Vec<ActionKind>,
    /// The viewer may rate it now.
    pub may_rate: bool,
    /// What else the viewer may do on it (the forms a page shows).
    #[serde(skip)]
    pub permits: RequestPermits,
    pub created_at: i64,
    pub updated_at: i64,
    /// For optimistic locking: pass it back with a change.
    pub version: i64,
}

/// What a viewer may do on a request besides the state machine's actions and the
/// rating, so that pages show only the forms the use cases accept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestPermits {
    /// Reads it as staff (the queue to go back to, internal comments, resolution
    /// photos): anyone but its requester, or a requester who handles requests somewhere.
    pub staff: bool,
    /// May comment on it: its requester, its handlers and its responders.
    pub may_comment: bool,
    /// May add a photo: its requester, its handlers and its responders (also once it
    /// is resolved, to show the finished work), as [`crate::App::add_request_photo`]
    /// accepts.
    pub may_add_photo: bool,
    /// May clear the flag a poor rating left: a supervisor at its place, while flagged.
    pub may_clear_flag: bool,
    /// May correct its category: those who handle requests at its place.
    pub may_recategorize: bool,
}

/// How an actor stands to one request.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Standing {
    /// Raised it (their user id is the requester's).
    pub requester: bool,
    /// Holds [`Permission::HandleRequests`] at its place.
    pub handler: bool,
    /// A member of the assigned responder organisation, with
    /// [`Permission::RespondToRequests`] at its place.
    pub responder: bool,
    /// Holds [`Permission::ViewRequests`] at its place.
    pub viewer: bool,
    /// Holds [`Permission::SuperviseRequests`] at its place.
    pub supervisor: bool,
    /// Handles requests somewhere (not necessarily here).
    pub handles_somewhere: bool,
}

impl Standing {
    pub fn may_view(self) -> bool {
        self.requester || self.handler || self.responder || self.viewer
    }

    /// Actions of the state machine this standing may take at all (the machine then
    /// says whether the status allows them).
    pub fn may_take(self, kind: ActionKind) -> bool {
        use ActionKind::*;
        match kind {
            Close | Reopen => self.requester || self.handler,
            Start | Resolve | Hold | Resume => self.handler || self.responder,
            Accept | Assign | Reject | Refer | MarkDuplicate => self.handler,
        }
    }
}

pub(crate) async fn standing(
    conn: &mut AnyConnection,
    actor: &Actor,
    rec: &RequestRecord,
) -> AppResult<Standing> {
    let requester = actor.user_id.is_some() && actor.user_id == rec.requester_user_id;
    let responder = match (rec.party, actor.user_id) {
        (Party::Org(org), Some(user)) if actor.can(Permission::RespondToRequests, &rec.path) => {
            repo::orgs_of_user(conn, user).await?.contains(&org)
        }
        _ => false,
    };
    Ok(Standing {
        requester,
        handler: actor.can(Permission::HandleRequests, &rec.path),
        responder,
        viewer: actor.can(Permission::ViewRequests, &rec.path),
        supervisor: actor.can(Permission::SuperviseRequests, &rec.path),
        handles_somewhere: actor.can_somewhere(Permission::HandleRequests),
    })
}

/// Loads a request the actor may see; others get "not found" (its existence is not
/// revealed to those who may not see it).
pub(crate) async fn visible_request(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: RequestId,
) -> AppResult<(RequestRecord, Standing)> {
    let rec = repo::get_request(conn, id)
        .await
        .map_err(|_| AppError::NotFound("request"))?;
    let s = standing(conn, actor, &rec).await?;
    if !s.may_view() {
        return Err(AppError::NotFound("request"));
    }
    Ok((rec, s))
}

impl crate::App {
    /// The request as `actor` stands to it after a change: their standing is read again,
    /// since the change may have made them its responder or ended what they may do.
    pub(crate) async fn view_after_change(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        rec: &RequestRecord,
        cal: &BusinessCalendar,
        now_ms: i64,
    ) -> AppResult<RequestView> {
        let s = standing(conn, actor, rec).await?;
        Ok(view(rec, s, &self.config.field_keys, cal, now_ms))
    }
}

pub(crate) fn view(
    rec: &RequestRecord,
    s: Standing,
    keys: &civicgrid_store::crypto::FieldKeys,
    cal: &BusinessCalendar,
    now_ms: i64,
) -> RequestView {
    let contact_phone = rec.contact_phone_enc.as_deref().map(|enc| {
        keys.open(repo::F_CONTACT_PHONE, enc)
            .map_or_else(|_| UNREADABLE_PHONE.to_owned(), |p| mask_stored_phone(&p))
    });
    let actions: Vec<ActionKind> = rec
        .status
        .actions()
        .iter()
        .copied()
        .filter(|k| s.may_take(*k))
        .collect();
    let permits = RequestPermits {
        staff: !s.requester || s.handles_somewhere,
        may_comment: s.requester || s.handler || s.responder,
        may_add_photo: s.requester || s.handler || s.responder,
        may_clear_flag: rec.flagged && s.supervisor,
        may_recategorize: s.handler,
    };
    RequestView {
        number: public_number(rec.id, rec.created_at, cal.utc_offset_minutes()),
        id: rec.id,
        category: rec.category.clone(),
        channel: rec.channel.code().to_owned(),
        description: rec.description.clone(),
        grid_id: rec.grid_id,
        community_id: rec.community_id,
        building_id: rec.building_id,
        room_id: rec.room_id,
        point: rec.point,
        address: rec.address.clone(),
        status: rec.status,
        party: rec.party.encode(),
        party_name: None,
        assignee_user_id: rec.assignee_user_id,
        assignee_name: None,
        escalation_level: rec.escalation_level.code().to_owned(),
        response_due_at: rec.deadlines.response_due_ms,
        resolution_due_at: rec.deadlines.resolution_due_ms,
        due_at: rec.due_at,
        sla: rec.deadlines.state(rec.status, now_ms),
        responded_at: rec.responded_at,
        resolved_at: rec.resolved_at,
        closed_at: rec.closed_at,
        rating: rec.rating.map(|r| r.value()),
        rating_comment: rec.rating_comment.clone(),
        flagged: rec.flagged,
        return_visit_pending: rec.return_visit_pending,
        public: rec.public,
        duplicate_of: rec.duplicate_of,
        contact_name: rec.contact_name.as_deref().map(mask_name),
        contact_phone,
        mine: s.requester,
        actions,
        may_rate: s.requester
            && rec.rating.is_none()
            && matches!(rec.status, Status::Resolved | Status::Closed),
        permits,
        created_at: rec.created_at,
        updated_at: rec.updated_at,
        version: rec.version,
    }
}

/// Fills in the names people read: the responder organisation's, and the assignee's
/// for those who work on the request (the requester sees who in roles, not names).
pub(crate) async fn name_view(
    conn: &mut AnyConnection,
    v: &mut RequestView,
    s: Standing,
    orgs: &mut HashMap<i64, Option<String>>,
) -> AppResult<()> {
    if let Ok(Party::Org(org)) = Party::decode(&v.party) {
        let name = match orgs.get(&org) {
            Some(n) => n.clone(),
            None => {
                let n = repo::get_org(conn, org).await.ok().map(|o| o.name);
                orgs.insert(org, n.clone());
                n
            }
        };
        v.party_name = name;
    }
    if let Some(user) = v.assignee_user_id
        && (s.handler || s.responder || s.viewer)
    {
        v.assignee_name = civicgrid_store::platform::accounts::get_user(conn, user)
            .await
            .ok()
            .map(|u| u.display_name);
    }
    Ok(())
}

/// A state-machine refusal as the caller should see it.
pub(crate) fn transition_error(e: TransitionError) -> AppError {
    use TransitionError as T;
    match e {
        T::ReasonRequired(_) | T::ReasonTooLong => AppError::invalid("reason", e),
        T::DuplicateOfItself | T::DuplicateOfDuplicate => AppError::invalid("original", e),
        T::UnknownStatus(_) => AppError::invalid("status", e),
        T::UnknownAction(_) => AppError::invalid("action", e),
        T::NotForRequester | T::ReopenOnlyByRequester => AppError::Forbidden,
        T::NotAllowed { .. } | T::ReopenWindowClosed | T::UnknownHeldFrom => {
            AppError::Conflict(e.to_string())
        }
    }
}

/// The message when a request changed between reading and writing it.
pub(crate) fn stale() -> AppError {
    AppError::Conflict("the request changed meanwhile; reload it and try again".into())
}

/// One change to a request as the timeline, the audit log, the inbox and the outbox
/// record it.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub kind: &'static str,
    pub from: Option<Status>,
    pub to: Option<Status>,
    pub party: Option<String>,
    pub related: Option<RequestId>,
    pub note: Option<String>,
    /// Shown to the resident (timeline, inbox).
    pub visible: bool,
    /// Outbound notifications: recipients (`user:<id>`, `party:<party>`,
    /// `role:<role>@<path>`).
    pub notify: Vec<String>,
    /// Extra audit details (never personal data).
    pub details: serde_json::Value,
}

impl Step {
    pub fn new(kind: &'static str) -> Step {
        Step {
            kind,
            from: None,
            to: None,
            party: None,
            related: None,
            note: None,
            visible: true,
            notify: Vec::new(),
            details: serde_json::Value::Null,
        }
    }
}

/// The role an actor acts in on the timeline.
pub(crate) fn actor_role(actor: &Actor, s: Standing) -> String {
    if actor.is_system() {
        return "system".into();
    }
    if s.requester && !s.handler {
        return "requester".into();
    }
    if s.responder && !s.handler {
        return "responder".into();
    }
    // The most specific role held over the request's place: the deepest assignment.
    actor
        .assignments
        .iter()
        .filter(|a| a.role.has(Permission::HandleRequests) || a.role.has(Permission::SubmitRequest))
        .max_by_key(|a| a.path.depth())
        .map_or_else(|| "staff".into(), |a| a.role.as_str().to_owned())
}

/// What one step writes besides the request row: its timeline line, audit entry,
/// the resident's inbox line and the outbound notifications.
pub(crate) struct StepRows {
    pub event: repo::NewEvent,
    pub audit: AuditFields,
    pub inbox: Option<repo::InboxRow>,
    pub outbox: Vec<repo::OutboxRow>,
}

/// The timeline line of `step` on `rec`, with id `id`.
fn step_event(
    actor: &Actor,
    role: &str,
    rec: &RequestRecord,
    step: &Step,
    at_ms: i64,
    id: i64,
) -> NewEvent {
    NewEvent {
        id,
        request_id: rec.id,
        at_ms,
        kind: step.kind.to_owned(),
        from_status: step.from,
        to_status: step.to,
        actor_user_id: actor.user_id,
        actor_token_id: actor.token_id,
        actor_label: actor.label.clone(),
        actor_role: Some(role.to_owned()),
        party: step.party.clone(),
        related_id: step.related,
        note: step.note.clone(),
        visible: step.visible,
    }
}

/// Works out the rows of `step` on `rec`, whose timeline line gets `event_id`.
pub(crate) fn step_rows(
    actor: &Actor,
    role: &str,
    rec: &RequestRecord,
    step: Step,
    at_ms: i64,
    event_id: i64,
) -> StepRows {
    let event = step_event(actor, role, rec, &step, at_ms, event_id);
    let mut details = serde_json::json!({
        "event": event_id,
        "from": step.from.map(Status::code),
        "to": step.to.map(Status::code),
        "party": step.party,
        "related": step.related.map(|r| r.0),
        "category": rec.category,
    });
    if let (Some(d), serde_json::Value::Object(extra)) = (details.as_object_mut(), step.details) {
        d.extend(extra);
    }
    let audit = audit_fields(
        actor,
        Change {
            action: audit_action(step.kind),
            target_type: "request",
            target_id: rec.id.to_string(),
            scope: Some(&rec.path),
            reason: step
                .note
                .as_deref()
                .filter(|_| step.kind != "rate" && step.kind != "return_visit"),
            details,
        },
    );
    let status = step.to.unwrap_or(rec.status);
    let mut recipients = step.notify;
    let mut inbox = None;
    if step.visible
        && let Some(user) = rec.requester_user_id.filter(|u| Some(*u) != actor.user_id)
    {
        inbox = Some(repo::InboxRow {
            user_id: user,
            request_id: rec.id,
            event_id,
            at_ms,
            kind: step.kind.to_owned(),
            status,
        });
        recipients.push(format!("user:{user}"));
    }
    recipients.sort();
    recipients.dedup();
    let payload = serde_json::json!({
        "request": rec.id.0,
        "event": event_id,
        "kind": step.kind,
        "status": status.code(),
        "category": rec.category,
        "due_at": rec.due_at,
    })
    .to_string();
    let outbox = recipients
        .into_iter()
        .map(|recipient| repo::OutboxRow {
            at_ms,
            request_id: rec.id,
            event_id,
            recipient,
            payload: payload.clone(),
        })
        .collect();
    StepRows {
        event,
        audit,
        inbox,
        outbox,
    }
}

/// Writes the timeline line, the audit entry, the resident's inbox line and the
/// outbound notifications of `step` on the caller's transaction. Returns the event id.
pub(crate) async fn write_step(
    conn: &mut AnyConnection,
    actor: &Actor,
    role: &str,
    rec: &RequestRecord,
    step: Step,
    at_ms: i64,
) -> AppResult<i64> {
    let event_id = repo::insert_event(conn, &step_event(actor, role, rec, &step, at_ms, 0)).await?;
    let rows = step_rows(actor, role, rec, step, at_ms, event_id);
    civicgrid_store::platform::audit::append(conn, &rows.audit).await?;
    repo::insert_inbox_rows(conn, rows.inbox.as_slice()).await?;
    repo::insert_outbox_rows(conn, &rows.outbox).await?;
    Ok(event_id)
}

fn audit_action(kind: &str) -> &'static str {
    match kind {
        "submitted" => "request.submit",
        "accept" => "request.accept",
        "assign" => "request.assign",
        "start" => "request.start",
        "resolve" => "request.resolve",
        "close" => "request.close",
        "reject" => "request.reject",
        "mark_duplicate" => "request.mark_duplicate",
        "duplicate_linked" => "request.duplicate_linked",
        "refer" => "request.refer",
        "hold" => "request.hold",
        "resume" => "request.resume",
        "reopen" => "request.reopen",
        "comment" => "request.comment",
        "rate" => "request.rate",
        "return_visit" => "request.return_visit",
        "flag" => "request.flag",
        "unflag" => "request.unflag",
        "escalate" => "request.escalate",
        "auto_close" => "request.auto_close",
        "recategorize" => "request.recategorize",
        "photo" => "request.photo",
        _ => "request.change",
    }
}

/// Recomputes the running clock of `rec` (warning, due, next escalation step) from its
/// status and stored deadlines.
pub(crate) fn set_clock(rec: &mut RequestRecord, cal: &BusinessCalendar, policy: &RequestPolicy) {
    match rec.deadlines.governing(rec.status) {
        None => {
            rec.warn_at = None;
            rec.due_at = None;
            rec.next_step_at = None;
        }
        Some(clock) => {
            rec.warn_at = Some(clock.warn_ms);
            rec.due_at = Some(clock.due_ms);
            rec.next_step_at = policy
                .escalation
                .next_step_at(cal, rec.escalation_level, clock.due_ms)
                .map(|(_, at)| at);
        }
    }
}
