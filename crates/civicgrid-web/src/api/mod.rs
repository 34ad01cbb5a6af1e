//! The JSON API under `/api/v1`, described by OpenAPI 3 at `/api/openapi.json` with
//! Swagger UI at `/api/docs`.

use utoipa::OpenApi;

use crate::routes::{RouteInfo, Routes};
use crate::state::AppState;

mod me;

#[derive(OpenApi)]
#[openapi(
    info(title = "civicgrid API", description = "Community governance: hierarchy, accounts, audit."),
    paths(me::me),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&Security),
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub(crate) fn routes(r: Routes) -> Routes {
    let r = me::routes(r);
    let docs: axum::Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", ApiDoc::openapi())
        .into();
    r.merge_recorded(
        docs,
        &[
            RouteInfo {
                method: "GET",
                path: "/api/docs",
            },
            RouteInfo {
                method: "GET",
                path: "/api/openapi.json",
            },
        ],
    )
}
