//! How far a notice has reached: totals, a bar per building and a map of the grids
//! (each shaded by its read share, each building a pin inside its grid) drawn on the
//! server, and every household and account.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use std::collections::HashMap;

use civicgrid_app::domain::geo::{
    Boundary, MapFeature, MapPin, render_svg_map_with_pins, spread_point,
};
use civicgrid_app::domain::ledger::place;
use civicgrid_app::domain::participation::notices::CoverageBand;
use civicgrid_app::participation::notices::{BuildingCoverage, Coverage};

use super::{Row, Shown, row, shown};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PagePath};
use crate::forms::node_name;
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::requests::pages::utc_offset;
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/notices/{id}/coverage", coverage)
}

/// A building's bar on the coverage chart.
struct Bar {
    label: String,
    read: i64,
    total: i64,
}

/// One bar per building: read (filled) of all households, drawn on the server.
fn bars_svg(bars: &[Bar], title: &str) -> String {
    const ROW: i64 = 28;
    const LABEL: i64 = 120;
    const WIDTH: i64 = 360;
    let height = (bars.len() as i64).max(1) * ROW + 8;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {height}\" role=\"img\" \
         class=\"notice-bars\"><title>{}</title>",
        LABEL + WIDTH + 60,
        askama_escape(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as i64 * ROW + 4;
        let filled = if b.total > 0 {
            b.read * WIDTH / b.total
        } else {
            0
        };
        let pct = if b.total > 0 {
            b.read * 100 / b.total
        } else {
            0
        };
        s.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\" class=\"bar-label\">{label}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{WIDTH}\" height=\"20\" class=\"bar-all\"/>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{filled}\" height=\"20\" class=\"bar-read\"/>\
             <text x=\"{tx}\" y=\"{ty}\" class=\"bar-value\">{pct}%</text>",
            ty = y + 15,
            label = askama_escape(&b.label),
            tx = LABEL + WIDTH + 6,
        ));
    }
    s.push_str("</svg>");
    s
}

/// Escapes text for the SVG drawn by hand.
fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The map's size in viewBox units.
const MAP_SIZE: (u32, u32) = (640, 420);

/// The CSS class of a read share's band, for an area and a pin alike.
fn band_class(read: i64, total: i64) -> String {
    format!("coverage-{}", CoverageBand::of(read, total).code())
}

/// The map of the recipients' grids, each shaded by the share of its households that
/// have read the notice, with every building a pin inside its grid coloured the same
/// way; `None` when no grid has a boundary to draw.
fn coverage_map(ctx: &PageCtx, c: &Coverage) -> Option<String> {
    let boundaries: HashMap<i64, Boundary> = c
        .grids
        .iter()
        .filter_map(|g| Some((g.id, Boundary::parse_geojson(g.boundary.as_deref()?).ok()?)))
        .collect();
    if boundaries.is_empty() {
        return None;
    }
    let mut per_grid: HashMap<i64, (i64, i64)> = HashMap::new();
    for b in &c.buildings {
        let e = per_grid.entry(b.grid_id).or_default();
        e.0 += b.read;
        e.1 += b.households;
    }
    let read_line = |name: &str, read: i64, total: i64| {
        ctx.lang.t_args(
            "notice-coverage-pin",
            &[
                ("place", name.to_owned()),
                ("read", read.to_string()),
                ("total", total.to_string()),
            ],
        )
    };
    let areas: Vec<(i64, String, String, &Boundary)> = c
        .grids
        .iter()
        .filter_map(|g| {
            let boundary = boundaries.get(&g.id)?;
            let (read, total) = per_grid.get(&g.id).copied().unwrap_or_default();
            let label = read_line(node_name(ctx.lang, g), read, total);
            Some((g.id, label, band_class(read, total), boundary))
        })
        .collect();
    // Across many grids the figures stay in the titles, off the map.
    let labelled = areas.len() <= 8;
    let features: Vec<MapFeature<'_>> = areas
        .iter()
        .map(|(id, label, class, boundary)| MapFeature {
            id: *id,
            label,
            boundary,
            href: None,
            highlight: false,
            labelled,
            class,
        })
        .collect();
    let speech = crate::ledger::pages::speech(ctx.lang);
    let mut placed: HashMap<i64, usize> = HashMap::new();
    let dots: Vec<((f64, f64), String, String)> = c
        .buildings
        .iter()
        .filter_map(|b| {
            let boundary = boundaries.get(&b.grid_id)?;
            let n = placed.entry(b.grid_id).or_default();
            *n += 1;
            let title = read_line(&place::building(&b.building, speech), b.read, b.households);
            Some((
                spread_point(boundary, *n),
                title,
                band_class(b.read, b.households),
            ))
        })
        .collect();
    let pins: Vec<MapPin<'_>> = dots
        .iter()
        .map(|((lon, lat), title, class)| MapPin {
            lon: *lon,
            lat: *lat,
            class,
            label: title,
            href: None,
        })
        .collect();
    Some(render_svg_map_with_pins(
        &features, &pins, MAP_SIZE.0, MAP_SIZE.1, "",
    ))
}

#[derive(Template)]
#[template(path = "participation/notice_coverage.html")]
struct CoveragePage {
    ctx: PageCtx,
    n: Shown,
    households_line: String,
    accounts_line: Option<String>,
    svg: String,
    /// The coverage map, absent when no grid has a boundary.
    map_svg: Option<String>,
    /// The map's legend: (band class, words).
    bands: Vec<(String, String)>,
    buildings: Vec<(String, i64, i64)>,
    rows: Vec<Row>,
    may_follow_up: bool,
}

async fn coverage(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let c = st.app.notice_coverage(&me.actor, id).await?;
    let offset = utc_offset(&st).await?;
    let n = shown(&st, &ctx, &c.notice).await?;
    let speech = crate::ledger::pages::speech(ctx.lang);
    let label =
        |b: &BuildingCoverage| format!("{} {}", b.grid_name, place::building(&b.building, speech));
    let bars: Vec<Bar> = c
        .buildings
        .iter()
        .map(|b| Bar {
            label: label(b),
            read: b.read,
            total: b.households,
        })
        .collect();
    let svg = if bars.is_empty() {
        String::new()
    } else {
        bars_svg(&bars, &ctx.t("notice-coverage-chart"))
    };
    let buildings = c
        .buildings
        .iter()
        .map(|b| (label(b), b.read, b.households))
        .collect();
    let map_svg = coverage_map(&ctx, &c);
    let bands = CoverageBand::ALL
        .iter()
        .map(|b| {
            (
                format!("coverage-{}", b.code()),
                ctx.tk("notice-coverage-band-", b.code()),
            )
        })
        .collect();
    let rows = c.rows.iter().map(|r| row(ctx.lang, r, offset)).collect();
    let households_line = ctx.lang.t_args(
        "notice-coverage-households",
        &[
            ("read", c.households_read.to_string()),
            ("total", c.households.to_string()),
        ],
    );
    let accounts_line = (c.accounts > 0).then(|| {
        ctx.lang.t_args(
            "notice-coverage-accounts",
            &[
                ("read", c.accounts_read.to_string()),
                ("total", c.accounts.to_string()),
            ],
        )
    });
    Ok(render(&CoveragePage {
        ctx,
        n,
        households_line,
        accounts_line,
        svg,
        map_svg,
        bands,
        buildings,
        rows,
        may_follow_up: c.notice.may_follow_up,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_labels_and_scale_to_the_read_share() {
        let svg = bars_svg(
            &[Bar {
                label: "1栋 <b>".into(),
                read: 1,
                total: 4,
            }],
            "chart",
        );
        assert!(svg.contains("1栋 &lt;b&gt;"));
        assert!(svg.contains("width=\"90\""));
        assert!(svg.contains("25%"));
    }
}
