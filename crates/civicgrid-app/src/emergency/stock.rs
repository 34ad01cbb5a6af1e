//! The stock ledger's use cases: receiving a batch, a count adjustment, a write-off,
//! a transfer between depots, and transfer requests from a community depot to its
//! street's — each a movement written with the batch it changes, in one transaction,
//! with its audit entry. A movement that would take a batch below zero is refused.

use chrono::NaiveDate;
use civicgrid_domain::emergency::materials::{
    DepotLevel, MovementKind, TransferStatus, check_count, check_expiry, check_optional,
    check_quantity, check_reason, pick_batches,
};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_store::emergency::depots::{self as depots_repo, DepotRecord};
use civicgrid_store::emergency::stock::{self as repo, NewMovement, TransferRecord};
use civicgrid_store::{AnyConnection, StoreError, commit, now_ms};

pub use civicgrid_store::emergency::stock::TransferRecord as Transfer;

use super::depots::{batch_stock, depot_in_sight, depot_kept, depots_in_sight, keeps, log, sees};
use crate::care::volunteers::{domain_error, today};
use crate::{App, AppError, AppResult};

/// The most transfer requests a listing shows.
const TRANSFERS_MAX: i64 = 200;

/// A batch as received: which item, how many, its code and expiry date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub item_id: i64,
    pub quantity: i64,
    /// The supplier's batch number; blank gives one from today's date.
    pub batch_code: String,
    pub expires_on: Option<NaiveDate>,
    /// Where it came from (a supplier, a donation), optional.
    pub reason: Option<String>,
}

/// A refused take: the batch holds less than asked (someone issued meanwhile).
pub(crate) fn short_stock(e: StoreError) -> AppError {
    match e {
        StoreError::Refused(_) => AppError::Conflict(
            "the stock changed meanwhile and holds too little; reload and try again".into(),
        ),
        other => other.into(),
    }
}

fn movement<'a>(
    actor: &'a Actor,
    batch_id: i64,
    kind: MovementKind,
    quantity: i64,
    reason: Option<&'a str>,
) -> NewMovement<'a> {
    NewMovement {
        batch_id,
        kind,
        quantity,
        reason,
        request_id: None,
        transfer_id: None,
        other_depot_id: None,
        actor_user_id: actor.user_id,
        actor_label: &actor.label,
        at: now_ms(),
    }
}

/// Moves `quantity` of `item_id` from `from` to `to`, earliest expiry first: a
/// transfer_out and a transfer_in per batch, the receiving batch keeping the code and
/// expiry date. Short stock is an objection on `quantity`.
pub(crate) async fn move_between(
    conn: &mut AnyConnection,
    actor: &Actor,
    from: &DepotRecord,
    to: &DepotRecord,
    (item_id, quantity): (i64, i64),
    transfer_id: Option<i64>,
    reason: Option<&str>,
) -> AppResult<Vec<i64>> {
    let batches = repo::batches(conn, from.id, Some(item_id)).await?;
    let picks = pick_batches(&batch_stock(&batches), quantity, today(now_ms())).map_err(|s| {
        AppError::invalid(
            "quantity",
            format_args!("the depot holds only {} usable", s.available),
        )
    })?;
    let mut ids = Vec::new();
    for (batch_id, take) in picks {
        let Some(b) = batches.iter().find(|b| b.id == batch_id) else {
            continue;
        };
        let mut out = movement(actor, batch_id, MovementKind::TransferOut, -take, reason);
        out.transfer_id = transfer_id;
        out.other_depot_id = Some(to.id);
        ids.push(
            repo::apply_movement(conn, &out)
                .await
                .map_err(short_stock)?
                .0,
        );
        let target =
            match repo::find_batch(conn, to.id, item_id, &b.batch_code, b.expires_on).await? {
                Some(t) => t.id,
                None => {
                    repo::open_batch(conn, to.id, item_id, &b.batch_code, b.expires_on, now_ms())
                        .await?
                }
            };
        let mut inn = movement(actor, target, MovementKind::TransferIn, take, reason);
        inn.transfer_id = transfer_id;
        inn.other_depot_id = Some(from.id);
        ids.push(repo::apply_movement(conn, &inn).await?.0);
    }
    Ok(ids)
}

/// The street depot a community depot draws on: the first depot of its street.
pub(crate) async fn street_depot_of(
    conn: &mut AnyConnection,
    d: &DepotRecord,
) -> AppResult<Option<DepotRecord>> {
    if d.level != DepotLevel::Community {
        return Ok(None);
    }
    let ids = d.scope.ids();
    let Some(street) = ids.len().checked_sub(2).and_then(|i| ids.get(i)) else {
        return Ok(None);
    };
    Ok(depots_repo::depots_at(conn, &[*street])
        .await?
        .into_iter()
        .find(|s| s.level == DepotLevel::Street))
}

/// Asks the street depot for `shortfall` of `item_id` for community depot `d` (once:
/// an open request for the item stands); returns the transfer request, if a street
/// depot is there to ask.
pub(crate) async fn ask_street(
    conn: &mut AnyConnection,
    actor: &Actor,
    d: &DepotRecord,
    item_id: i64,
    shortfall: i64,
    request_id: Option<i64>,
) -> AppResult<Option<TransferRecord>> {
    let Some(street) = street_depot_of(conn, d).await? else {
        return Ok(None);
    };
    if let Some(open) = repo::open_transfer(conn, d.id, item_id).await? {
        return Ok(Some(open));
    }
    let mut t = TransferRecord {
        id: 0,
        from_depot_id: street.id,
        to_depot_id: d.id,
        item_id,
        quantity: shortfall,
        status: TransferStatus::Open,
        request_id,
        reason: None,
        raised_by: actor.user_id,
        raised_at: now_ms(),
        decided_by: None,
        decided_at: None,
        version: 1,
    };
    t.id = repo::insert_transfer(conn, &t).await?;
    log(
        conn,
        actor,
        ("material_transfer", t.id, Some(&d.scope)),
        "materials.transfer_request",
        None,
        serde_json::json!({
            "from_depot_id": street.id, "to_depot_id": d.id, "item_id": item_id,
            "quantity": shortfall, "request_id": request_id,
        }),
    )
    .await?;
    Ok(Some(t))
}

/// A transfer request on a listing, in words.
#[derive(Debug, Clone)]
pub struct TransferLine {
    pub t: TransferRecord,
    pub item_name: String,
    pub unit: civicgrid_domain::emergency::materials::ItemUnit,
    pub from_name: String,
    pub to_name: String,
    /// The actor keeps the giving depot and the request is open.
    pub may_decide: bool,
}

impl App {
    /// Receives a batch into a depot.
    pub async fn receive_materials(
        &self,
        actor: &Actor,
        depot_id: i64,
        r: &Receipt,
    ) -> AppResult<i64> {
        let mut tx = self.db.begin_write().await?;
        let d = depot_kept(&mut tx, actor, depot_id).await?;
        let item = depots_repo::get_item(&mut tx, r.item_id)
            .await
            .map_err(|_| AppError::invalid("item_id", "choose an item of the catalogue"))?;
        let quantity = check_quantity("quantity", r.quantity).map_err(domain_error)?;
        let now = now_ms();
        check_expiry(r.expires_on, today(now)).map_err(domain_error)?;
        let reason = check_optional("reason", r.reason.as_deref()).map_err(domain_error)?;
        let code = match check_optional("batch_code", Some(&r.batch_code)).map_err(domain_error)? {
            Some(c) => c,
            None => today(now).format("%Y%m%d").to_string(),
        };
        let batch = repo::open_batch(&mut tx, d.id, item.id, &code, r.expires_on, now).await?;
        let (id, _) = repo::apply_movement(
            &mut tx,
            &movement(
                actor,
                batch,
                MovementKind::Receive,
                quantity,
                reason.as_deref(),
            ),
        )
        .await?;
        log(
            &mut tx,
            actor,
            ("material_depot", d.id, Some(&d.scope)),
            "materials.receive",
            reason.as_deref(),
            serde_json::json!({
                "item_id": item.id, "quantity": quantity, "batch_id": batch,
                "batch_code": code, "expires_on": r.expires_on.map(|e| e.to_string()),
            }),
        )
        .await?;
        commit(tx).await?;
        Ok(id)
    }

    /// Records a stock count of one batch: the difference to what the ledger says is
    /// an adjustment, with the reason.
    pub async fn adjust_stock(
        &self,
        actor: &Actor,
        depot_id: i64,
        batch_id: i64,
        counted: i64,
        reason: Option<&str>,
    ) -> AppResult<i64> {
        let mut tx = self.db.begin_write().await?;
        let d = depot_kept(&mut tx, actor, depot_id).await?;
        let b = repo::get_batch(&mut tx, batch_id)
            .await
            .ok()
            .filter(|b| b.depot_id == d.id)
            .ok_or_else(|| AppError::invalid("batch_id", "choose a batch of this depot"))?;
        let counted = check_count("counted", counted).map_err(domain_error)?;
        let reason = check_reason(MovementKind::Adjust, reason).map_err(domain_error)?;
        let delta = counted - b.quantity;
        if delta == 0 {
            return Err(AppError::invalid("counted", "the count matches the ledger"));
        }
        let (id, balance) = repo::apply_movement(
            &mut tx,
            &movement(actor, b.id, MovementKind::Adjust, delta, reason.as_deref()),
        )
        .await
        .map_err(short_stock)?;
        log(
            &mut tx,
            actor,
            ("material_depot", d.id, Some(&d.scope)),
            "materials.adjust",
            reason.as_deref(),
            serde_json::json!({ "batch_id": b.id, "item_id": b.item_id, "quantity": delta, "balance": balance }),
        )
        .await?;
        commit(tx).await?;
        Ok(id)
    }

    /// Writes off part of a batch (expired, damaged, lost), with the reason.
    pub async fn write_off_stock(
        &self,
        actor: &Actor,
        depot_id: i64,
        batch_id: i64,
        quantity: i64,
        reason: Option<&str>,
    ) -> AppResult<i64> {
        let mut tx = self.db.begin_write().await?;
        let d = depot_kept(&mut tx, actor, depot_id).await?;
        let b = repo::get_batch(&mut tx, batch_id)
            .await
            .ok()
            .filter(|b| b.depot_id == d.id)
            .ok_or_else(|| AppError::invalid("batch_id", "choose a batch of this depot"))?;
        let quantity = check_quantity("quantity", quantity).map_err(domain_error)?;
        let reason = check_reason(MovementKind::WriteOff, reason).map_err(domain_error)?;
        if quantity > b.quantity {
            return Err(AppError::invalid(
                "quantity",
                format_args!("the batch holds only {}", b.quantity),
            ));
        }
        let (id, balance) = repo::apply_movement(
            &mut tx,
            &movement(
                actor,
                b.id,
                MovementKind::WriteOff,
                -quantity,
                reason.as_deref(),
            ),
        )
        .await
        .map_err(short_stock)?;
        log(
            &mut tx,
            actor,
            ("material_depot", d.id, Some(&d.scope)),
            "materials.write_off",
            reason.as_deref(),
            serde_json::json!({ "batch_id": b.id, "item_id": b.item_id, "quantity": quantity, "balance": balance }),
        )
        .await?;
        commit(tx).await?;
        Ok(id)
    }

    /// Transfers stock of an item from a depot the actor keeps to another they see,
    /// earliest expiry first.
    pub async fn transfer_stock(
        &self,
        actor: &Actor,
        from_id: i64,
        to_id: i64,
        item_id: i64,
        quantity: i64,
        reason: Option<&str>,
    ) -> AppResult<Vec<i64>> {
        let mut tx = self.db.begin_write().await?;
        let from = depot_kept(&mut tx, actor, from_id).await?;
        let to = depots_repo::get_depot(&mut tx, to_id)
            .await
            .ok()
            .filter(|t| t.id != from.id && sees(actor, &t.scope))
            .ok_or_else(|| AppError::invalid("to_depot_id", "choose another depot"))?;
        let item = depots_repo::get_item(&mut tx, item_id)
            .await
            .map_err(|_| AppError::invalid("item_id", "choose an item of the catalogue"))?;
        let quantity = check_quantity("quantity", quantity).map_err(domain_error)?;
        let reason = check_optional("reason", reason).map_err(domain_error)?;
        let ids = move_between(
            &mut tx,
            actor,
            &from,
            &to,
            (item.id, quantity),
            None,
            reason.as_deref(),
        )
        .await?;
        log(
            &mut tx,
            actor,
            ("material_depot", from.id, Some(&from.scope)),
            "materials.transfer",
            reason.as_deref(),
            serde_json::json!({ "to_depot_id": to.id, "item_id": item.id, "quantity": quantity }),
        )
        .await?;
        commit(tx).await?;
        Ok(ids)
    }

    /// Transfer requests from or to the depots the actor sees, open ones first.
    pub async fn material_transfers(&self, actor: &Actor) -> AppResult<Vec<TransferLine>> {
        let mut conn = self.db.read().await?;
        if !(actor.can_somewhere(Permission::ViewMaterials)
            || actor.can_somewhere(Permission::ManageMaterials))
        {
            return Err(AppError::Forbidden);
        }
        let depots = depots_in_sight(&mut conn, actor).await?;
        let ids: Vec<i64> = depots.iter().map(|d| d.id).collect();
        let items = depots_repo::list_items(&mut conn).await?;
        let mut out = Vec::new();
        for t in repo::transfers_of(&mut conn, &ids, TRANSFERS_MAX).await? {
            let name_of = |id: i64| {
                depots
                    .iter()
                    .find(|d| d.id == id)
                    .map(|d| d.name.clone())
                    .unwrap_or_default()
            };
            let from = depots.iter().find(|d| d.id == t.from_depot_id);
            let item = items.iter().find(|i| i.id == t.item_id);
            out.push(TransferLine {
                item_name: item.map(|i| i.name.clone()).unwrap_or_default(),
                unit: item.map_or(
                    civicgrid_domain::emergency::materials::ItemUnit::Piece,
                    |i| i.unit,
                ),
                from_name: name_of(t.from_depot_id),
                to_name: name_of(t.to_depot_id),
                may_decide: t.status == TransferStatus::Open
                    && from.is_some_and(|f| keeps(actor, &f.scope)),
                t,
            });
        }
        Ok(out)
    }

    /// Fulfils a transfer request (as a transfer of `quantity`, by default what was
    /// asked) or declines it with a reason; street staff keeping the giving depot.
    pub async fn decide_transfer(
        &self,
        actor: &Actor,
        id: i64,
        fulfil: bool,
        quantity: Option<i64>,
        reason: Option<&str>,
    ) -> AppResult<TransferRecord> {
        if !actor.can_somewhere(Permission::ManageMaterials) {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.db.begin_write().await?;
        let mut t = repo::get_transfer(&mut tx, id)
            .await
            .map_err(|_| AppError::NotFound("transfer"))?;
        let to = depots_repo::get_depot(&mut tx, t.to_depot_id).await?;
        let from = match depot_kept(&mut tx, actor, t.from_depot_id).await {
            Ok(d) => d,
            // Who sees the asking depot (its community's staff) is refused, not misled.
            Err(AppError::NotFound(_)) if sees(actor, &to.scope) => {
                return Err(AppError::Forbidden);
            }
            Err(AppError::NotFound(_)) => return Err(AppError::NotFound("transfer")),
            Err(e) => return Err(e),
        };
        if t.status != TransferStatus::Open {
            return Err(AppError::invalid(
                "decision",
                "this transfer request was decided",
            ));
        }
        let reason = check_optional("reason", reason).map_err(domain_error)?;
        let now = now_ms();
        if fulfil {
            let quantity =
                check_quantity("quantity", quantity.unwrap_or(t.quantity)).map_err(domain_error)?;
            move_between(
                &mut tx,
                actor,
                &from,
                &to,
                (t.item_id, quantity),
                Some(t.id),
                reason.as_deref(),
            )
            .await?;
            t.quantity = quantity;
            t.status = TransferStatus::Fulfilled;
        } else {
            if reason.is_none() {
                return Err(AppError::invalid("reason", "say why"));
            }
            t.status = TransferStatus::Declined;
        }
        t.reason = reason.clone();
        t.decided_by = actor.user_id;
        t.decided_at = Some(now);
        t.version = repo::decide_transfer(&mut tx, &t).await?.ok_or_else(|| {
            AppError::Conflict("the transfer request was decided meanwhile; reload".into())
        })?;
        log(
            &mut tx,
            actor,
            ("material_transfer", t.id, Some(&from.scope)),
            if fulfil {
                "materials.transfer_fulfil"
            } else {
                "materials.transfer_decline"
            },
            reason.as_deref(),
            serde_json::json!({ "to_depot_id": to.id, "item_id": t.item_id, "quantity": t.quantity }),
        )
        .await?;
        commit(tx).await?;
        Ok(t)
    }

    /// The open transfer requests waiting on the depots the actor keeps.
    pub async fn transfers_waiting(&self, actor: &Actor) -> AppResult<i64> {
        if !actor.can_somewhere(Permission::ManageMaterials) {
            return Ok(0);
        }
        let mut conn = self.db.read().await?;
        let ids: Vec<i64> = depots_in_sight(&mut conn, actor)
            .await?
            .into_iter()
            .filter(|d| keeps(actor, &d.scope))
            .map(|d| d.id)
            .collect();
        Ok(repo::count_open_transfers(&mut conn, &ids).await?)
    }

    /// A depot the actor sees, by id (for pages naming it).
    pub async fn depot(&self, actor: &Actor, id: i64) -> AppResult<DepotRecord> {
        let mut conn = self.db.read().await?;
        depot_in_sight(&mut conn, actor, id).await
    }
}
