//! What every request passes through: request ids, tracing, compression, timeouts,
//! body limits, security headers, CSRF cookie, and HTML rendering of page errors.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::extract::{FromRequestParts, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::Failure;
use crate::extract::MaybeUser;
use crate::state::{AppState, WebConfig};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Content-Security-Policy: only this origin's scripts and styles; inline SVG maps are
/// part of the document; no framing by other sites.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Swagger UI needs inline styles and scripts of its own.
const CSP_DOCS: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

pub fn apply(router: Router, config: &WebConfig, state: AppState) -> Router {
    let secure = config.secure_cookies;
    let csp = page_csp(config);
    router
        .layer(from_fn_with_state(state, render_page_failures))
        .layer(from_fn(move |req, next| crate::csrf::ensure_cookie(req, next, secure)))
        .layer(from_fn(move |req, next| security_headers(req, next, csp.clone())))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            Failure::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
            .into_api_response()
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            // The path only: query strings may carry search terms about people.
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}

/// The pages' policy: [`CSP`], with the base map's tile host allowed for images when
/// one is configured.
fn page_csp(config: &WebConfig) -> HeaderValue {
    let policy = match &config.map_tiles {
        Some(t) => CSP.replace(
            "img-src 'self' data:;",
            &format!("img-src 'self' data: {};", t.csp_source()),
        ),
        None => CSP.to_owned(),
    };
    // The source is checked when configured (no quotes or separators); should it
    // still not make a header value, the plain policy applies.
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static(CSP))
}

async fn security_headers(req: Request, next: Next, csp: HeaderValue) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let mut res = next.run(req).await;
    let csp = if docs {
        HeaderValue::from_static(CSP_DOCS)
    } else {
        csp
    };
    res.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, csp);
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

impl Failure {
    pub fn into_api_response(self) -> Response {
        crate::error::ApiError(self).into_response()
    }
}

/// Turns a [`Failure`] left on a page response into an HTML error page, or into a
/// redirect to the sign-in page when the visitor is not signed in.
async fn render_page_failures(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    // Kept to name the signed-in user on an error page (looked up only then).
    let headers = parts.headers.clone();
    let lang = crate::i18n::lang_of(&parts);
    let method = parts.method.clone();
    let uri = parts.uri.clone();
    let csrf = parts
        .extensions
        .get::<crate::csrf::CsrfToken>()
        .map(|t| t.0.clone())
        .unwrap_or_default();
    let res = next.run(Request::from_parts(parts, body)).await;
    let Some(failure) = res.extensions().get::<Failure>().cloned() else {
        return res;
    };
    if failure.code == "unauthenticated" {
        let next_path = if method == Method::GET {
            uri.path_and_query().map_or("/", |p| p.as_str()).to_owned()
        } else {
            "/".to_owned()
        };
        let target = format!("/login?next={}", crate::page::url_encode(&next_path));
        return Redirect::to(&target).into_response();
    }
    let mut asking = Request::new(());
    *asking.headers_mut() = headers;
    let (mut asking, ()) = asking.into_parts();
    let user = match MaybeUser::from_request_parts(&mut asking, &st).await {
        Ok(MaybeUser(user)) => user,
        Err(_) => None,
    };
    crate::page::error_page(lang, &csrf, user, &failure)
}
