//! Estates (物业管理区域): set up by community staff from the ledger's buildings, with
//! a property company and an owners' committee; the owners of rooms the households do
//! not say are recorded here. [`Permission::ManageParticipation`] at the estate's
//! community changes them; [`Permission::ViewParticipation`] reads them.

use civicgrid_domain::participation::estates::{DEVELOPER, Part, check_name, owners};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_domain::requests::category::ResponderKind;
use civicgrid_store::participation::estates as repo;
pub use civicgrid_store::participation::estates::{BuildingChoice, Estate, EstateSummary};
use civicgrid_store::{AnyConnection, commit, now_ms, platform::org};
use serde::Serialize;

use crate::authz::{Change, record, require, require_in_sight, require_somewhere};
use crate::{App, AppError, AppResult};

/// An estate's page: its buildings among the community's, its property company and
/// the choices, its committee, and what its rooms add up to.
#[derive(Debug, Clone)]
pub struct EstateView {
    pub estate: Estate,
    pub community_name: String,
    pub buildings: Vec<BuildingChoice>,
    pub property_org_name: Option<String>,
    /// Property companies serving the community, as (id, name).
    pub property_choices: Vec<(i64, String)>,
    pub committee: Vec<(i64, String)>,
    pub electorate: EstateElectorate,
    pub may_manage: bool,
}

/// What an owners' vote on the estate would count today.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct EstateElectorate {
    pub rooms: i64,
    pub owners: i64,
    /// Total exclusive area, hundredths of a square metre.
    pub area_centi: i64,
    /// Rooms the developer still holds (no owner in the ledger).
    pub developer_rooms: i64,
    /// Rooms without an area: a vote cannot open until the ledger records them.
    pub rooms_without_area: Vec<RoomLabel>,
}

/// A room by its address parts, for lists of rooms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RoomLabel {
    pub room_id: i64,
    pub building: String,
    pub unit: String,
    pub room: String,
}

impl From<repo::RoomAddress> for RoomLabel {
    fn from(a: repo::RoomAddress) -> Self {
        RoomLabel {
            room_id: a.room_id,
            building: a.building,
            unit: a.unit,
            room: a.room,
        }
    }
}

/// The most rooms a list of rooms to fix or to canvass shows at once.
pub const ROOM_LIST_MAX: usize = 200;

pub(crate) async fn room_labels(
    conn: &mut AnyConnection,
    rooms: &[i64],
) -> AppResult<Vec<RoomLabel>> {
    Ok(repo::room_addresses(conn, rooms)
        .await?
        .into_iter()
        .map(RoomLabel::from)
        .collect())
}

/// Loads an estate the actor may see; one outside their sight is not found.
pub(crate) async fn estate_in_sight(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    permission: Permission,
) -> AppResult<Estate> {
    require_somewhere(actor, permission)?;
    let e = repo::get_estate(conn, id)
        .await
        .map_err(|_| AppError::NotFound("estate"))?;
    require_in_sight(
        actor,
        permission,
        Permission::ViewParticipation,
        &e.scope(),
        || AppError::NotFound("estate"),
    )?;
    Ok(e)
}

/// The property companies that may serve the community at `community`.
async fn property_choices(
    conn: &mut AnyConnection,
    community: &civicgrid_domain::platform::org::OrgPath,
) -> AppResult<Vec<(i64, String)>> {
    Ok(civicgrid_store::requests::list_orgs(conn, None)
        .await?
        .into_iter()
        .filter(|o| {
            o.active
                && o.kind == ResponderKind::PropertyCompany
                && (community.is_within(&o.scope) || o.scope.is_within(community))
        })
        .map(|o| (o.id, o.name))
        .collect())
}

/// Sums up the parts of an estate as an owners' vote would count them.
pub(crate) async fn electorate_of(
    conn: &mut AnyConnection,
    parts: &[Part],
) -> AppResult<EstateElectorate> {
    let mut e = EstateElectorate {
        rooms: parts.len() as i64,
        developer_rooms: parts.iter().filter(|p| p.owner.is_none()).count() as i64,
        ..Default::default()
    };
    match owners(parts) {
        Ok(o) => {
            e.owners = o.len() as i64;
            e.area_centi = o.iter().map(|o| o.area_centi).sum();
        }
        Err(missing) => {
            let shown = &missing[..missing.len().min(ROOM_LIST_MAX)];
            e.rooms_without_area = room_labels(conn, shown).await?;
        }
    }
    Ok(e)
}

impl App {
    /// The estates the actor may follow, by community and name.
    pub async fn estates(&self, actor: &Actor) -> AppResult<Vec<EstateSummary>> {
        require_somewhere(actor, Permission::ViewParticipation)?;
        let mut conn = self.db.read().await?;
        let scopes = match actor.scopes(Permission::ViewParticipation) {
            Some(s) => s,
            None => vec![civicgrid_domain::platform::org::OrgPath::from_stored(
                String::new(),
            )],
        };
        let mut out = Vec::new();
        for s in scopes {
            out.extend(repo::list_estates(&mut conn, &s).await?);
        }
        Ok(out)
    }

    /// Creates an estate in community `community_id`.
    pub async fn create_estate(
        &self,
        actor: &Actor,
        community_id: i64,
        name: &str,
    ) -> AppResult<Estate> {
        let name = check_name(name).map_err(|m| AppError::invalid("name", m))?;
        let mut tx = self.db.begin_write().await?;
        let node = org::get(&mut tx, community_id)
            .await
            .map_err(|_| AppError::invalid("community_id", "choose a community"))?;
        require(actor, Permission::ManageParticipation, &node.path)?;
        if node.kind != NodeKind::Community {
            return Err(AppError::invalid(
                "community_id",
                "an estate lies in one community",
            ));
        }
        let e = repo::insert_estate(&mut tx, node.id, &node.path, &name, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "estate.create",
                target_type: "estate",
                target_id: e.id.to_string(),
                scope: Some(&node.path),
                reason: None,
                details: serde_json::json!({"name": e.name}),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(e)
    }

    /// One estate with its buildings, property company, committee and electorate.
    pub async fn estate(&self, actor: &Actor, id: i64) -> AppResult<EstateView> {
        let mut conn = self.db.read().await?;
        let estate = estate_in_sight(&mut conn, actor, id, Permission::ViewParticipation).await?;
        let community = org::get(&mut conn, estate.community_id).await?;
        let buildings = repo::community_buildings(&mut conn, &community.path).await?;
        let property_choices = property_choices(&mut conn, &community.path).await?;
        let property_org_name = estate.property_org_id.and_then(|p| {
            property_choices
                .iter()
                .find(|(id, _)| *id == p)
                .map(|(_, n)| n.clone())
        });
        let committee = repo::committee_members(&mut conn, estate.community_id).await?;
        let parts = repo::estate_parts(&mut conn, estate.id).await?;
        let electorate = electorate_of(&mut conn, &parts).await?;
        Ok(EstateView {
            may_manage: actor.can(Permission::ManageParticipation, &estate.scope()),
            community_name: community.name_zh,
            estate,
            buildings,
            property_org_name,
            property_choices,
            committee,
            electorate,
        })
    }

    /// Renames an estate, sets its property company (`None`: none) and makes
    /// `buildings` its buildings: each must lie in the estate's community and belong to
    /// no other estate.
    pub async fn update_estate(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        property_org_id: Option<i64>,
        buildings: &[i64],
    ) -> AppResult<Estate> {
        let name = check_name(name).map_err(|m| AppError::invalid("name", m))?;
        let mut tx = self.db.begin_write().await?;
        let e = estate_in_sight(&mut tx, actor, id, Permission::ManageParticipation).await?;
        let community = org::get(&mut tx, e.community_id).await?;
        let known = repo::community_buildings(&mut tx, &community.path).await?;
        let mut chosen: Vec<i64> = Vec::with_capacity(buildings.len());
        for b in buildings {
            let Some(k) = known.iter().find(|k| k.building_id == *b) else {
                return Err(AppError::invalid(
                    "buildings",
                    "choose buildings of the estate's community",
                ));
            };
            if k.estate_id.is_some_and(|other| other != e.id) {
                return Err(AppError::invalid(
                    "buildings",
                    format!("{} already belongs to another estate", k.name),
                ));
            }
            if !chosen.contains(b) {
                chosen.push(*b);
            }
        }
        if let Some(p) = property_org_id {
            let choices = property_choices(&mut tx, &community.path).await?;
            if !choices.iter().any(|(id, _)| *id == p) {
                return Err(AppError::invalid(
                    "property_org_id",
                    "choose a property company serving the community",
                ));
            }
        }
        let before = repo::estate_building_ids(&mut tx, e.id).await?;
        let named = |ids: &[i64]| -> Vec<String> {
            ids.iter()
                .filter_map(|id| known.iter().find(|k| k.building_id == *id))
                .map(|k| k.name.clone())
                .collect()
        };
        repo::update_estate(&mut tx, e.id, &name, property_org_id, now_ms()).await?;
        repo::set_estate_buildings(&mut tx, e.id, &chosen).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "estate.update",
                target_type: "estate",
                target_id: e.id.to_string(),
                scope: Some(&e.scope()),
                reason: None,
                details: serde_json::json!({
                    "name": name, "previous_name": e.name,
                    "property_org_id": property_org_id,
                    "previous_property_org_id": e.property_org_id,
                    "buildings": named(&chosen), "previous_buildings": named(&before),
                }),
            },
        )
        .await?;
        let out = repo::get_estate(&mut tx, e.id).await?;
        commit(tx).await?;
        Ok(out)
    }

    /// The rooms of an estate by address, for choosing the one whose owner is recorded
    /// (those who manage the estate).
    pub async fn estate_rooms(&self, actor: &Actor, estate_id: i64) -> AppResult<Vec<RoomLabel>> {
        let mut conn = self.db.read().await?;
        let e =
            estate_in_sight(&mut conn, actor, estate_id, Permission::ManageParticipation).await?;
        let rooms: Vec<i64> = repo::estate_parts(&mut conn, e.id)
            .await?
            .iter()
            .map(|p| p.room_id)
            .collect();
        room_labels(&mut conn, &rooms).await
    }

    /// Records who owns room `room_id` of estate `estate_id`: resident `owner`, the
    /// developer (`Some(DEVELOPER)`: not sold or delivered), or forgets it (`None`: read
    /// from the households again). The owner must be a resident the actor may see in
    /// the ledger.
    pub async fn set_room_owner(
        &self,
        actor: &Actor,
        estate_id: i64,
        room_id: i64,
        owner: Option<i64>,
        reason: Option<&str>,
    ) -> AppResult<()> {
        let reason = crate::authz::reason(reason)?;
        let mut tx = self.db.begin_write().await?;
        let e = estate_in_sight(&mut tx, actor, estate_id, Permission::ManageParticipation).await?;
        if repo::estate_of_room(&mut tx, room_id).await? != Some(e.id) {
            return Err(AppError::invalid("room_id", "choose a room of this estate"));
        }
        match owner {
            None => repo::clear_room_owner(&mut tx, room_id).await?,
            Some(DEVELOPER) => repo::set_room_owner(&mut tx, room_id, None, now_ms()).await?,
            Some(resident) => {
                let r = civicgrid_store::ledger::get_resident(&mut tx, resident)
                    .await
                    .map_err(|_| AppError::invalid("owner", "choose a resident from the ledger"))?;
                let grid = org::get(&mut tx, r.grid_id).await?;
                if !actor.can(Permission::ViewLedger, &grid.path) {
                    return Err(AppError::invalid(
                        "owner",
                        "choose a resident from the ledger",
                    ));
                }
                repo::set_room_owner(&mut tx, room_id, Some(resident), now_ms()).await?;
            }
        }
        record(
            &mut tx,
            actor,
            Change {
                action: "estate.room_owner",
                target_type: "estate",
                target_id: e.id.to_string(),
                scope: Some(&e.scope()),
                reason: reason.as_deref(),
                details: serde_json::json!({"room_id": room_id, "owner_resident_id": owner}),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }
}
