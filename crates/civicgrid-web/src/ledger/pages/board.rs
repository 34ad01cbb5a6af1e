//! Choosing a grid, and its room board: buildings as sections, units as columns,
//! rooms as cells coloured by occupied / vacant / rented.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::ledger::{Board, BoardRoomView};
use civicgrid_app::platform::org::OrgNode;
use serde::Deserialize;

use super::{Badge, TagNames, badges};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, Problems, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;
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
    badges: Vec<Badge>,
    members: i64,
    household_id: Option<i64>,
}

struct Column {
    name: String,
    cells: Vec<Cell>,
}

struct Section {
    name: String,
    address: String,
    columns: Vec<Column>,
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
    let sections = board
        .buildings
        .iter()
        .map(|b| Section {
            name: b.name.clone(),
            address: b.address.clone(),
            columns: b
                .units
                .iter()
                .map(|u| Column {
                    name: u.name.clone(),
                    cells: u
                        .rooms
                        .iter()
                        .map(|r| {
                            let mut codes: Vec<String> =
                                r.households.iter().flat_map(|h| h.tags.clone()).collect();
                            codes.sort();
                            codes.dedup();
                            codes.retain(|c| names.care(c));
                            Cell {
                                badges: badges(&names, &codes),
                                members: r.households.iter().map(|h| h.members).sum(),
                                household_id: r.households.first().map(|h| h.id),
                                room: r.clone(),
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Ok(render(&BoardPage {
        ctx,
        board,
        sections,
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
