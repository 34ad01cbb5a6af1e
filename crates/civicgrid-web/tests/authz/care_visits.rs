//! Care pairings and visits: who follows care (`ViewCare`: grid worker, community
//! staff, street admin, auditor), who manages it (`ManageCare`: grid worker in their
//! grid, community staff, street admin), and the carers of a pairing, who alone log
//! its visits. A visit's notes and photos are for its carers, the grid worker and the
//! community's staff. What lies outside the caller's sight answers like a missing
//! record.
//!
//! Ending a pairing comes last: it ends the fixture's pairings for good.

use civicgrid_app::domain::platform::access::Role::{self, *};

use crate::{Case, Empty, Form, Json, Rule, S, case, hidden, scoped};

const VIEWERS: &[Role] = &[GridWorker, CommunityStaff, StreetAdmin, Auditor];
const MANAGERS: &[Role] = &[GridWorker, CommunityStaff, StreetAdmin];
/// The carers of the inside pairing who hold a role of the table.
const CARERS: &[Role] = &[Volunteer, GridWorker];
/// Those who read a visit's notes inside: its carers, the grid worker, the staff.
const NOTES: &[Role] = &[Volunteer, GridWorker, CommunityStaff];
const PAIRING_READERS: &[Role] = &[Volunteer, GridWorker, CommunityStaff, StreetAdmin, Auditor];
const COMMUNITY_READERS: &[Role] = &[CommunityStaff, StreetAdmin, Auditor];
const COMMUNITY_MANAGERS: &[Role] = &[CommunityStaff, StreetAdmin];
const CITY_VIEWERS: &[Role] = &[Auditor];
const NOBODY: &[Role] = &[];

pub fn cases() -> Vec<Case> {
    const VISIT: &[(&str, &str)] = &[("mode", "in_person"), ("outcome", "well")];
    const POLICY: &[(&str, &str)] = &[
        ("tag", "disabled"),
        ("level", "2"),
        ("cadence_days", "14"),
        ("mode", "in_person"),
    ];
    const PAIR: &[(&str, &str)] = &[
        ("node", "{node}"),
        ("resident_id", "{care_resident2}"),
        ("carer_{care_carer}", "on"),
    ];
    const REASSIGN: &[(&str, &str)] = &[
        ("carer_id", "{care_away}"),
        ("new_carer_id", "{care_new}"),
        ("reason", "leave"),
    ];
    vec![
        case("GET", "/care", Rule::SignedIn, S::None, Empty),
        case("GET", "/care/visits", Rule::SignedIn, S::None, Empty),
        case(
            "POST",
            "/care/pairings/{id}/visits",
            hidden(CARERS, NOBODY),
            S::CarePairing,
            Form(VISIT),
        ),
        case(
            "GET",
            "/care/visits/{id}/notes",
            hidden(NOTES, NOBODY),
            S::CareVisit,
            Empty,
        ),
        case(
            "GET",
            "/care/photos/{id}",
            hidden(NOTES, NOBODY),
            S::CarePhoto,
            Empty,
        ),
        case(
            "GET",
            "/care/pairings/{id}",
            hidden(PAIRING_READERS, CITY_VIEWERS),
            S::CarePairing,
            Empty,
        ),
        case(
            "POST",
            "/care/pairings/{id}/schedule",
            hidden(MANAGERS, NOBODY),
            S::CarePairing,
            Form(&[("cadence_days", "7")]),
        ),
        case(
            "POST",
            "/care/pairings/{id}/reassign",
            hidden(MANAGERS, NOBODY),
            S::CarePairing,
            Form(REASSIGN),
        ),
        case(
            "GET",
            "/care/pairings/new",
            scoped(MANAGERS, MANAGERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/care/pairings",
            hidden(MANAGERS, NOBODY),
            S::None,
            Form(PAIR),
        ),
        case(
            "GET",
            "/care/coverage/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Node,
            Empty,
        ),
        case(
            "GET",
            "/care/coverage/{id}/map.svg",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Node,
            Empty,
        ),
        case(
            "GET",
            "/care/policies/{id}",
            hidden(COMMUNITY_READERS, CITY_VIEWERS),
            S::ParentNode,
            Empty,
        ),
        case(
            "POST",
            "/care/policies/{id}",
            hidden(COMMUNITY_MANAGERS, NOBODY),
            S::ParentNode,
            Form(POLICY),
        ),
        // The API.
        case(
            "GET",
            "/api/v1/care/visits/due",
            Rule::SignedIn,
            S::None,
            Empty,
        ),
        case("GET", "/api/v1/care/alerts", Rule::SignedIn, S::None, Empty),
        case(
            "POST",
            "/api/v1/care/visits",
            hidden(CARERS, NOBODY),
            S::None,
            Json(r#"{"pairing_id":{care_pairing},"mode":"in_person","outcome":"well"}"#),
        ),
        case(
            "GET",
            "/api/v1/care/visits/{id}/notes",
            hidden(NOTES, NOBODY),
            S::CareVisit,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/care/pairings",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/care/pairings",
            hidden(MANAGERS, NOBODY),
            S::None,
            Json(r#"{"resident_id":{care_resident2},"carers":[{care_carer}]}"#),
        ),
        case(
            "GET",
            "/api/v1/care/pairings/{id}",
            hidden(PAIRING_READERS, CITY_VIEWERS),
            S::CarePairing,
            Empty,
        ),
        case(
            "PUT",
            "/api/v1/care/pairings/{id}/schedule",
            hidden(MANAGERS, NOBODY),
            S::CarePairing,
            Json(r#"{"cadence_days":7}"#),
        ),
        case(
            "POST",
            "/api/v1/care/pairings/{id}/reassign",
            hidden(MANAGERS, NOBODY),
            S::CarePairing,
            Json(r#"{"carer_id":{care_away},"new_carer_id":{care_new},"reason":"moved"}"#),
        ),
        case(
            "GET",
            "/api/v1/care/policies/{id}",
            hidden(COMMUNITY_READERS, CITY_VIEWERS),
            S::ParentNode,
            Empty,
        ),
        case(
            "PUT",
            "/api/v1/care/policies/{id}",
            hidden(COMMUNITY_MANAGERS, NOBODY),
            S::ParentNode,
            Json(r#"{"tag":"low_income","level":3,"cadence_days":30,"mode":"phone"}"#),
        ),
        case(
            "GET",
            "/api/v1/care/coverage/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Node,
            Empty,
        ),
        // Last: ending the pairings.
        case(
            "POST",
            "/api/v1/care/pairings/{id}/end",
            hidden(MANAGERS, NOBODY),
            S::CarePairing,
            Json(r#"{"reason":"moved to a care home"}"#),
        ),
        case(
            "POST",
            "/care/pairings/{id}/end",
            hidden(MANAGERS, NOBODY),
            S::CarePairing,
            Form(&[("end_reason", "moved to a care home")]),
        ),
    ]
}
