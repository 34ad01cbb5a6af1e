//! How far a notice has reached: totals, a bar per building drawn on the server, and
//! every household and account.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::domain::ledger::place;
use civicgrid_app::participation::notices::BuildingCoverage;

use super::{Row, Shown, row, shown};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PagePath};
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

#[derive(Template)]
#[template(path = "participation/notice_coverage.html")]
struct CoveragePage {
    ctx: PageCtx,
    n: Shown,
    households_line: String,
    accounts_line: Option<String>,
    svg: String,
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
