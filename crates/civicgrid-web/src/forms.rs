//! What the form pages share: showing a use case's objection next to the field it
//! names, reading numbers typed into forms, and the choices of node and role pickers.

use std::collections::{HashMap, HashSet};

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use civicgrid_app::AppError;
use civicgrid_app::domain::platform::access::{Actor, Role};
use civicgrid_app::platform::org::OrgNode;
use serde::Deserialize;

use crate::error::{Failure, PageError};
use crate::extract::PageQuery;
use crate::i18n::{Lang, lang_of};

/// One objection to what was typed: which field, a translated summary, and the use
/// case's own words (English) as detail.
#[derive(Debug, Clone)]
pub struct Problem {
    pub field: String,
    pub summary: String,
    pub detail: String,
}

/// The objections a form is re-rendered with (none on first display).
#[derive(Debug, Clone, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn none() -> Problems {
        Problems::default()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn all(&self) -> &[Problem] {
        &self.0
    }

    /// The objection to `field`, if any.
    pub fn get(&self, field: &str) -> Option<&Problem> {
        self.0.iter().find(|p| p.field == field)
    }

    /// True when `field` has an objection (for `aria-invalid`).
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// An objection the page found itself (e.g. two passwords that differ).
    pub fn one(lang: Lang, field: &str, detail: &str) -> Problems {
        Problems(vec![Problem {
            field: field.to_owned(),
            summary: summary(lang, field),
            detail: detail.to_owned(),
        }])
    }
}

fn summary(lang: Lang, field: &str) -> String {
    let key = format!("invalid-{field}");
    if lang.has(&key) {
        lang.t(&key)
    } else {
        lang.t("form-check-input")
    }
}

/// Splits a use case's error: invalid input and conflicts become objections shown on
/// the re-rendered form (with its status); anything else goes to the error page.
/// A conflict is pinned on `conflict_field` (the field whose value must be unique).
pub fn problems_of(
    lang: Lang,
    err: AppError,
    conflict_field: &str,
) -> Result<(StatusCode, Problems), PageError> {
    match err {
        AppError::Invalid { field, message } => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Problems(vec![Problem {
                field: field.to_owned(),
                summary: summary(lang, field),
                detail: message,
            }]),
        )),
        AppError::Conflict(message) => Ok((
            StatusCode::CONFLICT,
            Problems(vec![Problem {
                field: conflict_field.to_owned(),
                summary: lang.t("form-conflict"),
                detail: message,
            }]),
        )),
        other => Err(other.into()),
    }
}

/// A number typed into a form field; anything else is an objection naming the field.
pub fn form_id(field: &'static str, raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| AppError::invalid(field, "choose one of the listed options"))
}

/// An optional number in a query string: absent or empty is `None`, anything that is
/// not a number is a 400.
pub fn query_number(field: &str, raw: Option<&str>) -> Result<Option<i64>, PageError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            PageError(Failure::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("{field} must be a whole number"),
            ))
        }),
    }
}

/// An optional text typed into a form: blank is `None`.
/// Opens a multipart body; a refused body (too large, not multipart) is a page error
/// that says so.
pub async fn open_multipart(
    req: axum::extract::Request,
    st: &crate::state::AppState,
) -> Result<axum::extract::Multipart, PageError> {
    use axum::extract::FromRequest;
    axum::extract::Multipart::from_request(req, st)
        .await
        .map_err(|r| {
            let status = r.status();
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "payload_too_large"
            } else {
                "invalid_form"
            };
            PageError(Failure::new(status, code, r.body_text()))
        })
}

pub fn optional(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// The notice for `?done=…` after a successful post (unknown values show nothing).
pub fn notice(lang: Lang, done: Option<&str>) -> Option<String> {
    let key = format!("done-{}", done?);
    lang.has(&key).then(|| lang.t(&key))
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// The [`notice`] a page shows when a successful post redirected back to it with
/// `?done=…`, in the reader's language; a query that cannot be read is a 400 like any
/// other page query.
pub struct DoneNotice(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for DoneNotice {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let PageQuery(q) = PageQuery::<DoneQuery>::from_request_parts(parts, state).await?;
        Ok(DoneNotice(notice(lang_of(parts), q.done.as_deref())))
    }
}

/// The `?done=…` code itself, for a page that shows more than the notice after a
/// particular outcome (the request page after a rating reopened the request).
pub struct DoneCode(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for DoneCode {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let PageQuery(q) = PageQuery::<DoneQuery>::from_request_parts(parts, state).await?;
        Ok(DoneCode(q.done))
    }
}

/// One option of a node picker: the node's place in the hierarchy, in the reader's
/// language, e.g. "滨江区 / 望湖街道 / 湖光社区".
#[derive(Debug, Clone)]
pub struct NodeChoice {
    pub id: i64,
    pub value: String,
    pub label: String,
    pub kind: &'static str,
}

/// `nodes` in reading order: each node followed by its subtree, siblings by code.
/// (Materialised paths sort "/4/31/" before "/4/5/"; people expect 5 before 31.)
pub fn tree_order(nodes: &[OrgNode]) -> Vec<&OrgNode> {
    let present: HashSet<i64> = nodes.iter().map(|n| n.id).collect();
    let mut children: HashMap<Option<i64>, Vec<&OrgNode>> = HashMap::new();
    for n in nodes {
        // A node whose parent is not listed is a top of what the reader may see.
        let parent = n.parent_id.filter(|p| present.contains(p));
        children.entry(parent).or_default().push(n);
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.code.cmp(&b.code));
    }
    let mut out = Vec::with_capacity(nodes.len());
    let mut stack: Vec<&OrgNode> = children
        .get(&None)
        .into_iter()
        .flatten()
        .rev()
        .copied()
        .collect();
    while let Some(n) = stack.pop() {
        out.push(n);
        if let Some(kids) = children.get(&Some(n.id)) {
            stack.extend(kids.iter().rev().copied());
        }
    }
    out
}

/// Picker options for `nodes`, in [`tree_order`].
pub fn node_choices(lang: Lang, nodes: &[OrgNode]) -> Vec<NodeChoice> {
    let names: HashMap<i64, &str> = nodes.iter().map(|n| (n.id, node_name(lang, n))).collect();
    tree_order(nodes)
        .into_iter()
        .map(|n| NodeChoice {
            id: n.id,
            value: n.id.to_string(),
            label: n
                .path
                .ids()
                .iter()
                .filter_map(|id| names.get(id).copied())
                .collect::<Vec<_>>()
                .join(" / "),
            kind: n.kind.as_str(),
        })
        .collect()
}

/// A node's name in `lang`.
pub fn node_name(lang: Lang, node: &OrgNode) -> &str {
    match lang {
        Lang::ZhCn => &node.name_zh,
        Lang::En => &node.name_en,
    }
}

/// The roles this actor may hand out somewhere, as the app answers (what a role
/// picker offers; the use case still checks the node).
pub fn grantable_roles(actor: &Actor) -> Vec<&'static str> {
    civicgrid_app::platform::users::grantable_roles(actor)
        .into_iter()
        .map(Role::as_str)
        .collect()
}

/// Every role, for pickers that are not bounded by the grant rules (API tokens).
pub fn all_roles() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_numbers_accept_blank_and_reject_words() {
        assert_eq!(query_number("page", None).ok(), Some(None));
        assert_eq!(query_number("page", Some(" ")).ok(), Some(None));
        assert_eq!(query_number("page", Some("3")).ok(), Some(Some(3)));
        assert!(query_number("page", Some("x")).is_err());
    }

    fn node(id: i64, parent: Option<i64>, path: &str, code: &str) -> OrgNode {
        OrgNode {
            id,
            parent_id: parent,
            kind: civicgrid_app::domain::platform::org::NodeKind::Grid,
            code: code.into(),
            name_zh: code.into(),
            name_en: code.into(),
            path: civicgrid_app::domain::platform::org::OrgPath::from_stored(path.into()),
            boundary: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn tree_order_puts_siblings_in_code_order_under_their_parent() {
        // Path order as the store lists them: /4/31/ sorts before /4/5/.
        let nodes = [
            node(4, Some(1), "/1/4/", "C"),
            node(31, Some(4), "/1/4/31/", "C-05"),
            node(5, Some(4), "/1/4/5/", "C-01"),
            node(50, Some(5), "/1/4/5/50/", "C-01-x"),
            node(9, Some(1), "/1/9/", "B"),
        ];
        let order: Vec<i64> = tree_order(&nodes).iter().map(|n| n.id).collect();
        assert_eq!(order, vec![9, 4, 5, 50, 31]);
        let labels = node_choices(Lang::En, &nodes);
        assert_eq!(labels[3].label, "C / C-01 / C-01-x");
    }

    #[test]
    fn invalid_input_is_pinned_on_its_field() {
        let (status, p) = problems_of(Lang::En, AppError::invalid("code", "bad code"), "code")
            .map_err(|_| ())
            .unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(p.get("code").map(|p| p.detail.as_str()), Some("bad code"));
        assert!(problems_of(Lang::En, AppError::Forbidden, "code").is_err());
    }
}
