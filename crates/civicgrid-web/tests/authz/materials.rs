//! Emergency materials: who follows depots, requests and transfers (`ViewMaterials`:
//! grid worker, community staff, street admin, auditor) and who keeps them
//! (`ManageMaterials`: community staff, street admin). A grid worker sees the depots
//! of their community and street; a street's transfer requests are decided by who
//! keeps the street depot only; a deliverer (the fixture's volunteer) sees and
//! confirms only the delivery assigned to them. Anything out of sight is not found.

use civicgrid_app::domain::platform::access::Role::{self, *};

use crate::{Case, Empty, Form, Json, Rule, S, case, hidden, scoped};

const VIEWERS: &[Role] = &[GridWorker, CommunityStaff, StreetAdmin, Auditor];
const MANAGERS: &[Role] = &[CommunityStaff, StreetAdmin];
const CITY_VIEWERS: &[Role] = &[Auditor];
const STREET: &[Role] = &[StreetAdmin];
const DELIVERERS: &[Role] = &[Volunteer, CommunityStaff, StreetAdmin];
const NOBODY: &[Role] = &[];
/// Who may raise a request from a welfare check: staff, and grid workers (who follow
/// materials and keep the ledger there).
const CHECKERS: &[Role] = &[GridWorker, CommunityStaff, StreetAdmin];

pub fn cases() -> Vec<Case> {
    const RECEIVE: &[(&str, &str)] = &[
        ("kind", "receive"),
        ("item_id", "{materials_item}"),
        ("quantity", "5"),
        ("batch_code", "20260301"),
    ];
    const REQUEST: &[(&str, &str)] = &[
        ("household_id", "{household}"),
        ("item_0", "{materials_item}"),
        ("quantity_0", "1"),
    ];
    vec![
        case(
            "GET",
            "/materials",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/materials/depots",
            hidden(MANAGERS, NOBODY),
            S::None,
            Form(&[
                ("depot_place", "{materials_community}"),
                ("depot_name", "备用仓库"),
            ]),
        ),
        case(
            "POST",
            "/materials/items",
            scoped(MANAGERS, MANAGERS),
            S::None,
            Form(&[
                ("item_name", "{code}"),
                ("item_kind", "food"),
                ("item_unit", "box"),
            ]),
        ),
        case(
            "GET",
            "/materials/depots/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Depot,
            Empty,
        ),
        case(
            "POST",
            "/materials/depots/{id}/movements",
            hidden(MANAGERS, NOBODY),
            S::Depot,
            Form(RECEIVE),
        ),
        case(
            "POST",
            "/materials/depots/{id}/minimums",
            hidden(MANAGERS, NOBODY),
            S::Depot,
            Form(&[("item_id", "{materials_item}"), ("minimum", "10")]),
        ),
        case(
            "GET",
            "/materials/transfers",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/materials/requests",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/materials/requests/new",
            scoped(MANAGERS, MANAGERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/materials/requests/households",
            scoped(MANAGERS, MANAGERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/materials/requests",
            hidden(MANAGERS, NOBODY),
            S::None,
            Form(REQUEST),
        ),
        case(
            "GET",
            "/materials/requests/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::MaterialRequest,
            Empty,
        ),
        case(
            "GET",
            "/materials/deliveries",
            Rule::SignedIn,
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/depots",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/depots",
            hidden(MANAGERS, NOBODY),
            S::None,
            Json(r#"{"node_id":{materials_community},"name":"备用仓库"}"#),
        ),
        case(
            "GET",
            "/api/v1/depots/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Depot,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/depots/{id}/movements",
            hidden(VIEWERS, CITY_VIEWERS),
            S::Depot,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/depots/{id}/movements",
            hidden(MANAGERS, NOBODY),
            S::Depot,
            Json(r#"{"kind":"receive","item_id":{materials_item},"quantity":5}"#),
        ),
        case(
            "POST",
            "/api/v1/depots/{id}/minimums",
            hidden(MANAGERS, NOBODY),
            S::Depot,
            Json(r#"{"item_id":{materials_item},"minimum":10}"#),
        ),
        case(
            "GET",
            "/api/v1/material-items",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/material-items",
            scoped(MANAGERS, MANAGERS),
            S::None,
            Json(r#"{"name":"{code}","kind":"food","unit":"box"}"#),
        ),
        case(
            "GET",
            "/api/v1/material-transfers",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/material-requests",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/material-requests",
            hidden(CHECKERS, NOBODY),
            S::None,
            Json(
                r#"{"household_id":{household},"lines":[{"item_id":{materials_item},"quantity":1}],"source":"welfare_check","source_id":9}"#,
            ),
        ),
        case(
            "GET",
            "/api/v1/material-requests/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::MaterialRequest,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/material-deliveries",
            Rule::SignedIn,
            S::None,
            Empty,
        ),
        // What changes the fixture's state comes last: the deliverer, issuing,
        // allocating, deciding, cancelling and delivering (each answers 422 once done, which counts as
        // allowed inside).
        case(
            "POST",
            "/materials/requests/{id}/delivered",
            hidden(DELIVERERS, NOBODY),
            S::MaterialDelivery,
            Form(&[("handover", "交给本人")]),
        ),
        case(
            "POST",
            "/api/v1/material-requests/{id}/delivered",
            hidden(DELIVERERS, NOBODY),
            S::MaterialDelivery,
            Json(r#"{"reason":"交给本人"}"#),
        ),
        case(
            "POST",
            "/materials/transfers/{id}",
            hidden(STREET, NOBODY),
            S::MaterialTransfer,
            Form(&[("decision", "decline"), ("reason", "街道库存留作储备")]),
        ),
        case(
            "POST",
            "/api/v1/material-transfers/{id}",
            hidden(STREET, NOBODY),
            S::MaterialTransfer,
            Json(r#"{"decision":"fulfil","quantity":1}"#),
        ),
        case(
            "POST",
            "/materials/requests/{id}/deliverer",
            hidden(MANAGERS, NOBODY),
            S::MaterialRequest,
            Form(&[("deliverer_id", "{materials_deliverer}")]),
        ),
        case(
            "POST",
            "/api/v1/material-requests/{id}/deliverer",
            hidden(MANAGERS, NOBODY),
            S::MaterialRequest,
            Json(r#"{"deliverer_id":{materials_deliverer}}"#),
        ),
        case(
            "POST",
            "/materials/requests/{id}/issue",
            hidden(MANAGERS, NOBODY),
            S::MaterialRequest,
            Form(&[("depot_id", "{materials_depot}")]),
        ),
        case(
            "POST",
            "/api/v1/material-requests/{id}/issue",
            hidden(MANAGERS, NOBODY),
            S::MaterialRequest,
            Json(r#"{"depot_id":{materials_depot}}"#),
        ),
        case(
            "POST",
            "/materials/requests/{id}/cancel",
            hidden(MANAGERS, NOBODY),
            S::MaterialRequest,
            Form(&[("reason", "家属已送来")]),
        ),
        case(
            "POST",
            "/api/v1/material-requests/{id}/cancel",
            hidden(MANAGERS, NOBODY),
            S::MaterialRequest,
            Json(r#"{"reason":"家属已送来"}"#),
        ),
        case(
            "POST",
            "/materials/depots/{id}/allocate",
            hidden(MANAGERS, NOBODY),
            S::Depot,
            Form(&[]),
        ),
        case(
            "POST",
            "/api/v1/depots/{id}/allocate",
            hidden(MANAGERS, NOBODY),
            S::Depot,
            Empty,
        ),
    ]
}
