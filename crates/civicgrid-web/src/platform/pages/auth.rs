//! Signing in and out, and switching language.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use civicgrid_app::AppError;
use serde::Deserialize;

use crate::error::PageResult;
use crate::extract::{ClientAddr, PageForm, PagePath, PageQuery, session_cookie, session_token};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::page::{PageCtx, render, safe_next};
use crate::routes::Routes;
use crate::state::AppState;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/login", login_page)
        .post("/login", login)
        .post("/logout", logout)
        .get("/lang/{code}", switch_lang)
}

#[derive(Template)]
#[template(path = "platform/login.html")]
struct LoginPage {
    ctx: PageCtx,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_page(ctx: PageCtx, PageQuery(q): PageQuery<NextQuery>) -> Response {
    if ctx.user.is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    render(&LoginPage {
        ctx,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(st): State<AppState>,
    ctx: PageCtx,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> PageResult<Response> {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let old = session_token(&headers);
    let next = safe_next(form.next.as_deref());
    match st
        .app
        .login(&form.username, &form.password, &client, ua, old.as_deref())
        .await
    {
        Ok(s) => {
            let mut res = Redirect::to(&next).into_response();
            if let Some(c) = session_cookie(
                &s.token,
                st.config.secure_cookies,
                st.app.config().session_idle_secs,
            ) {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            crate::csrf::rotate(&mut res, st.config.secure_cookies);
            Ok(res)
        }
        Err(e @ (AppError::Unauthenticated | AppError::Throttled { .. })) => {
            let message = match e {
                AppError::Throttled { retry_after_secs } => {
                    ctx.t1("login-throttled", "seconds", &retry_after_secs.to_string())
                }
                _ => ctx.t("login-failed"),
            };
            let status = match e {
                AppError::Throttled { .. } => axum::http::StatusCode::TOO_MANY_REQUESTS,
                _ => axum::http::StatusCode::UNAUTHORIZED,
            };
            let page = render(&LoginPage {
                ctx,
                next,
                username: form.username,
                error: Some(message),
            });
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    PageForm(_): PageForm<Empty>,
) -> PageResult<Response> {
    if let Some(token) = session_token(&headers) {
        st.app.logout(&token).await?;
    }
    let mut res = Redirect::to("/").into_response();
    if let Some(c) = session_cookie("", st.config.secure_cookies, 0) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    crate::csrf::rotate(&mut res, st.config.secure_cookies);
    Ok(res)
}

async fn switch_lang(
    State(st): State<AppState>,
    PagePath(code): PagePath<String>,
    PageQuery(q): PageQuery<NextQuery>,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or(Lang::En);
    let mut res = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000{}",
        lang.code(),
        if st.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
