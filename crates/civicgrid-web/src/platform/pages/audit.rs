//! The audit log: newest entries first, filtered by target and paged backwards, with
//! each scope shown as the names of its units; the verification of its hash chain; and
//! the data-access log of residents' records shown on cards.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use civicgrid_app::domain::ledger::place;
use civicgrid_app::domain::platform::audit::{ChainBreak, StoredEntry};
use civicgrid_app::platform::audit::{AuditFilter, ScopeStep};
use civicgrid_app::privacy::{DataView, ViewFilter};
use serde::Deserialize;

use super::audit_details::{DetailLine, DetailWords};
use crate::error::PageResult;
use crate::extract::{CurrentUser, PageQuery};
use crate::forms::{optional, query_number};
use crate::i18n::Lang;
use crate::page::{PageCtx, render, url_encode};
use crate::requests::pages::{language, machine_note, org_names};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/audit", entries)
        .get("/audit/verify", verify)
        .get("/audit/views", views)
}

/// Entries shown on one page.
const PAGE_SIZE: i64 = 100;

/// Target types a reader can filter by (what the use cases record).
const TARGET_TYPES: [&str; 10] = [
    "org_node",
    "user",
    "api_token",
    "session",
    "resident",
    "household",
    "request",
    "responder_org",
    "routing_rule",
    "request_settings",
];

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
    scope: Scope,
    reason: String,
    /// The details in words, and as stored (for auditors, behind a disclosure).
    summary: Vec<DetailLine>,
    details: String,
}

/// A scope as the names of the units its path runs through (`江城市 › 望湖街道 ›
/// 湖光社区`), linked to the innermost; the raw path when its units are unknown.
#[derive(Default)]
struct Scope {
    path: String,
    names: String,
    href: Option<String>,
}

/// The scope shown for `path` (empty when there is none).
fn scope(lang: Lang, names: &HashMap<String, Vec<ScopeStep>>, path: Option<&str>) -> Scope {
    let Some(path) = path else {
        return Scope::default();
    };
    match names.get(path) {
        Some(steps) => Scope {
            path: path.to_owned(),
            names: steps
                .iter()
                .map(|s| match lang {
                    Lang::ZhCn => s.name_zh.as_str(),
                    Lang::En => s.name_en.as_str(),
                })
                .collect::<Vec<_>>()
                .join(" › "),
            href: steps.last().map(|s| format!("/org/{}", s.id)),
        },
        None => Scope {
            path: path.to_owned(),
            names: path.to_owned(),
            href: None,
        },
    }
}

/// A translated label for `prefix` + `code` when the files have one, else the code.
pub(crate) fn label(lang: Lang, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}{}", code.replace('.', "-"));
    if lang.has(&key) {
        lang.t(&key)
    } else {
        code.to_owned()
    }
}

/// Who made an entry: the account or token's name, the system (the jobs) in words.
pub(crate) fn actor_name(lang: Lang, label: String) -> String {
    if label == "system" {
        lang.t("audit-actor-system")
    } else {
        label
    }
}

fn target_href(target_type: &str, target_id: &str) -> Option<String> {
    let id: i64 = target_id.parse().ok()?;
    match target_type {
        "org_node" => Some(format!("/org/{id}")),
        "user" => Some(format!("/users/{id}")),
        "request" => Some(format!("/requests/{id}")),
        "household" => Some(format!("/ledger/households/{id}")),
        "resident" => Some(format!("/ledger/residents/{id}")),
        "estate" => Some(format!("/participation/estates/{id}")),
        "vote" => Some(format!("/participation/votes/{id}")),
        "proposal" => Some(format!("/participation/proposals/{id}")),
        "meeting" => Some(format!("/participation/meetings/{id}")),
        _ => None,
    }
}

/// What an entry's target is called: a request's number, an organisation's name, or
/// the name its details carry; nothing when only its number is known (the link says
/// the rest).
fn target_name(names: &TargetNames, target_type: &str, target_id: &str, details: &str) -> String {
    let id: Option<i64> = target_id.parse().ok();
    let known = match (target_type, id) {
        ("request", Some(id)) => names.requests.get(&id).cloned(),
        ("responder_org", Some(id)) => names.orgs.get(&id).cloned(),
        ("user", Some(id)) => names.users.get(&id).cloned(),
        _ => None,
    };
    known.unwrap_or_else(|| {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str(details) else {
            return String::new();
        };
        ["name_zh", "username", "name", "title", "code"]
            .iter()
            .find_map(|k| map.get(*k)?.as_str().map(str::to_owned))
            .unwrap_or_default()
    })
}

/// The account an entry is about: its target, or the member its details name.
fn account_of(e: &StoredEntry) -> Option<i64> {
    if e.fields.target_type == "user" {
        return e.fields.target_id.parse().ok();
    }
    let details: serde_json::Value = serde_json::from_str(&e.fields.details).ok()?;
    details.get("user")?.as_i64()
}

/// Names of the requests, organisations and accounts the entries on a page refer to.
struct TargetNames {
    requests: HashMap<i64, String>,
    orgs: HashMap<i64, String>,
    users: HashMap<i64, String>,
    categories: HashMap<String, String>,
}

fn line(
    lang: Lang,
    scopes: &HashMap<String, Vec<ScopeStep>>,
    names: &TargetNames,
    e: StoredEntry,
) -> EntryLine {
    let f = e.fields;
    let words = DetailWords {
        lang,
        categories: &names.categories,
        orgs: &names.orgs,
        users: &names.users,
    };
    let name = target_name(names, &f.target_type, &f.target_id, &f.details);
    EntryLine {
        scope: scope(lang, scopes, f.scope_path.as_deref()),
        seq: e.seq,
        at_ms: f.at_ms,
        action: label(lang, "action-", &f.action),
        target: [label(lang, "target-", &f.target_type), name]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        target_href: target_href(&f.target_type, &f.target_id),
        actor: actor_name(lang, f.actor_label),
        action_code: f.action,
        reason: machine_note(lang, f.reason.as_deref().unwrap_or_default()),
        summary: words.lines(&f.details),
        details: if f.details == "{}" {
            String::new()
        } else {
            f.details
        },
    }
}

#[derive(Template)]
#[template(path = "platform/audit.html")]
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
    let paths: Vec<&str> = found
        .iter()
        .filter_map(|e| e.fields.scope_path.as_deref())
        .collect();
    let scopes = st.app.scope_names(&me.actor, &paths).await?;
    let request_ids: Vec<i64> = found
        .iter()
        .filter(|e| e.fields.target_type == "request")
        .filter_map(|e| e.fields.target_id.parse().ok())
        .collect();
    let account_ids: Vec<i64> = found.iter().filter_map(account_of).collect();
    let names = TargetNames {
        requests: st.app.request_numbers(&request_ids).await?,
        users: st.app.audit_account_names(&me.actor, &account_ids).await?,
        orgs: org_names(&st, &ctx).await,
        categories: st
            .app
            .request_categories()
            .await?
            .iter()
            .map(|c| (c.code.clone(), c.name(language(lang)).to_owned()))
            .collect(),
    };
    Ok(render(&AuditPage {
        target_types: TARGET_TYPES
            .iter()
            .map(|t| (*t, label(lang, "target-", t)))
            .collect(),
        entries: found
            .into_iter()
            .map(|e| line(lang, &scopes, &names, e))
            .collect(),
        target_type,
        target_id,
        older,
        ctx,
    }))
}

#[derive(Template)]
#[template(path = "platform/audit_verify.html")]
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
    let ctx_lang = ctx.lang;
    Ok(render(&VerifyPage {
        ctx,
        checked: v.checked,
        head_seq: v.head_seq,
        first_break: v.first_break.map(|b| break_words(ctx_lang, &b)),
    }))
}

/// Where and how the chain breaks, in the reader's words.
fn break_words(lang: Lang, b: &ChainBreak) -> String {
    let n = |v: &i64| v.to_string();
    match b {
        ChainBreak::Gap {
            expected_seq,
            found_seq,
        } => lang.t_args(
            "audit-break-gap",
            &[("seq", n(expected_seq)), ("found", n(found_seq))],
        ),
        ChainBreak::Link { seq } => lang.t_args("audit-break-link", &[("seq", n(seq))]),
        ChainBreak::Content { seq } => lang.t_args("audit-break-content", &[("seq", n(seq))]),
        ChainBreak::Truncated { last_seq, head_seq } => lang.t_args(
            "audit-break-truncated",
            &[("last", n(last_seq)), ("head", n(head_seq))],
        ),
    }
}

#[derive(Deserialize)]
struct ViewsQuery {
    resident_id: Option<String>,
    user_id: Option<String>,
    before_id: Option<String>,
}

struct ViewLine {
    at_ms: i64,
    actor: String,
    actor_href: Option<String>,
    role: Option<String>,
    action: String,
    action_code: String,
    resident_id: i64,
    /// The resident's masked name (张**); empty when the record is gone.
    resident: String,
    /// The household's room as people say it (3栋1单元101室).
    address: String,
    scope: Scope,
}

/// The filter a reader followed a link to, named: whose record, or which account.
struct ViewsFilter {
    name: String,
    account: bool,
}

#[derive(Template)]
#[template(path = "platform/audit_views.html")]
struct ViewsPage {
    ctx: PageCtx,
    filter: Option<ViewsFilter>,
    lines: Vec<ViewLine>,
    older: Option<String>,
}

/// Who was shown which resident's record (masked cards), newest first, in the
/// reader's audit scope; by resident or by account, each reached by following its name.
async fn views(
    State(st): State<AppState>,
    ctx: PageCtx,
    CurrentUser(me): CurrentUser,
    PageQuery(q): PageQuery<ViewsQuery>,
) -> PageResult<Response> {
    let filter = ViewFilter {
        resident_id: query_number("resident_id", q.resident_id.as_deref())?,
        actor_user_id: query_number("user_id", q.user_id.as_deref())?,
        before_id: query_number("before_id", q.before_id.as_deref())?,
        ..ViewFilter::default()
    };
    let found: Vec<DataView> = st
        .app
        .data_views(&me.actor, filter.clone(), PAGE_SIZE)
        .await?;
    let paths: Vec<&str> = found.iter().map(|v| v.scope_path.as_str()).collect();
    let names = st.app.scope_names(&me.actor, &paths).await?;
    let shown = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let (resident_id, user_id) = (shown(filter.resident_id), shown(filter.actor_user_id));
    let full = found.len() >= usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    let older = match found.last() {
        Some(last) if full => Some(format!(
            "/audit/views?resident_id={resident_id}&user_id={user_id}&before_id={}",
            last.id
        )),
        _ => None,
    };
    let lang = ctx.lang;
    let filter = match (filter.resident_id, filter.actor_user_id) {
        (Some(_), _) => Some(ViewsFilter {
            name: found
                .first()
                .and_then(|v| v.resident_name.clone())
                .unwrap_or_else(|| lang.t("audit-views-this-resident")),
            account: false,
        }),
        (None, Some(_)) => Some(ViewsFilter {
            name: found
                .first()
                .map(|v| v.actor_label.clone())
                .unwrap_or_else(|| lang.t("audit-views-this-account")),
            account: true,
        }),
        (None, None) => None,
    };
    let speech = crate::ledger::pages::speech(lang);
    let lines = found
        .into_iter()
        .map(|v| ViewLine {
            at_ms: v.at_ms,
            actor_href: v
                .actor_user_id
                .map(|id| format!("/audit/views?user_id={id}")),
            actor: if v.actor_user_id.is_none() && v.actor_token_id.is_none() {
                lang.t("audit-actor-system")
            } else {
                v.actor_label
            },
            role: v.actor_role,
            action: label(lang, "action-", &v.action),
            action_code: v.action,
            resident_id: v.resident_id,
            resident: v.resident_name.unwrap_or_default(),
            address: place::address(
                v.building.as_deref().unwrap_or_default(),
                v.unit.as_deref().unwrap_or_default(),
                v.room.as_deref().unwrap_or_default(),
                speech,
            ),
            scope: scope(lang, &names, Some(&v.scope_path)),
        })
        .collect();
    Ok(render(&ViewsPage {
        ctx,
        filter,
        lines,
        older,
    }))
}
