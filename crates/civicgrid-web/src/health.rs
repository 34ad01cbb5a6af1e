//! `GET /healthz`: 200 once the server is ready and its database answers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/healthz", healthz)
}

async fn healthz(State(st): State<AppState>) -> (StatusCode, Json<Value>) {
    match st.app.health().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ok"}))),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable"})),
        ),
    }
}
