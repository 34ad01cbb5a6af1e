//! `/api/v1/care/coverage/{node}`: a place's care coverage per grid.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiPath};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/care/coverage/{id}", coverage)
}

/// The care coverage API's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(coverage))]
pub(crate) struct Api;

/// Counts of one place.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountsOut {
    /// Residents holding a care tag.
    pub vulnerable: i64,
    pub paired: i64,
    pub on_time: i64,
    pub overdue: i64,
    /// Nobody reached them for two cadences.
    pub red: i64,
    pub on_time_percent: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GridCoverage {
    pub grid_id: i64,
    pub name: String,
    pub counts: CountsOut,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub node_id: i64,
    pub total: CountsOut,
    pub grids: Vec<GridCoverage>,
    /// Pairings to act on (red, then overdue).
    pub act_on: Vec<i64>,
}

fn counts(c: civicgrid_app::domain::care::coverage::Counts) -> CountsOut {
    CountsOut {
        vulnerable: c.vulnerable,
        paired: c.paired,
        on_time: c.on_time,
        overdue: c.overdue,
        red: c.red,
        on_time_percent: c.on_time_percent(),
    }
}

#[utoipa::path(get, path = "/api/v1/care/coverage/{id}", tag = "care",
    params(("id" = i64, Path, description = "A grid, community or street")),
    responses(
        (status = 200, body = Coverage),
        (status = 404, body = ErrorBody, description = "A place the caller does not follow"),
    ))]
pub async fn coverage(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Coverage>> {
    let v = st.app.care_coverage(&caller.actor, id).await?;
    Ok(Json(Coverage {
        node_id: v.node.id,
        total: counts(v.total),
        grids: v
            .grids
            .into_iter()
            .map(|(g, c)| GridCoverage {
                grid_id: g.id,
                name: g.name_zh,
                counts: counts(c),
            })
            .collect(),
        act_on: v.act_on.into_iter().map(|l| l.id).collect(),
    }))
}
