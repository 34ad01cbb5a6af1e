//! Staff work: the work queues (mine, my organisations, my scope, due soon, overdue, return
//! visits, flagged, everything) with filters and pages, refreshed live by server-sent
//! events; and intake on a resident's behalf (phone, walk-in) or from patrol, with the
//! resident's ledger record found by a search that shows masked names only.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{Request, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use civicgrid_app::AppError;
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::privacy::mask_name;
use civicgrid_app::domain::requests::routing::Party;
use civicgrid_app::domain::requests::{Channel, Status};
use civicgrid_app::ledger::search::SearchRequest;
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::requests::intake::{
    OnBehalf, may_search_residents, require_resident_search, require_staff_intake,
};
use civicgrid_app::requests::reading::{QueueKind, QueueQuery, queue_kinds};
use futures_util::stream::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::resident::{
    ReportFields, active_categories, field_number, grids_of, new_request, read_posted, submitted,
};
use super::{CategoryNames, Line, line, org_names, utc_offset};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageQuery};
use crate::forms::{Problems, optional, problems_of, query_number};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render, url_encode};
use crate::picker::{Pick, PickMatch, is_search};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/requests/queue", queue)
        .get("/requests/queue/events", events)
        .get("/requests/intake", intake_form)
        .get("/requests/intake/residents", intake_residents)
        .post_with_body_limit(
            "/requests/intake",
            intake,
            super::resident::MAX_PHOTO_BYTES + 64 * 1024,
        )
}

const PAGE_SIZE: u32 = 25;

fn kind_code(k: QueueKind) -> &'static str {
    match k {
        QueueKind::Mine => "mine",
        QueueKind::MyOrgs => "my_orgs",
        QueueKind::Scope => "scope",
        QueueKind::DueSoon => "due_soon",
        QueueKind::Overdue => "overdue",
        QueueKind::All => "all",
        QueueKind::ReturnVisits => "return_visits",
        QueueKind::Flagged => "flagged",
        QueueKind::Raised => "raised",
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct QueueParams {
    kind: String,
    status: String,
    category: String,
    party: String,
    page: Option<String>,
}

#[derive(Template)]
#[template(path = "requests/queue.html")]
struct QueuePage {
    ctx: PageCtx,
    kinds: Vec<&'static str>,
    kind: &'static str,
    statuses: Vec<&'static str>,
    categories: Vec<(String, String)>,
    parties: Vec<(String, String)>,
    p: QueueParams,
    lines: Vec<Line>,
    page: u32,
    more: bool,
    /// The query string of this view without the page, for the pager and live refresh.
    base: String,
}

async fn queue(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(p): PageQuery<QueueParams>,
) -> PageResult<Response> {
    let kinds = queue_kinds(&me.actor)?;
    let kind = match p.kind.trim() {
        "" => kinds.first(),
        k => kinds
            .all()
            .find(|q| kind_code(*q) == k)
            .ok_or_else(|| AppError::invalid("kind", "choose one of the listed queues"))?,
    };
    let page = query_number("page", p.page.as_deref())?
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1);
    let status = match optional(&p.status) {
        None => None,
        Some(s) => {
            Some(Status::parse(s).map_err(|_| AppError::invalid("status", "no such status"))?)
        }
    };
    let party = match optional(&p.party) {
        None => None,
        Some(s) => Some(Party::decode(s).map_err(|_| AppError::invalid("party", "no such party"))?),
    };
    let list = st
        .app
        .request_queue(
            &me.actor,
            &QueueQuery {
                kind,
                within_node: None,
                status,
                category: optional(&p.category).map(str::to_owned),
                party,
                page,
                page_size: PAGE_SIZE,
            },
        )
        .await?;
    let cats = st.app.request_categories().await?;
    let names = CategoryNames::new(ctx.lang, &cats);
    let orgs = org_names(&st, &ctx).await;
    let offset = utc_offset(&st).await?;
    let now = civicgrid_app::now_ms();
    let lines = list
        .items
        .iter()
        .map(|v| line(&ctx, v, &names, &orgs, offset, now))
        .collect();
    let mut parties: Vec<(String, String)> =
        civicgrid_app::domain::requests::routing::ROUTABLE_ROLES
            .iter()
            .filter_map(|r| Party::role(*r).ok())
            .map(|x| (x.encode(), super::party_label(&ctx, &x.encode(), &orgs)))
            .collect();
    let mut org_list: Vec<(&i64, &String)> = orgs.iter().collect();
    org_list.sort();
    parties.extend(
        org_list
            .into_iter()
            .map(|(id, n)| (Party::Org(*id).encode(), n.clone())),
    );
    let base = format!(
        "kind={}&status={}&category={}&party={}",
        kind_code(kind),
        url_encode(p.status.trim()),
        url_encode(p.category.trim()),
        url_encode(p.party.trim()),
    );
    let categories = active_categories(&st, &ctx).await?;
    Ok(render(&QueuePage {
        kinds: kinds.all().map(kind_code).collect(),
        kind: kind_code(kind),
        statuses: Status::ALL.iter().map(|s| s.code()).collect(),
        categories,
        parties,
        p,
        lines,
        page,
        more: list.more,
        base,
        ctx,
    }))
}

/// Server-sent events telling an open queue page that requests changed (`changed`),
/// so that it reloads its list. No request data travels here.
async fn events(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
) -> PageResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    queue_kinds(&me.actor)?;
    let rx = st.request_changes.subscribe();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Ok(_) | Err(RecvError::Lagged(_)) => {
                // Several changes at once make one refresh.
                while rx.try_recv().is_ok() {}
                let ev = Event::default().event("changed").data("1");
                Some((Ok(ev), rx))
            }
            Err(RecvError::Closed) => None,
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(20))))
}

#[derive(Template)]
#[template(path = "requests/intake.html")]
struct IntakePage {
    ctx: PageCtx,
    channels: Vec<&'static str>,
    categories: Vec<(String, String)>,
    grids: Vec<(i64, String)>,
    f: ReportFields,
    suggested: Option<String>,
    choices: Vec<String>,
    problems: Problems,
    /// The viewer may search the ledger for the resident's record.
    may_search: bool,
    pick: Pick,
}

/// The picker's part of the form, alone (htmx swaps it in after a search).
#[derive(Template)]
#[template(path = "picker_matches.html")]
struct MatchesFragment {
    ctx: PageCtx,
    pick: Pick,
}

/// The intake form's resident picker, with the ledger records its search text finds:
/// at most one page, names masked, places as people say them. A blank search finds
/// nothing (rather than everyone in the viewer's scope).
async fn resident_pick(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    fields: &HashMap<String, String>,
) -> PageResult<Pick> {
    let pick = Pick::new("resident_id", "resident", "/requests/intake/residents", "")
        .read(fields)
        .with_none(ctx.t("request-resident-no-record"));
    if !may_search_residents(&me.actor) || pick.q.is_empty() {
        return Ok(pick);
    }
    let found = st
        .app
        .search_residents(
            &me.actor,
            &SearchRequest {
                q: pick.q.clone(),
                page: 1,
                ..SearchRequest::default()
            },
        )
        .await?;
    let grids = grids_of(st, ctx, me).await;
    let matches = found
        .hits
        .iter()
        .map(|h| {
            let grid = grids
                .iter()
                .find(|(id, _)| *id == h.grid_id)
                .map_or_else(|| h.grid_name.clone(), |(_, name)| name.clone());
            // 1栋1单元204室 · 湖光社区第1网格, as people say it.
            let home = crate::ledger::pages::address(
                ctx.lang,
                h.building.as_deref().unwrap_or_default(),
                h.unit.as_deref().unwrap_or_default(),
                h.room.as_deref().unwrap_or_default(),
            );
            let place = if home.is_empty() {
                grid
            } else {
                format!("{home} · {grid}")
            };
            PickMatch {
                value: h.id.to_string(),
                label: mask_name(&h.name),
                detail: place,
            }
        })
        .collect();
    Ok(pick.found(matches))
}

async fn intake_residents(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    require_resident_search(&me.actor)?;
    let pick = resident_pick(&st, &ctx, &me, &q).await?;
    Ok(render(&MatchesFragment { ctx, pick }))
}

const STAFF_CHANNELS: [Channel; 3] = [Channel::StaffPhone, Channel::StaffWalkIn, Channel::Patrol];

async fn intake_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    mut f: ReportFields,
    problems: Problems,
    fields: &HashMap<String, String>,
) -> PageResult<Response> {
    require_staff_intake(&me.actor)?;
    let may_search = may_search_residents(&me.actor);
    let pick = resident_pick(st, &ctx, me, fields).await?;
    if f.channel.is_empty() {
        f.channel = Channel::StaffPhone.code().into();
    }
    f.place = "grid".into();
    let categories = active_categories(st, &ctx).await?;
    let grids = grids_of(st, &ctx, me).await;
    Ok(render(&IntakePage {
        ctx,
        channels: STAFF_CHANNELS.iter().map(|c| c.code()).collect(),
        categories,
        grids,
        f,
        suggested: None,
        choices: Vec::new(),
        problems,
        may_search,
        pick,
    }))
}

#[derive(Deserialize)]
struct IntakeQuery {
    channel: Option<String>,
}

async fn intake_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<IntakeQuery>,
) -> PageResult<Response> {
    let f = ReportFields {
        channel: q.channel.unwrap_or_default(),
        ..ReportFields::default()
    };
    intake_page(&st, ctx, &me, f, Problems::none(), &HashMap::new()).await
}

/// A `datetime-local` value (2026-12-07T09:15) in the community's time as an instant;
/// blank is `None` (now).
fn received_at_ms(raw: &str, offset_minutes: i32) -> Result<Option<i64>, AppError> {
    let Some(raw) = optional(raw) else {
        return Ok(None);
    };
    let bad = || AppError::invalid("received_at", "choose a date and time");
    let local = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| bad())?;
    let at = local.and_utc().timestamp_millis() - i64::from(offset_minutes) * 60_000;
    Ok(Some(at))
}

async fn intake(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    req: Request,
) -> PageResult<Response> {
    let posted = read_posted(&st, req).await?;
    let mut f = ReportFields::from_map(&posted.fields);
    f.place = "grid".into();
    let field = |k: &str| posted.fields.get(k).map_or("", String::as_str);
    // "Find" re-renders the form with the records found; nothing is submitted.
    if is_search(&posted.fields, "resident") {
        return intake_page(&st, ctx, &me, f, Problems::none(), &posted.fields).await;
    }
    let resident_id = field_number("resident_id", field("resident_id"));
    let channel = STAFF_CHANNELS
        .iter()
        .copied()
        .find(|c| c.code() == f.channel.trim())
        .ok_or_else(|| AppError::invalid("channel", "phone, walk-in or patrol"));
    let offset = utc_offset(&st).await?;
    let received_at = received_at_ms(&f.received_at, offset);
    let checked = channel.and_then(|c| Ok((c, new_request(&f, c)?, resident_id?, received_at?)));
    let result = match checked {
        Ok((c, mut input, resident_id, received_at)) => {
            input.received_at = received_at;
            if c != Channel::Patrol || optional(&f.contact_phone).is_some() || resident_id.is_some()
            {
                input.on_behalf = Some(OnBehalf {
                    user_id: None,
                    resident_id,
                    contact_name: optional(&f.contact_name).map(str::to_owned),
                    contact_phone: optional(&f.contact_phone).map(str::to_owned),
                });
            }
            st.app.submit_request(&me.actor, input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => Ok(submitted(&st, &me, done.id, posted.photo).await),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "description")?;
            let page = intake_page(&st, ctx, &me, f, problems, &posted.fields).await?;
            Ok((status, page).into_response())
        }
    }
}
