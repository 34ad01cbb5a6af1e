//! The notices page (`/notices`): the reader's inbox, the notices staff follow, the
//! follow-ups due, and the way to write one.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::participation::notices::DueFollowUp;

use super::{Line, english, line};
use crate::error::PageResult;
use crate::extract::CurrentUser;
use crate::forms::DoneNotice;
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::requests::pages::{local_time, utc_offset};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/notices", index)
}

#[derive(Template)]
#[template(path = "participation/notice_index.html")]
struct IndexPage {
    ctx: PageCtx,
    notice: Option<String>,
    inbox: Vec<Line>,
    staff: Option<Vec<Line>>,
    due: Vec<(i64, String, String, i64)>,
    may_write: bool,
}

async fn index(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let offset = utc_offset(&st).await?;
    let inbox = st
        .app
        .my_notices(&me.actor)
        .await?
        .iter()
        .map(|l| line(&ctx, l, offset, true))
        .collect();
    let staff = if ctx.can(Permission::ViewParticipation) {
        Some(
            st.app
                .notices(&me.actor)
                .await?
                .iter()
                .map(|l| line(&ctx, l, offset, false))
                .collect(),
        )
    } else {
        None
    };
    let due = st
        .app
        .due_notice_follow_ups(&me.actor)
        .await?
        .iter()
        .map(|d: &DueFollowUp| {
            let title = if english(ctx.lang) {
                d.title_en.clone().or(d.title_zh.clone())
            } else {
                d.title_zh.clone().or(d.title_en.clone())
            };
            (
                d.notice_id,
                title.unwrap_or_default(),
                local_time(d.read_by, offset),
                d.unread,
            )
        })
        .collect();
    let may_write = ctx.can(Permission::ManageParticipation);
    Ok(render(&IndexPage {
        ctx,
        notice,
        inbox,
        staff,
        due,
        may_write,
    }))
}
