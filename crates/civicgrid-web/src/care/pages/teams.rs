//! Volunteer teams: the list with the form to create one, and a team's page with its
//! members, leaders and the volunteers who may join.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::care::teams::{MemberChange, TeamLine, TeamView};
use civicgrid_app::domain::care::teams::{TeamKind, TeamSpec};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::domain::privacy::mask_name;
use civicgrid_app::platform::auth::SignedIn;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm, PagePath};
use crate::forms::{DoneNotice, NodeChoice, Problems, node_choices, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(crate) fn routes(r: Routes) -> Routes {
    r.get("/care/teams", list)
        .post("/care/teams", create)
        .get("/care/teams/{id}", page)
        .post("/care/teams/{id}/members", member)
}

struct Item {
    id: i64,
    name: String,
    kind: String,
    community: String,
    members: usize,
    leaders: String,
}

#[derive(Template)]
#[template(path = "care/teams.html")]
struct ListPage {
    ctx: PageCtx,
    teams: Vec<Item>,
    communities: Vec<NodeChoice>,
    kinds: Vec<(&'static str, String)>,
    f: HashMap<String, String>,
    problems: Problems,
}

impl ListPage {
    fn field(&self, k: &str) -> &str {
        self.f.get(k).map_or("", String::as_str)
    }
}

async fn list_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    f: HashMap<String, String>,
    problems: Problems,
) -> PageResult<ListPage> {
    let lines: Vec<TeamLine> = st.app.teams(&me.actor).await?;
    let communities = if me.actor.can_somewhere(Permission::ManageVolunteers) {
        let nodes: Vec<_> = st
            .app
            .nodes_for(&me.actor, Permission::ManageVolunteers)
            .await?
            .into_iter()
            .filter(|n| n.kind == NodeKind::Community)
            .collect();
        node_choices(ctx.lang, &nodes)
    } else {
        Vec::new()
    };
    Ok(ListPage {
        teams: lines
            .into_iter()
            .map(|l| Item {
                id: l.team.id,
                kind: ctx.tk("team-kind-", l.team.kind.code()),
                name: l.team.name,
                community: l.community_name,
                members: l.members,
                leaders: l
                    .leaders
                    .iter()
                    .map(|n| mask_name(n))
                    .collect::<Vec<_>>()
                    .join("、"),
            })
            .collect(),
        communities,
        kinds: TeamKind::ALL
            .iter()
            .map(|k| (k.code(), ctx.tk("team-kind-", k.code())))
            .collect(),
        f,
        problems,
        ctx,
    })
}

async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    Ok(render(
        &list_page(&st, ctx, &me, HashMap::new(), Problems::none()).await?,
    ))
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let result = async {
        let community = crate::forms::form_id("community_id", &get("community_id"))?;
        let kind = TeamKind::parse(&get("team_kind"))
            .map_err(|_| AppError::invalid("team_kind", "choose what kind of team"))?;
        st.app
            .create_team(
                &me.actor,
                community,
                TeamSpec {
                    name: get("name"),
                    kind,
                    note: get("note"),
                },
            )
            .await
    }
    .await;
    match result {
        Ok(t) => {
            Ok(Redirect::to(&format!("/care/teams/{}?done=team_created", t.id)).into_response())
        }
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "name")?;
            let p = list_page(&st, ctx, &me, f, problems).await?;
            Ok((status, render(&p)).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "care/team.html")]
struct TeamPage {
    ctx: PageCtx,
    v: TeamView,
    kind: String,
    /// (volunteer id, masked name, skills, leads).
    members: Vec<(i64, String, String, bool)>,
    candidates: Vec<(String, String)>,
    notice: Option<String>,
    problems: Problems,
}

fn team_page(ctx: PageCtx, v: TeamView, notice: Option<String>, problems: Problems) -> TeamPage {
    TeamPage {
        kind: ctx.tk("team-kind-", v.team.kind.code()),
        members: v
            .members
            .iter()
            .map(|(m, l)| {
                (
                    m.id,
                    mask_name(&m.name),
                    super::volunteers::skill_words(&ctx, &m.profile.skills),
                    *l,
                )
            })
            .collect(),
        candidates: v
            .candidates
            .iter()
            .map(|c| (c.id.to_string(), mask_name(&c.name)))
            .collect(),
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
    let v = st.app.team(&me.actor, id).await?;
    Ok(render(&team_page(ctx, v, notice, Problems::none())))
}

async fn member(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult<Response> {
    let result = async {
        let v = crate::forms::form_id(
            "volunteer_id",
            f.get("volunteer_id").map_or("", String::as_str),
        )?;
        let change = MemberChange::parse(f.get("change").map_or("", String::as_str))
            .ok_or_else(|| AppError::invalid("change", "add, lead, unlead or remove"))?;
        st.app.change_team_member(&me.actor, id, v, change).await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/care/teams/{id}?done=team_changed")).into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "volunteer_id")?;
            let v = st.app.team(&me.actor, id).await?;
            Ok((status, render(&team_page(ctx, v, None, problems))).into_response())
        }
    }
}
