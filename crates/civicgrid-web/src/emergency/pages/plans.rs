//! Emergency plans (`/emergency/plans`): the plans written for the reader's places,
//! and one plan's form — started from the hazard's template — with its checklist,
//! urgent request categories and deadlines, the care tags checked first, the
//! materials to stage and the duty roster (people chosen from those serving the place).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::modes::Hazard;
use civicgrid_app::domain::emergency::plans::{PlanSpec, lines};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::emergency::plans::{DutyInput, PlanView};
use civicgrid_app::platform::auth::SignedIn;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PageQuery};
use crate::forms::{DoneNotice, Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::routes::Routes;
use crate::state::AppState;

/// Rows of the duty roster a form offers.
const ROSTER_ROWS: usize = 6;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/emergency/plans", list)
        .get("/emergency/plans/edit", edit)
        .post("/emergency/plans", save)
}

#[derive(Template)]
#[template(path = "emergency/plans.html")]
struct ListPage {
    ctx: PageCtx,
    /// (node id, place, hazard code, hazard words, title, updated)
    plans: Vec<(i64, String, &'static str, String, String, String)>,
    places: Vec<(i64, String)>,
    hazards: Vec<(&'static str, String)>,
}

async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let plans = st
        .app
        .emergency_plans(&me.actor)
        .await?
        .into_iter()
        .map(|(p, place)| {
            (
                p.node_id,
                place,
                p.spec.hazard.code(),
                ctx.tk("hazard-", p.spec.hazard.code()),
                p.spec.title,
                format_time(p.updated_at),
            )
        })
        .collect();
    let places = st
        .app
        .visible_nodes(&me.actor)
        .await?
        .into_iter()
        .filter(|n| matches!(n.kind, NodeKind::Community | NodeKind::Street))
        .filter(|n| me.actor.can(Permission::ViewEmergency, &n.path))
        .map(|n| (n.id, n.name_zh))
        .collect();
    Ok(render(&ListPage {
        plans,
        places,
        hazards: Hazard::ALL
            .iter()
            .map(|h| (h.code(), ctx.tk("hazard-", h.code())))
            .collect(),
        ctx,
    }))
}

/// A checkbox of a form: code, words, ticked.
struct Tick {
    code: String,
    label: String,
    on: bool,
}

#[derive(Template)]
#[template(path = "emergency/plan.html")]
struct PlanPage {
    ctx: PageCtx,
    v: PlanView,
    hazard_label: String,
    steps: String,
    materials: String,
    categories: Vec<Tick>,
    tags: Vec<Tick>,
    /// (user id, name) to choose from.
    people: Vec<(i64, String)>,
    /// (user id, duty, contact) per row.
    roster: Vec<(String, String, String)>,
    response: String,
    resolution: String,
    notice: Option<String>,
    problems: Problems,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EditQuery {
    node: Option<i64>,
    hazard: String,
}

async fn plan_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    v: PlanView,
    posted: Option<&HashMap<String, String>>,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<PlanPage> {
    let on = |k: String| posted.is_some_and(|f| f.get(&k).is_some_and(|v| !v.is_empty()));
    let get = |k: &str, default: String| {
        posted.map_or(default, |f| f.get(k).cloned().unwrap_or_default())
    };
    let categories = st
        .app
        .request_categories()
        .await?
        .into_iter()
        .map(|c| Tick {
            on: match posted {
                Some(_) => on(format!("cat_{}", c.code)),
                None => v.spec.urgent_categories.contains(&c.code),
            },
            label: match ctx.lang {
                Lang::En => c.name_en.clone(),
                Lang::ZhCn => c.name_zh.clone(),
            },
            code: c.code,
        })
        .collect();
    let tags = super::modes::care_tags(st)
        .await?
        .into_iter()
        .map(|(code, zh, en)| Tick {
            on: match posted {
                Some(_) => on(format!("tag_{code}")),
                None => v.spec.check_tags.contains(&code),
            },
            label: match ctx.lang {
                Lang::En => en,
                Lang::ZhCn => zh,
            },
            code,
        })
        .collect();
    let people = if v.may_edit {
        st.app
            .duty_choices(&me.actor, v.node_id)
            .await?
            .into_iter()
            .map(|c| (c.user_id, c.display_name))
            .collect()
    } else {
        Vec::new()
    };
    let roster = (0..ROSTER_ROWS)
        .map(|i| match posted {
            Some(f) => (
                f.get(&format!("duty_user_{i}"))
                    .cloned()
                    .unwrap_or_default(),
                f.get(&format!("duty_{i}")).cloned().unwrap_or_default(),
                f.get(&format!("contact_{i}")).cloned().unwrap_or_default(),
            ),
            None => v.roster.get(i).map_or_else(Default::default, |d| {
                (d.user_id.to_string(), d.duty.clone(), d.contact.clone())
            }),
        })
        .collect();
    Ok(PlanPage {
        hazard_label: ctx.tk("hazard-", v.spec.hazard.code()),
        steps: get("steps", v.spec.steps.join("\n")),
        materials: get("materials", v.spec.materials.join("\n")),
        response: get(
            "urgent_response_minutes",
            v.spec.urgent_response_minutes.to_string(),
        ),
        resolution: get(
            "urgent_resolution_minutes",
            v.spec.urgent_resolution_minutes.to_string(),
        ),
        categories,
        tags,
        people,
        roster,
        notice,
        problems,
        v: PlanView {
            spec: PlanSpec {
                title: get("plan_title", v.spec.title.clone()),
                ..v.spec.clone()
            },
            ..v
        },
        ctx,
    })
}

async fn edit(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<EditQuery>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    civicgrid_app::authz::require_somewhere(&me.actor, Permission::ViewEmergency)?;
    let node = q
        .node
        .ok_or_else(|| AppError::invalid("node", "choose a community or a street"))?;
    let hazard =
        Hazard::parse(&q.hazard).map_err(|_| AppError::invalid("hazard", "choose the hazard"))?;
    let v = st.app.emergency_plan(&me.actor, node, hazard).await?;
    let p = plan_page(&st, ctx, &me, v, None, notice, Problems::none()).await?;
    Ok(render(&p))
}

fn number(f: &HashMap<String, String>, k: &'static str) -> Result<u32, AppError> {
    f.get(k)
        .map_or("", String::as_str)
        .trim()
        .parse()
        .map_err(|_| AppError::invalid(k, "give minutes as a whole number"))
}

async fn save(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let node = crate::forms::form_id("node", get("node"))?;
    let hazard = Hazard::parse(get("hazard"))
        .map_err(|_| AppError::invalid("hazard", "choose the hazard"))?;
    let result = async {
        let ticked = |prefix: &str| -> Vec<String> {
            f.iter()
                .filter(|(k, v)| k.starts_with(prefix) && !v.is_empty())
                .map(|(k, _)| k[prefix.len()..].to_owned())
                .collect()
        };
        let spec = PlanSpec {
            hazard,
            title: get("plan_title").to_owned(),
            steps: lines(get("steps")),
            urgent_categories: ticked("cat_"),
            urgent_response_minutes: number(&f, "urgent_response_minutes")?,
            urgent_resolution_minutes: number(&f, "urgent_resolution_minutes")?,
            check_tags: ticked("tag_"),
            materials: lines(get("materials")),
        };
        let mut roster = Vec::new();
        for i in 0..ROSTER_ROWS {
            let user = get(&format!("duty_user_{i}")).trim().to_owned();
            if user.is_empty() {
                continue;
            }
            roster.push(DutyInput {
                user_id: crate::forms::form_id("roster", &user)?,
                duty: get(&format!("duty_{i}")).to_owned(),
                contact: get(&format!("contact_{i}")).to_owned(),
            });
        }
        st.app
            .save_emergency_plan(&me.actor, node, spec, &roster)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/emergency/plans/edit?node={node}&hazard={}&done=plan_saved",
            hazard.code()
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "plan_title")?;
            let v = st.app.emergency_plan(&me.actor, node, hazard).await?;
            let p = plan_page(&st, ctx, &me, v, Some(&f), None, problems).await?;
            Ok((status, render(&p)).into_response())
        }
    }
}
