//! The audit log: newest entries first, filtered by target and paged backwards, and
//! the verification of its hash chain.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::domain::access::Permission;
use civicgrid_app::domain::audit::StoredEntry;
use civicgrid_app::store::audit::AuditFilter;
use serde::Deserialize;

use super::forms::{optional, query_number};
use super::{PageCtx, render, url_encode};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageQuery};
use crate::i18n::Lang;
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/audit", entries).get("/audit/verify", verify)
}

/// Entries shown on one page.
const PAGE_SIZE: i64 = 100;

/// Target types a reader can filter by (what the use cases record).
const TARGET_TYPES: [&str; 4] = ["org_node", "user", "api_token", "session"];

#[derive(Deserialize)]
struct AuditQuery {
    target_type: Option<String>,
    target_id: Option<String>,
    before_seq: Option<String>,
}

struct EntryLine {
    seq: i64,
    at_ms: i64,
    actor: String,
    action: String,
    action_code: String,
    target: String,
    target_href: Option<String>,
    scope: String,
    reason: String,
    details: String,
}

/// A translated label for `prefix` + `code` when the files have one, else the code.
fn label(lang: Lang, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}{}", code.replace('.', "-"));
    if lang.has(&key) {
        lang.t(&key)
    } else {
        code.to_owned()
    }
}

fn target_href(target_type: &str, target_id: &str) -> Option<String> {
    let id: i64 = target_id.parse().ok()?;
    match target_type {
        "org_node" => Some(format!("/org/{id}")),
        "user" => Some(format!("/users/{id}")),
        _ => None,
    }
}

fn line(lang: Lang, e: StoredEntry) -> EntryLine {
    let f = e.fields;
    EntryLine {
        seq: e.seq,
        at_ms: f.at_ms,
        action: label(lang, "action-", &f.action),
        target: format!("{} {}", label(lang, "target-", &f.target_type), f.target_id),
        target_href: target_href(&f.target_type, &f.target_id),
        actor: f.actor_label,
        action_code: f.action,
        scope: f.scope_path.unwrap_or_default(),
        reason: f.reason.unwrap_or_default(),
        details: if f.details == "{}" {
            String::new()
        } else {
            f.details
        },
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: PageCtx,
    target_types: Vec<(&'static str, String)>,
    target_type: String,
    target_id: String,
    entries: Vec<EntryLine>,
    older: Option<String>,
}

async fn entries(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<AuditQuery>,
) -> PageResult<Response> {
    let target_type = q
        .target_type
        .as_deref()
        .and_then(optional)
        .map(str::to_owned);
    let target_id = q.target_id.as_deref().and_then(optional).map(str::to_owned);
    let filter = AuditFilter {
        target_type: target_type.clone(),
        target_id: target_id.clone(),
        before_seq: query_number("before_seq", q.before_seq.as_deref())?,
        ..AuditFilter::default()
    };
    let found = st.app.audit_entries(&me.actor, filter, PAGE_SIZE).await?;
    let (target_type, target_id) = (
        target_type.unwrap_or_default(),
        target_id.unwrap_or_default(),
    );
    let full = found.len() >= usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    let older = match found.last() {
        Some(last) if full => Some(format!(
            "/audit?target_type={}&target_id={}&before_seq={}",
            url_encode(&target_type),
            url_encode(&target_id),
            last.seq
        )),
        _ => None,
    };
    let lang = ctx.lang;
    Ok(render(&AuditPage {
        target_types: TARGET_TYPES
            .iter()
            .map(|t| (*t, label(lang, "target-", t)))
            .collect(),
        entries: found.into_iter().map(|e| line(lang, e)).collect(),
        target_type,
        target_id,
        older,
        ctx,
    }))
}

#[derive(Template)]
#[template(path = "audit_verify.html")]
struct VerifyPage {
    ctx: PageCtx,
    checked: u64,
    head_seq: i64,
    first_break: Option<String>,
}

async fn verify(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
) -> PageResult<Response> {
    let v = st.app.verify_audit(&me.actor).await?;
    Ok(render(&VerifyPage {
        ctx,
        checked: v.checked,
        head_seq: v.head_seq,
        first_break: v.first_break.map(|b| b.to_string()),
    }))
}
