//! A signed-in resident's own pages: their household, and who viewed or changed their
//! data, when and for what stated purpose.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::AppError;
use civicgrid_app::ledger::{DataAccess, MyHousehold, VIEW_HOUSEHOLD, VIEW_RESIDENT};

use super::TagNames;
use super::household::{MemberLine, member_lines};
use crate::error::PageResult;
use crate::extract::CurrentUser;
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::platform::pages::audit::label;
use crate::routes::Routes;
use crate::state::AppState;
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/me/household", household)
        .get("/me/data-access", access)
}

#[derive(Template)]
#[template(path = "ledger/mine.html")]
struct MinePage {
    ctx: PageCtx,
    mine: Option<MyHousehold>,
    members: Vec<MemberLine>,
}

impl MinePage {
    /// Where the household lives, as people say it: 1栋1单元204室.
    fn address(&self, p: &civicgrid_app::ledger::PlaceView) -> String {
        super::place_address(self.ctx.lang, p)
    }
}

async fn household(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let mine = match st.app.my_household(&me).await {
        Ok(m) => Some(m),
        Err(AppError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let names = TagNames::new(ctx.lang, &st.app.default_tag_names().await?);
    let members = match mine.as_ref().and_then(|m| m.household.as_ref()) {
        Some(card) => member_lines(&names, card),
        None => Vec::new(),
    };
    Ok(render(&MinePage { ctx, mine, members }))
}

/// One access as the resident reads it: what was done in words, in which role.
struct AccessLine {
    at_ms: i64,
    actor: String,
    role: Option<String>,
    what: String,
    action_code: String,
    purpose: Option<String>,
    /// A card shown with the personal values masked (no purpose is asked for).
    masked_view: bool,
}

fn access_lines(lang: Lang, entries: Vec<DataAccess>) -> Vec<AccessLine> {
    entries
        .into_iter()
        .map(|e| AccessLine {
            at_ms: e.at_ms,
            what: label(lang, "action-", &e.action),
            masked_view: e.action == VIEW_RESIDENT || e.action == VIEW_HOUSEHOLD,
            action_code: e.action,
            actor: crate::platform::pages::audit::actor_name(lang, e.actor),
            role: e.role,
            purpose: e.purpose,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "ledger/access.html")]
struct AccessPage {
    ctx: PageCtx,
    linked: bool,
    entries: Vec<AccessLine>,
}

async fn access(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let (linked, entries) = match st.app.my_data_access(&me).await {
        Ok(e) => (true, e),
        Err(AppError::NotFound(_)) => (false, Vec::new()),
        Err(e) => return Err(e.into()),
    };
    Ok(render(&AccessPage {
        entries: access_lines(ctx.lang, entries),
        ctx,
        linked,
    }))
}
