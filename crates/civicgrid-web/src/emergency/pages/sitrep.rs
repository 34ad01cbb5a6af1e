//! The situation report (情况报告): `/emergency/{id}/sitrep` for one emergency and
//! `/emergency/sitrep` for every running one the reader follows (a street office's
//! whole street), as a printable page or, with `?format=xlsx`, a workbook of four
//! sheets (summary, households needing help, materials issued, incident log) — the
//! same figures the page shows, so nobody retypes them.

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::modes::Kind;
use civicgrid_app::domain::emergency::sitrep::{Figures, running_for};
use civicgrid_app::emergency::sitrep::{Sitrep, SitrepSection};
use serde::Deserialize;

use super::modes::hazard_words;
use crate::error::{Failure, PageError, PageResult};
use crate::extract::{CurrentUser, PagePath, PageQuery};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::ledger::pages::address;
use crate::page::{PageCtx, format_time, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/emergency/sitrep", running)
        .get("/emergency/{id}/sitrep", one)
}

#[derive(Debug, Deserialize)]
struct SitrepQuery {
    format: Option<String>,
}

/// A community's emergency as the report says it.
pub(super) struct SectionView {
    pub(super) id: i64,
    pub(super) community: String,
    pub(super) drill: bool,
    pub(super) what: String,
    pub(super) started: String,
    /// 3小时12分, or the end when it has ended.
    pub(super) running: String,
    pub(super) reason: String,
    pub(super) steps: String,
    pub(super) f: Figures,
    pub(super) campaigns: Vec<(String, String, Figures)>,
    /// (address, needs, when checked)
    pub(super) needing_help: Vec<(String, String, String)>,
    /// (item, unit, quantity, households)
    pub(super) issued: Vec<(String, String, i64, i64)>,
    /// (when, kind, text)
    pub(super) incidents: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "emergency/sitrep.html")]
struct SitrepPage {
    ctx: PageCtx,
    title: String,
    as_of: String,
    sections: Vec<SectionView>,
    total: Figures,
    /// (label, count) of each need, in total.
    needs: Vec<(String, i64)>,
    /// Where the workbook of the same is.
    xlsx: String,
    /// Whether any section is a drill (the report says so at its head).
    any_drill: bool,
}

fn needs_words(ctx: &PageCtx, f: &Figures) -> Vec<(String, i64)> {
    f.needs
        .iter()
        .map(|(n, c)| (ctx.tk("check-need-", n.code()), *c))
        .collect()
}

fn section_view(ctx: &PageCtx, s: SitrepSection, as_of: i64) -> SectionView {
    let a = &s.a;
    let running = match a.ended_at {
        Some(end) => ctx.t1("sitrep-ended-at", "time", &format_time(end)),
        None => {
            let (h, m) = running_for(a.started_at, as_of);
            ctx.lang.t_args(
                "sitrep-running-for",
                &[("hours", h.to_string()), ("minutes", m.to_string())],
            )
        }
    };
    SectionView {
        id: a.id,
        community: s.community_name,
        drill: a.kind == Kind::Drill,
        what: hazard_words(ctx, a.hazard, a.level),
        started: format_time(a.started_at),
        running,
        reason: a.reason.clone(),
        steps: format!("{} / {}", s.steps.0, s.steps.1),
        campaigns: s
            .campaigns
            .into_iter()
            .map(|c| (c.c.title, format_time(c.c.deadline_at), c.figures))
            .collect(),
        needing_help: s
            .needing_help
            .iter()
            .map(|t| {
                (
                    address(ctx.lang, &t.building, &t.unit, &t.room),
                    t.needs
                        .iter()
                        .map(|n| ctx.tk("check-need-", n.code()))
                        .collect::<Vec<_>>()
                        .join("、"),
                    t.checked_at.map(format_time).unwrap_or_default(),
                )
            })
            .collect(),
        issued: s
            .issued
            .into_iter()
            .map(|l| {
                let unit = ctx.tk("materials-unit-", &l.unit);
                (l.item, unit, l.quantity, l.households)
            })
            .collect(),
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
        f: s.figures,
    }
}

fn page(ctx: PageCtx, r: Sitrep, title: String, xlsx: String) -> SitrepPage {
    let sections: Vec<SectionView> = r
        .sections
        .into_iter()
        .map(|s| section_view(&ctx, s, r.as_of))
        .collect();
    SitrepPage {
        needs: needs_words(&ctx, &r.total),
        as_of: format_time(r.as_of),
        any_drill: sections.iter().any(|s| s.drill),
        total: r.total,
        sections,
        title,
        xlsx,
        ctx,
    }
}

/// The page, or the workbook when `format` asks for it.
fn answer(p: SitrepPage, format: Option<&str>) -> PageResult<Response> {
    match format {
        None | Some("html") => Ok(render(&p)),
        Some("xlsx") => {
            let bytes = super::sitrep_xlsx::workbook(&p.ctx, &p.sections, &p.total)
                .map_err(|e| PageError(Failure::from(e)))?;
            let name = format!("sitrep-{}.xlsx", p.as_of.replace([' ', ':'], "-"));
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                ],
                bytes,
            )
                .into_response())
        }
        Some(_) => Err(PageError(Failure::from(AppError::invalid(
            "format",
            "use html or xlsx",
        )))),
    }
}

async fn one(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<SitrepQuery>,
) -> PageResult<Response> {
    let r = st.app.emergency_sitrep(&me.actor, id).await?;
    let title = match r.sections.first() {
        Some(s) => ctx.t1("sitrep-title-of", "place", &s.community_name),
        None => ctx.t("sitrep-title"),
    };
    let p = page(ctx, r, title, format!("/emergency/{id}/sitrep?format=xlsx"));
    answer(p, q.format.as_deref())
}

async fn running(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<SitrepQuery>,
) -> PageResult<Response> {
    let r = st.app.running_sitrep(&me.actor).await?;
    let title = ctx.t("sitrep-title-running");
    let p = page(ctx, r, title, "/emergency/sitrep?format=xlsx".to_owned());
    answer(p, q.format.as_deref())
}
