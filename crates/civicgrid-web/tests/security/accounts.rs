//! Review items 1 and 4: an account is managed (roles, password, sessions, profile, the
//! resident record it is linked to) only by an actor who could grant every role it
//! holds; the objects a link touches (the account, the new and the old record) are all
//! checked. Each path is tried through the API and through the pages.

use axum::http::{Method, StatusCode};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::platform::users::RoleGrant;

use crate::support::*;

/// A JSON call from a signed-in browser.
async fn api(
    t: &TestApp,
    method: Method,
    path: &str,
    cookies: &str,
    body: serde_json::Value,
) -> TestResponse {
    t.json(method.as_str(), path, cookies, &body.to_string())
        .await
}

async fn user_id(t: &TestApp, username: &str) -> i64 {
    let users = t
        .app
        .list_users(&Actor::system(), Some(username), 10, 0)
        .await
        .expect("list users");
    users
        .into_iter()
        .find(|u| u.username == username)
        .map(|u| u.id)
        .expect("seeded user")
}

async fn roles_of(t: &TestApp, id: i64) -> Vec<String> {
    let view = t.app.user(&Actor::system(), id).await.expect("user");
    view.assignments
        .iter()
        .map(|a| format!("{}@{}", a.assignment.role.as_str(), a.assignment.node_id))
        .collect()
}

/// Gives `username` one more role as the system would (the state the attack left).
async fn grant(t: &TestApp, username: &str, role: &str, node_id: i64) -> i64 {
    let id = user_id(t, username).await;
    t.app
        .grant_role(
            &Actor::system(),
            id,
            &RoleGrant {
                role: role.into(),
                node_id,
            },
            Some("test"),
        )
        .await
        .expect("grant")
        .assignment
        .id
}

fn denied(res: &TestResponse, what: &str) {
    assert!(
        res.status == StatusCode::FORBIDDEN || res.status == StatusCode::NOT_FOUND,
        "{what}: expected a refusal, got {} {}",
        res.status,
        res.body
    );
}

#[tokio::test]
async fn staff_cannot_slip_a_role_onto_an_account_outside_their_reach() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let admin = user_id(&t, "admin").await;
    let before = roles_of(&t, admin).await;
    let body = serde_json::json!({"role": "volunteer", "node_id": t.nodes.community});
    let res = api(
        &t,
        Method::POST,
        &format!("/api/v1/users/{admin}/roles"),
        &staff,
        body,
    )
    .await;
    denied(&res, "API grant onto the system admin");
    let res = t
        .post_form(
            &format!("/users/{admin}/roles"),
            &[
                ("_csrf", CSRF),
                ("role", "volunteer"),
                ("node_id", &t.nodes.community.to_string()),
            ],
            &staff,
        )
        .await;
    denied(&res, "page grant onto the system admin");
    assert_eq!(roles_of(&t, admin).await, before);
    // A user with a role in another community is not theirs either.
    let other = user_id(&t, "other_staff").await;
    let body = serde_json::json!({"role": "volunteer", "node_id": t.nodes.community});
    let res = api(
        &t,
        Method::POST,
        &format!("/api/v1/users/{other}/roles"),
        &staff,
        body,
    )
    .await;
    denied(&res, "API grant onto another community's staff");
}

#[tokio::test]
async fn one_role_in_scope_does_not_hand_over_the_account() {
    let t = TestApp::new().await;
    // The state the attack reached: the admin also holds a role in staff's community.
    let admin = user_id(&t, "admin").await;
    let volunteer_role = grant(&t, "admin", "volunteer", t.nodes.community).await;
    for cookies in [t.login("staff").await, t.login("street").await] {
        let res = api(
            &t,
            Method::POST,
            &format!("/api/v1/users/{admin}/password"),
            &cookies,
            serde_json::json!({"password": "a-new-password-9", "reason": "takeover"}),
        )
        .await;
        denied(&res, "API password reset");
        let res = t
            .post_form(
                &format!("/users/{admin}/password"),
                &[("_csrf", CSRF), ("password", "a-new-password-9")],
                &cookies,
            )
            .await;
        denied(&res, "page password reset");
        let res = api(
            &t,
            Method::PATCH,
            &format!("/api/v1/users/{admin}"),
            &cookies,
            serde_json::json!({"active": false}),
        )
        .await;
        denied(&res, "API deactivation");
        let res = t
            .post_form(
                &format!("/users/{admin}/edit"),
                &[("_csrf", CSRF), ("display_name", "Owned")],
                &cookies,
            )
            .await;
        denied(&res, "page edit");
        let res = t
            .post_form(
                &format!("/users/{admin}/sessions/revoke"),
                &[("_csrf", CSRF)],
                &cookies,
            )
            .await;
        denied(&res, "page sign-out");
        let res = api(
            &t,
            Method::DELETE,
            &format!("/api/v1/users/{admin}/roles/{volunteer_role}"),
            &cookies,
            serde_json::json!({}),
        )
        .await;
        denied(&res, "API revoke of the in-scope role");
        let res = t
            .post_form(
                &format!("/users/{admin}/roles/{volunteer_role}/revoke"),
                &[("_csrf", CSRF)],
                &cookies,
            )
            .await;
        denied(&res, "page revoke of the in-scope role");
    }
    // The admin still signs in with the old password and holds both roles.
    t.login("admin").await;
    assert_eq!(roles_of(&t, admin).await.len(), 2);
    // The card offers none of the forms.
    let staff = t.login("staff").await;
    let card = t.get(&format!("/users/{admin}"), &staff).await;
    card.assert_status(StatusCode::OK);
    assert!(!card.body.contains("/password\""), "{}", card.body);
    assert!(!card.body.contains("/revoke\""), "{}", card.body);
}

#[tokio::test]
async fn staff_still_manage_the_accounts_they_could_have_granted() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let volunteer = user_id(&t, "volunteer").await;
    let res = t
        .post_form(
            &format!("/users/{volunteer}/password"),
            &[("_csrf", CSRF), ("password", "a-new-password-9")],
            &staff,
        )
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let res = api(
        &t,
        Method::POST,
        &format!("/api/v1/users/{volunteer}/roles"),
        &staff,
        serde_json::json!({"role": "resident", "node_id": t.nodes.grid}),
    )
    .await;
    assert!(res.status.is_success(), "{} {}", res.status, res.body);
    // Once the volunteer also holds a role in another community, staff of one
    // community no longer manage it; the street admin above both still does.
    grant(&t, "volunteer", "volunteer", t.nodes.other_community).await;
    let res = t
        .post_form(
            &format!("/users/{volunteer}/password"),
            &[("_csrf", CSRF), ("password", "a-new-password-8")],
            &staff,
        )
        .await;
    denied(&res, "staff reset of a two-community account");
    let admin = t.login("admin").await;
    let res = t
        .post_form(
            &format!("/users/{volunteer}/password"),
            &[("_csrf", CSRF), ("password", "a-new-password-8")],
            &admin,
        )
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
}

/// A household of one resident in `grid`, made by the system; returns the resident.
async fn resident_in(t: &TestApp, grid: i64, room: &str, name: &str) -> i64 {
    t.household_of_one(grid, "1栋", room, name).await.2
}

async fn linked(t: &TestApp, username: &str) -> Option<i64> {
    let id = user_id(t, username).await;
    let mut conn = t.app.db().read().await.expect("read");
    civicgrid_store::ledger::resident_of_user(&mut conn, id)
        .await
        .expect("link")
}

#[tokio::test]
async fn a_link_checks_the_account_and_the_record_it_replaces() {
    let t = TestApp::new().await;
    let here = resident_in(&t, t.nodes.grid, "204", "甲").await;
    let other_grid = t
        .app
        .create_node(
            &Actor::system(),
            &civicgrid_app::platform::org::NodeInput {
                parent_id: Some(t.nodes.other_community),
                kind: None,
                code: "OG1".into(),
                name_zh: "他网格".into(),
                name_en: "Other grid".into(),
                boundary: None,
            },
            None,
        )
        .await
        .expect("grid")
        .id;
    let elsewhere = resident_in(&t, other_grid, "101", "乙").await;
    let staff = t.login("staff").await;
    let link = |resident: i64, username: &'static str| {
        let cookies = staff.clone();
        let t = &t;
        async move {
            t.post_form(
                &format!("/ledger/residents/{resident}/link"),
                &[("_csrf", CSRF), ("username", username)],
                &cookies,
            )
            .await
        }
    };
    // The admin's account and a staff account are not resident accounts the staff
    // manage: refused, with the same answer as an unknown username.
    let unknown = link(here, "nobody-here").await;
    for username in ["admin", "other_staff", "grid"] {
        let res = link(here, username).await;
        assert_eq!(res.status, unknown.status, "{username}: {}", res.body);
        assert!(
            res.body.contains("no resident account you manage"),
            "{username}: {}",
            res.body
        );
        assert_eq!(linked(&t, username).await, None, "{username}");
    }
    // The community's own resident account may be linked.
    let res = link(here, "resident").await;
    res.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(linked(&t, "resident").await, Some(here));
    // A resident account linked elsewhere cannot be re-linked by staff who do not
    // cover the record it is linked to now.
    let resident = user_id(&t, "resident").await;
    t.app
        .link_user_resident(&Actor::system(), resident, Some(elsewhere))
        .await
        .expect("system link");
    let res = link(here, "resident").await;
    denied(&res, "re-link away from another community's record");
    assert_eq!(linked(&t, "resident").await, Some(elsewhere));
    // A grid worker sees the card but not the form: linking is managing an account.
    let grid = t.login("grid").await;
    let card = t.get(&format!("/ledger/residents/{here}"), &grid).await;
    card.assert_status(StatusCode::OK);
    assert!(!card.body.contains("/link\""), "{}", card.body);
    let res = t
        .post_form(
            &format!("/ledger/residents/{here}/link"),
            &[("_csrf", CSRF), ("username", "resident")],
            &grid,
        )
        .await;
    denied(&res, "grid worker link");
}
