//! Care coverage (`/care` and `/care/coverage/{node}`): the places the reader follows,
//! and for one place its counts, the grids on an SVG map shaded by the share of visits
//! on time, the table per grid, and the list to act on (red, then overdue). A grid's
//! page is its board: its visits due with the red ones flagged.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use civicgrid_app::care::coverage::CoverageView;
use civicgrid_app::domain::care::coverage::{Counts, shade};
use civicgrid_app::domain::geo::{Boundary, MapFeature, render_svg_map};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;

use super::visits::{DueCard, address, cards, modes, outcomes};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PagePath};
use crate::forms::{DoneNotice, Problems, node_name};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/care", hub)
        .get("/care/coverage/{id}", coverage_page)
        .get("/care/coverage/{id}/map.svg", map_svg)
}

#[derive(Template)]
#[template(path = "care/hub.html")]
struct HubPage {
    ctx: PageCtx,
    places: Vec<(i64, String, &'static str)>,
}

async fn hub(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let places = st
        .app
        .care_places(&me.actor)
        .await?
        .into_iter()
        .map(|n| (n.id, node_name(ctx.lang, &n).to_owned(), n.kind.as_str()))
        .collect();
    Ok(render(&HubPage { ctx, places }))
}

struct GridRow {
    id: i64,
    name: String,
    c: Counts,
    on_time: i64,
}

struct ActRow {
    id: i64,
    name: String,
    address: String,
    due: String,
    red: bool,
}

#[derive(Template)]
#[template(path = "care/coverage.html")]
struct CoveragePage {
    ctx: PageCtx,
    notice: Option<String>,
    id: i64,
    name: String,
    is_grid: bool,
    community_id: Option<i64>,
    total: Counts,
    on_time: i64,
    paired_share: i64,
    grids: Vec<GridRow>,
    act_on: Vec<ActRow>,
    map_svg: String,
    may_pair: bool,
    // The grid's board: its visits due, with the shared cards.
    cards: Vec<DueCard>,
    modes: Vec<(&'static str, String)>,
    outcomes: Vec<(&'static str, String)>,
    problems: Problems,
    failed: i64,
    back: &'static str,
}

/// The SVG map of a place's grids, each shaded by its share of visits on time
/// (classes `care-shade-0` good … `care-shade-3` poor).
fn coverage_map(lang: Lang, v: &CoverageView) -> String {
    let areas: Vec<(i64, String, Boundary, String, u8)> = v
        .grids
        .iter()
        .filter_map(|(g, c)| {
            let b = Boundary::parse_geojson(g.boundary.as_deref()?).ok()?;
            let label = format!("{} {}%", node_name(lang, g), c.on_time_percent());
            Some((
                g.id,
                label,
                b,
                format!("/care/coverage/{}", g.id),
                shade(c.on_time_percent()),
            ))
        })
        .collect();
    let classes: Vec<String> = areas
        .iter()
        .map(|(.., s)| format!("care-shade-{s}"))
        .collect();
    let features: Vec<MapFeature<'_>> = areas
        .iter()
        .zip(&classes)
        .map(|((id, label, b, href, _), class)| MapFeature {
            id: *id,
            label,
            boundary: b,
            href: Some(href),
            highlight: false,
            labelled: true,
            class,
        })
        .collect();
    render_svg_map(&features, 800, 500, &lang.t("map-empty"))
}

async fn coverage_page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let v = st.app.care_coverage(&me.actor, id).await?;
    let is_grid = v.node.kind == NodeKind::Grid;
    let cards = if is_grid {
        let list = st.app.grid_care_visits(&me.actor, id).await?;
        cards(&ctx, &list)
    } else {
        Vec::new()
    };
    let lang = ctx.lang;
    let page = CoveragePage {
        notice,
        id,
        name: node_name(lang, &v.node).to_owned(),
        is_grid,
        // The community's policies, for who follows care there (a grid worker, bound
        // to a grid, does not).
        community_id: match v.node.kind {
            NodeKind::Community => Some(v.node.id),
            NodeKind::Grid => v
                .node
                .path
                .lineage()
                .iter()
                .rev()
                .nth(1)
                .filter(|c| {
                    me.actor.can(Permission::ViewCare, c) || me.actor.can(Permission::ManageCare, c)
                })
                .and(v.node.parent_id),
            _ => None,
        },
        total: v.total,
        on_time: v.total.on_time_percent(),
        paired_share: v.total.paired_percent(),
        grids: v
            .grids
            .iter()
            .map(|(g, c)| GridRow {
                id: g.id,
                name: node_name(lang, g).to_owned(),
                c: *c,
                on_time: c.on_time_percent(),
            })
            .collect(),
        act_on: v
            .act_on
            .iter()
            .map(|l| ActRow {
                id: l.id,
                name: l.resident_name.clone(),
                address: address(
                    lang,
                    l.building_name.as_deref(),
                    l.unit_name.as_deref(),
                    l.room_name.as_deref(),
                ),
                due: l.next_due_at.map(|d| ctx.time(&d)).unwrap_or_default(),
                red: l.red != 0,
            })
            .collect(),
        map_svg: coverage_map(lang, &v),
        may_pair: ctx.can(Permission::ManageCare)
            && me.actor.can(Permission::ManageCare, &v.node.path),
        cards,
        modes: modes(&ctx),
        outcomes: outcomes(&ctx),
        problems: Problems::none(),
        failed: 0,
        back: "list",
        ctx,
    };
    Ok(render(&page))
}

async fn map_svg(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let v = st.app.care_coverage(&me.actor, id).await?;
    let svg = coverage_map(ctx.lang, &v);
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("image/svg+xml; charset=utf-8"),
        )],
        svg,
    )
        .into_response())
}
