//! Server-rendered pages (askama templates in `templates/`). They work without
//! JavaScript; htmx, vendored in `static/`, only enhances them.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use civicgrid_app::auth::SignedIn;
use civicgrid_app::domain::access::Permission;
use civicgrid_app::store::org::OrgNode;

use crate::csrf::CsrfToken;
use crate::error::{Failure, PageError};
use crate::extract::MaybeUser;
use crate::i18n::Lang;
use crate::routes::Routes;
use crate::state::AppState;

mod account;
mod audit;
mod auth;
mod forms;
mod home;
mod ledger;
mod ledger_io;
mod ledger_search;
mod org;
mod population;
mod requests;
mod static_files;
mod tokens;
mod users;

pub(crate) fn routes(r: Routes) -> Routes {
    let r = static_files::routes(r);
    let r = home::routes(r);
    let r = auth::routes(r);
    let r = org::routes(r);
    let r = users::routes(r);
    let r = account::routes(r);
    let r = audit::routes(r);
    let r = ledger::routes(r);
    let r = ledger_io::routes(r);
    let r = ledger_search::routes(r);
    let r = population::routes(r);
    let r = requests::routes(r);
    tokens::routes(r)
}

/// What every page needs besides its own data: language, CSRF token, who is signed in.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub lang: Lang,
    pub csrf: String,
    pub user: Option<SignedIn>,
    /// Path and query of this page, for the language switcher to come back to.
    pub here: String,
}

impl PageCtx {
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// The text for `prefix` + `key`, e.g. `("role-", "grid_worker")`.
    pub fn tk(&self, prefix: &str, key: &str) -> String {
        self.lang.t(&format!("{prefix}{key}"))
    }

    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.lang.t_args(key, &[(name, value.to_owned())])
    }

    /// May the signed-in user use `permission` somewhere? (Decides which links show;
    /// the use cases decide what is allowed.)
    pub fn can(&self, permission: Permission) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| u.actor.can_somewhere(permission))
    }

    pub fn username(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.user.username.as_str())
    }

    /// A node's name in the reader's language.
    pub fn node_name<'a>(&self, node: &'a OrgNode) -> &'a str {
        match self.lang {
            Lang::ZhCn => &node.name_zh,
            Lang::En => &node.name_en,
        }
    }

    /// A time in milliseconds since the epoch, shown in China Standard Time.
    pub fn time(&self, ms: &i64) -> String {
        format_time(*ms)
    }

    pub fn here_encoded(&self) -> String {
        url_encode(&self.here)
    }
}

/// Formats a UTC millisecond timestamp in the communities' time zone (UTC+8).
pub fn format_time(ms: i64) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600);
    match (chrono::DateTime::from_timestamp_millis(ms), offset) {
        (Some(t), Some(tz)) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        _ => String::from("-"),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        Ok(PageCtx {
            lang: crate::i18n::lang_of(parts),
            csrf: parts
                .extensions
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default(),
            user,
            here: parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned(),
        })
    }
}

/// Renders a template into a response; a template error is an internal error page.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            PageError(Failure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            ))
            .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: PageCtx,
    failure: &'a Failure,
}

/// The HTML page for a failure, in the reader's language.
pub fn error_page(lang: Lang, csrf: &str, failure: &Failure) -> Response {
    let page = ErrorPage {
        ctx: PageCtx {
            lang,
            csrf: csrf.to_owned(),
            user: None,
            here: "/".into(),
        },
        failure,
    };
    let body = page
        .render()
        .unwrap_or_else(|_| format!("{} {}", failure.status, failure.code));
    (failure.status, Html(body)).into_response()
}

/// Percent-encodes a value for a query string.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A local path to go back to after signing in or switching language; anything that
/// could lead off-site becomes `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/org/3")), "/org/3");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn encodes_queries() {
        assert_eq!(url_encode("/org?x=1&y=中"), "/org%3Fx%3D1%26y%3D%E4%B8%AD");
    }

    #[test]
    fn times_show_in_china_time() {
        assert_eq!(format_time(0), "1970-01-01 08:00");
    }
}
