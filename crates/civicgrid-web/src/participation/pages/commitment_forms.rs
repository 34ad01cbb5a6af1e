//! The forms on a commitment's page: staff edit it, move it, add milestones, link
//! requests and record spending; staff and the owner's members tick milestones and post
//! progress with a photo. Each posts to the page's own address below it, and on an
//! objection the page comes back with the field named.

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::commitments::{
    Milestone, Spec, Spending, State as CState, parse_date, parse_yuan,
};
use civicgrid_app::domain::requests::photo::{PhotoError, check_photo};
use civicgrid_app::platform::auth::SignedIn;

use super::commitments::{commitment_page, picked};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{Problem, Problems, problems_of};
use crate::page::{PageCtx, render};
use crate::requests::pages::{MAX_PHOTO_BYTES, read_posted};
use crate::routes::Routes;
use crate::state::AppState;

type Fields = HashMap<String, String>;

pub(super) fn routes(r: Routes) -> Routes {
    r.post("/participation/commitments/{id}", edit)
        .post("/participation/commitments/{id}/state", move_to)
        .post("/participation/commitments/{id}/milestones", add_milestone)
        .post("/participation/commitments/{id}/milestones/tick", tick)
        .post_with_body_limit(
            "/participation/commitments/{id}/updates",
            post_update,
            MAX_PHOTO_BYTES + 64 * 1024,
        )
        .post("/participation/commitments/{id}/requests", link_request)
        .post("/participation/commitments/{id}/spending", spending)
}

/// Back to the page with `?done=<done>`, or the page again with the objection (a
/// conflict pinned on `conflict_field`); `said` is `(done, conflict_field)`.
async fn outcome<T>(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    result: Result<T, AppError>,
    f: Fields,
    said: (&str, &str),
) -> PageResult<Response> {
    let (done, conflict_field) = said;
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/participation/commitments/{id}?done={done}")).into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, conflict_field)?;
            let v = st.app.commitment(Some(&me.actor), id).await?;
            let page = commitment_page(st, ctx, v, f, None, problems).await?;
            Ok((status, render(&page)).into_response())
        }
    }
}

fn get(f: &Fields, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

async fn edit(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = match picked("owner_org_id", &f) {
        Ok(owner) => {
            let spec = Spec {
                title: get(&f, "title"),
                summary: get(&f, "summary"),
            };
            st.app.edit_commitment(&me.actor, id, spec, owner).await
        }
        Err(e) => Err(e),
    };
    outcome(&st, ctx, &me, id, result, f, ("commitment_saved", "title")).await
}

async fn move_to(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = match CState::parse(&get(&f, "to")) {
        Ok(to) => {
            let reason = get(&f, "reason");
            st.app
                .move_commitment(&me.actor, id, to, Some(reason.as_str()))
                .await
        }
        Err(_) => Err(AppError::invalid("state", "choose where it stands now")),
    };
    outcome(&st, ctx, &me, id, result, f, ("commitment_moved", "state")).await
}

async fn add_milestone(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = match parse_date("due_on", &get(&f, "due_on")) {
        Ok(due_on) => {
            let m = Milestone {
                title: get(&f, "milestone"),
                due_on,
            };
            st.app.add_milestone(&me.actor, id, m).await
        }
        Err(e) => Err(AppError::invalid(e.field, e.message)),
    };
    outcome(
        &st,
        ctx,
        &me,
        id,
        result,
        f,
        ("milestone_added", "milestone"),
    )
    .await
}

async fn tick(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let done = get(&f, "done") != "0";
    let result = async {
        let m = picked("milestone_id", &f)?
            .ok_or_else(|| AppError::invalid("milestone_id", "choose a milestone"))?;
        let on = match crate::forms::optional(&get(&f, "done_on")) {
            Some(d) => {
                Some(parse_date("done_on", d).map_err(|e| AppError::invalid(e.field, e.message))?)
            }
            None => None,
        };
        st.app.tick_milestone(&me.actor, id, m, done, on).await
    }
    .await;
    outcome(
        &st,
        ctx,
        &me,
        id,
        result,
        f,
        ("milestone_ticked", "milestone_id"),
    )
    .await
}

async fn post_update(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    req: Request,
) -> PageResult<Response> {
    let posted = read_posted(&st, req).await?;
    let body = posted.fields.get("update").cloned().unwrap_or_default();
    let mut f = posted.fields;
    f.remove("_csrf");
    let photo = posted.photo.as_ref().map(|(_, b)| b.as_slice());
    // A refused photo is told in the reader's language, by what is wrong with it.
    if let Some(Err(e)) = photo.map(check_photo) {
        let key = match e {
            PhotoError::TooLarge => "commitment-photo-too-large",
            PhotoError::UnknownType | PhotoError::Empty => "commitment-photo-wrong-type",
            PhotoError::Malformed(_) | PhotoError::TooManyPixels => "commitment-photo-damaged",
        };
        let problems = Problems(vec![Problem {
            field: "photo".into(),
            summary: ctx.t(key),
            detail: e.to_string(),
        }]);
        let v = st.app.commitment(Some(&me.actor), id).await?;
        if !v.may_report {
            return Err(AppError::Forbidden.into());
        }
        let page = commitment_page(&st, ctx, v, f, None, problems).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    let result = st
        .app
        .post_commitment_update(&me.actor, id, &body, photo)
        .await;
    outcome(&st, ctx, &me, id, result, f, ("update_posted", "update")).await
}

async fn link_request(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let result = match picked("request_id", &f) {
        Ok(Some(r)) => st.app.link_commitment_request(&me.actor, id, r).await,
        Ok(None) => Err(AppError::invalid("request_id", "choose a request")),
        Err(e) => Err(e),
    };
    outcome(
        &st,
        ctx,
        &me,
        id,
        result,
        f,
        ("request_linked", "request_id"),
    )
    .await
}

async fn spending(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<Fields>,
) -> PageResult<Response> {
    let line = || -> Result<Spending, AppError> {
        let inv = |e: civicgrid_app::domain::participation::commitments::Invalid| {
            AppError::invalid(e.field, e.message)
        };
        Ok(Spending {
            what: get(&f, "what"),
            amount_fen: parse_yuan(&get(&f, "amount")).map_err(inv)?,
            spent_on: parse_date("spent_on", &get(&f, "spent_on")).map_err(inv)?,
            payer: get(&f, "payer"),
        })
    };
    let result = match line() {
        Ok(l) => st.app.add_commitment_spending(&me.actor, id, l).await,
        Err(e) => Err(e),
    };
    outcome(&st, ctx, &me, id, result, f, ("spending_added", "what")).await
}
