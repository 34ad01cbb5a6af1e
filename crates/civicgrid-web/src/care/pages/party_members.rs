//! Party members for community staff: the registrations (names masked), one member's
//! page with the moves staff may make, the year's pledges and their evidence and the
//! requests to link; the printable yearly summary per member and per party
//! organisation; and the badge wall (党员示范岗) residents see.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::care::party::{BadgeHolder, MemberView};
use civicgrid_app::domain::care::party::MemberStatus;
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::privacy::mask_name;
use civicgrid_app::domain::requests::{RequestId, public_number};
use civicgrid_app::platform::auth::SignedIn;
use serde::Deserialize;

use super::party::{PledgeText, YearQuery, YearText, pledge_text, year_text};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/care/party-members", list)
        .get("/care/party-members/{id}", page)
        .post("/care/party-members/{id}/status", move_to)
        .post("/care/party-members/{id}/requests", link_request)
        .get("/care/party/summary", summary)
        .get("/care/party/badges", badges)
}

struct Line {
    id: i64,
    name: String,
    grid: String,
    organisation: String,
    status: &'static str,
    status_label: String,
    badge: bool,
}

#[derive(Template)]
#[template(path = "care/party_members.html")]
struct ListPage {
    ctx: PageCtx,
    lines: Vec<Line>,
    status: String,
    statuses: Vec<(&'static str, String)>,
    pending: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    status: String,
}

async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let status = MemberStatus::parse(&q.status)
        .ok()
        .filter(|_| !q.status.is_empty());
    let found = st.app.party_members(&me.actor, status).await?;
    let lines = found
        .into_iter()
        .map(|l| Line {
            id: l.m.id,
            name: mask_name(&l.m.name),
            grid: l.grid_name,
            organisation: l.m.organisation,
            status: l.m.status.code(),
            status_label: ctx.tk("party-status-", l.m.status.code()),
            badge: l.m.public_badge,
        })
        .collect();
    Ok(render(&ListPage {
        statuses: MemberStatus::ALL
            .iter()
            .map(|s| (s.code(), ctx.tk("party-status-", s.code())))
            .collect(),
        pending: st.app.party_pending(&me.actor).await?,
        status: q.status,
        lines,
        ctx,
    }))
}

#[derive(Template)]
#[template(path = "care/party_member.html")]
struct DetailPage {
    ctx: PageCtx,
    v: MemberView,
    status_label: String,
    y: YearText,
    moves: Vec<(&'static str, String)>,
    /// (request id, "R-2026-000123 · what") of requests that may be linked.
    choices: Vec<(i64, String)>,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
}

impl DetailPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

fn detail_page(
    ctx: PageCtx,
    v: MemberView,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
) -> DetailPage {
    DetailPage {
        status_label: ctx.tk("party-status-", v.m.status.code()),
        y: year_text(&ctx, &v.record),
        moves: v
            .next_statuses
            .iter()
            .map(|s| (s.code(), ctx.tk("party-move-", s.code())))
            .collect(),
        choices: v
            .link_choices
            .iter()
            .map(|q| {
                let what: String = q.description.chars().take(30).collect();
                (
                    q.request_id,
                    format!(
                        "{} · {}",
                        public_number(RequestId(q.request_id), q.created_at, 480),
                        what
                    ),
                )
            })
            .collect(),
        f,
        notice,
        problems,
        ctx,
        v,
    }
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<YearQuery>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let v = st.app.party_member(&me.actor, id, q.year).await?;
    Ok(render(&detail_page(
        ctx,
        v,
        HashMap::new(),
        notice,
        Problems::none(),
    )))
}

/// Shows the page again with the objection to what was posted.
async fn again(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    f: HashMap<String, String>,
    e: AppError,
    conflict_field: &str,
) -> PageResult<Response> {
    let (status, problems) = problems_of(ctx.lang, e, conflict_field)?;
    let v = st.app.party_member(&me.actor, id, None).await?;
    Ok((status, render(&detail_page(ctx, v, f, None, problems))).into_response())
}

async fn move_to(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let result = async {
        let to = MemberStatus::parse(f.get("status").map_or("", String::as_str))
            .map_err(|_| AppError::invalid("status", "choose what to do"))?;
        st.app
            .move_party_member(&me.actor, id, to, f.get("reason").map(String::as_str))
            .await
    }
    .await;
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/care/party-members/{id}?done=party_moved")).into_response())
        }
        Err(e) => again(&st, ctx, &me, id, f, e, "status").await,
    }
}

async fn link_request(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let result = async {
        let request =
            crate::forms::form_id("request_id", f.get("request_id").map_or("", String::as_str))?;
        st.app.link_party_request(&me.actor, id, request).await
    }
    .await;
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/care/party-members/{id}?done=party_linked")).into_response(),
        ),
        Err(e) => again(&st, ctx, &me, id, f, e, "request_id").await,
    }
}

/// One member's line of the printed summary.
struct SummaryLine {
    member_id: i64,
    name: String,
    grid: String,
    pledges: Vec<PledgeText>,
    met: usize,
}

struct BranchText {
    organisation: String,
    members: Vec<SummaryLine>,
    pledged: usize,
    met: usize,
    members_all_met: usize,
}

#[derive(Template)]
#[template(path = "care/party_summary.html")]
struct SummaryPage {
    ctx: PageCtx,
    year: i32,
    years: Vec<i32>,
    branches: Vec<BranchText>,
    members: usize,
    pledged: usize,
    met: usize,
    issued: String,
}

async fn summary(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<YearQuery>,
) -> PageResult<Response> {
    let this_year = super::super::api::party::this_year();
    let year = q.year.unwrap_or(this_year);
    let s = st.app.party_summary(&me.actor, year).await?;
    let branches = s
        .branches
        .iter()
        .map(|b| BranchText {
            organisation: b.organisation.clone(),
            pledged: b.pledged,
            met: b.met,
            members_all_met: b.members_all_met,
            members: b
                .members
                .iter()
                .map(|m| SummaryLine {
                    member_id: m.member_id,
                    name: m.name.clone(),
                    grid: m.grid_name.clone(),
                    pledges: m.pledges.iter().map(|p| pledge_text(&ctx, p)).collect(),
                    met: m.met,
                })
                .collect(),
        })
        .collect();
    Ok(render(&SummaryPage {
        year,
        years: (this_year - 2..=this_year + 1).rev().collect(),
        branches,
        members: s.members,
        pledged: s.pledged,
        met: s.met,
        issued: format_time(civicgrid_app::now_ms())
            .chars()
            .take(10)
            .collect(),
        ctx,
    }))
}

#[derive(Template)]
#[template(path = "care/party_badges.html")]
struct BadgesPage {
    ctx: PageCtx,
    holders: Vec<BadgeHolder>,
    may_follow: bool,
}

async fn badges(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let holders = st.app.party_badges(&me.actor).await?;
    Ok(render(&BadgesPage {
        holders,
        may_follow: me.actor.can_somewhere(Permission::ViewParty),
        ctx,
    }))
}
