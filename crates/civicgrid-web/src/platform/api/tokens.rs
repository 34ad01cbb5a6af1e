//! `/api/v1/tokens`: API tokens for integrations. A token's secret is returned once,
//! when it is created; only its hash is stored.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use civicgrid_app::platform::tokens::{ApiToken, NewToken};
use serde::{Deserialize, Serialize};

use crate::api::{ReasonQuery, created, time};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/api/v1/tokens", list_tokens)
        .post("/api/v1/tokens", create_token)
        .delete("/api/v1/tokens/{id}", revoke_token)
}

/// A token as listed (never its secret or hash).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Token {
    pub id: i64,
    pub name: String,
    /// The one role the token acts with.
    pub role: String,
    /// The node the role is bound to.
    pub node_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiToken> for Token {
    fn from(t: ApiToken) -> Token {
        Token {
            id: t.id,
            role: t.role.as_str().to_owned(),
            node_id: t.node_id,
            created_at: time(t.created_at),
            last_used_at: t.last_used_at.map(time),
            revoked_at: t.revoked_at.map(time),
            name: t.name,
        }
    }
}

/// A new token: a name, the one role it acts with and the node that role is bound to.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateToken {
    #[serde(flatten)]
    pub token: NewToken,
    /// Why (kept in the audit log).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: Token,
    /// Send as `Authorization: Bearer <secret>`. Shown only now; it cannot be read again.
    pub secret: String,
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses(
        (status = 200, body = Vec<Token>, description = "Tokens inside the caller's scope, revoked ones included"),
    ))]
pub async fn list_tokens(
    State(st): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<Token>>> {
    let tokens = st.app.list_tokens(&caller.actor).await?;
    Ok(Json(tokens.into_iter().map(Token::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateToken,
    responses(
        (status = 201, body = IssuedToken, headers(("Location" = String))),
        (status = 409, body = ErrorBody, description = "The name is taken"),
    ))]
pub async fn create_token(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CreateToken>,
) -> ApiResult<Response> {
    let issued = st
        .app
        .create_token(&caller.actor, &body.token, body.reason.as_deref())
        .await?;
    Ok(created(
        format!("/api/v1/tokens/{}", issued.token.id),
        IssuedToken {
            token: Token::from(issued.token),
            secret: issued.secret,
        },
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path), ReasonQuery),
    responses(
        (status = 204, description = "Revoked"),
        (status = 409, body = ErrorBody, description = "Already revoked"),
    ))]
pub async fn revoke_token(
    State(st): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ReasonQuery>,
) -> ApiResult<StatusCode> {
    st.app
        .revoke_token(&caller.actor, id, q.reason.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
