//! Resident requests: pages, API and Open311 GeoReport v2.

use civicgrid_app::domain::platform::access::Role::{self, *};

use crate::support::requests::POLICY_DEFAULTS;
use crate::{ADMIN, CITY_WIDE, ORG_MANAGERS};
use crate::{Case, Empty, Form, Json, Rule, S, case, hidden, scoped};

pub fn cases() -> Vec<Case> {
    let mut all = request_cases();
    all.extend(open311_cases());
    all
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
    const POLICY: &[(&str, &str)] = POLICY_DEFAULTS;
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
        ("response_hours", "1"),
        ("resolution_hours", "10"),
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
            "/requests/public/{id}",
            Rule::Public,
            S::Request,
            Empty,
        ),
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
        case("GET", "/requests/{id}/assignees", handle, S::Request, Empty),
        case(
            "POST",
            "/requests/{id}/resolve",
            handle,
            S::Request,
            Form(&[("reason", "已处理")]),
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
            "POST",
            "/requests/{id}/category",
            handle,
            S::Request,
            Form(&[("category", "greenery")]),
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
            "/requests/settings/calendar/dates",
            scoped(ADMIN, ADMIN),
            S::None,
            Form(&[
                ("list", "holidays"),
                ("date", "2031-01-02"),
                ("op", "remove"),
            ]),
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
            "GET",
            "/requests/settings/responders/{id}/members",
            manage,
            S::ResponderOrg,
            Empty,
        ),
        case(
            "GET",
            "/requests/settings/responders/{id}/members/search",
            manage,
            S::ResponderOrg,
            Empty,
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
