//! `/api/v1/audit`: the hash-chained audit log, and its verification.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use civicgrid_app::domain::platform::audit::StoredEntry;
use civicgrid_app::platform::audit::AuditFilter;
use serde::{Deserialize, Serialize};

use crate::api::time;
use crate::error::ApiResult;
use crate::extract::{ApiCaller, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/audit", list_entries)
        .get("/api/v1/audit/verify", verify)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `org_node`, `user`, `api_token`, `session`.
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// Only entries older than this sequence number (to page backwards).
    pub before_seq: Option<i64>,
    /// 1–500, default 100.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// One entry of the log.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    /// Username, `token:NAME` or `system`.
    pub actor_label: String,
    /// Dotted verb, e.g. `org.node.create`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    /// Materialised path (`/1/4/9/`) of the node the change happened in.
    pub scope_path: Option<String>,
    pub reason: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// SHA-256 over `prev_hash` and every field of this entry.
    pub hash: String,
}

impl From<StoredEntry> for AuditEntry {
    fn from(e: StoredEntry) -> AuditEntry {
        let f = e.fields;
        AuditEntry {
            seq: e.seq,
            at: time(f.at_ms),
            actor_user_id: f.actor_user_id,
            actor_token_id: f.actor_token_id,
            actor_label: f.actor_label,
            action: f.action,
            target_type: f.target_type,
            target_id: f.target_id,
            scope_path: f.scope_path,
            reason: f.reason,
            details: serde_json::from_str(&f.details)
                .unwrap_or(serde_json::Value::String(f.details)),
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// The result of walking the whole chain.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditVerification {
    /// Entries checked before the first break (all of them when intact).
    pub checked: u64,
    pub head_seq: i64,
    pub intact: bool,
    /// Where and how the chain breaks first, or null.
    pub first_break: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<AuditEntry>, description = "Newest first")))]
pub async fn list_entries(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    let filter = AuditFilter {
        target_type: q.target_type.filter(|s| !s.is_empty()),
        target_id: q.target_id.filter(|s| !s.is_empty()),
        before_seq: q.before_seq,
        ..AuditFilter::default()
    };
    let entries = st
        .app
        .audit_entries(&caller.actor, filter, q.limit.unwrap_or(100))
        .await?;
    Ok(Json(entries.into_iter().map(AuditEntry::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = AuditVerification)))]
pub async fn verify(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<AuditVerification>> {
    let v = st.app.verify_audit(&caller.actor).await?;
    Ok(Json(AuditVerification {
        checked: v.checked,
        head_seq: v.head_seq,
        intact: v.first_break.is_none(),
        first_break: v.first_break.map(|b| b.to_string()),
    }))
}
