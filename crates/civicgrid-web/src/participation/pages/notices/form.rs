//! Writing a notice: the form (places, audience, texts in both languages, timing) and
//! what it posts, kept as a draft or published at once.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use civicgrid_app::domain::participation::attachments::{MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS};
use civicgrid_app::participation::notices::{NoticeChoices, NoticeInput, UploadedFile};

use super::english;
use crate::error::PageResult;
use crate::extract::CurrentUser;
use crate::forms::{NodeChoice, Problems, node_choices, optional, problems_of};
#[allow(unused_imports)]
use crate::i18n::Lang;
use crate::page::{PageCtx, render};
use crate::requests::pages::resident::read_posted;
use crate::requests::pages::utc_offset;
use crate::routes::Routes;
use crate::state::AppState;

/// The largest notice form: its texts and every attachment it may carry.
pub(super) const MAX_FORM_BYTES: usize = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 64 * 1024;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/notices/new", new_form)
        .post_with_body_limit("/notices", create, MAX_FORM_BYTES)
}

/// The notice form's fields as typed.
#[derive(Debug, Default, Clone)]
struct Fields {
    scope_id: String,
    title_zh: String,
    body_zh: String,
    title_en: String,
    body_en: String,
    target: String,
    tags: Vec<String>,
    roles: Vec<String>,
    estate_id: String,
    pinned: bool,
    important: bool,
    read_by: String,
    expires_at: String,
}

impl Fields {
    /// The fields of a posted form: tags and roles are checkboxes named `tag_<code>`
    /// and `role_<code>`.
    fn from_map(m: &HashMap<String, String>) -> Fields {
        let get = |k: &str| m.get(k).cloned().unwrap_or_default();
        let checked = |prefix: &str| {
            let mut v: Vec<String> = m
                .keys()
                .filter_map(|k| k.strip_prefix(prefix))
                .map(str::to_owned)
                .collect();
            v.sort();
            v
        };
        let tags = checked("tag_");
        let roles = checked("role_");
        let target = get("target");
        Fields {
            scope_id: get("scope_id"),
            title_zh: get("title_zh"),
            body_zh: get("body_zh"),
            title_en: get("title_en"),
            body_en: get("body_en"),
            target: if target.is_empty() {
                "everyone".into()
            } else {
                target
            },
            tags,
            roles,
            estate_id: get("estate_id"),
            pinned: m.contains_key("pinned"),
            important: m.contains_key("important"),
            read_by: get("read_by"),
            expires_at: get("expires_at"),
        }
    }

    fn has_tag(&self, t: &str) -> bool {
        self.tags.iter().any(|x| x == t)
    }

    fn has_role(&self, r: &&str) -> bool {
        self.roles.iter().any(|x| x == r)
    }
}

/// A number chosen in a form: blank is `None`, anything else not a number is an error
/// on `field`.
fn chosen(field: &'static str, raw: &str) -> Result<Option<i64>, AppError> {
    match optional(raw) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "choose one of the listed options")),
    }
}

/// A `datetime-local` value (2026-12-07T18:00) in the community's time as an
/// instant; blank is `None`.
fn local_instant(
    field: &'static str,
    raw: &str,
    offset_minutes: i32,
) -> Result<Option<i64>, AppError> {
    let Some(raw) = optional(raw) else {
        return Ok(None);
    };
    let local = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| AppError::invalid(field, "choose a date and time"))?;
    Ok(Some(
        local.and_utc().timestamp_millis() - i64::from(offset_minutes) * 60_000,
    ))
}

/// Files posted in `attachments` parts, as the app takes them.
pub(super) fn uploads(posted: Vec<(String, Vec<u8>)>) -> Vec<UploadedFile> {
    posted
        .into_iter()
        .map(|(file_name, data)| UploadedFile { file_name, data })
        .collect()
}

fn input_of(f: &Fields, publish: bool, offset: i32) -> Result<NoticeInput, AppError> {
    Ok(NoticeInput {
        scope_id: chosen("scope_id", &f.scope_id)?,
        title_zh: f.title_zh.clone(),
        body_zh: f.body_zh.clone(),
        title_en: f.title_en.clone(),
        body_en: f.body_en.clone(),
        target: f.target.clone(),
        tags: f.tags.clone(),
        roles: f.roles.clone(),
        estate_id: chosen("estate_id", &f.estate_id)?,
        pinned: f.pinned,
        important: f.important,
        read_by: local_instant("read_by", &f.read_by, offset)?,
        expires_at: local_instant("expires_at", &f.expires_at, offset)?,
        publish,
        attachments: Vec::new(),
    })
}

#[derive(Template)]
#[template(path = "participation/notice_form.html")]
struct FormPage {
    ctx: PageCtx,
    nodes: Vec<NodeChoice>,
    tags: Vec<(String, String)>,
    roles: Vec<&'static str>,
    estates: Vec<(i64, String)>,
    f: Fields,
    problems: Problems,
}

async fn form_page(
    st: &AppState,
    ctx: PageCtx,
    me: &civicgrid_app::platform::auth::SignedIn,
    f: Fields,
    problems: Problems,
) -> PageResult<Response> {
    let NoticeChoices {
        nodes,
        tags,
        roles,
        estates,
    } = st.app.notice_choices(&me.actor).await?;
    let tags = tags
        .into_iter()
        .map(|(code, zh, en)| (code, if english(ctx.lang) { en } else { zh }))
        .collect();
    let estates = estates
        .into_iter()
        .map(|(id, community, name)| (id, format!("{community} · {name}")))
        .collect();
    Ok(render(&FormPage {
        nodes: node_choices(ctx.lang, &nodes),
        ctx,
        tags,
        roles,
        estates,
        f,
        problems,
    }))
}

async fn new_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let f = Fields {
        target: "everyone".into(),
        ..Fields::default()
    };
    form_page(&st, ctx, &me, f, Problems::none()).await
}

async fn create(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    req: Request,
) -> PageResult<Response> {
    let posted = read_posted(&st, req).await?;
    let m = posted.fields;
    let f = Fields::from_map(&m);
    let publish = m.get("action").is_some_and(|a| a == "publish");
    let offset = utc_offset(&st).await?;
    let result = match input_of(&f, publish, offset) {
        Ok(mut input) => {
            input.attachments = uploads(posted.attachments);
            st.app.create_notice(&me.actor, &input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => {
            let done = if publish {
                "notice_published"
            } else {
                "notice_saved"
            };
            Ok(Redirect::to(&format!("/notices/{}?done={done}", v.id)).into_response())
        }
        Err(e) => {
            let (status, problems) = problems_of(ctx.lang, e, "title_zh")?;
            let page = form_page(&st, ctx, &me, f, problems).await?;
            Ok((status, page).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_instants_are_in_the_community_time() {
        assert_eq!(
            local_instant("read_by", "1970-01-01T08:00", 480).ok(),
            Some(Some(0))
        );
        assert!(local_instant("read_by", "tomorrow", 480).is_err());
        assert_eq!(local_instant("read_by", " ", 480).ok(), Some(None));
    }
}
