//! `/insight` (数据看板): the dashboard of a place the reader oversees — population,
//! requests, care and volunteers this month against the month before, a six-month
//! trend, and the places inside it (and beside it) side by side, each linking down to
//! its own dashboard and every figure to the list behind it.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::domain::insight::measures::{Measure, change, mean_tenths, percent};
use civicgrid_app::domain::insight::period::Month;
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::insight::dashboard::{Area, Dashboard, Figures};
use serde::Deserialize;

use crate::charts::{bar_chart, line_chart};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageQuery};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/insight", dashboard)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DashboardQuery {
    node: Option<i64>,
    month: Option<String>,
}

/// A figure on the dashboard.
struct Tile {
    label: String,
    value: String,
    /// "↑ 20%", "↓ 3", or empty.
    change: String,
    /// `up`, `down` or empty: whether the change is good news is the reader's call.
    direction: &'static str,
    /// The list behind it; empty when the reader may not open one.
    href: String,
}

struct Section {
    title: String,
    tiles: Vec<Tile>,
}

/// A place beside or inside the one shown.
struct AreaRow {
    id: i64,
    name: String,
    present: i64,
    submitted: i64,
    on_time: String,
    overdue: i64,
    visits: i64,
}

#[derive(Template)]
#[template(path = "insight/dashboard.html")]
struct DashboardPage {
    ctx: PageCtx,
    node_id: i64,
    title: String,
    kind: String,
    month: String,
    /// (code, label, selected) of the months to choose.
    months: Vec<(String, String, bool)>,
    /// (id, name, selected) of the places the reader oversees.
    places: Vec<(i64, String, bool)>,
    /// Whether the place shown is one of `places` (else it is offered on its own).
    node_in_places: bool,
    parent: Option<(i64, String)>,
    counted: String,
    count_failed: bool,
    sections: Vec<Section>,
    trend_chart: String,
    age_chart: String,
    children_chart: String,
    children: Vec<AreaRow>,
    siblings: Vec<AreaRow>,
}

fn tile(ctx: &PageCtx, label: &str, now: i64, before: Option<i64>, href: Option<String>) -> Tile {
    let (change_text, direction) = match before {
        Some(b) => {
            let (diff, pct) = change(now, b);
            let arrow = match diff.signum() {
                1 => "↑",
                -1 => "↓",
                _ => "",
            };
            let text = match (diff, pct) {
                (0, _) => ctx.t("insight-no-change"),
                (_, Some(p)) => format!("{arrow} {}%", p.abs()),
                (d, None) => format!("{arrow} {}", d.abs()),
            };
            let direction = match diff.signum() {
                1 => "up",
                -1 => "down",
                _ => "",
            };
            (text, direction)
        }
        None => (String::new(), ""),
    };
    Tile {
        label: label.to_owned(),
        value: now.to_string(),
        change: change_text,
        direction,
        href: href.unwrap_or_default(),
    }
}

/// A rate tile: `part` of `whole` this month, against the month before.
fn rate_tile(
    ctx: &PageCtx,
    label: &str,
    now: (i64, i64),
    before: Option<(i64, i64)>,
    href: Option<String>,
) -> Tile {
    let mut t = tile(ctx, label, 0, None, href);
    t.value = percent(now.0, now.1).map_or_else(|| "—".to_owned(), |p| format!("{p}%"));
    let before = before.and_then(|(part, whole)| percent(part, whole));
    if let (Some(a), Some(b)) = (percent(now.0, now.1), before) {
        let d = a - b;
        t.change = match d.signum() {
            0 => ctx.t("insight-no-change"),
            1 => ctx.t1("insight-points-up", "points", &d.to_string()),
            _ => ctx.t1("insight-points-down", "points", &d.abs().to_string()),
        };
        t.direction = match d.signum() {
            1 => "up",
            -1 => "down",
            _ => "",
        };
    }
    t
}

fn measure(ctx: &PageCtx, m: Measure) -> String {
    ctx.tk("measure-", m.code())
}

fn sections(ctx: &PageCtx, d: &Dashboard) -> Vec<Section> {
    let now = d.now();
    let id = d.node.id;
    let link = |p: Permission, href: String| ctx.can(p).then_some(href);
    let flow = |m: Measure| tile(ctx, &measure(ctx, m), now.get(m), d.before(m), None);
    let mut population = Section {
        title: ctx.t("insight-population"),
        tiles: Vec::new(),
    };
    for m in [Measure::Present, Measure::Registered, Measure::Floating] {
        population.tiles.push(tile(
            ctx,
            &measure(ctx, m),
            now.get(m),
            d.before(m),
            link(Permission::ViewLedger, format!("/ledger/population/{id}")),
        ));
    }
    let queue = |kind: &str| {
        link(
            Permission::ViewRequests,
            format!("/requests/queue?kind={kind}"),
        )
    };
    let mut requests = Section {
        title: ctx.t("insight-requests"),
        tiles: vec![
            {
                let mut t = flow(Measure::Submitted);
                t.href = queue("all").unwrap_or_default();
                t
            },
            flow(Measure::Closed),
            rate_tile(
                ctx,
                &ctx.t("insight-on-time-rate"),
                (now.get(Measure::ClosedOnTime), now.get(Measure::Closed)),
                d.before(Measure::ClosedOnTime)
                    .zip(d.before(Measure::Closed)),
                None,
            ),
            rate_tile(
                ctx,
                &ctx.t("insight-satisfaction"),
                (now.get(Measure::Satisfied), now.get(Measure::Rated)),
                d.before(Measure::Satisfied).zip(d.before(Measure::Rated)),
                None,
            ),
        ],
    };
    let mut average = tile(ctx, &ctx.t("insight-mean-rating"), 0, None, None);
    average.value = mean_tenths(now.get(Measure::RatingSum), now.get(Measure::Rated))
        .map_or_else(|| "—".to_owned(), |t| format!("{}.{}", t / 10, t % 10));
    requests.tiles.push(average);
    for (m, kind) in [(Measure::Open, "all"), (Measure::Overdue, "overdue")] {
        requests.tiles.push(tile(
            ctx,
            &measure(ctx, m),
            now.get(m),
            d.before(m),
            queue(kind),
        ));
    }
    let care = Section {
        title: ctx.t("insight-care"),
        tiles: vec![
            tile(
                ctx,
                &measure(ctx, Measure::CareVisits),
                now.get(Measure::CareVisits),
                d.before(Measure::CareVisits),
                link(Permission::ViewCare, format!("/care/coverage/{id}")),
            ),
            tile(
                ctx,
                &measure(ctx, Measure::VolunteersActive),
                now.get(Measure::VolunteersActive),
                d.before(Measure::VolunteersActive),
                link(Permission::ViewVolunteers, "/care/volunteers".into()),
            ),
            tile(
                ctx,
                &ctx.t("insight-volunteer-hours"),
                now.get(Measure::VolunteerMinutes) / 60,
                d.before(Measure::VolunteerMinutes).map(|m| m / 60),
                None,
            ),
        ],
    };
    vec![population, requests, care]
}

fn area_row(a: &Area, ctx: &PageCtx) -> AreaRow {
    let f: &Figures = &a.figures;
    AreaRow {
        id: a.node.id,
        name: ctx.node_name(&a.node).to_owned(),
        present: f.get(Measure::Present),
        submitted: f.get(Measure::Submitted),
        on_time: percent(f.get(Measure::ClosedOnTime), f.get(Measure::Closed))
            .map_or_else(|| "—".to_owned(), |p| format!("{p}%")),
        overdue: f.get(Measure::Overdue),
        visits: f.get(Measure::CareVisits),
    }
}

fn month_label(ctx: &PageCtx, m: Month) -> String {
    ctx.lang.t_args(
        "insight-month",
        &[("year", m.year.to_string()), ("month", m.month.to_string())],
    )
}

fn page(ctx: PageCtx, d: Dashboard) -> DashboardPage {
    let labels: Vec<String> = d
        .months
        .iter()
        .map(|m| ctx.t1("insight-month-short", "month", &m.month.to_string()))
        .collect();
    let series = |m: Measure| d.trend.iter().map(|f| f.get(m)).collect::<Vec<_>>();
    let trend_chart = line_chart(
        &ctx.t("insight-trend"),
        &labels,
        &[
            (
                measure(&ctx, Measure::Submitted),
                series(Measure::Submitted),
            ),
            (measure(&ctx, Measure::Closed), series(Measure::Closed)),
            (
                measure(&ctx, Measure::CareVisits),
                series(Measure::CareVisits),
            ),
        ],
    );
    let now = d.now();
    let age_chart = bar_chart(
        &ctx.t("insight-age-bands"),
        &Measure::AGE_BANDS
            .iter()
            .map(|m| (measure(&ctx, *m), now.get(*m)))
            .collect::<Vec<_>>(),
    );
    let children: Vec<AreaRow> = d.children.iter().map(|a| area_row(a, &ctx)).collect();
    let children_chart = if children.is_empty() {
        String::new()
    } else {
        bar_chart(
            &ctx.t("insight-children-submitted"),
            &children
                .iter()
                .map(|a| (a.name.clone(), a.submitted))
                .collect::<Vec<_>>(),
        )
    };
    let this = Month::of(civicgrid_app::now_ms());
    DashboardPage {
        node_id: d.node.id,
        title: ctx.node_name(&d.node).to_owned(),
        kind: ctx.tk("kinds-", d.node.kind.as_str()),
        month: month_label(&ctx, d.month),
        months: this
            .last(12)
            .into_iter()
            .rev()
            .map(|m| (m.code(), month_label(&ctx, m), m == d.month))
            .collect(),
        node_in_places: d.places.iter().any(|n| n.id == d.node.id),
        places: d
            .places
            .iter()
            .map(|n| (n.id, ctx.node_name(n).to_owned(), n.id == d.node.id))
            .collect(),
        parent: d
            .parent
            .as_ref()
            .map(|p| (p.id, ctx.node_name(p).to_owned())),
        counted: match &d.counted {
            Some(c) => ctx.t1("insight-counted-at", "time", &format_time(c.counted_at)),
            None => ctx.t("insight-not-counted"),
        },
        count_failed: d.counted.as_ref().is_some_and(|c| c.error.is_some()),
        sections: sections(&ctx, &d),
        trend_chart,
        age_chart,
        children_chart,
        children,
        siblings: d
            .siblings
            .iter()
            .filter(|a| a.node.id != d.node.id)
            .map(|a| area_row(a, &ctx))
            .collect(),
        ctx,
    }
}

async fn dashboard(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<DashboardQuery>,
) -> PageResult<Response> {
    let month = match q.month.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => Some(Month::parse(m).ok_or_else(|| {
            crate::error::PageError(crate::error::Failure::from(
                civicgrid_app::AppError::invalid("month", "a month such as 2026-12"),
            ))
        })?),
        None => None,
    };
    let d = st.app.insight_dashboard(&me.actor, q.node, month).await?;
    Ok(render(&page(ctx, d)))
}
