//! Choosing a grid, and its room board (每栋每户): per building and unit a block of
//! floors (top floor first) × rooms, each tile coloured by occupied / rented / vacant
//! with its member count and care badges.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::ledger::{Board, BoardRoomView};
use civicgrid_app::platform::org::OrgNode;
use serde::Deserialize;

use super::{Badge, TagNames, address, badges, speech};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, Problems, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;
use civicgrid_app::domain::ledger::place;
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/ledger", grids)
        .get("/ledger/grids/{id}", board)
        .post("/ledger/grids/{id}/rooms", add_room)
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
}

#[derive(Template)]
#[template(path = "ledger/board.html")]
struct BoardPage {
    ctx: PageCtx,
    board: Board,
    sections: Vec<Section>,
    /// Every room, as people say it, for the add-a-household choice.
    rooms: Vec<(i64, String)>,
    fields: RoomFields,
    notice: Option<String>,
    problems: Problems,
}

async fn board_page(
    st: &AppState,
    ctx: PageCtx,
    me: &civicgrid_app::platform::auth::SignedIn,
    id: i64,
    fields: RoomFields,
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
    Ok(render(&BoardPage {
        ctx,
        board,
        sections,
        rooms,
        fields,
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
    board_page(
        &st,
        ctx,
        &me,
        id,
        RoomFields::default(),
        n,
        Problems::none(),
    )
    .await
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
            let page = board_page(&st, ctx, &me, id, f, None, problems).await?;
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
            let page = board_page(&st, ctx, &me, id, RoomFields::default(), None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}
