//! Party members registering where they live: who follows registrations
//! (`ViewParty`: community staff, street admin, auditor) and who keeps them
//! (`ManageParty`: community staff, street admin).
//!
//! A member's own actions (registering, pledging, noting) need their account linked
//! to the ledger record, which no account of the fixture is: registering is allowed to
//! nobody, and pledging for the fixture's member is refused to everyone. Those who see
//! the registration are told why (422: a member pledges for themselves), anyone else
//! finds nothing. Staff actions answer "not found" outside the caller's sight.

use civicgrid_app::domain::platform::access::Role::{self, *};

use crate::{Case, Empty, Form, Json, Rule, S, case, hidden, scoped};

const VIEWERS: &[Role] = &[CommunityStaff, StreetAdmin, Auditor];
const MANAGERS: &[Role] = &[CommunityStaff, StreetAdmin];
const CITY_VIEWERS: &[Role] = &[Auditor];
const NOBODY: &[Role] = &[];

pub fn cases() -> Vec<Case> {
    const PLEDGE: &[(&str, &str)] = &[
        ("member_id", "{party_member}"),
        ("pledge_year", "2026"),
        ("pledge_kind", "other"),
        ("pledge_text", "汛期值守"),
        ("pledge_target", "2"),
    ];
    const NOTE: &[(&str, &str)] = &[
        ("note_on", "2026-01-05"),
        ("note_amount", "1"),
        ("note_text", "值守一晚，社区书记可证明"),
    ];
    vec![
        case("GET", "/care/party", Rule::SignedIn, S::None, Empty),
        case(
            "POST",
            "/care/party",
            scoped(NOBODY, NOBODY),
            S::None,
            Form(&[("organisation", "市交通局机关第二党支部")]),
        ),
        case(
            "POST",
            "/care/party/pledges",
            hidden(VIEWERS, NOBODY),
            S::None,
            Form(PLEDGE),
        ),
        case(
            "POST",
            "/care/party/pledges/{id}/notes",
            hidden(MANAGERS, NOBODY),
            S::Pledge,
            Form(NOTE),
        ),
        case(
            "GET",
            "/care/party-members",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/care/party-members/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::PartyMember,
            Empty,
        ),
        case(
            "POST",
            "/care/party-members/{id}/requests",
            hidden(MANAGERS, NOBODY),
            S::PartyMember,
            Form(&[("request_id", "{party_request}")]),
        ),
        case(
            "GET",
            "/care/party/summary",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case("GET", "/care/party/badges", Rule::SignedIn, S::None, Empty),
        case("GET", "/api/v1/party/me", Rule::SignedIn, S::None, Empty),
        case(
            "PUT",
            "/api/v1/party/me",
            scoped(NOBODY, NOBODY),
            S::None,
            Json(r#"{"organisation":"市交通局机关第二党支部","public_badge":true}"#),
        ),
        case(
            "GET",
            "/api/v1/party/summary",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/party-members",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/party-members/{id}",
            hidden(VIEWERS, CITY_VIEWERS),
            S::PartyMember,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/party-members/{id}/pledges",
            hidden(VIEWERS, CITY_VIEWERS),
            S::PartyMember,
            Json(r#"{"year":2026,"kind":"other","text":"汛期值守","target":"2"}"#),
        ),
        case(
            "POST",
            "/api/v1/party-members/{id}/requests",
            hidden(MANAGERS, NOBODY),
            S::PartyMember,
            Json(r#"{"request_id":{party_request}}"#),
        ),
        case(
            "POST",
            "/api/v1/pledges/{id}/notes",
            hidden(MANAGERS, NOBODY),
            S::Pledge,
            Json(r#"{"on":"2026-01-05","amount":"1","text":"值守一晚，社区书记可证明"}"#),
        ),
        // Last: ending the registration is for good.
        case(
            "POST",
            "/care/party-members/{id}/status",
            hidden(MANAGERS, NOBODY),
            S::PartyMember,
            Form(&[("status", "ended"), ("reason", "迁出")]),
        ),
        case(
            "POST",
            "/api/v1/party-members/{id}/status",
            hidden(MANAGERS, NOBODY),
            S::PartyMember,
            Json(r#"{"status":"ended","reason":"迁出"}"#),
        ),
    ]
}
