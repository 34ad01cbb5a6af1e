//! `/api/v1/insight`: the counted figures of a place (default: the caller's highest)
//! for a month and the months before, and of the places inside it.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use civicgrid_app::AppError;
use civicgrid_app::domain::insight::period::Month;
use civicgrid_app::insight::dashboard::Dashboard;
use serde::{Deserialize, Serialize};

use crate::api::time;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/insight", get)
}

/// The insight part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(get))]
pub(crate) struct Api;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct InsightQuery {
    /// A place the caller oversees (default: their highest).
    pub node: Option<i64>,
    /// A month such as `2026-12` (default: this month).
    pub month: Option<String>,
}

/// One month's figures, by measure code (`population_present`, `requests_submitted`,
/// `tag:elderly_alone`, …).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MonthFiguresOut {
    pub month: String,
    pub figures: BTreeMap<String, i64>,
}

/// A place inside the one asked for, with its figures of the month.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AreaOut {
    pub node_id: i64,
    pub name: String,
    pub figures: BTreeMap<String, i64>,
}

/// A place's dashboard figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InsightOut {
    pub node_id: i64,
    pub name: String,
    pub kind: String,
    pub month: String,
    /// When the month was last counted (none before the first count).
    pub counted_at: Option<DateTime<Utc>>,
    /// The month and the five before, oldest first.
    pub trend: Vec<MonthFiguresOut>,
    pub children: Vec<AreaOut>,
}

fn out(d: Dashboard) -> InsightOut {
    InsightOut {
        node_id: d.node.id,
        name: d.node.name_zh.clone(),
        kind: d.node.kind.as_str().to_owned(),
        month: d.month.code(),
        counted_at: d.counted.as_ref().map(|c| time(c.counted_at)),
        trend: d
            .months
            .iter()
            .zip(d.trend)
            .map(|(m, f)| MonthFiguresOut {
                month: m.code(),
                figures: f.0,
            })
            .collect(),
        children: d
            .children
            .into_iter()
            .map(|a| AreaOut {
                node_id: a.node.id,
                name: a.node.name_zh,
                figures: a.figures.0,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/insight", tag = "insight",
    params(InsightQuery),
    responses(
        (status = 200, body = InsightOut),
        (status = 403, body = ErrorBody, description = "The caller oversees no place"),
        (status = 404, body = ErrorBody, description = "No such place in the caller's sight"),
        (status = 422, body = ErrorBody, description = "`month` is not a month"),
    ))]
pub async fn get(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<InsightQuery>,
) -> ApiResult<Json<InsightOut>> {
    let month = match q.month.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => Some(
            Month::parse(m).ok_or_else(|| AppError::invalid("month", "a month such as 2026-12"))?,
        ),
        None => None,
    };
    Ok(Json(out(st
        .app
        .insight_dashboard(&caller.actor, q.node, month)
        .await?)))
}
