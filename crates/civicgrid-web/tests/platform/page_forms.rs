//! The account, user-card and token forms through the real router.

use axum::http::StatusCode;
use civicgrid_app::domain::platform::access::Actor;

use crate::support::requests::take_call;
use crate::support::{CSRF, PASSWORD, TestApp};

async fn user_id(t: &TestApp, username: &str) -> i64 {
    t.app
        .list_users(&Actor::system(), Some(username), 50, 0)
        .await
        .expect("list users")
        .into_iter()
        .find(|u| u.username == username)
        .map(|u| u.id)
        .expect("seeded user")
}

#[tokio::test]
async fn creating_an_account_and_managing_its_roles() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let grid = t.nodes.grid.to_string();
    // A password that is too short comes back on the form, the other values kept.
    let short = [
        ("_csrf", CSRF),
        ("username", "li.ming"),
        ("display_name", "李明"),
        ("password", "short"),
        ("role", "grid_worker"),
        ("node_id", grid.as_str()),
    ];
    t.post_form("/users", &short, &staff)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("A password is at least 10 characters")
        .assert_contains("value=\"li.ming\"");
    // In Chinese the objection is Chinese only: no English rule text beside it.
    let zh = t.post_form_in("/users", &short, &staff, "zh-CN").await;
    zh.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("密码至少 10 个字符");
    assert!(
        !zh.body.contains("must be at least"),
        "English on a Chinese page"
    );
    // A node that is not a number is named too.
    let no_node = [
        ("_csrf", CSRF),
        ("username", "li.ming"),
        ("display_name", "李明"),
        ("password", "a-long-password"),
        ("role", "grid_worker"),
        ("node_id", ""),
    ];
    t.post_form("/users", &no_node, &staff)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("Choose where the role holds");
    // Staff may not create a street admin.
    let too_high = [
        ("_csrf", CSRF),
        ("username", "li.ming"),
        ("display_name", "李明"),
        ("password", "a-long-password"),
        ("role", "street_admin"),
        ("node_id", grid.as_str()),
    ];
    t.post_form("/users", &too_high, &staff)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let ok = [
        ("_csrf", CSRF),
        ("username", "li.ming"),
        ("display_name", "李明"),
        ("password", "a-long-password"),
        ("role", "grid_worker"),
        ("node_id", grid.as_str()),
        ("reason", "new grid worker"),
    ];
    let res = t.post_form("/users", &ok, &staff).await;
    res.assert_status(StatusCode::SEE_OTHER);
    let card_path = res.location().trim_end_matches("?done=created").to_owned();
    t.get(res.location(), &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("李明")
        .assert_contains("Grid worker")
        .assert_contains("Created.");
    // The same username again is a conflict.
    t.post_form("/users", &ok, &staff)
        .await
        .assert_status(StatusCode::CONFLICT)
        .assert_contains("that username is taken");

    // Grant a second role, then revoke it.
    let grid2 = t.nodes.grid2.to_string();
    let res = t
        .post_form(
            &format!("{card_path}/roles"),
            &[
                ("_csrf", CSRF),
                ("role", "volunteer"),
                ("node_id", grid2.as_str()),
            ],
            &staff,
        )
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert!(res.location().ends_with("?done=granted"));
    let card = t.get(&card_path, &staff).await;
    card.assert_contains("badge role\">Volunteer");
    let id: i64 = card_path.trim_start_matches("/users/").parse().expect("id");
    let view = t.app.user(&Actor::system(), id).await.expect("user");
    let volunteer = view
        .assignments
        .iter()
        .find(|a| a.assignment.role.as_str() == "volunteer")
        .expect("granted")
        .assignment
        .id;
    // A role at the wrong level is named on the grant form.
    t.post_form(
        &format!("{card_path}/roles"),
        &[
            ("_csrf", CSRF),
            ("role", "community_staff"),
            ("node_id", grid2.as_str()),
        ],
        &staff,
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    let res = t
        .post_form(
            &format!("{card_path}/roles/{volunteer}/revoke"),
            &[("_csrf", CSRF), ("reason", "moved away")],
            &staff,
        )
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let card = t.get(&card_path, &staff).await;
    assert!(
        !card.body.contains("badge role\">Volunteer"),
        "still a volunteer"
    );
    card.assert_contains("badge role\">Grid worker");

    // Edit, reset the password, sign out everywhere.
    let res = t
        .post_form(
            &format!("{card_path}/edit"),
            &[
                ("_csrf", CSRF),
                ("display_name", "李明明"),
                ("active", "on"),
            ],
            &staff,
        )
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    t.get(&card_path, &staff).await.assert_contains("李明明");
    t.post_form(
        &format!("{card_path}/password"),
        &[("_csrf", CSRF), ("password", "x")],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("password must be at least 10 characters");
    t.post_form(
        &format!("{card_path}/password"),
        &[("_csrf", CSRF), ("password", "another-long-password")],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    t.post_form(
        &format!("{card_path}/sessions/revoke"),
        &[("_csrf", CSRF)],
        &staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    // A grid worker may look at accounts but not change them.
    let grid_worker = t.login("grid").await;
    let seen = t.get(&card_path, &grid_worker).await;
    seen.assert_status(StatusCode::OK);
    assert!(!seen.body.contains("Grant a role"));
    t.post_form(
        &format!("{card_path}/edit"),
        &[("_csrf", CSRF), ("display_name", "x")],
        &grid_worker,
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn changing_my_own_password() {
    let t = TestApp::new().await;
    let me = t.login("volunteer").await;
    let wrong = [
        ("_csrf", CSRF),
        ("current_password", "not-my-password"),
        ("new_password", "a-brand-new-password"),
        ("confirm_password", "a-brand-new-password"),
    ];
    t.post_form("/account/password", &wrong, &me)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("The current password is not correct");
    let differ = [
        ("_csrf", CSRF),
        ("current_password", PASSWORD),
        ("new_password", "a-brand-new-password"),
        ("confirm_password", "a-different-password"),
    ];
    t.post_form_in("/account/password", &differ, &me, "zh-CN")
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("两次输入的新密码不一致");
    let ok = [
        ("_csrf", CSRF),
        ("current_password", PASSWORD),
        ("new_password", "a-brand-new-password"),
        ("confirm_password", "a-brand-new-password"),
    ];
    let res = t.post_form("/account/password", &ok, &me).await;
    res.assert_status(StatusCode::SEE_OTHER);
    t.get(res.location(), &me)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Your password was changed")
        .assert_contains("this device");
    let id = user_id(&t, "volunteer").await;
    assert!(t.app.user(&Actor::system(), id).await.is_ok());
}

#[tokio::test]
async fn issuing_and_revoking_an_api_token() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    let street = t.nodes.street.to_string();
    let bad = [
        ("_csrf", CSRF),
        ("name", ""),
        ("role", "auditor"),
        ("node_id", street.as_str()),
    ];
    t.post_form("/tokens", &bad, &admin)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("Check the name");
    let ok = [
        ("_csrf", CSRF),
        ("name", "12345 hotline"),
        ("role", "auditor"),
        ("node_id", street.as_str()),
        ("reason", "hotline integration"),
    ];
    let res = t.post_form("/tokens", &ok, &admin).await;
    res.assert_status(StatusCode::CREATED)
        .assert_contains("value=\"cg_")
        .assert_contains("shown only this once");
    let list = t.get("/tokens", &admin).await;
    list.assert_contains("12345 hotline")
        .assert_contains("First Street");
    assert!(
        !list.body.contains("value=\"cg_"),
        "the secret is shown again"
    );
    let tokens = t.app.list_tokens(&Actor::system()).await.expect("tokens");
    let id = tokens[0].id;
    let res = t
        .post_form(&format!("/tokens/{id}/revoke"), &[("_csrf", CSRF)], &admin)
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    t.get(res.location(), &admin)
        .await
        .assert_contains("The token was revoked.");
    // Revoking twice is a conflict shown on the page, not a crash.
    t.post_form(&format!("/tokens/{id}/revoke"), &[("_csrf", CSRF)], &admin)
        .await
        .assert_status(StatusCode::CONFLICT);
    // Street admins do not issue tokens.
    let street_admin = t.login("street").await;
    t.post_form("/tokens", &ok, &street_admin)
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_audit_pages_show_and_verify_the_log() {
    let t = TestApp::new().await;
    let auditor = t.login("auditor").await;
    let res = t.get("/audit", &auditor).await;
    res.assert_status(StatusCode::OK)
        .assert_contains("Created an account")
        .assert_contains("test seed");
    // Fewer than a page: no link to older entries.
    assert!(!res.body.contains("before_seq="));
    let filtered = t.get("/audit?target_type=user&target_id=1", &auditor).await;
    filtered.assert_status(StatusCode::OK);
    assert!(!filtered.body.contains("Created a unit"));
    t.get_in("/audit/verify", &auditor, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("日志完整");
    // Paging backwards.
    let older = t.get("/audit?before_seq=3", &auditor).await;
    older
        .assert_status(StatusCode::OK)
        .assert_contains("id=\"entry-2\"");
    assert!(!older.body.contains("id=\"entry-3\""));
}

/// Entries read in words: a request's step names the request by its number, the
/// status change and the category in Chinese, and keeps the raw record behind a
/// disclosure.
#[tokio::test]
async fn audit_entries_read_in_words() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let auditor = t.login("auditor").await;
    take_call(&t, &staff, &[])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = t
        .get_in("/audit?target_type=request", &auditor, "zh-CN")
        .await;
    page.assert_status(StatusCode::OK)
        .assert_contains("提交诉求")
        .assert_contains("诉求 R-")
        .assert_contains("公共设施")
        .assert_contains("原始记录（JSON）");
    for raw in ["request.submit", "request 1<", "public_facilities<"] {
        assert!(
            !page.body.contains(&format!(">{raw}")),
            "{raw} shown as text"
        );
    }
}
