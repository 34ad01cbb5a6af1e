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

/// One way to act on an account: a JSON call (method, path, body) or a page's form
/// (path, fields besides the CSRF token).
enum Attempt<'a> {
    Api(Method, String, serde_json::Value),
    Page(String, Vec<(&'a str, &'a str)>),
}

impl Attempt<'_> {
    /// The attempt made by the browser holding `cookies`.
    async fn by(&self, t: &TestApp, cookies: &str) -> TestResponse {
        match self {
            Attempt::Api(method, path, body) => {
                api(t, method.clone(), path, cookies, body.clone()).await
            }
            Attempt::Page(path, fields) => t.submit(path, &[fields], cookies).await,
        }
    }
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
    let community = t.nodes.community.to_string();
    let onto = |user: i64| {
        Attempt::Api(
            Method::POST,
            format!("/api/v1/users/{user}/roles"),
            serde_json::json!({"role": "volunteer", "node_id": t.nodes.community}),
        )
    };
    let res = onto(admin).by(&t, &staff).await;
    denied(&res, "API grant onto the system admin");
    let fields = vec![("role", "volunteer"), ("node_id", community.as_str())];
    let res = Attempt::Page(format!("/users/{admin}/roles"), fields)
        .by(&t, &staff)
        .await;
    denied(&res, "page grant onto the system admin");
    assert_eq!(roles_of(&t, admin).await, before);
    // A user with a role in another community is not theirs either.
    let other = user_id(&t, "other_staff").await;
    let res = onto(other).by(&t, &staff).await;
    denied(&res, "API grant onto another community's staff");
}

#[tokio::test]
async fn one_role_in_scope_does_not_hand_over_the_account() {
    let t = TestApp::new().await;
    // The state the attack reached: the admin also holds a role in staff's community.
    let admin = user_id(&t, "admin").await;
    let volunteer_role = grant(&t, "admin", "volunteer", t.nodes.community).await;
    let attempts = [
        (
            "API password reset",
            Attempt::Api(
                Method::POST,
                format!("/api/v1/users/{admin}/password"),
                serde_json::json!({"password": "a-new-password-9", "reason": "takeover"}),
            ),
        ),
        (
            "page password reset",
            Attempt::Page(
                format!("/users/{admin}/password"),
                vec![("password", "a-new-password-9")],
            ),
        ),
        (
            "API deactivation",
            Attempt::Api(
                Method::PATCH,
                format!("/api/v1/users/{admin}"),
                serde_json::json!({"active": false}),
            ),
        ),
        (
            "page edit",
            Attempt::Page(
                format!("/users/{admin}/edit"),
                vec![("display_name", "Owned")],
            ),
        ),
        (
            "page sign-out",
            Attempt::Page(format!("/users/{admin}/sessions/revoke"), vec![]),
        ),
        (
            "API revoke of the in-scope role",
            Attempt::Api(
                Method::DELETE,
                format!("/api/v1/users/{admin}/roles/{volunteer_role}"),
                serde_json::json!({}),
            ),
        ),
        (
            "page revoke of the in-scope role",
            Attempt::Page(
                format!("/users/{admin}/roles/{volunteer_role}/revoke"),
                vec![],
            ),
        ),
    ];
    for cookies in [t.login("staff").await, t.login("street").await] {
        for (what, attempt) in &attempts {
            denied(&attempt.by(&t, &cookies).await, what);
        }
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
    let reset = |password| {
        Attempt::Page(
            format!("/users/{volunteer}/password"),
            vec![("password", password)],
        )
    };
    reset("a-new-password-9")
        .by(&t, &staff)
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let res = Attempt::Api(
        Method::POST,
        format!("/api/v1/users/{volunteer}/roles"),
        serde_json::json!({"role": "resident", "node_id": t.nodes.grid}),
    )
    .by(&t, &staff)
    .await;
    assert!(res.status.is_success(), "{} {}", res.status, res.body);
    // Once the volunteer also holds a role in another community, staff of one
    // community no longer manage it; the street admin above both still does.
    grant(&t, "volunteer", "volunteer", t.nodes.other_community).await;
    let res = reset("a-new-password-8").by(&t, &staff).await;
    denied(&res, "staff reset of a two-community account");
    let admin = t.login("admin").await;
    reset("a-new-password-8")
        .by(&t, &admin)
        .await
        .assert_status(StatusCode::SEE_OTHER);
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
    let res = Attempt::Page(
        format!("/ledger/residents/{here}/link"),
        vec![("username", "resident")],
    )
    .by(&t, &grid)
    .await;
    denied(&res, "grid worker link");
}
