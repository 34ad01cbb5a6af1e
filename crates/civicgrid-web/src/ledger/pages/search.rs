//! Ledger search (GET /ledger/search): a search box with filters and a results table.
//! Works as a plain form; with htmx the results refresh as the user types.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::ledger::search::{Hit, SearchRequest, age_band, today_ym};
use civicgrid_app::platform::org::OrgNode;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageQuery};
use crate::i18n::Lang;
use crate::ledger::pages::{Badge, TagNames};
use crate::page::{PageCtx, render, url_encode};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/ledger/search", search)
}

/// The form's fields; all optional, and odd values are ignored rather than refused.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SearchParams {
    pub q: String,
    pub grid: String,
    pub tag: String,
    pub status: String,
    pub page: String,
}

impl SearchParams {
    pub fn request(&self) -> SearchRequest {
        let trimmed = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        SearchRequest {
            q: self.q.chars().take(200).collect(),
            node_id: self.grid.trim().parse().ok(),
            tag: trimmed(&self.tag),
            status: trimmed(&self.status),
            page: self.page.trim().parse().unwrap_or(1),
        }
    }
}

pub(crate) struct Row {
    id: i64,
    name: String,
    gender: String,
    age: i64,
    band: usize,
    grid: String,
    place: String,
    status: String,
    badges: Vec<Badge>,
}

/// Age in whole years from a birth year-month, as of this month.
pub(crate) fn age_of(birth_ym: i64) -> i64 {
    let today = today_ym();
    let (y, m) = (birth_ym / 100, birth_ym % 100);
    let (ty, tm) = (today / 100, today % 100);
    (ty - y - i64::from(tm < m)).max(0)
}

/// Where the resident lives, as people say it: 1栋1单元204室.
fn place(lang: Lang, h: &Hit) -> String {
    super::address(
        lang,
        h.building.as_deref().unwrap_or_default(),
        h.unit.as_deref().unwrap_or_default(),
        h.room.as_deref().unwrap_or_default(),
    )
}

#[derive(Template)]
#[template(path = "ledger/search.html")]
struct SearchPage {
    ctx: PageCtx,
    p: SearchParams,
    grids: Vec<OrgNode>,
    tags: Vec<(String, String)>,
    statuses: [&'static str; 4],
    rows: Vec<Row>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    searched: bool,
}

fn link(p: &SearchParams, page: i64) -> String {
    format!(
        "/ledger/search?q={}&grid={}&tag={}&status={}&page={page}",
        url_encode(&p.q),
        url_encode(&p.grid),
        url_encode(&p.tag),
        url_encode(&p.status)
    )
}

async fn search(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(p): PageQuery<SearchParams>,
) -> PageResult<Response> {
    let req = p.request();
    let results = st.app.search_residents(&me.actor, &req).await?;
    let catalogue = st.app.tag_catalogue(&me.actor).await?;
    let names = TagNames::new(ctx.lang, &catalogue);
    let grids = st.app.ledger_grids(&me.actor).await?;
    let tags = catalogue
        .iter()
        .map(|t| (t.def.code.clone(), names.name(&t.def.code)))
        .collect();
    let grid_name = |id: i64| {
        grids
            .iter()
            .find(|g| g.id == id)
            .map_or_else(String::new, |g| match ctx.lang {
                Lang::ZhCn => g.name_zh.clone(),
                Lang::En => g.name_en.clone(),
            })
    };
    let rows = results
        .hits
        .iter()
        .map(|h| Row {
            id: h.id,
            name: h.name.clone(),
            gender: h.gender.clone(),
            age: age_of(h.birth_ym),
            band: age_band(h.birth_ym, today_ym()),
            grid: Some(grid_name(h.grid_id))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| h.grid_name.clone()),
            place: place(ctx.lang, h),
            status: h.residence_status.clone(),
            badges: h
                .tags
                .iter()
                .map(|c| Badge {
                    name: names.name(c),
                    care: names.care(c),
                })
                .collect(),
        })
        .collect();
    let searched =
        !(p.q.trim().is_empty() && p.grid.is_empty() && p.tag.is_empty() && p.status.is_empty());
    let page = results.page;
    Ok(render(&SearchPage {
        prev: (page > 1).then(|| link(&p, page - 1)),
        next: results.has_more.then(|| link(&p, page + 1)),
        ctx,
        p,
        grids,
        tags,
        statuses: ["registered", "floating", "moved_out", "deceased"],
        rows,
        page,
        searched,
    }))
}
