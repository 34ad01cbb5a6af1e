//! Welfare checks (逐户排查) on pages: staff start a campaign from the situation page;
//! `/emergency/campaigns/{id}` is its live board (progress per building, the countdown,
//! who it has climbed to, households needing help) where a slow building is handed to
//! someone else in one action; `/emergency/checks` is a checker's phone page — their
//! households in walking order, each checked with one small form that carries a key,
//! so a retry after a lost answer is recorded once.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::checks::{Need, Outcome};
use civicgrid_app::emergency::checks::{CampaignBoard, NewCampaign, NewCheck};
use civicgrid_app::platform::auth::SignedIn;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.post("/emergency/{id}/campaigns", start)
        .get("/emergency/campaigns/{id}", board)
        .post("/emergency/campaigns/{id}/reassign", reassign)
        .post("/emergency/campaigns/{id}/checks", check)
        .get("/emergency/checks", mine)
}

async fn start(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let ticked = |prefix: &str| -> Vec<String> {
        f.iter()
            .filter(|(k, v)| k.starts_with(prefix) && !v.is_empty())
            .map(|(k, _)| k[prefix.len()..].to_owned())
            .collect()
    };
    let result = async {
        let node_id = crate::forms::form_id("campaign_node", get("campaign_node"))?;
        let hours = get("hours")
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid("campaign_hours", "give the hours, e.g. 6"))?;
        let checkers = ticked("checker_")
            .iter()
            .map(|c| crate::forms::form_id("checkers", c))
            .collect::<Result<Vec<_>, _>>()?;
        st.app
            .start_welfare_campaign(
                &me.actor,
                &NewCampaign {
                    activation_id: id,
                    node_id,
                    tags: ticked("ctag_"),
                    hours,
                    checkers,
                },
            )
            .await
    }
    .await;
    match result {
        Ok((c, _)) => Ok(Redirect::to(&format!(
            "/emergency/campaigns/{}?done=campaign_started",
            c.id
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "campaign_node")?;
            let page = super::modes::situation_again(&st, ctx, &me, id, f, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

struct BuildingLine {
    id: i64,
    name: String,
    checker: String,
    total: i64,
    checked: i64,
    percent: i64,
    needing_help: i64,
    unreached: i64,
}

#[derive(Template)]
#[template(path = "emergency/campaign.html")]
struct BoardPage {
    ctx: PageCtx,
    b: CampaignBoard,
    lines: Vec<BuildingLine>,
    percent: i64,
    deadline: String,
    /// Minutes left (negative: past the deadline).
    minutes_left: i64,
    climbed_label: String,
    notice: Option<String>,
    problems: Problems,
}

async fn board_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<BoardPage> {
    let b = st.app.welfare_board(&me.actor, id).await?;
    let pct = |done: i64, all: i64| if all > 0 { done * 100 / all } else { 0 };
    Ok(BoardPage {
        lines: b
            .buildings
            .iter()
            .map(|l| BuildingLine {
                id: l.p.building_id,
                name: format!("{} · {}", l.grid_name, l.p.building),
                checker: l.checker_name.clone(),
                total: l.p.total,
                checked: l.p.checked,
                percent: pct(l.p.checked, l.p.total),
                needing_help: l.p.needing_help,
                unreached: l.p.unreached,
            })
            .collect(),
        percent: pct(b.checked, b.total),
        deadline: format_time(b.c.deadline_at),
        minutes_left: (b.c.deadline_at - civicgrid_app::now_ms()) / 60_000,
        climbed_label: ctx.tk("check-climbed-", b.climbed_to.code()),
        notice,
        problems,
        ctx,
        b,
    })
}

async fn board(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    Ok(render(
        &board_page(&st, ctx, &me, id, notice, Problems::none()).await?,
    ))
}

async fn reassign(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let result = async {
        let building = crate::forms::form_id("building_id", get("building_id"))?;
        let checker = crate::forms::form_id("checker_id", get("checker_id"))?;
        st.app
            .reassign_welfare_building(&me.actor, id, building, checker)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/emergency/campaigns/{id}?done=building_reassigned"
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "checker_id")?;
            let p = board_page(&st, ctx, &me, id, None, problems).await?;
            Ok((status, render(&p)).into_response())
        }
    }
}

/// The check a form posted.
fn posted_check(f: &HashMap<String, String>) -> Result<NewCheck, AppError> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    Ok(NewCheck {
        household_id: crate::forms::form_id("household_id", get("household_id"))?,
        outcome: Outcome::parse(get("outcome"))
            .map_err(|_| AppError::invalid("check_outcome", "choose what you found"))?,
        needs: Need::ALL
            .iter()
            .copied()
            .filter(|n| !get(&format!("need_{}", n.code())).is_empty())
            .collect(),
        note: get("check_note").to_owned(),
        client_key: get("client_key").to_owned(),
    })
}

async fn check(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let result = async {
        let c = posted_check(&f)?;
        st.app.record_welfare_check(&me.actor, id, &c).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/emergency/checks?done=check_recorded").into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "check_outcome")?;
            let p = my_page(&st, ctx, &me, None, problems).await?;
            Ok((status, render(&p)).into_response())
        }
    }
}

/// A household of a checker's list, as its card shows it.
struct HouseholdCard {
    household_id: i64,
    address: String,
    /// What the last attempt found (not reached, not at home), or what was recorded.
    last: String,
    attempts: i64,
    key: String,
}

struct ListText {
    campaign_id: i64,
    title: String,
    community: String,
    deadline: String,
    to_check: Vec<HouseholdCard>,
    done: Vec<HouseholdCard>,
}

#[derive(Template)]
#[template(path = "emergency/checks.html")]
struct MyPage {
    ctx: PageCtx,
    lists: Vec<ListText>,
    outcomes: Vec<(&'static str, String)>,
    needs: Vec<(&'static str, String)>,
    notice: Option<String>,
    problems: Problems,
}

async fn my_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<MyPage> {
    let lists = st.app.my_welfare_checks(&me.actor).await?;
    let card = |t: &civicgrid_app::emergency::checks::TargetRecord| HouseholdCard {
        household_id: t.household_id,
        address: crate::ledger::pages::address(ctx.lang, &t.building, &t.unit, &t.room),
        last: t
            .outcome
            .map(|o| ctx.tk("check-outcome-", o.code()))
            .unwrap_or_default(),
        attempts: t.attempts,
        key: uuid::Uuid::new_v4().simple().to_string(),
    };
    Ok(MyPage {
        lists: lists
            .iter()
            .map(|l| ListText {
                campaign_id: l.c.id,
                title: l.c.title.clone(),
                community: l.community_name.clone(),
                deadline: format_time(l.c.deadline_at),
                to_check: l.to_check.iter().map(card).collect(),
                done: l.done.iter().map(card).collect(),
            })
            .collect(),
        outcomes: Outcome::ALL
            .iter()
            .map(|o| (o.code(), ctx.tk("check-outcome-", o.code())))
            .collect(),
        needs: Need::ALL
            .iter()
            .map(|n| (n.code(), ctx.tk("check-need-", n.code())))
            .collect(),
        notice,
        problems,
        ctx,
    })
}

async fn mine(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    Ok(render(
        &my_page(&st, ctx, &me, notice, Problems::none()).await?,
    ))
}
