//! The resident's pages, phone-sized first: report a problem (with a suggested
//! category, the place pre-filled from their household, an optional photo), the list
//! of what they raised, and their inbox.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{FromRequest, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::ledger::place;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::domain::requests::Channel;
use civicgrid_app::domain::requests::classifier::Certainty;
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::requests::intake::{NewRequest, require_reporter};
use civicgrid_app::requests::reading::{QueueKind, QueueQuery};
use serde::Deserialize;

use super::{CategoryNames, Line, bad_form, changed, line, local_time, org_names, utc_offset};
use crate::csrf;
use crate::error::{Failure, PageError, PageResult};
use crate::extract::{CurrentUser, PageForm, PageQuery};
use crate::forms::{Problems, node_name, optional, problems_of, query_number};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

/// Largest photo accepted with a report (the domain's rule).
pub(crate) use civicgrid_app::domain::requests::photo::MAX_PHOTO_BYTES;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/requests/new", new_form)
        .post_with_body_limit("/requests", submit, MAX_PHOTO_BYTES + 64 * 1024)
        .get("/requests/suggest", suggest)
        .get("/requests/mine", mine)
        .get("/requests/inbox", inbox)
        .post("/requests/inbox/read", inbox_read)
}

/// The resident's home, for the report form's "at my home" choice.
pub(crate) struct Home {
    pub room_id: i64,
    pub label: String,
}

/// The fields of a report (the same names on the resident's and the staff forms).
#[derive(Debug, Default, Clone)]
pub(crate) struct ReportFields {
    pub category: String,
    pub description: String,
    /// `home` (the resident's room) or `grid` (somewhere in a grid, with `address`).
    pub place: String,
    pub grid_id: String,
    pub room_id: String,
    pub address: String,
    pub public: bool,
    pub channel: String,
    pub contact_name: String,
    pub contact_phone: String,
    /// Staff intake only: when the call or visit was received, as a `datetime-local`
    /// value in the community's time (blank: now).
    pub received_at: String,
}

impl ReportFields {
    pub fn from_map(m: &HashMap<String, String>) -> ReportFields {
        let get = |k: &str| m.get(k).cloned().unwrap_or_default();
        ReportFields {
            category: get("category"),
            description: get("description"),
            place: get("place"),
            grid_id: get("grid_id"),
            room_id: get("room_id"),
            address: get("address"),
            public: m.contains_key("public"),
            channel: get("channel"),
            contact_name: get("contact_name"),
            contact_phone: get("contact_phone"),
            received_at: get("received_at"),
        }
    }
}

/// A form as posted: its fields, an optional photo (part `photo`, or for
/// [`read_posted_file`] the file of the field it names) and any files (parts
/// `attachments`, as their file name and bytes).
pub(crate) struct Posted {
    pub fields: HashMap<String, String>,
    pub photo: Option<(String, Vec<u8>)>,
    pub attachments: Vec<(String, Vec<u8>)>,
}

/// Reads a form posted either URL-encoded or as multipart (with a photo), and checks
/// its CSRF token either way.
pub(crate) async fn read_posted(st: &AppState, req: Request) -> PageResult<Posted> {
    read_posted_file(st, req, "photo").await
}

/// [`read_posted`] for a form whose file field is `file_field`.
pub(crate) async fn read_posted_file(
    st: &AppState,
    req: Request,
    file_field: &str,
) -> PageResult<Posted> {
    let cookie = csrf::cookie_token(req.headers());
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let posted = if multipart {
        let mut mp = crate::forms::open_multipart(req, st).await?;
        let mut fields = HashMap::new();
        let mut photo = None;
        let mut attachments = Vec::new();
        loop {
            let field = match mp.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    return Err(PageError(Failure::new(
                        e.status(),
                        "invalid_form",
                        e.body_text(),
                    )));
                }
            };
            let name = field.name().unwrap_or("").to_owned();
            if name == file_field {
                let ct = field.content_type().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|e| bad_form(e.body_text()))?;
                if !bytes.is_empty() {
                    photo = Some((ct, bytes.to_vec()));
                }
            } else if name == "attachments" {
                let file_name = field.file_name().unwrap_or("").to_owned();
                let bytes = field.bytes().await.map_err(|e| bad_form(e.body_text()))?;
                if !bytes.is_empty() {
                    attachments.push((file_name, bytes.to_vec()));
                }
            } else if !name.is_empty() {
                let text = field.text().await.map_err(|e| bad_form(e.body_text()))?;
                fields.insert(name, text);
            }
        }
        Posted {
            fields,
            photo,
            attachments,
        }
    } else {
        let axum::Form(fields) = axum::Form::<HashMap<String, String>>::from_request(req, st)
            .await
            .map_err(|r| bad_form(r.body_text()))?;
        Posted {
            fields,
            photo: None,
            attachments: Vec::new(),
        }
    };
    csrf::check(
        cookie.as_deref(),
        posted.fields.get("_csrf").map(String::as_str),
    )
    .map_err(PageError)?;
    Ok(posted)
}

/// Where the actor's roles to report are: grids in their scopes, as (id, name).
pub(crate) async fn grids_of(st: &AppState, ctx: &PageCtx, me: &SignedIn) -> Vec<(i64, String)> {
    match st.app.visible_nodes(&me.actor).await {
        Ok(nodes) => nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Grid)
            .map(|n| (n.id, node_name(ctx.lang, n).to_owned()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

async fn home_of(st: &AppState, lang: Lang, me: &SignedIn) -> Option<Home> {
    let mine = st.app.my_household(me).await.ok()?;
    let card = mine.household?;
    let p = &card.place;
    Some(Home {
        room_id: p.room_id,
        label: place::address(
            &p.building,
            &p.unit,
            &p.room,
            crate::ledger::pages::speech(lang),
        ),
    })
}

#[derive(Template)]
#[template(path = "requests/new.html")]
struct NewPage {
    ctx: PageCtx,
    categories: Vec<(String, String)>,
    grids: Vec<(i64, String)>,
    home: Option<Home>,
    f: ReportFields,
    suggested: Option<String>,
    choices: Vec<String>,
    problems: Problems,
}

#[derive(Template)]
#[template(path = "requests/category_field.html")]
struct CategoryField {
    ctx: PageCtx,
    categories: Vec<(String, String)>,
    f: ReportFields,
    suggested: Option<String>,
    /// Two or three likely categories when the text is not clear enough for one.
    choices: Vec<String>,
    problems: Problems,
}

pub(crate) async fn active_categories(
    st: &AppState,
    ctx: &PageCtx,
) -> PageResult<Vec<(String, String)>> {
    let all = st.app.request_categories().await?;
    let lang = super::language(ctx.lang);
    Ok(all
        .iter()
        .filter(|c| c.active)
        .map(|c| (c.code.clone(), c.name(lang).to_owned()))
        .collect())
}

async fn new_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    mut f: ReportFields,
    problems: Problems,
) -> PageResult<Response> {
    require_reporter(&me.actor)?;
    let categories = active_categories(st, &ctx).await?;
    let grids = grids_of(st, &ctx, me).await;
    let home = home_of(st, ctx.lang, me).await;
    if f.place.is_empty() {
        f.place = if home.is_some() { "home" } else { "grid" }.into();
    }
    Ok(render(&NewPage {
        ctx,
        categories,
        grids,
        home,
        f,
        suggested: None,
        choices: Vec::new(),
        problems,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    /// A grid chosen beforehand (the public board's 在这里反映).
    grid_id: Option<String>,
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<NewQuery>,
) -> PageResult<Response> {
    let mut f = ReportFields::default();
    if let Some(grid) = query_number("grid_id", q.grid_id.as_deref())? {
        f.place = "grid".into();
        f.grid_id = grid.to_string();
    }
    new_page(&st, ctx, &me, f, Problems::none()).await
}

#[derive(Deserialize)]
struct SuggestQuery {
    #[serde(default)]
    description: String,
    #[serde(default)]
    grid_id: Option<String>,
    #[serde(default)]
    category: String,
}

/// The category field again, with the category suggested for the description chosen
/// when none was (htmx swaps it in while the resident types).
async fn suggest(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<SuggestQuery>,
) -> PageResult<Response> {
    let categories = active_categories(&st, &ctx).await?;
    let grid = match query_number("grid_id", q.grid_id.as_deref())? {
        Some(g) => Some(g),
        None => grids_of(&st, &ctx, &me).await.first().map(|g| g.0),
    };
    let mut suggested = None;
    let mut choices = Vec::new();
    if let Some(g) = grid
        && q.description.trim().chars().count() >= 4
    {
        let found = st
            .app
            .suggest_request_category(&me.actor, g, &q.description)
            .await?;
        let known = |code: &str| categories.iter().any(|(c, _)| c == code);
        match found.certainty {
            Certainty::Sure => {
                suggested = found
                    .choices
                    .first()
                    .filter(|p| known(&p.category))
                    .map(|p| p.category.clone());
            }
            Certainty::Unsure => {
                choices = found
                    .choices
                    .iter()
                    .filter(|p| known(&p.category))
                    .map(|p| p.category.clone())
                    .collect();
            }
            Certainty::NoIdea => {}
        }
    }
    let mut f = ReportFields {
        category: q.category,
        ..ReportFields::default()
    };
    if f.category.is_empty()
        && let Some(s) = &suggested
    {
        f.category = s.clone();
    }
    Ok(render(&CategoryField {
        ctx,
        categories,
        f,
        suggested,
        choices,
        problems: Problems::none(),
    }))
}

/// A number typed into a form field, or `None` when blank.
pub(crate) fn field_number(field: &'static str, raw: &str) -> Result<Option<i64>, AppError> {
    match optional(raw) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "choose one of the listed options")),
    }
}

/// The request a report form describes (without the channel's own fields).
pub(crate) fn new_request(f: &ReportFields, channel: Channel) -> Result<NewRequest, AppError> {
    let (grid_id, room_id) = if f.place == "home" {
        (None, field_number("room_id", &f.room_id)?)
    } else {
        (field_number("grid_id", &f.grid_id)?, None)
    };
    Ok(NewRequest {
        channel,
        category: optional(&f.category).map(str::to_owned),
        description: f.description.clone(),
        grid_id,
        building_id: None,
        room_id,
        point: None,
        address: f.address.clone(),
        on_behalf: None,
        public: f.public,
        received_at: None,
    })
}

/// Where a report just taken leads: whoever watches the request is told, its photo is
/// stored (a refused photo does not undo the report, the notice says so) and the
/// request's page is shown.
pub(crate) async fn submitted(
    st: &AppState,
    me: &SignedIn,
    id: civicgrid_app::domain::requests::RequestId,
    photo: Option<(String, Vec<u8>)>,
) -> Response {
    if let Ok(v) = st.app.request(&me.actor, id).await {
        changed(st, &v);
    }
    let notice = attach_photo(st, me, id, photo)
        .await
        .unwrap_or("request_submitted");
    Redirect::to(&format!("/requests/{}?done={notice}", id.0)).into_response()
}

/// Stores the photo of a report; a refused photo does not undo the report.
async fn attach_photo(
    st: &AppState,
    me: &SignedIn,
    id: civicgrid_app::domain::requests::RequestId,
    photo: Option<(String, Vec<u8>)>,
) -> Option<&'static str> {
    let (_, bytes) = photo?;
    match st
        .app
        .add_request_photo(&me.actor, id, Some("intake"), &bytes)
        .await
    {
        Ok(_) => None,
        Err(e) => {
            tracing::info!(request = id.0, code = e.code(), "photo refused");
            Some("request_photo_refused")
        }
    }
}

async fn submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    req: Request,
) -> PageResult<Response> {
    let posted = read_posted(&st, req).await?;
    let f = ReportFields::from_map(&posted.fields);
    let result = match new_request(&f, Channel::ResidentWeb) {
        Ok(input) => st.app.submit_request(&me.actor, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => Ok(submitted(&st, &me, done.id, posted.photo).await),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "description")?;
            let page = new_page(&st, ctx, &me, f, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "requests/mine.html")]
struct MinePage {
    ctx: PageCtx,
    lines: Vec<Line>,
    page: u32,
    more: bool,
}

#[derive(Deserialize)]
struct PageNo {
    page: Option<String>,
}

fn page_no(raw: Option<&str>) -> Result<u32, PageError> {
    Ok(query_number("page", raw)?
        .and_then(|p| u32::try_from(p).ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1))
}

async fn mine(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<PageNo>,
) -> PageResult<Response> {
    let page = page_no(q.page.as_deref())?;
    let list = st
        .app
        .request_queue(
            &me.actor,
            &QueueQuery {
                kind: QueueKind::Raised,
                page,
                page_size: 20,
                ..QueueQuery::default()
            },
        )
        .await?;
    let names = CategoryNames::new(ctx.lang, &st.app.request_categories().await?);
    let orgs = org_names(&st, &ctx).await;
    let offset = utc_offset(&st).await?;
    let now = civicgrid_app::now_ms();
    let lines = list
        .items
        .iter()
        .map(|v| line(&ctx, v, &names, &orgs, offset, now))
        .collect();
    Ok(render(&MinePage {
        ctx,
        lines,
        page,
        more: list.more,
    }))
}

struct InboxLine {
    request_id: i64,
    /// Which request: its number, category and a short place.
    number: String,
    category: String,
    place: String,
    at: String,
    /// How long ago ("45 分钟").
    ago: String,
    kind: String,
    status: &'static str,
    unread: bool,
}

#[derive(Template)]
#[template(path = "requests/inbox.html")]
struct InboxPage {
    ctx: PageCtx,
    lines: Vec<InboxLine>,
    unread: i64,
    newest: i64,
    next_before: Option<i64>,
    notice: Option<String>,
}

#[derive(Deserialize)]
struct InboxQuery {
    before: Option<String>,
    done: Option<String>,
}

const INBOX_PAGE: u32 = 30;

async fn inbox(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<InboxQuery>,
) -> PageResult<Response> {
    let before = query_number("before", q.before.as_deref())?;
    let (items, unread) = st.app.request_inbox(&me.actor, before, INBOX_PAGE).await?;
    let offset = utc_offset(&st).await?;
    let newest = items.iter().map(|i| i.id).max().unwrap_or(0);
    let next_before = (items.len() == INBOX_PAGE as usize)
        .then(|| items.iter().map(|i| i.id).min())
        .flatten();
    let names = CategoryNames::new(ctx.lang, &st.app.request_categories().await?);
    let now = civicgrid_app::now_ms();
    // Each request once, as the reader may see it now (one that is no longer theirs
    // to see keeps the line without its details).
    let mut about: HashMap<i64, (String, String, String)> = HashMap::new();
    for i in &items {
        if about.contains_key(&i.request_id.0) {
            continue;
        }
        let facts = match st.app.request(&me.actor, i.request_id).await {
            Ok(v) => (
                v.number.clone(),
                names.name(&v.category),
                super::short(&v.address, 16),
            ),
            Err(_) => Default::default(),
        };
        about.insert(i.request_id.0, facts);
    }
    let lines = items
        .iter()
        .map(|i| {
            let (number, category, place) = about.get(&i.request_id.0).cloned().unwrap_or_default();
            InboxLine {
                request_id: i.request_id.0,
                number,
                category,
                place,
                ago: super::age(&ctx, i.at_ms, now),
                at: local_time(i.at_ms, offset),
                kind: ctx.tk("request-event-", &i.kind),
                status: i.status.code(),
                unread: i.read_at.is_none(),
            }
        })
        .collect();
    let notice = crate::forms::notice(ctx.lang, q.done.as_deref());
    Ok(render(&InboxPage {
        ctx,
        lines,
        unread,
        newest,
        next_before,
        notice,
    }))
}

#[derive(Deserialize)]
struct ReadFields {
    #[serde(default)]
    up_to_id: String,
}

async fn inbox_read(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<ReadFields>,
) -> PageResult<Response> {
    let up_to = f
        .up_to_id
        .trim()
        .parse::<i64>()
        .map_err(|_| bad_form("up_to_id must be a whole number"))?;
    st.app.mark_request_inbox_read(&me.actor, up_to).await?;
    Ok(Redirect::to("/requests/inbox?done=request_inbox_read").into_response())
}
