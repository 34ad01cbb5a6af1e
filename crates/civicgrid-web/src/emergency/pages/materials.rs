//! Material requests for staff and deliverers: the requests (waiting ones by
//! priority), raising one for a household found in the ledger, one request's page
//! with issuing, the deliverer, cancelling and the hand-over; a deliverer's own
//! deliveries as cards to confirm on a phone; and the home card.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::materials::{Line, RequestStatus, Source};
use civicgrid_app::domain::platform::access::{Actor, Permission};
use civicgrid_app::domain::privacy::mask_name;
use civicgrid_app::emergency::materials::{RequestLine, RequestView};
use civicgrid_app::ledger::search::SearchRequest;
use civicgrid_app::platform::auth::SignedIn;

use super::depots::{MovementText, movement_text, unit_label};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, form_id, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::picker::{Pick, PickMatch, is_search};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/materials/requests", list)
        .get("/materials/requests/new", new_form)
        .get("/materials/requests/households", households)
        .post("/materials/requests", create)
        .get("/materials/requests/{id}", page)
        .post("/materials/requests/{id}/issue", issue)
        .post("/materials/requests/{id}/deliverer", deliverer)
        .post("/materials/requests/{id}/cancel", cancel)
        .post("/materials/requests/{id}/delivered", delivered)
        .get("/materials/deliveries", deliveries)
}

type Fields = HashMap<String, String>;

fn field<'a>(f: &'a Fields, k: &str) -> &'a str {
    f.get(k).map_or("", String::as_str)
}

/// How many item rows the new-request form offers.
const FORM_LINES: usize = 4;

/// A request as a card: where, who, what, how urgent.
pub(crate) struct Card {
    id: i64,
    address: String,
    head: String,
    what: String,
    note: String,
    status: &'static str,
    status_label: String,
    score: i64,
    tags: String,
    raised: String,
    deliverer: String,
}

pub(crate) fn card(ctx: &PageCtx, l: &RequestLine) -> Card {
    let r = &l.r;
    Card {
        id: r.id,
        address: crate::ledger::pages::address(ctx.lang, &r.building, &r.unit, &r.room),
        head: r.head_name.as_deref().map(mask_name).unwrap_or_default(),
        what: what(ctx, &l.lines),
        note: r.note.clone(),
        status: r.status.code(),
        status_label: ctx.tk("materials-status-", r.status.code()),
        score: l.priority.score(),
        tags: tags(ctx, &r.care_tags),
        raised: ctx.time(&r.raised_at),
        deliverer: r.deliverer_name.clone().unwrap_or_default(),
    }
}

fn what(ctx: &PageCtx, lines: &[civicgrid_app::emergency::materials::MaterialLine]) -> String {
    lines
        .iter()
        .map(|x| format!("{} {}{}", x.item_name, x.quantity, unit_label(ctx, x.unit)))
        .collect::<Vec<_>>()
        .join(ctx.t("materials-list-sep").as_str())
}

fn tags(ctx: &PageCtx, codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| ctx.tk("materials-tag-", c))
        .collect::<Vec<_>>()
        .join(ctx.t("materials-list-sep").as_str())
}

#[derive(Template)]
#[template(path = "emergency/requests.html")]
struct ListPage {
    ctx: PageCtx,
    cards: Vec<Card>,
    status: String,
    statuses: Vec<(&'static str, String)>,
    may_raise: bool,
    notice: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ListQuery {
    status: String,
}

async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<ListQuery>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let status = RequestStatus::parse(&q.status)
        .ok()
        .filter(|_| !q.status.is_empty());
    let found = st.app.material_requests(&me.actor, status).await?;
    Ok(render(&ListPage {
        cards: found.iter().map(|l| card(&ctx, l)).collect(),
        statuses: RequestStatus::ALL
            .iter()
            .map(|s| (s.code(), ctx.tk("materials-status-", s.code())))
            .collect(),
        may_raise: me.actor.can_somewhere(Permission::ManageMaterials),
        status: q.status,
        notice,
        ctx,
    }))
}

#[derive(Template)]
#[template(path = "emergency/request_new.html")]
struct NewPage {
    ctx: PageCtx,
    pick: Pick,
    items: Vec<(i64, String)>,
    rows: Vec<usize>,
    f: Fields,
    problems: Problems,
}

impl NewPage {
    fn field(&self, k: &str) -> &str {
        field(&self.f, k)
    }
    fn row_item(&self, i: &usize) -> &str {
        self.f.get(&format!("item_{i}")).map_or("", String::as_str)
    }
    fn row_quantity(&self, i: &usize) -> &str {
        self.f
            .get(&format!("quantity_{i}"))
            .map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "picker_matches.html")]
struct MatchesFragment {
    ctx: PageCtx,
    pick: Pick,
}

/// The household picker: residents the search finds (names masked), each standing for
/// their household.
async fn household_pick(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    fields: &Fields,
) -> PageResult<Pick> {
    let pick = Pick::new(
        "household_id",
        "household",
        "/materials/requests/households",
        "",
    )
    .read(fields);
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
        .filter_map(|h| {
            let household = h.household_id?;
            let home = crate::ledger::pages::address(
                ctx.lang,
                h.building.as_deref().unwrap_or_default(),
                h.unit.as_deref().unwrap_or_default(),
                h.room.as_deref().unwrap_or_default(),
            );
            Some(PickMatch {
                value: household.to_string(),
                label: mask_name(&h.name),
                detail: format!("{home} · {}", h.grid_name),
            })
        })
        .collect();
    Ok(pick.found(matches))
}

async fn new_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    f: Fields,
    problems: Problems,
) -> PageResult<NewPage> {
    let pick = household_pick(st, &ctx, me, &f).await?;
    let items = st
        .app
        .material_items(&me.actor)
        .await?
        .iter()
        .map(|i| (i.id, format!("{} · {}", i.name, unit_label(&ctx, i.unit))))
        .collect();
    Ok(NewPage {
        pick,
        items,
        rows: (0..FORM_LINES).collect(),
        f,
        problems,
        ctx,
    })
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<Fields>,
) -> PageResult<Response> {
    civicgrid_app::authz::require_somewhere(&me.actor, Permission::ManageMaterials)?;
    Ok(render(&new_page(&st, ctx, &me, q, Problems::none()).await?))
}

async fn households(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<Fields>,
) -> PageResult<Response> {
    civicgrid_app::authz::require_somewhere(&me.actor, Permission::ManageMaterials)?;
    let pick = household_pick(&st, &ctx, &me, &q).await?;
    Ok(render(&MatchesFragment { ctx, pick }))
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    if is_search(&f, "household") {
        civicgrid_app::authz::require_somewhere(&me.actor, Permission::ManageMaterials)?;
        return Ok(render(&new_page(&st, ctx, &me, f, Problems::none()).await?));
    }
    let result = async {
        let household = form_id("household_id", field(&f, "household_id"))?;
        let mut lines = Vec::new();
        for i in 0..FORM_LINES {
            let item = field(&f, &format!("item_{i}"));
            if item.trim().is_empty() {
                continue;
            }
            let quantity = field(&f, &format!("quantity_{i}"));
            lines.push(Line {
                item_id: form_id("lines", item)?,
                quantity: quantity
                    .trim()
                    .parse()
                    .map_err(|_| AppError::invalid("lines", "give how many of each item"))?,
            });
        }
        st.app
            .raise_material_request(
                &me.actor,
                household,
                &lines,
                Source::Staff,
                field(&f, "request_note"),
            )
            .await
    }
    .await;
    match result {
        Ok(r) => Ok(Redirect::to(&format!(
            "/materials/requests/{}?done=materials_requested",
            r.id
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "household_id")?;
            Ok((status, render(&new_page(&st, ctx, &me, f, problems).await?)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "emergency/request.html")]
struct DetailPage {
    ctx: PageCtx,
    v: RequestView,
    c: Card,
    grid: String,
    source: String,
    waiting: i64,
    lines: Vec<(String, i64, String)>,
    movements: Vec<MovementText>,
    depots: Vec<(i64, String)>,
    deliverers: Vec<(i64, String)>,
    reason: String,
    f: Fields,
    notice: Option<String>,
    problems: Problems,
}

impl DetailPage {
    fn field(&self, k: &str) -> &str {
        field(&self.f, k)
    }
}

fn detail_page(
    ctx: PageCtx,
    v: RequestView,
    f: Fields,
    notice: Option<String>,
    problems: Problems,
) -> DetailPage {
    let line = RequestLine {
        r: v.r.clone(),
        lines: v.lines.clone(),
        priority: v.priority,
    };
    let source = match v.r.source {
        Source::Staff => ctx.t("materials-source-staff"),
        Source::Request(_) => ctx.t("materials-source-request"),
        Source::WelfareCheck(_) => ctx.t("materials-source-welfare_check"),
    };
    DetailPage {
        c: card(&ctx, &line),
        grid: v.grid_name.clone(),
        source,
        waiting: v.priority.waiting,
        lines: v
            .lines
            .iter()
            .map(|l| (l.item_name.clone(), l.quantity, unit_label(&ctx, l.unit)))
            .collect(),
        movements: v.movements.iter().map(|m| movement_text(&ctx, m)).collect(),
        depots: v.depots.iter().map(|d| (d.id, d.name.clone())).collect(),
        deliverers: v
            .deliverers
            .iter()
            .map(|d| (d.user_id, d.display_name.clone()))
            .collect(),
        reason: v.r.status_reason.clone().unwrap_or_default(),
        f,
        notice,
        problems,
        ctx,
        v,
    }
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let v = st.app.material_request(&me.actor, id).await?;
    Ok(render(&detail_page(
        ctx,
        v,
        Fields::new(),
        notice,
        Problems::none(),
    )))
}

async fn again(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    f: Fields,
    e: AppError,
    conflict: &str,
) -> PageResult<Response> {
    let (status, problems) = problems_of(ctx.lang, e, conflict)?;
    let v = st.app.material_request(&me.actor, id).await?;
    Ok((status, render(&detail_page(ctx, v, f, None, problems))).into_response())
}

fn back(id: i64, done: &str) -> Response {
    Redirect::to(&format!("/materials/requests/{id}?done={done}")).into_response()
}

async fn issue(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = async {
        let depot = form_id("depot_id", field(&f, "depot_id"))?;
        let who = match optional(field(&f, "deliverer_id")) {
            Some(s) => Some(form_id("deliverer_id", s)?),
            None => None,
        };
        st.app
            .issue_material_request(&me.actor, id, depot, who)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(back(id, "materials_issued")),
        Err(e) => again(&st, ctx, &me, id, f, e, "depot_id").await,
    }
}

async fn deliverer(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = async {
        let who = form_id("deliverer_id", field(&f, "deliverer_id"))?;
        st.app.assign_material_deliverer(&me.actor, id, who).await
    }
    .await;
    match result {
        Ok(_) => Ok(back(id, "materials_assigned")),
        Err(e) => again(&st, ctx, &me, id, f, e, "deliverer_id").await,
    }
}

async fn cancel(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    match st
        .app
        .cancel_material_request(&me.actor, id, optional(field(&f, "reason")))
        .await
    {
        Ok(_) => Ok(back(id, "materials_cancelled")),
        Err(e) => again(&st, ctx, &me, id, f, e, "reason").await,
    }
}

async fn delivered(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    match st
        .app
        .confirm_material_delivery(&me.actor, id, optional(field(&f, "handover")))
        .await
    {
        Ok(_) if field(&f, "from") == "deliveries" => {
            Ok(Redirect::to("/materials/deliveries?done=materials_delivered").into_response())
        }
        Ok(_) => Ok(back(id, "materials_delivered")),
        Err(e) => again(&st, ctx, &me, id, f, e, "status").await,
    }
}

#[derive(Template)]
#[template(path = "emergency/deliveries.html")]
struct DeliveriesPage {
    ctx: PageCtx,
    to_make: Vec<Card>,
    made: Vec<Card>,
    notice: Option<String>,
}

async fn deliveries(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let mine = st.app.my_material_deliveries(&me.actor).await?;
    let (to_make, made): (Vec<_>, Vec<_>) = mine
        .iter()
        .partition(|l| l.r.status == RequestStatus::Issued);
    Ok(render(&DeliveriesPage {
        to_make: to_make.into_iter().map(|l| card(&ctx, l)).collect(),
        made: made.into_iter().map(|l| card(&ctx, l)).collect(),
        notice,
        ctx,
    }))
}

/// The materials card of a home page: for staff who follow depots, the warnings and
/// what waits; for a deliverer, the deliveries to make.
pub(crate) struct MaterialsCard {
    pub staff: bool,
    pub low: usize,
    pub expiring: usize,
    pub waiting: i64,
    pub transfers: i64,
    pub deliveries: usize,
}

pub(crate) async fn home_card(
    st: &AppState,
    _ctx: &PageCtx,
    actor: &Actor,
) -> PageResult<Option<MaterialsCard>> {
    let staff = actor.can_somewhere(Permission::ManageMaterials)
        || actor.can_somewhere(Permission::ViewMaterials);
    let deliveries = st
        .app
        .my_material_deliveries(actor)
        .await?
        .iter()
        .filter(|l| l.r.status == RequestStatus::Issued)
        .count();
    if !staff && deliveries == 0 {
        return Ok(None);
    }
    let mut card = MaterialsCard {
        staff,
        low: 0,
        expiring: 0,
        waiting: 0,
        transfers: 0,
        deliveries,
    };
    if staff {
        for d in st.app.depots(actor).await? {
            card.low += d.low;
            card.expiring += d.expiring + d.expired;
        }
        card.waiting = st.app.material_requests_waiting(actor).await?;
        card.transfers = st.app.transfers_waiting(actor).await?;
    }
    Ok(Some(card))
}
