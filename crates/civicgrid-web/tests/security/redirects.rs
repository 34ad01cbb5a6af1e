//! See `security.rs`. Open redirects: every `next` that could lead off-site (or break
//! the `Location` header) goes to `/`, on the sign-in page, the sign-in form, the
//! language switch and for a signed-in visitor sent on from `/login`.

use axum::http::StatusCode;

use crate::support::*;

/// `next` values as they stand in a query string (already percent-encoded once).
const HOSTILE_QUERIES: &[&str] = &[
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0D%0ASet-Cookie:%20x=1",
    "%2F%2Fevil.example",
    "//evil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "%5C%5Cevil.example",
    "https://evil.example",
    "/%2509/evil.example",
    "/%252F%252Fevil.example",
    "/%00",
    "/%7F/evil.example",
];

/// `next` values as a form carries them (the form encoding is added when posting).
const HOSTILE_FIELDS: &[&str] = &[
    "/\t/evil.example",
    "/\n/evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "//evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "https://evil.example",
];

#[tokio::test]
async fn the_sign_in_page_keeps_no_hostile_next() {
    let t = TestApp::new().await;
    for q in HOSTILE_QUERIES {
        let res = t.get(&format!("/login?next={q}"), "").await;
        res.assert_status(StatusCode::OK);
        res.assert_contains(r#"name="next" value="/""#);
    }
    // A signed-in visitor is sent on at once: to `/`.
    let cookies = t.login("staff").await;
    for q in HOSTILE_QUERIES {
        let res = t.get(&format!("/login?next={q}"), &cookies).await;
        res.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/", "{q}");
    }
    // A local next is kept.
    let res = t
        .get("/login?next=/requests%3Fstatus%3Dopen", &cookies)
        .await;
    assert_eq!(res.location(), "/requests?status=open");
}

#[tokio::test]
async fn the_sign_in_form_redirects_home_on_a_hostile_next() {
    let t = TestApp::new().await;
    for next in HOSTILE_FIELDS {
        let res = t.sign_in("staff", PASSWORD, next).await;
        res.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(res.location(), "/", "{next:?}");
    }
    // A wrong password re-renders the form with `/` as next.
    let res = t
        .sign_in("grid", "wrong-password", "/%09/evil.example")
        .await;
    res.assert_status(StatusCode::UNAUTHORIZED);
    res.assert_contains(r#"name="next" value="/""#);
    // A local next is kept.
    let res = t.sign_in("staff", PASSWORD, "/requests?status=open").await;
    assert_eq!(res.location(), "/requests?status=open");
}

#[tokio::test]
async fn the_language_switch_redirects_home_on_a_hostile_next() {
    let t = TestApp::new().await;
    for q in HOSTILE_QUERIES {
        for lang in ["en", "zh-CN"] {
            let res = t.get(&format!("/lang/{lang}?next={q}"), "").await;
            res.assert_status(StatusCode::SEE_OTHER);
            assert_eq!(res.location(), "/", "{lang} {q}");
        }
    }
    let res = t.get("/lang/en?next=/requests/public", "").await;
    assert_eq!(res.location(), "/requests/public");
}
