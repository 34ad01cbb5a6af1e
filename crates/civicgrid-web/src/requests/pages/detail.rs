//! One request: its facts, due times and SLA state, photos, the timeline (all of it for
//! staff, the resident's lines for the resident), a form for every action the viewer
//! may take now, duplicate suggestions with one-click merge, the rating after
//! resolution, the staff return visit, and clearing the flag a poor rating left.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::requests::routing::{Party, ROUTABLE_ROLES};
use civicgrid_app::domain::requests::{Action, ActionInput, ActionKind, RequestId, Status};
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::requests::RequestView;
use civicgrid_app::requests::transitions::AssigneeCandidate;
use serde::Deserialize;
use std::collections::HashMap;

use super::resident::{field_number, read_posted};
use super::{
    CategoryNames, actor_label, changed, local_time, machine_note, org_names, party_label,
    request_id, score, utc_offset,
};
use crate::error::{Failure, PageError, PageResult};
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneCode, DoneNotice, Problem, Problems, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::picker::{Pick, PickMatch};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/requests/{id}", page)
        .get("/requests/{id}/assignees", assignees)
        .post("/requests/{id}/act", act)
        .post_with_body_limit(
            "/requests/{id}/resolve",
            resolve,
            super::resident::MAX_PHOTO_BYTES + 64 * 1024,
        )
        .post("/requests/{id}/rate", rate)
        .post("/requests/{id}/return-visit", return_visit)
        .post("/requests/{id}/comment", comment)
        .post("/requests/{id}/flag/clear", clear_flag)
        .post("/requests/{id}/category", recategorize)
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
    /// The assignee picker's search text, and its search button (no-JavaScript path).
    assignee_q: String,
    find_assignee: Option<String>,
}

#[derive(Template)]
#[template(path = "requests/detail.html")]
struct DetailPage {
    ctx: PageCtx,
    v: RequestView,
    category: String,
    status: &'static str,
    party: String,
    /// Who works on it now, by name (staff see the person too).
    assignee: String,
    due: Option<String>,
    response_due: String,
    resolution_due: String,
    created: String,
    timeline: Vec<Event>,
    photos: Vec<i64>,
    /// The one next step shown open for the current status, and the others.
    primary: Option<&'static str>,
    more: Vec<&'static str>,
    /// The assign form's assignee picker.
    pick: Pick,
    /// The original of a duplicate, by its number.
    original: Option<(i64, String)>,
    /// After a poor rating reopened it: what happens next (the resident's panel).
    reopened: bool,
    parties: Vec<(String, String)>,
    duplicates: Vec<Dup>,
    // What the viewer may do, as the app answers (`RequestView::permits`).
    staff: bool,
    may_comment: bool,
    may_clear_flag: bool,
    /// The active categories to correct the request's into (code, name); empty when
    /// the reader may not.
    recategorize_to: Vec<(String, String)>,
    kept: ActFields,
    notice: Option<String>,
    problems: Problems,
}

/// The next step for each status, most pressing first: the one shown open.
const PRIMARY: [ActionKind; 6] = [
    ActionKind::Resolve,
    ActionKind::Start,
    ActionKind::Resume,
    ActionKind::Accept,
    ActionKind::Assign,
    ActionKind::Close,
];

/// The primary next action among those the viewer may take, and the rest.
fn split_actions(actions: &[ActionKind]) -> (Option<&'static str>, Vec<&'static str>) {
    let primary = PRIMARY.iter().find(|k| actions.contains(*k)).copied();
    let more = actions
        .iter()
        .filter(|k| Some(**k) != primary)
        .map(|k| k.code())
        .collect();
    (primary.map(ActionKind::code), more)
}

/// The party in words: the organisation's name when the app gave it.
fn party_words(ctx: &PageCtx, v: &RequestView, orgs: &HashMap<i64, String>) -> String {
    v.party_name
        .clone()
        .unwrap_or_else(|| party_label(ctx, &v.party, orgs))
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

/// The assign form's assignee picker: the people the request may go to whose name
/// holds the search text (a search was asked for), with how each may take it.
async fn assignee_pick(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    id: RequestId,
    kept: &ActFields,
) -> Pick {
    let mut pick = Pick::new(
        "user_id",
        "assignee",
        &format!("/requests/{}/assignees", id.0),
        &kept.user_id,
    );
    pick.q = kept
        .assignee_q
        .trim()
        .chars()
        .take(crate::picker::MAX_QUERY_CHARS)
        .collect();
    let pick = pick.with_none(ctx.t("request-assignee-none"));
    if kept.find_assignee.is_none() {
        return pick;
    }
    let found = st
        .app
        .request_assignee_candidates(&me.actor, id, &pick.q)
        .await
        .unwrap_or_default();
    assignee_matches(st, ctx, pick, found).await
}

/// The people found, as the picker's choices: name, and how each may take it.
async fn assignee_matches(
    st: &AppState,
    ctx: &PageCtx,
    pick: Pick,
    found: Vec<AssigneeCandidate>,
) -> Pick {
    let orgs = org_names(st, ctx).await;
    let matches = found
        .into_iter()
        .map(|c| PickMatch {
            value: c.user_id.to_string(),
            label: c.name,
            detail: c
                .parties
                .iter()
                .map(|p| party_label(ctx, &p.encode(), &orgs))
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect();
    pick.found(matches)
}

/// The picker's matches alone, for htmx.
#[derive(Template)]
#[template(path = "picker_matches.html")]
struct MatchesFragment {
    ctx: PageCtx,
    pick: Pick,
}

/// Searches the people a request may be assigned to: for those who may assign it.
async fn assignees(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    let id = request_id(&raw)?;
    let pick = Pick::new(
        "user_id",
        "assignee",
        &format!("/requests/{}/assignees", id.0),
        "",
    )
    .read(&q)
    .with_none(ctx.t("request-assignee-none"));
    // Refused as the assignment would be.
    let found = st
        .app
        .request_assignee_candidates(&me.actor, id, &pick.q)
        .await?;
    let pick = assignee_matches(&st, &ctx, pick, found).await;
    Ok(render(&MatchesFragment { ctx, pick }))
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
    show_after(st, ctx, me, id, kept, notice, problems, false).await
}

#[allow(clippy::too_many_arguments)]
async fn show_after(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: RequestId,
    kept: ActFields,
    notice: Option<String>,
    problems: Problems,
    reopened: bool,
) -> PageResult<Response> {
    let v = st.app.request(&me.actor, id).await?;
    let timeline = st.app.request_timeline(&me.actor, id).await?;
    let photos = st.app.request_photos(&me.actor, id).await?;
    let categories = st.app.request_categories().await?;
    let names = CategoryNames::new(ctx.lang, &categories);
    let recategorize_to = if v.permits.may_recategorize {
        categories
            .iter()
            .filter(|c| c.active && c.code != v.category)
            .map(|c| (c.code.clone(), names.name(&c.code)))
            .collect()
    } else {
        Vec::new()
    };
    let orgs = org_names(st, &ctx).await;
    let offset = utc_offset(st).await?;
    let (primary, more) = split_actions(&v.actions);
    let pick = assignee_pick(st, &ctx, me, id, &kept).await;
    let original = match v.duplicate_of {
        Some(d) => Some((
            d.0,
            st.app
                .request(&me.actor, d)
                .await
                .map_or_else(|_| ctx.t("request-original"), |o| o.number),
        )),
        None => None,
    };
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
            note: machine_note(ctx.lang, e.note.as_deref().unwrap_or_default()),
            related: e.related_id.map(|r| r.0),
            internal: !e.visible,
        })
        .collect();
    Ok(render(&DetailPage {
        category: names.name(&v.category),
        status: v.status.code(),
        party: party_words(&ctx, &v, &orgs),
        assignee: v.assignee_name.clone().unwrap_or_default(),
        due: v.due_at.map(|d| local_time(d, offset)),
        response_due: local_time(v.response_due_at, offset),
        resolution_due: local_time(v.resolution_due_at, offset),
        created: local_time(v.created_at, offset),
        timeline,
        photos: photos.iter().map(|p| p.id).collect(),
        primary,
        more,
        pick,
        original,
        reopened: reopened && v.mine && v.status == Status::Reopened,
        parties,
        duplicates,
        staff: v.permits.staff,
        may_comment: v.permits.may_comment,
        may_clear_flag: v.permits.may_clear_flag,
        recategorize_to,
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
    DoneCode(done): DoneCode,
) -> PageResult<Response> {
    let id = request_id(&raw)?;
    let reopened = done.as_deref() == Some("request_reopened_after_rating");
    show_after(
        &st,
        ctx,
        &me,
        id,
        ActFields::default(),
        n,
        Problems::none(),
        reopened,
    )
    .await
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
    // "Find" in the assignee picker shows the page again with the people found.
    if f.find_assignee.is_some() {
        return show(&st, ctx, &me, id, f, None, Problems::none()).await;
    }
    let result = take_action(&st, &me, id, &f).await.map(Some);
    outcome(&st, ctx, &me, id, result, "request_updated", f).await
}

/// Resolving: the note of what was done (required) and, optionally, a photo of the
/// finished work in the same form. The photo is stored once the request is resolved;
/// one the app refuses leaves the resolution standing and says so.
async fn resolve(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    req: Request,
) -> PageResult<Response> {
    let id = request_id(&raw)?;
    let posted = read_posted(&st, req).await?;
    let field = |k: &str| posted.fields.get(k).cloned().unwrap_or_default();
    let f = ActFields {
        action: ActionKind::Resolve.code().into(),
        version: field("version"),
        reason: field("reason"),
        ..ActFields::default()
    };
    let v = match take_action(&st, &me, id, &f).await {
        Ok(v) => v,
        Err(e) => return outcome(&st, ctx, &me, id, Err(e), "", f).await,
    };
    changed(&st, &v);
    let mut done = "request_updated";
    if let Some((_, bytes)) = posted.photo {
        done = match st
            .app
            .add_request_photo(&me.actor, id, Some("resolution"), &bytes)
            .await
        {
            Ok(_) => "request_resolved_with_photo",
            Err(e) => {
                tracing::info!(request = id.0, code = e.code(), "photo refused");
                "request_resolved_photo_refused"
            }
        };
    }
    Ok(Redirect::to(&format!("/requests/{}?done={done}", id.0)).into_response())
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
    let done = match &result {
        Ok(v) if v.status == Status::Reopened => "request_reopened_after_rating",
        _ => "request_rated",
    };
    outcome(st, ctx, me, id, result.map(Some), done, kept).await
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
struct CategoryFields {
    category: String,
    version: String,
    reason: String,
}

/// Staff correct the category: recorded on the timeline and learned by the suggestion.
async fn recategorize(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<CategoryFields>,
) -> PageResult<Response> {
    let id = request_id(&raw)?;
    let version = f.version.trim().parse::<i64>().ok();
    let result = st
        .app
        .recategorize_request(&me.actor, id, version, &f.category, optional(&f.reason))
        .await
        .map(Some);
    let kept = ActFields {
        action: "recategorize".into(),
        reason: f.reason,
        ..ActFields::default()
    };
    outcome(&st, ctx, &me, id, result, "request_recategorized", kept).await
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
    // One who may see it but not add to it now is told so on the page.
    match st.app.request_for_photo(&me.actor, id).await {
        Ok(_) => {}
        Err(AppError::Forbidden) => {
            let problems = Problems(vec![Problem {
                field: "photo".into(),
                summary: ctx.t("request-photo-not-now"),
                detail: String::new(),
            }]);
            let kept = ActFields::default();
            let page = show(&st, ctx, &me, id, kept, None, problems).await?;
            return Ok((StatusCode::FORBIDDEN, page).into_response());
        }
        Err(e) => return Err(e.into()),
    }
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
    Ok(crate::page::photo_response(
        &meta.content_type,
        &meta.sha256,
        data,
        false,
    ))
}
