//! Emergency mode: who follows emergencies (`ViewEmergency`: grid worker, community
//! staff, street admin, auditor) and who switches communities and keeps the checklist,
//! the log and the plans (`ManageEmergency`: community staff, street admin).
//!
//! The fixture runs a drill in each community, so switching a community on again is
//! refused on its field (422) to those allowed; what lies outside the caller's sight
//! answers like a missing place. Ending comes last: it ends the fixture's drills.

use civicgrid_app::domain::platform::access::Role::{self, *};

use crate::{Case, Empty, Form, Json, Rule, S, case, hidden, scoped};

const VIEWERS: &[Role] = &[GridWorker, CommunityStaff, StreetAdmin, Auditor];
const MANAGERS: &[Role] = &[CommunityStaff, StreetAdmin];
const CITY_VIEWERS: &[Role] = &[Auditor];
/// Who checks the inside campaign's households: its checker (the grid worker) and the
/// staff who manage the emergency.
const CHECKERS: &[Role] = &[GridWorker, CommunityStaff, StreetAdmin];
const NOBODY: &[Role] = &[];
/// Who reads a community's plan: who follows emergencies at the community or above.
const PLAN_READERS: &[Role] = &[CommunityStaff, StreetAdmin, Auditor];

pub fn cases() -> Vec<Case> {
    const START: &[(&str, &str)] = &[
        ("node", "{node}"),
        ("kind", "drill"),
        ("hazard", "flood"),
        ("level", "4"),
        ("reason", "防汛演练"),
    ];
    const PLAN: &[(&str, &str)] = &[
        ("node", "{node}"),
        ("hazard", "flood"),
        ("plan_title", "防汛应急预案"),
        ("steps", "值班到岗\n逐户排查"),
        ("urgent_response_minutes", "15"),
        ("urgent_resolution_minutes", "240"),
    ];
    vec![
        case(
            "GET",
            "/emergency",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/emergency",
            hidden(MANAGERS, NOBODY),
            S::ParentNode,
            Form(START),
        ),
        case(
            "GET",
            "/emergency/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Emergency,
            Empty,
        ),
        case(
            "POST",
            "/emergency/{id}/steps/{position}",
            hidden(MANAGERS, NOBODY),
            S::Emergency,
            Form(&[("done", "1")]),
        ),
        case(
            "POST",
            "/emergency/{id}/incidents",
            hidden(MANAGERS, NOBODY),
            S::Emergency,
            Form(&[("incident_kind", "event"), ("incident_text", "堤段渗水")]),
        ),
        case(
            "POST",
            "/emergency/{id}/campaigns",
            hidden(MANAGERS, NOBODY),
            S::Emergency,
            Form(&[("campaign_node", "{node}"), ("hours", "6")]),
        ),
        case(
            "GET",
            "/emergency/campaigns/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Campaign,
            Empty,
        ),
        // The board filtered to the buildings with households left (the home pages
        // link there): the same people as the whole board.
        case(
            "GET",
            "/emergency/campaigns/{id}?left=1",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Campaign,
            Empty,
        ),
        case(
            "POST",
            "/emergency/campaigns/{id}/reassign",
            hidden(MANAGERS, NOBODY),
            S::Campaign,
            Form(&[("building_id", "{campaign_building}"), ("checker_id", "0")]),
        ),
        case(
            "POST",
            "/emergency/campaigns/{id}/checks",
            hidden(CHECKERS, NOBODY),
            S::Campaign,
            Form(&[
                ("household_id", "{campaign_household}"),
                ("outcome", "safe"),
                ("client_key", "{code}"),
            ]),
        ),
        // A check asking the community's depot for water: the checkers', whether or not
        // they follow materials; it raises a material request.
        case(
            "POST",
            "/emergency/campaigns/{id}/checks?items=1",
            hidden(CHECKERS, NOBODY),
            S::Campaign,
            Form(&[
                ("household_id", "{campaign_household}"),
                ("outcome", "needs_help"),
                ("need_food", "1"),
                ("check_item_0", "{materials_item}"),
                ("check_qty_0", "1"),
                ("client_key", "{code}"),
            ]),
        ),
        case("GET", "/emergency/checks", Rule::SignedIn, S::None, Empty),
        case(
            "GET",
            "/emergency/{id}/sitrep",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Emergency,
            Empty,
        ),
        case(
            "GET",
            "/emergency/sitrep",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/emergencies/{id}/sitrep",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Emergency,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/emergencies/sitrep",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/emergency/plans",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/emergency/plans/edit",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/emergency/plans",
            hidden(MANAGERS, NOBODY),
            S::ParentNode,
            Form(PLAN),
        ),
        case(
            "GET",
            "/api/v1/emergency-plans/{id}/{hazard}",
            hidden(PLAN_READERS, CITY_VIEWERS),
            S::ParentNode,
            Empty,
        ),
        case(
            "PUT",
            "/api/v1/emergency-plans/{id}/{hazard}",
            hidden(MANAGERS, NOBODY),
            S::ParentNode,
            Json(
                r#"{"title":"防汛应急预案","steps":["值班到岗","逐户排查"],"urgent_response_minutes":15,"urgent_resolution_minutes":240}"#,
            ),
        ),
        case(
            "GET",
            "/api/v1/emergencies",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/emergencies",
            hidden(MANAGERS, NOBODY),
            S::ParentNode,
            Json(
                r#"{"node_id":{node},"kind":"drill","hazard":"flood","level":"4","reason":"防汛演练"}"#,
            ),
        ),
        case(
            "GET",
            "/api/v1/emergencies/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Emergency,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/emergencies/{id}/incidents",
            hidden(MANAGERS, NOBODY),
            S::Emergency,
            Json(r#"{"kind":"event","text":"堤段渗水"}"#),
        ),
        // Last: ending is for good.
        case(
            "POST",
            "/emergency/{id}/end",
            hidden(MANAGERS, NOBODY),
            S::Emergency,
            Form(&[("closing_note", "演练结束")]),
        ),
        case(
            "POST",
            "/api/v1/emergencies/{id}/end",
            hidden(MANAGERS, NOBODY),
            S::Emergency,
            Json(r#"{"closing_note":"演练结束"}"#),
        ),
    ]
}
