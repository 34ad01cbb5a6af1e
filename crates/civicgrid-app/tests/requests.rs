//! Request use cases against a real (SQLite) database: intake, routing and due times,
//! every transition allowed or refused by role and scope, ratings that reopen, return
//! visits, duplicates, queues, the inbox, and an escalation job that runs twice safely.

mod support;

use civicgrid_app::domain::platform::access::{Actor, Role};
use civicgrid_app::domain::requests::category::ResponderKind;
use civicgrid_app::domain::requests::routing::Party;
use civicgrid_app::domain::requests::sla::Targets;
use civicgrid_app::domain::requests::{
    Action, ActionKind, BusinessCalendar, Channel, PoorRatingPolicy, RequestId, SlaPolicy, Status,
    default_catalogue,
};
use civicgrid_app::requests::intake::{NewRequest, OnBehalf, Submitted};
use civicgrid_app::requests::reading::{QueueKind, QueuePage, QueueQuery};
use civicgrid_app::requests::{RequestPolicy, RequestView, parse_public_number};
use civicgrid_app::{AppError, AppResult};
use civicgrid_store::platform::audit::AuditFilter;
use support::World;

/// What the request tests do again and again, on the world's grid.
trait Desk {
    /// A request as a test describes it: from `channel`, in the world's grid.
    fn input(&self, channel: Channel, category: &str, text: &str) -> NewRequest;
    /// `resident` reports a small thing from the web.
    async fn report(&self, resident: &Actor, category: &str, text: &str) -> Submitted;
    /// `actor` takes `action` on the request, whatever its version.
    async fn act(&self, actor: &Actor, id: RequestId, action: Action) -> AppResult<RequestView>;
    /// The first page of `actor`'s queue of `kind`.
    async fn queue(&self, actor: &Actor, kind: QueueKind) -> AppResult<QueuePage>;
}

impl Desk for World {
    fn input(&self, channel: Channel, category: &str, text: &str) -> NewRequest {
        NewRequest {
            channel,
            category: Some(category.into()),
            description: text.into(),
            grid_id: Some(self.grid),
            building_id: None,
            room_id: None,
            point: None,
            address: String::new(),
            on_behalf: None,
            public: true,
            received_at: None,
        }
    }

    async fn report(&self, resident: &Actor, category: &str, text: &str) -> Submitted {
        self.app
            .submit_request(resident, self.input(Channel::ResidentWeb, category, text))
            .await
            .unwrap_or_else(|e| panic!("reporting {text}: {e}"))
    }

    async fn act(&self, actor: &Actor, id: RequestId, action: Action) -> AppResult<RequestView> {
        self.app.act_on_request(actor, id, None, action).await
    }

    async fn queue(&self, actor: &Actor, kind: QueueKind) -> AppResult<QueuePage> {
        let q = QueueQuery {
            kind,
            ..QueueQuery::default()
        };
        self.app.request_queue(actor, &q).await
    }
}

/// Assigns to `party` (and to `user_id` there), stating no reason.
fn assign(party: Party, user_id: Option<i64>) -> Action {
    Action::Assign {
        party,
        user_id,
        reason: None,
    }
}

/// Resolves, saying `note` was done.
fn resolve(note: &str) -> Action {
    Action::Resolve {
        note: Some(note.into()),
    }
}

/// Puts the request on hold for `reason`.
fn hold(reason: &str) -> Action {
    Action::Hold {
        reason: reason.into(),
    }
}

/// Rejects the request for `reason`.
fn reject(reason: &str) -> Action {
    Action::Reject {
        reason: reason.into(),
    }
}

/// Reopens the request for `reason`.
fn reopen(reason: &str) -> Action {
    Action::Reopen {
        reason: reason.into(),
    }
}

/// The field an input error names, if the action was refused for bad input.
fn field_refused<T>(result: AppResult<T>) -> Option<&'static str> {
    match result {
        Err(AppError::Invalid { field, .. }) => Some(field),
        _ => None,
    }
}

#[tokio::test]
async fn intake_routes_and_sets_due_times_on_the_business_calendar() {
    let w = World::new().await;
    let resident = w.actor("res", Role::Resident, w.grid).await;
    let staff = w.actor("staff", Role::CommunityStaff, w.community).await;
    let got = w.report(&resident, "noise", "楼上半夜一直有噪音").await;
    assert_eq!(got.routed.party, Party::Role(Role::GridWorker));
    assert_eq!(parse_public_number(&got.number), Some(got.id));
    let noise = default_catalogue()
        .into_iter()
        .find(|c| c.code == "noise")
        .unwrap();
    let v = w.app.request(&resident, got.id).await.unwrap();
    let expected = SlaPolicy::default().deadlines(
        &BusinessCalendar::default(),
        Targets::of(&noise),
        v.created_at,
    );
    assert_eq!(got.deadlines, expected);
    assert_eq!(v.due_at, Some(expected.response_due_ms));
    assert!(
        v.mine && v.actions.is_empty(),
        "a resident only follows: {:?}",
        v.actions
    );

    // A routing rule sends lifts in the community to the property company.
    let org = w
        .app
        .create_responder_org(&staff, ResponderKind::PropertyCompany, "物业", w.community)
        .await
        .unwrap();
    w.app
        .create_routing_rule(
            &staff,
            Some("repairs_lift"),
            w.community,
            Party::Org(org.id),
        )
        .await
        .unwrap();
    let lift = w
        .report(&resident, "repairs_lift", "电梯停在三楼不动了")
        .await;
    assert_eq!(lift.routed.party, Party::Org(org.id));
    // A second rule for the same category and scope conflicts.
    assert!(matches!(
        w.app
            .create_routing_rule(
                &staff,
                Some("repairs_lift"),
                w.community,
                Party::Role(Role::GridWorker)
            )
            .await,
        Err(AppError::Conflict(_))
    ));

    // Bad input names its field.
    let mut bad = w.input(Channel::ResidentWeb, "parking", "  ");
    assert_eq!(
        field_refused(w.app.submit_request(&resident, bad.clone()).await),
        Some("description")
    );
    bad.description = "有事".into();
    bad.category = Some("nope".into());
    assert_eq!(
        field_refused(w.app.submit_request(&resident, bad).await),
        Some("category")
    );
    // Not in their grid (a grid out of their sight, refused as a missing one), not
    // their channel.
    let mut elsewhere = w.input(Channel::ResidentWeb, "parking", "别处的车");
    elsewhere.grid_id = Some(w.other_grid);
    assert_eq!(
        field_refused(w.app.submit_request(&resident, elsewhere).await),
        Some("grid_id")
    );
    assert!(matches!(
        w.app
            .submit_request(&resident, w.input(Channel::Patrol, "parking", "巡查"))
            .await,
        Err(AppError::Forbidden)
    ));
    // Intake is audited.
    let audit = w
        .app
        .audit_entries(&Actor::system(), AuditFilter::default(), 100)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.fields.action == "request.submit"));
}

#[tokio::test]
async fn transitions_by_role_and_scope() {
    let w = World::new().await;
    let resident = w.actor("res", Role::Resident, w.grid).await;
    let grid = w.actor("grid", Role::GridWorker, w.grid).await;
    let staff = w.actor("staff", Role::CommunityStaff, w.community).await;
    let other = w.actor("other", Role::CommunityStaff, w.neighbour).await;
    let auditor = w.actor("auditor", Role::Auditor, w.street).await;
    let responder = w.actor("resp", Role::Responder, w.community).await;
    let bystander = w.actor("bystander", Role::Responder, w.community).await;
    let org = w
        .app
        .create_responder_org(&staff, ResponderKind::PropertyCompany, "物业", w.community)
        .await
        .unwrap();
    w.app
        .set_responder_member(&staff, org.id, responder.user_id.unwrap(), true)
        .await
        .unwrap();
    let id = w
        .report(&resident, "repairs_water", "楼道水管漏水")
        .await
        .id;

    // Out of scope: not even found. Auditors read but do not act.
    assert!(matches!(
        w.app.request(&other, id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        w.act(&other, id, Action::Accept).await,
        Err(AppError::NotFound(_))
    ));
    assert!(
        w.app
            .request(&auditor, id)
            .await
            .unwrap()
            .actions
            .is_empty()
    );
    assert!(matches!(
        w.act(&auditor, id, Action::Accept).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.act(&resident, id, Action::Accept).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app.request(&responder, id).await,
        Err(AppError::NotFound(_))
    ));
    // Not allowed from submitted, whoever asks.
    assert!(matches!(
        w.act(&grid, id, resolve("已处理")).await,
        Err(AppError::Conflict(_))
    ));

    let v = w
        .app
        .act_on_request(&grid, id, Some(1), Action::Accept)
        .await
        .unwrap();
    assert_eq!(v.status, Status::Accepted);
    assert!(v.responded_at.is_some());
    // A stale version is refused.
    assert!(matches!(
        w.app.act_on_request(&grid, id, Some(1), hold("等待")).await,
        Err(AppError::Conflict(_))
    ));
    assert_eq!(
        field_refused(w.act(&grid, id, hold(" ")).await),
        Some("reason")
    );
    let v = w
        .act(&grid, id, assign(Party::Org(org.id), None))
        .await
        .unwrap();
    assert_eq!(
        (v.status, v.party.as_str()),
        (Status::Assigned, format!("org:{}", org.id).as_str())
    );
    // Reassigning needs a reason.
    assert_eq!(
        field_refused(
            w.act(&grid, id, assign(Party::Role(Role::CommunityStaff), None))
                .await
        ),
        Some("reason")
    );
    // The responder now sees it and works on it; another responder does not.
    assert!(matches!(
        w.act(&bystander, id, Action::Start).await,
        Err(AppError::NotFound(_))
    ));
    let v = w.act(&responder, id, Action::Start).await.unwrap();
    assert_eq!(v.status, Status::InProgress);
    assert_eq!(v.assignee_user_id, responder.user_id);
    assert!(matches!(
        w.act(&responder, id, reject("不管")).await,
        Err(AppError::Forbidden)
    ));
    let v = w.act(&responder, id, hold("等待配件")).await.unwrap();
    assert_eq!((v.status, v.due_at), (Status::OnHold, None));
    let v = w.act(&responder, id, Action::Resume).await.unwrap();
    assert_eq!(v.status, Status::InProgress);
    let v = w.act(&responder, id, resolve("已更换水管")).await.unwrap();
    assert_eq!(v.status, Status::Resolved);
    // The resident confirms; staff cannot reopen without a poor rating.
    assert!(matches!(
        w.act(&staff, id, reopen("再看看")).await,
        Err(AppError::Forbidden)
    ));
    let v = w.act(&resident, id, Action::Close).await.unwrap();
    assert_eq!(v.status, Status::Closed);
    assert!(v.may_rate);
    // Within the window the resident may reopen.
    let v = w.act(&resident, id, reopen("又漏了")).await.unwrap();
    assert_eq!(v.status, Status::Reopened);
    assert!(v.actions.is_empty());

    // The resident's timeline hides staff-only lines and names.
    let tl = w.app.request_timeline(&resident, id).await.unwrap();
    assert!(tl.iter().all(|e| e.visible && e.actor_label.is_none()));
    let kinds: Vec<&str> = tl.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds[..3], ["submitted", "accept", "assign"]);
    assert!(kinds.contains(&"reopen"));
    let (inbox, unread) = w.app.request_inbox(&resident, None, 50).await.unwrap();
    assert!(unread > 0 && inbox.iter().all(|i| i.request_id == id));

    // Reject and refer end it.
    let id2 = w.report(&resident, "other", "别的事").await.id;
    let v = w.act(&staff, id2, reject("不属于本社区")).await.unwrap();
    assert_eq!(v.status, Status::Rejected);
    assert!(matches!(
        w.act(&staff, id2, Action::Accept).await,
        Err(AppError::Conflict(_))
    ));
}

#[tokio::test]
async fn ratings_reopen_or_flag_and_staff_make_return_visits() {
    let w = World::new().await;
    let resident = w.actor("res", Role::Resident, w.grid).await;
    let grid = w.actor("grid", Role::GridWorker, w.grid).await;
    let admin = Actor::system();
    let id = w.report(&resident, "sanitation", "垃圾没人清").await.id;
    w.act(&grid, id, Action::Start).await.unwrap_err();
    w.act(
        &grid,
        id,
        assign(Party::Role(Role::GridWorker), grid.user_id),
    )
    .await
    .unwrap();
    w.act(&grid, id, Action::Start).await.unwrap();
    w.act(&grid, id, resolve("已处理")).await.unwrap();
    assert!(matches!(
        w.app.rate_request(&grid, id, 5, None).await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(
        field_refused(w.app.rate_request(&resident, id, 9, None).await),
        Some("rating")
    );
    let v = w
        .app
        .rate_request(&resident, id, 1, Some("还是很脏"))
        .await
        .unwrap();
    assert_eq!(v.status, Status::Reopened);
    assert_eq!(v.rating, None, "a reopened request waits for a new rating");

    // Under the flag policy a poor rating leaves it resolved and flagged.
    let policy = RequestPolicy {
        poor_rating: PoorRatingPolicy::Flag,
        ..RequestPolicy::default()
    };
    w.app.set_request_policy(&admin, policy).await.unwrap();
    w.act(&grid, id, Action::Start).await.unwrap();
    w.act(&grid, id, resolve("已处理")).await.unwrap();
    let v = w.app.rate_request(&resident, id, 2, None).await.unwrap();
    assert_eq!(
        (v.status, v.flagged, v.rating),
        (Status::Resolved, true, Some(2))
    );
    assert!(matches!(
        w.app.rate_request(&resident, id, 5, None).await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        w.app.clear_request_flag(&grid, id, "已回访").await,
        Err(AppError::Forbidden)
    ));

    // A request taken by phone needs a number, and owes a return visit.
    let mut phoned = w.input(Channel::StaffPhone, "noise", "楼上装修太吵");
    assert_eq!(
        field_refused(w.app.submit_request(&grid, phoned.clone()).await),
        Some("contact_phone")
    );
    phoned.on_behalf = Some(OnBehalf {
        contact_name: Some("张三".into()),
        contact_phone: Some("13812345678".into()),
        ..OnBehalf::default()
    });
    let pid = w.app.submit_request(&grid, phoned).await.unwrap().id;
    let v = w.app.request(&grid, pid).await.unwrap();
    assert_eq!(v.contact_phone.as_deref(), Some("138****5678"));
    assert_eq!(v.contact_name.as_deref(), Some("张*"));
    w.act(&grid, pid, Action::Accept).await.unwrap();
    w.act(&grid, pid, assign(Party::Role(Role::GridWorker), None))
        .await
        .unwrap();
    w.act(&grid, pid, Action::Start).await.unwrap();
    let v = w.act(&grid, pid, resolve("已处理")).await.unwrap();
    assert!(v.return_visit_pending);
    let visits = w.queue(&grid, QueueKind::ReturnVisits).await.unwrap();
    assert_eq!(visits.items.iter().map(|v| v.id).collect::<Vec<_>>(), [pid]);
    let v = w
        .app
        .record_return_visit(&grid, pid, 4, Some("满意"))
        .await
        .unwrap();
    assert_eq!((v.status, v.return_visit_pending), (Status::Closed, false));
    // Nothing personal reaches the audit log.
    let audit = w
        .app
        .audit_entries(&admin, AuditFilter::default(), 500)
        .await
        .unwrap();
    assert!(
        audit.iter().all(
            |e| !e.fields.details.contains("13812345678") && !e.fields.details.contains("张三")
        )
    );
}

#[tokio::test]
async fn duplicates_are_suggested_and_merged_with_both_timelines() {
    let w = World::new().await;
    let resident = w.actor("res", Role::Resident, w.grid).await;
    let neighbour = w.actor("neighbour", Role::Resident, w.grid).await;
    let staff = w.actor("staff", Role::CommunityStaff, w.community).await;
    let first = w
        .report(&resident, "repairs_lift", "3栋电梯坏了，困在里面")
        .await;
    let second = w.report(&neighbour, "repairs_lift", "3栋电梯坏了").await;
    assert_eq!(second.duplicates.first().map(|d| d.id), Some(first.id));
    let v = w
        .act(
            &staff,
            second.id,
            Action::MarkDuplicate { original: first.id },
        )
        .await
        .unwrap();
    assert_eq!(
        (v.status, v.duplicate_of),
        (Status::Duplicate, Some(first.id))
    );
    let tl = w.app.request_timeline(&staff, first.id).await.unwrap();
    assert!(
        tl.iter()
            .any(|e| e.kind == "duplicate_linked" && e.related_id == Some(second.id))
    );
    // Neither resident sees the other's request.
    assert!(matches!(
        w.app.request(&resident, second.id).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(
        field_refused(
            w.act(
                &staff,
                first.id,
                Action::MarkDuplicate { original: first.id }
            )
            .await
        ),
        Some("original")
    );
}

#[tokio::test]
async fn queues_and_an_escalation_job_that_runs_twice_safely() {
    let w = World::new().await;
    let resident = w.actor("res", Role::Resident, w.grid).await;
    let grid = w.actor("grid", Role::GridWorker, w.grid).await;
    let street = w.actor("street", Role::StreetAdmin, w.street).await;
    let other = w.actor("other", Role::CommunityStaff, w.neighbour).await;
    let a = w.report(&resident, "noise", "楼下广场舞太吵").await;
    let b = w.report(&resident, "repairs_lift", "电梯异响").await;

    let mine = w.queue(&grid, QueueKind::Mine).await.unwrap();
    assert_eq!(
        mine.items.iter().map(|v| v.id).collect::<Vec<_>>(),
        [a.id],
        "noise waits for the grid worker"
    );
    let scope = w.queue(&street, QueueKind::Scope).await.unwrap();
    // Earliest due first: the lift's response target is shortest.
    assert_eq!(
        scope.items.iter().map(|v| v.id).collect::<Vec<_>>(),
        [b.id, a.id]
    );
    assert!(
        w.queue(&other, QueueKind::Scope)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(
        w.queue(&resident, QueueKind::Scope).await,
        Err(AppError::Forbidden)
    ));
    let raised = w
        .app
        .request_queue(
            &resident,
            &QueueQuery {
                kind: QueueKind::Raised,
                page_size: 1,
                ..QueueQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((raised.items.len(), raised.more), (1, true));

    // Far in the future, both are past every step of the ladder. Two runs at once
    // take each step once.
    let later = a.deadlines.resolution_due_ms + 30 * 24 * 3600 * 1000;
    let (r1, r2) = tokio::join!(w.app.run_escalations(later), w.app.run_escalations(later));
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(r1.escalated + r2.escalated, 2);
    assert_eq!(w.app.run_escalations(later).await.unwrap().escalated, 0);
    let v = w.app.request(&street, a.id).await.unwrap();
    assert_eq!(v.escalation_level, "street_admin");
    let steps = w
        .app
        .request_timeline(&street, a.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "escalate")
        .count();
    assert_eq!(steps, 1);
    let overdue = w.queue(&street, QueueKind::Overdue).await.unwrap();
    assert!(overdue.items.is_empty(), "not overdue yet at the real now");
    // Notifications reach the notifier.
    assert!(w.app.deliver_request_notifications(100).await.unwrap() > 0);
    assert_eq!(w.app.deliver_request_notifications(100).await.unwrap(), 0);
    let _ = ActionKind::Accept;
}

/// Concurrent submissions share transactions (group commit), yet each gets its own id,
/// its own timeline line and audit entry, an invalid one is refused alone, and
/// the audit chain stays intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_intake_is_group_committed_one_audit_entry_each() {
    let w = World::new().await;
    let grid = w.actor("grid", Role::GridWorker, w.grid).await;
    let auditor = w.actor("aud", Role::Auditor, w.street).await;
    let before = w.app.verify_audit(&auditor).await.unwrap().checked;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let app = w.app.clone();
        let actor = grid.clone();
        let mut input = w.input(
            Channel::Patrol,
            "sanitation",
            &format!("第{n}号楼下垃圾堆积"),
        );
        if n % 10 == 7 {
            input.category = Some("no_such_category".into());
        }
        tasks.push(tokio::spawn(async move {
            app.submit_request(&actor, input).await
        }));
    }
    let mut ids = Vec::new();
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(s) => ids.push(s.id.0),
            Err(AppError::Invalid { field, .. }) => {
                assert_eq!(field, "category");
                refused += 1;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!((ids.len(), refused), (36, 4));
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 36);
    for id in &ids {
        let timeline = w.app.request_timeline(&grid, RequestId(*id)).await.unwrap();
        assert!(!timeline.is_empty());
    }
    let after = w.app.verify_audit(&auditor).await.unwrap();
    assert!(after.first_break.is_none());
    assert!(
        after.checked >= before + 36,
        "{} → {}",
        before,
        after.checked
    );
}

#[tokio::test]
async fn staff_correct_a_category_on_the_record_and_the_suggestion_learns_it() {
    let w = World::new().await;
    let resident = w.actor("res", Role::Resident, w.grid).await;
    let staff = w.actor("staff", Role::CommunityStaff, w.community).await;
    // Residents of this estate call the bike shed "小蓝棚"; three such reports were
    // filed under greenery, where they do not belong.
    let mut filed = Vec::new();
    for text in ["小蓝棚漏雨", "小蓝棚的灯不亮", "小蓝棚门锁坏了"] {
        filed.push(w.report(&resident, "greenery", text).await.id);
    }
    let first = w.app.request(&staff, filed[0]).await.unwrap();
    let suggested = async || {
        w.app
            .suggest_request_category(&resident, w.grid, "小蓝棚又出问题了")
            .await
            .unwrap()
            .choices
            .first()
            .map(|p| p.category.clone())
    };
    assert_eq!(suggested().await.as_deref(), Some("greenery"), "as filed");

    // Only those who handle requests here may correct it, into a listed category.
    assert!(matches!(
        w.app
            .recategorize_request(&resident, filed[0], None, "public_facilities", None)
            .await,
        Err(AppError::Forbidden | AppError::NotFound(_))
    ));
    for wrong in ["greenery", "no_such_category", ""] {
        assert_eq!(
            field_refused(
                w.app
                    .recategorize_request(&staff, filed[0], None, wrong, None)
                    .await
            ),
            Some("category"),
            "{wrong:?}"
        );
    }
    assert!(matches!(
        w.app
            .recategorize_request(
                &staff,
                filed[0],
                Some(first.version + 7),
                "public_facilities",
                None
            )
            .await,
        Err(AppError::Conflict(_))
    ));

    for id in &filed {
        let v = w
            .app
            .recategorize_request(
                &staff,
                *id,
                None,
                "public_facilities",
                Some("车棚属于公共设施"),
            )
            .await
            .unwrap();
        assert_eq!(v.category, "public_facilities");
    }
    let tl = w.app.request_timeline(&staff, filed[0]).await.unwrap();
    let step = tl
        .iter()
        .find(|e| e.kind == "recategorize")
        .expect("the correction on the timeline");
    assert_eq!(step.note.as_deref(), Some("车棚属于公共设施"));
    let audit = w
        .app
        .audit_entries(
            &Actor::system(),
            AuditFilter {
                target_type: Some("request".into()),
                target_id: Some(filed[0].0.to_string()),
                ..AuditFilter::default()
            },
            50,
        )
        .await
        .unwrap();
    let entry = audit
        .iter()
        .find(|e| e.fields.action == "request.recategorize")
        .expect("the correction audited");
    assert!(
        entry
            .fields
            .details
            .contains("\"previous_category\":\"greenery\"")
    );

    // The next suggestion for the estate's word follows the corrected history at
    // once (the community's classifier is retrained, not kept until it expires).
    assert_eq!(suggested().await.as_deref(), Some("public_facilities"));
}

#[tokio::test]
async fn a_call_entered_later_runs_its_clock_from_when_it_was_received() {
    let w = World::new().await;
    let resident = w.actor("res", Role::Resident, w.grid).await;
    let staff = w.actor("staff", Role::CommunityStaff, w.community).await;
    let now = civicgrid_store::now_ms();
    let day = 24 * 3600 * 1000;
    let call = |received_at: Option<i64>| NewRequest {
        on_behalf: Some(OnBehalf {
            contact_phone: Some("13800138000".into()),
            ..OnBehalf::default()
        }),
        received_at,
        ..w.input(Channel::StaffPhone, "noise", "楼下烧烤店夜里很吵")
    };
    // Ten days ago: the deadlines count from then, so it is overdue now, and the
    // audit log says when it was received.
    let received = now - 10 * day;
    let got = w
        .app
        .submit_request(&staff, call(Some(received)))
        .await
        .unwrap();
    let noise = default_catalogue()
        .into_iter()
        .find(|c| c.code == "noise")
        .unwrap();
    let expected =
        SlaPolicy::default().deadlines(&BusinessCalendar::default(), Targets::of(&noise), received);
    assert_eq!(got.deadlines, expected);
    let v = w.app.request(&staff, got.id).await.unwrap();
    assert_eq!(v.created_at, received);
    assert!(v.due_at.is_some_and(|d| d < now), "{v:?}");
    let overdue = w.queue(&staff, QueueKind::Overdue).await.unwrap();
    assert!(overdue.items.iter().any(|r| r.id == got.id));
    let entries = w
        .app
        .audit_entries(&Actor::system(), AuditFilter::default(), 10)
        .await
        .unwrap();
    let entry = entries
        .iter()
        .find(|e| e.fields.target_id == got.id.0.to_string())
        .expect("audited");
    assert!(
        entry
            .fields
            .details
            .contains(&format!("\"received_at\":{received}")),
        "{}",
        entry.fields.details
    );
    // Never in the future, never more than 30 days back, never for a resident's own.
    for bad in [now + day, now - 31 * day] {
        assert_eq!(
            field_refused(w.app.submit_request(&staff, call(Some(bad))).await),
            Some("received_at")
        );
    }
    let mut own = w.input(Channel::ResidentWeb, "noise", "楼下烧烤店夜里很吵");
    own.received_at = Some(received);
    assert_eq!(
        field_refused(w.app.submit_request(&resident, own).await),
        Some("received_at")
    );
}
