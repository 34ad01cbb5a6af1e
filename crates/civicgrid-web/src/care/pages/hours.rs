//! A resident's own volunteering (`/care/volunteer`): signing up, or, once in the
//! registry, what they offer, their upcoming and past shifts, hours by year and every
//! entry of their hours ledger; and a printable certificate of hours.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::care::hours::Certificate;
use civicgrid_app::domain::care::hours::format_hours;

use super::volunteers::{
    EntryText, HoursText, ProfileForm, ShiftText, hours_text, profile_posted, shift_texts,
    skill_words,
};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm};
use crate::forms::{DoneNotice, Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, format_time, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/care/volunteer", page)
        .post("/care/volunteer", sign_up)
        .get("/care/volunteer/certificate", certificate)
}

#[derive(Template)]
#[template(path = "care/my_volunteering.html")]
struct MyPage {
    ctx: PageCtx,
    linked: bool,
    community: String,
    grid: String,
    /// Where the entry stands: (code, words), and why when declined or suspended.
    status: Option<(&'static str, String)>,
    reason: String,
    skills: String,
    profile: ProfileForm,
    upcoming: Vec<ShiftText>,
    past: Vec<ShiftText>,
    hours: HoursText,
    teams: Vec<(String, bool)>,
    notice: Option<String>,
    problems: Problems,
}

async fn my_page(
    st: &AppState,
    ctx: PageCtx,
    me: &civicgrid_app::platform::auth::SignedIn,
    f: Option<&HashMap<String, String>>,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<MyPage> {
    let mine = st.app.my_volunteering(&me.actor).await?;
    let v = mine.volunteer.as_ref();
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
        status: v.map(|v| {
            (
                v.status.code(),
                ctx.tk("volunteer-status-", v.status.code()),
            )
        }),
        reason: v.and_then(|v| v.status_reason.clone()).unwrap_or_default(),
        skills: v
            .map(|v| skill_words(&ctx, &v.profile.skills))
            .unwrap_or_default(),
        profile: ProfileForm::of(&ctx, f, v.map(|v| &v.profile)),
        upcoming: shift_texts(&ctx, &mine.upcoming),
        past: shift_texts(&ctx, &mine.past),
        hours: hours_text(&ctx, &mine.hours),
        teams: mine
            .teams
            .iter()
            .map(|(t, l)| (t.name.clone(), *l))
            .collect(),
        notice,
        problems,
        ctx,
    })
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    Ok(render(
        &my_page(&st, ctx, &me, None, notice, Problems::none()).await?,
    ))
}

async fn sign_up(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let result = async {
        let profile = profile_posted(&f)?;
        st.app.volunteer_sign_up(&me.actor, profile).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/care/volunteer?done=volunteer_saved").into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "skills")?;
            let p = my_page(&st, ctx, &me, Some(&f), None, problems).await?;
            Ok((status, render(&p)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "care/certificate.html")]
struct CertificatePage {
    ctx: PageCtx,
    c: Certificate,
    years: Vec<(String, String)>,
    entries: Vec<EntryText>,
    since: String,
    issued: String,
    text: String,
}

async fn certificate(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let c = st.app.my_certificate(&me.actor).await?;
    let h = hours_text(&ctx, &c.hours);
    let total = format_hours(c.hours.total);
    let text = ctx.lang.t_args(
        "certificate-text",
        &[
            ("name", c.name.clone()),
            ("community", c.community_name.clone()),
            ("hours", total.clone()),
        ],
    );
    Ok(render(&CertificatePage {
        text,
        years: h.years,
        entries: h.entries,
        since: c
            .verified_at
            .map(|t| format_time(t).chars().take(10).collect())
            .unwrap_or_default(),
        issued: c.issued_on.format("%Y-%m-%d").to_string(),
        c,
        ctx,
    }))
}

/// The volunteering card of a home page.
pub(crate) struct VolunteerCard {
    /// The reader may sign up or is in the registry (residents, volunteers).
    pub own: bool,
    pub status: Option<(&'static str, String)>,
    /// The reader's upcoming shifts: (activity id, title, when).
    pub upcoming: Vec<(i64, String, String)>,
    pub total_hours: String,
    /// Volunteers waiting for verification where the reader manages them.
    pub pending: Option<i64>,
    /// The reader follows the registry.
    pub staff: bool,
}

/// The card for `actor`, when volunteering concerns them.
pub(crate) async fn home_card(
    st: &AppState,
    ctx: &PageCtx,
    actor: &civicgrid_app::domain::platform::access::Actor,
) -> PageResult<Option<VolunteerCard>> {
    use civicgrid_app::domain::platform::access::{Permission, Role};
    let own = actor
        .assignments
        .iter()
        .any(|a| matches!(a.role, Role::Resident | Role::Volunteer));
    let staff = actor.can_somewhere(Permission::ViewVolunteers);
    if !own && !staff {
        return Ok(None);
    }
    let mut card = VolunteerCard {
        own,
        status: None,
        upcoming: Vec::new(),
        total_hours: String::new(),
        pending: None,
        staff,
    };
    if own {
        let mine = st.app.my_volunteering(actor).await?;
        card.own = mine.home.is_some();
        card.status = mine.volunteer.as_ref().map(|v| {
            (
                v.status.code(),
                ctx.tk("volunteer-status-", v.status.code()),
            )
        });
        card.upcoming = mine
            .upcoming
            .iter()
            .take(3)
            .map(|l| {
                (
                    l.activity_id,
                    l.title.clone(),
                    super::activities::when(l.shift.starts_at, l.shift.ends_at),
                )
            })
            .collect();
        card.total_hours = format_hours(mine.hours.total);
    }
    if actor.can_somewhere(Permission::ManageVolunteers) {
        card.pending = Some(st.app.volunteers_pending(actor).await?);
    }
    if !card.own && !card.staff {
        return Ok(None);
    }
    Ok(Some(card))
}
