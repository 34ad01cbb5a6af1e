//! The public board (no sign-in): open requests that may be shown publicly, with no
//! personal data (category, status, grid and community, age), and an SVG map of the
//! grids they lie in, each grid labelled with how many are open there.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::domain::geo::{Boundary, MapFeature, render_svg_map};
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;

use super::{CategoryNames, age};
use crate::error::PageResult;
use crate::forms::node_name;
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/requests/public", board)
}

struct PublicLine {
    number: String,
    category: String,
    status: &'static str,
    grid: String,
    community: String,
    age: String,
}

#[derive(Template)]
#[template(path = "requests/public.html")]
struct BoardPage {
    ctx: PageCtx,
    lines: Vec<PublicLine>,
    map_svg: String,
}

async fn board(State(st): State<AppState>, ctx: PageCtx) -> PageResult<Response> {
    let b = st.app.public_request_board(None).await?;
    let names = CategoryNames::new(ctx.lang, &st.app.request_categories().await?);
    let now = civicgrid_app::now_ms();
    let place = |id: i64| {
        b.places
            .iter()
            .find(|n| n.id == id)
            .map_or_else(String::new, |n| node_name(ctx.lang, n).to_owned())
    };
    let lines = b
        .requests
        .iter()
        .map(|r| PublicLine {
            number: r.number.clone(),
            category: names.name(&r.category),
            status: r.status.code(),
            grid: place(r.grid_id),
            community: place(r.community_id),
            age: age(&ctx, r.created_at, now),
        })
        .collect();
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for r in &b.requests {
        *counts.entry(r.grid_id).or_default() += 1;
    }
    let areas: Vec<(i64, String, Boundary)> = b
        .places
        .iter()
        .filter(|n| n.kind == NodeKind::Grid)
        .filter_map(|n| {
            let boundary = Boundary::parse_geojson(n.boundary.as_deref()?).ok()?;
            let count = counts.get(&n.id).copied().unwrap_or(0);
            Some((
                n.id,
                format!("{} ({count})", node_name(ctx.lang, n)),
                boundary,
            ))
        })
        .collect();
    let features: Vec<MapFeature<'_>> = areas
        .iter()
        .map(|(id, label, boundary)| MapFeature {
            id: *id,
            label,
            boundary,
            href: None,
            highlight: true,
        })
        .collect();
    let map_svg = render_svg_map(&features, 640, 480, &ctx.t("map-empty"));
    Ok(render(&BoardPage {
        ctx,
        lines,
        map_svg,
    }))
}
