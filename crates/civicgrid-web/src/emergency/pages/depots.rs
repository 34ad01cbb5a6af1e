//! Material depots for staff: the depots with their warnings, opening a depot and
//! adding items; a depot's stock board (items, batches, low-stock and expiring-soon
//! warnings, the latest movements) with receiving, counting, writing off,
//! transferring, minimums and allocation by priority; and the transfer requests.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::materials::{
    ItemKind, ItemUnit, MovementKind, TransferStatus, parse_quantity,
};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::emergency::depots::{DepotBoard, DepotLine};
use civicgrid_app::emergency::stock::{Receipt, TransferLine};
use civicgrid_app::platform::auth::SignedIn;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, Problems, form_id, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/materials", hub)
        .post("/materials/depots", create_depot)
        .post("/materials/items", add_item)
        .get("/materials/depots/{id}", board)
        .post("/materials/depots/{id}/movements", movement)
        .post("/materials/depots/{id}/minimums", minimum)
        .post("/materials/depots/{id}/allocate", allocate)
        .get("/materials/transfers", transfers)
        .post("/materials/transfers/{id}", decide)
}

type Fields = HashMap<String, String>;

fn field<'a>(f: &'a Fields, k: &str) -> &'a str {
    f.get(k).map_or("", String::as_str)
}

/// A whole number typed into `name`; blank or not a number is an objection on it.
pub(crate) fn number(f: &Fields, name: &'static str) -> Result<i64, AppError> {
    parse_quantity(name, field(f, name)).map_err(|e| AppError::invalid(e.field, e.message))
}

/// A count (0 allowed) typed into `name`.
fn count(f: &Fields, name: &'static str) -> Result<i64, AppError> {
    field(f, name)
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid(name, "give a whole number"))
}

/// A unit's label, e.g. 箱.
pub(crate) fn unit_label(ctx: &PageCtx, u: ItemUnit) -> String {
    ctx.tk("materials-unit-", u.code())
}

/// The depots page: each depot with its warnings.
struct DepotCard {
    id: i64,
    name: String,
    place: String,
    level: String,
    items: usize,
    low: usize,
    expiring: usize,
    expired: usize,
}

fn depot_card(ctx: &PageCtx, l: DepotLine) -> DepotCard {
    DepotCard {
        id: l.depot.id,
        level: ctx.tk("materials-level-", l.depot.level.code()),
        name: l.depot.name,
        place: l.place_name,
        items: l.items,
        low: l.low,
        expiring: l.expiring,
        expired: l.expired,
    }
}

#[derive(Template)]
#[template(path = "emergency/depots.html")]
struct HubPage {
    ctx: PageCtx,
    depots: Vec<DepotCard>,
    may_manage: bool,
    places: Vec<(i64, String)>,
    kinds: Vec<(&'static str, String)>,
    units: Vec<(&'static str, String)>,
    f: Fields,
    notice: Option<String>,
    problems: Problems,
}

impl HubPage {
    fn field(&self, k: &str) -> &str {
        field(&self.f, k)
    }
}

async fn hub_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    f: Fields,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<HubPage> {
    let depots = st
        .app
        .depots(&me.actor)
        .await?
        .into_iter()
        .map(|l| depot_card(&ctx, l))
        .collect();
    Ok(HubPage {
        depots,
        may_manage: me.actor.can_somewhere(Permission::ManageMaterials),
        places: st.app.depot_places(&me.actor).await?,
        kinds: ItemKind::ALL
            .iter()
            .map(|k| (k.code(), ctx.tk("materials-kind-", k.code())))
            .collect(),
        units: ItemUnit::ALL
            .iter()
            .map(|u| (u.code(), unit_label(&ctx, *u)))
            .collect(),
        f,
        notice,
        problems,
        ctx,
    })
}

async fn hub(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    Ok(render(
        &hub_page(&st, ctx, &me, Fields::new(), notice, Problems::none()).await?,
    ))
}

async fn hub_again(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    f: Fields,
    e: AppError,
    conflict: &str,
) -> PageResult<Response> {
    let (status, problems) = problems_of(ctx.lang, e, conflict)?;
    Ok((
        status,
        render(&hub_page(st, ctx, me, f, None, problems).await?),
    )
        .into_response())
}

async fn create_depot(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = async {
        let node = form_id("depot_place", field(&f, "depot_place"))?;
        st.app
            .create_depot(
                &me.actor,
                node,
                field(&f, "depot_name"),
                field(&f, "depot_address"),
            )
            .await
    }
    .await;
    match result {
        Ok(d) => Ok(Redirect::to(&format!(
            "/materials/depots/{}?done=materials_depot_created",
            d.id
        ))
        .into_response()),
        Err(e) => hub_again(&st, ctx, &me, f, e, "depot_name").await,
    }
}

async fn add_item(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = async {
        let kind = ItemKind::parse(field(&f, "item_kind"))
            .map_err(|_| AppError::invalid("item_kind", "choose a kind"))?;
        let unit = ItemUnit::parse(field(&f, "item_unit"))
            .map_err(|_| AppError::invalid("item_unit", "choose a unit"))?;
        st.app
            .add_material_item(&me.actor, field(&f, "item_name"), kind, unit)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/materials?done=materials_item_added").into_response()),
        Err(e) => hub_again(&st, ctx, &me, f, e, "item_name").await,
    }
}

/// A batch on the board, in words.
struct BatchText {
    id: i64,
    code: String,
    expires: String,
    expiry: &'static str,
    quantity: i64,
}

/// An item on the board, in words.
struct LineText {
    item_id: i64,
    name: String,
    kind: String,
    unit: String,
    on_hand: i64,
    usable: i64,
    minimum: i64,
    low: bool,
    expiring: bool,
    expired: bool,
    batches: Vec<BatchText>,
}

/// A ledger line in words.
pub(crate) struct MovementText {
    pub(crate) at: String,
    pub(crate) item: String,
    pub(crate) batch: String,
    pub(crate) kind: &'static str,
    pub(crate) kind_label: String,
    pub(crate) quantity: String,
    pub(crate) balance: i64,
    pub(crate) who: String,
    pub(crate) reason: String,
}

pub(crate) fn movement_text(
    ctx: &PageCtx,
    m: &civicgrid_app::emergency::depots::Movement,
) -> MovementText {
    MovementText {
        at: ctx.time(&m.at),
        item: m.item_name.clone(),
        batch: m.batch_code.clone(),
        kind: m.kind.code(),
        kind_label: ctx.tk("materials-movement-", m.kind.code()),
        quantity: if m.quantity > 0 {
            format!("+{}", m.quantity)
        } else {
            m.quantity.to_string()
        },
        balance: m.balance,
        who: crate::platform::pages::audit::actor_name(ctx.lang, m.actor_label.clone()),
        reason: m.reason.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "emergency/depot.html")]
struct BoardPage {
    ctx: PageCtx,
    id: i64,
    name: String,
    place: String,
    level: String,
    address: String,
    lines: Vec<LineText>,
    movements: Vec<MovementText>,
    may_manage: bool,
    low: usize,
    expiring: usize,
    waiting: i64,
    /// (id, name · unit) of the catalogue.
    items: Vec<(i64, String)>,
    /// (id, item · batch · expiry · quantity) of the depot's batches.
    batches: Vec<(i64, String)>,
    others: Vec<(i64, String)>,
    today: String,
    f: Fields,
    notice: Option<String>,
    problems: Problems,
}

impl BoardPage {
    fn field(&self, k: &str) -> &str {
        field(&self.f, k)
    }
}

fn board_page(
    ctx: PageCtx,
    b: DepotBoard,
    f: Fields,
    notice: Option<String>,
    problems: Problems,
) -> BoardPage {
    let lines: Vec<LineText> = b
        .lines
        .iter()
        .map(|l| LineText {
            item_id: l.item.id,
            name: l.item.name.clone(),
            kind: ctx.tk("materials-kind-", l.item.kind.code()),
            unit: unit_label(&ctx, l.item.unit),
            on_hand: l.on_hand,
            usable: l.usable,
            minimum: l.minimum,
            low: l.low,
            expiring: l.expiring,
            expired: l.expired,
            batches: l
                .batches
                .iter()
                .map(|x| BatchText {
                    id: x.batch.id,
                    code: x.batch.batch_code.clone(),
                    expires: x
                        .batch
                        .expires_on
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    expiry: x.expiry.code(),
                    quantity: x.batch.quantity,
                })
                .collect(),
        })
        .collect();
    let batches = lines
        .iter()
        .flat_map(|l| {
            l.batches.iter().map(move |x| {
                let expires = if x.expires.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", x.expires)
                };
                (
                    x.id,
                    format!(
                        "{} · {}{} · {} {}",
                        l.name, x.code, expires, x.quantity, l.unit
                    ),
                )
            })
        })
        .collect();
    BoardPage {
        id: b.depot.id,
        name: b.depot.name.clone(),
        place: b.place_name.clone(),
        level: ctx.tk("materials-level-", b.depot.level.code()),
        address: b.depot.address.clone(),
        low: b.low(),
        expiring: b.expiring(),
        waiting: b.waiting,
        movements: b.movements.iter().map(|m| movement_text(&ctx, m)).collect(),
        may_manage: b.may_manage,
        items: b
            .items
            .iter()
            .map(|i| (i.id, format!("{} · {}", i.name, unit_label(&ctx, i.unit))))
            .collect(),
        batches,
        others: b
            .other_depots
            .iter()
            .map(|d| (d.id, d.name.clone()))
            .collect(),
        today: b.today.to_string(),
        lines,
        f,
        notice,
        problems,
        ctx,
    }
}

async fn board(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let b = st.app.depot_board(&me.actor, id).await?;
    Ok(render(&board_page(
        ctx,
        b,
        Fields::new(),
        notice,
        Problems::none(),
    )))
}

async fn board_again(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    f: Fields,
    e: AppError,
    conflict: &str,
) -> PageResult<Response> {
    let (status, problems) = problems_of(ctx.lang, e, conflict)?;
    let b = st.app.depot_board(&me.actor, id).await?;
    Ok((status, render(&board_page(ctx, b, f, None, problems))).into_response())
}

/// A date typed into `name` (`YYYY-MM-DD`); blank is none.
fn date(f: &Fields, name: &'static str) -> Result<Option<NaiveDate>, AppError> {
    match optional(field(f, name)) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::invalid(name, "give a date such as 2026-12-31")),
    }
}

async fn movement(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = async {
        let reason = optional(field(&f, "reason"));
        match MovementKind::parse(field(&f, "kind")) {
            Ok(MovementKind::Receive) => {
                let r = Receipt {
                    item_id: form_id("item_id", field(&f, "item_id"))?,
                    quantity: number(&f, "quantity")?,
                    batch_code: field(&f, "batch_code").to_owned(),
                    expires_on: date(&f, "expires_on")?,
                    reason: reason.map(str::to_owned),
                };
                st.app
                    .receive_materials(&me.actor, id, &r)
                    .await
                    .map(|_| "received")
            }
            Ok(MovementKind::Adjust) => {
                let batch = form_id("batch_id", field(&f, "batch_id"))?;
                st.app
                    .adjust_stock(&me.actor, id, batch, count(&f, "counted")?, reason)
                    .await
                    .map(|_| "counted")
            }
            Ok(MovementKind::WriteOff) => {
                let batch = form_id("batch_id", field(&f, "batch_id"))?;
                st.app
                    .write_off_stock(&me.actor, id, batch, number(&f, "quantity")?, reason)
                    .await
                    .map(|_| "written_off")
            }
            Ok(MovementKind::TransferOut) => {
                let to = form_id("to_depot_id", field(&f, "to_depot_id"))?;
                let item = form_id("item_id", field(&f, "item_id"))?;
                st.app
                    .transfer_stock(&me.actor, id, to, item, number(&f, "quantity")?, reason)
                    .await
                    .map(|_| "transferred")
            }
            _ => Err(AppError::invalid("movement_kind", "choose what to record")),
        }
    }
    .await;
    match result {
        Ok(done) => Ok(
            Redirect::to(&format!("/materials/depots/{id}?done=materials_{done}")).into_response(),
        ),
        Err(e) => board_again(&st, ctx, &me, id, f, e, "quantity").await,
    }
}

async fn minimum(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = async {
        let item = form_id("item_id", field(&f, "item_id"))?;
        st.app
            .set_material_minimum(&me.actor, id, item, count(&f, "minimum")?)
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/materials/depots/{id}?done=materials_minimum")).into_response(),
        ),
        Err(e) => board_again(&st, ctx, &me, id, f, e, "minimum").await,
    }
}

async fn allocate(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    match st.app.allocate_materials(&me.actor, id).await {
        Ok(run) => {
            let done = if run.short.is_empty() {
                "materials_allocated"
            } else {
                "materials_allocated_short"
            };
            Ok(Redirect::to(&format!("/materials/requests?done={done}")).into_response())
        }
        Err(e) => board_again(&st, ctx, &me, id, f, e, "allocate").await,
    }
}

/// A transfer request in words.
struct TransferText {
    id: i64,
    item: String,
    quantity: i64,
    unit: String,
    from: String,
    to: String,
    status: &'static str,
    status_label: String,
    raised: String,
    reason: String,
    may_decide: bool,
}

fn transfer_text(ctx: &PageCtx, l: TransferLine) -> TransferText {
    TransferText {
        id: l.t.id,
        quantity: l.t.quantity,
        unit: unit_label(ctx, l.unit),
        status: l.t.status.code(),
        status_label: ctx.tk("materials-transfer-", l.t.status.code()),
        raised: ctx.time(&l.t.raised_at),
        reason: l.t.reason.clone().unwrap_or_default(),
        may_decide: l.may_decide && l.t.status == TransferStatus::Open,
        item: l.item_name,
        from: l.from_name,
        to: l.to_name,
    }
}

#[derive(Template)]
#[template(path = "emergency/transfers.html")]
struct TransfersPage {
    ctx: PageCtx,
    lines: Vec<TransferText>,
    notice: Option<String>,
    problems: Problems,
}

async fn transfers(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let lines = st
        .app
        .material_transfers(&me.actor)
        .await?
        .into_iter()
        .map(|l| transfer_text(&ctx, l))
        .collect();
    Ok(render(&TransfersPage {
        lines,
        notice,
        problems: Problems::none(),
        ctx,
    }))
}

async fn decide(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = async {
        let fulfil = match field(&f, "decision") {
            "fulfil" => true,
            "decline" => false,
            _ => return Err(AppError::invalid("decision", "fulfil or decline")),
        };
        let quantity = match optional(field(&f, "quantity")) {
            Some(_) if fulfil => Some(number(&f, "quantity")?),
            _ => None,
        };
        st.app
            .decide_transfer(
                &me.actor,
                id,
                fulfil,
                quantity,
                optional(field(&f, "reason")),
            )
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/materials/transfers?done=materials_decided").into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "decision")?;
            let lines = st
                .app
                .material_transfers(&me.actor)
                .await?
                .into_iter()
                .map(|l| transfer_text(&ctx, l))
                .collect();
            Ok((
                status,
                render(&TransfersPage {
                    lines,
                    notice: None,
                    problems,
                    ctx,
                }),
            )
                .into_response())
        }
    }
}
