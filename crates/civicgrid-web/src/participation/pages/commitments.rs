//! Commitments (落实事项): the public page of one (`/participation/commitments/{id}`,
//! no sign-in needed) with its milestones, progress, linked requests, spending and whole
//! history; creating one from a passed vote; and the forms staff and the owner use on
//! the page. The forms' handlers are in [`super::commitment_forms`].

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::commitments::{
    Milestone, Spec, State as CState, format_yuan, parse_date,
};
use civicgrid_app::participation::commitments::{CommitmentSummary, CommitmentView, NewCommitment};
use civicgrid_app::platform::auth::SignedIn;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::requests::pages::CategoryNames;
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/participation/commitments/new", new_form)
        .post("/participation/commitments", create)
        .get("/participation/commitments/{id}", page)
        .get("/participation/commitments/photos/{id}", photo)
}

/// A commitment on a list, in words: for the hub, the vote's result and home pages.
pub(crate) struct CommitmentCard {
    pub id: i64,
    pub title: String,
    pub state: &'static str,
    pub state_label: String,
    pub owner: String,
    /// "2 / 3 milestones done".
    pub progress: String,
    pub overdue: usize,
}

pub(crate) fn card(ctx: &PageCtx, s: &CommitmentSummary) -> CommitmentCard {
    CommitmentCard {
        id: s.c.id,
        title: s.c.title.clone(),
        state: s.c.state.code(),
        state_label: ctx.tk("commitment-state-", s.c.state.code()),
        owner: owner_words(ctx, s.owner_name.as_deref()),
        progress: ctx.lang.t_args(
            "commitment-progress",
            &[
                ("done", s.done.to_string()),
                ("total", s.milestones.to_string()),
            ],
        ),
        overdue: s.overdue,
    }
}

fn owner_words(ctx: &PageCtx, name: Option<&str>) -> String {
    match name {
        Some(n) => n.to_owned(),
        None => ctx.t("commitment-owner-staff"),
    }
}

/// The form to create a commitment: a passed vote, title, summary, owner, milestones.
#[derive(Template)]
#[template(path = "participation/commitment_new.html")]
struct NewPage {
    ctx: PageCtx,
    f: HashMap<String, String>,
    votes: Vec<(String, String)>,
    /// The council's adopted decisions: (item id, "meeting · item").
    decisions: Vec<(String, String)>,
    owners: Vec<(String, String)>,
    /// The milestone rows as typed: (number, title, due date).
    rows: Vec<(usize, String, String)>,
    problems: Problems,
}

impl NewPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

/// How many milestone rows the new form offers.
const MILESTONE_ROWS: [usize; 4] = [1, 2, 3, 4];

pub(super) async fn owner_choices(
    st: &AppState,
    me: &SignedIn,
) -> PageResult<Vec<(String, String)>> {
    Ok(st
        .app
        .commitment_owner_choices(&me.actor)
        .await?
        .into_iter()
        .map(|o| (o.id.to_string(), o.name))
        .collect())
}

async fn new_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    f: HashMap<String, String>,
    problems: Problems,
) -> PageResult<Response> {
    let votes = st
        .app
        .commitment_sources(&me.actor)
        .await?
        .into_iter()
        .map(|v| {
            let closed = v.closed_at.map(format_time).unwrap_or_default();
            (v.id.to_string(), format!("{} · {closed}", v.spec.title))
        })
        .collect();
    let decisions = st
        .app
        .commitment_decisions(&me.actor)
        .await?
        .into_iter()
        .map(|(id, meeting, at, item)| {
            (
                id.to_string(),
                format!("{item} · {meeting} {}", format_time(at)),
            )
        })
        .collect();
    let owners = owner_choices(st, me).await?;
    let typed = |k: String| f.get(&k).cloned().unwrap_or_default();
    let rows = MILESTONE_ROWS
        .iter()
        .map(|i| (*i, typed(format!("m{i}_title")), typed(format!("m{i}_due"))))
        .collect();
    Ok(render(&NewPage {
        ctx,
        f,
        votes,
        decisions,
        owners,
        rows,
        problems,
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NewQuery {
    vote: String,
    /// A council decision (adopted agenda item) to deliver.
    item: String,
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<NewQuery>,
) -> PageResult<Response> {
    civicgrid_app::authz::require_somewhere(
        &me.actor,
        civicgrid_app::domain::platform::access::Permission::ManageParticipation,
    )?;
    let mut f = HashMap::new();
    f.insert("vote_id".to_owned(), q.vote);
    f.insert("meeting_item_id".to_owned(), q.item);
    new_page(&st, ctx, &me, f, Problems::none()).await
}

/// The milestones typed on the form: rows with a title or a date; a row with one but
/// not the other names the field at fault.
fn milestones_of(f: &HashMap<String, String>) -> Result<Vec<Milestone>, AppError> {
    let mut out = Vec::new();
    for i in MILESTONE_ROWS {
        let title = f.get(&format!("m{i}_title")).map_or("", |s| s.trim());
        let due = f.get(&format!("m{i}_due")).map_or("", |s| s.trim());
        if title.is_empty() && due.is_empty() {
            continue;
        }
        let due_on =
            parse_date("due_on", due).map_err(|e| AppError::invalid(e.field, e.message))?;
        out.push(Milestone {
            title: title.to_owned(),
            due_on,
        });
    }
    Ok(out)
}

/// An optional id picked from a list: blank is none.
pub(super) fn picked(
    field: &'static str,
    f: &HashMap<String, String>,
) -> Result<Option<i64>, AppError> {
    match f.get(field).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => crate::forms::form_id(field, s).map(Some),
    }
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    crate::extract::PageForm(f): crate::extract::PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let result = async {
        let new = NewCommitment {
            vote_id: picked("vote_id", &f)?,
            meeting_item_id: picked("meeting_item_id", &f)?,
            spec: Spec {
                title: get("title"),
                summary: get("summary"),
            },
            owner_org_id: picked("owner_org_id", &f)?,
            milestones: milestones_of(&f)?,
        };
        st.app.create_commitment(&me.actor, new).await
    }
    .await;
    match result {
        Ok(c) => Ok(Redirect::to(&format!(
            "/participation/commitments/{}?done=commitment_created",
            c.id
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "title")?;
            let page = new_page(&st, ctx, &me, f, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

struct MilestoneLine {
    id: i64,
    title: String,
    due: String,
    done: Option<String>,
    overdue: bool,
}

struct UpdateLine {
    at: String,
    body: String,
    photos: Vec<i64>,
}

struct RequestLine {
    number: String,
    category: String,
    status: String,
    address: String,
}

struct SpendingLine {
    what: String,
    amount: String,
    on: String,
    payer: String,
}

struct HistoryText {
    at: String,
    text: String,
}

#[derive(Template)]
#[template(path = "participation/commitment.html")]
pub(super) struct CommitmentPage {
    ctx: PageCtx,
    v: CommitmentView,
    state_label: String,
    owner: String,
    /// Where the decision it delivers is published, and the decision in words.
    source: Option<(String, String)>,
    milestones: Vec<MilestoneLine>,
    updates: Vec<UpdateLine>,
    requests: Vec<RequestLine>,
    spending: Vec<SpendingLine>,
    spent: String,
    history: Vec<HistoryText>,
    next_states: Vec<(&'static str, String)>,
    owners: Vec<(String, String)>,
    linkable: Vec<(String, String)>,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
}

impl CommitmentPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

fn day(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A history line in words.
fn history_text(ctx: &PageCtx, v: &CommitmentView, kind: &str, d: &serde_json::Value) -> String {
    let s = |k: &str| d.get(k).and_then(|x| x.as_str()).unwrap_or("").to_owned();
    let by = |text: String| match d.get("by").and_then(|x| x.as_str()) {
        Some("owner") => format!("{text}（{}）", owner_words(ctx, v.owner_name.as_deref())),
        _ => text,
    };
    let args = |pairs: &[(&str, String)]| ctx.lang.t_args(&format!("commitment-ev-{kind}"), pairs);
    match kind {
        "create" => args(&[("vote", s("vote_title"))]),
        "state" => {
            let mut t = args(&[
                ("from", ctx.tk("commitment-state-", &s("from_state"))),
                ("to", ctx.tk("commitment-state-", &s("to_state"))),
            ]);
            let reason = s("reason");
            if !reason.is_empty() {
                t = format!("{t}：{reason}");
            }
            t
        }
        "milestone_add" => args(&[("milestone", s("milestone")), ("due", s("due_on"))]),
        "milestone_done" => by(args(&[
            ("milestone", s("milestone")),
            ("done", s("done_on")),
        ])),
        "milestone_undone" => by(args(&[("milestone", s("milestone"))])),
        "update" => by(args(&[])),
        "request_link" => args(&[("number", s("number"))]),
        "spending" => args(&[
            ("what", s("what")),
            (
                "amount",
                format_yuan(d.get("amount_fen").and_then(|x| x.as_i64()).unwrap_or(0)),
            ),
            ("payer", s("payer")),
        ]),
        "edit" => args(&[("title", s("title"))]),
        _ => ctx.t("commitment-ev-other"),
    }
}

/// Builds the page of `v` for `ctx`, with the pickers the reader's forms need.
pub(super) async fn commitment_page(
    st: &AppState,
    ctx: PageCtx,
    v: CommitmentView,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<CommitmentPage> {
    let (owners, linkable) = match (&ctx.user, v.may_manage) {
        (Some(me), true) => {
            let owners = owner_choices(st, me).await?;
            let linkable = st
                .app
                .linkable_requests(&me.actor, v.c.id)
                .await?
                .into_iter()
                .map(|(id, r)| (id.to_string(), format!("{} · {}", r.number, r.address)))
                .collect();
            (owners, linkable)
        }
        _ => (Vec::new(), Vec::new()),
    };
    let names = CategoryNames::new(ctx.lang, &st.app.request_categories().await?);
    let mut linkable = linkable;
    linkable.sort();
    let history = v
        .history
        .iter()
        .map(|h| HistoryText {
            at: format_time(h.at),
            text: history_text(&ctx, &v, &h.kind, &h.details),
        })
        .collect();
    Ok(CommitmentPage {
        state_label: ctx.tk("commitment-state-", v.c.state.code()),
        owner: owner_words(&ctx, v.owner_name.as_deref()),
        source: match (&v.vote, &v.decision) {
            (Some((id, title, _)), _) => Some((
                format!("/participation/votes/{id}/result"),
                ctx.t1("commitment-source-vote", "title", title),
            )),
            (None, Some((meeting, meeting_title, _, item))) => Some((
                format!("/participation/meetings/{meeting}"),
                format!("{meeting_title} · {item}"),
            )),
            (None, None) => None,
        },
        milestones: v
            .milestones
            .iter()
            .map(|m| MilestoneLine {
                id: m.m.id,
                title: m.m.title.clone(),
                due: day(m.m.due_on),
                done: m.m.done_on.map(day),
                overdue: m.overdue,
            })
            .collect(),
        updates: v
            .updates
            .iter()
            .rev()
            .map(|u| UpdateLine {
                at: format_time(u.u.posted_at),
                body: u.u.body.clone(),
                photos: u.photos.clone(),
            })
            .collect(),
        requests: v
            .requests
            .iter()
            .map(|r| RequestLine {
                number: r.number.clone(),
                category: names.name(&r.category),
                status: ctx.tk("request-status-", &r.status.to_string()),
                address: r.address.clone(),
            })
            .collect(),
        spending: v
            .spending
            .iter()
            .map(|s| SpendingLine {
                what: s.line.what.clone(),
                amount: format_yuan(s.line.amount_fen),
                on: day(s.line.spent_on),
                payer: s.line.payer.clone(),
            })
            .collect(),
        spent: format_yuan(v.spent_fen),
        history,
        next_states: v
            .next_states
            .iter()
            .map(|s: &CState| (s.code(), ctx.tk("commitment-state-", s.code())))
            .collect(),
        owners,
        linkable,
        f,
        notice,
        problems,
        ctx,
        v,
    })
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let actor = ctx.user.as_ref().map(|u| u.actor.clone());
    let v = st.app.commitment(actor.as_ref(), id).await?;
    let mut f = HashMap::new();
    f.insert("title".to_owned(), v.c.title.clone());
    f.insert("summary".to_owned(), v.c.summary.clone());
    f.insert(
        "owner_org_id".to_owned(),
        v.c.owner_org_id.map(|o| o.to_string()).unwrap_or_default(),
    );
    let p = commitment_page(&st, ctx, v, f, notice, Problems::none()).await?;
    Ok(render(&p))
}

/// A progress photo's bytes; public, as the page is.
async fn photo(State(st): State<AppState>, PagePath(id): PagePath<String>) -> PageResult<Response> {
    let (meta, data) = st.app.commitment_photo(super::id_of(&id)?).await?;
    Ok(crate::page::photo_response(
        &meta.content_type,
        &meta.sha256,
        data,
        true,
    ))
}
