//! Material depots (应急物资仓库): opening a depot at a community or street, the item
//! catalogue, minimum stock, and the stock board with its low-stock and expiring-soon
//! warnings (see [`civicgrid_domain::emergency::materials`] for the rules).
//!
//! Who may do what: [`Permission::ViewMaterials`] sees the depots of the places it
//! covers and the depots above them (the street depot a community draws on), with
//! their boards and ledgers; [`Permission::ManageMaterials`] keeps the depots inside
//! its scope (a community's staff their community's, a street admin the street's and
//! its communities'). A depot out of sight is not found. Every change is audited in
//! its transaction.

use std::collections::HashMap;

use chrono::NaiveDate;
use civicgrid_domain::emergency::materials::{
    BatchStock, DepotLevel, Expiry, ItemKind, ItemUnit, RequestStatus, check_count, check_text,
    expiry, is_low,
};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::emergency::depots::{self as repo, DepotRecord, ItemRecord};
use civicgrid_store::emergency::stock::{self, BatchRecord, MovementRecord};
use civicgrid_store::platform::org;
use civicgrid_store::{AnyConnection, commit, now_ms};

pub use civicgrid_store::emergency::depots::{DepotRecord as Depot, ItemRecord as Item};
pub use civicgrid_store::emergency::stock::{BatchRecord as Batch, MovementRecord as Movement};

use crate::authz::{Change, record};
use crate::care::volunteers::{Names, today};
use crate::{App, AppError, AppResult};

/// The most ledger lines a board shows.
pub const BOARD_MOVEMENTS: i64 = 50;
/// The most ledger lines one look at a ledger reads.
pub const LEDGER_MAX: i64 = 500;

pub(crate) fn depot_not_found() -> AppError {
    AppError::NotFound("depot")
}

/// Does the actor follow materials at `at` or somewhere beneath it, or above it?
/// (A grid worker sees the depot of their community and street.)
pub(crate) fn sees(actor: &Actor, at: &OrgPath) -> bool {
    actor.is_system()
        || actor.assignments.iter().any(|a| {
            (a.role.has(Permission::ViewMaterials) || a.role.has(Permission::ManageMaterials))
                && (at.is_within(&a.path) || a.path.is_within(at))
        })
}

/// May the actor keep a depot at `at`?
pub(crate) fn keeps(actor: &Actor, at: &OrgPath) -> bool {
    actor.can(Permission::ManageMaterials, at)
}

fn follows_somewhere(actor: &Actor) -> AppResult<()> {
    if actor.can_somewhere(Permission::ViewMaterials)
        || actor.can_somewhere(Permission::ManageMaterials)
    {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Loads a depot the actor sees; anything else is not found.
pub(crate) async fn depot_in_sight(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<DepotRecord> {
    follows_somewhere(actor)?;
    let d = repo::get_depot(conn, id)
        .await
        .map_err(|_| depot_not_found())?;
    if sees(actor, &d.scope) {
        Ok(d)
    } else {
        Err(depot_not_found())
    }
}

/// Loads a depot the actor keeps: one they only see is forbidden, one out of sight is
/// not found.
pub(crate) async fn depot_kept(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<DepotRecord> {
    if !actor.can_somewhere(Permission::ManageMaterials) {
        return Err(AppError::Forbidden);
    }
    let d = repo::get_depot(conn, id)
        .await
        .map_err(|_| depot_not_found())?;
    if keeps(actor, &d.scope) {
        Ok(d)
    } else if sees(actor, &d.scope) {
        Err(AppError::Forbidden)
    } else {
        Err(depot_not_found())
    }
}

/// Writes the audit entry of a change at a depot.
pub(crate) async fn log(
    conn: &mut AnyConnection,
    actor: &Actor,
    (target_type, target_id, scope): (&'static str, i64, Option<&OrgPath>),
    action: &'static str,
    reason: Option<&str>,
    details: serde_json::Value,
) -> AppResult<()> {
    record(
        conn,
        actor,
        Change {
            action,
            target_type,
            target_id: target_id.to_string(),
            scope,
            reason,
            details,
        },
    )
    .await?;
    Ok(())
}

/// Every depot the actor sees, streets first.
pub(crate) async fn depots_in_sight(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> AppResult<Vec<DepotRecord>> {
    let mut scopes: Vec<OrgPath> = Vec::new();
    for p in [Permission::ViewMaterials, Permission::ManageMaterials] {
        match actor.scopes(p) {
            None => scopes.push(OrgPath::from_stored("/".into())),
            Some(s) => scopes.extend(s),
        }
    }
    let mut out: Vec<DepotRecord> = Vec::new();
    for s in &scopes {
        let mut found = repo::depots_within(conn, s).await?;
        found.extend(repo::depots_at(conn, &s.ids()).await?);
        for d in found {
            if !out.iter().any(|o| o.id == d.id) {
                out.push(d);
            }
        }
    }
    out.sort_by_key(|d| (d.level != DepotLevel::Street, d.id));
    Ok(out)
}

/// A batch on the board, with how it stands against its expiry date.
#[derive(Debug, Clone)]
pub struct BatchLine {
    pub batch: BatchRecord,
    pub expiry: Expiry,
}

/// One item of a stock board.
#[derive(Debug, Clone)]
pub struct BoardLine {
    pub item: ItemRecord,
    pub on_hand: i64,
    /// Usable: not expired.
    pub usable: i64,
    pub minimum: i64,
    pub low: bool,
    pub expiring: bool,
    pub expired: bool,
    pub batches: Vec<BatchLine>,
}

/// What a depot's card on a listing shows.
#[derive(Debug, Clone)]
pub struct DepotLine {
    pub depot: DepotRecord,
    pub place_name: String,
    pub items: usize,
    pub low: usize,
    pub expiring: usize,
    pub expired: usize,
}

/// A depot's stock board.
#[derive(Debug, Clone)]
pub struct DepotBoard {
    pub depot: DepotRecord,
    pub place_name: String,
    pub lines: Vec<BoardLine>,
    pub movements: Vec<MovementRecord>,
    pub may_manage: bool,
    /// The catalogue, for receiving and minimums.
    pub items: Vec<ItemRecord>,
    /// Other depots the actor sees: where stock may be transferred.
    pub other_depots: Vec<DepotRecord>,
    /// Material requests waiting in the depot's place.
    pub waiting: i64,
    pub today: NaiveDate,
}

impl DepotBoard {
    pub fn low(&self) -> usize {
        self.lines.iter().filter(|l| l.low).count()
    }
    pub fn expiring(&self) -> usize {
        self.lines.iter().filter(|l| l.expiring).count()
    }
}

/// A depot's board lines: each item it holds or keeps a minimum of.
pub(crate) async fn board_lines(
    conn: &mut AnyConnection,
    depot_id: i64,
    items: &[ItemRecord],
    today: NaiveDate,
) -> AppResult<Vec<BoardLine>> {
    let stock_lines = repo::stock_lines(conn, depot_id).await?;
    let batches = stock::batches(conn, depot_id, None).await?;
    let by_id: HashMap<i64, &ItemRecord> = items.iter().map(|i| (i.id, i)).collect();
    let mut out = Vec::new();
    for s in stock_lines {
        let Some(item) = by_id.get(&s.item_id) else {
            continue;
        };
        let mine: Vec<BatchLine> = batches
            .iter()
            .filter(|b| b.item_id == s.item_id)
            .map(|b| BatchLine {
                expiry: expiry(b.expires_on, today),
                batch: b.clone(),
            })
            .collect();
        let usable: i64 = mine
            .iter()
            .filter(|b| b.expiry != Expiry::Expired)
            .map(|b| b.batch.quantity)
            .sum();
        out.push(BoardLine {
            item: (*item).clone(),
            on_hand: s.on_hand,
            usable,
            minimum: s.minimum,
            low: is_low(usable, s.minimum),
            expiring: mine.iter().any(|b| b.expiry == Expiry::Soon),
            expired: mine.iter().any(|b| b.expiry == Expiry::Expired),
            batches: mine,
        });
    }
    out.sort_by(|a, b| {
        (!a.low, !a.expired, !a.expiring, a.item.kind, &a.item.name).cmp(&(
            !b.low,
            !b.expired,
            !b.expiring,
            b.item.kind,
            &b.item.name,
        ))
    });
    Ok(out)
}

/// The usable stock of a depot's batches as issuing sees them.
pub(crate) fn batch_stock(batches: &[BatchRecord]) -> Vec<BatchStock> {
    batches
        .iter()
        .map(|b| BatchStock {
            batch_id: b.id,
            expires_on: b.expires_on,
            quantity: b.quantity,
        })
        .collect()
}

impl App {
    /// Opens a depot at a community or street (`node_id`).
    pub async fn create_depot(
        &self,
        actor: &Actor,
        node_id: i64,
        name: &str,
        address: &str,
    ) -> AppResult<DepotRecord> {
        if !actor.can_somewhere(Permission::ManageMaterials) {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.db.begin_write().await?;
        let node = org::get(&mut tx, node_id)
            .await
            .map_err(|_| AppError::NotFound("place"))?;
        if !keeps(actor, &node.path) {
            return Err(if sees(actor, &node.path) {
                AppError::Forbidden
            } else {
                AppError::NotFound("place")
            });
        }
        let level = match node.kind {
            NodeKind::Community => DepotLevel::Community,
            NodeKind::Street => DepotLevel::Street,
            _ => {
                return Err(AppError::invalid(
                    "depot_place",
                    "a depot belongs to a community or a street",
                ));
            }
        };
        let name = check_text("depot_name", name).map_err(crate::care::volunteers::domain_error)?;
        let address = address.trim().chars().take(200).collect::<String>();
        let mut d = DepotRecord {
            id: 0,
            node_id,
            scope: node.path.clone(),
            level,
            name,
            address,
            created_at: now_ms(),
        };
        d.id = repo::insert_depot(&mut tx, &d).await?;
        log(
            &mut tx,
            actor,
            ("material_depot", d.id, Some(&d.scope)),
            "materials.depot_create",
            None,
            serde_json::json!({ "depot_level": level.code(), "name": d.name }),
        )
        .await?;
        commit(tx).await?;
        Ok(d)
    }

    /// The places where the actor may open a depot: the communities and streets of
    /// their scopes.
    pub async fn depot_places(&self, actor: &Actor) -> AppResult<Vec<(i64, String)>> {
        let Some(scopes) = actor.scopes(Permission::ManageMaterials) else {
            return Ok(Vec::new());
        };
        let mut conn = self.db.read().await?;
        let mut out = Vec::new();
        for s in scopes {
            for n in org::subtree(&mut conn, &s).await? {
                if matches!(n.kind, NodeKind::Community | NodeKind::Street) {
                    out.push((n.id, n.name_zh));
                }
            }
        }
        Ok(out)
    }

    /// Every depot the actor sees, with its warnings.
    pub async fn depots(&self, actor: &Actor) -> AppResult<Vec<DepotLine>> {
        follows_somewhere(actor)?;
        let mut conn = self.db.read().await?;
        let items = repo::list_items(&mut conn).await?;
        let today = today(now_ms());
        let mut names = Names::default();
        let mut out = Vec::new();
        for d in depots_in_sight(&mut conn, actor).await? {
            let lines = board_lines(&mut conn, d.id, &items, today).await?;
            out.push(DepotLine {
                place_name: names.of(&mut conn, d.node_id).await?,
                items: lines.len(),
                low: lines.iter().filter(|l| l.low).count(),
                expiring: lines.iter().filter(|l| l.expiring).count(),
                expired: lines.iter().filter(|l| l.expired).count(),
                depot: d,
            });
        }
        Ok(out)
    }

    /// A depot's stock board: each item with its batches and warnings, the latest
    /// movements, and what the actor may do there.
    pub async fn depot_board(&self, actor: &Actor, id: i64) -> AppResult<DepotBoard> {
        let mut conn = self.db.read().await?;
        let depot = depot_in_sight(&mut conn, actor, id).await?;
        let items = repo::list_items(&mut conn).await?;
        let today = today(now_ms());
        let lines = board_lines(&mut conn, id, &items, today).await?;
        let movements = stock::movements(&mut conn, id, BOARD_MOVEMENTS).await?;
        let other_depots = depots_in_sight(&mut conn, actor)
            .await?
            .into_iter()
            .filter(|d| d.id != id)
            .collect();
        let waiting = civicgrid_store::emergency::materials::count_requests(
            &mut conn,
            &depot.scope,
            RequestStatus::Waiting,
        )
        .await?;
        Ok(DepotBoard {
            place_name: Names::default().of(&mut conn, depot.node_id).await?,
            may_manage: keeps(actor, &depot.scope),
            depot,
            lines,
            movements,
            items,
            other_depots,
            waiting,
            today,
        })
    }

    /// A depot's stock ledger, newest first.
    pub async fn depot_ledger(&self, actor: &Actor, id: i64) -> AppResult<Vec<MovementRecord>> {
        let mut conn = self.db.read().await?;
        depot_in_sight(&mut conn, actor, id).await?;
        Ok(stock::movements(&mut conn, id, LEDGER_MAX).await?)
    }

    /// The item catalogue.
    pub async fn material_items(&self, actor: &Actor) -> AppResult<Vec<ItemRecord>> {
        follows_somewhere(actor)?;
        let mut conn = self.db.read().await?;
        Ok(repo::list_items(&mut conn).await?)
    }

    /// Adds an item to the catalogue (shared by every depot).
    pub async fn add_material_item(
        &self,
        actor: &Actor,
        name: &str,
        kind: ItemKind,
        unit: ItemUnit,
    ) -> AppResult<ItemRecord> {
        if !actor.can_somewhere(Permission::ManageMaterials) {
            return Err(AppError::Forbidden);
        }
        let name = check_text("item_name", name).map_err(crate::care::volunteers::domain_error)?;
        let mut tx = self.db.begin_write().await?;
        if repo::item_named(&mut tx, &name).await?.is_some() {
            return Err(AppError::invalid(
                "item_name",
                "the catalogue has an item of that name",
            ));
        }
        let mut item = ItemRecord {
            id: 0,
            name,
            kind,
            unit,
            created_at: now_ms(),
        };
        item.id = repo::insert_item(&mut tx, &item).await?;
        log(
            &mut tx,
            actor,
            ("material_item", item.id, None),
            "materials.item_add",
            None,
            serde_json::json!({ "name": item.name, "item_kind": kind.code(), "item_unit": unit.code() }),
        )
        .await?;
        commit(tx).await?;
        Ok(item)
    }

    /// Sets the least a depot should hold of an item (0 clears it).
    pub async fn set_material_minimum(
        &self,
        actor: &Actor,
        depot_id: i64,
        item_id: i64,
        minimum: i64,
    ) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        let d = depot_kept(&mut tx, actor, depot_id).await?;
        let item = repo::get_item(&mut tx, item_id)
            .await
            .map_err(|_| AppError::invalid("item_id", "choose an item of the catalogue"))?;
        let minimum =
            check_count("minimum", minimum).map_err(crate::care::volunteers::domain_error)?;
        repo::set_minimum(&mut tx, d.id, item.id, minimum).await?;
        log(
            &mut tx,
            actor,
            ("material_depot", d.id, Some(&d.scope)),
            "materials.minimum",
            None,
            serde_json::json!({ "item_id": item.id, "minimum": minimum }),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }
}
