//! API tokens for integrations: the list with revoke buttons, issuing one (its secret
//! is shown on the next page, once), and revoking.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::platform::tokens::NewToken;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{
    DoneNotice, NodeChoice, Problems, all_roles, form_id, node_choices, optional, problems_of,
};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/tokens", list)
        .post("/tokens", create)
        .post("/tokens/{id}/revoke", revoke)
}

struct TokenLine {
    id: i64,
    name: String,
    role: &'static str,
    node_id: i64,
    node_name: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// What the issue form holds; blank when missing (the use case names the field).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TokenFields {
    name: String,
    role: String,
    node_id: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "platform/tokens.html")]
struct TokensPage {
    ctx: PageCtx,
    tokens: Vec<TokenLine>,
    roles: Vec<&'static str>,
    nodes: Vec<NodeChoice>,
    fields: TokenFields,
    notice: Option<String>,
    problems: Problems,
}

async fn tokens_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    fields: TokenFields,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let tokens = st.app.list_tokens(&me.actor).await?;
    let nodes = st
        .app
        .nodes_for(&me.actor, Permission::ManageTokens)
        .await?;
    let lang: Lang = ctx.lang;
    let choices = node_choices(lang, &nodes);
    let names: HashMap<i64, &str> = choices.iter().map(|c| (c.id, c.label.as_str())).collect();
    let tokens = tokens
        .into_iter()
        .map(|t| TokenLine {
            node_name: names
                .get(&t.node_id)
                .map_or_else(|| format!("#{}", t.node_id), |n| (*n).to_owned()),
            id: t.id,
            name: t.name,
            role: t.role.as_str(),
            node_id: t.node_id,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        })
        .collect();
    Ok(render(&TokensPage {
        ctx,
        tokens,
        roles: all_roles(),
        nodes: choices,
        fields,
        notice,
        problems,
    }))
}

async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    tokens_page(&st, ctx, &me, TokenFields::default(), n, Problems::none()).await
}

#[derive(Template)]
#[template(path = "platform/token_issued.html")]
struct IssuedPage {
    ctx: PageCtx,
    name: String,
    role: &'static str,
    secret: String,
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<TokenFields>,
) -> PageResult<Response> {
    let result = match form_id("node_id", &f.node_id) {
        Ok(node_id) => {
            let input = NewToken {
                name: f.name.clone(),
                role: f.role.clone(),
                node_id,
            };
            st.app
                .create_token(&me.actor, &input, optional(&f.reason))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(issued) => Ok((
            StatusCode::CREATED,
            render(&IssuedPage {
                ctx,
                name: issued.token.name,
                role: issued.token.role.as_str(),
                secret: issued.secret,
            }),
        )
            .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "name")?;
            let page = tokens_page(&st, ctx, &me, f, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReasonField {
    reason: String,
}

async fn revoke(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReasonField>,
) -> PageResult<Response> {
    match st
        .app
        .revoke_token(&me.actor, id, optional(&f.reason))
        .await
    {
        Ok(()) => Ok(Redirect::to("/tokens?done=token_revoked").into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "token")?;
            let page = tokens_page(&st, ctx, &me, TokenFields::default(), None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}
