//! One notice (opening it records the reader's receipt), publishing and withdrawing
//! it, and the stairwell poster.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::participation::notices::NoticeView;
use civicgrid_app::platform::auth::SignedIn;
use serde::Deserialize;

use super::{Shown, shown};
use crate::error::PageResult;
use crate::extract::{CurrentUser, MaybeUser, PagePath};
use crate::forms::{DoneNotice, Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/notices/{id}", show)
        .post("/notices/{id}/publish", publish)
        .post("/notices/{id}/withdraw", withdraw)
        .get("/notices/{id}/poster", poster)
}

#[derive(Template)]
#[template(path = "participation/notice_detail.html")]
struct DetailPage {
    ctx: PageCtx,
    notice: Option<String>,
    n: Shown,
    v: NoticeView,
    problems: Problems,
}

async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    MaybeUser(me): MaybeUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let v = st
        .app
        .open_notice(me.as_ref().map(|m| &m.actor), id)
        .await?;
    let n = shown(&st, &ctx, &v).await?;
    Ok(render(&DetailPage {
        ctx,
        notice,
        n,
        v,
        problems: Problems::none(),
    }))
}

async fn publish(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    crate::extract::PageForm(_): crate::extract::PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    st.app.publish_notice(&me.actor, id).await?;
    Ok(Redirect::to(&format!("/notices/{id}?done=notice_published")).into_response())
}

#[derive(Deserialize)]
struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

async fn withdraw(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    crate::extract::PageForm(f): crate::extract::PageForm<WithdrawForm>,
) -> PageResult<Response> {
    match st.app.withdraw_notice(&me.actor, id, Some(&f.reason)).await {
        Ok(_) => Ok(Redirect::to(&format!("/notices/{id}?done=notice_withdrawn")).into_response()),
        Err(e) => with_problems(&st, ctx, &me, id, e, "reason").await,
    }
}

/// The notice page again after a refused post, the problem shown on its field (or on
/// `default_field`).
pub(super) async fn with_problems(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    e: civicgrid_app::AppError,
    default_field: &'static str,
) -> PageResult<Response> {
    let (status, problems) = problems_of(ctx.lang, e, default_field)?;
    let v = st.app.notice(&me.actor, id).await?;
    let n = shown(st, &ctx, &v).await?;
    let page = render(&DetailPage {
        ctx,
        notice: None,
        n,
        v,
        problems,
    });
    Ok((status, page).into_response())
}

#[derive(Template)]
#[template(path = "participation/notice_poster.html")]
struct PosterPage {
    ctx: PageCtx,
    n: Shown,
}

async fn poster(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let v = st.app.notice_poster(&me.actor, id).await?;
    let n = shown(&st, &ctx, &v).await?;
    Ok(render(&PosterPage { ctx, n }))
}
