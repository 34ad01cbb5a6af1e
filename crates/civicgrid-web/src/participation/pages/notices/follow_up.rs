//! The grid worker's follow-up list of an important notice, and recording a visit or
//! a call on one household's receipt.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::domain::participation::notices::Reading;
use serde::Deserialize;

use super::{Row, Shown, row, shown};
use crate::error::{PageError, PageResult};
use crate::extract::{CurrentUser, PagePath};
use crate::forms::{DoneNotice, Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::requests::pages::utc_offset;
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/notices/{id}/follow-up", follow_up)
        .post("/notices/receipts/{id}/follow-up", record_follow_up)
}

#[derive(Template)]
#[template(path = "participation/notice_follow_up.html")]
struct FollowUpPage {
    ctx: PageCtx,
    notice: Option<String>,
    n: Shown,
    due: bool,
    may_record: bool,
    rows: Vec<(i64, Row)>,
    outcomes: [&'static str; 3],
    problems: Problems,
}

async fn follow_up_page(
    st: &AppState,
    ctx: PageCtx,
    me: &civicgrid_app::platform::auth::SignedIn,
    id: i64,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let f = st.app.notice_follow_up(&me.actor, id).await?;
    let offset = utc_offset(st).await?;
    let n = shown(st, &ctx, &f.notice).await?;
    let rows = f
        .rows
        .iter()
        .map(|r| (r.id, row(ctx.lang, r, offset)))
        .collect();
    Ok(render(&FollowUpPage {
        ctx,
        notice,
        n,
        due: f.due,
        may_record: f.notice.may_follow_up,
        rows,
        outcomes: Reading::FOLLOW_UP.map(Reading::as_str),
        problems,
    }))
}

async fn follow_up(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    follow_up_page(&st, ctx, &me, id, notice, Problems::none()).await
}

#[derive(Deserialize)]
struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    /// The notice whose list the form was on (to show it again with the objection).
    #[serde(default)]
    notice_id: String,
}

async fn record_follow_up(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(receipt): PagePath<i64>,
    crate::extract::PageForm(f): crate::extract::PageForm<OutcomeForm>,
) -> PageResult<Response> {
    match st
        .app
        .record_notice_follow_up(&me.actor, receipt, &f.outcome)
        .await
    {
        Ok(notice) => Ok(Redirect::to(&format!(
            "/notices/{notice}/follow-up?done=notice_followed"
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "outcome")?;
            match f.notice_id.trim().parse::<i64>().ok() {
                Some(id) => {
                    let page = follow_up_page(&st, ctx, &me, id, None, problems).await?;
                    Ok((status, page).into_response())
                }
                None => Err(PageError(crate::error::Failure::new(
                    status,
                    "invalid_input",
                    problems
                        .all()
                        .first()
                        .map(|p| p.detail.clone())
                        .unwrap_or_default(),
                ))),
            }
        }
    }
}
