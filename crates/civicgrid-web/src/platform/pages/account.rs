//! My account: profile, roles, live sessions, and changing my own password.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::domain::platform::device::Device;
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::platform::users::User;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm};
use crate::forms::{DoneNotice, Problems, problems_of};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/account", account)
        .post("/account/password", change_password)
}

struct RoleLine {
    role: &'static str,
    node_id: i64,
    node_name: String,
}

struct SessionLine {
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    /// "Chrome · Android", when the browser said enough.
    device: Option<String>,
    current: bool,
}

#[derive(Template)]
#[template(path = "platform/account.html")]
struct AccountPage {
    ctx: PageCtx,
    user: User,
    roles: Vec<RoleLine>,
    sessions: Vec<SessionLine>,
    notice: Option<String>,
    problems: Problems,
}

async fn account_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let view = st.app.user(&me.actor, me.user.id).await?;
    let lang = ctx.lang;
    let roles = view
        .assignments
        .iter()
        .map(|a| RoleLine {
            role: a.assignment.role.as_str(),
            node_id: a.assignment.node_id,
            node_name: match lang {
                Lang::ZhCn => a.node_name_zh.clone(),
                Lang::En => a.node_name_en.clone(),
            },
        })
        .collect();
    let sessions = view
        .sessions
        .iter()
        .map(|s| SessionLine {
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            device: Device::of(&s.user_agent).name(),
            current: s.id == me.session.id,
        })
        .collect();
    Ok(render(&AccountPage {
        ctx,
        user: view.user,
        roles,
        sessions,
        notice,
        problems,
    }))
}

async fn account(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    account_page(&st, ctx, &me, n, Problems::none()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PasswordFields {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn change_password(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<PasswordFields>,
) -> PageResult<Response> {
    let (status, problems) = if f.new_password != f.confirm_password {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Problems::one(ctx.lang, "confirm_password", "the two new passwords differ"),
        )
    } else {
        match st
            .app
            .change_own_password(&me, &f.current_password, &f.new_password)
            .await
        {
            Ok(()) => return Ok(Redirect::to("/account?done=password_changed").into_response()),
            Err(e) => problems_of(ctx.lang, e, "new_password")?,
        }
    };
    let page = account_page(&st, ctx, &me, None, problems).await?;
    Ok((status, page).into_response())
}
