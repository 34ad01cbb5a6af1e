//! Emergency mode for staff: `/emergency` lists what runs and ran in their places and
//! switches a community (or every community of a street) into emergency mode or a
//! drill; `/emergency/{id}` is the situation — the checklist to tick off, the duty
//! roster, urgent requests still open, the incident log — with the switch back.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::modes::{Hazard, Kind, Level};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::emergency::modes::{INCIDENT_KINDS, Situation, StartEmergency};
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
    r.get("/emergency", hub)
        .post("/emergency", start)
        .get("/emergency/{id}", situation)
        .post("/emergency/{id}/end", end)
        .post("/emergency/{id}/steps/{position}", tick)
        .post("/emergency/{id}/incidents", incident)
}

/// (code, words) of each choice of a coded list.
fn choices(ctx: &PageCtx, prefix: &str, codes: &[&'static str]) -> Vec<(&'static str, String)> {
    codes.iter().map(|c| (*c, ctx.tk(prefix, c))).collect()
}

struct Line {
    id: i64,
    community: String,
    kind: &'static str,
    kind_label: String,
    what: String,
    started: String,
    ended: String,
}

#[derive(Template)]
#[template(path = "emergency/hub.html")]
struct HubPage {
    ctx: PageCtx,
    running: Vec<Line>,
    past: Vec<Line>,
    /// Places the reader may switch: (id, name), communities and streets.
    places: Vec<(i64, String)>,
    hazards: Vec<(&'static str, String)>,
    levels: Vec<(&'static str, String)>,
    f: HashMap<String, String>,
    problems: Problems,
}

impl HubPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

pub(crate) fn hazard_words(ctx: &PageCtx, hazard: Hazard, level: Level) -> String {
    format!(
        "{} {}",
        ctx.tk("hazard-", hazard.code()),
        ctx.tk("emergency-level-", level.code())
    )
}

async fn hub_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    f: HashMap<String, String>,
    problems: Problems,
) -> PageResult<HubPage> {
    let all = st.app.emergencies(&me.actor).await?;
    let (running, past): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|(a, _)| a.ended_at.is_none());
    let line = |(a, name): (civicgrid_app::emergency::modes::Activation, String)| Line {
        id: a.id,
        community: name,
        kind: a.kind.code(),
        kind_label: ctx.tk("emergency-kind-", a.kind.code()),
        what: hazard_words(&ctx, a.hazard, a.level),
        started: format_time(a.started_at),
        ended: a.ended_at.map(format_time).unwrap_or_default(),
    };
    let running: Vec<Line> = running.into_iter().map(line).collect();
    let past: Vec<Line> = past.into_iter().take(20).map(line).collect();
    let places = if me.actor.can_somewhere(Permission::ManageEmergency) {
        st.app
            .visible_nodes(&me.actor)
            .await?
            .into_iter()
            .filter(|n| matches!(n.kind, NodeKind::Community | NodeKind::Street))
            .filter(|n| me.actor.can(Permission::ManageEmergency, &n.path))
            .map(|n| (n.id, n.name_zh))
            .collect()
    } else {
        Vec::new()
    };
    Ok(HubPage {
        running,
        past,
        places,
        hazards: choices(
            &ctx,
            "hazard-",
            &Hazard::ALL.iter().map(|h| h.code()).collect::<Vec<_>>(),
        ),
        levels: choices(
            &ctx,
            "emergency-level-",
            &Level::ALL.iter().map(|l| l.code()).collect::<Vec<_>>(),
        ),
        f,
        problems,
        ctx,
    })
}

async fn hub(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    civicgrid_app::authz::require_somewhere(&me.actor, Permission::ViewEmergency)?;
    let p = hub_page(&st, ctx, &me, HashMap::new(), Problems::none()).await?;
    Ok(render(&p))
}

async fn start(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let result = async {
        let node_id = crate::forms::form_id("node", get("node"))?;
        let kind = Kind::parse(get("kind"))
            .map_err(|_| AppError::invalid("kind", "emergency or drill"))?;
        let hazard = Hazard::parse(get("hazard"))
            .map_err(|_| AppError::invalid("hazard", "choose the hazard"))?;
        let level = Level::parse(get("level"))
            .map_err(|_| AppError::invalid("emergency_level", "choose the level"))?;
        st.app
            .start_emergency(
                &me.actor,
                &StartEmergency {
                    node_id,
                    kind,
                    hazard,
                    level,
                    reason: get("reason").to_owned(),
                    notify: !get("notify").is_empty(),
                },
            )
            .await
    }
    .await;
    match result {
        Ok(started) => {
            let to = match started.as_slice() {
                [one] => format!("/emergency/{}?done=emergency_started", one.id),
                _ => "/emergency?done=emergency_started".to_owned(),
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "node")?;
            let p = hub_page(&st, ctx, &me, f, problems).await?;
            Ok((status, render(&p)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "emergency/situation.html")]
struct SituationPage {
    ctx: PageCtx,
    s: Situation,
    what: String,
    drill: bool,
    started: String,
    ended: String,
    /// (position, text, done, when)
    steps: Vec<(i64, String, bool, String)>,
    done: usize,
    /// (when, kind label, text)
    incidents: Vec<(String, String, String)>,
    incident_kinds: Vec<(&'static str, String)>,
    /// (campaign id, title, deadline)
    campaigns: Vec<(i64, String, String)>,
    /// (code, words, ticked) of the care tags a campaign may target.
    campaign_tags: Vec<(String, String, bool)>,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
}

impl SituationPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

fn situation_page(
    ctx: PageCtx,
    s: Situation,
    tags: Vec<(String, String, String)>,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
) -> SituationPage {
    let posted = f.contains_key("campaign_node");
    SituationPage {
        campaigns: s
            .campaigns
            .iter()
            .map(|c| (c.id, c.title.clone(), format_time(c.deadline_at)))
            .collect(),
        campaign_tags: tags
            .into_iter()
            .map(|(code, zh, en)| {
                let on = if posted {
                    f.get(&format!("ctag_{code}"))
                        .is_some_and(|v| !v.is_empty())
                } else {
                    s.check_tags.contains(&code)
                };
                let label = if ctx.lang == Lang::En { en } else { zh };
                (code, label, on)
            })
            .collect(),
        what: hazard_words(&ctx, s.a.hazard, s.a.level),
        drill: s.a.kind == Kind::Drill,
        started: format_time(s.a.started_at),
        ended: s.a.ended_at.map(format_time).unwrap_or_default(),
        steps: s
            .checklist
            .iter()
            .map(|st| {
                (
                    st.position,
                    st.text.clone(),
                    st.done_at.is_some(),
                    st.done_at.map(format_time).unwrap_or_default(),
                )
            })
            .collect(),
        done: s.checklist.iter().filter(|x| x.done_at.is_some()).count(),
        incidents: s
            .incidents
            .iter()
            .map(|i| {
                (
                    format_time(i.happened_at),
                    ctx.tk("incident-kind-", &i.kind),
                    i.text.clone(),
                )
            })
            .collect(),
        incident_kinds: choices(&ctx, "incident-kind-", INCIDENT_KINDS),
        f,
        notice,
        problems,
        ctx,
        s,
    }
}

async fn situation(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let s = st.app.emergency_situation(&me.actor, id).await?;
    let tags = care_tags(&st).await?;
    Ok(render(&situation_page(
        ctx,
        s,
        tags,
        HashMap::new(),
        notice,
        Problems::none(),
    )))
}

/// The care tags a campaign may target (age tags included): (code, 中文, English).
pub(crate) async fn care_tags(st: &AppState) -> PageResult<Vec<(String, String, String)>> {
    Ok(st
        .app
        .default_tag_names()
        .await?
        .into_iter()
        .filter(|t| t.active && (t.def.care || t.def.code == "aged_80"))
        .map(|t| (t.def.code, t.def.name_zh, t.def.name_en))
        .collect())
}

/// The situation page again with `problems` for what `f` posted.
pub(crate) async fn situation_again(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    f: HashMap<String, String>,
    problems: Problems,
) -> PageResult<Response> {
    let s = st.app.emergency_situation(&me.actor, id).await?;
    let tags = care_tags(st).await?;
    Ok(render(&situation_page(ctx, s, tags, f, None, problems)))
}

/// Shows the situation again with the objection to what was posted.
async fn again(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    f: HashMap<String, String>,
    e: AppError,
    field: &str,
) -> PageResult<Response> {
    let (status, problems) = problems_of(ctx.lang, e, field)?;
    let page = situation_again(st, ctx, me, id, f, problems).await?;
    Ok((status, page).into_response())
}

async fn end(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let note = f.get("closing_note").map_or("", String::as_str);
    match st.app.end_emergency(&me.actor, id, note).await {
        Ok(_) => Ok(Redirect::to(&format!("/emergency/{id}?done=emergency_ended")).into_response()),
        Err(e) => again(&st, ctx, &me, id, f, e, "closing_note").await,
    }
}

async fn tick(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath((id, position)): PagePath<(i64, i64)>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let done = f.get("done").is_some_and(|v| v == "1");
    match st
        .app
        .tick_emergency_step(&me.actor, id, position, done)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/emergency/{id}#checklist")).into_response()),
        Err(e) => again(&st, ctx, &me, id, f, e, "step").await,
    }
}

async fn incident(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    match st
        .app
        .log_incident(
            &me.actor,
            id,
            get("incident_kind"),
            get("incident_text"),
            None,
        )
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/emergency/{id}?done=incident_logged#incidents"))
                .into_response(),
        ),
        Err(e) => again(&st, ctx, &me, id, f, e, "incident_text").await,
    }
}
