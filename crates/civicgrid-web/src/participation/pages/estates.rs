//! An estate's page (`/participation/estates/{id}`): its buildings chosen among the
//! community's, its property company, its owners' committee, what an owners' vote
//! would count today, the rooms whose area the ledger still lacks, and the form that
//! records a room's owner when the households do not say it (an owner living
//! elsewhere, or the developer), with a room picker and a resident picker.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::estates::DEVELOPER;
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::privacy::mask_name;
use civicgrid_app::ledger::search::SearchRequest;
use civicgrid_app::participation::estates::EstateView;
use civicgrid_app::platform::auth::SignedIn;

use super::area;
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::ledger::pages::{MAX_MATCHES, address, room_matches_query, split_words};
use crate::page::{PageCtx, render};
use crate::picker::{Pick, PickMatch, is_search};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/participation/estates/{id}", estate)
        .post("/participation/estates/{id}", update)
        .post("/participation/estates/{id}/room-owners", record_owner)
        .get("/participation/estates/{id}/rooms", room_matches)
        .get("/participation/estates/{id}/owners", owner_matches)
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
    owner_form: OwnerForm,
}

/// The form recording a room's owner: the room, and a resident or the developer.
struct OwnerForm {
    room: Pick,
    owner: Pick,
    developer: bool,
    problems: Problems,
}

/// The page's two forms as posted, with their objections: the estate's (as stored
/// when `posted` is `None`) and the owner form.
struct Forms<'a> {
    posted: Option<&'a HashMap<String, String>>,
    problems: Problems,
    owner: OwnerForm,
}

impl Forms<'_> {
    /// Both forms as the estate stands, nothing chosen.
    fn fresh(id: i64) -> Forms<'static> {
        Forms {
            posted: None,
            problems: Problems::none(),
            owner: OwnerForm::empty(id),
        }
    }
}

impl OwnerForm {
    /// The form before anything is chosen.
    fn empty(id: i64) -> OwnerForm {
        OwnerForm {
            room: Pick::new(
                "room_id",
                "room",
                &format!("/participation/estates/{id}/rooms"),
                "",
            ),
            owner: Pick::new(
                "owner",
                "owner",
                &format!("/participation/estates/{id}/owners"),
                "",
            ),
            developer: false,
            problems: Problems::none(),
        }
    }
}

async fn estate_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    notice: Option<String>,
    forms: Forms<'_>,
) -> PageResult<Response> {
    let Forms {
        posted,
        problems,
        owner: owner_form,
    } = forms;
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
        owner_form,
    }))
}

async fn estate(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    estate_page(&st, ctx, &me, id, n, Forms::fresh(id)).await
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
            let forms = Forms {
                posted: Some(&f),
                problems,
                owner: OwnerForm::empty(id),
            };
            let page = estate_page(&st, ctx, &me, id, None, forms).await?;
            Ok((status, page).into_response())
        }
    }
}

/// The room picker with the estate's rooms its search text finds (3栋2单元302,
/// 3-2-302). Only those who manage the estate search.
async fn room_pick(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    id: i64,
    fields: &HashMap<String, String>,
) -> PageResult<Pick> {
    let pick = OwnerForm::empty(id).room.read(fields);
    let words = split_words(&pick.q);
    let rooms = st.app.estate_rooms(&me.actor, id).await?;
    if words.is_empty() {
        return Ok(pick);
    }
    let matches = rooms
        .iter()
        .filter(|r| room_matches_query(&words, &r.building, &r.unit, &r.room))
        .take(MAX_MATCHES)
        .map(|r| PickMatch {
            value: r.room_id.to_string(),
            label: address(ctx.lang, &r.building, &r.unit, &r.room),
            detail: String::new(),
        })
        .collect();
    Ok(pick.found(matches))
}

/// The owner picker with the ledger's residents its search text finds, names masked,
/// homes as people say them. A blank search, or a reader without the ledger, finds
/// nobody.
async fn owner_pick(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    id: i64,
    fields: &HashMap<String, String>,
) -> PageResult<Pick> {
    let pick = OwnerForm::empty(id).owner.read(fields);
    if pick.q.is_empty() || !me.actor.can_somewhere(Permission::ViewLedger) {
        return Ok(pick);
    }
    let found = st
        .app
        .search_residents(
            &me.actor,
            &SearchRequest {
                q: pick.q.clone(),
                page: 1,
                ..SearchRequest::default()
            },
        )
        .await?;
    let matches = found
        .hits
        .iter()
        .take(MAX_MATCHES)
        .map(|h| {
            let home = address(
                ctx.lang,
                h.building.as_deref().unwrap_or_default(),
                h.unit.as_deref().unwrap_or_default(),
                h.room.as_deref().unwrap_or_default(),
            );
            PickMatch {
                value: h.id.to_string(),
                label: mask_name(&h.name),
                detail: if home.is_empty() {
                    h.grid_name.clone()
                } else {
                    format!("{home} · {}", h.grid_name)
                },
            }
        })
        .collect();
    Ok(pick.found(matches))
}

/// A picker's matches alone (htmx swaps them in after a search).
#[derive(Template)]
#[template(path = "picker_matches.html")]
struct MatchesFragment {
    ctx: PageCtx,
    pick: Pick,
}

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

async fn owner_matches(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    // Only those who manage the estate choose its owners.
    st.app.estate_rooms(&me.actor, id).await?;
    let pick = owner_pick(&st, &ctx, &me, id, &q).await?;
    Ok(render(&MatchesFragment { ctx, pick }))
}

/// A chosen id: blank is `None`, anything else not a positive number is an error on
/// `field`.
fn chosen_id(field: &'static str, raw: &str, message: &str) -> Result<Option<i64>, AppError> {
    match optional(raw) {
        None => Ok(None),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(AppError::invalid(field, message)),
        },
    }
}

/// What the owner form asks for: the room, and the owner (a resident, or
/// [`DEVELOPER`]).
fn owner_of(f: &HashMap<String, String>) -> Result<(i64, i64), AppError> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let room = chosen_id("room_id", get("room_id"), "choose a room of this estate")?
        .ok_or_else(|| AppError::invalid("room_id", "choose a room of this estate"))?;
    let resident = chosen_id("owner", get("owner"), "choose the owner from the ledger")?;
    let developer = f.contains_key("developer");
    match (resident, developer) {
        (Some(r), false) => Ok((room, r)),
        (None, true) => Ok((room, DEVELOPER)),
        (Some(_), true) => Err(AppError::invalid(
            "owner",
            "choose either an owner or the developer, not both",
        )),
        (None, false) => Err(AppError::invalid(
            "owner",
            "choose the owner from the ledger, or mark the room as the developer's",
        )),
    }
}

/// Records a room's owner; a search (without JavaScript) or an objection shows the
/// page again with the form as it was.
async fn record_owner(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let searching = is_search(&f, "room") || is_search(&f, "owner");
    let outcome = if searching {
        None
    } else {
        let result = match owner_of(&f) {
            Ok((room, owner)) => {
                st.app
                    .set_room_owner(&me.actor, id, room, Some(owner), None)
                    .await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                return Ok(Redirect::to(&format!(
                    "/participation/estates/{id}?done=estate_owner_saved"
                ))
                .into_response());
            }
            Err(e) => Some(problems_of(ctx.lang, e, "room_id")?),
        }
    };
    let room = if is_search(&f, "room") {
        room_pick(&st, &ctx, &me, id, &f).await?
    } else {
        OwnerForm::empty(id).room.read(&f)
    };
    let owner = if is_search(&f, "owner") {
        owner_pick(&st, &ctx, &me, id, &f).await?
    } else {
        OwnerForm::empty(id).owner.read(&f)
    };
    let (status, problems) = outcome.unwrap_or((StatusCode::OK, Problems::none()));
    let forms = Forms {
        owner: OwnerForm {
            room,
            owner,
            developer: f.contains_key("developer"),
            problems,
        },
        ..Forms::fresh(id)
    };
    let page = estate_page(&st, ctx, &me, id, None, forms).await?;
    Ok((status, page).into_response())
}
