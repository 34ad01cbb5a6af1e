//! Population summary of a grid or community (GET /ledger/population/{id}):
//! tables per grid and bar charts drawn on the server as SVG.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::ledger::search::{AGE_BANDS, Counts, PopulationView};

use crate::charts::bar_chart;
use crate::error::PageResult;
use crate::extract::{CurrentUser, PagePath};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/ledger/population/{id}", population)
}

const STATUSES: [&str; 4] = ["registered", "floating", "moved_out", "deceased"];
const GENDERS: [&str; 2] = ["male", "female"];

struct GridRow {
    id: i64,
    name: String,
    c: Counts,
}

#[derive(Template)]
#[template(path = "ledger/population.html")]
struct PopulationPage {
    ctx: PageCtx,
    title: String,
    node_id: i64,
    total: Counts,
    grids: Vec<GridRow>,
    tag_cols: Vec<(String, String)>,
    bands: [&'static str; 5],
    statuses: [&'static str; 4],
    genders: [&'static str; 2],
    charts: Vec<String>,
    today: String,
}

impl PopulationPage {
    /// The count under `key`, zero when absent.
    fn n(&self, m: &BTreeMap<String, i64>, key: &str) -> i64 {
        m.get(key).copied().unwrap_or(0)
    }
}

fn tag_name(v: &PopulationView, lang: Lang, code: &str) -> String {
    v.tags.iter().find(|t| t.code == code).map_or_else(
        || code.to_owned(),
        |t| match lang {
            Lang::ZhCn => t.name_zh.clone(),
            Lang::En => t.name_en.clone(),
        },
    )
}

async fn population(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(node_id): PagePath<i64>,
) -> PageResult<Response> {
    let v = st.app.population(&me.actor, node_id).await?;
    let lang = ctx.lang;
    let total = v.population.total.clone();
    let tag_cols: Vec<(String, String)> = total
        .by_tag
        .keys()
        .map(|k| (k.clone(), tag_name(&v, lang, k)))
        .collect();
    let charts = vec![
        bar_chart(
            &ctx.t("population-by-age"),
            &AGE_BANDS
                .iter()
                .zip(total.by_age_band)
                .map(|(b, n)| ((*b).to_owned(), n))
                .collect::<Vec<_>>(),
        ),
        bar_chart(
            &ctx.t("ledger-gender"),
            &GENDERS
                .iter()
                .map(|g| {
                    (
                        ctx.tk("ledger-gender-", g),
                        total.by_gender.get(*g).copied().unwrap_or(0),
                    )
                })
                .collect::<Vec<_>>(),
        ),
        bar_chart(
            &ctx.t("population-by-status"),
            &STATUSES
                .iter()
                .map(|s| {
                    (
                        ctx.tk("ledger-status-", s),
                        total.by_status.get(*s).copied().unwrap_or(0),
                    )
                })
                .collect::<Vec<_>>(),
        ),
        bar_chart(
            &ctx.t("population-by-tag"),
            &tag_cols
                .iter()
                .map(|(code, name)| (name.clone(), total.by_tag.get(code).copied().unwrap_or(0)))
                .collect::<Vec<_>>(),
        ),
    ];
    let grids = v
        .population
        .grids
        .iter()
        .map(|g| GridRow {
            id: g.grid_id,
            name: match lang {
                Lang::ZhCn => g.name_zh.clone(),
                Lang::En => g.name_en.clone(),
            },
            c: g.counts.clone(),
        })
        .collect();
    Ok(render(&PopulationPage {
        title: ctx.node_name(&v.node).to_owned(),
        node_id: v.node.id,
        today: format!("{}-{:02}", v.today_ym / 100, v.today_ym % 100),
        ctx,
        total,
        grids,
        tag_cols,
        bands: AGE_BANDS,
        statuses: STATUSES,
        genders: GENDERS,
        charts,
    }))
}
