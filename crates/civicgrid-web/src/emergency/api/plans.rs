//! `/api/v1/emergency-plans/{id}/{hazard}`: a community's or street's plan for a
//! hazard (the template while none is written) and writing it with its duty roster.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::emergency::modes::Hazard;
use civicgrid_app::domain::emergency::plans::PlanSpec;
use civicgrid_app::emergency::plans::{DutyInput, PlanView};
use serde::{Deserialize, Serialize};

use super::modes::DutyOut;
use crate::api::time;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/emergency-plans/{id}/{hazard}", get)
        .put("/api/v1/emergency-plans/{id}/{hazard}", put)
}

/// The plans' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(get, put))]
pub(crate) struct Api;

/// A plan: what to do, which request categories become urgent and how fast, whom to
/// check first, what to stage, and who is on duty.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanOut {
    pub node_id: i64,
    pub node_name: String,
    pub hazard: String,
    /// False while the hazard's template is shown (nothing written yet).
    pub written: bool,
    pub title: String,
    pub steps: Vec<String>,
    pub urgent_categories: Vec<String>,
    pub urgent_response_minutes: u32,
    pub urgent_resolution_minutes: u32,
    pub check_tags: Vec<String>,
    pub materials: Vec<String>,
    pub roster: Vec<DutyOut>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// One person on call.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DutyBody {
    /// An active account serving the place.
    pub user_id: i64,
    #[schema(min_length = 1, max_length = 50)]
    pub duty: String,
    #[schema(min_length = 1, max_length = 50)]
    pub contact: String,
}

/// The plan as written (the whole of it; the roster is replaced).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    pub steps: Vec<String>,
    #[serde(default)]
    pub urgent_categories: Vec<String>,
    pub urgent_response_minutes: u32,
    pub urgent_resolution_minutes: u32,
    #[serde(default)]
    pub check_tags: Vec<String>,
    #[serde(default)]
    pub materials: Vec<String>,
    #[serde(default)]
    pub roster: Vec<DutyBody>,
}

fn hazard(code: &str) -> Result<Hazard, AppError> {
    Hazard::parse(code).map_err(|_| {
        AppError::invalid(
            "hazard",
            "flood, epidemic, fire, heat, typhoon or earthquake",
        )
    })
}

fn plan_out(p: PlanView) -> PlanOut {
    PlanOut {
        node_id: p.node_id,
        node_name: p.node_name,
        hazard: p.spec.hazard.code().to_owned(),
        written: p.plan_id.is_some(),
        title: p.spec.title,
        steps: p.spec.steps,
        urgent_categories: p.spec.urgent_categories,
        urgent_response_minutes: p.spec.urgent_response_minutes,
        urgent_resolution_minutes: p.spec.urgent_resolution_minutes,
        check_tags: p.spec.check_tags,
        materials: p.spec.materials,
        roster: p
            .roster
            .into_iter()
            .map(|d| DutyOut {
                name: d.name,
                duty: d.duty,
                contact: d.contact,
            })
            .collect(),
        updated_at: p.updated_at.map(time),
    }
}

#[utoipa::path(get, path = "/api/v1/emergency-plans/{id}/{hazard}", tag = "emergency",
    params(("id" = i64, Path, description = "A community or street"),
           ("hazard" = String, Path, description = "flood, epidemic, fire, heat, typhoon or earthquake")),
    responses(
        (status = 200, body = PlanOut),
        (status = 404, body = ErrorBody, description = "No such place in the caller's sight"),
        (status = 422, body = ErrorBody, description = "Not a community or street, or no such hazard"),
    ))]
pub async fn get(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath((node, code)): ApiPath<(i64, String)>,
) -> ApiResult<Json<PlanOut>> {
    let h = hazard(&code)?;
    Ok(Json(plan_out(
        st.app.emergency_plan(&caller.actor, node, h).await?,
    )))
}

#[utoipa::path(put, path = "/api/v1/emergency-plans/{id}/{hazard}", tag = "emergency",
    params(("id" = i64, Path, description = "A community or street"),
           ("hazard" = String, Path, description = "flood, epidemic, fire, heat, typhoon or earthquake")),
    request_body = PlanBody,
    responses(
        (status = 200, body = PlanOut, description = "The plan as written"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such place in the caller's sight"),
        (status = 422, body = ErrorBody, description = "A field at fault"),
    ))]
pub async fn put(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath((node, code)): ApiPath<(i64, String)>,
    ApiJson(b): ApiJson<PlanBody>,
) -> ApiResult<Json<PlanOut>> {
    let h = hazard(&code)?;
    let spec = PlanSpec {
        hazard: h,
        title: b.title,
        steps: b.steps,
        urgent_categories: b.urgent_categories,
        urgent_response_minutes: b.urgent_response_minutes,
        urgent_resolution_minutes: b.urgent_resolution_minutes,
        check_tags: b.check_tags,
        materials: b.materials,
    };
    let roster: Vec<DutyInput> = b
        .roster
        .into_iter()
        .map(|d| DutyInput {
            user_id: d.user_id,
            duty: d.duty,
            contact: d.contact,
        })
        .collect();
    st.app
        .save_emergency_plan(&caller.actor, node, spec, &roster)
        .await?;
    Ok(Json(plan_out(
        st.app.emergency_plan(&caller.actor, node, h).await?,
    )))
}
