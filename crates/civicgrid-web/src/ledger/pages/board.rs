//! Choosing a grid, and its room board (每栋每户): per building and unit a block of
//! floors (top floor first) × rooms, each tile coloured by occupied / rented / vacant
//! with its member count and care badges; adding a room, and a household in a room
//! found by the room picker.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::ledger::{Board, BoardRoomView};
use civicgrid_app::platform::org::OrgNode;
use serde::Deserialize;

use super::household::{MAX_MATCHES, MatchesFragment, room_matches_query, split_words};
use super::{Badge, TagNames, address, badges, grid_name, speech};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::picker::{Pick, PickMatch, is_search};
use crate::routes::Routes;
use crate::state::AppState;
use civicgrid_app::domain::ledger::place;
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/ledger", grids)
        .get("/ledger/grids/{id}", board)
        .post("/ledger/grids/{id}/rooms", add_room)
        .get("/ledger/grids/{id}/rooms", room_matches)
        .post("/ledger/grids/{id}/households", add_household)
}

#[derive(Template)]
#[template(path = "ledger/grids.html")]
struct GridsPage {
    ctx: PageCtx,
    grids: Vec<OrgNode>,
}

async fn grids(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let grids = st.app.ledger_grids(&me.actor).await?;
    Ok(render(&GridsPage { ctx, grids }))
}

struct Cell {
    room: BoardRoomView,
    /// The whole place, for the tile's title: 1栋1单元204室.
    address: String,
    badges: Vec<Badge>,
    members: i64,
    household_id: Option<i64>,
}

/// One floor of a unit, its rooms left to right.
struct FloorRow {
    label: String,
    cells: Vec<Cell>,
}

/// A unit as a block of floors (top floor first) × rooms, headed "1栋 1单元".
struct UnitBlock {
    heading: String,
    /// The most rooms on one floor (the grid's columns).
    columns: usize,
    floors: Vec<FloorRow>,
}

struct Section {
    name: String,
    address: String,
    units: Vec<UnitBlock>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RoomFields {
    building: String,
    unit: String,
    room: String,
    floor: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct HouseholdFields {
    room_id: String,
    ownership: String,
    area_m2: String,
    /// The room picker's search text and button.
    #[serde(flatten)]
    rest: HashMap<String, String>,
}

impl HouseholdFields {
    /// What the room picker reads: its search text and the chosen room.
    fn pick_fields(&self) -> HashMap<String, String> {
        let mut m = self.rest.clone();
        m.insert("room_id".into(), self.room_id.clone());
        m
    }
}

/// The forms as they were posted, shown again after a search or a refusal.
#[derive(Default)]
struct Kept {
    room: RoomFields,
    household: HouseholdFields,
    room_pick: Option<Pick>,
}

#[derive(Template)]
#[template(path = "ledger/board.html")]
struct BoardPage {
    ctx: PageCtx,
    board: Board,
    sections: Vec<Section>,
    /// The add-a-household form's room, found by building, unit and room.
    room_pick: Pick,
    fields: RoomFields,
    household: HouseholdFields,
    notice: Option<String>,
    problems: Problems,
}

async fn board_page(
    st: &AppState,
    ctx: PageCtx,
    me: &civicgrid_app::platform::auth::SignedIn,
    id: i64,
    kept: Kept,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let board = st.app.ledger_board(&me.actor, id).await?;
    let names = TagNames::new(ctx.lang, &st.app.tag_catalogue(&me.actor).await?);
    let lang = ctx.lang;
    let mut rooms = Vec::new();
    let mut sections = Vec::new();
    for b in &board.buildings {
        let building = place::building(&b.name, speech(lang));
        let mut units = Vec::new();
        for u in &b.units {
            // Rooms come sorted by floor, then by name; a room without a stored floor
            // takes the one its number tells (1203 → 12). The top floor shows first.
            let mut floors: Vec<(Option<i64>, Vec<Cell>)> = Vec::new();
            for r in &u.rooms {
                let said = address(lang, &b.name, &u.name, &r.name);
                rooms.push((r.id, said.clone()));
                let mut codes: Vec<String> =
                    r.households.iter().flat_map(|h| h.tags.clone()).collect();
                codes.sort();
                codes.dedup();
                codes.retain(|c| names.care(c));
                let cell = Cell {
                    address: said,
                    badges: badges(&names, &codes),
                    members: r.households.iter().map(|h| h.members).sum(),
                    household_id: r.households.first().map(|h| h.id),
                    room: r.clone(),
                };
                let floor = r.floor.or_else(|| place::floor_from_room(&r.name));
                match floors.iter_mut().find(|(f, _)| *f == floor) {
                    Some((_, cells)) => cells.push(cell),
                    None => floors.push((floor, vec![cell])),
                }
            }
            floors.sort_by(|(a, _), (b, _)| match (a, b) {
                (Some(x), Some(y)) => y.cmp(x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
            let unit = place::unit(&u.name, speech(lang));
            units.push(UnitBlock {
                heading: [building.as_str(), unit.as_str()]
                    .iter()
                    .filter(|p| !p.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
                columns: floors.iter().map(|(_, c)| c.len()).max().unwrap_or(1),
                floors: floors
                    .into_iter()
                    .map(|(f, cells)| FloorRow {
                        label: match f {
                            Some(n) => ctx.t1("ledger-floor-n", "floor", &n.to_string()),
                            None => ctx.t("ledger-floor-none"),
                        },
                        cells,
                    })
                    .collect(),
            });
        }
        sections.push(Section {
            name: building,
            address: b.address.clone(),
            units,
        });
    }
    let mut room_pick = kept.room_pick.unwrap_or_else(|| empty_room_pick(id));
    if let Some((_, said)) = rooms
        .iter()
        .find(|(r, _)| r.to_string() == room_pick.chosen)
    {
        room_pick.chosen_label = said.clone();
    }
    Ok(render(&BoardPage {
        ctx,
        board,
        sections,
        room_pick,
        fields: kept.room,
        household: kept.household,
        notice,
        problems,
    }))
}

async fn board(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    board_page(&st, ctx, &me, id, Kept::default(), n, Problems::none()).await
}

fn empty_room_pick(grid_id: i64) -> Pick {
    Pick::new(
        "room_id",
        "room",
        &format!("/ledger/grids/{grid_id}/rooms"),
        "",
    )
}

/// The add-a-household form's room picker with the rooms of this grid its search
/// text finds (3栋2单元302, 3-2-302). Only someone who may add a household here
/// searches.
async fn room_pick(
    st: &AppState,
    ctx: &PageCtx,
    me: &civicgrid_app::platform::auth::SignedIn,
    id: i64,
    fields: &HashMap<String, String>,
) -> PageResult<Pick> {
    st.app.grid_for_edit(&me.actor, id).await?;
    let pick = empty_room_pick(id).read(fields);
    let words = split_words(&pick.q);
    if words.is_empty() {
        return Ok(pick);
    }
    let board = st.app.ledger_board(&me.actor, id).await?;
    let grid = grid_name(ctx.lang, &board.grid);
    let matches = board
        .buildings
        .iter()
        .flat_map(|b| b.units.iter().map(move |u| (b, u)))
        .flat_map(|(b, u)| u.rooms.iter().map(move |r| (b, u, r)))
        .filter(|(b, u, r)| room_matches_query(&words, &b.name, &u.name, &r.name))
        .take(MAX_MATCHES)
        .map(|(b, u, r)| PickMatch {
            value: r.id.to_string(),
            label: address(ctx.lang, &b.name, &u.name, &r.name),
            detail: grid.clone(),
        })
        .collect();
    Ok(pick.found(matches))
}

/// The room picker's matches alone (htmx swaps them in after a search).
async fn room_matches(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    let pick = room_pick(&st, &ctx, &me, id, &q).await?;
    Ok(render(&MatchesFragment { ctx, pick }))
}

async fn add_room(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<RoomFields>,
) -> PageResult<Response> {
    let floor = match optional(&f.floor).map(str::parse::<i64>) {
        None => Ok(None),
        Some(Ok(n)) if (-10..=300).contains(&n) => Ok(Some(n)),
        Some(_) => Err(civicgrid_app::AppError::invalid(
            "floor",
            "must be a whole number",
        )),
    };
    let result = match floor {
        Ok(floor) => {
            st.app
                .add_room(&me.actor, id, &f.building, &f.unit, &f.room, floor)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/ledger/grids/{id}?done=ledger_room_added")).into_response())
        }
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "room")?;
            let kept = Kept {
                room: f,
                ..Kept::default()
            };
            let page = board_page(&st, ctx, &me, id, kept, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

async fn add_household(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HouseholdFields>,
) -> PageResult<Response> {
    if is_search(&f.rest, "room") {
        let pick = room_pick(&st, &ctx, &me, id, &f.pick_fields()).await?;
        let kept = Kept {
            household: f,
            room_pick: Some(pick),
            ..Kept::default()
        };
        return board_page(&st, ctx, &me, id, kept, None, Problems::none()).await;
    }
    let result = match crate::forms::form_id("room_id", &f.room_id) {
        Ok(room) => {
            st.app
                .add_household(&me.actor, room, &f.ownership, optional(&f.area_m2))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(h) => Ok(Redirect::to(&format!(
            "/ledger/households/{h}?done=ledger_household_added"
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "ownership")?;
            let pick = empty_room_pick(id).read(&f.pick_fields());
            let kept = Kept {
                household: f,
                room_pick: Some(pick),
                ..Kept::default()
            };
            let page = board_page(&st, ctx, &me, id, kept, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}
