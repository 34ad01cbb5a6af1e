//! CSRF protection for form posts (and cookie-authenticated API writes): a random
//! token in the `cg_csrf` cookie must come back in the `_csrf` field or the
//! `X-CSRF-Token` header. Another site can make a browser send the cookie, but cannot
//! read it to copy it into the form.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::error::Failure;

pub const CSRF_COOKIE: &str = "cg_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A form with its `_csrf` field split off.
#[derive(Deserialize)]
pub struct WithCsrf<T> {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
    #[serde(flatten)]
    pub inner: T,
}

pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

pub fn check(cookie: Option<&str>, sent: Option<&str>) -> Result<(), Failure> {
    match (cookie, sent) {
        (Some(c), Some(s)) if !c.is_empty() && bool::from(c.as_bytes().ct_eq(s.as_bytes())) => {
            Ok(())
        }
        _ => Err(Failure::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "the form has expired or did not come from this site; reload the page and try again",
        )),
    }
}

/// The token of this request, set by [`ensure_cookie`].
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// `Set-Cookie` giving the browser `token` as its CSRF cookie.
fn cookie_header(token: &str, secure: bool) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    ))
    .ok()
}

/// Gives the browser a new CSRF token (at sign-in and sign-out: a token planted or
/// read before the session changed does not outlive the change). Returns the token.
pub fn rotate(res: &mut Response, secure: bool) -> String {
    let token = civicgrid_app::platform::auth::new_secret();
    if let Some(v) = cookie_header(&token, secure) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    token
}

/// Does `res` already set the CSRF cookie?
fn sets_cookie(res: &Response) -> bool {
    res.headers().get_all(header::SET_COOKIE).iter().any(|v| {
        v.as_bytes().starts_with(CSRF_COOKIE.as_bytes())
            && v.as_bytes().get(CSRF_COOKIE.len()) == Some(&b'=')
    })
}

/// Makes sure every browser holds a CSRF cookie, and exposes its value to handlers.
pub async fn ensure_cookie(mut req: Request, next: Next, secure: bool) -> Response {
    let existing = cookie_token(req.headers()).filter(|t| t.len() <= 128);
    let token = existing
        .clone()
        .unwrap_or_else(civicgrid_app::platform::auth::new_secret);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut res = next.run(req).await;
    if existing.is_none()
        && !sets_cookie(&res)
        && let Some(v) = cookie_header(&token, secure)
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
