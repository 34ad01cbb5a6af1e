//! Platform core: infrastructure and public pages, signing in and out, one's own
//! account, the org tree, accounts and roles, the audit log and API tokens.

use crate::support::authz::ALL;
use crate::{ADMIN, CITY_WIDE, ORG_MANAGERS, USER_VIEWERS};
use crate::{Case, Empty, Form, Json, Rule, S, case, hidden, scoped};

const NEW_GRID_FORM: &[(&str, &str)] = &[
    ("code", "{code}"),
    ("name_zh", "新网格"),
    ("name_en", "New grid"),
    ("boundary", ""),
    ("reason", "test"),
];
const EDIT_NODE_FORM: &[(&str, &str)] = &[
    ("code", "{code}"),
    ("name_zh", "网格"),
    ("name_en", "Grid"),
    ("boundary", ""),
    ("reason", "test"),
];
const NEW_USER_FORM: &[(&str, &str)] = &[
    ("username", "{code}"),
    ("display_name", "New"),
    ("password", "a-long-password"),
    ("role", "resident"),
    ("node_id", "{node}"),
    ("reason", "test"),
];
const EDIT_USER_FORM: &[(&str, &str)] = &[
    ("display_name", "Renamed"),
    ("active", "true"),
    ("reason", "test"),
];
const PASSWORD_FORM: &[(&str, &str)] = &[("password", "another-long-password"), ("reason", "test")];
const GRANT_FORM: &[(&str, &str)] = &[
    ("role", "volunteer"),
    ("node_id", "{node}"),
    ("reason", "test"),
];
const REASON_FORM: &[(&str, &str)] = &[("reason", "test")];
const TOKEN_FORM: &[(&str, &str)] = &[
    ("name", "{code}"),
    ("role", "auditor"),
    ("node_id", "{node}"),
    ("reason", "test"),
];
const OWN_PASSWORD_FORM: &[(&str, &str)] = &[
    ("current_password", "wrong-password!"),
    ("new_password", "x-new-password-1"),
];
const LOGIN_FORM: &[(&str, &str)] = &[
    ("username", "as-resident"),
    ("password", "fixture-password"),
];

pub fn cases() -> Vec<Case> {
    let signed_in = Rule::SignedIn;
    let public = Rule::Public;
    vec![
        // infrastructure and public pages
        case("GET", "/healthz", public, S::None, Empty),
        case("GET", "/static/{file}", public, S::None, Empty),
        case("GET", "/api/docs", public, S::None, Empty),
        case("GET", "/api/openapi.json", public, S::None, Empty),
        case("GET", "/", public, S::None, Empty),
        case("GET", "/login", public, S::None, Empty),
        case("POST", "/login", public, S::None, Form(LOGIN_FORM)),
        case("GET", "/lang/{code}", public, S::None, Empty),
        case(
            "POST",
            "/api/v1/session",
            public,
            S::None,
            Json(r#"{"username":"as-resident","password":"fixture-password"}"#),
        ),
        // own account
        case("POST", "/logout", signed_in, S::None, Form(&[])),
        case("GET", "/account", signed_in, S::None, Empty),
        case(
            "POST",
            "/account/password",
            signed_in,
            S::None,
            Form(OWN_PASSWORD_FORM),
        ),
        case("GET", "/api/v1/me", signed_in, S::None, Empty),
        case("DELETE", "/api/v1/session", signed_in, S::None, Empty),
        // organisation
        case("GET", "/org", scoped(ALL, ALL), S::None, Empty),
        case("GET", "/org/{id}", hidden(ALL, CITY_WIDE), S::Node, Empty),
        case(
            "GET",
            "/org/{id}/map.svg",
            hidden(ALL, CITY_WIDE),
            S::Node,
            Empty,
        ),
        case(
            "GET",
            "/org/{id}/new",
            hidden(ORG_MANAGERS, ADMIN),
            S::ParentNode,
            Empty,
        ),
        case(
            "POST",
            "/org/{id}/children",
            hidden(ORG_MANAGERS, ADMIN),
            S::ParentNode,
            Form(NEW_GRID_FORM),
        ),
        case(
            "GET",
            "/org/{id}/edit",
            hidden(ORG_MANAGERS, ADMIN),
            S::Node,
            Empty,
        ),
        case(
            "POST",
            "/org/{id}/edit",
            hidden(ORG_MANAGERS, ADMIN),
            S::Node,
            Form(EDIT_NODE_FORM),
        ),
        case("GET", "/api/v1/org/nodes", scoped(ALL, ALL), S::None, Empty),
        case(
            "POST",
            "/api/v1/org/nodes",
            hidden(ORG_MANAGERS, ADMIN),
            S::ParentNode,
            Json(
                r#"{"parent_id":{node},"code":"{code}","name_zh":"新网格","name_en":"New grid","reason":"test"}"#,
            ),
        ),
        case(
            "GET",
            "/api/v1/org/nodes/{id}",
            hidden(ALL, CITY_WIDE),
            S::Node,
            Empty,
        ),
        case(
            "PATCH",
            "/api/v1/org/nodes/{id}",
            hidden(ORG_MANAGERS, ADMIN),
            S::Node,
            Json(r#"{"code":"{code}","name_zh":"网格","name_en":"Grid","reason":"test"}"#),
        ),
        // accounts
        case(
            "GET",
            "/users",
            scoped(USER_VIEWERS, USER_VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/users/new",
            scoped(ORG_MANAGERS, ORG_MANAGERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/users",
            scoped(ORG_MANAGERS, ADMIN),
            S::Node,
            Form(NEW_USER_FORM),
        ),
        case(
            "GET",
            "/users/{id}",
            scoped(USER_VIEWERS, CITY_WIDE),
            S::User,
            Empty,
        ),
        case(
            "POST",
            "/users/{id}/edit",
            scoped(ORG_MANAGERS, ADMIN),
            S::User,
            Form(EDIT_USER_FORM),
        ),
        case(
            "POST",
            "/users/{id}/password",
            scoped(ORG_MANAGERS, ADMIN),
            S::User,
            Form(PASSWORD_FORM),
        ),
        case(
            "POST",
            "/users/{id}/roles",
            scoped(ORG_MANAGERS, ADMIN),
            S::User,
            Form(GRANT_FORM),
        ),
        case(
            "POST",
            "/users/{id}/roles/{assignment_id}/revoke",
            scoped(ORG_MANAGERS, ADMIN),
            S::Assignment,
            Form(REASON_FORM),
        ),
        case(
            "POST",
            "/users/{id}/sessions/revoke",
            scoped(ORG_MANAGERS, ADMIN),
            S::User,
            Form(REASON_FORM),
        ),
        case(
            "GET",
            "/api/v1/users",
            scoped(USER_VIEWERS, USER_VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/users",
            scoped(ORG_MANAGERS, ADMIN),
            S::Node,
            Json(
                r#"{"username":"{code}","display_name":"New","password":"a-long-password","role":"resident","node_id":{node},"reason":"test"}"#,
            ),
        ),
        case(
            "GET",
            "/api/v1/users/{id}",
            scoped(USER_VIEWERS, CITY_WIDE),
            S::User,
            Empty,
        ),
        case(
            "PATCH",
            "/api/v1/users/{id}",
            scoped(ORG_MANAGERS, ADMIN),
            S::User,
            Json(r#"{"display_name":"Renamed","active":true,"reason":"test"}"#),
        ),
        case(
            "POST",
            "/api/v1/users/{id}/password",
            scoped(ORG_MANAGERS, ADMIN),
            S::User,
            Json(r#"{"password":"another-long-password","reason":"test"}"#),
        ),
        case(
            "POST",
            "/api/v1/users/{id}/roles",
            scoped(ORG_MANAGERS, ADMIN),
            S::User,
            Json(r#"{"role":"volunteer","node_id":{node},"reason":"test"}"#),
        ),
        case(
            "DELETE",
            "/api/v1/users/{id}/roles/{assignment_id}",
            scoped(ORG_MANAGERS, ADMIN),
            S::Assignment,
            Empty,
        ),
        case(
            "DELETE",
            "/api/v1/users/{id}/sessions",
            scoped(ORG_MANAGERS, ADMIN),
            S::User,
            Empty,
        ),
        // audit
        case(
            "GET",
            "/audit",
            scoped(CITY_WIDE, CITY_WIDE),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/audit/verify",
            scoped(CITY_WIDE, CITY_WIDE),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/audit",
            scoped(CITY_WIDE, CITY_WIDE),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/audit/verify",
            scoped(CITY_WIDE, CITY_WIDE),
            S::None,
            Empty,
        ),
        // API tokens
        case("GET", "/tokens", scoped(ADMIN, ADMIN), S::None, Empty),
        case(
            "POST",
            "/tokens",
            scoped(ADMIN, ADMIN),
            S::ParentNode,
            Form(TOKEN_FORM),
        ),
        case(
            "POST",
            "/tokens/{id}/revoke",
            scoped(ADMIN, ADMIN),
            S::Token,
            Form(REASON_FORM),
        ),
        case(
            "GET",
            "/api/v1/tokens",
            scoped(ADMIN, ADMIN),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/tokens",
            scoped(ADMIN, ADMIN),
            S::ParentNode,
            Json(r#"{"name":"{code}","role":"auditor","node_id":{node},"reason":"test"}"#),
        ),
        case(
            "DELETE",
            "/api/v1/tokens/{id}",
            scoped(ADMIN, ADMIN),
            S::Token,
            Empty,
        ),
    ]
}
