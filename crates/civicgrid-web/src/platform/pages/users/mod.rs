//! Accounts: the list, creating an account with its first role, and (in [`card`]) one
//! account with its roles, sessions and the forms that change them.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::platform::users::{NewUser, User};
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PageQuery};
use crate::forms::{
    NodeChoice, Problems, form_id, grantable_roles, node_choices, optional, problems_of,
    query_number,
};
use crate::i18n::Lang;
use crate::page::{PageCtx, render, url_encode};
use crate::routes::Routes;
use crate::state::AppState;

mod card;

pub(super) fn routes(r: Routes) -> Routes {
    let r = r
        .get("/users", list)
        .get("/users/new", new_form)
        .post("/users", create);
    card::routes(r)
}

/// Accounts shown on one page of the list.
const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
struct ListQuery {
    q: Option<String>,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "platform/users_list.html")]
struct ListPage {
    ctx: PageCtx,
    q: String,
    users: Vec<User>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

fn list_link(q: &str, page: i64) -> String {
    format!("/users?q={}&page={page}", url_encode(q))
}

async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(query): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let q = query.q.unwrap_or_default().trim().to_owned();
    let page = query_number("page", query.page.as_deref())?
        .unwrap_or(1)
        .max(1);
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    // One more than a page tells whether there is a next page.
    let mut users = st
        .app
        .list_users(&me.actor, optional(&q), PAGE_SIZE + 1, offset)
        .await?;
    let more = users.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    users.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    Ok(render(&ListPage {
        prev: (page > 1).then(|| list_link(&q, page - 1)),
        next: more.then(|| list_link(&q, page.saturating_add(1))),
        ctx,
        q,
        users,
        page,
    }))
}

/// What the new-account form holds; blank when missing (the use case names the field).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewUserFields {
    username: String,
    display_name: String,
    password: String,
    role: String,
    node_id: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "platform/users_new.html")]
struct NewUserPage {
    ctx: PageCtx,
    roles: Vec<&'static str>,
    nodes: Vec<NodeChoice>,
    fields: NewUserFields,
    problems: Problems,
}

async fn new_user_page(
    st: &AppState,
    ctx: PageCtx,
    me: &civicgrid_app::platform::auth::SignedIn,
    mut fields: NewUserFields,
    problems: Problems,
) -> PageResult<Response> {
    let nodes = st.app.nodes_for(&me.actor, Permission::ManageUsers).await?;
    let lang: Lang = ctx.lang;
    // A password is never sent back to the browser.
    fields.password.clear();
    Ok(render(&NewUserPage {
        roles: grantable_roles(&me.actor),
        nodes: node_choices(lang, &nodes),
        ctx,
        fields,
        problems,
    }))
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    new_user_page(&st, ctx, &me, NewUserFields::default(), Problems::none()).await
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(fields): PageForm<NewUserFields>,
) -> PageResult<Response> {
    let outcome = match form_id("node_id", &fields.node_id) {
        Ok(node_id) => {
            let input = NewUser {
                username: fields.username.clone(),
                display_name: fields.display_name.clone(),
                password: fields.password.clone(),
                role: fields.role.clone(),
                node_id,
            };
            st.app
                .create_user(&me.actor, &input, optional(&fields.reason))
                .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(user) => Ok(Redirect::to(&format!("/users/{}?done=created", user.id)).into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "username")?;
            let page = new_user_page(&st, ctx, &me, fields, problems).await?;
            Ok((status, page).into_response())
        }
    }
}
