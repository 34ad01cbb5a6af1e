//! A notice's attachments: adding files to a draft, removing one, and serving a file
//! to whoever may read the notice.

use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::detail::with_problems;
use super::form::{MAX_FORM_BYTES, uploads};
use crate::error::PageResult;
use crate::extract::{CurrentUser, MaybeUser, PageForm, PagePath};
use crate::page::PageCtx;
use crate::requests::pages::resident::read_posted;
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.post_with_body_limit("/notices/{id}/attachments", add, MAX_FORM_BYTES)
        .post("/notice-attachments/{id}/remove", remove)
        .get("/notice-attachments/{id}", file)
}

async fn add(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    req: Request,
) -> PageResult<Response> {
    let posted = read_posted(&st, req).await?;
    let files = uploads(posted.attachments);
    match st.app.add_notice_attachments(&me.actor, id, &files).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/notices/{id}?done=notice_files_added")).into_response())
        }
        Err(e) => with_problems(&st, ctx, &me, id, e, "attachments").await,
    }
}

async fn remove(
    State(st): State<AppState>,
    CurrentUser(me): CurrentUser,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<std::collections::HashMap<String, String>>,
) -> PageResult<Response> {
    let notice = st.app.remove_notice_attachment(&me.actor, id).await?;
    Ok(Redirect::to(&format!("/notices/{notice}?done=notice_file_removed")).into_response())
}

/// The file itself: a PDF opens in the browser's viewer, a photo shows; both under
/// the name they were sent with.
async fn file(
    State(st): State<AppState>,
    MaybeUser(me): MaybeUser,
    PagePath(id): PagePath<i64>,
) -> PageResult<Response> {
    let (meta, data) = st
        .app
        .notice_attachment(me.as_ref().map(|m| &m.actor), id)
        .await?;
    Ok(attachment_response(&meta, data))
}

/// A stored attachment as a response: a stored file's response
/// ([`crate::page::photo_response`]), shown inline under the name it was sent with.
pub(crate) fn attachment_response(
    meta: &civicgrid_app::participation::notices::AttachmentLine,
    data: Vec<u8>,
) -> Response {
    let mut res = crate::page::photo_response(&meta.content_type, &meta.sha256, data, false);
    let name =
        percent_encoding::utf8_percent_encode(&meta.file_name, percent_encoding::NON_ALPHANUMERIC);
    if let Ok(v) = header::HeaderValue::from_str(&format!("inline; filename*=UTF-8''{name}")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
