//! `/api/v1/ledger`: the household ledger — the room board of a grid, household and
//! resident cards (personal values masked), adding and editing residents, unmasking
//! with a stated purpose; `/api/v1/me/household` for a signed-in resident.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::ledger::{
    Board, HouseholdCard, MyHousehold, ResidentCard, ResidentInput, ResidentPatch, Unmasked,
};
use serde::Deserialize;

use crate::api::created;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/ledger/grids/{id}/board", board)
        .get("/api/v1/ledger/households/{id}", household)
        .get("/api/v1/ledger/residents/{id}", resident)
        .post("/api/v1/ledger/residents", create_resident)
        .patch("/api/v1/ledger/residents/{id}", update_resident)
        .post("/api/v1/ledger/residents/{id}/unmask", unmask)
        .get("/api/v1/me/household", my_household)
}

/// A new resident of a household.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateResident {
    #[serde(flatten)]
    pub resident: ResidentInput,
    /// Why (kept in the audit log and the history).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A partial edit; absent fields keep their value. `reason` is required.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UpdateResident {
    #[serde(flatten)]
    pub patch: ResidentPatch,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = "\\S")]
    pub reason: Option<String>,
}

/// Why the full values are needed (recorded in the audit log, shown to the resident).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct UnmaskRequest {
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub purpose: String,
}

#[utoipa::path(get, path = "/api/v1/ledger/grids/{id}/board", tag = "ledger",
    params(("id" = i64, Path, description = "A grid")),
    responses((status = 200, body = Board)))]
pub async fn board(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Board>> {
    Ok(Json(st.app.ledger_board(&caller.actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/ledger/households/{id}", tag = "ledger",
    params(("id" = i64, Path)),
    responses((status = 200, body = HouseholdCard)))]
pub async fn household(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<HouseholdCard>> {
    Ok(Json(st.app.household_card(&caller.actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/ledger/residents/{id}", tag = "ledger",
    params(("id" = i64, Path)),
    responses((status = 200, body = ResidentCard, description = "Personal values masked")))]
pub async fn resident(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ResidentCard>> {
    Ok(Json(st.app.resident_card(&caller.actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/ledger/residents", tag = "ledger",
    request_body = CreateResident,
    responses((status = 201, body = ResidentCard, headers(("Location" = String)))))]
pub async fn create_resident(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CreateResident>,
) -> ApiResult<Response> {
    let id = st
        .app
        .add_resident(&caller.actor, &body.resident, body.reason.as_deref())
        .await?;
    let card = st.app.resident_card(&caller.actor, id).await?;
    Ok(created(format!("/api/v1/ledger/residents/{id}"), card))
}

#[utoipa::path(patch, path = "/api/v1/ledger/residents/{id}", tag = "ledger",
    params(("id" = i64, Path)), request_body = UpdateResident,
    responses(
        (status = 200, body = ResidentCard),
        (status = 409, body = ErrorBody, description = "Changed meanwhile (stale version)"),
    ))]
pub async fn update_resident(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UpdateResident>,
) -> ApiResult<Json<ResidentCard>> {
    st.app
        .edit_resident(&caller.actor, id, &body.patch, body.reason.as_deref())
        .await?;
    Ok(Json(st.app.resident_card(&caller.actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/ledger/residents/{id}/unmask", tag = "ledger",
    params(("id" = i64, Path)), request_body = UnmaskRequest,
    responses(
        (status = 200, body = Unmasked, description = "Full values; the access is audited"),
        (status = 422, body = ErrorBody, description = "No purpose stated"),
    ))]
pub async fn unmask(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UnmaskRequest>,
) -> ApiResult<Json<Unmasked>> {
    Ok(Json(
        st.app
            .unmask_resident(&caller.actor, id, &body.purpose)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/me/household", tag = "ledger",
    responses(
        (status = 200, body = MyHousehold),
        (status = 403, body = ErrorBody, description = "Not a signed-in user"),
        (status = 404, body = ErrorBody, description = "The account is not linked to a resident"),
    ))]
pub async fn my_household(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<MyHousehold>> {
    Ok(Json(
        st.app.callers_household(caller.signed_in.as_ref()).await?,
    ))
}
