//! Volunteer activities: the list (what staff follow, and what a verified volunteer
//! may join), publishing one with its shifts, and an activity's page — a volunteer
//! signs up or withdraws there; staff see each shift's roster, assign volunteers and
//! confirm attendance with hours.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::care::activities::{ActivityLine, ActivityView, NewActivity};
use civicgrid_app::domain::care::activities::{ActivitySpec, ShiftSpec, parse_date, parse_time};
use civicgrid_app::domain::care::hours::format_hours;
use civicgrid_app::domain::care::volunteers::Skill;
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::domain::privacy::mask_name;
use civicgrid_app::platform::auth::SignedIn;

use super::volunteers::{Tick, skill_words};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, NodeChoice, Problems, node_choices, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/care/activities", list)
        .get("/care/activities/new", new_form)
        .post("/care/activities", create)
        .get("/care/activities/{id}", page)
        .post("/care/activities/{id}/cancel", cancel)
        .post("/care/activities/{id}/shifts/{shift_id}/signup", sign_up)
        .post("/care/activities/{id}/shifts/{shift_id}/withdraw", withdraw)
        .post("/care/activities/{id}/shifts/{shift_id}/assign", assign)
        .post(
            "/care/activities/{id}/shifts/{shift_id}/attendance",
            attendance,
        )
}

const OFFSET_MS: i64 = 8 * 3_600_000;

/// A shift's day and times in the community's time: `2026-12-12 09:00–11:30`.
pub(crate) fn when(starts_at: i64, ends_at: i64) -> String {
    let local =
        |ms: i64| chrono::DateTime::from_timestamp_millis(ms + OFFSET_MS).unwrap_or_default();
    format!(
        "{}–{}",
        local(starts_at).format("%Y-%m-%d %H:%M"),
        local(ends_at).format("%H:%M")
    )
}

struct Item {
    id: i64,
    title: String,
    place: String,
    node: String,
    first: String,
    state: &'static str,
    state_label: String,
    slots: String,
}

fn items(ctx: &PageCtx, lines: Vec<ActivityLine>) -> Vec<Item> {
    lines
        .into_iter()
        .map(|l| Item {
            id: l.a.id,
            first: l
                .first_start
                .map(|s| when(s, s).split('–').next().unwrap_or_default().to_owned())
                .unwrap_or_default(),
            state: l.a.state.code(),
            state_label: ctx.tk("activity-state-", l.a.state.code()),
            slots: format!("{}/{}", l.taken, l.slots),
            title: l.a.title,
            place: l.a.place,
            node: l.place_name,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "care/activities.html")]
struct ListPage {
    ctx: PageCtx,
    managed: Option<Vec<Item>>,
    open: Option<Vec<Item>>,
    own_status: Option<(&'static str, String)>,
    may_create: bool,
    notice: Option<String>,
}

async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let l = st.app.activities(&me.actor).await?;
    Ok(render(&ListPage {
        managed: l.managed.map(|v| items(&ctx, v)),
        open: l.open.map(|v| items(&ctx, v)),
        own_status: l
            .own_status
            .map(|s| (s.code(), ctx.tk("volunteer-status-", s.code()))),
        may_create: l.may_create,
        notice,
        ctx,
    }))
}

/// How many shift rows the new form offers.
const SHIFT_ROWS: [usize; 3] = [1, 2, 3];

#[derive(Template)]
#[template(path = "care/activity_new.html")]
struct NewPage {
    ctx: PageCtx,
    f: HashMap<String, String>,
    nodes: Vec<NodeChoice>,
    skills: Vec<Tick>,
    /// (row, day, starts, ends, slots) as typed.
    rows: Vec<(usize, String, String, String, String)>,
    problems: Problems,
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
    f: HashMap<String, String>,
    problems: Problems,
) -> PageResult<NewPage> {
    let nodes: Vec<_> = st
        .app
        .nodes_for(&me.actor, Permission::ManageVolunteers)
        .await?
        .into_iter()
        .filter(|n| matches!(n.kind, NodeKind::Community | NodeKind::Grid))
        .collect();
    let typed = |k: String| f.get(&k).cloned().unwrap_or_default();
    let rows = SHIFT_ROWS
        .iter()
        .map(|i| {
            (
                *i,
                typed(format!("s{i}_on")),
                typed(format!("s{i}_starts")),
                typed(format!("s{i}_ends")),
                typed(format!("s{i}_slots")),
            )
        })
        .collect();
    let skills = Skill::ALL
        .iter()
        .map(|s| Tick {
            code: s.code(),
            label: ctx.tk("skill-", s.code()),
            on: f.contains_key(&format!("skill_{}", s.code())),
        })
        .collect();
    Ok(NewPage {
        nodes: node_choices(ctx.lang, &nodes),
        skills,
        rows,
        f,
        problems,
        ctx,
    })
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    civicgrid_app::authz::require_somewhere(&me.actor, Permission::ManageVolunteers)?;
    let mut f = HashMap::new();
    f.insert("s1_slots".to_owned(), "5".to_owned());
    Ok(render(&new_page(&st, ctx, &me, f, Problems::none()).await?))
}

/// The shifts typed on the form: rows with anything typed; a row missing a part names
/// the field at fault.
fn shifts_of(f: &HashMap<String, String>) -> Result<Vec<ShiftSpec>, AppError> {
    let get = |k: String| f.get(&k).map_or("", |s| s.trim()).to_owned();
    let mut out = Vec::new();
    for i in SHIFT_ROWS {
        let (on, starts, ends) = (
            get(format!("s{i}_on")),
            get(format!("s{i}_starts")),
            get(format!("s{i}_ends")),
        );
        if on.is_empty() && starts.is_empty() && ends.is_empty() {
            continue;
        }
        let bad = |e: civicgrid_app::domain::care::volunteers::Invalid| {
            AppError::invalid(e.field, e.message)
        };
        let slots = get(format!("s{i}_slots"))
            .parse::<i64>()
            .map_err(|_| AppError::invalid("slots", "give 1–500 slots"))?;
        out.push(ShiftSpec {
            on: parse_date("on", &on).map_err(bad)?,
            starts: parse_time("starts", &starts).map_err(bad)?,
            ends: parse_time("ends", &ends).map_err(bad)?,
            slots,
        });
    }
    Ok(out)
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let result = async {
        let node_id = crate::forms::form_id("published_to", &get("published_to"))?;
        let new = NewActivity {
            node_id,
            spec: ActivitySpec {
                title: get("title"),
                description: get("description"),
                place: get("place"),
                skills: Skill::ALL
                    .iter()
                    .copied()
                    .filter(|s| f.contains_key(&format!("skill_{}", s.code())))
                    .collect(),
            },
            shifts: shifts_of(&f)?,
        };
        st.app.create_activity(&me.actor, new).await
    }
    .await;
    match result {
        Ok(a) => Ok(
            Redirect::to(&format!("/care/activities/{}?done=activity_created", a.id))
                .into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "title")?;
            let p = new_page(&st, ctx, &me, f, problems).await?;
            Ok((status, render(&p)).into_response())
        }
    }
}

struct RosterText {
    signup_id: i64,
    name: String,
    grid: String,
    state: &'static str,
    state_label: String,
    hours: String,
    assigned: bool,
    awaits: bool,
}

struct ShiftText {
    id: i64,
    when: String,
    minutes_hours: String,
    slots: String,
    full: bool,
    started: bool,
    mine: Option<(&'static str, String)>,
    may_sign_up: bool,
    may_withdraw: bool,
    may_confirm: bool,
    roster: Vec<RosterText>,
}

#[derive(Template)]
#[template(path = "care/activity.html")]
struct DetailPage {
    ctx: PageCtx,
    v: ActivityView,
    state_label: String,
    skills: String,
    shifts: Vec<ShiftText>,
    /// Volunteers staff may assign: (id, "张* · 第1网格").
    assignable: Vec<(String, String)>,
    notice: Option<String>,
    problems: Problems,
    /// The shift the objection is about.
    problem_shift: i64,
}

fn detail_page(
    ctx: PageCtx,
    v: ActivityView,
    notice: Option<String>,
    problems: Problems,
    problem_shift: i64,
) -> DetailPage {
    let shifts = v
        .shifts
        .iter()
        .map(|s| ShiftText {
            id: s.shift.id,
            when: when(s.shift.starts_at, s.shift.ends_at),
            minutes_hours: format_hours(s.shift.minutes()),
            slots: format!("{}/{}", s.shift.taken, s.shift.slots),
            full: s.full,
            started: s.started,
            mine: s
                .mine
                .as_ref()
                .map(|m| (m.state.code(), ctx.tk("signup-state-", m.state.code()))),
            may_sign_up: s.may_sign_up,
            may_withdraw: s.may_withdraw,
            may_confirm: s.may_confirm,
            roster: s
                .roster
                .iter()
                .map(|r| RosterText {
                    signup_id: r.signup.id,
                    name: mask_name(&r.name),
                    grid: r.grid_name.clone(),
                    state: r.signup.state.code(),
                    state_label: ctx.tk("signup-state-", r.signup.state.code()),
                    hours: r.signup.minutes.map(format_hours).unwrap_or_default(),
                    assigned: r.signup.assigned_by.is_some(),
                    awaits: r.signup.state.awaits_attendance(),
                })
                .collect(),
        })
        .collect();
    DetailPage {
        state_label: ctx.tk("activity-state-", v.a.state.code()),
        skills: skill_words(&ctx, &v.a.skills),
        assignable: v
            .assignable
            .iter()
            .map(|(id, name, grid)| (id.to_string(), format!("{} · {grid}", mask_name(name))))
            .collect(),
        shifts,
        notice,
        problems,
        problem_shift,
        ctx,
        v,
    }
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let v = st.app.activity(&me.actor, id).await?;
    Ok(render(&detail_page(ctx, v, notice, Problems::none(), 0)))
}

/// After a post on a shift: back to the page with a notice, or the page again with
/// the objection next to that shift.
async fn answer(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    shift_id: i64,
    result: Result<(), AppError>,
    done: &str,
) -> PageResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/care/activities/{id}?done={done}")).into_response()),
        Err(e) => {
            // An activity outside the reader's reach has no page to show the objection
            // on: the error page says it.
            let Ok(v) = st.app.activity(&me.actor, id).await else {
                return Err(e.into());
            };
            let (status, problems) = problems_of(ctx.lang, e, "shift")?;
            Ok((
                status,
                render(&detail_page(ctx, v, None, problems, shift_id)),
            )
                .into_response())
        }
    }
}

async fn cancel(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(_f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let r = st.app.cancel_activity(&me.actor, id).await;
    answer(&st, ctx, &me, id, 0, r, "activity_cancelled").await
}

async fn sign_up(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath((id, shift_id)): PagePath<(i64, i64)>,
    PageForm(_f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let r = st
        .app
        .sign_up_for_shift(&me.actor, id, shift_id)
        .await
        .map(|_| ());
    answer(&st, ctx, &me, id, shift_id, r, "shift_signed_up").await
}

async fn withdraw(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath((id, shift_id)): PagePath<(i64, i64)>,
    PageForm(_f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let r = st.app.withdraw_from_shift(&me.actor, id, shift_id).await;
    answer(&st, ctx, &me, id, shift_id, r, "shift_withdrawn").await
}

async fn assign(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath((id, shift_id)): PagePath<(i64, i64)>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let r = async {
        let v = crate::forms::form_id(
            "volunteer_id",
            f.get("volunteer_id").map_or("", String::as_str),
        )?;
        st.app
            .assign_to_shift(&me.actor, id, shift_id, v)
            .await
            .map(|_| ())
    }
    .await;
    answer(&st, ctx, &me, id, shift_id, r, "shift_assigned").await
}

async fn attendance(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath((id, shift_id)): PagePath<(i64, i64)>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let r = async {
        let signup =
            crate::forms::form_id("signup", f.get("signup_id").map_or("", String::as_str))?;
        let what = crate::care::api::activities::attendance_of(
            f.get("outcome").map_or("", String::as_str),
            f.get("hours").map(String::as_str),
        )?;
        st.app
            .confirm_attendance(&me.actor, id, shift_id, signup, what)
            .await
    }
    .await;
    answer(&st, ctx, &me, id, shift_id, r, "attendance_recorded").await
}
