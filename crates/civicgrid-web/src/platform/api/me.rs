//! `GET /api/v1/me`: who the caller is and what roles they hold.

use axum::Json;
use civicgrid_app::domain::platform::access::Assignment;
use serde::Serialize;

use crate::error::ApiResult;
use crate::extract::ApiCaller;
use crate::routes::Routes;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/me", me)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    /// Username, or `token:NAME` for an API token.
    pub label: String,
    pub user_id: Option<i64>,
    pub roles: Vec<RoleAt>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoleAt {
    pub role: String,
    pub node_id: i64,
}

impl From<&Assignment> for RoleAt {
    fn from(a: &Assignment) -> RoleAt {
        RoleAt {
            role: a.role.as_str().to_owned(),
            node_id: a.node_id,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = Me)),
    security(("api_token" = []), ("session_cookie" = [])))]
pub async fn me(caller: ApiCaller) -> ApiResult<Json<Me>> {
    Ok(Json(Me {
        label: caller.actor.label.clone(),
        user_id: caller.actor.user_id,
        roles: caller.actor.assignments.iter().map(RoleAt::from).collect(),
    }))
}
