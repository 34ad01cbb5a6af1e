//! Material requests (物资申请) for households: raised by staff or by another use case
//! (a welfare check, a resident request), served by priority from a depot covering the
//! household — earliest expiry first, every unit an `issue` movement — and delivered by
//! a volunteer or grid worker who confirms the hand-over. A community depot that
//! cannot fill a request asks its street depot for what is missing.
//!
//! Who may do what: [`Permission::ManageMaterials`] raises, issues, allocates,
//! assigns, cancels and confirms requests for households in its scope;
//! [`Permission::ViewMaterials`] follows them (and, with [`Permission::EditLedger`]
//! there — a grid worker —, may raise one from a welfare check or a request); the
//! deliverer assigned sees and confirms only their deliveries. A welfare check that
//! asks for items writes its request through [`write_request`] in the check's own
//! transaction, allowed by the check's rules (a volunteer checker included).
//! Anything else is not found. Every change is audited in its transaction.

use std::collections::HashMap;

use civicgrid_domain::emergency::materials::{
    DepotLevel, Line, MovementKind, RequestStatus, Source, check_lines, check_optional,
    check_request_move, pick_batches,
};
use civicgrid_domain::emergency::materials_priority::{
    Priority, priority, serve_order, vulnerability,
};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_store::emergency::depots::{self as depots_repo, DepotRecord};
use civicgrid_store::emergency::materials::{self as repo, Deliverer, LineRecord, RequestRecord};
use civicgrid_store::emergency::stock::{self as stock_repo, MovementRecord, NewMovement};
use civicgrid_store::{AnyConnection, commit, now_ms};

pub use civicgrid_store::emergency::materials::{
    Deliverer as MaterialDeliverer, LineRecord as MaterialLine, RequestRecord as MaterialRequest,
};

use super::depots::{batch_stock, depot_kept, depots_in_sight, keeps, log};
use super::stock::{ask_street, short_stock};
use crate::care::volunteers::{Names, domain_error, today};
use crate::{App, AppError, AppResult};

/// The most requests a listing shows.
const LIST_MAX: i64 = 300;
/// The most waiting requests one allocation serves.
const ALLOCATE_MAX: i64 = 500;
/// The most deliveries a deliverer's list shows.
const DELIVERIES_MAX: i64 = 100;

fn not_found() -> AppError {
    AppError::NotFound("material request")
}

fn stale() -> AppError {
    AppError::Conflict("the material request was changed meanwhile; reload and try again".into())
}

/// Is the actor the request's deliverer?
fn delivers(actor: &Actor, r: &RequestRecord) -> bool {
    actor.user_id.is_some() && r.deliverer_user_id == actor.user_id
}

fn follows(actor: &Actor, at: &OrgPath) -> bool {
    actor.can(Permission::ViewMaterials, at) || actor.can(Permission::ManageMaterials, at)
}

/// Loads a request the actor may see: in a scope where they follow materials, or one
/// they deliver; anything else is not found.
async fn in_sight(conn: &mut AnyConnection, actor: &Actor, id: i64) -> AppResult<RequestRecord> {
    let r = repo::get_request(conn, id).await.map_err(|_| not_found())?;
    if follows(actor, &r.scope) || delivers(actor, &r) {
        Ok(r)
    } else {
        Err(not_found())
    }
}

/// Loads a request the actor keeps: one they only follow is forbidden, one out of
/// sight not found.
async fn managed(conn: &mut AnyConnection, actor: &Actor, id: i64) -> AppResult<RequestRecord> {
    if !actor.can_somewhere(Permission::ManageMaterials) {
        return Err(AppError::Forbidden);
    }
    let r = repo::get_request(conn, id).await.map_err(|_| not_found())?;
    if actor.can(Permission::ManageMaterials, &r.scope) {
        Ok(r)
    } else if follows(actor, &r.scope) || delivers(actor, &r) {
        Err(AppError::Forbidden)
    } else {
        Err(not_found())
    }
}

async fn log_request(
    conn: &mut AnyConnection,
    actor: &Actor,
    r: &RequestRecord,
    action: &'static str,
    reason: Option<&str>,
    details: serde_json::Value,
) -> AppResult<()> {
    log(
        conn,
        actor,
        ("material_request", r.id, Some(&r.scope)),
        action,
        reason,
        details,
    )
    .await
}

/// The care tags the household's living members hold, those of age included.
async fn household_tags(
    conn: &mut AnyConnection,
    household_id: i64,
    members: &[(i64, i64)],
) -> AppResult<Vec<String>> {
    let mut tags: Vec<String> = civicgrid_store::ledger::tags_of_members(conn, household_id)
        .await?
        .into_iter()
        .filter(|(r, _)| members.iter().any(|(m, _)| m == r))
        .map(|(_, t)| t)
        .collect();
    let today = chrono::Utc::now().date_naive();
    for (_, birth_ym) in members {
        let (y, m) = (birth_ym / 100, birth_ym % 100);
        if let (Ok(y), Ok(m)) = (i32::try_from(y), u32::try_from(m))
            && let Some(birth) = chrono::NaiveDate::from_ymd_opt(y, m, 1)
        {
            tags.extend(
                civicgrid_domain::ledger::tags::derived_tags(birth, today)
                    .into_iter()
                    .map(str::to_owned),
            );
        }
    }
    Ok(tags)
}

/// A request with its lines and priority now.
#[derive(Debug, Clone)]
pub struct RequestLine {
    pub r: RequestRecord,
    pub lines: Vec<LineRecord>,
    pub priority: Priority,
}

/// A request with everything its page shows and what the actor may do.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub r: RequestRecord,
    pub lines: Vec<LineRecord>,
    pub priority: Priority,
    pub grid_name: String,
    pub depot_name: Option<String>,
    /// The issue movements, batch by batch.
    pub movements: Vec<MovementRecord>,
    pub may_manage: bool,
    /// The actor is the deliverer and it is on its way.
    pub may_confirm: bool,
    /// Depots the actor keeps that cover the household (to issue from).
    pub depots: Vec<DepotRecord>,
    /// Volunteers and grid workers of the community (to deliver).
    pub deliverers: Vec<Deliverer>,
}

/// What one allocation run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allocation {
    /// Requests issued, in the order served.
    pub issued: Vec<i64>,
    /// Requests the depot could not fill.
    pub short: Vec<i64>,
    /// Transfer requests raised to the street depot.
    pub transfers: Vec<i64>,
}

/// What is missing for one line: (item id, wanted, usable in the depot).
type Shortfall = (i64, i64, i64);

/// Issues `r` from `d` if every line can be filled: the movements, the request's new
/// state and the audit entry, on the caller's transaction. When a line cannot be
/// filled nothing is written and the shortfalls come back.
async fn issue_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    mut r: RequestRecord,
    d: &DepotRecord,
    deliverer: Option<i64>,
) -> AppResult<Result<RequestRecord, Vec<Shortfall>>> {
    let lines = repo::lines_of(conn, r.id).await?;
    let now = now_ms();
    let day = today(now);
    let mut plan = Vec::new();
    let mut short = Vec::new();
    for l in &lines {
        let batches = stock_repo::batches(conn, d.id, Some(l.item_id)).await?;
        match pick_batches(&batch_stock(&batches), l.quantity, day) {
            Ok(picks) => plan.push((l.item_id, picks)),
            Err(s) => short.push((l.item_id, l.quantity, s.available)),
        }
    }
    if !short.is_empty() {
        return Ok(Err(short));
    }
    let mut taken = Vec::new();
    for (item_id, picks) in plan {
        for (batch_id, take) in picks {
            stock_repo::apply_movement(
                conn,
                &NewMovement {
                    batch_id,
                    kind: MovementKind::Issue,
                    quantity: -take,
                    reason: None,
                    request_id: Some(r.id),
                    transfer_id: None,
                    other_depot_id: None,
                    actor_user_id: actor.user_id,
                    actor_label: &actor.label,
                    at: now,
                },
            )
            .await
            .map_err(short_stock)?;
            taken.push((item_id, batch_id, take));
        }
    }
    r.status = RequestStatus::Issued;
    r.depot_id = Some(d.id);
    r.issued_at = Some(now);
    if deliverer.is_some() {
        r.deliverer_user_id = deliverer;
    }
    r.updated_at = now;
    r.version = repo::update_request(conn, &r).await?.ok_or_else(stale)?;
    log_request(
        conn,
        actor,
        &r,
        "materials.issue",
        None,
        serde_json::json!({
            "depot_id": d.id,
            "issued": taken.iter().map(|t| t.2).sum::<i64>(),
            "batches": taken.len(),
            "deliverer_user_id": r.deliverer_user_id,
        }),
    )
    .await?;
    Ok(Ok(r))
}

/// The deliverer chosen for a request of `community`: a volunteer or grid worker of it.
async fn check_deliverer(
    conn: &mut AnyConnection,
    r: &RequestRecord,
    user_id: i64,
) -> AppResult<i64> {
    let community = civicgrid_store::platform::org::get(conn, r.community_id).await?;
    if repo::deliverers(conn, &community.path)
        .await?
        .iter()
        .any(|d| d.user_id == user_id)
    {
        Ok(user_id)
    } else {
        Err(AppError::invalid(
            "deliverer_id",
            "choose a volunteer or grid worker of the community",
        ))
    }
}

async fn with_lines(
    conn: &mut AnyConnection,
    r: RequestRecord,
    now: i64,
) -> AppResult<RequestLine> {
    Ok(RequestLine {
        lines: repo::lines_of(conn, r.id).await?,
        priority: priority(r.vulnerability, r.people, r.raised_at, now),
        r,
    })
}

/// Orders waiting requests by priority (highest first) ahead of the rest (newest
/// first).
fn by_priority(lines: &mut [RequestLine]) {
    let mut waiting: Vec<(i64, i64, i64)> = lines
        .iter()
        .filter(|l| l.r.status == RequestStatus::Waiting)
        .map(|l| (l.priority.score(), l.r.raised_at, l.r.id))
        .collect();
    serve_order(&mut waiting);
    let rank: HashMap<i64, usize> = waiting
        .iter()
        .enumerate()
        .map(|(i, (_, _, id))| (*id, i))
        .collect();
    lines.sort_by_key(|l| {
        (
            rank.get(&l.r.id).copied().unwrap_or(usize::MAX),
            std::cmp::Reverse(l.r.id),
        )
    });
}

/// Writes a material request for the household `h`, its lines and its audit entry on
/// the caller's transaction, reading the household's care tags from the ledger. The
/// caller has decided the actor may: staff raising it, or a use case (a welfare check)
/// whose own rules allowed the actor to act on the household.
pub(crate) async fn write_request(
    conn: &mut AnyConnection,
    actor: &Actor,
    h: &repo::HouseholdFacts,
    lines: &[Line],
    source: Source,
    note: &str,
) -> AppResult<RequestRecord> {
    if !h.active || h.members.is_empty() {
        return Err(AppError::invalid(
            "household_id",
            "nobody lives in this household any more",
        ));
    }
    let lines = check_lines(lines).map_err(domain_error)?;
    for l in &lines {
        if depots_repo::get_item(conn, l.item_id).await.is_err() {
            return Err(AppError::invalid("lines", "choose items of the catalogue"));
        }
    }
    let note = check_optional("request_note", Some(note))
        .map_err(domain_error)?
        .unwrap_or_default();
    let tags = household_tags(conn, h.household_id, &h.members).await?;
    let (counted, points) = vulnerability(&tags);
    let now = now_ms();
    let mut r = RequestRecord {
        id: 0,
        household_id: h.household_id,
        community_id: h.community_id,
        scope: h.grid_path.clone(),
        source,
        status: RequestStatus::Waiting,
        note,
        vulnerability: points,
        people: i64::try_from(h.members.len()).unwrap_or(i64::MAX),
        care_tags: counted.iter().map(|t| (*t).to_owned()).collect(),
        depot_id: None,
        deliverer_user_id: None,
        status_reason: None,
        raised_by: actor.user_id,
        raised_at: now,
        issued_at: None,
        delivered_at: None,
        updated_at: now,
        version: 1,
        building: String::new(),
        unit: String::new(),
        room: String::new(),
        head_name: None,
        deliverer_name: None,
    };
    let pairs: Vec<(i64, i64)> = lines.iter().map(|l| (l.item_id, l.quantity)).collect();
    r.id = repo::insert_request(conn, &r, &pairs).await?;
    log_request(
        conn,
        actor,
        &r,
        "materials.request",
        None,
        serde_json::json!({
            "household_id": h.household_id, "source": source.code(), "source_id": source.id(),
            "lines": pairs, "vulnerability": points, "people": r.people,
        }),
    )
    .await?;
    Ok(repo::get_request(conn, r.id).await?)
}

impl App {
    /// Raises a material request for a household of the ledger (staff, a welfare
    /// check or a resident request).
    pub async fn request_materials(
        &self,
        actor: &Actor,
        household_id: i64,
        lines: &[Line],
        source: Source,
    ) -> AppResult<RequestRecord> {
        self.raise_material_request(actor, household_id, lines, source, "")
            .await
    }

    /// As [`App::request_materials`], with a note for the depot and the deliverer
    /// (what the household needs, when someone is at home).
    pub async fn raise_material_request(
        &self,
        actor: &Actor,
        household_id: i64,
        lines: &[Line],
        source: Source,
        note: &str,
    ) -> AppResult<RequestRecord> {
        // Staff raise requests; who follows materials and keeps the ledger there (a
        // grid worker) may raise one from a welfare check or a request they work on.
        let may = |at: &OrgPath| match source {
            Source::Staff => actor.can(Permission::ManageMaterials, at),
            _ => {
                actor.can(Permission::ManageMaterials, at)
                    || (actor.can(Permission::ViewMaterials, at)
                        && actor.can(Permission::EditLedger, at))
            }
        };
        let somewhere = match source {
            Source::Staff => actor.can_somewhere(Permission::ManageMaterials),
            _ => {
                actor.can_somewhere(Permission::ManageMaterials)
                    || actor.assignments.iter().any(|a| {
                        a.role.has(Permission::ViewMaterials) && a.role.has(Permission::EditLedger)
                    })
            }
        };
        if !somewhere {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.db.begin_write().await?;
        let h = repo::household_facts(&mut tx, household_id)
            .await
            .map_err(|_| AppError::NotFound("household"))?;
        if !may(&h.grid_path) {
            return Err(if follows(actor, &h.grid_path) {
                AppError::Forbidden
            } else {
                AppError::NotFound("household")
            });
        }
        let r = write_request(&mut tx, actor, &h, lines, source, note).await?;
        commit(tx).await?;
        Ok(r)
    }

    /// Material requests for households in the actor's scopes, at `status` when given:
    /// waiting ones by priority first.
    pub async fn material_requests(
        &self,
        actor: &Actor,
        status: Option<RequestStatus>,
    ) -> AppResult<Vec<RequestLine>> {
        let mut scopes: Vec<OrgPath> = Vec::new();
        for p in [Permission::ViewMaterials, Permission::ManageMaterials] {
            match actor.scopes(p) {
                None => scopes.push(OrgPath::from_stored("/".into())),
                Some(s) => scopes.extend(s),
            }
        }
        if scopes.is_empty() {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let now = now_ms();
        let mut out: Vec<RequestLine> = Vec::new();
        for s in &scopes {
            if scopes.iter().any(|o| o != s && s.is_within(o)) {
                continue;
            }
            for r in repo::list_requests(&mut conn, s, status, LIST_MAX).await? {
                if !out.iter().any(|o| o.r.id == r.id) {
                    out.push(with_lines(&mut conn, r, now).await?);
                }
            }
        }
        by_priority(&mut out);
        Ok(out)
    }

    /// How many material requests wait in the actor's scopes.
    pub async fn material_requests_waiting(&self, actor: &Actor) -> AppResult<i64> {
        let Some(scopes) = actor.scopes(Permission::ManageMaterials) else {
            return Ok(0);
        };
        let mut conn = self.db.read().await?;
        let mut n = 0;
        for s in scopes {
            n += repo::count_requests(&mut conn, &s, RequestStatus::Waiting).await?;
        }
        Ok(n)
    }

    /// One request with what the actor may do.
    pub async fn material_request(&self, actor: &Actor, id: i64) -> AppResult<RequestView> {
        let mut conn = self.db.read().await?;
        let r = in_sight(&mut conn, actor, id).await?;
        let may_manage = actor.can(Permission::ManageMaterials, &r.scope);
        let depots = if may_manage && r.status == RequestStatus::Waiting {
            depots_in_sight(&mut conn, actor)
                .await?
                .into_iter()
                .filter(|d| keeps(actor, &d.scope) && r.scope.is_within(&d.scope))
                .collect()
        } else {
            Vec::new()
        };
        let deliverers = if may_manage && r.status.is_open() {
            let community = civicgrid_store::platform::org::get(&mut conn, r.community_id).await?;
            repo::deliverers(&mut conn, &community.path).await?
        } else {
            Vec::new()
        };
        let depot_name = match r.depot_id {
            Some(d) => Some(depots_repo::get_depot(&mut conn, d).await?.name),
            None => None,
        };
        let grid_id = r.scope.ids().last().copied().unwrap_or(0);
        Ok(RequestView {
            lines: repo::lines_of(&mut conn, r.id).await?,
            priority: priority(r.vulnerability, r.people, r.raised_at, now_ms()),
            grid_name: Names::default().of(&mut conn, grid_id).await?,
            depot_name,
            movements: stock_repo::movements_of_request(&mut conn, r.id).await?,
            may_confirm: r.status == RequestStatus::Issued && (delivers(actor, &r) || may_manage),
            may_manage,
            depots,
            deliverers,
            r,
        })
    }

    /// Issues a waiting request from a depot the actor keeps, earliest expiry first,
    /// naming its deliverer if given. A community depot short of an item asks its
    /// street depot for what is missing, and the request keeps waiting (a conflict).
    pub async fn issue_material_request(
        &self,
        actor: &Actor,
        id: i64,
        depot_id: i64,
        deliverer: Option<i64>,
    ) -> AppResult<RequestRecord> {
        let mut tx = self.db.begin_write().await?;
        let r = managed(&mut tx, actor, id).await?;
        let d = match depot_kept(&mut tx, actor, depot_id).await {
            Ok(d) if r.scope.is_within(&d.scope) => d,
            _ => {
                return Err(AppError::invalid(
                    "depot_id",
                    "choose a depot you keep that serves the household",
                ));
            }
        };
        check_request_move(r.status, RequestStatus::Issued, None).map_err(domain_error)?;
        let deliverer = match deliverer {
            Some(u) => Some(check_deliverer(&mut tx, &r, u).await?),
            None => None,
        };
        let rid = r.id;
        match issue_in(&mut tx, actor, r, &d, deliverer).await? {
            Ok(r) => {
                commit(tx).await?;
                Ok(r)
            }
            Err(short) => {
                let mut asked = Vec::new();
                if d.level == DepotLevel::Community {
                    for (item, want, available) in &short {
                        if let Some(t) =
                            ask_street(&mut tx, actor, &d, *item, want - available, Some(rid))
                                .await?
                        {
                            asked.push(t.id);
                        }
                    }
                }
                commit(tx).await?;
                Err(AppError::Conflict(if asked.is_empty() {
                    "the depot holds too little for this request".into()
                } else {
                    "the depot holds too little for this request; the street depot was asked for the rest"
                        .into()
                }))
            }
        }
    }

    /// Serves the waiting requests of the depot's place by priority: each that the
    /// depot can fill is issued; for what is missing a community depot asks its street
    /// depot.
    pub async fn allocate_materials(&self, actor: &Actor, depot_id: i64) -> AppResult<Allocation> {
        let (d, waiting) = {
            let mut conn = self.db.read().await?;
            let d = depot_kept(&mut conn, actor, depot_id).await?;
            let list = repo::list_requests(
                &mut conn,
                &d.scope,
                Some(RequestStatus::Waiting),
                ALLOCATE_MAX,
            )
            .await?;
            let now = now_ms();
            let mut lines = Vec::new();
            for r in list {
                if actor.can(Permission::ManageMaterials, &r.scope) {
                    lines.push(with_lines(&mut conn, r, now).await?);
                }
            }
            by_priority(&mut lines);
            (d, lines)
        };
        let mut out = Allocation::default();
        let mut missing: HashMap<i64, (i64, i64, i64)> = HashMap::new();
        for w in waiting {
            let mut tx = self.db.begin_write().await?;
            let r = repo::get_request(&mut tx, w.r.id).await?;
            if r.status != RequestStatus::Waiting {
                continue;
            }
            match issue_in(&mut tx, actor, r, &d, None).await? {
                Ok(r) => {
                    commit(tx).await?;
                    out.issued.push(r.id);
                }
                Err(short) => {
                    drop(tx);
                    out.short.push(w.r.id);
                    for (item, want, available) in short {
                        let e = missing.entry(item).or_insert((0, available, w.r.id));
                        e.0 += want;
                        e.1 = available;
                    }
                }
            }
        }
        let mut tx = self.db.begin_write().await?;
        if d.level == DepotLevel::Community {
            let mut items: Vec<_> = missing.into_iter().collect();
            items.sort_unstable();
            for (item, (want, available, first)) in items {
                if let Some(t) = ask_street(
                    &mut tx,
                    actor,
                    &d,
                    item,
                    (want - available).max(1),
                    Some(first),
                )
                .await?
                {
                    out.transfers.push(t.id);
                }
            }
        }
        log(
            &mut tx,
            actor,
            ("material_depot", d.id, Some(&d.scope)),
            "materials.allocate",
            None,
            serde_json::json!({ "issued": out.issued, "short": out.short, "transfers": out.transfers }),
        )
        .await?;
        commit(tx).await?;
        Ok(out)
    }

    /// Names (or changes) who delivers a waiting or issued request.
    pub async fn assign_material_deliverer(
        &self,
        actor: &Actor,
        id: i64,
        deliverer: i64,
    ) -> AppResult<RequestRecord> {
        let mut tx = self.db.begin_write().await?;
        let mut r = managed(&mut tx, actor, id).await?;
        if !r.status.is_open() {
            return Err(AppError::invalid(
                "deliverer_id",
                "this request is no longer to be delivered",
            ));
        }
        let from = r.deliverer_user_id;
        r.deliverer_user_id = Some(check_deliverer(&mut tx, &r, deliverer).await?);
        r.updated_at = now_ms();
        r.version = repo::update_request(&mut tx, &r).await?.ok_or_else(stale)?;
        log_request(
            &mut tx,
            actor,
            &r,
            "materials.deliverer",
            None,
            serde_json::json!({ "from_user_id": from, "to_user_id": deliverer }),
        )
        .await?;
        let r = repo::get_request(&mut tx, r.id).await?;
        commit(tx).await?;
        Ok(r)
    }

    /// Cancels a waiting request, with a reason.
    pub async fn cancel_material_request(
        &self,
        actor: &Actor,
        id: i64,
        reason: Option<&str>,
    ) -> AppResult<RequestRecord> {
        let reason = crate::authz::reason(reason)?;
        let mut tx = self.db.begin_write().await?;
        let mut r = managed(&mut tx, actor, id).await?;
        check_request_move(r.status, RequestStatus::Cancelled, reason.as_deref())
            .map_err(domain_error)?;
        r.status = RequestStatus::Cancelled;
        r.status_reason = reason.clone();
        r.updated_at = now_ms();
        r.version = repo::update_request(&mut tx, &r).await?.ok_or_else(stale)?;
        log_request(
            &mut tx,
            actor,
            &r,
            "materials.cancel",
            reason.as_deref(),
            serde_json::json!({}),
        )
        .await?;
        commit(tx).await?;
        Ok(r)
    }

    /// The deliverer (or staff) confirms the hand-over, with a note (who received it).
    pub async fn confirm_material_delivery(
        &self,
        actor: &Actor,
        id: i64,
        note: Option<&str>,
    ) -> AppResult<RequestRecord> {
        let note = crate::authz::reason(note)?;
        let mut tx = self.db.begin_write().await?;
        let mut r = repo::get_request(&mut tx, id)
            .await
            .map_err(|_| not_found())?;
        if !(delivers(actor, &r) || actor.can(Permission::ManageMaterials, &r.scope)) {
            return Err(if follows(actor, &r.scope) {
                AppError::Forbidden
            } else {
                not_found()
            });
        }
        check_request_move(r.status, RequestStatus::Delivered, None).map_err(domain_error)?;
        let now = now_ms();
        r.status = RequestStatus::Delivered;
        r.status_reason = note.clone();
        r.delivered_at = Some(now);
        r.updated_at = now;
        r.version = repo::update_request(&mut tx, &r).await?.ok_or_else(stale)?;
        log_request(
            &mut tx,
            actor,
            &r,
            "materials.delivered",
            note.as_deref(),
            serde_json::json!({ "deliverer_user_id": r.deliverer_user_id }),
        )
        .await?;
        commit(tx).await?;
        Ok(r)
    }

    /// The deliveries assigned to the actor: on their way first.
    pub async fn my_material_deliveries(&self, actor: &Actor) -> AppResult<Vec<RequestLine>> {
        let Some(user) = actor.user_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.db.read().await?;
        let now = now_ms();
        let mut out = Vec::new();
        for r in repo::deliveries_of(&mut conn, user, DELIVERIES_MAX).await? {
            out.push(with_lines(&mut conn, r, now).await?);
        }
        Ok(out)
    }
}
