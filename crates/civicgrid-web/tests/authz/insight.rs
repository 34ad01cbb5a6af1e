//! Insight: the dashboard of a place is for who oversees places (`ViewInsight`: grid
//! worker, community staff, street admin, auditor, system admin); each lands on their
//! own highest place, so inside and outside answer alike.

use civicgrid_app::domain::platform::access::Role::{self, *};

use crate::{Case, Empty, S, case, scoped};

const VIEWERS: &[Role] = &[
    GridWorker,
    CommunityStaff,
    StreetAdmin,
    Auditor,
    SystemAdmin,
];

pub fn cases() -> Vec<Case> {
    vec![
        case("GET", "/insight", scoped(VIEWERS, VIEWERS), S::None, Empty),
        case(
            "GET",
            "/api/v1/insight",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
    ]
}
