//! An estate's page (`/participation/estates/{id}`): its buildings chosen among the
//! community's, its property company, its owners' committee, what an owners' vote
//! would count today, and the rooms whose area the ledger still lacks.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::participation::estates::EstateView;
use civicgrid_app::platform::auth::SignedIn;

use super::area;
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, Problems, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::ledger::pages::address;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/participation/estates/{id}", estate)
        .post("/participation/estates/{id}", update)
}

/// A building on the estate's form: chosen, or held by another estate.
struct BuildingBox {
    id: i64,
    name: String,
    grid: String,
    chosen: bool,
    elsewhere: bool,
}

#[derive(Template)]
#[template(path = "participation/estate.html")]
struct EstatePage {
    ctx: PageCtx,
    e: EstateView,
    name: String,
    property: String,
    buildings: Vec<BuildingBox>,
    total_area: String,
    rooms_to_fix: Vec<String>,
    notice: Option<String>,
    problems: Problems,
}

async fn estate_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    posted: Option<&HashMap<String, String>>,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let e = st.app.estate(&me.actor, id).await?;
    let buildings = e
        .buildings
        .iter()
        .map(|b| BuildingBox {
            id: b.building_id,
            name: civicgrid_app::domain::ledger::place::building(
                &b.name,
                crate::ledger::pages::speech(ctx.lang),
            ),
            grid: b.grid_name.clone(),
            chosen: match posted {
                Some(p) => p.contains_key(&format!("b{}", b.building_id)),
                None => b.estate_id == Some(e.estate.id),
            },
            elsewhere: b.estate_id.is_some_and(|x| x != e.estate.id),
        })
        .collect();
    let field =
        |k: &str, default: String| posted.and_then(|p| p.get(k).cloned()).unwrap_or(default);
    let rooms_to_fix = e
        .electorate
        .rooms_without_area
        .iter()
        .map(|r| address(ctx.lang, &r.building, &r.unit, &r.room))
        .collect();
    Ok(render(&EstatePage {
        name: field("name", e.estate.name.clone()),
        property: field(
            "property_org_id",
            e.estate
                .property_org_id
                .map(|p| p.to_string())
                .unwrap_or_default(),
        ),
        total_area: area(e.electorate.area_centi),
        rooms_to_fix,
        buildings,
        ctx,
        e,
        notice,
        problems,
    }))
}

async fn estate(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    estate_page(&st, ctx, &me, id, None, n, Problems::none()).await
}

async fn update(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let name = f.get("name").map_or("", String::as_str);
    let property = optional(f.get("property_org_id").map_or("", String::as_str))
        .map(|p| p.parse::<i64>().unwrap_or(-1));
    let buildings: Vec<i64> = f
        .keys()
        .filter_map(|k| k.strip_prefix('b').and_then(|n| n.parse().ok()))
        .collect();
    match st
        .app
        .update_estate(&me.actor, id, name, property, &buildings)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/participation/estates/{id}?done=estate_saved")).into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "name")?;
            let page = estate_page(&st, ctx, &me, id, Some(&f), None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}
