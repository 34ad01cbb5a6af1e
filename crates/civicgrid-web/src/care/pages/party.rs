//! A party member's own page (`/care/party`): registering where they live with their
//! employer's party organisation and a public badge if they wish, then the year's
//! pledges with what fulfils them — care visits, volunteer hours, linked requests,
//! notes with evidence — a form to pledge and a form to note what was done.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::care::party_year::{PledgeProgress, YearRecord};
use civicgrid_app::domain::care::hours::format_hours;
use civicgrid_app::domain::care::party::{PledgeKind, PledgeSpec, parse_amount};
use civicgrid_app::domain::requests::{RequestId, public_number};
use civicgrid_app::platform::auth::SignedIn;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/care/party", page)
        .post("/care/party", register)
        .post("/care/party/pledges", pledge)
        .post("/care/party/pledges/{id}/notes", note)
}

/// An amount in the pledge's unit, in words: `24 次`, `2.5 小时`.
pub(crate) fn amount(ctx: &PageCtx, kind: PledgeKind, n: i64) -> String {
    let n = if kind.in_hours() {
        format_hours(n)
    } else {
        n.to_string()
    };
    ctx.t1(&format!("party-amount-{}", kind.code()), "n", &n)
}

/// A pledge and its progress, in words.
pub(crate) struct PledgeText {
    pub id: i64,
    pub kind: &'static str,
    pub kind_label: String,
    pub text: String,
    pub target: String,
    pub fulfilled: String,
    pub from_activity: String,
    pub from_notes: String,
    pub percent: i64,
    pub met: bool,
}

pub(crate) fn pledge_text(ctx: &PageCtx, p: &PledgeProgress) -> PledgeText {
    let kind = p.pledge.kind;
    PledgeText {
        id: p.pledge.id,
        kind: kind.code(),
        kind_label: ctx.tk("pledge-kind-", kind.code()),
        text: p.pledge.text.clone(),
        target: amount(ctx, kind, p.pledge.target),
        fulfilled: amount(ctx, kind, p.fulfilled),
        from_activity: if kind.counts_activity() {
            amount(ctx, kind, p.from_activity)
        } else {
            String::new()
        },
        from_notes: amount(ctx, kind, p.from_notes),
        percent: p.percent,
        met: p.met,
    }
}

/// One line of evidence: when, what, how much.
pub(crate) struct EvidenceLine {
    pub on: String,
    pub what: String,
    pub detail: String,
}

/// A year's pledges and the activity behind them, in words.
pub(crate) struct YearText {
    pub pledges: Vec<PledgeText>,
    pub visits: Vec<EvidenceLine>,
    pub served: Vec<EvidenceLine>,
    pub requests: Vec<EvidenceLine>,
    pub notes: Vec<EvidenceLine>,
}

fn day_of(ms: i64) -> String {
    format_time(ms).chars().take(10).collect()
}

pub(crate) fn year_text(ctx: &PageCtx, r: &YearRecord) -> YearText {
    let pledge_of = |id: i64| r.pledges.iter().find(|p| p.pledge.id == id);
    YearText {
        pledges: r.pledges.iter().map(|p| pledge_text(ctx, p)).collect(),
        visits: r
            .visits
            .iter()
            .map(|v| EvidenceLine {
                on: day_of(v.visited_at),
                what: ctx.tk("care-mode-", &v.mode),
                detail: ctx.tk("care-outcome-", &v.outcome),
            })
            .collect(),
        served: r
            .served
            .iter()
            .map(|d| EvidenceLine {
                on: d.served_on.clone(),
                what: d.title.clone(),
                detail: amount(ctx, PledgeKind::Volunteering, d.minutes),
            })
            .collect(),
        requests: r
            .requests
            .iter()
            .map(|q| EvidenceLine {
                on: q.resolved_at.map(day_of).unwrap_or_default(),
                what: public_number(RequestId(q.request_id), q.created_at, 480),
                detail: q.description.chars().take(40).collect(),
            })
            .collect(),
        notes: r
            .notes
            .iter()
            .map(|n| {
                let p = pledge_of(n.pledge_id);
                EvidenceLine {
                    on: n.on.format("%Y-%m-%d").to_string(),
                    what: n.text.clone(),
                    detail: match p {
                        Some(p) => format!(
                            "{} · {}",
                            p.pledge.text,
                            amount(ctx, p.pledge.kind, n.amount)
                        ),
                        None => String::new(),
                    },
                }
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "care/party_mine.html")]
struct MyPage {
    ctx: PageCtx,
    linked: bool,
    community: String,
    grid: String,
    member_id: i64,
    status: Option<(&'static str, String)>,
    reason: String,
    organisation: String,
    public_badge: bool,
    confirmed: bool,
    year: i32,
    y: Option<YearText>,
    kinds: Vec<(&'static str, String)>,
    years: Vec<i32>,
    today: String,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
}

impl MyPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct YearQuery {
    pub year: Option<i32>,
}

async fn my_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    year: Option<i32>,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<MyPage> {
    let mine = st.app.my_party(&me.actor, year).await?;
    let m = mine.member.as_ref();
    let this_year = super::super::api::party::this_year();
    let posted = !f.is_empty();
    Ok(MyPage {
        linked: mine.home.is_some(),
        community: mine
            .home
            .as_ref()
            .map(|h| h.community_name.clone())
            .unwrap_or_default(),
        grid: mine
            .home
            .as_ref()
            .map(|h| h.grid_name.clone())
            .unwrap_or_default(),
        member_id: m.map_or(0, |m| m.id),
        status: m.map(|m| (m.status.code(), ctx.tk("party-status-", m.status.code()))),
        reason: m.and_then(|m| m.status_reason.clone()).unwrap_or_default(),
        organisation: if posted {
            f.get("organisation").cloned().unwrap_or_default()
        } else {
            m.map(|m| m.organisation.clone()).unwrap_or_default()
        },
        public_badge: if posted {
            f.get("public_badge").is_some_and(|v| !v.is_empty())
        } else {
            m.is_some_and(|m| m.public_badge)
        },
        confirmed: mine.record.is_some(),
        year: mine.year,
        y: mine.record.as_ref().map(|r| year_text(&ctx, r)),
        kinds: PledgeKind::ALL
            .iter()
            .map(|k| (k.code(), ctx.tk("pledge-kind-", k.code())))
            .collect(),
        years: vec![this_year, this_year + 1],
        today: (chrono::Utc::now() + chrono::Duration::hours(8))
            .format("%Y-%m-%d")
            .to_string(),
        f,
        notice,
        problems,
        ctx,
    })
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<YearQuery>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let p = my_page(
        &st,
        ctx,
        &me,
        q.year,
        HashMap::new(),
        notice,
        Problems::none(),
    )
    .await?;
    Ok(render(&p))
}

/// Shows the page again with the objection to what was posted.
async fn again(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    f: HashMap<String, String>,
    e: AppError,
    conflict_field: &str,
) -> PageResult<Response> {
    let (status, problems) = problems_of(ctx.lang, e, conflict_field)?;
    let year = f.get("year").and_then(|y| y.parse().ok());
    let p = my_page(st, ctx, me, year, f, None, problems).await?;
    Ok((status, render(&p)).into_response())
}

async fn register(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let badge = f.get("public_badge").is_some_and(|v| !v.is_empty());
    let organisation = f.get("organisation").map_or("", String::as_str);
    match st.app.party_register(&me.actor, organisation, badge).await {
        Ok(_) => Ok(Redirect::to("/care/party?done=party_saved").into_response()),
        Err(e) => again(&st, ctx, &me, f, e, "organisation").await,
    }
}

async fn pledge(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let result = async {
        let member = crate::forms::form_id("member", get("member_id"))?;
        let year = get("pledge_year")
            .trim()
            .parse::<i32>()
            .map_err(|_| AppError::invalid("pledge_year", "choose the year"))?;
        let kind = PledgeKind::parse(get("pledge_kind"))
            .map_err(|_| AppError::invalid("pledge_kind", "choose what you pledge"))?;
        let target = parse_amount("pledge_target", kind, get("pledge_target"))
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let spec = PledgeSpec {
            year,
            kind,
            text: get("pledge_text").to_owned(),
            target,
        };
        st.app.party_pledge(&me.actor, member, spec).await
    }
    .await;
    match result {
        Ok(p) => Ok(
            Redirect::to(&format!("/care/party?year={}&done=party_pledged", p.year))
                .into_response(),
        ),
        Err(e) => again(&st, ctx, &me, f, e, "pledge_text").await,
    }
}

/// Reads and records a note of fulfilment posted from a member's or staff's page.
pub(crate) async fn post_note(
    st: &AppState,
    me: &SignedIn,
    pledge_id: i64,
    f: &HashMap<String, String>,
) -> Result<civicgrid_app::care::party::Pledge, AppError> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let p = st.app.pledge(&me.actor, pledge_id).await?;
    let on = chrono::NaiveDate::parse_from_str(get("note_on").trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid("note_on", "give the day, e.g. 2026-03-01"))?;
    let amount = parse_amount("note_amount", p.kind, get("note_amount"))
        .map_err(|e| AppError::invalid(e.field, e.message))?;
    st.app
        .party_note(&me.actor, pledge_id, on, amount, get("note_text"))
        .await?;
    Ok(p)
}

async fn note(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    match post_note(&st, &me, id, &f).await {
        Ok(p) => Ok(
            Redirect::to(&format!("/care/party?year={}&done=party_noted", p.year)).into_response(),
        ),
        Err(e) => {
            let mut f = f;
            f.insert("note_pledge".into(), id.to_string());
            again(&st, ctx, &me, f, e, "note_text").await
        }
    }
}

/// The party registration card of a home page.
pub(crate) struct PartyCard {
    /// The reader's registration: (status code, words), if registered.
    pub status: Option<(&'static str, String)>,
    /// Pledges kept of those made this year, in words (a confirmed member).
    pub met: Option<String>,
    /// Registrations waiting where the reader keeps them.
    pub pending: Option<i64>,
    pub staff: bool,
}

/// The card for `actor`: a registered member, or staff who follow party members
/// (a resident not registered sees only the menu entry).
pub(crate) async fn home_card(
    st: &AppState,
    ctx: &PageCtx,
    actor: &civicgrid_app::domain::platform::access::Actor,
) -> PageResult<Option<PartyCard>> {
    use civicgrid_app::domain::platform::access::{Permission, Role};
    let resident = actor.assignments.iter().any(|a| a.role == Role::Resident);
    let staff = actor.can_somewhere(Permission::ViewParty);
    let mut card = PartyCard {
        status: None,
        met: None,
        pending: None,
        staff,
    };
    if resident {
        let mine = st.app.my_party(actor, None).await?;
        card.status = mine
            .member
            .as_ref()
            .map(|m| (m.status.code(), ctx.tk("party-status-", m.status.code())));
        card.met = mine.record.as_ref().map(|r| {
            let (met, total) = r.met();
            ctx.lang.t_args(
                "home-party-met",
                &[("met", met.to_string()), ("total", total.to_string())],
            )
        });
    }
    if actor.can_somewhere(Permission::ManageParty) {
        card.pending = Some(st.app.party_pending(actor).await?);
    }
    if card.status.is_none() && !staff {
        return Ok(None);
    }
    Ok(Some(card))
}
