//! Welfare checks (逐户排查) on pages: staff start a campaign from the situation page;
//! `/emergency/campaigns/{id}` is its live board (progress per building, the countdown,
//! who it has climbed to, an SVG map of the buildings coloured by how they stand, the
//! households needing help with the requests their checks raised) where a slow
//! building is handed to someone else in one action — `?left=1` keeps the buildings
//! with households still to check (`&grid=` one grid's); `/emergency/checks` is a
//! checker's phone page — their households in walking order, each checked with one
//! small form that carries a key, so a retry after a lost answer is recorded once, and
//! that may ask the community's depot for medicine, food or water.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::checks::{BuildingState, Need, Outcome};
use civicgrid_app::domain::emergency::materials::Line;
use civicgrid_app::domain::geo::{
    Boundary, MapFeature, MapPin, render_svg_map_with_pins, spread_point,
};
use civicgrid_app::emergency::checks::{CampaignBoard, NewCampaign, NewCheck};
use civicgrid_app::platform::auth::SignedIn;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, problems_of};
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
                    started_at: None,
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

/// A household needing help as the board lists it.
struct HelpText {
    address: String,
    needs: String,
    note: String,
    at: String,
    request_id: Option<i64>,
    material_request_id: Option<i64>,
}

/// The board's filter: `left=1` keeps buildings with households still to check,
/// `grid` one grid's buildings.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct BoardQuery {
    left: String,
    grid: Option<i64>,
}

impl BoardQuery {
    fn left(&self) -> bool {
        !self.left.is_empty() && self.left != "0"
    }
}

#[derive(Template)]
#[template(path = "emergency/campaign.html")]
struct BoardPage {
    ctx: PageCtx,
    b: CampaignBoard,
    lines: Vec<BuildingLine>,
    percent: i64,
    deadline: String,
    /// 还剩 3小时12分, or past the deadline.
    time_left: String,
    overdue: bool,
    climbed_label: String,
    /// The map of the buildings (None: no grid of the campaign has a boundary).
    map_svg: Option<String>,
    /// The map's legend: (pin class, words).
    legend: Vec<(String, String)>,
    /// Buildings the map cannot place (their grid has no boundary), with their state.
    unplaced: Vec<(String, String)>,
    help: Vec<HelpText>,
    /// Only the buildings with households left (and of one grid).
    left_only: bool,
    grid_filter: Option<i64>,
    notice: Option<String>,
    problems: Problems,
}

/// Time left to `deadline_at` as people say it (还剩 3小时12分), or that it passed.
pub(crate) fn time_left(ctx: &PageCtx, deadline_at: i64) -> (String, bool) {
    let minutes = (deadline_at - civicgrid_app::now_ms()).div_euclid(60_000);
    if minutes < 0 {
        return (ctx.t("campaign-overdue"), true);
    }
    let text = if minutes < 60 {
        ctx.t1("campaign-minutes-left", "minutes", &minutes.to_string())
    } else {
        ctx.lang.t_args(
            "campaign-time-left",
            &[
                ("hours", (minutes / 60).to_string()),
                ("minutes", (minutes % 60).to_string()),
            ],
        )
    };
    (text, false)
}

/// The CSS class of a building state's pin (`check-needs-help`).
fn state_class(s: BuildingState) -> String {
    format!("check-{}", s.code().replace('_', "-"))
}

/// Where the `n`th building of a grid goes on the map: spread around a point below the
/// grid's name (written at its centre), or around the centre when that point falls
/// outside the grid.
fn below_label(boundary: &Boundary, n: usize) -> (f64, f64) {
    let (lon, lat) = spread_point(boundary, n);
    let bb = boundary.bbox();
    let lowered = (lon, lat - (bb.max_lat - bb.min_lat) * 0.22);
    if boundary.contains(lowered.0, lowered.1) {
        lowered
    } else {
        (lon, lat)
    }
}

/// The map of a campaign's buildings: its grids drawn from their boundaries and each
/// building a pin inside its grid (buildings carry no coordinates of their own),
/// coloured by how it stands; with the buildings it could not place.
fn campaign_map(ctx: &PageCtx, b: &CampaignBoard) -> (Option<String>, Vec<(String, String)>) {
    let lang = ctx.lang;
    let speech = crate::ledger::pages::speech(lang);
    let areas: Vec<(i64, String, Boundary)> = b
        .grids
        .iter()
        .filter_map(|g| {
            let boundary = Boundary::parse_geojson(g.boundary.as_deref()?).ok()?;
            Some((g.id, crate::forms::node_name(lang, g).to_owned(), boundary))
        })
        .collect();
    let grid_name = |id: i64| {
        b.grids
            .iter()
            .find(|g| g.id == id)
            .map(|g| crate::forms::node_name(lang, g).to_owned())
            .unwrap_or_default()
    };
    let mut placed: HashMap<i64, usize> = HashMap::new();
    let mut dots: Vec<((f64, f64), String, String, String)> = Vec::new();
    let mut unplaced = Vec::new();
    for l in &b.buildings {
        let name = format!(
            "{} · {}",
            grid_name(l.p.grid_id),
            civicgrid_app::domain::ledger::place::building(&l.p.building, speech)
        );
        let state = ctx.tk("check-state-", l.state.code());
        match areas.iter().find(|(id, ..)| *id == l.p.grid_id) {
            Some((_, _, boundary)) => {
                let n = placed.entry(l.p.grid_id).or_default();
                *n += 1;
                let title = lang.t_args(
                    "check-map-pin",
                    &[
                        ("place", name),
                        ("checked", l.p.checked.to_string()),
                        ("total", l.p.total.to_string()),
                        ("state", state),
                    ],
                );
                dots.push((
                    below_label(boundary, *n),
                    title,
                    state_class(l.state),
                    format!("#b-{}", l.p.building_id),
                ));
            }
            None => unplaced.push((name, state)),
        }
    }
    if areas.is_empty() {
        return (None, unplaced);
    }
    let labelled = areas.len() <= 8;
    let features: Vec<MapFeature<'_>> = areas
        .iter()
        .map(|(id, label, boundary)| MapFeature {
            id: *id,
            label,
            boundary,
            href: None,
            highlight: false,
            labelled,
            class: "check-grid",
        })
        .collect();
    let pins: Vec<MapPin<'_>> = dots
        .iter()
        .map(|((lon, lat), title, class, href)| MapPin {
            lon: *lon,
            lat: *lat,
            class,
            label: title,
            href: Some(href),
        })
        .collect();
    (
        Some(render_svg_map_with_pins(&features, &pins, 600, 420, "")),
        unplaced,
    )
}

async fn board_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    q: &BoardQuery,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<BoardPage> {
    let b = st.app.welfare_board(&me.actor, id).await?;
    let pct = |done: i64, all: i64| if all > 0 { done * 100 / all } else { 0 };
    let (map_svg, unplaced) = campaign_map(&ctx, &b);
    let (time_left, overdue) = time_left(&ctx, b.c.deadline_at);
    let left_only = q.left();
    Ok(BoardPage {
        lines: b
            .buildings
            .iter()
            .filter(|l| !left_only || l.p.checked < l.p.total)
            .filter(|l| q.grid.is_none_or(|g| g == l.p.grid_id))
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
        help: b
            .help
            .iter()
            .map(|h| HelpText {
                address: format!(
                    "{} · {}",
                    b.grids
                        .iter()
                        .find(|g| g.id == h.h.grid_id)
                        .map(|g| crate::forms::node_name(ctx.lang, g))
                        .unwrap_or_default(),
                    crate::ledger::pages::address(ctx.lang, &h.h.building, &h.h.unit, &h.h.room)
                ),
                needs: h
                    .h
                    .needs
                    .iter()
                    .map(|n| ctx.tk("check-need-", n.code()))
                    .collect::<Vec<_>>()
                    .join(match ctx.lang {
                        Lang::ZhCn => "、",
                        Lang::En => ", ",
                    }),
                note: h.h.note.clone(),
                at: format_time(h.h.checked_at),
                request_id: h.request_id,
                material_request_id: h.material_request_id,
            })
            .collect(),
        legend: BuildingState::ALL
            .iter()
            .map(|s| (state_class(*s), ctx.tk("check-state-", s.code())))
            .collect(),
        map_svg,
        unplaced,
        percent: pct(b.checked, b.total),
        deadline: format_time(b.c.deadline_at),
        time_left,
        overdue,
        climbed_label: ctx.tk("check-climbed-", b.climbed_to.code()),
        left_only,
        grid_filter: q.grid,
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
    PageQuery(q): PageQuery<BoardQuery>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    Ok(render(
        &board_page(&st, ctx, &me, id, &q, notice, Problems::none()).await?,
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
            let p = board_page(&st, ctx, &me, id, &BoardQuery::default(), None, problems).await?;
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
        items: posted_items(f)?,
    })
}

/// How many item lines the check form offers.
const FORM_ITEMS: usize = 2;
/// The largest quantity the check form's picker offers.
const FORM_MAX_QUANTITY: i64 = 10;

/// The items a check form asks for: `check_item_N` (blank: none) with `check_qty_N`.
fn posted_items(f: &HashMap<String, String>) -> Result<Vec<Line>, AppError> {
    let get = |k: &str| f.get(k).map_or("", String::as_str).trim();
    let mut out = Vec::new();
    for n in 0..FORM_ITEMS {
        let item = get(&format!("check_item_{n}"));
        if item.is_empty() {
            continue;
        }
        let item_id = crate::forms::form_id("check_items", item)?;
        let quantity = match get(&format!("check_qty_{n}")) {
            "" => 1,
            q => q
                .parse::<i64>()
                .map_err(|_| AppError::invalid("check_items", "give a whole number"))?,
        };
        out.push(Line { item_id, quantity });
    }
    Ok(out)
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
    /// (item id, 硝苯地平缓释片（盒）) the community's depot holds for a check to ask for.
    items: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "emergency/checks.html")]
struct MyPage {
    ctx: PageCtx,
    lists: Vec<ListText>,
    outcomes: Vec<(&'static str, String)>,
    needs: Vec<(&'static str, String)>,
    /// The item lines each form offers, and the quantities to pick from.
    item_lines: Vec<usize>,
    quantities: Vec<i64>,
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
                items: l
                    .items
                    .iter()
                    .map(|i| {
                        (
                            i.id,
                            ctx.lang.t_args(
                                "checks-item-option",
                                &[
                                    ("item", i.name.clone()),
                                    ("unit", ctx.tk("materials-unit-", i.unit.code())),
                                ],
                            ),
                        )
                    })
                    .collect(),
            })
            .collect(),
        item_lines: (0..FORM_ITEMS).collect(),
        quantities: (1..=FORM_MAX_QUANTITY).collect(),
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

/// A campaign whose unchecked households have climbed to the reader, for the home
/// page's emergency card.
pub(crate) struct ClimbText {
    pub(crate) activation_id: i64,
    /// 你网格内还有 3 户未排查 · 还剩 1小时0分
    pub(crate) text: String,
    /// The board, filtered to what is left.
    pub(crate) href: String,
}

/// The campaigns whose unchecked households have climbed to the reader.
pub(crate) async fn climbs(
    st: &AppState,
    ctx: &PageCtx,
    actor: &civicgrid_app::domain::platform::access::Actor,
) -> PageResult<Vec<ClimbText>> {
    use civicgrid_app::domain::emergency::checks::Escalation;
    Ok(st
        .app
        .unchecked_climbs(actor)
        .await?
        .into_iter()
        .map(|c| {
            let (left, _) = time_left(ctx, c.deadline_at);
            let key = if c.to == Escalation::Staff {
                "home-unchecked-staff"
            } else {
                "home-unchecked-grid"
            };
            ClimbText {
                activation_id: c.activation_id,
                text: ctx.lang.t_args(
                    key,
                    &[
                        ("title", c.title.clone()),
                        ("count", c.remaining.to_string()),
                        ("left", left),
                    ],
                ),
                href: match c.grid_id {
                    Some(g) => format!("/emergency/campaigns/{}?left=1&grid={g}", c.campaign_id),
                    None => format!("/emergency/campaigns/{}?left=1", c.campaign_id),
                },
            }
        })
        .collect())
}
