//! One request: its facts, due times and SLA state, photos, the timeline (all of it for
//! staff, the resident's lines for the resident), a form for every action the viewer
//! may take now, duplicate suggestions with one-click merge, the rating after
//! resolution, the staff return visit, and clearing the flag a poor rating left.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::requests::routing::{Party, ROUTABLE_ROLES};
use civicgrid_app::domain::requests::{Action, ActionInput, ActionKind, RequestId};
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::requests::RequestView;
use serde::Deserialize;

use super::resident::{field_number, read_posted};
use super::{
    CategoryNames, actor_label, changed, local_time, org_names, party_label, request_id, score,
    utc_offset,
};
use crate::error::{Failure, PageError, PageResult};
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, Problems, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/requests/{id}", page)
        .post("/requests/{id}/act", act)
        .post("/requests/{id}/rate", rate)
        .post("/requests/{id}/return-visit", return_visit)
        .post("/requests/{id}/comment", comment)
        .post("/requests/{id}/flag/clear", clear_flag)
        .post_with_body_limit(
            "/requests/{id}/photos",
            add_photo,
            super::resident::MAX_PHOTO_BYTES + 64 * 1024,
        )
        .get("/requests/photos/{id}", photo)
}

struct Event {
    at: String,
    kind: String,
    to: Option<&'static str>,
    who: String,
    name: String,
    note: String,
    related: Option<i64>,
    internal: bool,
}

struct Dup {
    id: i64,
    number: String,
    category: String,
    status: &'static str,
    description: String,
    score: String,
}

/// What was typed into an action form, kept when it is shown again with a problem.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ActFields {
    action: String,
    version: String,
    reason: String,
    party: String,
    user_id: String,
    original: String,
}

#[derive(Template)]
#[template(path = "requests/detail.html")]
struct DetailPage {
    ctx: PageCtx,
    v: RequestView,
    category: String,
    status: &'static str,
    party: String,
    due: String,
    response_due: String,
    resolution_due: String,
    created: String,
    timeline: Vec<Event>,
    photos: Vec<i64>,
    actions: Vec<&'static str>,
    parties: Vec<(String, String)>,
    duplicates: Vec<Dup>,
    // What the viewer may do, as the app answers (`RequestView::permits`).
    staff: bool,
    may_comment: bool,
    may_clear_flag: bool,
    kept: ActFields,
    notice: Option<String>,
    problems: Problems,
}

impl DetailPage {
    fn needs_reason(&self, action: &str) -> bool {
        ActionKind::parse(action).is_ok_and(ActionKind::needs_reason)
    }

    fn kept_reason(&self, action: &str) -> &str {
        if self.kept.action == action {
            &self.kept.reason
        } else {
            ""
        }
    }
}

async fn show(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: RequestId,
    kept: ActFields,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let v = st.app.request(&me.actor, id).await?;
    let timeline = st.app.request_timeline(&me.actor, id).await?;
    let photos = st.app.request_photos(&me.actor, id).await?;
    let names = CategoryNames::new(ctx.lang, &st.app.request_categories().await?);
    let orgs = org_names(st, &ctx).await;
    let offset = utc_offset(st).await?;
    let actions: Vec<&'static str> = v.actions.iter().map(|a| a.code()).collect();
    let duplicates = if v.actions.contains(&ActionKind::MarkDuplicate) {
        st.app
            .request_duplicates(&me.actor, id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|d| Dup {
                id: d.request.id.0,
                number: d.request.number.clone(),
                category: names.name(&d.request.category),
                status: d.request.status.code(),
                description: super::short(&d.request.description, 80),
                score: format!("{:.0}%", d.score * 100.0),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut parties: Vec<(String, String)> = ROUTABLE_ROLES
        .iter()
        .filter_map(|r| Party::role(*r).ok())
        .map(|p| (p.encode(), party_label(&ctx, &p.encode(), &orgs)))
        .collect();
    let mut org_list: Vec<(&i64, &String)> = orgs.iter().collect();
    org_list.sort();
    parties.extend(
        org_list
            .into_iter()
            .map(|(id, name)| (Party::Org(*id).encode(), name.clone())),
    );
    let timeline = timeline
        .into_iter()
        .map(|e| Event {
            at: local_time(e.at_ms, offset),
            kind: ctx.tk("request-event-", &e.kind),
            to: e.to_status.map(|s| s.code()),
            who: actor_label(&ctx, e.actor_role.as_deref()),
            name: e.actor_label.unwrap_or_default(),
            note: e.note.unwrap_or_default(),
            related: e.related_id.map(|r| r.0),
            internal: !e.visible,
        })
        .collect();
    Ok(render(&DetailPage {
        category: names.name(&v.category),
        status: v.status.code(),
        party: party_label(&ctx, &v.party, &orgs),
        due: v
            .due_at
            .map_or_else(|| "-".to_owned(), |d| local_time(d, offset)),
        response_due: local_time(v.response_due_at, offset),
        resolution_due: local_time(v.resolution_due_at, offset),
        created: local_time(v.created_at, offset),
        timeline,
        photos: photos.iter().map(|p| p.id).collect(),
        actions,
        parties,
        duplicates,
        staff: v.permits.staff,
        may_comment: v.permits.may_comment,
        may_clear_flag: v.permits.may_clear_flag,
        kept,
        notice,
        problems,
        v,
        ctx,
    }))
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    let id = request_id(&raw)?;
    show(&st, ctx, &me, id, ActFields::default(), n, Problems::none()).await
}

/// Re-renders the page with the use case's objection, or goes back to it.
async fn outcome(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: RequestId,
    result: Result<Option<RequestView>, AppError>,
    done: &str,
    kept: ActFields,
) -> PageResult<Response> {
    match result {
        Ok(v) => {
            if let Some(v) = v {
                changed(st, &v);
            }
            Ok(Redirect::to(&format!("/requests/{}?done={done}", id.0)).into_response())
        }
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "version")?;
            let page = show(st, ctx, me, id, kept, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

async fn take_action(
    st: &AppState,
    me: &SignedIn,
    id: RequestId,
    f: &ActFields,
) -> Result<RequestView, AppError> {
    let kind = ActionKind::parse(f.action.trim())
        .map_err(|_| AppError::invalid("action", "choose one of the listed actions"))?;
    let version = field_number("version", &f.version)?;
    let input = ActionInput {
        reason: optional(&f.reason),
        party: optional(&f.party),
        user_id: field_number("user_id", &f.user_id)?,
        original: optional(&f.original),
    };
    let action = Action::from_input(kind, input)?;
    st.app.act_on_request(&me.actor, id, version, action).await
}

async fn act(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<ActFields>,
) -> PageResult<Response> {
    let id = request_id(&raw)?;
    let result = take_action(&st, &me, id, &f).await.map(Some);
    outcome(&st, ctx, &me, id, result, "request_updated", f).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RateFields {
    rating: String,
    comment: String,
}

async fn rate(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<RateFields>,
) -> PageResult<Response> {
    feedback(&st, ctx, &me, &raw, f, false).await
}

async fn return_visit(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<RateFields>,
) -> PageResult<Response> {
    feedback(&st, ctx, &me, &raw, f, true).await
}

/// A satisfaction score: the resident's rating, or staff's record of a return visit.
async fn feedback(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    raw: &str,
    f: RateFields,
    return_visit: bool,
) -> PageResult<Response> {
    let id = request_id(raw)?;
    let comment = optional(&f.comment);
    let result = match score(&f.rating) {
        Ok(s) if return_visit => st.app.record_return_visit(&me.actor, id, s, comment).await,
        Ok(s) => st.app.rate_request(&me.actor, id, s, comment).await,
        Err(e) => Err(e),
    };
    let kept = ActFields {
        action: "rate".into(),
        reason: f.comment.clone(),
        ..ActFields::default()
    };
    outcome(st, ctx, me, id, result.map(Some), "request_rated", kept).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CommentFields {
    text: String,
    visible: String,
}

async fn comment(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<CommentFields>,
) -> PageResult<Response> {
    let id = request_id(&raw)?;
    let result = st
        .app
        .comment_request(&me.actor, id, &f.text, !f.visible.is_empty())
        .await
        .map(|_| None);
    let kept = ActFields {
        action: "comment".into(),
        reason: f.text,
        ..ActFields::default()
    };
    outcome(&st, ctx, &me, id, result, "request_commented", kept).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ClearFlagFields {
    reason: String,
}

/// A supervisor clears the flag a poor rating left, saying what was done.
async fn clear_flag(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<ClearFlagFields>,
) -> PageResult<Response> {
    let id = request_id(&raw)?;
    let result = st
        .app
        .clear_request_flag(&me.actor, id, &f.reason)
        .await
        .map(Some);
    let kept = ActFields {
        action: "clear_flag".into(),
        reason: f.reason,
        ..ActFields::default()
    };
    outcome(&st, ctx, &me, id, result, "request_flag_cleared", kept).await
}

async fn add_photo(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    req: Request,
) -> PageResult<Response> {
    let id = request_id(&raw)?;
    // Only those who work on it (or raised it) add photos; others learn nothing more.
    st.app.request_for_photo(&me.actor, id).await?;
    let posted = read_posted(&st, req).await?;
    let Some((_, bytes)) = posted.photo else {
        let e = AppError::invalid("photo", "choose a photo");
        return outcome(&st, ctx, &me, id, Err(e), "", ActFields::default()).await;
    };
    let result = st
        .app
        .add_request_photo(
            &me.actor,
            id,
            posted.fields.get("stage").map(String::as_str),
            &bytes,
        )
        .await
        .map(|_| None);
    outcome(
        &st,
        ctx,
        &me,
        id,
        result,
        "request_photo_added",
        ActFields::default(),
    )
    .await
}

/// A photo's bytes, for those who may see its request; never cached by shared caches.
async fn photo(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<String>,
) -> PageResult<Response> {
    let id = id
        .trim()
        .parse::<i64>()
        .map_err(|_| PageError(Failure::not_found()))?;
    let (meta, data) = st.app.request_photo(&me.actor, id).await?;
    let ct = match meta.content_type.as_str() {
        "image/jpeg" | "image/png" | "image/webp" => meta.content_type.clone(),
        _ => "application/octet-stream".to_owned(),
    };
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            (header::ETAG, format!("\"{}\"", meta.sha256)),
        ],
        data,
    )
        .into_response())
}
