//! `/api/v1/depots`: material depots with their stock boards and ledgers, receiving,
//! counting, writing off and transferring stock, minimums, allocation by priority;
//! the item catalogue under `/api/v1/material-items` and transfer requests under
//! `/api/v1/material-transfers`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::materials::{ItemKind, ItemUnit};
use civicgrid_app::emergency::depots::{DepotBoard, Item, Movement};
use civicgrid_app::emergency::stock::{Receipt, TransferLine};
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/depots", list)
        .post("/api/v1/depots", create)
        .get("/api/v1/depots/{id}", board)
        .get("/api/v1/depots/{id}/movements", ledger)
        .post("/api/v1/depots/{id}/movements", record)
        .post("/api/v1/depots/{id}/minimums", minimum)
        .post("/api/v1/depots/{id}/allocate", allocate)
        .get("/api/v1/material-items", items)
        .post("/api/v1/material-items", add_item)
        .get("/api/v1/material-transfers", transfers)
        .post("/api/v1/material-transfers/{id}", decide)
}

/// The depots' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list, create, board, ledger, record, minimum, allocate, items, add_item, transfers, decide
))]
pub(crate) struct Api;

/// A depot with its warnings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepotOut {
    pub id: i64,
    pub name: String,
    /// community or street.
    pub level: String,
    pub node_id: i64,
    pub place_name: String,
    pub address: String,
    /// Items below their minimum.
    pub low: usize,
    /// Items with a batch expiring within 30 days.
    pub expiring: usize,
    /// Items with an expired batch (to write off).
    pub expired: usize,
}

/// A new depot at a community or street.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepotBody {
    pub node_id: i64,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default)]
    pub address: String,
}

/// An item of the catalogue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MaterialItemOut {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub unit: String,
}

fn item_out(i: &Item) -> MaterialItemOut {
    MaterialItemOut {
        id: i.id,
        name: i.name.clone(),
        kind: i.kind.code().to_owned(),
        unit: i.unit.code().to_owned(),
    }
}

/// A new item of the catalogue.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialItemBody {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(pattern = "^(food|water|medicine|protective|supplies|equipment)$")]
    pub kind: String,
    #[schema(pattern = "^(piece|box|bottle|bag|pack|kg|litre|set)$")]
    pub unit: String,
}

/// A batch on a stock board.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchOut {
    pub id: i64,
    pub batch_code: String,
    pub expires_on: Option<NaiveDate>,
    pub quantity: i64,
    /// fine, soon (within 30 days) or expired.
    pub expiry: String,
}

/// An item on a stock board.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StockLineOut {
    pub item: MaterialItemOut,
    pub on_hand: i64,
    /// Not expired.
    pub usable: i64,
    pub minimum: i64,
    pub low: bool,
    pub expiring: bool,
    pub expired: bool,
    pub batches: Vec<BatchOut>,
}

/// One line of the stock ledger.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MovementOut {
    pub id: i64,
    pub item_id: i64,
    pub item_name: String,
    pub batch_id: i64,
    pub batch_code: String,
    /// receive, issue, transfer_out, transfer_in, adjust or write_off.
    pub kind: String,
    /// Signed: + in, − out.
    pub quantity: i64,
    /// The batch's quantity after it.
    pub balance: i64,
    pub reason: Option<String>,
    pub request_id: Option<i64>,
    pub transfer_id: Option<i64>,
    pub other_depot_id: Option<i64>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

pub(crate) fn movement_out(m: &Movement) -> MovementOut {
    MovementOut {
        id: m.id,
        item_id: m.item_id,
        item_name: m.item_name.clone(),
        batch_id: m.batch_id,
        batch_code: m.batch_code.clone(),
        kind: m.kind.code().to_owned(),
        quantity: m.quantity,
        balance: m.balance,
        reason: m.reason.clone(),
        request_id: m.request_id,
        transfer_id: m.transfer_id,
        other_depot_id: m.other_depot_id,
        actor: m.actor_label.clone(),
        at: time(m.at),
    }
}

/// A depot's stock board.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DepotBoardOut {
    pub depot: DepotOut,
    pub lines: Vec<StockLineOut>,
    /// The latest movements, newest first.
    pub movements: Vec<MovementOut>,
    /// Material requests waiting in the depot's place.
    pub waiting: i64,
}

fn board_out(b: DepotBoard) -> DepotBoardOut {
    DepotBoardOut {
        depot: DepotOut {
            id: b.depot.id,
            name: b.depot.name.clone(),
            level: b.depot.level.code().to_owned(),
            node_id: b.depot.node_id,
            place_name: b.place_name.clone(),
            address: b.depot.address.clone(),
            low: b.low(),
            expiring: b.expiring(),
            expired: b.lines.iter().filter(|l| l.expired).count(),
        },
        lines: b
            .lines
            .iter()
            .map(|l| StockLineOut {
                item: item_out(&l.item),
                on_hand: l.on_hand,
                usable: l.usable,
                minimum: l.minimum,
                low: l.low,
                expiring: l.expiring,
                expired: l.expired,
                batches: l
                    .batches
                    .iter()
                    .map(|x| BatchOut {
                        id: x.batch.id,
                        batch_code: x.batch.batch_code.clone(),
                        expires_on: x.batch.expires_on,
                        quantity: x.batch.quantity,
                        expiry: x.expiry.code().to_owned(),
                    })
                    .collect(),
            })
            .collect(),
        movements: b.movements.iter().map(movement_out).collect(),
        waiting: b.waiting,
    }
}

/// A movement to record: `receive` (item_id, quantity, batch_code, expires_on),
/// `adjust` (batch_id, counted, reason), `write_off` (batch_id, quantity, reason) or
/// `transfer` (item_id, to_depot_id, quantity).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MovementBody {
    #[schema(pattern = "^(receive|adjust|write_off|transfer)$")]
    pub kind: String,
    pub item_id: Option<i64>,
    pub batch_id: Option<i64>,
    pub to_depot_id: Option<i64>,
    pub quantity: Option<i64>,
    /// The counted quantity of the batch (adjust).
    pub counted: Option<i64>,
    #[serde(default)]
    pub batch_code: String,
    pub expires_on: Option<NaiveDate>,
    /// Needed for adjust and write_off; where it came from for receive.
    #[schema(max_length = 200)]
    pub reason: Option<String>,
}

/// The ids of the movements written.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MovementsDone {
    pub movement_ids: Vec<i64>,
}

/// A depot's minimum for an item (0 clears it).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MinimumBody {
    pub item_id: i64,
    pub minimum: i64,
}

/// What an allocation run did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AllocationOut {
    pub issued: Vec<i64>,
    pub short: Vec<i64>,
    pub transfers: Vec<i64>,
}

/// A transfer request from a community depot to its street's.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TransferOut {
    pub id: i64,
    pub from_depot_id: i64,
    pub from_depot: String,
    pub to_depot_id: i64,
    pub to_depot: String,
    pub item_id: i64,
    pub item_name: String,
    pub quantity: i64,
    /// open, fulfilled or declined.
    pub status: String,
    pub request_id: Option<i64>,
    pub reason: Option<String>,
    pub raised_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub may_decide: bool,
}

fn transfer_out(l: TransferLine) -> TransferOut {
    TransferOut {
        id: l.t.id,
        from_depot_id: l.t.from_depot_id,
        from_depot: l.from_name,
        to_depot_id: l.t.to_depot_id,
        to_depot: l.to_name,
        item_id: l.t.item_id,
        item_name: l.item_name,
        quantity: l.t.quantity,
        status: l.t.status.code().to_owned(),
        request_id: l.t.request_id,
        reason: l.t.reason,
        raised_at: time(l.t.raised_at),
        decided_at: l.t.decided_at.map(time),
        may_decide: l.may_decide,
    }
}

/// Fulfil (as a transfer of `quantity`, by default what was asked) or decline (with a
/// reason).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferDecisionBody {
    #[schema(pattern = "^(fulfil|decline)$")]
    pub decision: String,
    pub quantity: Option<i64>,
    #[schema(max_length = 200)]
    pub reason: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/depots", tag = "materials",
    responses(
        (status = 200, body = Vec<DepotOut>, description = "The depots the caller sees, streets first"),
        (status = 403, body = ErrorBody, description = "The caller follows materials nowhere"),
    ))]
pub async fn list(State(st): State<AppState>, caller: ApiCaller) -> ApiResult<Json<Vec<DepotOut>>> {
    Ok(Json(
        st.app
            .depots(&caller.actor)
            .await?
            .into_iter()
            .map(|l| DepotOut {
                id: l.depot.id,
                name: l.depot.name,
                level: l.depot.level.code().to_owned(),
                node_id: l.depot.node_id,
                place_name: l.place_name,
                address: l.depot.address,
                low: l.low,
                expiring: l.expiring,
                expired: l.expired,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/depots", tag = "materials",
    request_body = DepotBody,
    responses(
        (status = 201, body = DepotBoardOut),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such place in the caller's sight"),
        (status = 422, body = ErrorBody, description = "Not a community or street, or no name"),
    ))]
pub async fn create(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<DepotBody>,
) -> ApiResult<Response> {
    let d = st
        .app
        .create_depot(&caller.actor, b.node_id, &b.name, &b.address)
        .await?;
    let board = st.app.depot_board(&caller.actor, d.id).await?;
    Ok(created(
        format!("/api/v1/depots/{}", d.id),
        board_out(board),
    ))
}

#[utoipa::path(get, path = "/api/v1/depots/{id}", tag = "materials",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = DepotBoardOut, description = "The stock board with its warnings"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn board(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<DepotBoardOut>> {
    Ok(Json(board_out(
        st.app.depot_board(&caller.actor, id).await?,
    )))
}

#[utoipa::path(get, path = "/api/v1/depots/{id}/movements", tag = "materials",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = Vec<MovementOut>, description = "The stock ledger, newest first (at most 500)"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn ledger(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<MovementOut>>> {
    Ok(Json(
        st.app
            .depot_ledger(&caller.actor, id)
            .await?
            .iter()
            .map(movement_out)
            .collect(),
    ))
}

fn need(v: Option<i64>, field: &'static str) -> Result<i64, AppError> {
    v.ok_or_else(|| AppError::invalid(field, "missing"))
}

#[utoipa::path(post, path = "/api/v1/depots/{id}/movements", tag = "materials",
    params(("id" = i64, Path)),
    request_body = MovementBody,
    responses(
        (status = 201, body = MovementsDone),
        (status = 403, body = ErrorBody, description = "The caller sees but does not keep the depot"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The stock changed meanwhile and holds too little"),
        (status = 422, body = ErrorBody, description = "A field at fault (a quantity above what the batch holds, no reason)"),
    ))]
pub async fn record(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MovementBody>,
) -> ApiResult<Response> {
    let a = &caller.actor;
    let reason = b.reason.as_deref();
    let ids = match b.kind.as_str() {
        "receive" => vec![
            st.app
                .receive_materials(
                    a,
                    id,
                    &Receipt {
                        item_id: need(b.item_id, "item_id")?,
                        quantity: need(b.quantity, "quantity")?,
                        batch_code: b.batch_code.clone(),
                        expires_on: b.expires_on,
                        reason: b.reason.clone(),
                    },
                )
                .await?,
        ],
        "adjust" => vec![
            st.app
                .adjust_stock(
                    a,
                    id,
                    need(b.batch_id, "batch_id")?,
                    need(b.counted, "counted")?,
                    reason,
                )
                .await?,
        ],
        "write_off" => vec![
            st.app
                .write_off_stock(
                    a,
                    id,
                    need(b.batch_id, "batch_id")?,
                    need(b.quantity, "quantity")?,
                    reason,
                )
                .await?,
        ],
        "transfer" => {
            st.app
                .transfer_stock(
                    a,
                    id,
                    need(b.to_depot_id, "to_depot_id")?,
                    need(b.item_id, "item_id")?,
                    need(b.quantity, "quantity")?,
                    reason,
                )
                .await?
        }
        _ => {
            return Err(AppError::invalid(
                "movement_kind",
                "receive, adjust, write_off or transfer",
            )
            .into());
        }
    };
    Ok(created(
        format!("/api/v1/depots/{id}/movements"),
        MovementsDone { movement_ids: ids },
    ))
}

#[utoipa::path(post, path = "/api/v1/depots/{id}/minimums", tag = "materials",
    params(("id" = i64, Path)),
    request_body = MinimumBody,
    responses(
        (status = 200, body = DepotBoardOut),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn minimum(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MinimumBody>,
) -> ApiResult<Json<DepotBoardOut>> {
    st.app
        .set_material_minimum(&caller.actor, id, b.item_id, b.minimum)
        .await?;
    Ok(Json(board_out(
        st.app.depot_board(&caller.actor, id).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/depots/{id}/allocate", tag = "materials",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = AllocationOut, description = "Waiting requests served by priority; for what is missing the street depot was asked"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn allocate(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<AllocationOut>> {
    let run = st.app.allocate_materials(&caller.actor, id).await?;
    Ok(Json(AllocationOut {
        issued: run.issued,
        short: run.short,
        transfers: run.transfers,
    }))
}

#[utoipa::path(get, path = "/api/v1/material-items", tag = "materials",
    responses((status = 200, body = Vec<MaterialItemOut>), (status = 403, body = ErrorBody)))]
pub async fn items(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<MaterialItemOut>>> {
    Ok(Json(
        st.app
            .material_items(&caller.actor)
            .await?
            .iter()
            .map(item_out)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/material-items", tag = "materials",
    request_body = MaterialItemBody,
    responses(
        (status = 201, body = MaterialItemOut),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "No name, a name already in the catalogue, an unknown kind or unit"),
    ))]
pub async fn add_item(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<MaterialItemBody>,
) -> ApiResult<Response> {
    let kind = ItemKind::parse(&b.kind).map_err(|_| {
        AppError::invalid(
            "item_kind",
            "food, water, medicine, protective, supplies or equipment",
        )
    })?;
    let unit = ItemUnit::parse(&b.unit).map_err(|_| {
        AppError::invalid(
            "item_unit",
            "piece, box, bottle, bag, pack, kg, litre or set",
        )
    })?;
    let i = st
        .app
        .add_material_item(&caller.actor, &b.name, kind, unit)
        .await?;
    Ok(created("/api/v1/material-items".into(), item_out(&i)))
}

#[utoipa::path(get, path = "/api/v1/material-transfers", tag = "materials",
    responses(
        (status = 200, body = Vec<TransferOut>, description = "From or to the depots the caller sees, open ones first"),
        (status = 403, body = ErrorBody),
    ))]
pub async fn transfers(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<TransferOut>>> {
    Ok(Json(
        st.app
            .material_transfers(&caller.actor)
            .await?
            .into_iter()
            .map(transfer_out)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/material-transfers/{id}", tag = "materials",
    params(("id" = i64, Path)),
    request_body = TransferDecisionBody,
    responses(
        (status = 200, body = TransferOut),
        (status = 403, body = ErrorBody, description = "The caller does not keep the street depot"),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Decided already, too little in the street depot, or no reason to decline"),
    ))]
pub async fn decide(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<TransferDecisionBody>,
) -> ApiResult<Json<TransferOut>> {
    let fulfil = match b.decision.as_str() {
        "fulfil" => true,
        "decline" => false,
        _ => return Err(AppError::invalid("decision", "fulfil or decline").into()),
    };
    let t = st
        .app
        .decide_transfer(&caller.actor, id, fulfil, b.quantity, b.reason.as_deref())
        .await?;
    let line = st
        .app
        .material_transfers(&caller.actor)
        .await?
        .into_iter()
        .find(|l| l.t.id == t.id)
        .ok_or(AppError::NotFound("transfer"))?;
    Ok(Json(transfer_out(line)))
}
