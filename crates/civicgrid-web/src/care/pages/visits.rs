//! The carer's phone page (`/care/visits`): visits due (overdue, today, this week)
//! with the alerts for them, and one form per visit that logs it in one tap (how, what
//! was found, notes, an optional photo; "needs help" also raises a request). A visit's
//! notes open on a page of their own (`/care/visits/{id}/notes`), each look traced.

use askama::Template;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::care::alerts::AlertItem;
use civicgrid_app::care::visits::{DueItem, DueList, NewVisit};
use civicgrid_app::domain::care::visits::{Due, Mode, Outcome};
use civicgrid_app::platform::auth::SignedIn;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PagePath};
use crate::forms::{DoneNotice, Problems, form_id, problems_of};
use crate::i18n::Lang;
use crate::page::{PageCtx, photo_response, render};
use crate::requests::pages::{MAX_PHOTO_BYTES, read_posted};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/care/visits", my_visits)
        .post_with_body_limit(
            "/care/pairings/{id}/visits",
            log_visit,
            MAX_PHOTO_BYTES + 64 * 1024,
        )
        .get("/care/visits/{id}/notes", notes_page)
        .get("/care/photos/{id}", photo)
}

/// One visit due, as a card shows it.
#[derive(Clone)]
pub(crate) struct DueCard {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub due: &'static str,
    pub due_label: String,
    pub when: String,
    pub mode: &'static str,
    pub mode_label: String,
    pub alert_label: Option<String>,
    pub red: bool,
    pub retry: Option<String>,
    pub last_visit: Option<String>,
    pub may_log: bool,
}

/// The cards of a due list, overdue first.
pub(crate) fn cards(ctx: &PageCtx, list: &DueList) -> Vec<DueCard> {
    list.items.iter().map(|i| card(ctx, i)).collect()
}

pub(crate) fn card(ctx: &PageCtx, i: &DueItem) -> DueCard {
    let l = &i.line;
    DueCard {
        id: l.id,
        name: l.resident_name.clone(),
        address: address(
            ctx.lang,
            l.building_name.as_deref(),
            l.unit_name.as_deref(),
            l.room_name.as_deref(),
        ),
        due: i.due.code(),
        due_label: ctx.tk("care-due-", i.due.code()),
        when: l.next_due_at.map(|d| ctx.time(&d)).unwrap_or_default(),
        mode: i.mode.code(),
        mode_label: ctx.tk("care-mode-", i.mode.code()),
        alert_label: i.alert.map(|a| ctx.tk("care-alert-", a.code())),
        red: l.red != 0,
        retry: l.retry_at.map(|r| ctx.time(&r)),
        last_visit: l.last_visit_at.map(|v| ctx.time(&v)),
        may_log: i.may_log,
    }
}

/// A place as people say it, or "no address in the ledger".
pub(crate) fn address(lang: Lang, b: Option<&str>, u: Option<&str>, r: Option<&str>) -> String {
    match (b, u, r) {
        (Some(b), Some(u), Some(r)) => crate::ledger::pages::address(lang, b, u, r),
        _ => lang.t("care-no-address"),
    }
}

/// The ways and outcomes a visit form offers: (code, label).
pub(crate) fn modes(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    Mode::ALL
        .iter()
        .map(|m| (m.code(), ctx.tk("care-mode-", m.code())))
        .collect()
}

pub(crate) fn outcomes(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    Outcome::ALL
        .iter()
        .map(|o| (o.code(), ctx.tk("care-outcome-", o.code())))
        .collect()
}

pub(crate) struct AlertCard {
    pub pairing_id: i64,
    pub name: String,
    pub level: &'static str,
    pub label: String,
    pub due: String,
}

pub(crate) fn alert_cards(ctx: &PageCtx, alerts: &[AlertItem]) -> Vec<AlertCard> {
    alerts
        .iter()
        .map(|a| AlertCard {
            pairing_id: a.alert.pairing_id,
            name: a.alert.resident_name.clone(),
            level: a.level.code(),
            label: ctx.tk("care-alert-", a.level.code()),
            due: ctx.time(&a.alert.due_at),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "care/visits.html")]
struct VisitsPage {
    ctx: PageCtx,
    notice: Option<String>,
    problems: Problems,
    /// The card whose form the objection is about.
    failed: i64,
    overdue: Vec<DueCard>,
    today: Vec<DueCard>,
    week: Vec<DueCard>,
    alerts: Vec<AlertCard>,
    modes: Vec<(&'static str, String)>,
    outcomes: Vec<(&'static str, String)>,
    may_follow: bool,
}

async fn visits_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    notice: Option<String>,
    problems: Problems,
    failed: i64,
) -> PageResult<VisitsPage> {
    let list = st.app.my_care_visits(&me.actor).await?;
    let alerts = st.app.my_care_alerts(&me.actor).await?;
    let all = cards(&ctx, &list);
    let pick = |d: Due| {
        all.iter()
            .filter(|c| c.due == d.code())
            .cloned()
            .collect::<Vec<_>>()
    };
    let overdue = pick(Due::Overdue);
    let today = pick(Due::Today);
    let week = pick(Due::ThisWeek);
    use civicgrid_app::domain::platform::access::Permission;
    Ok(VisitsPage {
        alerts: alert_cards(&ctx, &alerts),
        modes: modes(&ctx),
        outcomes: outcomes(&ctx),
        may_follow: ctx.can(Permission::ViewCare) || ctx.can(Permission::ManageCare),
        ctx,
        notice,
        problems,
        failed,
        overdue,
        today,
        week,
    })
}

async fn my_visits(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    let page = visits_page(&st, ctx, &me, n, Problems::none(), 0).await?;
    Ok(render(&page))
}

async fn log_visit(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    req: Request,
) -> PageResult<Response> {
    let posted = read_posted(&st, req).await?;
    let f = &posted.fields;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let input = || -> Result<NewVisit, AppError> {
        let inv = |e: civicgrid_app::domain::care::visits::VisitError| {
            AppError::invalid(e.field, e.message)
        };
        let visited_at = match get("visited_at").trim() {
            "" => None,
            t => Some(parse_local_time(t)?),
        };
        Ok(NewVisit {
            pairing_id: id,
            visited_at,
            mode: Mode::parse(&get("mode")).map_err(inv)?,
            outcome: Outcome::parse(&get("outcome")).map_err(inv)?,
            notes: get("notes"),
            photo: posted.photo.as_ref().map(|(_, b)| b.clone()),
            help: get("help"),
            category: None,
        })
    };
    let result = match input() {
        Ok(v) => st.app.log_visit(&me.actor, v).await,
        Err(e) => Err(e),
    };
    let back = get("back");
    match result {
        Ok(done) => {
            let code = match (&done.request, done.next_due_at) {
                (Some(_), _) => "care_visit_help",
                (None, None) => "care_visit_ended",
                (None, Some(_)) if done.visit.outcome == Outcome::NotReached => "care_visit_retry",
                _ => "care_visit_logged",
            };
            let to = if back == "pairing" {
                format!("/care/pairings/{id}?done={code}")
            } else {
                format!("/care/visits?done={code}")
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            // The form comes back with the field named: on the list when the visit is
            // on it, else on the pairing's page.
            let (status, problems) = problems_of(ctx.lang, e, "outcome")?;
            if back != "pairing" {
                let page = visits_page(&st, ctx.clone(), &me, None, problems.clone(), id).await?;
                let listed = [&page.overdue, &page.today, &page.week]
                    .iter()
                    .any(|cards| cards.iter().any(|c| c.id == id));
                if listed {
                    return Ok((status, render(&page)).into_response());
                }
            }
            let v = st.app.care_pairing(&me.actor, id).await?;
            let page =
                super::pairings::pairing_page(&st, ctx, &me, v, None, problems, Default::default())
                    .await?;
            Ok((status, render(&page)).into_response())
        }
    }
}

/// A local time typed on a phone (`2026-12-07T09:30`, China Standard Time) as UTC
/// milliseconds; the error names `visited_at`.
pub(crate) fn parse_local_time(t: &str) -> Result<i64, AppError> {
    let bad = || AppError::invalid("visited_at", "a date and time such as 2026-12-07 09:30");
    let naive = chrono::NaiveDateTime::parse_from_str(t.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(t.trim(), "%Y-%m-%d %H:%M"))
        .map_err(|_| bad())?;
    let tz = chrono::FixedOffset::east_opt(8 * 3600).ok_or_else(bad)?;
    naive
        .and_local_timezone(tz)
        .single()
        .map(|t| t.timestamp_millis())
        .ok_or_else(bad)
}

#[derive(Template)]
#[template(path = "care/notes.html")]
struct NotesPage {
    ctx: PageCtx,
    pairing_id: i64,
    visited_at: String,
    mode: String,
    outcome: String,
    notes: Option<String>,
}

async fn notes_page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let (v, notes) = st.app.care_visit_notes(&me.actor, id).await?;
    Ok(render(&NotesPage {
        pairing_id: v.pairing_id,
        visited_at: ctx.time(&v.visited_at),
        mode: ctx.tk("care-mode-", v.mode.code()),
        outcome: ctx.tk("care-outcome-", v.outcome.code()),
        notes,
        ctx,
    }))
}

async fn photo(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let (meta, data) = st.app.care_visit_photo(&me.actor, id).await?;
    Ok(photo_response(
        &meta.content_type,
        &meta.sha256,
        data,
        false,
    ))
}

/// A form's chosen id, for pages of this capability.
pub(crate) fn picked_id(
    field: &'static str,
    raw: Option<&String>,
) -> Result<Option<i64>, AppError> {
    match raw.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => form_id(field, s).map(Some),
    }
}
