//! The authorization table: every route, every role, a target inside the role's scope
//! and one outside it, and whether the request must be allowed or denied.
//!
//! A route that is registered but missing here fails `every_route_has_a_rule`, so no
//! route can be added without deciding who may use it.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use civicgrid_app::domain::platform::access::{Actor, Role};
use civicgrid_app::platform::org::NodeInput;
use civicgrid_app::platform::users::{NewUser, RoleGrant};
use civicgrid_app::store::{Db, platform::accounts};
use civicgrid_app::{App, AppConfig};
use civicgrid_web::{AppState, WebConfig, build_router, route_list};
use tower::ServiceExt;

use Role::*;

const ALL: &[Role] = &[
    Resident,
    Volunteer,
    Responder,
    GridWorker,
    CommunityStaff,
    StreetAdmin,
    Auditor,
    SystemAdmin,
];
const CITY_WIDE: &[Role] = &[SystemAdmin, Auditor];
const ORG_MANAGERS: &[Role] = &[SystemAdmin, StreetAdmin, CommunityStaff];
const USER_VIEWERS: &[Role] = &[
    SystemAdmin,
    Auditor,
    StreetAdmin,
    CommunityStaff,
    GridWorker,
];
const ADMIN: &[Role] = &[SystemAdmin];
const LEDGER_VIEWERS: &[Role] = &[SystemAdmin, StreetAdmin, CommunityStaff, GridWorker];
const LEDGER_EDITORS: &[Role] = &[SystemAdmin, CommunityStaff, GridWorker];
/// Linking an account to a record is managing the account: ledger editors who may also
/// grant the resident role.
const ACCOUNT_LINKERS: &[Role] = &[SystemAdmin, CommunityStaff];
const NOBODY_BUT_PUBLIC: &[Role] = &[];

/// Who may use a route.
#[derive(Clone, Copy)]
enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user, whatever their roles.
    SignedIn,
    /// Only with an `api_key` parameter (Open311 posts): a session cookie counts for
    /// nothing there, so every caller without one, signed in or not, gets 400.
    ApiKeyOnly,
    /// Like `Scoped`, for things whose existence is hidden from those who may not see
    /// them: "not found" (404), or for a target named in the body the objection a
    /// missing one gets (422), counts as denied too. A role that may do this in its
    /// own scope (in `inside`) but not at the outside target must get exactly that
    /// answer there, never 403: what lies outside its sight is not revealed.
    Hidden {
        inside: &'static [Role],
        outside: &'static [Role],
    },
    /// These roles when the target lies in their scope; `out` when it does not.
    Scoped {
        inside: &'static [Role],
        outside: &'static [Role],
    },
}

/// What a route's path parameters and body refer to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Subject {
    None,
    /// An existing node (grid) to view or edit.
    Node,
    /// A community under which to create a grid.
    ParentNode,
    /// A resident account to look at or manage.
    User,
    /// A role assignment of that resident.
    Assignment,
    /// An API token bound to the target grid.
    Token,
    /// A household in the target grid (ledger).
    Household,
    /// A second household in the target grid (merged into the first).
    Household2,
    /// A resident record in the target grid (ledger).
    LedgerResident,
    /// A request located in the target grid (taken by phone, not by a resident).
    Request,
    /// A photo of that request.
    Photo,
    /// A routing rule at the target grid.
    RoutingRule,
    /// A responder organisation serving the target community.
    ResponderOrg,
}

struct Case {
    method: &'static str,
    path: &'static str,
    rule: Rule,
    subject: Subject,
    body: Body_,
}

#[derive(Clone, Copy)]
enum Body_ {
    Empty,
    /// A form with these fields (`{code}` and `{node}` are filled in).
    Form(&'static [(&'static str, &'static str)]),
    /// A JSON body (`{code}` and `{node}` are filled in).
    Json(&'static str),
}

const fn case(
    method: &'static str,
    path: &'static str,
    rule: Rule,
    subject: Subject,
    body: Body_,
) -> Case {
    Case {
        method,
        path,
        rule,
        subject,
        body,
    }
}

const fn scoped(inside: &'static [Role], outside: &'static [Role]) -> Rule {
    Rule::Scoped { inside, outside }
}

use Body_::{Empty, Form, Json};
use Subject as S;

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

const LEDGER_ROOM_FORM: &[(&str, &str)] = &[
    ("building", "9"),
    ("unit", "1"),
    ("room", "{code}"),
    ("floor", "1"),
];
const LEDGER_HOUSEHOLD_FORM: &[(&str, &str)] = &[
    ("room_id", "{room}"),
    ("ownership", "owner"),
    ("area_m2", "60"),
];
const LEDGER_ADD_RESIDENT_FORM: &[(&str, &str)] = &[
    ("name", "王五"),
    ("gender", "male"),
    ("birth_date", "1990-01-02"),
    ("relation", "other"),
    ("reason", "test"),
];
const LEDGER_SPLIT_FORM: &[(&str, &str)] = &[
    ("room_id", "{room}"),
    ("ownership", "tenant"),
    ("member_{member}", "1"),
    ("reason", "test"),
];
const LEDGER_MERGE_FORM: &[(&str, &str)] =
    &[("into_household_id", "{household}"), ("reason", "test")];
const LEDGER_EDIT_FORM: &[(&str, &str)] = &[("name", "张三丰"), ("reason", "test")];
const LEDGER_MOVE_FORM: &[(&str, &str)] = &[
    ("household_id", "{household2}"),
    ("relation", "other"),
    ("reason", "test"),
];
const LEDGER_DEPARTURE_FORM: &[(&str, &str)] = &[
    ("status", "moved_out"),
    ("date", "2024-01-02"),
    ("reason", "test"),
];
const LEDGER_TAGS_FORM: &[(&str, &str)] = &[("tag_veteran", "1"), ("reason", "test")];
const LEDGER_UNMASK_FORM: &[(&str, &str)] = &[("purpose", "test")];
const LEDGER_LINK_FORM: &[(&str, &str)] = &[("username", "resident-in")];
const LEDGER_TAG_FORM: &[(&str, &str)] = &[
    ("code", "t_{code}"),
    ("name_zh", "测试"),
    ("name_en", "Test"),
    ("active", "1"),
];

fn ledger_cases() -> Vec<Case> {
    let signed_in = Rule::SignedIn;
    let view = hidden(LEDGER_VIEWERS, ADMIN);
    let edit = hidden(LEDGER_EDITORS, ADMIN);
    vec![
        case(
            "GET",
            "/ledger",
            scoped(LEDGER_VIEWERS, LEDGER_VIEWERS),
            S::None,
            Empty,
        ),
        case("GET", "/ledger/grids/{id}", view, S::Node, Empty),
        case(
            "POST",
            "/ledger/grids/{id}/rooms",
            edit,
            S::Node,
            Form(LEDGER_ROOM_FORM),
        ),
        case(
            "POST",
            "/ledger/grids/{id}/households",
            edit,
            S::Node,
            Form(LEDGER_HOUSEHOLD_FORM),
        ),
        case("GET", "/ledger/households/{id}", view, S::Household, Empty),
        case(
            "POST",
            "/ledger/households/{id}/residents",
            edit,
            S::Household,
            Form(LEDGER_ADD_RESIDENT_FORM),
        ),
        case(
            "POST",
            "/ledger/households/{id}/split",
            edit,
            S::Household,
            Form(LEDGER_SPLIT_FORM),
        ),
        case(
            "GET",
            "/ledger/residents/{id}",
            view,
            S::LedgerResident,
            Empty,
        ),
        case(
            "POST",
            "/ledger/residents/{id}/edit",
            edit,
            S::LedgerResident,
            Form(LEDGER_EDIT_FORM),
        ),
        case(
            "POST",
            "/ledger/residents/{id}/tags",
            edit,
            S::LedgerResident,
            Form(LEDGER_TAGS_FORM),
        ),
        case(
            "POST",
            "/ledger/residents/{id}/unmask",
            edit,
            S::LedgerResident,
            Form(LEDGER_UNMASK_FORM),
        ),
        case(
            "POST",
            "/ledger/residents/{id}/link",
            hidden(ACCOUNT_LINKERS, ADMIN),
            S::LedgerResident,
            Form(LEDGER_LINK_FORM),
        ),
        case(
            "POST",
            "/ledger/residents/{id}/move",
            edit,
            S::LedgerResident,
            Form(LEDGER_MOVE_FORM),
        ),
        case(
            "POST",
            "/ledger/residents/{id}/departure",
            edit,
            S::LedgerResident,
            Form(LEDGER_DEPARTURE_FORM),
        ),
        case(
            "POST",
            "/ledger/households/{id}/merge",
            edit,
            S::Household2,
            Form(LEDGER_MERGE_FORM),
        ),
        case(
            "GET",
            "/ledger/tags",
            scoped(LEDGER_VIEWERS, LEDGER_VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/ledger/tags",
            scoped(ADMIN, ADMIN),
            S::None,
            Form(LEDGER_TAG_FORM),
        ),
        case("GET", "/me/household", signed_in, S::None, Empty),
        case("GET", "/me/data-access", signed_in, S::None, Empty),
        case(
            "GET",
            "/api/v1/ledger/grids/{id}/board",
            view,
            S::Node,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/ledger/households/{id}",
            view,
            S::Household,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/ledger/residents/{id}",
            view,
            S::LedgerResident,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/ledger/residents",
            edit,
            S::Household,
            Json(
                r#"{"household_id":{household},"name":"赵六","gender":"female","birth_date":"1985-03-04","relation":"other","reason":"test"}"#,
            ),
        ),
        case(
            "PATCH",
            "/api/v1/ledger/residents/{id}",
            edit,
            S::LedgerResident,
            Json(r#"{"name":"张三","reason":"test"}"#),
        ),
        case(
            "POST",
            "/api/v1/ledger/residents/{id}/unmask",
            edit,
            S::LedgerResident,
            Json(r#"{"purpose":"test"}"#),
        ),
        case("GET", "/api/v1/me/household", signed_in, S::None, Empty),
    ]
}

fn cases() -> Vec<Case> {
    let mut all = core_cases();
    all.extend(ledger_cases());
    all.extend(search_cases());
    all.extend(import_export_cases());
    all.extend(data_access_cases());
    all.extend(open311_cases());
    all.extend(request_cases());
    all
}

/// Importing (ImportLedger) and exporting (ExportLedger) residents.
fn import_export_cases() -> Vec<Case> {
    let import = scoped(LEDGER_EDITORS, LEDGER_EDITORS);
    let export = scoped(LEDGER_VIEWERS, LEDGER_VIEWERS);
    vec![
        case("GET", "/ledger/import", import, S::None, Empty),
        case("POST", "/ledger/import", import, S::None, Empty),
        case("GET", "/ledger/import/jobs/{id}", import, S::None, Empty),
        case(
            "GET",
            "/ledger/import/jobs/{id}/rejects",
            import,
            S::None,
            Empty,
        ),
        case("GET", "/ledger/export", export, S::None, Empty),
    ]
}

/// Ledger search and the population summary (ViewLedger).
fn search_cases() -> Vec<Case> {
    let anywhere = scoped(LEDGER_VIEWERS, LEDGER_VIEWERS);
    let view = hidden(LEDGER_VIEWERS, ADMIN);
    vec![
        case("GET", "/ledger/search", anywhere, S::None, Empty),
        case("GET", "/ledger/population/{id}", view, S::Node, Empty),
        case("GET", "/api/v1/ledger/search", anywhere, S::None, Empty),
        case(
            "GET",
            "/api/v1/ledger/population/{id}",
            view,
            S::Node,
            Empty,
        ),
    ]
}

fn core_cases() -> Vec<Case> {
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

#[test]
fn every_route_has_a_rule() {
    let table: BTreeSet<(String, String)> = cases()
        .iter()
        .map(|c| (c.method.to_owned(), c.path.to_owned()))
        .collect();
    let registered: BTreeSet<(String, String)> = route_list()
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    let missing: Vec<_> = registered.difference(&table).collect();
    let stale: Vec<_> = table.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes without an authorization rule: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rules for routes that do not exist: {stale:?}"
    );
    let _ = NOBODY_BUT_PUBLIC;
}

/// Ids of the fixture: a city, and two streets each with a community and a grid.
/// Every role is held inside street 1; street 2 is outside all but city-wide roles.
struct Fixture {
    router: Router,
    app: App,
    cookies: HashMap<Role, String>,
    community: [i64; 2],
    grid: [i64; 2],
    /// A resident in each grid, the subject of account routes.
    resident: [i64; 2],
    /// Ledger subjects in each grid: a room, two households, a resident record (head
    /// of the first household) and a second member who can be split off.
    ledger: [LedgerFixture; 2],
    /// Requests: a request, a routing rule and a responder organisation on each side.
    requests: [RequestFixture; 2],
    _dir: tempfile::TempDir,
}

#[derive(Clone, Copy, Default)]
struct LedgerFixture {
    room: i64,
    household: i64,
    household2: i64,
    resident: i64,
    member: i64,
}

async fn ledger_fixture(app: &App, grid: i64, side: usize) -> LedgerFixture {
    use civicgrid_app::ledger::ResidentInput;
    let sys = Actor::system();
    let room = app
        .add_room(&sys, grid, "1", "1", "101", Some(1))
        .await
        .unwrap();
    let household = app
        .add_household(&sys, room, "owner", Some("80"))
        .await
        .unwrap();
    let room2 = app
        .add_room(&sys, grid, "1", "1", "102", Some(1))
        .await
        .unwrap();
    let household2 = app
        .add_household(&sys, room2, "tenant", None)
        .await
        .unwrap();
    let add = |name: &str, relation: &str, h: i64, id: Option<&str>| ResidentInput {
        household_id: h,
        name: name.into(),
        gender: Some("female".into()),
        birth_date: None,
        id_number: id.map(Into::into),
        phone: Some("13812345678".into()),
        relation: relation.into(),
        residence_status: None,
        tags: Vec::new(),
    };
    let mut head = add(
        "张三",
        "head",
        household,
        (side == 0).then_some("11010519491231002X"),
    );
    if side == 1 {
        head.birth_date = Some("1949-12-31".into());
    }
    let resident = app.add_resident(&sys, &head, None).await.unwrap();
    let mut m = add("李四", "child", household, None);
    m.birth_date = Some("2001-02-03".into());
    let member = app.add_resident(&sys, &m, None).await.unwrap();
    let mut h2 = add("王二", "head", household2, None);
    h2.birth_date = Some("1970-02-03".into());
    app.add_resident(&sys, &h2, None).await.unwrap();
    LedgerFixture {
        room,
        household,
        household2,
        resident,
        member,
    }
}

const CSRF: &str = "csrf-token-for-tests";

async fn node(app: &App, parent: Option<i64>, code: &str) -> i64 {
    app.create_node(
        &Actor::system(),
        &NodeInput {
            parent_id: parent,
            kind: None,
            code: code.into(),
            name_zh: format!("节点{code}"),
            name_en: format!("Node {code}"),
            boundary: None,
        },
        None,
    )
    .await
    .unwrap()
    .id
}

async fn user(app: &App, username: &str, role: Role, node_id: i64) -> i64 {
    app.create_user(
        &Actor::system(),
        &NewUser {
            username: username.into(),
            display_name: username.into(),
            password: "fixture-password".into(),
            role: role.as_str().into(),
            node_id,
        },
        None,
    )
    .await
    .unwrap()
    .id
}

impl Fixture {
    async fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_sqlite(&dir.path().join("db.sqlite"))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let app = App::new(db, AppConfig::default());
        app.prepare().await.unwrap();
        let city = node(&app, None, "C").await;
        let district = node(&app, Some(city), "C-D").await;
        let mut street = [0; 2];
        let mut community = [0; 2];
        let mut grid = [0; 2];
        for i in 0..2 {
            street[i] = node(&app, Some(district), &format!("C-D-S{i}")).await;
            community[i] = node(&app, Some(street[i]), &format!("C-D-S{i}-C")).await;
            grid[i] = node(&app, Some(community[i]), &format!("C-D-S{i}-C-G")).await;
        }
        let scope_of = |role: Role| match role {
            SystemAdmin | Auditor => city,
            StreetAdmin => street[0],
            CommunityStaff | Responder | Volunteer => community[0],
            GridWorker | Resident => grid[0],
        };
        let mut cookies = HashMap::new();
        for role in ALL {
            let name = format!("as-{}", role.as_str().replace('_', "-"));
            user(&app, &name, *role, scope_of(*role)).await;
            let s = app
                .login(&name, "fixture-password", "test", "test", None)
                .await
                .unwrap();
            cookies.insert(*role, format!("cg_session={}; cg_csrf={CSRF}", s.token));
        }
        let resident = [
            user(&app, "resident-in", Resident, grid[0]).await,
            user(&app, "resident-out", Resident, grid[1]).await,
        ];
        let ledger = [
            ledger_fixture(&app, grid[0], 0).await,
            ledger_fixture(&app, grid[1], 1).await,
        ];
        let requests = [
            request_fixture(&app, grid[0], community[0]).await,
            request_fixture(&app, grid[1], community[1]).await,
        ];
        let router = build_router(AppState::new(app.clone(), WebConfig::default()));
        Fixture {
            router,
            app,
            cookies,
            community,
            grid,
            resident,
            ledger,
            requests,
            _dir: dir,
        }
    }

    async fn sign_in_again(&mut self, role: Role) {
        let name = format!("as-{}", role.as_str().replace('_', "-"));
        let s = self
            .app
            .login(&name, "fixture-password", "test", "test", None)
            .await
            .unwrap();
        self.cookies
            .insert(role, format!("cg_session={}; cg_csrf={CSRF}", s.token));
    }

    /// Makes sure the resident `side` holds a volunteer role in their grid; returns it.
    async fn assignment(&self, side: usize) -> i64 {
        let mut conn = self.app.db().read().await.unwrap();
        let existing = accounts::assignments_of(&mut conn, self.resident[side])
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.assignment.role == Volunteer);
        drop(conn);
        match existing {
            Some(a) => a.assignment.id,
            None => {
                self.app
                    .grant_role(
                        &Actor::system(),
                        self.resident[side],
                        &RoleGrant {
                            role: "volunteer".into(),
                            node_id: self.grid[side],
                        },
                        None,
                    )
                    .await
                    .unwrap()
                    .assignment
                    .id
            }
        }
    }

    async fn token(&self, side: usize, n: u32) -> i64 {
        self.app
            .create_token(
                &Actor::system(),
                &civicgrid_app::platform::tokens::NewToken {
                    name: format!("t{n}"),
                    role: "auditor".into(),
                    node_id: self.community[side],
                },
                None,
            )
            .await
            .unwrap()
            .token
            .id
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(1);

/// Sends `case` as `role` (None = anonymous) at the inside (0) or outside (1) target.
async fn send(fx: &Fixture, c: &Case, role: Option<Role>, side: usize) -> (StatusCode, String) {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let code = format!("X{n}");
    let node = match c.subject {
        S::ParentNode => fx.community[side],
        _ => fx.grid[side],
    };
    let mut path = c
        .path
        .replace("{file}", "app.css")
        .replace("{code}", "en")
        .replace("{service_code}", "parking.json")
        .replace("{service_request_id}", "1.json")
        .replace("{token}", "00.json")
        .replace("{photo_id}", &fx.requests[side].photo.to_string());
    match c.subject {
        S::Node | S::ParentNode => path = path.replace("{id}", &node.to_string()),
        S::User => path = path.replace("{id}", &fx.resident[side].to_string()),
        S::Assignment => {
            let a = fx.assignment(side).await;
            path = path
                .replace("{id}", &fx.resident[side].to_string())
                .replace("{assignment_id}", &a.to_string());
        }
        S::Token => {
            let t = fx.token(side, n).await;
            path = path.replace("{id}", &t.to_string());
        }
        S::Household => path = path.replace("{id}", &fx.ledger[side].household.to_string()),
        S::Household2 => path = path.replace("{id}", &fx.ledger[side].household2.to_string()),
        S::LedgerResident => path = path.replace("{id}", &fx.ledger[side].resident.to_string()),
        S::Request => path = path.replace("{id}", &fx.requests[side].request.to_string()),
        S::Photo => path = path.replace("{id}", &fx.requests[side].photo.to_string()),
        S::RoutingRule => path = path.replace("{id}", &fx.requests[side].rule.to_string()),
        S::ResponderOrg => path = path.replace("{id}", &fx.requests[side].org.to_string()),
        S::None => {}
    }
    // Grants and new accounts go to the target's grid; nodes are created under it.
    let target_node = match c.subject {
        S::ParentNode => fx.community[side],
        _ => fx.grid[side],
    };
    let lf = fx.ledger[side];
    let fill = |s: &str| {
        s.replace("{code}", &format!("{}-{}", code.to_lowercase(), side))
            .replace("{node}", &target_node.to_string())
            .replace("{room}", &lf.room.to_string())
            .replace("{household}", &lf.household.to_string())
            .replace("{household2}", &lf.household2.to_string())
            .replace("{member}", &lf.member.to_string())
    };
    let mut req = Request::builder().method(c.method).uri(&path);
    // Signing in replaces the browser's session; keep the fixture's sessions alive.
    let signs_in = c.method == "POST" && (c.path == "/login" || c.path == "/api/v1/session");
    if let (Some(r), false) = (role, signs_in) {
        req = req
            .header(header::COOKIE, fx.cookies[&r].clone())
            .header("x-csrf-token", CSRF);
    } else {
        req = req.header(header::COOKIE, format!("cg_csrf={CSRF}"));
    }
    let req = match c.body {
        Empty => req.body(Body::empty()),
        Form(fields) => {
            let mut body: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}={}", fill(k), urlencode(&fill(v))))
                .collect();
            body.push(format!("_csrf={CSRF}"));
            req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.join("&")))
        }
        Json(text) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(fill(text))),
    }
    .unwrap();
    let res = fx.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, location)
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What a missing target answers: 404, or the form's or body's objection (422) when
/// the body names one (`{node}`, `{household}`, …). Inside the scope a 422 is an
/// objection to the fixture's data (e.g. a member already split off), so it counts as
/// a hidden target only outside (`side` 1).
fn hidden_answer(c: &Case, status: StatusCode, side: usize) -> bool {
    const TARGETS: [&str; 4] = ["{node}", "{room}", "{household}", "{member}"];
    let names = |text: &str| TARGETS.iter().any(|t| text.contains(t));
    let names_target = match c.body {
        Empty => false,
        Form(fields) => fields.iter().any(|(k, v)| names(k) || names(v)),
        Json(text) => names(text),
    };
    status == StatusCode::NOT_FOUND
        || (side == 1 && names_target && status == StatusCode::UNPROCESSABLE_ENTITY)
}

/// Denied means 401/403, or a page sending the visitor to sign in.
fn denied(status: StatusCode, location: &str) -> bool {
    status == StatusCode::FORBIDDEN
        || status == StatusCode::UNAUTHORIZED
        || (status.is_redirection() && location.starts_with("/login"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_allows_and_denies_as_the_table_says() {
    let fx = Fixture::new().await;
    let mut failures = Vec::new();
    for c in cases() {
        // Signing out and revoking one's own sessions must come last for each role.
        let sides: &[usize] = match c.rule {
            Rule::Scoped { .. } | Rule::Hidden { .. } => &[0, 1],
            _ => &[0],
        };
        for &side in sides {
            let mut who: Vec<Option<Role>> = vec![None];
            who.extend(ALL.iter().map(|r| Some(*r)));
            for role in who {
                if c.path == "/logout" || c.path == "/api/v1/session" && c.method == "DELETE" {
                    continue;
                }
                if let Rule::ApiKeyOnly = c.rule {
                    let (status, _) = send(&fx, &c, role, side).await;
                    if status != StatusCode::BAD_REQUEST {
                        failures.push(format!(
                            "{} {} as {:?} without api_key: expected 400, got {status}",
                            c.method,
                            c.path,
                            role.map(Role::as_str),
                        ));
                    }
                    continue;
                }
                let expected_allow = match (c.rule, role) {
                    (Rule::ApiKeyOnly, _) => false,
                    (Rule::Public, _) => true,
                    (Rule::SignedIn, r) => r.is_some(),
                    (Rule::Scoped { .. } | Rule::Hidden { .. }, None) => false,
                    (
                        Rule::Scoped { inside, outside } | Rule::Hidden { inside, outside },
                        Some(r),
                    ) => {
                        if side == 0 {
                            inside.contains(&r)
                        } else {
                            outside.contains(&r)
                        }
                    }
                };
                let (status, location) = send(&fx, &c, role, side).await;
                let was_denied = denied(status, &location)
                    || (matches!(c.rule, Rule::Hidden { .. }) && hidden_answer(&c, status, side));
                let side_name = if side == 0 { "inside" } else { "outside" };
                // Hidden: a role allowed at home but not at the outside target must not
                // learn that the target exists there.
                if let (Rule::Hidden { inside, outside }, Some(r), 1) = (c.rule, role, side)
                    && inside.contains(&r)
                    && !outside.contains(&r)
                    && !hidden_answer(&c, status, side)
                {
                    failures.push(format!(
                        "{} {} as {} outside: expected it hidden (404 or 422), got {status}",
                        c.method,
                        c.path,
                        r.as_str(),
                    ));
                }
                if expected_allow == was_denied {
                    failures.push(format!(
                        "{} {} as {:?} {side_name}: expected {}, got {status} {location}",
                        c.method,
                        c.path,
                        role.map(Role::as_str),
                        if expected_allow { "allow" } else { "deny" },
                    ));
                }
                if !was_denied && status.is_server_error() {
                    failures.push(format!(
                        "{} {} as {:?}: server error {status}",
                        c.method, c.path, role
                    ));
                }
            }
        }
    }
    // Signing out: allowed for everyone signed in, done last as it ends the sessions.
    let mut fx = fx;
    for c in cases()
        .iter()
        .filter(|c| c.path == "/logout" || (c.path == "/api/v1/session" && c.method == "DELETE"))
    {
        let (status, location) = send(&fx, c, None, 0).await;
        if c.method == "DELETE" && !denied(status, &location) {
            failures.push(format!(
                "anonymous DELETE /api/v1/session was not denied: {status}"
            ));
        }
        for role in ALL {
            fx.sign_in_again(*role).await;
            let (status, location) = send(&fx, c, Some(*role), 0).await;
            if denied(status, &location) {
                failures.push(format!(
                    "{} {} as {}: denied ({status})",
                    c.method,
                    c.path,
                    role.as_str()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} authorization mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Reading the data-access log (ViewAudit, narrowed to the reader's scope).
fn data_access_cases() -> Vec<Case> {
    vec![case(
        "GET",
        "/audit/views",
        scoped(CITY_WIDE, CITY_WIDE),
        S::None,
        Empty,
    )]
}

/// Open311 GeoReport v2: reading is public (only publicly showable requests, no
/// personal data); posting needs an `api_key` whatever the session.
fn open311_cases() -> Vec<Case> {
    let public = Rule::Public;
    let mut all: Vec<Case> = [
        "/open311/v2/discovery.json",
        "/open311/v2/discovery.xml",
        "/open311/v2/services.json",
        "/open311/v2/services.xml",
        "/open311/v2/services/{service_code}",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        "/open311/v2/requests/{service_request_id}",
        "/open311/v2/tokens/{token}",
        "/open311/v2/servicerequestupdates.json",
        "/open311/v2/servicerequestupdates.xml",
    ]
    .into_iter()
    .map(|p| case("GET", p, public, S::None, Empty))
    .collect();
    const POST: &[(&str, &str)] = &[
        ("service_code", "parking"),
        ("description", "车辆堵住消防通道"),
        ("address_string", "3栋东侧"),
    ];
    for p in ["/open311/v2/requests.json", "/open311/v2/requests.xml"] {
        all.push(case("POST", p, Rule::ApiKeyOnly, S::None, Form(POST)));
    }
    all
}

#[derive(Clone, Copy, Default)]
struct RequestFixture {
    request: i64,
    rule: i64,
    org: i64,
    photo: i64,
}

/// A 2×2 PNG with nothing around it.
fn tiny_png() -> Vec<u8> {
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(data);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = 2u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&2u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    v.extend(chunk(b"IHDR", &ihdr));
    v.extend(chunk(b"IDAT", &[1, 2, 3, 4]));
    v.extend(chunk(b"IEND", &[]));
    v
}

async fn request_fixture(app: &App, grid: i64, community: i64) -> RequestFixture {
    use civicgrid_app::domain::requests::Channel;
    use civicgrid_app::domain::requests::ResponderKind;
    use civicgrid_app::domain::requests::routing::Party;
    use civicgrid_app::requests::intake::{NewRequest, OnBehalf};
    let sys = Actor::system();
    let request = app
        .submit_request(
            &sys,
            NewRequest {
                channel: Channel::StaffPhone,
                category: Some("noise".into()),
                description: "楼下装修噪音从早上七点开始".into(),
                grid_id: Some(grid),
                building_id: None,
                room_id: None,
                point: None,
                address: "1栋".into(),
                on_behalf: Some(OnBehalf {
                    contact_phone: Some("13812345678".into()),
                    ..OnBehalf::default()
                }),
                public: true,
            },
        )
        .await
        .unwrap()
        .id
        .0;
    let rule = app
        .create_routing_rule(&sys, Some("greenery"), grid, Party::Role(CommunityStaff))
        .await
        .unwrap()
        .rule
        .id;
    let org = app
        .create_responder_org(&sys, ResponderKind::PropertyCompany, "物业", community)
        .await
        .unwrap()
        .id;
    let photo = app
        .add_request_photo(
            &sys,
            civicgrid_app::domain::requests::RequestId(request),
            Some("intake"),
            &tiny_png(),
        )
        .await
        .unwrap();
    RequestFixture {
        request,
        rule,
        org,
        photo,
    }
}

/// Resident requests: pages and API. Requests hide their existence from those who
/// may not see them (404), so their routes are `Hidden`.
fn request_cases() -> Vec<Case> {
    const SUBMITTERS: &[Role] = &[
        Resident,
        GridWorker,
        CommunityStaff,
        StreetAdmin,
        SystemAdmin,
    ];
    const HANDLERS: &[Role] = &[GridWorker, CommunityStaff, StreetAdmin, SystemAdmin];
    const VIEWERS: &[Role] = &[
        GridWorker,
        CommunityStaff,
        StreetAdmin,
        Auditor,
        SystemAdmin,
    ];
    const QUEUE_READERS: &[Role] = &[
        Responder,
        GridWorker,
        CommunityStaff,
        StreetAdmin,
        Auditor,
        SystemAdmin,
    ];
    const MINE: &[Role] = &[
        Responder,
        GridWorker,
        CommunityStaff,
        StreetAdmin,
        SystemAdmin,
    ];
    const NOBODY: &[Role] = &[];
    const SUPERVISORS: &[Role] = &[CommunityStaff, StreetAdmin, SystemAdmin];
    // The defaults, so that saving them changes nothing for the other cases.
    const POLICY: &[(&str, &str)] = &[
        ("sla_warning_percent", "80"),
        ("community_staff_after_minutes", "0"),
        ("street_admin_after_minutes", "450"),
        ("poor_rating", "reopen"),
        ("reopen_window_hours", "168"),
        ("min_confidence", "0.5"),
        ("duplicate_radius_m", "150"),
        ("duplicate_window_hours", "168"),
        ("duplicate_threshold", "0.5"),
        ("duplicate_text_weight", "0.45"),
        ("duplicate_category_weight", "0.25"),
        ("duplicate_location_weight", "0.2"),
        ("duplicate_recency_weight", "0.1"),
        ("duplicate_max_results", "5"),
    ];
    const POLICY_JSON: &str = r#"{"sla_warning_percent":80,"community_staff_after_minutes":0,
        "street_admin_after_minutes":450,"poor_rating":"reopen","reopen_window_hours":168,
        "min_confidence":0.5,"duplicate_radius_m":150,"duplicate_window_hours":168,
        "duplicate_threshold":0.5,"duplicate_text_weight":0.45,"duplicate_category_weight":0.25,
        "duplicate_location_weight":0.2,"duplicate_recency_weight":0.1,"duplicate_max_results":5}"#;
    const REPORT: &[(&str, &str)] = &[
        ("description", "楼道灯坏了好几天"),
        ("category", "public_facilities"),
        ("place", "grid"),
        ("grid_id", "{node}"),
        ("address", "2栋"),
    ];
    const INTAKE: &[(&str, &str)] = &[
        ("channel", "staff_phone"),
        ("contact_phone", "13812345678"),
        ("description", "小区门口路灯不亮"),
        ("category", "public_facilities"),
        ("grid_id", "{node}"),
    ];
    const CATEGORY: &[(&str, &str)] = &[
        ("code", "authz_test"),
        ("name_zh", "测试"),
        ("name_en", "Test"),
        ("party_kind", "community_staff"),
        ("response_minutes", "60"),
        ("resolution_minutes", "600"),
        ("active", "1"),
    ];
    const CALENDAR: &[(&str, &str)] = &[
        ("mon", "08:30-12:00"),
        ("tue", "08:30-12:00"),
        ("wed", "08:30-12:00"),
        ("thu", "08:30-12:00"),
        ("fri", "08:30-12:00"),
        ("make_up_hours", "08:30-12:00"),
    ];
    let signed_in = Rule::SignedIn;
    let view = hidden(VIEWERS, CITY_WIDE);
    let handle = hidden(HANDLERS, ADMIN);
    let manage = hidden(ORG_MANAGERS, ADMIN);
    vec![
        case("GET", "/requests/public", Rule::Public, S::None, Empty),
        case(
            "GET",
            "/requests/new",
            scoped(SUBMITTERS, SUBMITTERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/requests",
            hidden(SUBMITTERS, ADMIN),
            S::Node,
            Form(REPORT),
        ),
        case("GET", "/requests/suggest", signed_in, S::None, Empty),
        case("GET", "/requests/mine", signed_in, S::None, Empty),
        case("GET", "/requests/inbox", signed_in, S::None, Empty),
        case(
            "POST",
            "/requests/inbox/read",
            signed_in,
            S::None,
            Form(&[("up_to_id", "0")]),
        ),
        case("GET", "/requests/{id}", view, S::Request, Empty),
        case(
            "POST",
            "/requests/{id}/act",
            handle,
            S::Request,
            Form(&[("action", "accept")]),
        ),
        case(
            "POST",
            "/requests/{id}/rate",
            hidden(NOBODY, NOBODY),
            S::Request,
            Form(&[("rating", "5")]),
        ),
        case(
            "POST",
            "/requests/{id}/return-visit",
            handle,
            S::Request,
            Form(&[("rating", "5")]),
        ),
        case(
            "POST",
            "/requests/{id}/comment",
            handle,
            S::Request,
            Form(&[("text", "test")]),
        ),
        case(
            "POST",
            "/requests/{id}/photos",
            handle,
            S::Request,
            Form(&[("stage", "intake")]),
        ),
        case("GET", "/requests/photos/{id}", view, S::Photo, Empty),
        case(
            "POST",
            "/requests/{id}/flag/clear",
            hidden(SUPERVISORS, ADMIN),
            S::Request,
            Form(&[("reason", "called back")]),
        ),
        case(
            "GET",
            "/requests/queue",
            scoped(QUEUE_READERS, QUEUE_READERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/requests/queue/events",
            scoped(QUEUE_READERS, QUEUE_READERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/requests/intake",
            scoped(HANDLERS, HANDLERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/requests/intake/residents",
            scoped(HANDLERS, HANDLERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/requests/intake",
            hidden(HANDLERS, ADMIN),
            S::Node,
            Form(INTAKE),
        ),
        case(
            "GET",
            "/requests/settings",
            scoped(ORG_MANAGERS, ORG_MANAGERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/requests/settings/categories",
            scoped(ADMIN, ADMIN),
            S::None,
            Form(CATEGORY),
        ),
        case(
            "POST",
            "/requests/settings/calendar",
            scoped(ADMIN, ADMIN),
            S::None,
            Form(CALENDAR),
        ),
        case(
            "POST",
            "/requests/settings/policy",
            scoped(ADMIN, ADMIN),
            S::None,
            Form(POLICY),
        ),
        case(
            "POST",
            "/requests/settings/routing",
            manage,
            S::Node,
            Form(&[("node_id", "{node}"), ("party", "role:grid_worker")]),
        ),
        case(
            "POST",
            "/requests/settings/routing/{id}",
            manage,
            S::RoutingRule,
            Form(&[
                ("category", "greenery"),
                ("party", "role:grid_worker"),
                ("active", "1"),
            ]),
        ),
        case(
            "POST",
            "/requests/settings/responders",
            manage,
            S::Node,
            Form(&[("kind", "utility"), ("name", "水务"), ("node_id", "{node}")]),
        ),
        case(
            "POST",
            "/requests/settings/responders/{id}",
            manage,
            S::ResponderOrg,
            Form(&[
                ("kind", "property_company"),
                ("name", "物业公司"),
                ("active", "1"),
            ]),
        ),
        case(
            "POST",
            "/requests/settings/responders/{id}/members",
            manage,
            S::ResponderOrg,
            Form(&[("user_id", "999999"), ("op", "add")]),
        ),
        case(
            "GET",
            "/api/v1/requests/categories",
            signed_in,
            S::None,
            Empty,
        ),
        case("GET", "/api/v1/requests/inbox", signed_in, S::None, Empty),
        case(
            "GET",
            "/api/v1/requests",
            scoped(MINE, MINE),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/requests",
            hidden(SUBMITTERS, ADMIN),
            S::Node,
            Json(
                r#"{"description":"楼道灯坏了好几天","category":"public_facilities","grid_id":{node}}"#,
            ),
        ),
        case("GET", "/api/v1/requests/{id}", view, S::Request, Empty),
        case(
            "GET",
            "/api/v1/requests/{id}/timeline",
            view,
            S::Request,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/requests/{id}/transitions",
            handle,
            S::Request,
            Json(r#"{"action":"accept"}"#),
        ),
        case(
            "POST",
            "/api/v1/requests/{id}/rating",
            hidden(NOBODY, NOBODY),
            S::Request,
            Json(r#"{"rating":5}"#),
        ),
        case(
            "POST",
            "/api/v1/requests/{id}/flag/clear",
            hidden(SUPERVISORS, ADMIN),
            S::Request,
            Json(r#"{"reason":"called back"}"#),
        ),
        case(
            "POST",
            "/api/v1/requests/{id}/comments",
            handle,
            S::Request,
            Json(r#"{"text":"test"}"#),
        ),
        case(
            "GET",
            "/api/v1/requests/{id}/photos",
            view,
            S::Request,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/requests/{id}/photos",
            handle,
            S::Request,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/requests/{id}/photos/{photo_id}",
            view,
            S::Request,
            Empty,
        ),
        case("GET", "/api/v1/requests/policy", signed_in, S::None, Empty),
        case(
            "PUT",
            "/api/v1/requests/policy",
            scoped(ADMIN, ADMIN),
            S::None,
            Json(POLICY_JSON),
        ),
    ]
}

const fn hidden(inside: &'static [Role], outside: &'static [Role]) -> Rule {
    Rule::Hidden { inside, outside }
}
