//! Co-governance: estates, notices, votes and ballots.
//!
//! Estates and owners' votes lie at a community: grid workers, bound to a grid, do not
//! reach them. What lies outside the caller's sight answers like a missing record.

use civicgrid_app::domain::platform::access::Role::{self, *};

use crate::{ADMIN, CITY_WIDE};
use crate::{Case, Empty, Form, Json, Rule, S, case, hidden, scoped};

pub fn cases() -> Vec<Case> {
    let mut all = page_cases();
    all.extend(api_cases());
    // Last of all: closing the page's way ends the fixture's vote for good.
    all.push(case(
        "POST",
        "/participation/votes/{id}/close",
        hidden(&[CommunityStaff, StreetAdmin, SystemAdmin], ADMIN),
        S::Vote,
        Form(&[]),
    ));
    all
}

/// The pages: the hub, estates, drafting and running votes, the tally and its forms,
/// the published result and the auditor's list of ballots.
fn page_cases() -> Vec<Case> {
    const MANAGERS: &[Role] = &[CommunityStaff, StreetAdmin, SystemAdmin];
    const FOLLOWERS: &[Role] = &[
        CommunityStaff,
        StreetAdmin,
        Auditor,
        SystemAdmin,
        OwnersCommittee,
    ];
    const RECORDERS: &[Role] = &[CommunityStaff, SystemAdmin, OwnersCommittee];
    const NOBODY: &[Role] = &[];
    const NEW_VOTE: &[(&str, &str)] = &[
        ("kind", "owners"),
        ("title", "{code}"),
        ("estate_id", "{estate}"),
        ("matter", "rules"),
        ("closes_at", "{closes_local}"),
    ];
    vec![
        case("GET", "/participation", Rule::SignedIn, S::None, Empty),
        case(
            "POST",
            "/participation/estates",
            scoped(MANAGERS, ADMIN),
            S::ParentNode,
            Form(&[("community_id", "{node}"), ("name", "{code}")]),
        ),
        case(
            "GET",
            "/participation/estates/{id}",
            hidden(FOLLOWERS, CITY_WIDE),
            S::Estate,
            Empty,
        ),
        case(
            "POST",
            "/participation/estates/{id}",
            hidden(MANAGERS, ADMIN),
            S::Estate,
            Form(&[("name", "{code}"), ("b{estate_building}", "1")]),
        ),
        case(
            "GET",
            "/participation/votes/new",
            scoped(MANAGERS, MANAGERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/participation/votes",
            hidden(MANAGERS, ADMIN),
            S::None,
            Form(NEW_VOTE),
        ),
        case(
            "GET",
            "/participation/votes/{id}",
            hidden(FOLLOWERS, CITY_WIDE),
            S::Vote,
            Empty,
        ),
        // Open already: those who may open it hear 409 on the page.
        case(
            "POST",
            "/participation/votes/{id}/open",
            hidden(MANAGERS, ADMIN),
            S::Vote,
            Form(&[]),
        ),
        // Only a resident among the voters casts their own ballot (none in the table).
        case(
            "POST",
            "/participation/votes/{id}/ballot",
            hidden(NOBODY, NOBODY),
            S::Vote,
            Form(&[("choice", "agree")]),
        ),
        case(
            "GET",
            "/participation/votes/{id}/tally",
            hidden(FOLLOWERS, CITY_WIDE),
            S::Vote,
            Empty,
        ),
        case(
            "POST",
            "/participation/votes/{id}/paper",
            hidden(RECORDERS, ADMIN),
            S::Vote,
            Form(&[
                ("room_id", "{estate_room}"),
                ("choice", "agree"),
                ("collector", "王五"),
            ]),
        ),
        // The first recorder gives the proxy; the others hear it is already held (422).
        case(
            "POST",
            "/participation/votes/{id}/proxy",
            hidden(RECORDERS, ADMIN),
            S::Vote,
            Form(&[("room_id", "{estate_room}"), ("holder_id", "{member}")]),
        ),
        case(
            "POST",
            "/participation/votes/{id}/proxy/revoke",
            hidden(RECORDERS, ADMIN),
            S::Vote,
            Form(&[("room_id", "{estate_room}")]),
        ),
        case(
            "GET",
            "/participation/votes/{id}/holders",
            hidden(RECORDERS, ADMIN),
            S::Vote,
            Empty,
        ),
        case(
            "GET",
            "/participation/votes/{id}/result",
            Rule::Public,
            S::Vote,
            Empty,
        ),
        case(
            "GET",
            "/participation/votes/{id}/ballots",
            hidden(CITY_WIDE, CITY_WIDE),
            S::Vote,
            Empty,
        ),
    ]
}

/// `/api/v1/estates` and `/api/v1/votes`.
fn api_cases() -> Vec<Case> {
    /// ManageParticipation.
    const MANAGERS: &[Role] = &[CommunityStaff, StreetAdmin, SystemAdmin];
    /// ViewParticipation, wherever it is held (lists are narrowed to the caller's scope).
    const VIEWERS: &[Role] = &[
        GridWorker,
        CommunityStaff,
        StreetAdmin,
        Auditor,
        SystemAdmin,
        OwnersCommittee,
    ];
    /// ViewParticipation at a community.
    const FOLLOWERS: &[Role] = &[
        CommunityStaff,
        StreetAdmin,
        Auditor,
        SystemAdmin,
        OwnersCommittee,
    ];
    /// RecordBallots at a community.
    const RECORDERS: &[Role] = &[CommunityStaff, SystemAdmin, OwnersCommittee];
    const NOBODY: &[Role] = &[];
    let estate_body: &'static str = r#"{"name":"{code}","building_ids":[{estate_building}]}"#;
    let new_vote: &'static str = r#"{"kind":"owners","title":"{code}","matter":"rules",
        "estate_id":{estate},"closes_at":"{closes_at}"}"#;
    vec![
        case(
            "POST",
            "/api/v1/estates",
            scoped(MANAGERS, ADMIN),
            S::ParentNode,
            Json(r#"{"community_id":{node},"name":"{code}"}"#),
        ),
        case(
            "GET",
            "/api/v1/estates",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/estates/{id}",
            hidden(FOLLOWERS, CITY_WIDE),
            S::Estate,
            Empty,
        ),
        case(
            "PUT",
            "/api/v1/estates/{id}",
            hidden(MANAGERS, ADMIN),
            S::Estate,
            Json(estate_body),
        ),
        case(
            "POST",
            "/api/v1/estates/{id}/room-owners",
            hidden(MANAGERS, ADMIN),
            S::Estate,
            Json(r#"{"room_id":{estate_room},"clear":true}"#),
        ),
        case(
            "POST",
            "/api/v1/votes",
            hidden(MANAGERS, ADMIN),
            S::None,
            Json(new_vote),
        ),
        case("GET", "/api/v1/votes", Rule::SignedIn, S::None, Empty),
        case(
            "GET",
            "/api/v1/votes/{id}",
            hidden(FOLLOWERS, CITY_WIDE),
            S::Vote,
            Empty,
        ),
        // The vote is open already: those who may open it hear 409.
        case(
            "POST",
            "/api/v1/votes/{id}/open",
            hidden(MANAGERS, ADMIN),
            S::Vote,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/votes/{id}/tally",
            hidden(FOLLOWERS, CITY_WIDE),
            S::Vote,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/votes/{id}/ballots",
            hidden(RECORDERS, ADMIN),
            S::Vote,
            Json(r#"{"room_id":{estate_room},"choice":"agree","collector":"王五"}"#),
        ),
        // Only a resident among the voters casts their own ballot; no role of the table
        // is one (a resident voting is in `tests/participation/votes.rs`), and no staff
        // role votes on a resident's behalf.
        case(
            "POST",
            "/api/v1/votes/{id}/my-ballot",
            hidden(NOBODY, NOBODY),
            S::Vote,
            Json(r#"{"choice":"agree"}"#),
        ),
        // The first recorder gives the proxy; the others hear it is already held (422).
        case(
            "POST",
            "/api/v1/votes/{id}/proxies",
            hidden(RECORDERS, ADMIN),
            S::Vote,
            Json(r#"{"room_id":{estate_room},"holder_resident_id":{member}}"#),
        ),
        // Without a voter named, those who may withdraw a proxy hear which field (422).
        case(
            "DELETE",
            "/api/v1/votes/{id}/proxies",
            hidden(RECORDERS, ADMIN),
            S::Vote,
            Empty,
        ),
        // Public, and not found until the vote closes.
        case(
            "GET",
            "/api/v1/votes/{id}/result",
            Rule::Public,
            S::Vote,
            Empty,
        ),
        // Last: closing ends the fixture's vote.
        case(
            "POST",
            "/api/v1/votes/{id}/close",
            hidden(MANAGERS, ADMIN),
            S::Vote,
            Empty,
        ),
    ]
}
