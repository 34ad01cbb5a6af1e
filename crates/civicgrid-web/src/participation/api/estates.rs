//! `/api/v1/estates`: estates (物业管理区域) — set one up in a community, list and read
//! them with what an owners' vote on them would count, choose their buildings and
//! property company, and record who owns a room the households do not say.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::estates::DEVELOPER;
use civicgrid_app::participation::estates::{EstateElectorate, EstateView, RoomLabel};
use serde::{Deserialize, Serialize};

use crate::api::{created, time};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath};
use crate::state::AppState;

use super::{area_m2, renamed};

/// A new estate.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEstateBody {
    /// The community the estate lies in.
    pub community_id: i64,
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
}

/// An estate's name, property company and buildings, as they are to be.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstateBody {
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// A property company serving the community; null or absent: none.
    pub property_org_id: Option<i64>,
    /// Every building of the estate (of its community, in no other estate); those not
    /// listed leave it.
    pub building_ids: Vec<i64>,
}

/// Who owns a room: give exactly one of `owner_resident_id`, `"developer": true` (not
/// sold or delivered) or `"clear": true` (read the owner from the households again).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomOwnerBody {
    pub room_id: i64,
    /// The owner's resident record in the ledger.
    pub owner_resident_id: Option<i64>,
    #[serde(default)]
    pub developer: bool,
    #[serde(default)]
    pub clear: bool,
    /// Why (kept in the audit log; at most 500 characters).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// An estate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Estate {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub property_org_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields every estate record has, whatever use case returned it.
macro_rules! estate {
    ($e:expr) => {{
        let e = $e;
        Estate {
            id: e.id,
            community_id: e.community_id,
            name: e.name,
            property_org_id: e.property_org_id,
            created_at: time(e.created_at),
            updated_at: time(e.updated_at),
        }
    }};
}

/// An estate on a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EstateLine {
    pub id: i64,
    pub community_id: i64,
    pub community_name: String,
    pub name: String,
    pub property_org_name: Option<String>,
    pub buildings: i64,
    pub rooms: i64,
}

/// A building of the estate's community, and the estate holding it (if any).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EstateBuilding {
    pub building_id: i64,
    pub name: String,
    pub grid_name: String,
    pub estate_id: Option<i64>,
}

/// An organisation or an account by id and name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// A room by its address.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Room {
    pub room_id: i64,
    pub building: String,
    pub unit: String,
    pub room: String,
}

impl From<RoomLabel> for Room {
    fn from(r: RoomLabel) -> Room {
        Room {
            room_id: r.room_id,
            building: r.building,
            unit: r.unit,
            room: r.room,
        }
    }
}

/// What an owners' vote on the estate would count today.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Electorate {
    pub rooms: i64,
    /// Owners (several rooms of one owner, and the developer's rooms, count once).
    pub owners: i64,
    /// Total exclusive area, hundredths of m².
    pub area_centi: i64,
    /// The same in m², as a decimal (`85.5`).
    pub area_m2: String,
    /// Rooms the developer still holds (no owner in the ledger).
    pub developer_rooms: i64,
    /// Rooms without an area (at most 200): no owners' vote opens until the ledger
    /// records them.
    pub rooms_without_area: Vec<Room>,
}

impl From<EstateElectorate> for Electorate {
    fn from(e: EstateElectorate) -> Electorate {
        Electorate {
            rooms: e.rooms,
            owners: e.owners,
            area_centi: e.area_centi,
            area_m2: area_m2(e.area_centi),
            developer_rooms: e.developer_rooms,
            rooms_without_area: e.rooms_without_area.into_iter().map(Room::from).collect(),
        }
    }
}

/// One estate with its buildings, property company, committee and electorate.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EstateDetail {
    pub estate: Estate,
    pub community_name: String,
    /// The estate's buildings.
    pub buildings: Vec<EstateBuilding>,
    /// Every building of the community (for `PUT`), with the estate holding it.
    pub building_choices: Vec<EstateBuilding>,
    pub property_org_name: Option<String>,
    /// Property companies serving the community (for `property_org_id`).
    pub property_choices: Vec<Named>,
    /// The community's owners' committee: accounts by id and display name.
    pub committee: Vec<Named>,
    pub electorate: Electorate,
    /// The caller may change the estate.
    pub may_manage: bool,
}

impl From<EstateView> for EstateDetail {
    fn from(v: EstateView) -> EstateDetail {
        let id = v.estate.id;
        let choices: Vec<EstateBuilding> = v
            .buildings
            .into_iter()
            .map(|b| EstateBuilding {
                building_id: b.building_id,
                name: b.name,
                grid_name: b.grid_name,
                estate_id: b.estate_id,
            })
            .collect();
        let buildings = choices
            .iter()
            .filter(|b| b.estate_id == Some(id))
            .map(|b| EstateBuilding {
                building_id: b.building_id,
                name: b.name.clone(),
                grid_name: b.grid_name.clone(),
                estate_id: b.estate_id,
            })
            .collect();
        let named = |list: Vec<(i64, String)>| {
            list.into_iter()
                .map(|(id, name)| Named { id, name })
                .collect()
        };
        EstateDetail {
            estate: estate!(v.estate),
            community_name: v.community_name,
            buildings,
            building_choices: choices,
            property_org_name: v.property_org_name,
            property_choices: named(v.property_choices),
            committee: named(v.committee),
            electorate: v.electorate.into(),
            may_manage: v.may_manage,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/estates", tag = "participation",
    request_body = NewEstateBody,
    responses(
        (status = 201, body = Estate, headers(("Location" = String))),
        (status = 409, body = ErrorBody, description = "The community has an estate of that name"),
        (status = 422, body = ErrorBody, description = "A field is invalid; the message names it"),
    ))]
pub async fn create_estate(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(b): ApiJson<NewEstateBody>,
) -> ApiResult<Response> {
    let e = st
        .app
        .create_estate(&caller.actor, b.community_id, &b.name)
        .await?;
    Ok(created(format!("/api/v1/estates/{}", e.id), estate!(e)))
}

#[utoipa::path(get, path = "/api/v1/estates", tag = "participation",
    responses((status = 200, body = Vec<EstateLine>, description = "The estates the caller may follow, by community and name")))]
pub async fn estates(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<EstateLine>>> {
    let list = st.app.estates(&caller.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|e| EstateLine {
                id: e.id,
                community_id: e.community_id,
                community_name: e.community_name,
                name: e.name,
                property_org_name: e.property_org_name,
                buildings: e.buildings,
                rooms: e.rooms,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/estates/{id}", tag = "participation",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = EstateDetail),
        (status = 404, body = ErrorBody, description = "No such estate, or not one the caller may see"),
    ))]
pub async fn estate(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<EstateDetail>> {
    Ok(Json(st.app.estate(&caller.actor, id).await?.into()))
}

#[utoipa::path(put, path = "/api/v1/estates/{id}", tag = "participation",
    params(("id" = i64, Path)),
    request_body = EstateBody,
    responses(
        (status = 200, body = Estate),
        (status = 404, body = ErrorBody, description = "No such estate, or not one the caller may see"),
        (status = 422, body = ErrorBody, description = "A field is invalid (a building of another community or estate, a property company not serving it)"),
    ))]
pub async fn update_estate(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EstateBody>,
) -> ApiResult<Json<Estate>> {
    let e = st
        .app
        .update_estate(
            &caller.actor,
            id,
            &b.name,
            b.property_org_id,
            &b.building_ids,
        )
        .await
        .map_err(|e| renamed(e, "buildings", "building_ids"))?;
    Ok(Json(estate!(e)))
}

#[utoipa::path(post, path = "/api/v1/estates/{id}/room-owners", tag = "participation",
    params(("id" = i64, Path)),
    request_body = RoomOwnerBody,
    responses(
        (status = 200, body = EstateDetail, description = "The estate as it now counts"),
        (status = 404, body = ErrorBody, description = "No such estate, or not one the caller may see"),
        (status = 422, body = ErrorBody, description = "A room of another estate, a resident not in the caller's ledger, or not exactly one of owner_resident_id, developer and clear"),
    ))]
pub async fn set_room_owner(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RoomOwnerBody>,
) -> ApiResult<Json<EstateDetail>> {
    let owner = match (b.owner_resident_id, b.developer, b.clear) {
        (Some(r), false, false) if r > 0 => Some(r),
        (Some(_), false, false) => {
            return Err(AppError::invalid(
                "owner_resident_id",
                "choose a resident from the ledger",
            )
            .into());
        }
        (None, true, false) => Some(DEVELOPER),
        (None, false, true) => None,
        _ => {
            return Err(ApiError::from(AppError::invalid(
                "owner_resident_id",
                "give exactly one of owner_resident_id, \"developer\": true and \"clear\": true",
            )));
        }
    };
    st.app
        .set_room_owner(&caller.actor, id, b.room_id, owner, b.reason.as_deref())
        .await
        .map_err(|e| renamed(e, "owner", "owner_resident_id"))?;
    Ok(Json(st.app.estate(&caller.actor, id).await?.into()))
}
