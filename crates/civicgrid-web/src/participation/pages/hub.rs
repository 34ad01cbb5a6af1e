//! The participation hub (`/participation`): the votes the reader follows or may take
//! part in, the commitments that follow decisions to delivery, the estates of their place, and — for who runs participation — a form to
//! add an estate and a link to draft a vote.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::participation::estates::EstateSummary;
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::platform::menu::may_reach;
use serde::Deserialize;

use super::{VoteLine, vote_line};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm};
use crate::forms::{DoneNotice, NodeChoice, Problems, node_choices, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/participation", hub)
        .post("/participation/estates", create_estate)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EstateFields {
    community_id: String,
    name: String,
}

#[derive(Template)]
#[template(path = "participation/hub.html")]
struct HubPage {
    ctx: PageCtx,
    votes: Vec<VoteLine>,
    commitments: Vec<super::CommitmentCard>,
    estates: Option<Vec<EstateSummary>>,
    may_manage: bool,
    communities: Vec<NodeChoice>,
    fields: EstateFields,
    notice: Option<String>,
    problems: Problems,
}

async fn hub_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    fields: EstateFields,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let votes = st.app.votes(&me.actor).await?;
    let votes = votes.iter().map(|v| vote_line(&ctx, v)).collect();
    let commitments = st
        .app
        .commitment_cards(&me.actor)
        .await?
        .iter()
        .map(|c| super::commitment_card(&ctx, c))
        .collect();
    let estates = if may_reach(&me.actor, Permission::ViewParticipation) {
        Some(st.app.estates(&me.actor).await?)
    } else {
        None
    };
    let may_manage = may_reach(&me.actor, Permission::ManageParticipation);
    let communities = if may_manage {
        let nodes = st
            .app
            .nodes_for(&me.actor, Permission::ManageParticipation)
            .await?;
        let communities: Vec<_> = nodes
            .into_iter()
            .filter(|n| n.kind == NodeKind::Community)
            .collect();
        node_choices(ctx.lang, &communities)
    } else {
        Vec::new()
    };
    Ok(render(&HubPage {
        ctx,
        votes,
        commitments,
        estates,
        may_manage,
        communities,
        fields,
        notice,
        problems,
    }))
}

async fn hub(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    hub_page(&st, ctx, &me, EstateFields::default(), n, Problems::none()).await
}

async fn create_estate(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<EstateFields>,
) -> PageResult<Response> {
    let community = f.community_id.trim().parse::<i64>().unwrap_or(0);
    match st.app.create_estate(&me.actor, community, &f.name).await {
        Ok(e) => Ok(Redirect::to(&format!(
            "/participation/estates/{}?done=estate_created",
            e.id
        ))
        .into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "name")?;
            let page = hub_page(&st, ctx, &me, f, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}
