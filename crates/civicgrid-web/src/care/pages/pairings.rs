//! A pairing's page (`/care/pairings/{id}`): the resident, carers, schedule, visits
//! (notes hidden behind a traced link), open alerts; the forms for who manages care
//! there (schedule, reassign a carer who is away, end); and the form that pairs a
//! resident holding a care tag with carers (`/care/pairings/new?node=…`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::care::pairings::{NewPairing, PairingView};
use civicgrid_app::domain::care::pairings::AwayReason;
use civicgrid_app::domain::care::visits::Mode;
use civicgrid_app::platform::auth::SignedIn;
use serde::Deserialize;

use super::visits::{address, modes, outcomes, picked_id};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, form_id, problems_of};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

type Fields = HashMap<String, String>;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/care/pairings/new", new_form)
        .post("/care/pairings", create)
        .get("/care/pairings/{id}", page)
        .post("/care/pairings/{id}/schedule", schedule)
        .post("/care/pairings/{id}/reassign", reassign)
        .post("/care/pairings/{id}/end", end)
}

struct VisitRow {
    id: i64,
    when: String,
    mode: String,
    outcome: String,
    outcome_code: &'static str,
    carer: String,
    has_notes: bool,
    request_id: Option<i64>,
    photo_ids: Vec<i64>,
}

#[derive(Template)]
#[template(path = "care/pairing.html")]
pub(crate) struct PairingPage {
    ctx: PageCtx,
    notice: Option<String>,
    problems: Problems,
    f: Fields,
    id: i64,
    name: String,
    address: String,
    grid: String,
    grid_id: i64,
    ended: Option<String>,
    level: i64,
    cadence_days: i64,
    mode_label: String,
    overridden: bool,
    due: Option<String>,
    red: bool,
    carers: Vec<(i64, String)>,
    visits: Vec<VisitRow>,
    alerts: Vec<(String, String)>,
    may_manage: bool,
    may_log: bool,
    may_notes: bool,
    modes: Vec<(&'static str, String)>,
    outcomes: Vec<(&'static str, String)>,
    carer_choices: Vec<(i64, String)>,
    reasons: Vec<(&'static str, String)>,
    // The visit form shared with the list page: this pairing's card when the reader
    // is one of its carers.
    cards: Vec<super::visits::DueCard>,
    failed: i64,
    back: &'static str,
}

impl PairingPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

pub(crate) async fn pairing_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    v: PairingView,
    notice: Option<String>,
    problems: Problems,
    f: Fields,
) -> PageResult<PairingPage> {
    let p = &v.pairing;
    let carer_choices = if v.standing.manager {
        st.app
            .carer_choices(&me.actor, p.grid_id)
            .await?
            .into_iter()
            .map(|c| {
                (
                    c.user_id,
                    format!("{} · {}", c.display_name, ctx.tk("role-", c.role.as_str())),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let visits = v
        .visits
        .iter()
        .map(|x| VisitRow {
            id: x.id,
            when: ctx.time(&x.visited_at),
            mode: ctx.tk("care-mode-", x.mode.code()),
            outcome: ctx.tk("care-outcome-", x.outcome.code()),
            outcome_code: x.outcome.code(),
            carer: x.carer_name.clone(),
            has_notes: x.has_notes,
            request_id: x.request_id,
            photo_ids: x.photo_ids.clone(),
        })
        .collect();
    let alerts = v
        .alerts
        .iter()
        .filter_map(|a| {
            civicgrid_app::domain::care::alerts::AlertLevel::from_rank(a.level)
                .map(|l| (ctx.tk("care-alert-", l.code()), ctx.time(&a.due_at)))
        })
        .collect();
    let cards = if v.standing.carer && p.active {
        let due = p
            .next_due_at
            .map(|d| civicgrid_app::domain::care::visits::due_bucket(d, civicgrid_app::now_ms()));
        let due = due.unwrap_or(civicgrid_app::domain::care::visits::Due::Later);
        vec![super::visits::DueCard {
            id: p.id,
            name: v.resident_name.clone(),
            address: String::new(),
            due: due.code(),
            due_label: ctx.tk("care-due-", due.code()),
            when: p.next_due_at.map(|d| ctx.time(&d)).unwrap_or_default(),
            mode: p.mode.code(),
            mode_label: ctx.tk("care-mode-", p.mode.code()),
            alert_label: None,
            red: p.red,
            retry: p.retry_at.map(|r| ctx.time(&r)),
            last_visit: None,
            may_log: true,
        }]
    } else {
        Vec::new()
    };
    Ok(PairingPage {
        cards,
        notice,
        problems,
        f,
        id: p.id,
        name: v.resident_name.clone(),
        address: address(
            ctx.lang,
            v.building_name.as_deref(),
            v.unit_name.as_deref(),
            v.room_name.as_deref(),
        ),
        grid: crate::forms::node_name(ctx.lang, &v.grid).to_owned(),
        grid_id: v.grid.id,
        ended: p.ended_at.map(|e| ctx.time(&e)),
        level: p.level,
        cadence_days: p.cadence.as_days(),
        mode_label: ctx.tk("care-mode-", p.mode.code()),
        overridden: p.overridden,
        due: p.next_due_at.map(|d| ctx.time(&d)),
        red: p.red,
        carers: v.carers.clone(),
        visits,
        alerts,
        may_manage: v.standing.manager && p.active,
        may_log: v.standing.carer && p.active,
        may_notes: v.standing.notes,
        modes: modes(&ctx),
        outcomes: outcomes(&ctx),
        carer_choices,
        reasons: AwayReason::ALL
            .iter()
            .map(|r| (r.code(), ctx.tk("care-away-", r.code())))
            .collect(),
        failed: p.id,
        back: "pairing",
        ctx,
    })
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    let v = st.app.care_pairing(&me.actor, id).await?;
    let page = pairing_page(&st, ctx, &me, v, n, Problems::none(), Fields::new()).await?;
    Ok(render(&page))
}

async fn outcome<T>(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    result: Result<T, AppError>,
    f: Fields,
    done: &str,
) -> PageResult<Response> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/care/pairings/{id}?done={done}")).into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "pairing_id")?;
            let v = st.app.care_pairing(&me.actor, id).await?;
            let page = pairing_page(st, ctx, me, v, None, problems, f).await?;
            Ok((status, render(&page)).into_response())
        }
    }
}

fn get(f: &Fields, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

fn cadence_and_mode(f: &Fields) -> Result<(Option<i64>, Option<Mode>), AppError> {
    let cadence = match get(f, "cadence_days").trim() {
        "" => None,
        t => Some(t.parse::<i64>().map_err(|_| {
            AppError::invalid("cadence_days", "a whole number of days from 1 to 366")
        })?),
    };
    let mode = match get(f, "mode").trim() {
        "" => None,
        t => Some(Mode::parse(t).map_err(|e| AppError::invalid(e.field, e.message))?),
    };
    Ok((cadence, mode))
}

async fn schedule(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = match cadence_and_mode(&f) {
        Ok((c, m)) => st.app.set_pairing_schedule(&me.actor, id, c, m).await,
        Err(e) => Err(e),
    };
    outcome(&st, ctx, &me, id, result, f, "care_schedule_saved").await
}

async fn reassign(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let input = || -> Result<(i64, i64, AwayReason), AppError> {
        let away = picked_id("carer_id", f.get("carer_id"))?
            .ok_or_else(|| AppError::invalid("carer_id", "choose the carer who is away"))?;
        let by = picked_id("new_carer_id", f.get("new_carer_id"))?
            .ok_or_else(|| AppError::invalid("new_carer_id", "choose who takes over"))?;
        let reason = AwayReason::parse(&get(&f, "reason"))
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        Ok((away, by, reason))
    };
    let result = match input() {
        Ok((away, by, reason)) => st.app.reassign_carer(&me.actor, id, away, by, reason).await,
        Err(e) => Err(e),
    };
    outcome(&st, ctx, &me, id, result, f, "care_reassigned").await
}

async fn end(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = st
        .app
        .end_pairing(&me.actor, id, &get(&f, "end_reason"))
        .await;
    outcome(&st, ctx, &me, id, result, f, "care_pairing_ended").await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewQuery {
    node: String,
    q: String,
}

struct Candidate {
    id: i64,
    household_id: Option<i64>,
    label: String,
    paired: bool,
}

#[derive(Template)]
#[template(path = "care/pairing_new.html")]
struct NewPage {
    ctx: PageCtx,
    problems: Problems,
    f: Fields,
    node: i64,
    q: String,
    candidates: Vec<Candidate>,
    carers: Vec<(i64, String)>,
    chosen: Vec<i64>,
    modes: Vec<(&'static str, String)>,
}

impl NewPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

async fn new_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    node: i64,
    q: String,
    f: Fields,
    problems: Problems,
) -> PageResult<Response> {
    let candidates = st
        .app
        .care_candidates(&me.actor, node, &q)
        .await?
        .into_iter()
        .map(|c| Candidate {
            id: c.resident_id,
            household_id: c.household_id,
            label: format!(
                "{} · {}",
                c.name,
                address(
                    ctx.lang,
                    c.building_name.as_deref(),
                    c.unit_name.as_deref(),
                    c.room_name.as_deref()
                )
            ),
            paired: c.pairing_id.is_some(),
        })
        .collect();
    let carers = st
        .app
        .carer_choices(&me.actor, node)
        .await?
        .into_iter()
        .map(|c| {
            (
                c.user_id,
                format!("{} · {}", c.display_name, ctx.tk("role-", c.role.as_str())),
            )
        })
        .collect();
    let chosen = f
        .iter()
        .filter(|(k, v)| k.starts_with("carer_") && v.as_str() == "on")
        .filter_map(|(k, _)| k.trim_start_matches("carer_").parse().ok())
        .collect();
    let status = if problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        render(&NewPage {
            modes: modes(&ctx),
            ctx,
            problems,
            f,
            node,
            q,
            candidates,
            carers,
            chosen,
        }),
    )
        .into_response())
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<NewQuery>,
) -> PageResult<Response> {
    let node = match q.node.trim() {
        "" => match st.app.care_places(&me.actor).await?.last() {
            Some(n) => n.id,
            None => return Err(AppError::Forbidden.into()),
        },
        t => form_id("node", t)?,
    };
    new_page(&st, ctx, &me, node, q.q, Fields::new(), Problems::none()).await
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let node = form_id("node", &get(&f, "node"))?;
    let input = || -> Result<NewPairing, AppError> {
        let (cadence_days, mode) = cadence_and_mode(&f)?;
        let mut carers: Vec<i64> = f
            .iter()
            .filter(|(k, v)| k.starts_with("carer_") && v.as_str() == "on")
            .filter_map(|(k, _)| k.trim_start_matches("carer_").parse().ok())
            .collect();
        carers.sort_unstable();
        // The resident picked, and with "the whole household" their household.
        let household_id = if get(&f, "whole_household") == "on" {
            Some(
                picked_id(
                    "household_id",
                    f.get(&format!("household_of_{}", get(&f, "resident_id"))),
                )?
                .ok_or_else(|| {
                    AppError::invalid("household_id", "the resident lives in no household")
                })?,
            )
        } else {
            None
        };
        Ok(NewPairing {
            resident_id: Some(
                picked_id("resident_id", f.get("resident_id"))?
                    .ok_or_else(|| AppError::invalid("resident_id", "choose a resident"))?,
            ),
            household_id,
            carers,
            cadence_days,
            mode,
        })
    };
    let result = match input() {
        Ok(n) => st.app.pair_for_care(&me.actor, n).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => {
            Ok(Redirect::to(&format!("/care/pairings/{}?done=care_paired", p.id)).into_response())
        }
        Err(e) => {
            let (_, problems) = problems_of(ctx.lang, e, "resident_id")?;
            let q = get(&f, "q");
            new_page(&st, ctx, &me, node, q, f, problems).await
        }
    }
}
