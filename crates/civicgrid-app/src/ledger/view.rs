//! Reading the ledger: grids in scope, the room board, household and resident cards,
//! unmasking with a stated purpose, the tag catalogue.

use std::collections::BTreeSet;

use civicgrid_domain::ledger::date::age_on;
use civicgrid_domain::ledger::natural::natural_cmp;
use civicgrid_domain::ledger::tags::{self, AGE_TAGS};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::ledger::{self as repo, HistoryEntry, ResidentRecord};
use civicgrid_store::{AnyConnection, platform::org};
use serde::Serialize;

use super::{
    format_area, grid_in_scope, household_in_scope, mask, open_pii, resident_in_scope, today,
};
use crate::authz::{Change, record, require_somewhere, within_reason_limit};
use crate::privacy::trace::{VIEW_HOUSEHOLD, VIEW_RESIDENT, record_view};
use crate::{App, AppError, AppResult};

/// A catalogue tag with whether it is offered for new assignments: a plain record,
/// the app's view of the stored one.
pub use civicgrid_store::ledger::CatalogueTag;

/// How a room is used, as the board colours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoomState {
    Vacant,
    Occupied,
    Rented,
}

impl RoomState {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomState::Vacant => "vacant",
            RoomState::Occupied => "occupied",
            RoomState::Rented => "rented",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardHouseholdView {
    pub id: i64,
    pub ownership: String,
    /// Floor area in m² (two decimals), when known.
    pub area_m2: Option<String>,
    pub members: i64,
    /// Manual tags of present members and the age-derived tags of the oldest member.
    pub tags: Vec<String>,
    /// Some member carries a care tag.
    pub care: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardRoomView {
    pub id: i64,
    pub name: String,
    pub floor: Option<i64>,
    pub state: RoomState,
    pub households: Vec<BoardHouseholdView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardUnitView {
    pub id: i64,
    pub name: String,
    pub rooms: Vec<BoardRoomView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BoardBuildingView {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub units: Vec<BoardUnitView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridRef {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl From<&org::OrgNode> for GridRef {
    fn from(n: &org::OrgNode) -> GridRef {
        GridRef {
            id: n.id,
            code: n.code.clone(),
            name_zh: n.name_zh.clone(),
            name_en: n.name_en.clone(),
        }
    }
}

/// The room board of a grid (每栋每户).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Board {
    pub grid: GridRef,
    pub buildings: Vec<BoardBuildingView>,
    pub households: i64,
    pub residents: i64,
}

/// A resident with personal values masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResidentView {
    pub id: i64,
    pub household_id: Option<i64>,
    pub grid_id: i64,
    pub name: String,
    pub gender: String,
    pub relation: String,
    pub residence_status: String,
    /// e.g. `420102********1234`.
    pub id_number: Option<String>,
    /// e.g. `138****5678`.
    pub phone: Option<String>,
    /// `YYYY-MM-**`.
    pub birth_date: String,
    pub age: Option<i32>,
    /// Computed from the birth date, never typed.
    pub derived_tags: Vec<String>,
    pub tags: Vec<String>,
    /// For optimistic locking of edits.
    pub version: i64,
}

/// Where a household lives.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaceView {
    pub grid: GridRef,
    pub building_id: i64,
    pub building: String,
    pub unit: String,
    pub room_id: i64,
    pub room: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryView {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub reason: Option<String>,
    /// What changed, personal values masked (a JSON object).
    pub changes: serde_json::Value,
}

impl From<HistoryEntry> for HistoryView {
    fn from(h: HistoryEntry) -> HistoryView {
        HistoryView {
            at_ms: h.at_ms,
            actor: h.actor_label,
            action: h.action,
            reason: h.reason,
            changes: serde_json::from_str(&h.changes).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdCard {
    pub id: i64,
    pub active: bool,
    pub ownership: String,
    pub area_m2: Option<String>,
    pub place: PlaceView,
    /// Present members first; the head leads.
    pub members: Vec<ResidentView>,
    pub history: Vec<HistoryView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResidentCard {
    pub resident: ResidentView,
    pub place: Option<PlaceView>,
    pub history: Vec<HistoryView>,
    /// May the reader link a resident's account to this record? (Whether the form
    /// shows; the use case decides, account by account.)
    pub may_link_account: bool,
}

/// Personal values opened for a stated purpose. Shown once, never stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unmasked {
    pub resident_id: i64,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub birth_date: String,
}

const HISTORY_LIMIT: i64 = 200;

fn derived_from_ym(birth_ym: i64) -> Vec<String> {
    // The board knows the birth month only, so it takes the first of the month (a
    // hint at most a month early); the cards compute the exact derived tags.
    let y = i32::try_from(birth_ym / 100).unwrap_or(0);
    let m = u32::try_from(birth_ym % 100).unwrap_or(1).clamp(1, 12);
    match civicgrid_domain::ledger::date::Date::from_ymd_opt(y, m, 1) {
        Some(d) => tags::derived_tags(d, today())
            .into_iter()
            .filter(|c| *c != "minor")
            .map(str::to_owned)
            .collect(),
        None => Vec::new(),
    }
}

/// Buildings and units in natural order of their names (`2` before `10`, `3栋` before
/// `12栋`); rooms by floor (those without one last), then in natural order (`101`
/// before `1001`). The store lists them as text.
fn sort_board(buildings: &mut [BoardBuildingView]) {
    buildings.sort_by(|a, b| natural_cmp(&a.name, &b.name).then(a.id.cmp(&b.id)));
    for b in buildings {
        b.units
            .sort_by(|x, y| natural_cmp(&x.name, &y.name).then(x.id.cmp(&y.id)));
        for u in &mut b.units {
            u.rooms.sort_by(|x, y| {
                (x.floor.is_none(), x.floor)
                    .cmp(&(y.floor.is_none(), y.floor))
                    .then_with(|| natural_cmp(&x.name, &y.name))
                    .then(x.id.cmp(&y.id))
            });
        }
    }
}

pub(crate) async fn resident_views(
    app: &App,
    conn: &mut AnyConnection,
    records: &[ResidentRecord],
    household_id: Option<i64>,
) -> AppResult<Vec<ResidentView>> {
    let tag_pairs = match household_id {
        Some(h) => repo::tags_of_members(conn, h).await?,
        None => {
            let mut out = Vec::new();
            for r in records {
                for t in repo::tags_of(conn, r.id).await? {
                    out.push((r.id, t));
                }
            }
            out
        }
    };
    let now = today();
    records
        .iter()
        .map(|r| {
            let m = mask(&app.config.field_keys, r)?;
            let age = m.birth_date.map(|b| age_on(b, now));
            Ok(ResidentView {
                id: r.id,
                household_id: r.household_id,
                grid_id: r.grid_id,
                name: r.name.clone(),
                gender: r.gender.code().into(),
                relation: r.relation.code().into(),
                residence_status: r.status.code().into(),
                id_number: m.id_number,
                phone: m.phone,
                birth_date: m.birth,
                age,
                derived_tags: m
                    .birth_date
                    .map(|b| {
                        tags::derived_tags(b, now)
                            .into_iter()
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                tags: tag_pairs
                    .iter()
                    .filter(|(id, _)| *id == r.id)
                    .map(|(_, t)| t.clone())
                    .collect(),
                version: r.version,
            })
        })
        .collect()
}

pub(crate) async fn place_view(conn: &mut AnyConnection, room_id: i64) -> AppResult<PlaceView> {
    let p = repo::place_of_room(conn, room_id).await?;
    Ok(PlaceView {
        grid: GridRef {
            id: p.grid_id,
            code: String::new(),
            name_zh: p.grid_name_zh,
            name_en: p.grid_name_en,
        },
        building_id: p.building_id,
        building: p.building_name,
        unit: p.unit_name,
        room_id: p.room.id,
        room: p.room.name,
    })
}

pub(crate) async fn household_card_unchecked(
    app: &App,
    conn: &mut AnyConnection,
    h: &repo::Household,
    with_history: bool,
) -> AppResult<HouseholdCard> {
    let mut records = repo::members(conn, h.id).await?;
    records.sort_by_key(|r| !r.status.is_present());
    let members = resident_views(app, conn, &records, Some(h.id)).await?;
    let history = if with_history {
        repo::history(conn, "household", h.id, HISTORY_LIMIT)
            .await?
            .into_iter()
            .map(HistoryView::from)
            .collect()
    } else {
        Vec::new()
    };
    Ok(HouseholdCard {
        id: h.id,
        active: h.active,
        ownership: h.ownership.code().into(),
        area_m2: h.area_centi.map(format_area),
        place: place_view(conn, h.room_id).await?,
        members,
        history,
    })
}

impl App {
    /// The grids in which the actor may view the ledger.
    pub async fn ledger_grids(&self, actor: &Actor) -> AppResult<Vec<org::OrgNode>> {
        require_somewhere(actor, Permission::ViewLedger)?;
        let mut conn = self.db.read().await?;
        let roots = match actor.scopes(Permission::ViewLedger) {
            None => org::roots(&mut conn)
                .await?
                .into_iter()
                .map(|n| n.path)
                .collect(),
            Some(paths) => paths,
        };
        let mut out = Vec::new();
        for p in roots {
            out.extend(
                org::subtree(&mut conn, &p)
                    .await?
                    .into_iter()
                    .filter(|n| n.kind == NodeKind::Grid),
            );
        }
        // By path in natural order: communities, then grids, in the order they were
        // made (`/1/4/9/` before `/1/4/10/`).
        out.sort_by(|a, b| natural_cmp(a.path.as_str(), b.path.as_str()));
        out.dedup_by_key(|n| n.id);
        Ok(out)
    }

    /// The room board of a grid: buildings, units, rooms and who lives there.
    pub async fn ledger_board(&self, actor: &Actor, grid_id: i64) -> AppResult<Board> {
        let mut conn = self.db.read().await?;
        let grid = grid_in_scope(&mut conn, actor, Permission::ViewLedger, grid_id).await?;
        let raw = repo::board(&mut conn, grid.id).await?;
        let catalogue = repo::catalogue(&mut conn).await?;
        let is_care = |code: &str| catalogue.iter().any(|t| t.def.code == code && t.def.care);
        let (mut households, mut residents) = (0, 0);
        let mut buildings: Vec<BoardBuildingView> = raw
            .into_iter()
            .map(|b| BoardBuildingView {
                id: b.building.id,
                name: b.building.name,
                address: b.building.address,
                units: b
                    .units
                    .into_iter()
                    .map(|u| BoardUnitView {
                        id: u.unit.id,
                        name: u.unit.name,
                        rooms: u
                            .rooms
                            .into_iter()
                            .map(|r| {
                                let hs: Vec<BoardHouseholdView> = r
                                    .households
                                    .into_iter()
                                    .map(|h| {
                                        let mut tags: BTreeSet<String> =
                                            h.tags.into_iter().collect();
                                        if let Some(ym) = h.oldest_birth_ym {
                                            tags.extend(derived_from_ym(ym));
                                        }
                                        let tags: Vec<String> = tags.into_iter().collect();
                                        households += 1;
                                        residents += h.members;
                                        BoardHouseholdView {
                                            id: h.id,
                                            ownership: h.ownership.code().into(),
                                            area_m2: h.area_centi.map(format_area),
                                            members: h.members,
                                            care: tags.iter().any(|t| is_care(t)),
                                            tags,
                                        }
                                    })
                                    .collect();
                                let state = if hs.iter().all(|h| h.members == 0) {
                                    RoomState::Vacant
                                } else if hs.iter().any(|h| h.ownership == "tenant") {
                                    RoomState::Rented
                                } else {
                                    RoomState::Occupied
                                };
                                BoardRoomView {
                                    id: r.room.id,
                                    name: r.room.name,
                                    floor: r.room.floor,
                                    state,
                                    households: hs,
                                }
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        sort_board(&mut buildings);
        Ok(Board {
            grid: GridRef::from(&grid),
            buildings,
            households,
            residents,
        })
    }

    /// A household card, members masked. Showing it leaves a trace for each member in
    /// the data-access log.
    pub async fn household_card(&self, actor: &Actor, id: i64) -> AppResult<HouseholdCard> {
        let mut conn = self.db.read().await?;
        let (h, path) = household_in_scope(&mut conn, actor, Permission::ViewLedger, id).await?;
        let card = household_card_unchecked(self, &mut conn, &h, true).await?;
        drop(conn);
        let shown: Vec<(i64, Option<i64>)> =
            card.members.iter().map(|m| (m.id, Some(h.id))).collect();
        record_view(self, actor, VIEW_HOUSEHOLD, &path, &shown).await?;
        Ok(card)
    }

    /// A resident card, personal values masked. Showing it leaves a trace in the
    /// data-access log.
    pub async fn resident_card(&self, actor: &Actor, id: i64) -> AppResult<ResidentCard> {
        let mut conn = self.db.read().await?;
        let (r, path) = resident_in_scope(&mut conn, actor, Permission::ViewLedger, id).await?;
        let resident = resident_views(self, &mut conn, std::slice::from_ref(&r), None)
            .await?
            .pop()
            .ok_or(AppError::NotFound("resident"))?;
        let place = match r.household_id {
            Some(h) => {
                let h = repo::get_household(&mut conn, h).await?;
                Some(place_view(&mut conn, h.room_id).await?)
            }
            None => None,
        };
        let history = repo::history(&mut conn, "resident", r.id, HISTORY_LIMIT)
            .await?
            .into_iter()
            .map(HistoryView::from)
            .collect();
        drop(conn);
        record_view(self, actor, VIEW_RESIDENT, &path, &[(r.id, r.household_id)]).await?;
        Ok(ResidentCard {
            resident,
            place,
            history,
            may_link_account: super::link::may_link_at(actor, &path),
        })
    }

    /// Opens a resident's personal values for a stated purpose; the unmasking is audited
    /// with the purpose (never the values).
    pub async fn unmask_resident(
        &self,
        actor: &Actor,
        id: i64,
        purpose: &str,
    ) -> AppResult<Unmasked> {
        let purpose = purpose.trim();
        if purpose.is_empty() {
            return Err(AppError::invalid(
                "purpose",
                "state why you need the full values",
            ));
        }
        within_reason_limit("purpose", purpose)?;
        let mut tx = self.db.begin_write().await?;
        let (r, path) =
            resident_in_scope(&mut tx, actor, Permission::UnmaskPersonalData, id).await?;
        let opened = open_pii(&self.config.field_keys, &r)?;
        record(
            &mut tx,
            actor,
            Change {
                action: "ledger.resident.unmask",
                target_type: "resident",
                target_id: r.id.to_string(),
                scope: Some(&path),
                reason: Some(purpose),
                details: serde_json::json!({
                    "fields": ["id_number", "phone", "birth_date"],
                    "household_id": r.household_id,
                }),
            },
        )
        .await?;
        civicgrid_store::commit(tx).await?;
        Ok(Unmasked {
            resident_id: r.id,
            id_number: opened.id_number,
            phone: opened.phone,
            birth_date: opened.birth_date,
        })
    }

    /// The tag catalogue (anyone who may view the ledger somewhere).
    pub async fn tag_catalogue(&self, actor: &Actor) -> AppResult<Vec<CatalogueTag>> {
        require_somewhere(actor, Permission::ViewLedger)?;
        let mut conn = self.db.read().await?;
        Ok(repo::catalogue(&mut conn).await?)
    }
}

/// Whether a code names an age-derived tag.
pub fn is_age_tag(code: &str) -> bool {
    AGE_TAGS.iter().any(|(c, ..)| *c == code)
}

impl App {
    /// May the actor use `permission` in this grid? (Decides which forms a page shows;
    /// the use cases decide what is allowed.)
    pub async fn ledger_can(&self, actor: &Actor, permission: Permission, grid_id: i64) -> bool {
        let Ok(mut conn) = self.db.read().await else {
            return false;
        };
        match org::get(&mut conn, grid_id).await {
            Ok(n) => actor.can(permission, &n.path),
            Err(_) => false,
        }
    }
}

impl App {
    /// Checks that the actor may edit the ledger of this grid (the room board's room
    /// picker searches only for someone who may add a household there). Leaves no
    /// trace: nothing of the grid is shown.
    pub async fn grid_for_edit(&self, actor: &Actor, grid_id: i64) -> AppResult<()> {
        let mut conn = self.db.read().await?;
        grid_in_scope(&mut conn, actor, Permission::EditLedger, grid_id).await?;
        Ok(())
    }

    /// Checks that the actor may edit this household (its forms' pickers search only
    /// for someone who may use them) and gives its grid. Leaves no trace: nothing of
    /// the household is shown.
    pub async fn household_for_edit(&self, actor: &Actor, id: i64) -> AppResult<i64> {
        let mut conn = self.db.read().await?;
        let (h, _) = household_in_scope(&mut conn, actor, Permission::EditLedger, id).await?;
        Ok(h.grid_id)
    }
}

impl App {
    /// Checks that the actor may edit this resident's record (the move form's
    /// household picker searches only for someone who may move them). Leaves no
    /// trace: nothing of the resident is shown. Gives the resident's household.
    pub async fn resident_for_edit(&self, actor: &Actor, id: i64) -> AppResult<Option<i64>> {
        let mut conn = self.db.read().await?;
        let (r, _) = resident_in_scope(&mut conn, actor, Permission::EditLedger, id).await?;
        Ok(r.household_id)
    }
}
