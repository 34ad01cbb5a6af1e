//! The authorization table: every route, every role, a target inside the role's scope
//! and one outside it, and whether the request must be allowed or denied.
//!
//! A route that is registered but missing here fails `every_route_has_a_rule`, so no
//! route can be added without deciding who may use it.
//!
//! The cases live in a file per capability beside this one (`authz/platform.rs`,
//! `authz/ledger.rs`, `authz/requests.rs`, `authz/privacy.rs`); the walking machinery
//! is here, and the two-sided city it walks is `support::authz`.

mod support;

#[path = "authz/care_visits.rs"]
mod care_visits;
#[path = "authz/emergency.rs"]
mod emergency;
#[path = "authz/insight.rs"]
mod insight;
#[path = "authz/ledger.rs"]
mod ledger;
#[path = "authz/materials.rs"]
mod materials;
#[path = "authz/participation.rs"]
mod participation;
#[path = "authz/party.rs"]
mod party;
#[path = "authz/platform.rs"]
mod platform;
#[path = "authz/privacy.rs"]
mod privacy;
#[path = "authz/requests.rs"]
mod requests;
#[path = "authz/volunteers.rs"]
mod volunteers;
#[path = "authz/zh_pages.rs"]
mod zh_pages;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use civicgrid_app::domain::platform::access::Role;
use civicgrid_web::route_list;

use support::authz::{ALL, CSRF, Fixture};
use support::form_encode;
use tower::ServiceExt;

use Role::*;

pub const CITY_WIDE: &[Role] = &[SystemAdmin, Auditor];
pub const ORG_MANAGERS: &[Role] = &[SystemAdmin, StreetAdmin, CommunityStaff];
pub const USER_VIEWERS: &[Role] = &[
    SystemAdmin,
    Auditor,
    StreetAdmin,
    CommunityStaff,
    GridWorker,
];
pub const ADMIN: &[Role] = &[SystemAdmin];
pub const LEDGER_VIEWERS: &[Role] = &[SystemAdmin, StreetAdmin, CommunityStaff, GridWorker];
pub const LEDGER_EDITORS: &[Role] = &[SystemAdmin, CommunityStaff, GridWorker];
/// Linking an account to a record is managing the account: ledger editors who may also
/// grant the resident role.
pub const ACCOUNT_LINKERS: &[Role] = &[SystemAdmin, CommunityStaff];
pub const NOBODY_BUT_PUBLIC: &[Role] = &[];

/// Who may use a route.
#[derive(Clone, Copy)]
pub enum Rule {
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
pub enum Subject {
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
    /// A published public notice of the target community (important, to every household).
    Notice,
    /// The first household's receipt of that notice.
    NoticeReceipt,
    /// The PDF attached to that notice.
    NoticeFile,
    /// A draft notice of the target community.
    DraftNotice,
    /// A file newly attached to that draft (each case uses up its own).
    DraftNoticeFile,
    /// A request located in the target grid (taken by phone, not by a resident).
    Request,
    /// A photo of that request.
    Photo,
    /// A routing rule at the target grid.
    RoutingRule,
    /// A responder organisation serving the target community.
    ResponderOrg,
    /// An estate in the target community.
    Estate,
    /// An owners' vote on that estate, open.
    Vote,
    /// The scan of a paper ballot in that vote.
    BallotScan,
    /// A resident's proposal for the target grid, open.
    Proposal,
    /// A comment on that proposal.
    ProposalComment,
    /// A photo of that proposal.
    ProposalPhoto,
    /// A planned council meeting of the target community.
    Meeting,
    /// A commitment of the target community, from a passed vote, owned by a company
    /// whose member the responder is (inside only).
    Commitment,
    /// A progress photo of that commitment.
    CommitmentPhoto,
    /// A care pairing of a resident of the target grid (carers inside: the volunteer,
    /// the grid worker and the resident; outside: the resident there).
    CarePairing,
    /// A visit to that pairing, with notes.
    CareVisit,
    /// A photo of that visit.
    CarePhoto,
    /// A verified volunteer living in the target grid, with an hours entry.
    Volunteer,
    /// A volunteer activity of the target grid; `{shift_id}` is its shift to come, on
    /// which that volunteer holds a place.
    Activity,
    /// A volunteer team of the target community, that volunteer leading it.
    Team,
    /// A confirmed party member living in the target grid (not any caller).
    PartyMember,
    /// A pledge of that member for this year.
    Pledge,
    /// A drill running in the target community; `{position}` is its first step.
    Emergency,
    /// A welfare-check campaign of that drill over the target grid's households,
    /// checked inside by the grid worker.
    Campaign,
    /// The material depot of the target community (holding the fixture's item).
    Depot,
    /// A waiting material request for a household of the target grid.
    MaterialRequest,
    /// An issued material request of the target grid, delivered by the fixture's
    /// volunteer (inside) or nobody (outside).
    MaterialDelivery,
    /// An open transfer request from the target street's depot to its community's.
    MaterialTransfer,
}

pub struct Case {
    pub method: &'static str,
    pub path: &'static str,
    pub rule: Rule,
    pub subject: Subject,
    pub body: Body_,
}

#[derive(Clone, Copy)]
pub enum Body_ {
    Empty,
    /// A form with these fields (`{code}` and `{node}` are filled in).
    Form(&'static [(&'static str, &'static str)]),
    /// A JSON body (`{code}` and `{node}` are filled in).
    Json(&'static str),
}

pub const fn case(
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

pub const fn scoped(inside: &'static [Role], outside: &'static [Role]) -> Rule {
    Rule::Scoped { inside, outside }
}

pub const fn hidden(inside: &'static [Role], outside: &'static [Role]) -> Rule {
    Rule::Hidden { inside, outside }
}

pub use Body_::{Empty, Form, Json};
pub use Subject as S;

/// The whole table: the cases of every capability.
fn cases() -> Vec<Case> {
    let mut all = platform::cases();
    all.extend(ledger::cases());
    all.extend(privacy::cases());
    all.extend(requests::cases());
    all.extend(participation::cases());
    all.extend(care_visits::cases());
    all.extend(volunteers::cases());
    all.extend(party::cases());
    all.extend(emergency::cases());
    all.extend(materials::cases());
    all.extend(insight::cases());
    all
}

#[test]
fn every_route_has_a_rule() {
    // A case may try a route with a filter (`?left=1`): it counts for the route.
    let table: BTreeSet<(String, String)> = cases()
        .iter()
        .map(|c| {
            let route = c.path.split('?').next().unwrap_or(c.path);
            (c.method.to_owned(), route.to_owned())
        })
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

static COUNTER: AtomicU32 = AtomicU32::new(1);

/// Sends `case` as `role` (None = anonymous) at the inside (0) or outside (1) target.
async fn send_case(
    fx: &Fixture,
    c: &Case,
    role: Option<Role>,
    side: usize,
) -> (StatusCode, String) {
    let req = case_request(fx, c, role, side, "en").await;
    // Only the head is read: some answers (live updates) stream for as long as the
    // client listens.
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

/// `case` as a request from `role` at the inside (0) or outside (1) target, read in
/// `language`.
async fn case_request(
    fx: &Fixture,
    c: &Case,
    role: Option<Role>,
    side: usize,
    language: &str,
) -> Request<Body> {
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
        S::Node | S::ParentNode => {
            path = path
                .replace("{id}", &node.to_string())
                .replace("{hazard}", "flood")
        }
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
        S::Notice => path = path.replace("{id}", &fx.notices[side].notice.to_string()),
        S::NoticeReceipt => path = path.replace("{id}", &fx.notices[side].receipt.to_string()),
        S::NoticeFile => path = path.replace("{id}", &fx.notices[side].file.to_string()),
        S::DraftNotice => path = path.replace("{id}", &fx.notices[side].draft.to_string()),
        S::DraftNoticeFile => {
            let f = fx.draft_file(side, n).await;
            path = path.replace("{id}", &f.to_string());
        }
        S::Request => path = path.replace("{id}", &fx.requests[side].request.to_string()),
        S::Photo => path = path.replace("{id}", &fx.requests[side].photo.to_string()),
        S::RoutingRule => path = path.replace("{id}", &fx.requests[side].rule.to_string()),
        S::ResponderOrg => path = path.replace("{id}", &fx.requests[side].org.to_string()),
        S::Estate => path = path.replace("{id}", &fx.participation[side].estate.to_string()),
        S::Vote => path = path.replace("{id}", &fx.participation[side].vote.to_string()),
        S::BallotScan => {
            path = path.replace("{id}", &fx.participation[side].ballot_scan.to_string())
        }
        S::Proposal => path = path.replace("{id}", &fx.participation[side].proposal.to_string()),
        S::ProposalComment => {
            path = path.replace("{id}", &fx.participation[side].comment.to_string())
        }
        S::ProposalPhoto => path = path.replace("{id}", &fx.participation[side].photo.to_string()),
        S::Meeting => path = path.replace("{id}", &fx.participation[side].meeting.to_string()),
        S::Commitment => {
            let p = fx.participation[side];
            path = path
                .replace("{id}", &p.commitment.to_string())
                .replace("{milestone_id}", &p.commitment_milestone.to_string());
        }
        S::CommitmentPhoto => {
            path = path.replace("{id}", &fx.participation[side].commitment_photo.to_string())
        }
        S::CarePairing => path = path.replace("{id}", &fx.care[side].pairing.to_string()),
        S::CareVisit => path = path.replace("{id}", &fx.care[side].visit.to_string()),
        S::CarePhoto => path = path.replace("{id}", &fx.care[side].photo.to_string()),
        S::Volunteer => path = path.replace("{id}", &fx.volunteers[side].volunteer.to_string()),
        S::Activity => {
            let c = fx.volunteers[side];
            path = path
                .replace("{id}", &c.activity.to_string())
                .replace("{shift_id}", &c.shift.to_string());
        }
        S::Team => path = path.replace("{id}", &fx.volunteers[side].team.to_string()),
        S::PartyMember => path = path.replace("{id}", &fx.party[side].member.to_string()),
        S::Pledge => path = path.replace("{id}", &fx.party[side].pledge.to_string()),
        S::Campaign => path = path.replace("{id}", &fx.campaign[side].0.to_string()),
        S::Emergency => {
            path = path
                .replace("{id}", &fx.emergency[side].to_string())
                .replace("{position}", "0")
        }
        S::Depot => path = path.replace("{id}", &fx.materials[side].depot.to_string()),
        S::MaterialRequest => path = path.replace("{id}", &fx.materials[side].request.to_string()),
        S::MaterialDelivery => {
            path = path.replace("{id}", &fx.materials[side].delivery.to_string())
        }
        S::MaterialTransfer => {
            path = path.replace("{id}", &fx.materials[side].transfer.to_string())
        }
        S::None => {}
    }
    // Grants and new accounts go to the target's grid; nodes are created under it.
    let target_node = match c.subject {
        S::ParentNode => fx.community[side],
        _ => fx.grid[side],
    };
    let lf = fx.ledger[side];
    let pf = fx.participation[side];
    let cf = fx.volunteers[side];
    let closes_at = chrono::DateTime::from_timestamp_millis(support::authz::closes_at_ms())
        .unwrap()
        .to_rfc3339();
    // The same time as a page's `datetime-local` field says it, in the community's time.
    let closes_local =
        chrono::DateTime::from_timestamp_millis(support::authz::closes_at_ms() + 8 * 3_600_000)
            .unwrap()
            .format("%Y-%m-%dT%H:%M")
            .to_string();
    let fill = |s: &str| {
        s.replace("{code}", &format!("{}-{}", code.to_lowercase(), side))
            .replace("{node}", &target_node.to_string())
            .replace("{room}", &lf.room.to_string())
            .replace("{household}", &lf.household.to_string())
            .replace("{household2}", &lf.household2.to_string())
            .replace("{member}", &lf.member.to_string())
            .replace("{estate}", &pf.estate.to_string())
            .replace("{estate_room}", &pf.room.to_string())
            .replace("{estate_building}", &pf.building.to_string())
            .replace("{estate_owner}", &pf.owner.to_string())
            .replace("{closes_at}", &closes_at)
            .replace("{closes_local}", &closes_local)
            .replace("{passed_vote}", &pf.passed_vote.to_string())
            .replace(
                "{commitment_milestone}",
                &pf.commitment_milestone.to_string(),
            )
            .replace("{commitment_owner}", &pf.commitment_owner.to_string())
            .replace("{request}", &fx.requests[side].request.to_string())
            .replace("{care_pairing}", &fx.care[side].pairing.to_string())
            .replace("{care_carer}", &fx.care[side].carer.to_string())
            .replace("{care_away}", &fx.care[side].away.to_string())
            .replace("{care_new}", &fx.care[side].new_carer.to_string())
            .replace("{care_resident2}", &fx.care[side].resident2.to_string())
            .replace("{volunteer}", &cf.volunteer.to_string())
            .replace("{signup}", &cf.signup.to_string())
            .replace("{hours_entry}", &cf.hours_entry.to_string())
            .replace("{vol_resident2}", &cf.resident2.to_string())
            .replace("{vol_resident}", &cf.resident.to_string())
            .replace("{party_member}", &fx.party[side].member.to_string())
            .replace("{party_request}", &fx.party[side].request.to_string())
            .replace("{campaign_household}", &fx.campaign[side].1.to_string())
            .replace("{campaign_building}", &fx.campaign[side].2.to_string())
            .replace("{materials_community}", &fx.community[side].to_string())
            .replace("{materials_depot}", &fx.materials[side].depot.to_string())
            .replace("{materials_item}", &fx.materials[side].item.to_string())
            .replace(
                "{materials_deliverer}",
                &fx.materials[0].deliverer.to_string(),
            )
    };
    let mut req = Request::builder()
        .method(c.method)
        .uri(&path)
        .header(header::ACCEPT_LANGUAGE, language);
    // Signing in replaces the browser's session; keep the fixture's sessions alive.
    let signs_in = c.method == "POST" && (c.path == "/login" || c.path == "/api/v1/session");
    if let (Some(r), false) = (role, signs_in) {
        req = req
            .header(header::COOKIE, fx.cookies[&r].clone())
            .header("x-csrf-token", CSRF);
    } else {
        req = req.header(header::COOKIE, format!("cg_csrf={CSRF}"));
    }
    match c.body {
        Empty => req.body(Body::empty()),
        Form(fields) => {
            let mut body: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}={}", fill(k), form_encode(&fill(v))))
                .collect();
            body.push(format!("_csrf={CSRF}"));
            req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.join("&")))
        }
        Json(text) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(fill(text))),
    }
    .unwrap()
}

/// What a missing target answers: 404, or the form's or body's objection (422) when
/// the body names one (`{node}`, `{household}`, …). Inside the scope a 422 is an
/// objection to the fixture's data (e.g. a member already split off), so it counts as
/// a hidden target only outside (`side` 1).
fn hidden_answer(c: &Case, status: StatusCode, side: usize) -> bool {
    const TARGETS: &[&str] = &[
        "{node}",
        "{room}",
        "{household}",
        "{member}",
        "{estate}",
        "{estate_room}",
        "{passed_vote}",
        "{care_pairing}",
        "{care_resident2}",
        "{vol_resident}",
        "{vol_resident2}",
        "{party_member}",
        "{party_request}",
        "{materials_community}",
        "{materials_depot}",
    ];
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
                    let (status, _) = send_case(&fx, &c, role, side).await;
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
                let (status, location) = send_case(&fx, &c, role, side).await;
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
        let (status, location) = send_case(&fx, c, None, 0).await;
        if c.method == "DELETE" && !denied(status, &location) {
            failures.push(format!(
                "anonymous DELETE /api/v1/session was not denied: {status}"
            ));
        }
        for role in ALL {
            fx.sign_in_again(*role).await;
            let (status, location) = send_case(&fx, c, Some(*role), 0).await;
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
