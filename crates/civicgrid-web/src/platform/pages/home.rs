//! The home page: each signed-in role lands on what it works on (a resident on their
//! requests, staff on what waits, a street on its communities, a grid worker on today's
//! tasks and their grid, an administrator on the accounts and units they manage, an
//! auditor on what the logs recorded lately), or an invitation to sign in.

use askama::Template;
use axum::response::Response;
use civicgrid_app::domain::platform::access::{Permission, Role};
use civicgrid_app::platform::audit::AuditFilter;
use civicgrid_app::platform::menu::may_reach;
use civicgrid_app::platform::overview::RECENT_DAYS;
use civicgrid_app::requests::overview::{CommunityLine, RESULT_DAYS, WorkCounts};
use civicgrid_app::requests::reading::{QueueKind, QueueQuery};

use crate::error::PageResult;
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::requests::pages::{CategoryNames, Line, line, org_names, utc_offset};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/", home)
}

/// The grid worker's grid: where its room board is, and who lives there.
struct GridCard {
    id: i64,
    name: String,
    households: i64,
    residents: i64,
    care_households: i64,
}

/// A count that opens its page.
struct Figure {
    href: &'static str,
    key: &'static str,
    count: i64,
    /// Wants a look (switched-off accounts).
    warn: bool,
}

/// An audit entry in words: when, who, what.
struct RecentEntry {
    at_ms: i64,
    actor: String,
    action: String,
}

/// How many audit entries the home page lists.
const RECENT_ENTRIES: i64 = 5;

/// A community's line in the reader's language.
struct CommunityRow {
    name: String,
    line: CommunityLine,
}

#[derive(Template)]
#[template(path = "platform/home.html")]
struct HomePage {
    ctx: PageCtx,
    /// The resident's own open requests (None: not a resident).
    my_open: Option<Vec<Line>>,
    /// What waits in the reader's places (community staff).
    work: Option<WorkCounts>,
    /// Each community of the street (street admins).
    communities: Option<Vec<CommunityRow>>,
    result_days: i64,
    /// Today's tasks: open requests taken by the reader or waiting for their role.
    tasks: Option<Vec<Line>>,
    grid: Option<GridCard>,
    /// The responder organisations' open requests (responders).
    org_open: Option<Vec<Line>>,
    org_more: bool,
    may_intake: bool,
    /// Accounts, units and the logs' counts (administrators and auditors).
    oversight: Option<Vec<Figure>>,
    recent_days: i64,
    /// The newest audit entries (who may read the audit log).
    recent: Option<Vec<RecentEntry>>,
    may_view_data_access: bool,
    /// Votes open now that the reader follows or may cast a ballot in.
    votes: Option<Vec<crate::participation::pages::VoteLine>>,
    /// Commitments being delivered that the reader follows or delivers (落实事项).
    commitments: Option<Vec<crate::participation::pages::CommitmentCard>>,
    /// Visits due for a carer: (overdue, today, this week), with the first cards.
    care_visits: Option<(
        (usize, usize, usize),
        Vec<crate::care::pages::visits::DueCard>,
    )>,
    /// Notices: unread ones addressed to the reader, and important ones with
    /// households still to tell (those who follow coverage).
    notices: Option<NoticeCard>,
    /// Proposals collecting support or waiting for the council, in the reader's
    /// community (residents) or places (staff).
    proposals: Option<Vec<crate::participation::pages::proposals::ProposalCard>>,
    /// Volunteering: the reader's own (residents, volunteers) and the registry's
    /// (staff who follow volunteers).
    volunteering: Option<crate::care::pages::hours::VolunteerCard>,
    /// Party registration: the reader's own (a registered member) and the
    /// registrations waiting (staff who keep them).
    party: Option<crate::care::pages::party::PartyCard>,
    /// Emergencies running where the reader has a place, with the duty roster.
    emergencies: Vec<civicgrid_app::emergency::modes::RunningEmergency>,
    /// Households the reader still has to check, per open campaign: (title, count).
    welfare_checks: Vec<(String, usize)>,
    /// Campaigns whose unchecked households have climbed to the reader, shown on the
    /// card of their emergency.
    climbs: Vec<crate::emergency::pages::checks::ClimbText>,
    /// Emergency materials: warnings and waiting requests (who follows depots), or
    /// the deliveries to make (a deliverer).
    materials: Option<crate::emergency::pages::materials::MaterialsCard>,
}

/// The notices card of a home page.
struct NoticeCard {
    /// (id, title) of unread notices addressed to the reader.
    unread: Vec<(i64, String)>,
    /// (id, title, unread households) of important notices past their deadline.
    follow_ups: Vec<(i64, String, i64)>,
    may_write: bool,
}

async fn home(
    axum::extract::State(st): axum::extract::State<AppState>,
    ctx: PageCtx,
) -> PageResult<Response> {
    let mut page = HomePage {
        ctx: ctx.clone(),
        my_open: None,
        work: None,
        communities: None,
        result_days: RESULT_DAYS,
        tasks: None,
        grid: None,
        org_open: None,
        org_more: false,
        may_intake: false,
        oversight: None,
        recent_days: RECENT_DAYS,
        recent: None,
        may_view_data_access: false,
        votes: None,
        commitments: None,
        care_visits: None,
        notices: None,
        proposals: None,
        volunteering: None,
        party: None,
        emergencies: Vec::new(),
        welfare_checks: Vec::new(),
        climbs: Vec::new(),
        materials: None,
    };
    let Some(u) = &ctx.user else {
        return Ok(render(&page));
    };
    let actor = &u.actor;
    let roles = actor.roles();
    let has = |r: Role| roles.contains(&r);
    page.may_intake = may_reach(actor, Permission::HandleRequests);
    let wants_lines = has(Role::Resident) || has(Role::GridWorker) || has(Role::Responder);
    let lines_of = |items: &[civicgrid_app::requests::RequestView],
                    names: &CategoryNames,
                    orgs: &std::collections::HashMap<i64, String>,
                    offset: i32| {
        let now = civicgrid_app::now_ms();
        items
            .iter()
            .map(|v| line(&ctx, v, names, orgs, offset, now))
            .collect::<Vec<Line>>()
    };
    let (names, orgs, offset) = if wants_lines {
        (
            CategoryNames::new(ctx.lang, &st.app.request_categories().await?),
            org_names(&st, &ctx).await,
            utc_offset(&st).await?,
        )
    } else {
        (CategoryNames::new(ctx.lang, &[]), Default::default(), 0)
    };
    let queue = |kind: QueueKind, page_size: u32| QueueQuery {
        kind,
        page_size,
        ..QueueQuery::default()
    };
    if has(Role::Resident) {
        let mine = st
            .app
            .request_queue(actor, &queue(QueueKind::Raised, 50))
            .await?;
        let open: Vec<_> = mine
            .items
            .into_iter()
            .filter(|v| v.status.is_open() || v.may_rate)
            .collect();
        page.my_open = Some(lines_of(&open, &names, &orgs, offset));
    }
    if has(Role::CommunityStaff) {
        page.work = Some(st.app.work_counts(actor).await?);
    }
    if has(Role::StreetAdmin) {
        let lines = st.app.community_overview(actor).await?;
        page.communities = Some(
            lines
                .into_iter()
                .map(|l| CommunityRow {
                    name: match ctx.lang {
                        Lang::ZhCn => l.name_zh.clone(),
                        Lang::En => l.name_en.clone(),
                    },
                    line: l,
                })
                .collect(),
        );
    }
    if has(Role::GridWorker) {
        let tasks = st
            .app
            .request_queue(actor, &queue(QueueKind::Mine, 20))
            .await?;
        page.tasks = Some(lines_of(&tasks.items, &names, &orgs, offset));
        let grid_id = actor
            .assignments
            .iter()
            .find(|a| a.role == Role::GridWorker)
            .map(|a| a.node_id);
        if let Some(id) = grid_id {
            // A grid worker bound to a community has no single grid to show.
            if let Ok(board) = st.app.ledger_board(actor, id).await {
                let care_households = board
                    .buildings
                    .iter()
                    .flat_map(|b| &b.units)
                    .flat_map(|u| &u.rooms)
                    .flat_map(|r| &r.households)
                    .filter(|h| h.care)
                    .count();
                page.grid = Some(GridCard {
                    id: board.grid.id,
                    name: match ctx.lang {
                        Lang::ZhCn => board.grid.name_zh.clone(),
                        Lang::En => board.grid.name_en.clone(),
                    },
                    households: board.households,
                    residents: board.residents,
                    care_households: i64::try_from(care_households).unwrap_or(i64::MAX),
                });
            }
        }
    }
    if has(Role::Responder) {
        let list = st
            .app
            .request_queue(actor, &queue(QueueKind::MyOrgs, 10))
            .await?;
        page.org_more = list.more;
        page.org_open = Some(lines_of(&list.items, &names, &orgs, offset));
    }
    if has(Role::SystemAdmin) || has(Role::Auditor) {
        oversee(&st, &ctx, &mut page).await?;
    }
    let open: Vec<_> = st
        .app
        .votes(actor)
        .await?
        .iter()
        .filter(|v| v.state.code() == "open" && v.closes_at > civicgrid_app::now_ms())
        .take(5)
        .map(|v| crate::participation::pages::vote_line(&ctx, v))
        .collect();
    if !open.is_empty() || has(Role::OwnersCommittee) {
        page.votes = Some(open);
    }
    let live: Vec<_> = st
        .app
        .commitment_cards(actor)
        .await?
        .iter()
        .filter(|c| c.c.state.is_live())
        .take(5)
        .map(|c| crate::participation::pages::commitment_card(&ctx, c))
        .collect();
    if !live.is_empty() {
        page.commitments = Some(live);
    }
    // A carer sees the visits due; anyone else with none due sees nothing.
    let due = st.app.my_care_visits(actor).await?;
    if !due.items.is_empty() {
        use civicgrid_app::domain::care::visits::Due;
        let counts = (
            due.count(Due::Overdue),
            due.count(Due::Today),
            due.count(Due::ThisWeek),
        );
        let mut cards = crate::care::pages::visits::cards(&ctx, &due);
        cards.truncate(5);
        page.care_visits = Some((counts, cards));
    }
    page.notices = Some(notice_card(&st, &ctx, actor).await?);
    if has(Role::Resident) || may_reach(actor, Permission::ViewParticipation) {
        let live: Vec<_> = st
            .app
            .proposals(actor)
            .await?
            .iter()
            .filter(|l| l.state.may_advance() && !l.lapsed)
            .take(5)
            .map(|l| crate::participation::pages::proposals::card(&ctx, l))
            .collect();
        page.proposals = Some(live);
    }
    page.volunteering = crate::care::pages::hours::home_card(&st, &ctx, actor).await?;
    page.party = crate::care::pages::party::home_card(&st, &ctx, actor).await?;
    page.emergencies = st.app.running_emergencies(actor).await?;
    page.welfare_checks = st
        .app
        .my_welfare_checks(actor)
        .await?
        .into_iter()
        .filter(|l| !l.to_check.is_empty())
        .map(|l| (l.c.title, l.to_check.len()))
        .collect();
    if !page.emergencies.is_empty() {
        page.climbs = crate::emergency::pages::checks::climbs(&st, &ctx, actor).await?;
    }
    page.materials = crate::emergency::pages::materials::home_card(&st, &ctx, actor).await?;
    Ok(render(&page))
}

/// The administrator's and auditor's part: what they manage and what the logs
/// recorded lately, each count linking to its page.
/// The reader's unread notices (up to five) and the follow-ups due in their places.
async fn notice_card(
    st: &AppState,
    ctx: &PageCtx,
    actor: &civicgrid_app::domain::platform::access::Actor,
) -> PageResult<NoticeCard> {
    let english = ctx.lang == Lang::En;
    let unread = st
        .app
        .my_notices(actor)
        .await?
        .iter()
        .filter(|l| l.read_at.is_none())
        .take(5)
        .map(|l| (l.id, l.title(english).to_owned()))
        .collect();
    let follow_ups = st
        .app
        .due_notice_follow_ups(actor)
        .await?
        .into_iter()
        .map(|d| {
            let (mine, other) = if english {
                (d.title_en, d.title_zh)
            } else {
                (d.title_zh, d.title_en)
            };
            (d.notice_id, mine.or(other).unwrap_or_default(), d.unread)
        })
        .collect();
    Ok(NoticeCard {
        unread,
        follow_ups,
        may_write: may_reach(actor, Permission::ManageParticipation),
    })
}

async fn oversee(st: &AppState, ctx: &PageCtx, page: &mut HomePage) -> PageResult<()> {
    let Some(u) = &ctx.user else {
        return Ok(());
    };
    let actor = &u.actor;
    let o = st.app.oversight(actor).await?;
    let figures = [
        (o.accounts, "/users", "home-accounts", false),
        (
            o.inactive_accounts,
            "/users",
            "home-inactive-accounts",
            true,
        ),
        (o.org_units, "/org", "home-org-units", false),
        (o.audit_entries, "/audit", "home-audit-entries", false),
        (o.data_views, "/audit/views", "home-data-views", false),
    ];
    page.oversight = Some(
        figures
            .into_iter()
            .filter_map(|(count, href, key, warn)| {
                count.map(|count| Figure {
                    href,
                    key,
                    count,
                    warn: warn && count > 0,
                })
            })
            .collect(),
    );
    if o.audit_entries.is_some() {
        page.may_view_data_access = true;
        let entries = st
            .app
            .audit_entries(actor, AuditFilter::default(), RECENT_ENTRIES)
            .await?;
        page.recent = Some(
            entries
                .into_iter()
                .map(|e| RecentEntry {
                    at_ms: e.fields.at_ms,
                    action: super::audit::label(ctx.lang, "action-", &e.fields.action),
                    actor: super::audit::actor_name(ctx.lang, e.fields.actor_label),
                })
                .collect(),
        );
    }
    Ok(())
}
