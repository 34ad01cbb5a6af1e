//! Care and volunteers: the registry, activities and shifts, the hours ledger, teams.
//!
//! A volunteer's own actions (signing up, taking or leaving a shift) need an account
//! linked to a ledger record, which no account of the fixture has: nobody may. Staff
//! actions answer "not found" outside the caller's sight. Forms whose data the
//! fixture cannot satisfy twice (a volunteer already on a shift, hours beyond the
//! shift) answer 422 to those allowed, which the table counts as allowed.

use civicgrid_app::domain::platform::access::Role::{self, *};

use crate::{ADMIN, CITY_WIDE};
use crate::{Case, Empty, Form, Json, Rule, S, case, hidden, scoped};

const VIEWERS: &[Role] = &[
    GridWorker,
    CommunityStaff,
    StreetAdmin,
    Auditor,
    SystemAdmin,
];
const MANAGERS: &[Role] = &[GridWorker, CommunityStaff, StreetAdmin, SystemAdmin];
/// Teams are kept at a community: a grid worker's scope holds none.
const TEAM_MANAGERS: &[Role] = &[CommunityStaff, StreetAdmin, SystemAdmin];
const NOBODY: &[Role] = &[];
const PROFILE: &[(&str, &str)] = &[
    ("skill_first_aid", "1"),
    ("avail_weekends", "1"),
    ("coverage", "grid"),
];
const NEW_ACTIVITY: &[(&str, &str)] = &[
    ("published_to", "{node}"),
    ("title", "{code}"),
    ("place", "社区活动室"),
    ("s1_on", "2099-01-02"),
    ("s1_starts", "09:00"),
    ("s1_ends", "11:00"),
    ("s1_slots", "3"),
];

pub fn cases() -> Vec<Case> {
    let mut all = pages();
    all.extend(api());
    // Last: cancelling ends the fixture's activities for good.
    all.push(case(
        "POST",
        "/care/activities/{id}/cancel",
        hidden(MANAGERS, ADMIN),
        S::Activity,
        Form(&[]),
    ));
    all
}

fn pages() -> Vec<Case> {
    vec![
        case("GET", "/care/volunteer", Rule::SignedIn, S::None, Empty),
        case(
            "POST",
            "/care/volunteer",
            scoped(NOBODY, NOBODY),
            S::None,
            Form(PROFILE),
        ),
        // Only a volunteer in the registry has a certificate: none in the fixture.
        case(
            "GET",
            "/care/volunteer/certificate",
            hidden(NOBODY, NOBODY),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/care/volunteers",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/care/volunteers/new",
            scoped(MANAGERS, MANAGERS),
            S::None,
            Empty,
        ),
        case(
            "GET",
            "/care/volunteers/residents",
            scoped(MANAGERS, MANAGERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/care/volunteers",
            hidden(MANAGERS, ADMIN),
            S::None,
            Form(&[
                ("resident_id", "{vol_resident}"),
                ("skill_repairs", "1"),
                ("avail_evenings", "1"),
                ("coverage", "grid"),
            ]),
        ),
        case(
            "GET",
            "/care/volunteers/{id}",
            hidden(VIEWERS, CITY_WIDE),
            S::Volunteer,
            Empty,
        ),
        // Verified already: those who may move it hear the move is not allowed (422).
        case(
            "POST",
            "/care/volunteers/{id}/status",
            hidden(MANAGERS, ADMIN),
            S::Volunteer,
            Form(&[("status", "verified")]),
        ),
        // An hour more than the one-hour shift: refused as data (422) to those allowed.
        case(
            "POST",
            "/care/volunteers/{id}/hours",
            hidden(MANAGERS, ADMIN),
            S::Volunteer,
            Form(&[
                ("entry_id", "{hours_entry}"),
                ("hours", "1"),
                ("reason", "多记"),
            ]),
        ),
        case("GET", "/care/activities", Rule::SignedIn, S::None, Empty),
        case(
            "GET",
            "/care/activities/new",
            scoped(MANAGERS, MANAGERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/care/activities",
            hidden(MANAGERS, ADMIN),
            S::None,
            Form(NEW_ACTIVITY),
        ),
        case(
            "GET",
            "/care/activities/{id}",
            hidden(VIEWERS, CITY_WIDE),
            S::Activity,
            Empty,
        ),
        case(
            "POST",
            "/care/activities/{id}/shifts/{shift_id}/signup",
            scoped(NOBODY, NOBODY),
            S::Activity,
            Form(&[]),
        ),
        case(
            "POST",
            "/care/activities/{id}/shifts/{shift_id}/withdraw",
            scoped(NOBODY, NOBODY),
            S::Activity,
            Form(&[]),
        ),
        case(
            "POST",
            "/care/activities/{id}/shifts/{shift_id}/assign",
            hidden(MANAGERS, ADMIN),
            S::Activity,
            Form(&[("volunteer_id", "{volunteer}")]),
        ),
        // The shift is to come: attendance is refused as data (422) to those allowed.
        case(
            "POST",
            "/care/activities/{id}/shifts/{shift_id}/attendance",
            hidden(MANAGERS, ADMIN),
            S::Activity,
            Form(&[
                ("signup_id", "{signup}"),
                ("outcome", "attended"),
                ("hours", "1"),
            ]),
        ),
        case(
            "GET",
            "/care/teams",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        // A grid worker's scope holds no community: the form's objection (422).
        case(
            "POST",
            "/care/teams",
            hidden(MANAGERS, ADMIN),
            S::ParentNode,
            Form(&[
                ("community_id", "{node}"),
                ("name", "{code}"),
                ("team_kind", "building"),
            ]),
        ),
        case(
            "GET",
            "/care/teams/{id}",
            hidden(VIEWERS, CITY_WIDE),
            S::Team,
            Empty,
        ),
        case(
            "POST",
            "/care/teams/{id}/members",
            hidden(TEAM_MANAGERS, ADMIN),
            S::Team,
            Form(&[("volunteer_id", "{volunteer}"), ("change", "add")]),
        ),
    ]
}

fn api() -> Vec<Case> {
    vec![
        case(
            "GET",
            "/api/v1/volunteers",
            scoped(VIEWERS, VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/volunteers",
            hidden(MANAGERS, ADMIN),
            S::None,
            Json(
                r#"{"resident_id":{vol_resident2},"skills":["repairs"],"availability":["evenings"],"coverage":"grid"}"#,
            ),
        ),
        case(
            "GET",
            "/api/v1/volunteers/me",
            Rule::SignedIn,
            S::None,
            Empty,
        ),
        case(
            "PUT",
            "/api/v1/volunteers/me",
            scoped(NOBODY, NOBODY),
            S::None,
            Json(r#"{"skills":["first_aid"],"availability":["weekends"],"coverage":"grid"}"#),
        ),
        case(
            "GET",
            "/api/v1/volunteers/{id}",
            hidden(VIEWERS, CITY_WIDE),
            S::Volunteer,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/volunteers/{id}/status",
            hidden(MANAGERS, ADMIN),
            S::Volunteer,
            Json(r#"{"status":"verified"}"#),
        ),
        case(
            "GET",
            "/api/v1/volunteers/{id}/hours",
            hidden(VIEWERS, CITY_WIDE),
            S::Volunteer,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/volunteers/{id}/hours",
            hidden(MANAGERS, ADMIN),
            S::Volunteer,
            Json(r#"{"entry_id":{hours_entry},"hours":"1","reason":"多记"}"#),
        ),
        case("GET", "/api/v1/activities", Rule::SignedIn, S::None, Empty),
        case(
            "POST",
            "/api/v1/activities",
            hidden(MANAGERS, ADMIN),
            S::None,
            Json(
                r#"{"published_to":{node},"title":"{code}","place":"社区活动室","shifts":[{"on":"2099-01-02","starts":"09:00","ends":"11:00","slots":3}]}"#,
            ),
        ),
        case(
            "GET",
            "/api/v1/activities/{id}",
            hidden(VIEWERS, CITY_WIDE),
            S::Activity,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/activities/{id}/shifts/{shift_id}/signup",
            scoped(NOBODY, NOBODY),
            S::Activity,
            Form(&[]),
        ),
        case(
            "POST",
            "/api/v1/activities/{id}/shifts/{shift_id}/withdraw",
            scoped(NOBODY, NOBODY),
            S::Activity,
            Form(&[]),
        ),
        case(
            "POST",
            "/api/v1/activities/{id}/shifts/{shift_id}/assign",
            hidden(MANAGERS, ADMIN),
            S::Activity,
            Json(r#"{"volunteer_id":{volunteer}}"#),
        ),
        case(
            "POST",
            "/api/v1/activities/{id}/shifts/{shift_id}/attendance",
            hidden(MANAGERS, ADMIN),
            S::Activity,
            Json(r#"{"signup_id":{signup},"outcome":"attended","hours":"1"}"#),
        ),
    ]
}
