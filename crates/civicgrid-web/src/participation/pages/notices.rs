//! Notice pages: the inbox and the staff list (`/notices`), writing one, one notice
//! (opening it records the reader's receipt), its coverage with a bar per building,
//! the grid worker's follow-up list, the stairwell poster, the code a poster carries
//! and each community's public board.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::ledger::place;
use civicgrid_app::domain::participation::notices::{Reading, Target};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::participation::notices::{
    BuildingCoverage, DueFollowUp, NoticeChoices, NoticeInput, NoticeLine, NoticeView, RecipientRow,
};
use serde::Deserialize;

use crate::error::{PageError, PageResult};
use crate::extract::{CurrentUser, MaybeUser, PagePath, PageQuery};
use crate::forms::{DoneNotice, NodeChoice, Problems, node_choices, optional, problems_of};
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::requests::pages::{local_time, utc_offset};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/notices", index)
        .get("/notices/new", new_form)
        .post("/notices", create)
        .get("/notices/code", by_code)
        .get("/notices/board/{id}", board)
        .get("/notices/{id}", show)
        .post("/notices/{id}/publish", publish)
        .post("/notices/{id}/withdraw", withdraw)
        .get("/notices/{id}/coverage", coverage)
        .get("/notices/{id}/follow-up", follow_up)
        .post("/notices/receipts/{id}/follow-up", record_follow_up)
        .get("/notices/{id}/poster", poster)
}

fn english(lang: Lang) -> bool {
    lang == Lang::En
}

/// A notice on a list, in the reader's words.
struct Line {
    id: i64,
    title: String,
    state: &'static str,
    pinned: bool,
    important: bool,
    when: String,
    deadline: Option<String>,
    reach: String,
    unread: bool,
}

fn line(ctx: &PageCtx, l: &NoticeLine, offset: i32, inbox: bool) -> Line {
    let title = l.title(english(ctx.lang)).to_owned();
    Line {
        id: l.id,
        title,
        state: l.state.as_str(),
        pinned: l.pinned,
        important: l.important,
        when: local_time(l.published_at.unwrap_or(l.created_at), offset),
        deadline: l.read_by.map(|d| local_time(d, offset)),
        reach: if inbox {
            String::new()
        } else {
            ctx.lang.t_args(
                "notice-reach",
                &[
                    ("read", l.read.to_string()),
                    ("total", l.recipients.to_string()),
                ],
            )
        },
        unread: inbox && l.read_at.is_none(),
    }
}

/// A room as people say it (1栋1单元204室), or the account's name for role holders.
fn address(lang: Lang, r: &RecipientRow) -> String {
    if r.household_id.is_some() {
        place::address(
            &r.building,
            &r.unit,
            &r.room,
            crate::ledger::pages::speech(lang),
        )
    } else {
        lang.t("notice-account")
    }
}

/// How a receipt stands, as a message key's suffix: one of the readings, or unread.
fn reading_key(r: &RecipientRow) -> &'static str {
    match r.reading.as_deref().and_then(Reading::parse) {
        Some(x) if r.read_at.is_some() || x == Reading::NotReached => x.as_str(),
        _ => "unread",
    }
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

/// The notice form's fields as typed.
#[derive(Debug, Default, Clone)]
struct Fields {
    scope_id: String,
    title_zh: String,
    body_zh: String,
    title_en: String,
    body_en: String,
    target: String,
    tags: Vec<String>,
    roles: Vec<String>,
    estate_id: String,
    pinned: bool,
    important: bool,
    read_by: String,
    expires_at: String,
}

impl Fields {
    /// The fields of a posted form: tags and roles are checkboxes named `tag_<code>`
    /// and `role_<code>`.
    fn from_map(m: &HashMap<String, String>) -> Fields {
        let get = |k: &str| m.get(k).cloned().unwrap_or_default();
        let checked = |prefix: &str| {
            let mut v: Vec<String> = m
                .keys()
                .filter_map(|k| k.strip_prefix(prefix))
                .map(str::to_owned)
                .collect();
            v.sort();
            v
        };
        let tags = checked("tag_");
        let roles = checked("role_");
        let target = get("target");
        Fields {
            scope_id: get("scope_id"),
            title_zh: get("title_zh"),
            body_zh: get("body_zh"),
            title_en: get("title_en"),
            body_en: get("body_en"),
            target: if target.is_empty() {
                "everyone".into()
            } else {
                target
            },
            tags,
            roles,
            estate_id: get("estate_id"),
            pinned: m.contains_key("pinned"),
            important: m.contains_key("important"),
            read_by: get("read_by"),
            expires_at: get("expires_at"),
        }
    }

    fn has_tag(&self, t: &str) -> bool {
        self.tags.iter().any(|x| x == t)
    }

    fn has_role(&self, r: &&str) -> bool {
        self.roles.iter().any(|x| x == r)
    }
}

/// A number chosen in a form: blank is `None`, anything else not a number is an error
/// on `field`.
fn chosen(field: &'static str, raw: &str) -> Result<Option<i64>, AppError> {
    match optional(raw) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "choose one of the listed options")),
    }
}

/// A `datetime-local` value (2026-12-07T18:00) in the community's time as an
/// instant; blank is `None`.
fn local_instant(
    field: &'static str,
    raw: &str,
    offset_minutes: i32,
) -> Result<Option<i64>, AppError> {
    let Some(raw) = optional(raw) else {
        return Ok(None);
    };
    let local = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| AppError::invalid(field, "choose a date and time"))?;
    Ok(Some(
        local.and_utc().timestamp_millis() - i64::from(offset_minutes) * 60_000,
    ))
}

fn input_of(f: &Fields, publish: bool, offset: i32) -> Result<NoticeInput, AppError> {
    Ok(NoticeInput {
        scope_id: chosen("scope_id", &f.scope_id)?,
        title_zh: f.title_zh.clone(),
        body_zh: f.body_zh.clone(),
        title_en: f.title_en.clone(),
        body_en: f.body_en.clone(),
        target: f.target.clone(),
        tags: f.tags.clone(),
        roles: f.roles.clone(),
        estate_id: chosen("estate_id", &f.estate_id)?,
        pinned: f.pinned,
        important: f.important,
        read_by: local_instant("read_by", &f.read_by, offset)?,
        expires_at: local_instant("expires_at", &f.expires_at, offset)?,
        publish,
    })
}

#[derive(Template)]
#[template(path = "participation/notice_form.html")]
struct FormPage {
    ctx: PageCtx,
    nodes: Vec<NodeChoice>,
    tags: Vec<(String, String)>,
    roles: Vec<&'static str>,
    estates: Vec<(i64, String)>,
    f: Fields,
    problems: Problems,
}

async fn form_page(
    st: &AppState,
    ctx: PageCtx,
    me: &civicgrid_app::platform::auth::SignedIn,
    f: Fields,
    problems: Problems,
) -> PageResult<Response> {
    let NoticeChoices {
        nodes,
        tags,
        roles,
        estates,
    } = st.app.notice_choices(&me.actor).await?;
    let tags = tags
        .into_iter()
        .map(|(code, zh, en)| (code, if english(ctx.lang) { en } else { zh }))
        .collect();
    let estates = estates
        .into_iter()
        .map(|(id, community, name)| (id, format!("{community} · {name}")))
        .collect();
    Ok(render(&FormPage {
        nodes: node_choices(ctx.lang, &nodes),
        ctx,
        tags,
        roles,
        estates,
        f,
        problems,
    }))
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let f = Fields {
        target: "everyone".into(),
        ..Fields::default()
    };
    form_page(&st, ctx, &me, f, Problems::none()).await
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    crate::extract::PageForm(m): crate::extract::PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let f = Fields::from_map(&m);
    let publish = m.get("action").is_some_and(|a| a == "publish");
    let offset = utc_offset(&st).await?;
    let result = match input_of(&f, publish, offset) {
        Ok(input) => st.app.create_notice(&me.actor, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => {
            let done = if publish {
                "notice_published"
            } else {
                "notice_saved"
            };
            Ok(Redirect::to(&format!("/notices/{}?done={done}", v.id)).into_response())
        }
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "title_zh")?;
            let page = form_page(&st, ctx, &me, f, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

/// A notice in the reader's words.
struct Shown {
    id: i64,
    code: String,
    title: String,
    body: Vec<String>,
    state: &'static str,
    place: String,
    audience: String,
    pinned: bool,
    important: bool,
    published: Option<String>,
    deadline: Option<String>,
    expires: Option<String>,
    reach: String,
    read_by_me: Option<String>,
    addressed_to_me: bool,
}

async fn shown(st: &AppState, ctx: &PageCtx, v: &NoticeView) -> PageResult<Shown> {
    let offset = utc_offset(st).await?;
    let en = english(ctx.lang);
    let audience = match &v.target {
        Target::Everyone => ctx.t("notice-target-everyone"),
        Target::Tags(tags) => {
            let names = tag_names(st, ctx).await;
            let list: Vec<String> = tags
                .iter()
                .map(|t| names.get(t).cloned().unwrap_or_else(|| ctx.t("notice-tag")))
                .collect();
            ctx.t1("notice-target-tags-of", "tags", &list.join("、"))
        }
        Target::Roles(roles) => {
            let list: Vec<String> = roles.iter().map(|r| ctx.tk("role-", r)).collect();
            ctx.t1("notice-target-roles-of", "roles", &list.join("、"))
        }
        Target::EstateOwners(_) => ctx.t1(
            "notice-target-estate-of",
            "estate",
            v.estate_name.as_deref().unwrap_or(""),
        ),
    };
    Ok(Shown {
        id: v.id,
        code: v.code.clone(),
        title: v.title(en).to_owned(),
        body: v.body(en).lines().map(str::to_owned).collect(),
        state: v.state.as_str(),
        place: if en {
            v.scope_name_en.clone()
        } else {
            v.scope_name_zh.clone()
        },
        audience,
        pinned: v.pinned,
        important: v.important,
        published: v.published_at.map(|t| local_time(t, offset)),
        deadline: v.read_by.map(|t| local_time(t, offset)),
        expires: v.expires_at.map(|t| local_time(t, offset)),
        reach: ctx.lang.t_args(
            "notice-reach",
            &[
                ("read", v.read.to_string()),
                ("total", v.recipients.to_string()),
            ],
        ),
        read_by_me: v.my_receipt.flatten().map(|t| local_time(t, offset)),
        addressed_to_me: v.my_receipt.is_some(),
    })
}

/// Tag code → name in the reader's language (empty for readers who may not see the
/// catalogue: they are shown a generic word).
async fn tag_names(st: &AppState, ctx: &PageCtx) -> HashMap<String, String> {
    let Some(u) = &ctx.user else {
        return HashMap::new();
    };
    match st.app.tag_catalogue(&u.actor).await {
        Ok(all) => all
            .into_iter()
            .map(|t| {
                let name = if english(ctx.lang) {
                    t.def.name_en
                } else {
                    t.def.name_zh
                };
                (t.def.code, name)
            })
            .collect(),
        Err(_) => HashMap::new(),
    }
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
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "reason")?;
            let v = st.app.notice(&me.actor, id).await?;
            let n = shown(&st, &ctx, &v).await?;
            let page = render(&DetailPage {
                ctx,
                notice: None,
                n,
                v,
                problems,
            });
            Ok((status, page).into_response())
        }
    }
}

/// A building's bar on the coverage chart.
struct Bar {
    label: String,
    read: i64,
    total: i64,
}

/// One bar per building: read (filled) of all households, drawn on the server.
fn bars_svg(bars: &[Bar], title: &str) -> String {
    const ROW: i64 = 28;
    const LABEL: i64 = 120;
    const WIDTH: i64 = 360;
    let height = (bars.len() as i64).max(1) * ROW + 8;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {height}\" role=\"img\" \
         class=\"notice-bars\"><title>{}</title>",
        LABEL + WIDTH + 60,
        askama_escape(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = i as i64 * ROW + 4;
        let filled = if b.total > 0 {
            b.read * WIDTH / b.total
        } else {
            0
        };
        let pct = if b.total > 0 {
            b.read * 100 / b.total
        } else {
            0
        };
        s.push_str(&format!(
            "<text x=\"0\" y=\"{ty}\" class=\"bar-label\">{label}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{WIDTH}\" height=\"20\" class=\"bar-all\"/>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{filled}\" height=\"20\" class=\"bar-read\"/>\
             <text x=\"{tx}\" y=\"{ty}\" class=\"bar-value\">{pct}%</text>",
            ty = y + 15,
            label = askama_escape(&b.label),
            tx = LABEL + WIDTH + 6,
        ));
    }
    s.push_str("</svg>");
    s
}

/// Escapes text for the SVG drawn by hand.
fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A recipient row in the reader's words.
struct Row {
    grid: String,
    address: String,
    name: String,
    reading: &'static str,
    at: String,
}

fn row(lang: Lang, r: &RecipientRow, offset: i32) -> Row {
    Row {
        grid: r.grid_name.clone(),
        address: address(lang, r),
        name: r.name.clone(),
        reading: reading_key(r),
        at: r
            .read_at
            .or(r.followed_at)
            .map(|t| local_time(t, offset))
            .unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "participation/notice_coverage.html")]
struct CoveragePage {
    ctx: PageCtx,
    n: Shown,
    households_line: String,
    accounts_line: Option<String>,
    svg: String,
    buildings: Vec<(String, i64, i64)>,
    rows: Vec<Row>,
    may_follow_up: bool,
}

async fn coverage(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let c = st.app.notice_coverage(&me.actor, id).await?;
    let offset = utc_offset(&st).await?;
    let n = shown(&st, &ctx, &c.notice).await?;
    let speech = crate::ledger::pages::speech(ctx.lang);
    let label =
        |b: &BuildingCoverage| format!("{} {}", b.grid_name, place::building(&b.building, speech));
    let bars: Vec<Bar> = c
        .buildings
        .iter()
        .map(|b| Bar {
            label: label(b),
            read: b.read,
            total: b.households,
        })
        .collect();
    let svg = if bars.is_empty() {
        String::new()
    } else {
        bars_svg(&bars, &ctx.t("notice-coverage-chart"))
    };
    let buildings = c
        .buildings
        .iter()
        .map(|b| (label(b), b.read, b.households))
        .collect();
    let rows = c.rows.iter().map(|r| row(ctx.lang, r, offset)).collect();
    let households_line = ctx.lang.t_args(
        "notice-coverage-households",
        &[
            ("read", c.households_read.to_string()),
            ("total", c.households.to_string()),
        ],
    );
    let accounts_line = (c.accounts > 0).then(|| {
        ctx.lang.t_args(
            "notice-coverage-accounts",
            &[
                ("read", c.accounts_read.to_string()),
                ("total", c.accounts.to_string()),
            ],
        )
    });
    Ok(render(&CoveragePage {
        ctx,
        n,
        households_line,
        accounts_line,
        svg,
        buildings,
        rows,
        may_follow_up: c.notice.may_follow_up,
    }))
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "participation/notice_code.html")]
struct CodePage {
    ctx: PageCtx,
    code: String,
    problems: Problems,
}

/// The form for a poster's code; with a code, the notice it names.
async fn by_code(
    State(st): State<AppState>,
    ctx: PageCtx,
    PageQuery(q): PageQuery<CodeQuery>,
) -> PageResult<Response> {
    let Some(code) = q.code.filter(|c| !c.trim().is_empty()) else {
        return Ok(render(&CodePage {
            ctx,
            code: String::new(),
            problems: Problems::none(),
        }));
    };
    match st.app.notice_by_code(&code).await {
        Ok(id) => Ok(Redirect::to(&format!("/notices/{id}")).into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "code")?;
            let page = render(&CodePage {
                ctx,
                code,
                problems,
            });
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "participation/notice_board.html")]
struct BoardPage {
    ctx: PageCtx,
    community: String,
    lines: Vec<Line>,
}

async fn board(
    State(st): State<AppState>,
    ctx: PageCtx,
    PagePath(community_id): PagePath<i64>,
) -> PageResult<Response> {
    let b = st.app.notice_board(community_id).await?;
    let offset = utc_offset(&st).await?;
    let lines = b
        .notices
        .iter()
        .map(|l| line(&ctx, l, offset, false))
        .collect();
    let community = if english(ctx.lang) {
        b.community_name_en
    } else {
        b.community_name_zh
    };
    Ok(render(&BoardPage {
        ctx,
        community,
        lines,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_labels_and_scale_to_the_read_share() {
        let svg = bars_svg(
            &[Bar {
                label: "1栋 <b>".into(),
                read: 1,
                total: 4,
            }],
            "chart",
        );
        assert!(svg.contains("1栋 &lt;b&gt;"));
        assert!(svg.contains("width=\"90\""));
        assert!(svg.contains("25%"));
    }

    #[test]
    fn local_instants_are_in_the_community_time() {
        assert_eq!(
            local_instant("read_by", "1970-01-01T08:00", 480).ok(),
            Some(Some(0))
        );
        assert!(local_instant("read_by", "tomorrow", 480).is_err());
        assert_eq!(local_instant("read_by", " ", 480).ok(), Some(None));
    }
}
