//! A community's visit policies (`/care/policies/{community}`): the table by care tag
//! and level, and the form that writes one (carried to the pairings that follow it).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::care::policies::PoliciesView;
use civicgrid_app::domain::care::policies::{Cadence, PolicySpec};
use civicgrid_app::domain::care::visits::Mode;
use civicgrid_app::platform::auth::SignedIn;

use super::visits::modes;
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, Problems, node_name, problems_of};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

type Fields = HashMap<String, String>;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/care/policies/{id}", page)
        .post("/care/policies/{id}", save)
}

struct Row {
    tags: String,
    level: i64,
    cadence_days: i64,
    mode: String,
}

#[derive(Template)]
#[template(path = "care/policies.html")]
struct PoliciesPage {
    ctx: PageCtx,
    notice: Option<String>,
    problems: Problems,
    f: Fields,
    id: i64,
    name: String,
    rows: Vec<Row>,
    care_tags: Vec<(String, String)>,
    all_tags: Vec<(String, String)>,
    modes: Vec<(&'static str, String)>,
    may_manage: bool,
}

impl PoliciesPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

fn tag_name(lang: Lang, v: &PoliciesView, code: &str) -> String {
    v.tags
        .iter()
        .find(|t| t.0 == code)
        .map(|t| match lang {
            Lang::ZhCn => t.1.clone(),
            Lang::En => t.2.clone(),
        })
        .unwrap_or_else(|| code.to_owned())
}

async fn policies_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    notice: Option<String>,
    problems: Problems,
    f: Fields,
) -> PageResult<PoliciesPage> {
    let v = st.app.care_policies(&me.actor, id).await?;
    let lang = ctx.lang;
    let rows = v
        .policies
        .iter()
        .map(|p| Row {
            tags: if p.spec.with_tag.is_empty() {
                tag_name(lang, &v, &p.spec.tag)
            } else {
                format!(
                    "{} + {}",
                    tag_name(lang, &v, &p.spec.tag),
                    tag_name(lang, &v, &p.spec.with_tag)
                )
            },
            level: p.spec.level,
            cadence_days: p.spec.cadence.as_days(),
            mode: ctx.tk("care-mode-", p.spec.mode.code()),
        })
        .collect();
    let name_of = |t: &(String, String, String, bool)| match lang {
        Lang::ZhCn => t.1.clone(),
        Lang::En => t.2.clone(),
    };
    Ok(PoliciesPage {
        notice,
        problems,
        f,
        id,
        name: node_name(lang, &v.community).to_owned(),
        rows,
        care_tags: v
            .tags
            .iter()
            .filter(|t| t.3)
            .map(|t| (t.0.clone(), name_of(t)))
            .collect(),
        all_tags: v.tags.iter().map(|t| (t.0.clone(), name_of(t))).collect(),
        modes: modes(&ctx),
        may_manage: v.may_manage,
        ctx,
    })
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    let p = policies_page(&st, ctx, &me, id, n, Problems::none(), Fields::new()).await?;
    Ok(render(&p))
}

async fn save(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let spec = || -> Result<PolicySpec, AppError> {
        let days = get("cadence_days").trim().parse::<i64>().map_err(|_| {
            AppError::invalid("cadence_days", "a whole number of days from 1 to 366")
        })?;
        Ok(PolicySpec {
            tag: get("tag"),
            with_tag: get("with_tag"),
            level: get("level")
                .trim()
                .parse::<i64>()
                .map_err(|_| AppError::invalid("level", "a care level from 1 to 3"))?,
            cadence: Cadence::days(days).map_err(|e| AppError::invalid(e.field, e.message))?,
            mode: Mode::parse(&get("mode")).map_err(|e| AppError::invalid(e.field, e.message))?,
        })
    };
    let result = match spec() {
        Ok(s) => st.app.set_care_policy(&me.actor, id, s).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/care/policies/{id}?done=care_policy_saved")).into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "tag")?;
            let p = policies_page(&st, ctx, &me, id, None, problems, f).await?;
            Ok((status, render(&p)).into_response())
        }
    }
}
