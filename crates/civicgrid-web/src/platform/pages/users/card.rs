//! One account: who it is, the roles it holds (with revoke buttons), its live
//! sessions, and the forms to edit it, reset its password and grant a role.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::platform::users::{RoleGrant, User, UserEdit};
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{
    DoneNotice, NodeChoice, Problems, form_id, grantable_roles, node_choices, optional, problems_of,
};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/users/{id}", card)
        .post("/users/{id}/edit", edit)
        .post("/users/{id}/password", reset_password)
        .post("/users/{id}/roles", grant)
        .post("/users/{id}/roles/{assignment_id}/revoke", revoke_role)
        .post("/users/{id}/sessions/revoke", revoke_sessions)
}

struct RoleLine {
    assignment_id: i64,
    role: &'static str,
    node_id: i64,
    node_name: String,
    node_kind: String,
}

/// Which form on the card failed, what it objected to, and the values to keep.
#[derive(Default)]
struct CardState {
    notice: Option<String>,
    form: &'static str,
    problems: Problems,
    display_name: Option<String>,
    grant_role: String,
    grant_node: String,
}

#[derive(Template)]
#[template(path = "platform/users_card.html")]
struct CardPage {
    ctx: PageCtx,
    user: User,
    roles: Vec<RoleLine>,
    sessions: usize,
    manage: bool,
    /// The reader is looking at their own account.
    own: bool,
    grantable: Vec<&'static str>,
    nodes: Vec<NodeChoice>,
    display_name: String,
    state: CardState,
}

async fn render_card(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    state: CardState,
) -> PageResult<Response> {
    let view = st.app.user(&me.actor, id).await?;
    let manage = view.manageable;
    let nodes = if manage {
        st.app.nodes_for(&me.actor, Permission::ManageUsers).await?
    } else {
        Vec::new()
    };
    let lang = ctx.lang;
    let roles = view
        .assignments
        .iter()
        .map(|a| RoleLine {
            assignment_id: a.assignment.id,
            role: a.assignment.role.as_str(),
            node_id: a.assignment.node_id,
            node_name: match lang {
                Lang::ZhCn => a.node_name_zh.clone(),
                Lang::En => a.node_name_en.clone(),
            },
            node_kind: a.node_kind.clone(),
        })
        .collect();
    Ok(render(&CardPage {
        display_name: state
            .display_name
            .clone()
            .unwrap_or_else(|| view.user.display_name.clone()),
        sessions: view.sessions.len(),
        grantable: if manage {
            grantable_roles(&me.actor)
        } else {
            Vec::new()
        },
        nodes: node_choices(lang, &nodes),
        user: view.user,
        roles,
        manage,
        own: me.user.id == id,
        state,
        ctx,
    }))
}

async fn card(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    let state = CardState {
        notice: n,
        ..CardState::default()
    };
    render_card(&st, ctx, &me, id, state).await
}

/// After a post: back to the card with a notice, or the card again with the objection.
async fn outcome<T>(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    result: Result<T, AppError>,
    done: &str,
    mut state: CardState,
) -> PageResult<Response> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/users/{id}?done={done}")).into_response()),
        Err(e) => {
            let (status, problems): (StatusCode, Problems) = problems_of(ctx.lang, e, "role")?;
            state.problems = problems;
            let page = render_card(st, ctx, me, id, state).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EditFields {
    display_name: String,
    /// A checkbox: present ("on") when ticked.
    active: Option<String>,
    reason: String,
}

async fn edit(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<EditFields>,
) -> PageResult<Response> {
    let input = UserEdit {
        display_name: f.display_name.clone(),
        active: f.active.is_some(),
    };
    let result = st
        .app
        .update_user(&me.actor, id, &input, optional(&f.reason))
        .await;
    let state = CardState {
        form: "edit",
        display_name: Some(f.display_name),
        ..CardState::default()
    };
    outcome(&st, ctx, &me, id, result, "updated", state).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PasswordFields {
    password: String,
    reason: String,
}

async fn reset_password(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<PasswordFields>,
) -> PageResult<Response> {
    let result = st
        .app
        .reset_password(&me.actor, id, &f.password, optional(&f.reason))
        .await;
    let state = CardState {
        form: "password",
        ..CardState::default()
    };
    outcome(&st, ctx, &me, id, result, "password_reset", state).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GrantFields {
    role: String,
    node_id: String,
    reason: String,
}

async fn grant(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<GrantFields>,
) -> PageResult<Response> {
    let result = match form_id("node_id", &f.node_id) {
        Ok(node_id) => {
            let input = RoleGrant {
                role: f.role.clone(),
                node_id,
            };
            st.app
                .grant_role(&me.actor, id, &input, optional(&f.reason))
                .await
        }
        Err(e) => Err(e),
    };
    let state = CardState {
        form: "grant",
        grant_role: f.role,
        grant_node: f.node_id,
        ..CardState::default()
    };
    outcome(&st, ctx, &me, id, result, "granted", state).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReasonField {
    reason: String,
}

async fn revoke_role(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath((id, assignment_id)): PagePath<(i64, i64)>,
    PageForm(f): PageForm<ReasonField>,
) -> PageResult<Response> {
    let result = st
        .app
        .revoke_role(&me.actor, id, assignment_id, optional(&f.reason))
        .await;
    let state = CardState {
        form: "roles",
        ..CardState::default()
    };
    outcome(&st, ctx, &me, id, result, "revoked", state).await
}

async fn revoke_sessions(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReasonField>,
) -> PageResult<Response> {
    let result = st
        .app
        .revoke_sessions(&me.actor, id, optional(&f.reason))
        .await;
    let state = CardState {
        form: "sessions",
        ..CardState::default()
    };
    outcome(&st, ctx, &me, id, result, "signed_out", state).await
}
