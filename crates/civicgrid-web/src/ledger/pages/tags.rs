//! The tag catalogue: every tag with its names, whether it marks a care need, whether
//! it is computed from age; a form to add or edit one (ManageCatalogue).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
#[allow(unused_imports)]
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::ledger::{CatalogueTag, may_manage_catalogue};
use civicgrid_app::platform::auth::SignedIn;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{CurrentUser, PageForm};
use crate::forms::{DoneNotice, Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/ledger/tags", list).post("/ledger/tags", upsert)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TagFields {
    code: String,
    name_zh: String,
    name_en: String,
    care: String,
    active: String,
}

#[derive(Template)]
#[template(path = "ledger/tags.html")]
struct TagsPage {
    ctx: PageCtx,
    tags: Vec<CatalogueTag>,
    can_manage: bool,
    fields: TagFields,
    notice: Option<String>,
    problems: Problems,
}

async fn tags_page(
    st: &AppState,
    ctx: PageCtx,
    me: &SignedIn,
    fields: TagFields,
    notice: Option<String>,
    problems: Problems,
) -> PageResult<Response> {
    let tags = st.app.tag_catalogue(&me.actor).await?;
    Ok(render(&TagsPage {
        can_manage: may_manage_catalogue(&me.actor),
        ctx,
        tags,
        fields,
        notice,
        problems,
    }))
}

async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    DoneNotice(n): DoneNotice,
) -> PageResult<Response> {
    let fields = TagFields {
        active: "1".into(),
        ..TagFields::default()
    };
    tags_page(&st, ctx, &me, fields, n, Problems::none()).await
}

async fn upsert(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageForm(f): PageForm<TagFields>,
) -> PageResult<Response> {
    match st
        .app
        .upsert_catalogue_tag(
            &me.actor,
            &f.code,
            &f.name_zh,
            &f.name_en,
            !f.care.is_empty(),
            !f.active.is_empty(),
        )
        .await
    {
        Ok(()) => Ok(Redirect::to("/ledger/tags?done=ledger_tag_saved").into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "code")?;
            let page = tags_page(&st, ctx, &me, f, None, problems).await?;
            Ok((status, page).into_response())
        }
    }
}
