//! The residents' council's meetings (`/participation/meetings`): the list with a form
//! to plan one from the proposals waiting for the council, and a meeting's page with its
//! agenda, where staff add items and record attendees, minutes and outcomes.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::deliberation::{ItemOutcome, MeetingPlan};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::participation::deliberation::{Meeting, MeetingView, NewMeetingInput, Outcomes};
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::platform::menu::may_reach;

use super::id_of;
use super::proposals::{ProposalCard, card};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{
    DoneNotice, NodeChoice, Problems, form_id, node_choices, optional, problems_of,
};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/participation/meetings", list)
        .post("/participation/meetings", plan)
        .get("/participation/meetings/{id}", show)
        .post("/participation/meetings/{id}/items", add_item)
        .post("/participation/meetings/{id}/record", record)
}

/// A meeting on the list, in words.
struct MeetingLine {
    id: i64,
    title: String,
    held_at: String,
    place: String,
    state: String,
    state_label: String,
}

fn meeting_line(ctx: &PageCtx, m: &Meeting) -> MeetingLine {
    MeetingLine {
        id: m.id,
        title: m.title.clone(),
        held_at: format_time(m.held_at),
        place: m.place.clone(),
        state_label: ctx.tk("meeting-state-", &m.state),
        state: m.state.clone(),
    }
}

/// A community a manager may plan for, with the proposals waiting there.
struct PlanChoice {
    community: NodeChoice,
    waiting: Vec<ProposalCard>,
}

#[derive(Template)]
#[template(path = "participation/meetings.html")]
struct ListPage {
    ctx: PageCtx,
    meetings: Vec<MeetingLine>,
    plans: Vec<PlanChoice>,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
}

impl ListPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

async fn list_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let meetings = st
        .app
        .meetings(&me.actor)
        .await?
        .iter()
        .map(|m| meeting_line(&ctx, m))
        .collect();
    let managed = if may_reach(&me.actor, Permission::ManageParticipation) {
        st.app
            .nodes_for(&me.actor, Permission::ManageParticipation)
            .await?
    } else {
        Vec::new()
    };
    let communities: Vec<_> = managed
        .into_iter()
        .filter(|n| n.kind == NodeKind::Community)
        .collect();
    let mut plans = Vec::new();
    for c in node_choices(ctx.lang, &communities) {
        let waiting = st
            .app
            .proposals_awaiting_council(&me.actor, c.id)
            .await?
            .iter()
            .map(|l| card(&ctx, l))
            .collect();
        plans.push(PlanChoice {
            community: c,
            waiting,
        });
    }
    Ok(render(&ListPage {
        ctx,
        meetings,
        plans,
        f,
        notice,
        problems,
    }))
}

async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    list_page(&st, ctx, &me, HashMap::new(), n, Problems::none()).await
}

/// The ids of the proposals ticked on a form (`p<id>` = on).
fn ticked(f: &HashMap<String, String>, prefix: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = f
        .keys()
        .filter_map(|k| k.strip_prefix(prefix))
        .filter_map(|id| id.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

async fn plan(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let result = async {
        let community_id = form_id("community_id", get("community_id"))?;
        let held_at =
            super::local_time_ms(get("held_at"), "held_at", "choose when the council meets")?;
        let prefix = format!("c{community_id}p");
        st.app
            .plan_meeting(
                &me.actor,
                NewMeetingInput {
                    community_id,
                    plan: MeetingPlan {
                        title: get("title").to_owned(),
                        held_at,
                        place: get("place").to_owned(),
                    },
                    proposal_ids: ticked(&f, &prefix),
                    matters: get("matters").lines().map(str::to_owned).collect(),
                },
            )
            .await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!(
            "/participation/meetings/{id}?done=meeting_planned"
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "title")?;
            let page = list_page(&st, ctx, &me, f, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

/// An agenda item on the page.
struct ItemLine {
    id: i64,
    position: i64,
    title: String,
    proposal: Option<ProposalCard>,
    outcome: Option<String>,
    outcome_code: &'static str,
    note: String,
}

#[derive(Template)]
#[template(path = "participation/meeting.html")]
struct DetailPage {
    ctx: PageCtx,
    m: MeetingLine,
    community: String,
    attendees: Vec<String>,
    minutes: String,
    items: Vec<ItemLine>,
    awaiting: Vec<ProposalCard>,
    may_manage: bool,
    outcomes: Vec<&'static str>,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
}

impl DetailPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }

    fn chosen(&self, item: &i64, outcome: &str) -> bool {
        self.f
            .get(&format!("o{item}"))
            .is_some_and(|o| o == outcome)
    }
}

async fn detail(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let v: MeetingView = st.app.meeting(&me.actor, id).await?;
    let items = v
        .items
        .iter()
        .map(|i| ItemLine {
            id: i.item.id,
            position: i.item.position,
            title: i.item.title.clone(),
            proposal: i.proposal.as_ref().map(|l| card(&ctx, l)),
            outcome: i.outcome.map(|o| ctx.tk("item-outcome-", o.code())),
            outcome_code: i.outcome.map_or("", ItemOutcome::code),
            note: i.item.outcome_note.clone(),
        })
        .collect();
    let awaiting = v.awaiting.iter().map(|l| card(&ctx, l)).collect();
    Ok(render(&DetailPage {
        m: meeting_line(&ctx, &v.meeting),
        community: v.community_name.clone(),
        attendees: v
            .meeting
            .attendee_names()
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        minutes: v.meeting.minutes.clone(),
        items,
        awaiting,
        may_manage: v.may_manage,
        outcomes: ItemOutcome::ALL.iter().map(|o| o.code()).collect(),
        ctx,
        f,
        notice,
        problems,
    }))
}

async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    detail(
        &st,
        ctx,
        &me,
        id_of(&raw)?,
        HashMap::new(),
        n,
        Problems::none(),
    )
    .await
}

async fn add_item(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let id = id_of(&raw)?;
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let result = async {
        let proposal = match optional(get("proposal_id")) {
            Some(raw) => Some(form_id("items", raw)?),
            None => None,
        };
        if proposal.is_none() && optional(get("title")).is_none() {
            return Err(AppError::invalid(
                "items",
                "choose a waiting proposal or name a matter",
            ));
        }
        st.app
            .add_meeting_item(&me.actor, id, proposal, get("title"))
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/participation/meetings/{id}?done=item_added")).into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "items")?;
            let page = detail(&st, ctx, &me, id, f, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

async fn record(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let id = id_of(&raw)?;
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let items = ticked_items(&f);
    let outcomes = Outcomes {
        attendees: get("attendees").to_owned(),
        minutes: get("minutes").to_owned(),
        items: items
            .into_iter()
            .map(|item| {
                let outcome = ItemOutcome::parse(get(&format!("o{item}"))).ok();
                (item, outcome, get(&format!("n{item}")).to_owned())
            })
            .collect(),
    };
    match st.app.record_meeting(&me.actor, id, outcomes).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/participation/meetings/{id}?done=meeting_recorded"
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "minutes")?;
            let page = detail(&st, ctx, &me, id, f, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

/// The agenda items named on the record form (`i<id>` hidden fields).
fn ticked_items(f: &HashMap<String, String>) -> Vec<i64> {
    let mut ids: Vec<i64> = f
        .keys()
        .filter_map(|k| k.strip_prefix('i'))
        .filter_map(|id| id.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}
