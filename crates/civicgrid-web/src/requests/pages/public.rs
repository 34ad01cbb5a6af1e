//! The public board (no sign-in): a map of every grid of the chosen street or
//! community with the open requests that may be shown publicly as pins by category
//! family, the list beside it, and each request's public page. No personal data:
//! category, status, place no finer than building and unit, and age. The free text is
//! left out even without its contact details (the app's `PublicRequest`): residents
//! write names into it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::domain::geo::{
    Boundary, MapFeature, MapPin, render_svg_map_with_pins, spread_point,
};
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::domain::requests::category::family_of;
use civicgrid_app::platform::org::OrgNode;
use civicgrid_app::requests::board::PublicRequest;
use serde::Deserialize;
use serde_json::json;

use super::{CategoryNames, age, request_id};
use crate::error::PageResult;
use crate::extract::{PagePath, PageQuery};
use crate::forms::{node_name, query_number};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::map_tiles::MapTiles;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/requests/public", board)
        .get("/requests/public/{id}", one)
}

/// The map's size in SVG units (it scales to the page's width).
const MAP_SIZE: (u32, u32) = (640, 480);

/// The category families in the legend, in this order.
const FAMILIES: [&str; 8] = [
    "lift",
    "water",
    "power_and_facilities",
    "neighbourhood_order",
    "environment",
    "safety",
    "property",
    "other",
];

struct PublicLine {
    number: String,
    href: String,
    category: String,
    family: &'static str,
    status: &'static str,
    place: String,
    address: String,
    age: String,
}

/// A street or community the board may be narrowed to.
struct ScopeChoice {
    id: i64,
    label: String,
}

#[derive(Template)]
#[template(path = "requests/public.html")]
struct BoardPage {
    ctx: PageCtx,
    title: String,
    lines: Vec<PublicLine>,
    map_svg: String,
    families: Vec<&'static str>,
    scopes: Vec<ScopeChoice>,
    scope_id: Option<i64>,
    /// Where 在这里反映 leads: the report form, with the grid when one is chosen.
    report_href: String,
    /// The same layers over base tiles, when the operator configured a source.
    tile_map: Option<TileMap>,
}

/// What the page's script needs to draw the grids and pins over base tiles.
struct TileMap {
    url: String,
    attribution: String,
    subdomains: String,
    /// `{"grids": [...], "pins": [...]}`, safe inside a `<script>` element.
    layers: String,
}

fn tile_map(
    tiles: &MapTiles,
    features: &[MapFeature<'_>],
    raw: &HashMap<i64, &str>,
    pins: &[MapPin<'_>],
) -> TileMap {
    let grids: Vec<serde_json::Value> = features
        .iter()
        .filter_map(|f| {
            let geometry: serde_json::Value = serde_json::from_str(raw.get(&f.id)?).ok()?;
            Some(json!({
                "name": f.label, "href": f.href, "open": f.highlight, "geometry": geometry,
            }))
        })
        .collect();
    let pins: Vec<serde_json::Value> = pins
        .iter()
        .map(|p| json!({"lon": p.lon, "lat": p.lat, "family": p.class, "label": p.label, "href": p.href}))
        .collect();
    let layers = json!({"grids": grids, "pins": pins})
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    TileMap {
        url: tiles.url.clone(),
        attribution: tiles.attribution.clone(),
        subdomains: tiles.subdomains.clone(),
        layers,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BoardQuery {
    place: Option<String>,
}

/// Names of the places on the board, by id.
struct Places<'a> {
    lang: Lang,
    by_id: HashMap<i64, &'a OrgNode>,
}

impl<'a> Places<'a> {
    fn new(lang: Lang, nodes: &'a [OrgNode]) -> Places<'a> {
        Places {
            lang,
            by_id: nodes.iter().map(|n| (n.id, n)).collect(),
        }
    }

    fn name(&self, id: i64) -> &str {
        self.by_id.get(&id).map_or("", |n| node_name(self.lang, n))
    }

    /// "湖光社区 · 第1网格"; the grid alone when its name already says the community
    /// (湖光社区第1网格) or the community is unknown.
    fn grid_in_community(&self, r: &PublicRequest) -> String {
        let (community, grid) = (self.name(r.community_id), self.name(r.grid_id));
        if community.is_empty() || grid.starts_with(community) {
            grid.to_owned()
        } else {
            format!("{community} · {grid}")
        }
    }
}

fn line(
    ctx: &PageCtx,
    names: &CategoryNames,
    places: &Places<'_>,
    r: &PublicRequest,
    now: i64,
) -> PublicLine {
    PublicLine {
        number: r.number.clone(),
        href: format!("/requests/public/{}", r.number),
        category: names.name(&r.category),
        family: family_of(&r.category),
        status: r.status.code(),
        place: places.grid_in_community(r),
        address: r.address.clone(),
        age: age(ctx, r.created_at, now),
    }
}

/// Where each request's pin goes: its own (rounded) point, else a spot inside its
/// grid that no other pin of the grid takes.
fn pin_points(
    requests: &[PublicRequest],
    grids: &HashMap<i64, Boundary>,
) -> Vec<Option<(f64, f64)>> {
    let mut placed: HashMap<i64, usize> = HashMap::new();
    requests
        .iter()
        .map(|r| {
            r.point.or_else(|| {
                let boundary = grids.get(&r.grid_id)?;
                let n = placed.entry(r.grid_id).or_default();
                *n += 1;
                Some(spread_point(boundary, *n))
            })
        })
        .collect()
}

async fn board(
    State(st): State<AppState>,
    ctx: PageCtx,
    PageQuery(q): PageQuery<BoardQuery>,
) -> PageResult<Response> {
    let within = query_number("place", q.place.as_deref())?;
    let b = st.app.public_request_board(within).await?;
    let names = CategoryNames::new(ctx.lang, &st.app.request_categories().await?);
    let now = civicgrid_app::now_ms();
    let places = Places::new(ctx.lang, &b.places);
    let lines: Vec<PublicLine> = b
        .requests
        .iter()
        .map(|r| line(&ctx, &names, &places, r, now))
        .collect();

    let mut open_in: HashMap<i64, usize> = HashMap::new();
    for r in &b.requests {
        *open_in.entry(r.grid_id).or_default() += 1;
    }
    let grids: HashMap<i64, Boundary> = b
        .places
        .iter()
        .filter(|n| n.kind == NodeKind::Grid)
        .filter_map(|n| Some((n.id, Boundary::parse_geojson(n.boundary.as_deref()?).ok()?)))
        .collect();
    let labels: Vec<(i64, String, String)> = b
        .places
        .iter()
        .filter(|n| grids.contains_key(&n.id))
        .map(|n| {
            let count = open_in.get(&n.id).copied().unwrap_or(0);
            let label = if count > 0 {
                format!("{} ({count})", node_name(ctx.lang, n))
            } else {
                node_name(ctx.lang, n).to_owned()
            };
            (n.id, label, format!("/requests/public?place={}", n.id))
        })
        .collect();
    let features: Vec<MapFeature<'_>> = labels
        .iter()
        .filter_map(|(id, label, href)| {
            Some(MapFeature {
                id: *id,
                label,
                boundary: grids.get(id)?,
                href: Some(href),
                highlight: open_in.contains_key(id),
                // Across many grids only those with requests are named on the map.
                labelled: labels.len() <= 8 || open_in.contains_key(id),
                class: "",
            })
        })
        .collect();
    let titles: Vec<String> = lines
        .iter()
        .map(|l| format!("{} · {}", l.category, l.place))
        .collect();
    let points = pin_points(&b.requests, &grids);
    let pins: Vec<MapPin<'_>> = lines
        .iter()
        .zip(&titles)
        .zip(points)
        .filter_map(|((l, title), point)| {
            let (lon, lat) = point?;
            Some(MapPin {
                lon,
                lat,
                class: l.family,
                label: title,
                href: Some(&l.href),
            })
        })
        .collect();
    let map_svg = render_svg_map_with_pins(
        &features,
        &pins,
        MAP_SIZE.0,
        MAP_SIZE.1,
        &ctx.t("map-empty"),
    );
    let raw: HashMap<i64, &str> = b
        .places
        .iter()
        .filter_map(|n| Some((n.id, n.boundary.as_deref()?)))
        .collect();
    let tile_map = st
        .config
        .map_tiles
        .as_ref()
        .map(|t| tile_map(t, &features, &raw, &pins));

    let scope_id = b.scope.as_ref().map(|n| n.id);
    let title = match &b.scope {
        Some(n) => ctx.t1("request-public-title-in", "place", node_name(ctx.lang, n)),
        None => ctx.t("request-public-title"),
    };
    let report_href = match &b.scope {
        Some(n) if n.kind == NodeKind::Grid => format!("/requests/new?grid_id={}", n.id),
        _ => "/requests/new".to_owned(),
    };
    let scopes = b
        .scopes
        .iter()
        .map(|n| ScopeChoice {
            id: n.id,
            label: match n.kind {
                NodeKind::Community => format!("· {}", node_name(ctx.lang, n)),
                _ => node_name(ctx.lang, n).to_owned(),
            },
        })
        .collect();
    let mut families: Vec<&'static str> = FAMILIES
        .iter()
        .copied()
        .filter(|f| lines.iter().any(|l| l.family == *f))
        .collect();
    families.dedup();
    Ok(render(&BoardPage {
        ctx,
        title,
        lines,
        map_svg,
        families,
        scopes,
        scope_id,
        report_href,
        tile_map,
    }))
}

#[derive(Template)]
#[template(path = "requests/public_one.html")]
struct OnePage {
    ctx: PageCtx,
    l: PublicLine,
    map_svg: String,
    board_href: String,
}

async fn one(
    State(st): State<AppState>,
    ctx: PageCtx,
    PagePath(raw): PagePath<String>,
) -> PageResult<Response> {
    let id = request_id(&raw)?;
    let shown = st.app.public_request(id).await?;
    let r = &shown.request;
    let names = CategoryNames::new(ctx.lang, shown.category.as_slice());
    let nodes: Vec<OrgNode> = std::iter::once(shown.grid.clone())
        .chain(shown.community.clone())
        .collect();
    let places = Places::new(ctx.lang, &nodes);
    let l = line(&ctx, &names, &places, r, civicgrid_app::now_ms());
    let grid = shown
        .grid
        .boundary
        .as_deref()
        .and_then(|b| Boundary::parse_geojson(b).ok());
    let map_svg = match &grid {
        Some(boundary) => {
            let name = places.name(r.grid_id).to_owned();
            let features = [MapFeature {
                id: r.grid_id,
                label: &name,
                boundary,
                href: None,
                highlight: true,
                labelled: true,
                class: "",
            }];
            let point = r.point.unwrap_or_else(|| spread_point(boundary, 1));
            let pins = [MapPin {
                lon: point.0,
                lat: point.1,
                class: l.family,
                label: &l.category,
                href: None,
            }];
            render_svg_map_with_pins(&features, &pins, MAP_SIZE.0, MAP_SIZE.1 / 2, "")
        }
        None => String::new(),
    };
    Ok(render(&OnePage {
        ctx,
        board_href: format!("/requests/public?place={}", r.grid_id),
        l,
        map_svg,
    }))
}
