//! Pages anyone may open: the form for a poster's code, and each community's public
//! notice board.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Line, english, line};
use crate::error::PageResult;
use crate::extract::{PagePath, PageQuery};
use crate::forms::{Problems, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::requests::pages::utc_offset;
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/notices/code", by_code)
        .get("/notices/board/{id}", board)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeQuery {
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "participation/notice_code.html")]
struct CodePage {
    ctx: PageCtx,
    code: String,
    problems: Problems,
}

/// The form for a poster's code; with a code, the notice it names.
async fn by_code(
    State(st): State<AppState>,
    ctx: PageCtx,
    PageQuery(q): PageQuery<CodeQuery>,
) -> PageResult<Response> {
    let Some(code) = q.code.filter(|c| !c.trim().is_empty()) else {
        return Ok(render(&CodePage {
            ctx,
            code: String::new(),
            problems: Problems::none(),
        }));
    };
    match st.app.notice_by_code(&code).await {
        Ok(id) => Ok(Redirect::to(&format!("/notices/{id}")).into_response()),
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "code")?;
            let page = render(&CodePage {
                ctx,
                code,
                problems,
            });
            Ok((status, page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "participation/notice_board.html")]
struct BoardPage {
    ctx: PageCtx,
    community: String,
    lines: Vec<Line>,
}

async fn board(
    State(st): State<AppState>,
    ctx: PageCtx,
    PagePath(community_id): PagePath<i64>,
) -> PageResult<Response> {
    let b = st.app.notice_board(community_id).await?;
    let offset = utc_offset(&st).await?;
    let lines = b
        .notices
        .iter()
        .map(|l| line(&ctx, l, offset, false))
        .collect();
    let community = if english(ctx.lang) {
        b.community_name_en
    } else {
        b.community_name_zh
    };
    Ok(render(&BoardPage {
        ctx,
        community,
        lines,
    }))
}
