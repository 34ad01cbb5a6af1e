//! See `security.rs`. Sign-in throttling: attempts are counted before the password is
//! checked, so a burst of parallel guesses gets no more checks than the limit; the
//! account then waits (the right password too), while other accounts behind the same
//! address keep signing in; the address itself waits only far past that.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use civicgrid_app::domain::platform::account::{
    THROTTLE_ADDRESS_MAX_FAILURES, THROTTLE_MAX_FAILURES,
};
use civicgrid_store::platform::sessions::{self, ThrottleState};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::support::*;

/// Every test request comes from the same (unknown) address.
const ADDRESS_KEY: &str = "ip:unknown";

/// One sign-in through the form, straight on the router; its status.
async fn sign_in(router: Router, username: String, password: String) -> StatusCode {
    let body = format!(
        "_csrf={CSRF}&username={}&password={}&next=%2F",
        form_encode(&username),
        form_encode(&password)
    );
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("cg_csrf={CSRF}"))
        .body(Body::from(body))
        .expect("request");
    router.oneshot(req).await.expect("router answers").status()
}

async fn burst(t: &TestApp, username: &str, n: usize) -> Vec<StatusCode> {
    let mut set = JoinSet::new();
    for i in 0..n {
        set.spawn(sign_in(
            t.router.clone(),
            username.to_owned(),
            format!("wrong-password-{i}"),
        ));
    }
    let mut out = Vec::with_capacity(n);
    while let Some(status) = set.join_next().await {
        out.push(status.expect("the task finished"));
    }
    out
}

async fn state(t: &TestApp, key: &str) -> ThrottleState {
    let mut c = t.app.db().read().await.expect("read");
    sessions::throttle_get(&mut c, key).await.expect("state")
}

async fn set_state(t: &TestApp, key: &str, s: ThrottleState) {
    let mut tx = t.app.db().begin_write().await.expect("write");
    sessions::throttle_put(&mut tx, key, s).await.expect("put");
    civicgrid_store::commit(tx).await.expect("commit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_get_no_more_checks_than_the_limit() {
    let t = TestApp::new().await;
    let statuses = burst(&t, "grid", 40).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + refused, 40, "{statuses:?}");
    assert!(
        checked as i64 <= THROTTLE_MAX_FAILURES,
        "{checked} guesses were checked: {statuses:?}"
    );
    assert!(refused >= 40 - THROTTLE_MAX_FAILURES as usize);

    // The right password waits as well, through the form and the API.
    let s = sign_in(t.router.clone(), "grid".into(), PASSWORD.into()).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    let api = t
        .send(
            Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(format!(
                    r#"{{"username":"grid","password":"{PASSWORD}"}}"#
                )))
                .expect("request"),
        )
        .await;
    api.assert_status(StatusCode::TOO_MANY_REQUESTS);
    let locked = state(&t, "user:grid").await;
    assert_eq!(
        locked.failures, THROTTLE_MAX_FAILURES,
        "refused ones not counted"
    );
    assert!(locked.locked_until > civicgrid_store::now_ms());

    // Another account behind the same address still signs in.
    t.login("staff").await;

    // Once the wait is over the right password signs in, and clears the count.
    set_state(
        &t,
        "user:grid",
        ThrottleState {
            locked_until: civicgrid_store::now_ms() - 1,
            ..locked
        },
    )
    .await;
    t.login("grid").await;
    assert_eq!(state(&t, "user:grid").await, ThrottleState::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_wait_one_more_guess_is_checked_and_the_wait_grows() {
    let t = TestApp::new().await;
    let first = burst(&t, "resident", 12).await;
    assert!(
        first
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count() as i64
            <= THROTTLE_MAX_FAILURES
    );
    let locked = state(&t, "user:resident").await;
    let now = civicgrid_store::now_ms();
    let first_wait = locked.locked_until - now;
    set_state(
        &t,
        "user:resident",
        ThrottleState {
            locked_until: now - 1,
            ..locked
        },
    )
    .await;
    // The wait is over: of another burst, one guess is checked, then a longer wait.
    let second = burst(&t, "resident", 12).await;
    assert_eq!(
        second
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        1,
        "{second:?}"
    );
    let again = state(&t, "user:resident").await;
    assert_eq!(again.failures, THROTTLE_MAX_FAILURES + 1);
    assert!(
        again.locked_until - civicgrid_store::now_ms() > first_wait,
        "the wait grows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_address_waits_only_far_past_one_account() {
    let t = TestApp::new().await;
    // Several accounts guessed at from one address, each up to its limit.
    for user in ["volunteer", "responder", "auditor"] {
        burst(&t, user, THROTTLE_MAX_FAILURES as usize).await;
    }
    // The office behind that address keeps working.
    t.login("staff").await;
    t.login("street").await;
    let s = state(&t, ADDRESS_KEY).await;
    assert!(s.locked_until == 0, "{s:?}");

    // Far past it, the address waits: every account, whatever the password.
    set_state(
        &t,
        ADDRESS_KEY,
        ThrottleState {
            failures: THROTTLE_ADDRESS_MAX_FAILURES - 1,
            window_start: civicgrid_store::now_ms(),
            locked_until: 0,
        },
    )
    .await;
    let last = sign_in(t.router.clone(), "admin".into(), "wrong-password".into()).await;
    assert_eq!(
        last,
        StatusCode::UNAUTHORIZED,
        "the attempt reaching it is checked"
    );
    let s = sign_in(t.router.clone(), "grid".into(), PASSWORD.into()).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // ...and that refusal was not counted against the account.
    assert_eq!(state(&t, "user:grid").await, ThrottleState::default());
}
