//! What every server-rendered page shares: its context (language, CSRF token, who is
//! signed in), rendering an askama template, the error page, and safe redirects.
//! Pages work without JavaScript; htmx, vendored in `static/`, only enhances them.

use askama::Template;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::platform::menu::may_reach;
use civicgrid_app::platform::org::OrgNode;

use crate::csrf::CsrfToken;
use crate::error::{Failure, PageError};
use crate::extract::MaybeUser;
use crate::i18n::Lang;
use crate::state::AppState;

/// What every page needs besides its own data: language, CSRF token, who is signed in.
#[derive(Debug, Clone)]
pub struct PageCtx {
    pub lang: Lang,
    pub csrf: String,
    pub user: Option<SignedIn>,
    /// Path and query of this page, for the language switcher to come back to.
    pub here: String,
    /// Emergencies running where the signed-in user has a place: a banner on every page.
    pub emergencies: Vec<EmergencyBanner>,
}

/// One running emergency as the banner names it.
#[derive(Debug, Clone)]
pub struct EmergencyBanner {
    pub id: i64,
    pub drill: bool,
    /// 湖光社区 · 防汛 Ⅱ级
    pub text: String,
    /// The reader may open its situation page.
    pub may_follow: bool,
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

    /// May the signed-in user reach the part of the site that needs `permission`? The
    /// app answers ([`may_reach`]); menus show their links from it.
    pub fn can(&self, permission: Permission) -> bool {
        self.user
            .as_ref()
            .is_some_and(|u| may_reach(&u.actor, permission))
    }

    /// The signed-in person's name as others know them (王芳), for the top bar.
    pub fn display_name(&self) -> &str {
        self.user
            .as_ref()
            .map_or("", |u| u.user.display_name.as_str())
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

    /// The signed-in user's menu, main entries first (the app decides what it holds).
    pub fn menu(&self) -> Vec<civicgrid_app::platform::menu::MenuLink> {
        self.user
            .as_ref()
            .map(|u| civicgrid_app::platform::menu::menu(&u.actor))
            .unwrap_or_default()
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
        let lang = crate::i18n::lang_of(parts);
        let emergencies = match &user {
            Some(u) => {
                let st = AppState::from_ref(state);
                st.app
                    .running_emergencies(&u.actor)
                    .await
                    .map_err(PageError::from)?
                    .into_iter()
                    .map(|r| EmergencyBanner {
                        id: r.a.id,
                        drill: r.a.kind == civicgrid_app::domain::emergency::modes::Kind::Drill,
                        text: format!(
                            "{} · {} {}",
                            r.community_name,
                            lang.t(&format!("hazard-{}", r.a.hazard.code())),
                            lang.t(&format!("emergency-level-{}", r.a.level.code()))
                        ),
                        may_follow: r.may_follow,
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        Ok(PageCtx {
            emergencies,
            lang,
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

/// A stored photo's bytes as an HTTP response: its content type when it is one of the
/// accepted image types or a PDF (a ballot's scan), else opaque bytes; an ETag from its
/// hash; and a cache lifetime of an hour — `public` for photos of public pages,
/// otherwise private to the reader's browser.
pub fn photo_response(content_type: &str, sha256: &str, data: Vec<u8>, public: bool) -> Response {
    let ct = match content_type {
        "image/jpeg" | "image/png" | "image/webp" | "application/pdf" => content_type,
        _ => "application/octet-stream",
    };
    let cache = if public {
        "public, max-age=3600"
    } else {
        "private, max-age=3600"
    };
    (
        [
            (axum::http::header::CONTENT_TYPE, ct.to_owned()),
            (axum::http::header::CACHE_CONTROL, cache.to_owned()),
            (axum::http::header::ETAG, format!("\"{sha256}\"")),
        ],
        data,
    )
        .into_response()
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

/// The HTML page for a failure, in the reader's language, with the menu of the user
/// who is still signed in.
pub fn error_page(lang: Lang, csrf: &str, user: Option<SignedIn>, failure: &Failure) -> Response {
    let page = ErrorPage {
        ctx: PageCtx {
            lang,
            csrf: csrf.to_owned(),
            user,
            here: "/".into(),
            emergencies: Vec::new(),
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

/// Longest `next` kept; a longer one goes to `/`.
const MAX_NEXT_LEN: usize = 2048;
/// Layers of percent-encoding `next` is decoded through before it is given up on.
const MAX_NEXT_DECODINGS: usize = 4;

/// A local path to go back to after signing in or switching language; anything that
/// could lead off-site (or is not a plain path of this site) becomes `/`.
///
/// Kept only when it is a same-site relative reference: it starts with one `/` not
/// followed by `/` or `\`, and holds no control character and no backslash, raw or
/// percent-encoded (`%09`, `%0a`, `%5C`, also encoded twice): browsers drop tabs and
/// line breaks from a `Location`, so `/%09/evil.example` would read `//evil.example`.
/// What is kept is visible ASCII only (other bytes percent-encoded), so it is always a
/// valid header value.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or_else(|| "/".to_owned())
}

fn local_path(next: &str) -> Option<String> {
    if next.is_empty() || next.len() > MAX_NEXT_LEN {
        return None;
    }
    let mut layer = next.as_bytes().to_vec();
    let mut plain = false;
    for _ in 0..MAX_NEXT_DECODINGS {
        if !plain_local(&layer) {
            return None;
        }
        let decoded = percent_decode(&layer);
        if decoded == layer {
            plain = true;
            break;
        }
        layer = decoded;
    }
    if !plain {
        return None;
    }
    let mut out = String::with_capacity(next.len());
    for b in next.bytes() {
        if (0x21..=0x7e).contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // It must read as a path (and query) of this site.
    out.parse::<axum::http::uri::PathAndQuery>().ok()?;
    Some(out)
}

/// One layer of a `next`: starts with a single `/`, no control character, no `\`.
fn plain_local(b: &[u8]) -> bool {
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && !b.iter().any(|c| c.is_ascii_control() || *c == b'\\')
}

/// Decodes `%XX` escapes once; a `%` not followed by two hex digits stays as it is.
fn percent_decode(s: &[u8]) -> Vec<u8> {
    fn hex(b: u8) -> Option<u8> {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && let (Some(h), Some(l)) = (
                s.get(i + 1).copied().and_then(hex),
                s.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        let cases: &[(Option<&str>, &str)] = &[
            // Kept: paths of this site, with queries and harmless escapes.
            (Some("/org/3"), "/org/3"),
            (Some("/"), "/"),
            (
                Some("/requests?status=open&page=2"),
                "/requests?status=open&page=2",
            ),
            (
                Some("/ledger/search?q=%E5%BC%A0"),
                "/ledger/search?q=%E5%BC%A0",
            ),
            (Some("/a%20b"), "/a%20b"),
            (Some("/a/b//c"), "/a/b//c"),
            (Some("/search?q=%2F%2Fx"), "/search?q=%2F%2Fx"),
            // Non-ASCII and spaces come back percent-encoded (a valid header value).
            (Some("/搜索"), "/%E6%90%9C%E7%B4%A2"),
            (Some("/a b"), "/a%20b"),
            // Off-site or not a path.
            (None, "/"),
            (Some(""), "/"),
            (Some("//evil.example"), "/"),
            (Some("///evil.example"), "/"),
            (Some("https://evil.example"), "/"),
            (Some("evil.example"), "/"),
            (Some("javascript:alert(1)"), "/"),
            (Some("/\\evil"), "/"),
            (Some("\\\\evil"), "/"),
            (Some("/a\\b"), "/"),
            // Control characters, raw or encoded: browsers drop them from a URL.
            (Some("/\t/evil.example"), "/"),
            (Some("/\n/evil.example"), "/"),
            (Some("/\r\nSet-Cookie: x=1"), "/"),
            (Some("/a\u{7f}"), "/"),
            (Some("/%09/evil.example"), "/"),
            (Some("/%0a/evil.example"), "/"),
            (Some("/%0D%0ASet-Cookie:%20x=1"), "/"),
            (Some("/%00"), "/"),
            (Some("/%1f"), "/"),
            (Some("/%7F"), "/"),
            (Some("/%2509/evil.example"), "/"),
            (Some("/%252509/evil.example"), "/"),
            // Slashes and backslashes hidden behind escapes.
            (Some("/%2Fevil.example"), "/"),
            (Some("/%2fevil.example"), "/"),
            (Some("/%5Cevil.example"), "/"),
            (Some("/%5cevil.example"), "/"),
            (Some("/a%5Cb"), "/"),
            (Some("/%252F/evil.example"), "/"),
            (Some("%2F%2Fevil.example"), "/"),
        ];
        for (next, want) in cases {
            assert_eq!(safe_next(*next), *want, "{next:?}");
            assert!(
                axum::http::HeaderValue::from_str(&safe_next(*next)).is_ok(),
                "{next:?}"
            );
        }
        let long = format!("/{}", "a".repeat(MAX_NEXT_LEN));
        assert_eq!(safe_next(Some(&long)), "/", "absurdly long");
        assert_eq!(safe_next(Some(&long[1..])), "/");
    }

    #[test]
    fn percent_decoding_leaves_broken_escapes() {
        assert_eq!(percent_decode(b"/%41%4a%zz%4"), b"/AJ%zz%4");
        assert_eq!(percent_decode(b"%"), b"%");
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
