//! Deliberation pages: the proposals of the reader's community (`/participation/proposals`)
//! with the support rules staff set, raising a proposal with a photo, and a proposal's
//! page where residents support and discuss it and staff moderate, table it for the
//! council or send it to a vote.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::deliberation::{
    DEFAULT_RULES, ProposalText, RemovalReason, SupportRules, format_yuan, parse_yuan,
};
use civicgrid_app::domain::participation::votes::Electorate;
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::participation::deliberation::{NewProposalInput, ProposalLine, ProposalView};
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::platform::menu::may_reach;
use serde::Deserialize;

use super::id_of;
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, NodeChoice, Problems, form_id, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::requests::pages::resident::{MAX_PHOTO_BYTES, read_posted};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    let limit = MAX_PHOTO_BYTES + 64 * 1024;
    r.get("/participation/proposals", list)
        .get("/participation/proposals/new", new_form)
        .post_with_body_limit("/participation/proposals", create, limit)
        .get("/participation/proposals/{id}", show)
        .post("/participation/proposals/{id}/support", support)
        .post("/participation/proposals/{id}/comments", comment)
        .post("/participation/proposals/{id}/withdraw", withdraw)
        .post("/participation/proposals/{id}/table", table)
        .post("/participation/proposals/{id}/vote", to_vote)
        .post_with_body_limit("/participation/proposals/{id}/photos", add_photo, limit)
        .get("/participation/proposal-photos/{id}", photo)
        .post(
            "/participation/proposal-comments/{id}/remove",
            remove_comment,
        )
        .post("/participation/deliberation-rules", set_rules)
}

/// A proposal on a list, in words.
pub(crate) struct ProposalCard {
    pub id: i64,
    pub title: String,
    pub place: String,
    pub state: &'static str,
    pub state_label: String,
    pub supporters: i64,
    pub threshold: i64,
    pub deadline: String,
    pub cost: Option<String>,
    pub author: String,
    pub raised: String,
}

pub(crate) fn card(ctx: &PageCtx, l: &ProposalLine) -> ProposalCard {
    let p = &l.proposal;
    let (state, state_label) = if l.lapsed {
        ("lapsed", ctx.t("proposal-state-lapsed"))
    } else {
        (l.state.code(), ctx.tk("proposal-state-", l.state.code()))
    };
    ProposalCard {
        id: p.id,
        title: p.title.clone(),
        place: l.place_name.clone(),
        state,
        state_label,
        supporters: p.supporters,
        threshold: p.threshold,
        deadline: format_time(p.deadline_at),
        cost: p.cost_fen.map(format_yuan),
        author: p.author_name.clone(),
        raised: format_time(p.created_at),
    }
}

/// A community whose rules the reader may set, with the rules in force.
struct RulesChoice {
    id: i64,
    name: String,
    threshold: i64,
    window_days: i64,
}

#[derive(Template)]
#[template(path = "participation/proposals.html")]
struct ListPage {
    ctx: PageCtx,
    proposals: Vec<ProposalCard>,
    may_raise: bool,
    home: Option<String>,
    rules: Vec<RulesChoice>,
    default_rules: SupportRules,
    notice: Option<String>,
    problems: Problems,
}

async fn list_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let lines = st.app.proposals(&me.actor).await?;
    let proposals = lines.iter().map(|l| card(&ctx, l)).collect();
    let may_raise = !st.app.proposal_places(&me.actor).await?.is_empty();
    let home = st
        .app
        .deliberation_home(&me.actor)
        .await?
        .map(|h| h.community_name);
    let mut rules = Vec::new();
    let managed = if may_reach(&me.actor, Permission::ManageParticipation) {
        st.app
            .nodes_for(&me.actor, Permission::ManageParticipation)
            .await?
    } else {
        Vec::new()
    };
    for n in managed
        .into_iter()
        .filter(|n| n.kind == NodeKind::Community)
    {
        let r = st.app.deliberation_rules(&me.actor, n.id).await?;
        rules.push(RulesChoice {
            id: n.id,
            name: n.name_zh,
            threshold: r.threshold,
            window_days: r.window_days,
        });
    }
    Ok(render(&ListPage {
        ctx,
        proposals,
        may_raise,
        home,
        rules,
        default_rules: DEFAULT_RULES,
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
    list_page(&st, ctx, &me, n, Problems::none()).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RulesFields {
    community_id: String,
    threshold: String,
    window_days: String,
}

async fn set_rules(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<RulesFields>,
) -> PageResult<Response> {
    let number = |field: &'static str, raw: &str| {
        raw.trim()
            .parse::<i64>()
            .map_err(|_| AppError::invalid(field, "write a whole number"))
    };
    let result = async {
        let rules = SupportRules {
            threshold: number("threshold", &f.threshold)?,
            window_days: number("window_days", &f.window_days)?,
        };
        let community = form_id("community_id", &f.community_id)?;
        st.app
            .set_deliberation_rules(&me.actor, community, rules)
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/participation/proposals?done=rules_saved").into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "threshold")?;
            let page = list_page(&st, ctx, &me, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "participation/proposal_new.html")]
struct NewPage {
    ctx: PageCtx,
    places: Vec<NodeChoice>,
    f: HashMap<String, String>,
    problems: Problems,
}

impl NewPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

async fn new_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    f: HashMap<String, String>,
    problems: Problems,
) -> PageResult<Response> {
    let places = st
        .app
        .proposal_places(&me.actor)
        .await?
        .into_iter()
        .map(|(id, label)| NodeChoice {
            id,
            value: id.to_string(),
            label,
            kind: "",
        })
        .collect();
    Ok(render(&NewPage {
        ctx,
        places,
        f,
        problems,
    }))
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    new_page(&st, ctx, &me, HashMap::new(), Problems::none()).await
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    req: Request,
) -> PageResult<Response> {
    let posted = read_posted(&st, req).await?;
    let f = posted.fields;
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let result = async {
        let node_id = match optional(get("node_id")) {
            Some(raw) => Some(form_id("node_id", raw)?),
            None => None,
        };
        let cost_fen =
            parse_yuan(get("cost")).map_err(|e| AppError::invalid(e.field, e.message))?;
        let text = ProposalText {
            title: get("title").to_owned(),
            description: get("description").to_owned(),
            reason: get("reason").to_owned(),
            cost_fen,
        };
        let photo = posted.photo.map(|(_, bytes)| bytes);
        st.app
            .raise_proposal(
                &me.actor,
                NewProposalInput {
                    node_id,
                    text,
                    photo,
                },
            )
            .await
    }
    .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!(
            "/participation/proposals/{id}?done=proposal_raised"
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "title")?;
            let page = new_page(&st, ctx, &me, f, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

/// A comment on the page.
struct CommentLine {
    id: i64,
    author: String,
    body: String,
    at: String,
    removed: Option<String>,
    may_remove: bool,
}

#[derive(Template)]
#[template(path = "participation/proposal.html")]
struct DetailPage {
    ctx: PageCtx,
    p: ProposalCard,
    description: String,
    reason: String,
    percent: i64,
    view: ProposalView,
    comments: Vec<CommentLine>,
    meetings: Vec<(i64, String, String, Option<String>)>,
    vote: Option<(i64, String, String)>,
    reasons: Vec<&'static str>,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
}

impl DetailPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

async fn detail(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let view = st.app.proposal(&me.actor, id).await?;
    let p = card(&ctx, &view.line);
    let comments = view
        .comments
        .iter()
        .map(|c| CommentLine {
            id: c.id,
            author: c.author_name.clone(),
            body: c.body.clone(),
            at: format_time(c.created_at),
            removed: c.removed.then(|| {
                let reason = ctx.tk(
                    "removal-reason-",
                    c.removal_reason.as_deref().unwrap_or("other"),
                );
                match c.removal_note.as_deref().filter(|n| !n.is_empty()) {
                    Some(n) => format!("{reason}：{n}"),
                    None => reason,
                }
            }),
            may_remove: c.may_remove,
        })
        .collect();
    let meetings = view
        .meetings
        .iter()
        .map(|(mid, title, at, outcome)| {
            (
                *mid,
                title.clone(),
                format_time(*at),
                outcome.as_deref().map(|o| ctx.tk("item-outcome-", o)),
            )
        })
        .collect();
    let vote = view
        .vote
        .as_ref()
        .map(|(vid, title, state)| (*vid, title.clone(), ctx.tk("vote-state-", state)));
    let supporters = view.line.proposal.supporters;
    let threshold = view.line.proposal.threshold.max(1);
    Ok(render(&DetailPage {
        percent: (supporters * 100 / threshold).min(100),
        description: view.line.proposal.description.clone(),
        reason: view.line.proposal.reason.clone(),
        p,
        comments,
        meetings,
        vote,
        reasons: RemovalReason::ALL.iter().map(|r| r.code()).collect(),
        view,
        ctx,
        f,
        notice,
        problems,
    }))
}

async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    detail(
        &st,
        ctx,
        &me,
        id_of(&raw)?,
        HashMap::new(),
        n,
        Problems::none(),
    )
    .await
}

/// After an action on proposal `id`: back to its page with `done`, or the page again
/// with the objection named on `field`.
async fn after(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    result: Result<(), AppError>,
    (done, field): (&str, &str),
    f: HashMap<String, String>,
) -> PageResult<Response> {
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/participation/proposals/{id}?done={done}")).into_response())
        }
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, field)?;
            let page = detail(st, ctx, me, id, f, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

async fn support(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
) -> PageResult<Response> {
    let id = id_of(&raw)?;
    let r = st.app.support_proposal(&me.actor, id).await.map(|_| ());
    after(
        &st,
        ctx,
        &me,
        id,
        r,
        ("proposal_supported", "support"),
        HashMap::new(),
    )
    .await
}

async fn comment(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let id = id_of(&raw)?;
    let body = f.get("body").map_or("", String::as_str);
    let r = st
        .app
        .comment_on_proposal(&me.actor, id, body)
        .await
        .map(|_| ());
    after(&st, ctx, &me, id, r, ("comment_added", "body"), f).await
}

async fn withdraw(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
) -> PageResult<Response> {
    let id = id_of(&raw)?;
    let r = st.app.withdraw_proposal(&me.actor, id).await;
    after(
        &st,
        ctx,
        &me,
        id,
        r,
        ("proposal_withdrawn", "withdraw"),
        HashMap::new(),
    )
    .await
}

async fn table(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
) -> PageResult<Response> {
    let id = id_of(&raw)?;
    let r = st.app.table_proposal(&me.actor, id).await;
    after(
        &st,
        ctx,
        &me,
        id,
        r,
        ("proposal_tabled", "table"),
        HashMap::new(),
    )
    .await
}

async fn to_vote(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let id = id_of(&raw)?;
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let result = async {
        let electorate = match Electorate::parse(get("electorate")) {
            Ok(e @ (Electorate::Households | Electorate::Residents)) => e,
            _ => return Err(AppError::invalid("electorate", "choose who votes")),
        };
        let closes_at = super::local_time_ms(
            get("closes_at"),
            "closes_at",
            "choose the date and time voting ends",
        )?;
        st.app
            .send_proposal_to_vote(&me.actor, id, electorate, closes_at)
            .await
    }
    .await;
    match result {
        Ok(v) => Ok(
            Redirect::to(&format!("/participation/votes/{}?done=vote_created", v.id))
                .into_response(),
        ),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "closes_at")?;
            let page = detail(&st, ctx, &me, id, f, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

async fn add_photo(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    req: Request,
) -> PageResult<Response> {
    let id = id_of(&raw)?;
    let posted = read_posted(&st, req).await?;
    let bytes = posted.photo.map(|(_, b)| b).unwrap_or_default();
    let r = st
        .app
        .add_proposal_photo(&me.actor, id, &bytes)
        .await
        .map(|_| ());
    after(
        &st,
        ctx,
        &me,
        id,
        r,
        ("photo_added", "photo"),
        HashMap::new(),
    )
    .await
}

/// A proposal photo's bytes, for those who may see the proposal.
async fn photo(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
) -> PageResult<Response> {
    let (meta, data) = st.app.proposal_photo(&me.actor, id_of(&raw)?).await?;
    Ok(crate::page::photo_response(
        &meta.content_type,
        &meta.sha256,
        data,
        false,
    ))
}

async fn remove_comment(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(raw): PagePath<String>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let comment = id_of(&raw)?;
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let Ok(reason) = RemovalReason::parse(get("reason")) else {
        return Err(AppError::invalid("reason", "choose why the comment is removed").into());
    };
    match st
        .app
        .remove_proposal_comment(&me.actor, comment, reason, get("note"))
        .await
    {
        Ok(pid) => Ok(Redirect::to(&format!(
            "/participation/proposals/{pid}?done=comment_removed"
        ))
        .into_response()),
        Err(AppError::Invalid { field, message }) => {
            // Back to the proposal's page with the objection named.
            let pid = st.app.proposal_of_comment(&me.actor, comment).await?;
            let e = AppError::Invalid { field, message };
            let (status, problems) = problems_of(ctx.lang, e, "note")?;
            let page = detail(&st, ctx, &me, pid, f, None, problems).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
