//! `/api/v1/emergencies/{id}/sitrep` and `/api/v1/emergencies/sitrep`: the situation
//! report of one emergency, or of every running one the caller follows, counted from
//! live data when asked.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use civicgrid_app::domain::emergency::sitrep::Figures;
use civicgrid_app::emergency::sitrep::{Sitrep, SitrepSection};
use serde::Serialize;

use super::modes::{EmergencyOut, IncidentOut, out};
use crate::api::time;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiPath};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/emergencies/sitrep", running)
        .get("/api/v1/emergencies/{id}/sitrep", one)
}

/// The situation reports' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(running, one))]
pub(crate) struct Api;

/// Households needing one kind of help.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NeedCountOut {
    /// medicine, food, transport, repair or evacuation.
    pub need: String,
    pub households: i64,
}

/// The figures of a report, a community or a campaign.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FiguresOut {
    pub targeted: i64,
    pub checked: i64,
    pub needing_help: i64,
    pub unreached: i64,
    pub left: i64,
    pub needs: Vec<NeedCountOut>,
    pub materials_waiting: i64,
    pub materials_on_the_way: i64,
    pub materials_delivered: i64,
    pub urgent_open: i64,
}

fn figures(f: &Figures) -> FiguresOut {
    FiguresOut {
        targeted: f.targeted,
        checked: f.checked,
        needing_help: f.needing_help,
        unreached: f.unreached,
        left: f.left(),
        needs: f
            .needs
            .iter()
            .map(|(n, c)| NeedCountOut {
                need: n.code().to_owned(),
                households: *c,
            })
            .collect(),
        materials_waiting: f.materials_waiting,
        materials_on_the_way: f.materials_on_the_way,
        materials_delivered: f.materials_delivered,
        urgent_open: f.urgent_open,
    }
}

/// A welfare-check campaign's figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignFiguresOut {
    pub id: i64,
    pub title: String,
    pub deadline_at: DateTime<Utc>,
    pub figures: FiguresOut,
}

/// A household a check found needing help.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HelpOut {
    pub household_id: i64,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub needs: Vec<String>,
    pub checked_at: Option<DateTime<Utc>>,
}

/// What was issued of one item to households of the community.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IssuedOut {
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    pub households: i64,
}

/// One community's emergency in the report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SitrepSectionOut {
    pub emergency: EmergencyOut,
    pub community_name: String,
    pub figures: FiguresOut,
    pub steps_done: usize,
    pub steps_total: usize,
    pub campaigns: Vec<CampaignFiguresOut>,
    pub needing_help: Vec<HelpOut>,
    pub issued: Vec<IssuedOut>,
    pub incidents: Vec<IncidentOut>,
}

/// A situation report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SitrepOut {
    pub as_of: DateTime<Utc>,
    pub total: FiguresOut,
    pub sections: Vec<SitrepSectionOut>,
}

fn section(s: SitrepSection) -> SitrepSectionOut {
    SitrepSectionOut {
        community_name: s.community_name,
        figures: figures(&s.figures),
        steps_done: s.steps.0,
        steps_total: s.steps.1,
        campaigns: s
            .campaigns
            .into_iter()
            .map(|c| CampaignFiguresOut {
                id: c.c.id,
                title: c.c.title,
                deadline_at: time(c.c.deadline_at),
                figures: figures(&c.figures),
            })
            .collect(),
        needing_help: s
            .needing_help
            .into_iter()
            .map(|t| HelpOut {
                household_id: t.household_id,
                building: t.building,
                unit: t.unit,
                room: t.room,
                needs: t.needs.iter().map(|n| n.code().to_owned()).collect(),
                checked_at: t.checked_at.map(time),
            })
            .collect(),
        issued: s
            .issued
            .into_iter()
            .map(|l| IssuedOut {
                item: l.item,
                unit: l.unit,
                quantity: l.quantity,
                households: l.households,
            })
            .collect(),
        incidents: s
            .incidents
            .into_iter()
            .map(|i| IncidentOut {
                id: i.id,
                kind: i.kind,
                text: i.text,
                happened_at: time(i.happened_at),
            })
            .collect(),
        emergency: out(s.a),
    }
}

fn report(r: Sitrep) -> SitrepOut {
    SitrepOut {
        as_of: time(r.as_of),
        total: figures(&r.total),
        sections: r.sections.into_iter().map(section).collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/emergencies/sitrep", tag = "emergency",
    responses(
        (status = 200, body = SitrepOut, description = "Every running emergency the caller follows; no section when none runs"),
        (status = 403, body = ErrorBody, description = "The caller follows emergencies nowhere"),
    ))]
pub async fn running(State(st): State<AppState>, caller: ApiCaller) -> ApiResult<Json<SitrepOut>> {
    Ok(Json(report(st.app.running_sitrep(&caller.actor).await?)))
}

#[utoipa::path(get, path = "/api/v1/emergencies/{id}/sitrep", tag = "emergency",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = SitrepOut),
        (status = 404, body = ErrorBody, description = "No such emergency in the caller's sight"),
    ))]
pub async fn one(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<SitrepOut>> {
    Ok(Json(report(
        st.app.emergency_sitrep(&caller.actor, id).await?,
    )))
}
