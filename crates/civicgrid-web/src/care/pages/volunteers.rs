//! The volunteer registry for staff: the list with its filters (skill, status; names
//! masked), adding a resident of the ledger with a resident picker, and one
//! volunteer's page with the moves staff may make, their shifts and their hours
//! ledger with its correction form.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::care::volunteers::{VolunteerFilter, VolunteerView};
use civicgrid_app::domain::care::hours::{format_hours, parse_correction};
use civicgrid_app::domain::care::volunteers::{Availability, Coverage, Profile, Skill, Status};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::privacy::mask_name;
use civicgrid_app::ledger::search::SearchRequest;
use civicgrid_app::platform::auth::SignedIn;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath, PageQuery};
use crate::forms::{DoneNotice, Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::picker::{Pick, PickMatch};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/care/volunteers", list)
        .get("/care/volunteers/new", new_form)
        .post("/care/volunteers", add)
        .get("/care/volunteers/residents", residents)
        .get("/care/volunteers/{id}", page)
        .post("/care/volunteers/{id}/status", move_to)
        .post("/care/volunteers/{id}/hours", correct)
}

/// A choice on a checkbox list: code, words, ticked.
pub(crate) struct Tick {
    pub code: &'static str,
    pub label: String,
    pub on: bool,
}

/// The profile fields of a form (sign-up, adding from the ledger), as typed.
pub(crate) struct ProfileForm {
    pub skills: Vec<Tick>,
    pub availability: Vec<Tick>,
    pub vehicle: bool,
    pub coverage: String,
    pub note: String,
}

impl ProfileForm {
    /// The fields of `f` (a posted form: `skill_<code>`, `avail_<code>`, `vehicle`,
    /// `coverage`, `note`), or of `p` when nothing was posted.
    pub(crate) fn of(
        ctx: &PageCtx,
        f: Option<&HashMap<String, String>>,
        p: Option<&Profile>,
    ) -> ProfileForm {
        let on = |k: String| f.is_some_and(|f| f.get(&k).is_some_and(|v| !v.is_empty()));
        ProfileForm {
            skills: Skill::ALL
                .iter()
                .map(|s| Tick {
                    code: s.code(),
                    label: ctx.tk("skill-", s.code()),
                    on: match f {
                        Some(_) => on(format!("skill_{}", s.code())),
                        None => p.is_some_and(|p| p.skills.contains(s)),
                    },
                })
                .collect(),
            availability: Availability::ALL
                .iter()
                .map(|a| Tick {
                    code: a.code(),
                    label: ctx.tk("availability-", a.code()),
                    on: match f {
                        Some(_) => on(format!("avail_{}", a.code())),
                        None => p.is_some_and(|p| p.availability.contains(a)),
                    },
                })
                .collect(),
            vehicle: match f {
                Some(_) => on("vehicle".into()),
                None => p.is_some_and(|p| p.vehicle),
            },
            coverage: match (f, p) {
                (Some(f), _) => f.get("coverage").cloned().unwrap_or_default(),
                (None, Some(p)) => p.coverage.code().to_owned(),
                (None, None) => Coverage::Grid.code().to_owned(),
            },
            note: match (f, p) {
                (Some(f), _) => f.get("note").cloned().unwrap_or_default(),
                (None, Some(p)) => p.note.clone(),
                (None, None) => String::new(),
            },
        }
    }
}

/// The profile a form posted.
pub(crate) fn profile_posted(f: &HashMap<String, String>) -> Result<Profile, AppError> {
    let on = |k: String| f.get(&k).is_some_and(|v| !v.is_empty());
    let coverage = Coverage::parse(f.get("coverage").map_or("", String::as_str))
        .map_err(|_| AppError::invalid("coverage", "choose your grid or your community"))?;
    Ok(Profile {
        skills: Skill::ALL
            .iter()
            .copied()
            .filter(|s| on(format!("skill_{}", s.code())))
            .collect(),
        availability: Availability::ALL
            .iter()
            .copied()
            .filter(|a| on(format!("avail_{}", a.code())))
            .collect(),
        vehicle: on("vehicle".into()),
        coverage,
        note: f.get("note").cloned().unwrap_or_default(),
    })
}

/// Skills in words, joined.
pub(crate) fn skill_words(ctx: &PageCtx, skills: &[Skill]) -> String {
    skills
        .iter()
        .map(|s| ctx.tk("skill-", s.code()))
        .collect::<Vec<_>>()
        .join("、")
}

struct Line {
    id: i64,
    name: String,
    grid: String,
    skills: String,
    status: &'static str,
    status_label: String,
    vehicle: bool,
}

#[derive(Template)]
#[template(path = "care/volunteers.html")]
struct ListPage {
    ctx: PageCtx,
    lines: Vec<Line>,
    skill: String,
    status: String,
    skills: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    may_add: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    skill: String,
    status: String,
}

async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let filter = VolunteerFilter {
        skill: Skill::parse(&q.skill).ok().filter(|_| !q.skill.is_empty()),
        status: Status::parse(&q.status)
            .ok()
            .filter(|_| !q.status.is_empty()),
    };
    let found = st.app.volunteers(&me.actor, &filter).await?;
    let lines = found
        .into_iter()
        .map(|l| Line {
            id: l.v.id,
            name: mask_name(&l.v.name),
            grid: l.grid_name,
            skills: skill_words(&ctx, &l.v.profile.skills),
            status: l.v.status.code(),
            status_label: ctx.tk("volunteer-status-", l.v.status.code()),
            vehicle: l.v.profile.vehicle,
        })
        .collect();
    Ok(render(&ListPage {
        skills: Skill::ALL
            .iter()
            .map(|s| (s.code(), ctx.tk("skill-", s.code())))
            .collect(),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.code(), ctx.tk("volunteer-status-", s.code())))
            .collect(),
        may_add: me.actor.can_somewhere(Permission::ManageVolunteers),
        skill: q.skill,
        status: q.status,
        lines,
        ctx,
    }))
}

#[derive(Template)]
#[template(path = "care/volunteer_new.html")]
struct NewPage {
    ctx: PageCtx,
    pick: Pick,
    profile: ProfileForm,
    problems: Problems,
}

/// The matches of the resident picker alone (htmx swaps them in).
#[derive(Template)]
#[template(path = "picker_matches.html")]
struct MatchesFragment {
    ctx: PageCtx,
    pick: Pick,
}

/// The resident picker with the ledger records its search text finds (names masked,
/// homes as people say them); a blank search finds nothing.
async fn resident_pick(
    st: &AppState,
    ctx: &PageCtx,
    me: &SignedIn,
    fields: &HashMap<String, String>,
) -> PageResult<Pick> {
    let pick = Pick::new("resident_id", "resident", "/care/volunteers/residents", "").read(fields);
    if pick.q.is_empty() || !me.actor.can_somewhere(Permission::ViewLedger) {
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
    let matches = found
        .hits
        .iter()
        .map(|h| {
            let home = crate::ledger::pages::address(
                ctx.lang,
                h.building.as_deref().unwrap_or_default(),
                h.unit.as_deref().unwrap_or_default(),
                h.room.as_deref().unwrap_or_default(),
            );
            PickMatch {
                value: h.id.to_string(),
                label: mask_name(&h.name),
                detail: if home.is_empty() {
                    h.grid_name.clone()
                } else {
                    format!("{home} · {}", h.grid_name)
                },
            }
        })
        .collect();
    Ok(pick.found(matches))
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    civicgrid_app::authz::require_somewhere(&me.actor, Permission::ManageVolunteers)?;
    let pick = resident_pick(&st, &ctx, &me, &q).await?;
    let profile = ProfileForm::of(&ctx, None, None);
    Ok(render(&NewPage {
        ctx,
        pick,
        profile,
        problems: Problems::none(),
    }))
}

async fn residents(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<HashMap<String, String>>,
) -> PageResult<Response> {
    civicgrid_app::authz::require_somewhere(&me.actor, Permission::ManageVolunteers)?;
    let pick = resident_pick(&st, &ctx, &me, &q).await?;
    Ok(render(&MatchesFragment { ctx, pick }))
}

async fn add(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    civicgrid_app::authz::require_somewhere(&me.actor, Permission::ManageVolunteers)?;
    let searching = f.contains_key("find_resident");
    let result = if searching {
        None
    } else {
        Some(
            async {
                let resident = crate::forms::form_id(
                    "resident_id",
                    f.get("resident_id").map_or("", String::as_str),
                )?;
                let profile = profile_posted(&f)?;
                st.app.add_volunteer(&me.actor, resident, profile).await
            }
            .await,
        )
    };
    let (status, problems) = match result {
        Some(Ok(v)) => {
            return Ok(
                Redirect::to(&format!("/care/volunteers/{}?done=volunteer_added", v.id))
                    .into_response(),
            );
        }
        Some(Err(e)) => problems_of(ctx.lang, e, "resident_id")?,
        None => (axum::http::StatusCode::OK, Problems::none()),
    };
    let pick = resident_pick(&st, &ctx, &me, &f).await?;
    let profile = ProfileForm::of(&ctx, Some(&f), None);
    let page = render(&NewPage {
        ctx,
        pick,
        profile,
        problems,
    });
    Ok((status, page).into_response())
}

/// A shift a volunteer held, in words.
pub(crate) struct ShiftText {
    pub activity_id: i64,
    pub title: String,
    pub place: String,
    pub when: String,
    pub state: &'static str,
    pub state_label: String,
    pub hours: String,
}

pub(crate) fn shift_texts(
    ctx: &PageCtx,
    lines: &[civicgrid_app::care::activities::ShiftLine],
) -> Vec<ShiftText> {
    lines
        .iter()
        .map(|l| ShiftText {
            activity_id: l.activity_id,
            title: l.title.clone(),
            place: l.place.clone(),
            when: super::activities::when(l.shift.starts_at, l.shift.ends_at),
            state: l.signup.state.code(),
            state_label: ctx.tk("signup-state-", l.signup.state.code()),
            hours: l.signup.minutes.map(format_hours).unwrap_or_default(),
        })
        .collect()
}

/// An entry of the hours ledger, in words.
pub(crate) struct EntryText {
    pub id: i64,
    pub on: String,
    pub activity_id: i64,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: String,
    pub hours: String,
    pub reason: String,
}

pub(crate) struct HoursText {
    pub total: String,
    pub years: Vec<(String, String)>,
    pub entries: Vec<EntryText>,
}

pub(crate) fn hours_text(ctx: &PageCtx, h: &civicgrid_app::care::hours::HoursLedger) -> HoursText {
    HoursText {
        total: format_hours(h.total),
        years: h
            .years
            .iter()
            .map(|(y, m)| (y.to_string(), format_hours(*m)))
            .collect(),
        entries: h
            .entries
            .iter()
            .map(|e| EntryText {
                id: e.entry.id,
                on: e.entry.served_on.format("%Y-%m-%d").to_string(),
                activity_id: e.activity_id,
                title: e.title.clone(),
                kind: e.entry.kind.code(),
                kind_label: ctx.tk("hours-kind-", e.entry.kind.code()),
                hours: format_hours(e.entry.minutes),
                reason: e.entry.reason.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "care/volunteer.html")]
struct DetailPage {
    ctx: PageCtx,
    v: VolunteerView,
    status_label: String,
    skills: String,
    availability: String,
    teams: Vec<(i64, String, bool)>,
    shifts: Vec<ShiftText>,
    hours: HoursText,
    moves: Vec<(&'static str, String)>,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
}

impl DetailPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

fn detail_page(
    ctx: PageCtx,
    v: VolunteerView,
    f: HashMap<String, String>,
    notice: Option<String>,
    problems: Problems,
) -> DetailPage {
    DetailPage {
        status_label: ctx.tk("volunteer-status-", v.v.status.code()),
        skills: skill_words(&ctx, &v.v.profile.skills),
        availability: v
            .v
            .profile
            .availability
            .iter()
            .map(|a| ctx.tk("availability-", a.code()))
            .collect::<Vec<_>>()
            .join("、"),
        teams: v
            .teams
            .iter()
            .map(|(t, l)| (t.id, t.name.clone(), *l))
            .collect(),
        shifts: shift_texts(&ctx, &v.shifts),
        hours: hours_text(&ctx, &v.hours),
        moves: v
            .next_statuses
            .iter()
            .map(|s| (s.code(), ctx.tk("volunteer-move-", s.code())))
            .collect(),
        f,
        notice,
        problems,
        ctx,
        v,
    }
}

async fn page(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    DoneNotice(notice): DoneNotice,
) -> PageResult<Response> {
    let v = st.app.volunteer(&me.actor, id).await?;
    Ok(render(&detail_page(
        ctx,
        v,
        HashMap::new(),
        notice,
        Problems::none(),
    )))
}

/// Shows the page again with the objection to what was posted.
async fn again(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    id: i64,
    f: HashMap<String, String>,
    e: AppError,
    conflict_field: &str,
) -> PageResult<Response> {
    let (status, problems) = problems_of(ctx.lang, e, conflict_field)?;
    let v = st.app.volunteer(&me.actor, id).await?;
    Ok((status, render(&detail_page(ctx, v, f, None, problems))).into_response())
}

async fn move_to(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let result = async {
        let to = Status::parse(f.get("status").map_or("", String::as_str))
            .map_err(|_| AppError::invalid("status", "choose what to do"))?;
        st.app
            .move_volunteer(&me.actor, id, to, f.get("reason").map(String::as_str))
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/care/volunteers/{id}?done=volunteer_moved")).into_response(),
        ),
        Err(e) => again(&st, ctx, &me, id, f, e, "status").await,
    }
}

async fn correct(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let result = async {
        let entry =
            crate::forms::form_id("entry_id", f.get("entry_id").map_or("", String::as_str))?;
        let delta = parse_correction("hours", f.get("hours").map_or("", String::as_str))
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        st.app
            .correct_hours(
                &me.actor,
                id,
                entry,
                delta,
                f.get("reason").map_or("", String::as_str),
            )
            .await
    }
    .await;
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/care/volunteers/{id}?done=hours_corrected")).into_response(),
        ),
        Err(e) => again(&st, ctx, &me, id, f, e, "hours").await,
    }
}
