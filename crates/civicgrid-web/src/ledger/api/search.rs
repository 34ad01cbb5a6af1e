//! `/api/v1/ledger/search` and `/api/v1/ledger/population/{id}`: finding residents
//! across the caller's scope and a population summary of a grid or community.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use civicgrid_app::ledger::search::{AGE_BANDS, Counts, SearchRequest, today_ym};
use serde::{Deserialize, Serialize};

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/ledger/search", search)
        .get("/api/v1/ledger/population/{id}", population)
}

/// Search parameters; all optional.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Name (Chinese, pinyin, initials), a whole phone number or its last 4 digits, building and room
    /// ("3栋 302", "3-1-302"), a tag name or a residence status, space-separated.
    pub q: String,
    /// Narrow to this node (grid, community, …) inside the caller's scope.
    pub node_id: Option<i64>,
    /// Tag code or name.
    pub tag: Option<String>,
    /// registered, floating, moved_out or deceased (or the Chinese word).
    pub status: Option<String>,
    /// Page number from 1; 20 results per page.
    #[param(minimum = 1)]
    pub page: Option<i64>,
}

/// A resident found; names are shown to staff, personal data is not included.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FoundResident {
    pub id: i64,
    pub name: String,
    pub gender: String,
    /// Year and month of birth (YYYYMM).
    pub birth_ym: i64,
    pub age: i64,
    pub residence_status: String,
    pub grid_id: i64,
    pub grid_name: String,
    pub household_id: Option<i64>,
    pub building: Option<String>,
    pub unit: Option<String>,
    pub room: Option<String>,
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    pub page: i64,
    pub has_more: bool,
    pub results: Vec<FoundResident>,
}

fn age(birth_ym: i64) -> i64 {
    let today = today_ym();
    let (y, m) = (birth_ym / 100, birth_ym % 100);
    (today / 100 - y - i64::from(today % 100 < m)).max(0)
}

#[utoipa::path(get, path = "/api/v1/ledger/search", tag = "ledger",
    params(SearchParams),
    responses(
        (status = 200, body = SearchResponse),
        (status = 404, body = ErrorBody, description = "No such node (`node_id`)"),
    ))]
pub async fn search(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchResponse>> {
    let req = SearchRequest {
        q: p.q.chars().take(200).collect(),
        node_id: p.node_id,
        tag: p.tag,
        status: p.status,
        page: p.page.unwrap_or(1),
    };
    let r = st.app.search_residents(&caller.actor, &req).await?;
    Ok(Json(SearchResponse {
        page: r.page,
        has_more: r.has_more,
        results: r
            .hits
            .into_iter()
            .map(|h| FoundResident {
                age: age(h.birth_ym),
                id: h.id,
                name: h.name,
                gender: h.gender,
                birth_ym: h.birth_ym,
                residence_status: h.residence_status,
                grid_id: h.grid_id,
                grid_name: h.grid_name,
                household_id: h.household_id,
                building: h.building,
                unit: h.unit,
                room: h.room,
                tags: h.tags,
            })
            .collect(),
    }))
}

/// Counts of one grid or of the whole node. Age, gender and tags count present
/// residents (registered, floating); statuses count everyone.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountsBody {
    pub present: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_gender: BTreeMap<String, i64>,
    /// Keys: 0-17, 18-34, 35-59, 60-79, 80+.
    pub by_age_band: BTreeMap<String, i64>,
    pub by_tag: BTreeMap<String, i64>,
}

impl From<Counts> for CountsBody {
    fn from(c: Counts) -> Self {
        CountsBody {
            present: c.present,
            by_status: c.by_status,
            by_gender: c.by_gender,
            by_age_band: AGE_BANDS
                .iter()
                .zip(c.by_age_band)
                .map(|(b, n)| ((*b).to_owned(), n))
                .collect(),
            by_tag: c.by_tag,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GridCountsBody {
    pub grid_id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub counts: CountsBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PopulationBody {
    pub node_id: i64,
    /// Ages are computed for this year and month (YYYYMM).
    pub as_of_ym: i64,
    pub grids: Vec<GridCountsBody>,
    pub total: CountsBody,
}

#[utoipa::path(get, path = "/api/v1/ledger/population/{id}", tag = "ledger",
    params(("id" = i64, Path, description = "A grid, community or wider node")),
    responses((status = 200, body = PopulationBody)))]
pub async fn population(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(node_id): ApiPath<i64>,
) -> ApiResult<Json<PopulationBody>> {
    let v = st.app.population(&caller.actor, node_id).await?;
    Ok(Json(PopulationBody {
        node_id: v.node.id,
        as_of_ym: v.today_ym,
        grids: v
            .population
            .grids
            .into_iter()
            .map(|g| GridCountsBody {
                grid_id: g.grid_id,
                code: g.code,
                name_zh: g.name_zh,
                name_en: g.name_en,
                counts: g.counts.into(),
            })
            .collect(),
        total: v.population.total.into(),
    }))
}
