//! The harness keeps its promise: asked for PostgreSQL, the suite fails when it cannot
//! have it, instead of passing without running. Each case runs one PostgreSQL test of
//! this very binary in a child process with the variable set as given.

use std::process::Command;

use crate::support::POSTGRES_ENV;

/// Runs the PostgreSQL variant of `db::backend_matches_the_url` with the variable set
/// to `url`; returns whether it passed, and what it printed.
fn run_with(url: &str) -> (bool, String) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args([
            "db::backend_matches_the_url::postgres",
            "--exact",
            "--nocapture",
        ])
        .env(POSTGRES_ENV, url)
        .output()
        .expect("run the test binary");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("1 passed") || text.contains("1 failed"),
        "the child ran no test:\n{text}"
    );
    (out.status.success(), text)
}

#[test]
fn an_unreachable_postgres_fails_the_suite() {
    // Nothing listens on port 1: the connection is refused at once.
    let (passed, text) = run_with("postgres://postgres@127.0.0.1:1/test");
    assert!(!passed, "passed without PostgreSQL:\n{text}");
    assert!(text.contains("could not be reached"), "{text}");
}

#[test]
fn a_blank_or_foreign_url_fails_the_suite() {
    for url in [" ", "sqlite::memory:"] {
        let (passed, text) = run_with(url);
        assert!(!passed, "{url:?} passed:\n{text}");
        assert!(
            text.contains("must be a postgres:// URL"),
            "{url:?}: {text}"
        );
    }
}
