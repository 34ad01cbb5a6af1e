//! Notice pages: the inbox and the staff list (`/notices`), writing one, one notice
//! (opening it records the reader's receipt), its coverage with a bar per building,
//! the grid worker's follow-up list, the stairwell poster, the code a poster carries
//! and each community's public board.
//!
//! The pages by group: `list` (the inbox and the staff list), `form` (writing one),
//! `detail` (one notice, publishing, withdrawing, the poster), `files` (its
//! attachments), `coverage`, `follow_up` and `public` (a poster's code and the public
//! board). Here: the routes and how a
//! notice and its recipients are put in the reader's words.

use std::collections::HashMap;

use civicgrid_app::domain::ledger::place;
use civicgrid_app::domain::participation::notices::{Reading, Target};
use civicgrid_app::participation::notices::{NoticeLine, NoticeView, RecipientRow};

use crate::error::PageResult;
use crate::i18n::Lang;
use crate::page::PageCtx;
use crate::requests::pages::{local_time, utc_offset};
use crate::routes::Routes;
use crate::state::AppState;

mod coverage;
mod detail;
mod files;
mod follow_up;
mod form;
mod list;
mod public;

pub(crate) use files::attachment_response as notice_file_response;

pub(super) fn routes(r: Routes) -> Routes {
    let r = list::routes(r);
    let r = form::routes(r);
    let r = public::routes(r);
    let r = detail::routes(r);
    let r = coverage::routes(r);
    let r = files::routes(r);
    follow_up::routes(r)
}

fn english(lang: Lang) -> bool {
    lang == Lang::En
}

/// A notice on a list, in the reader's words.
struct Line {
    id: i64,
    title: String,
    state: &'static str,
    pinned: bool,
    important: bool,
    when: String,
    deadline: Option<String>,
    reach: String,
    unread: bool,
}

fn line(ctx: &PageCtx, l: &NoticeLine, offset: i32, inbox: bool) -> Line {
    let title = l.title(english(ctx.lang)).to_owned();
    Line {
        id: l.id,
        title,
        state: l.state.as_str(),
        pinned: l.pinned,
        important: l.important,
        when: local_time(l.published_at.unwrap_or(l.created_at), offset),
        deadline: l.read_by.map(|d| local_time(d, offset)),
        reach: if inbox {
            String::new()
        } else {
            ctx.lang.t_args(
                "notice-reach",
                &[
                    ("read", l.read.to_string()),
                    ("total", l.recipients.to_string()),
                ],
            )
        },
        unread: inbox && l.read_at.is_none(),
    }
}

/// A room as people say it (1栋1单元204室), or the account's name for role holders.
fn address(lang: Lang, r: &RecipientRow) -> String {
    if r.household_id.is_some() {
        place::address(
            &r.building,
            &r.unit,
            &r.room,
            crate::ledger::pages::speech(lang),
        )
    } else {
        lang.t("notice-account")
    }
}

/// How a receipt stands, as a message key's suffix: one of the readings, or unread.
fn reading_key(r: &RecipientRow) -> &'static str {
    match r.reading.as_deref().and_then(Reading::parse) {
        Some(x) if r.read_at.is_some() || x == Reading::NotReached => x.as_str(),
        _ => "unread",
    }
}

/// A notice in the reader's words.
struct Shown {
    id: i64,
    code: String,
    title: String,
    body: Vec<String>,
    state: &'static str,
    place: String,
    audience: String,
    pinned: bool,
    important: bool,
    published: Option<String>,
    deadline: Option<String>,
    expires: Option<String>,
    reach: String,
    read_by_me: Option<String>,
    addressed_to_me: bool,
    files: Vec<ShownFile>,
}

/// A file sent with a notice, as listed under it.
struct ShownFile {
    id: i64,
    name: String,
    pdf: bool,
    /// "350 KB", "1.2 MB".
    size: String,
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

async fn shown(st: &AppState, ctx: &PageCtx, v: &NoticeView) -> PageResult<Shown> {
    let offset = utc_offset(st).await?;
    let en = english(ctx.lang);
    let audience = match &v.target {
        Target::Everyone => ctx.t("notice-target-everyone"),
        Target::Tags(tags) => {
            let names = tag_names(st, ctx).await;
            let list: Vec<String> = tags
                .iter()
                .map(|t| names.get(t).cloned().unwrap_or_else(|| ctx.t("notice-tag")))
                .collect();
            ctx.t1("notice-target-tags-of", "tags", &list.join("、"))
        }
        Target::Roles(roles) => {
            let list: Vec<String> = roles.iter().map(|r| ctx.tk("role-", r)).collect();
            ctx.t1("notice-target-roles-of", "roles", &list.join("、"))
        }
        Target::EstateOwners(_) => ctx.t1(
            "notice-target-estate-of",
            "estate",
            v.estate_name.as_deref().unwrap_or(""),
        ),
    };
    Ok(Shown {
        id: v.id,
        code: v.code.clone(),
        title: v.title(en).to_owned(),
        body: v.body(en).lines().map(str::to_owned).collect(),
        state: v.state.as_str(),
        place: if en {
            v.scope_name_en.clone()
        } else {
            v.scope_name_zh.clone()
        },
        audience,
        pinned: v.pinned,
        important: v.important,
        published: v.published_at.map(|t| local_time(t, offset)),
        deadline: v.read_by.map(|t| local_time(t, offset)),
        expires: v.expires_at.map(|t| local_time(t, offset)),
        reach: ctx.lang.t_args(
            "notice-reach",
            &[
                ("read", v.read.to_string()),
                ("total", v.recipients.to_string()),
            ],
        ),
        read_by_me: v.my_receipt.flatten().map(|t| local_time(t, offset)),
        addressed_to_me: v.my_receipt.is_some(),
        files: v
            .attachments
            .iter()
            .map(|a| ShownFile {
                id: a.id,
                name: a.file_name.clone(),
                pdf: a.content_type == "application/pdf",
                size: size_label(a.byte_len),
            })
            .collect(),
    })
}

/// Tag code → name in the reader's language (empty for readers who may not see the
/// catalogue: they are shown a generic word).
async fn tag_names(st: &AppState, ctx: &PageCtx) -> HashMap<String, String> {
    let Some(u) = &ctx.user else {
        return HashMap::new();
    };
    match st.app.tag_catalogue(&u.actor).await {
        Ok(all) => all
            .into_iter()
            .map(|t| {
                let name = if english(ctx.lang) {
                    t.def.name_en
                } else {
                    t.def.name_zh
                };
                (t.def.code, name)
            })
            .collect(),
        Err(_) => HashMap::new(),
    }
}

/// A recipient row in the reader's words.
struct Row {
    grid: String,
    address: String,
    name: String,
    reading: &'static str,
    at: String,
}

fn row(lang: Lang, r: &RecipientRow, offset: i32) -> Row {
    Row {
        grid: r.grid_name.clone(),
        address: address(lang, r),
        name: r.name.clone(),
        reading: reading_key(r),
        at: r
            .read_at
            .or(r.followed_at)
            .map(|t| local_time(t, offset))
            .unwrap_or_default(),
    }
}
