//! Co-governance: estates, notices, votes and ballots, proposals and the council,
//! commitments.
//!
//! Estates and owners' votes lie at a community: grid workers, bound to a grid, do not
//! reach them. What lies outside the caller's sight answers like a missing record.

use civicgrid_app::domain::platform::access::Role::{self, *};

use crate::{ADMIN, CITY_WIDE};
use crate::{Case, Empty, Form, Json, Rule, S, case, hidden, scoped};

pub fn cases() -> Vec<Case> {
    let mut all = page_cases();
    all.extend(api_cases());
    all.extend(notices());
    all.extend(deliberation());
    all.extend(commitments());
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
            "POST",
            "/participation/estates/{id}/room-owners",
            hidden(MANAGERS, ADMIN),
            S::Estate,
            Form(&[("room_id", "{estate_room}"), ("developer", "1")]),
        ),
        case(
            "GET",
            "/participation/estates/{id}/rooms",
            hidden(MANAGERS, ADMIN),
            S::Estate,
            Empty,
        ),
        case(
            "GET",
            "/participation/estates/{id}/owners",
            hidden(MANAGERS, ADMIN),
            S::Estate,
            Empty,
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
        // A paper ballot's scan: the auditor and those who follow the vote's ballots;
        // never a resident (the ballot is secret).
        case(
            "GET",
            "/participation/ballot-scans/{id}",
            hidden(FOLLOWERS, CITY_WIDE),
            S::BallotScan,
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

/// Who writes notices (ManageParticipation).
const NOTICE_WRITERS: &[Role] = &[SystemAdmin, StreetAdmin, CommunityStaff];
/// Who follows their coverage (ViewParticipation).
const NOTICE_FOLLOWERS: &[Role] = &[
    SystemAdmin,
    Auditor,
    StreetAdmin,
    CommunityStaff,
    GridWorker,
    OwnersCommittee,
];
/// Who records door-to-door and phone follow-ups (ViewParticipation and EditLedger).
const DOOR_TO_DOOR: &[Role] = &[SystemAdmin, CommunityStaff, GridWorker];

/// Notices: the fixture's notice is published to every household of the target
/// community, so anyone may read it; writing, coverage, follow-up and the poster are
/// scoped, and hidden outside one's sight. Withdrawing comes last: it ends the notice.
fn notices() -> Vec<Case> {
    use crate::Rule::{Public, SignedIn};
    const NEW_NOTICE: &[(&str, &str)] = &[
        ("scope_id", "{node}"),
        ("title_zh", "测试通知"),
        ("body_zh", "测试内容"),
        ("target", "everyone"),
        ("action", "draft"),
    ];
    vec![
        case("GET", "/notices", SignedIn, S::None, Empty),
        case(
            "GET",
            "/notices/new",
            hidden(NOTICE_WRITERS, NOTICE_WRITERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/notices",
            hidden(NOTICE_WRITERS, ADMIN),
            S::None,
            Form(NEW_NOTICE),
        ),
        case("GET", "/notices/code", Public, S::None, Empty),
        case("GET", "/notices/board/{id}", Public, S::ParentNode, Empty),
        case("GET", "/notices/{id}", Public, S::Notice, Empty),
        case(
            "POST",
            "/notices/{id}/publish",
            hidden(NOTICE_WRITERS, ADMIN),
            S::Notice,
            Form(&[]),
        ),
        case(
            "GET",
            "/notices/{id}/coverage",
            hidden(NOTICE_FOLLOWERS, CITY_WIDE),
            S::Notice,
            Empty,
        ),
        case(
            "GET",
            "/notices/{id}/follow-up",
            hidden(NOTICE_FOLLOWERS, CITY_WIDE),
            S::Notice,
            Empty,
        ),
        case(
            "POST",
            "/notices/receipts/{id}/follow-up",
            hidden(DOOR_TO_DOOR, ADMIN),
            S::NoticeReceipt,
            Form(&[("outcome", "not_reached")]),
        ),
        case(
            "GET",
            "/notices/{id}/poster",
            hidden(NOTICE_WRITERS, ADMIN),
            S::Notice,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/notices",
            hidden(NOTICE_WRITERS, ADMIN),
            S::None,
            Json(
                r#"{"scope_id": {node}, "title_zh": "测试通知", "body_zh": "测试内容", "publish": false}"#,
            ),
        ),
        case("GET", "/api/v1/notices", SignedIn, S::None, Empty),
        case("GET", "/api/v1/notices/{id}", SignedIn, S::Notice, Empty),
        case(
            "POST",
            "/api/v1/notices/{id}/publish",
            hidden(NOTICE_WRITERS, ADMIN),
            S::Notice,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/notices/{id}/read",
            SignedIn,
            S::Notice,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/notices/{id}/coverage",
            hidden(NOTICE_FOLLOWERS, CITY_WIDE),
            S::Notice,
            Empty,
        ),
        case(
            "POST",
            "/notices/{id}/attachments",
            hidden(NOTICE_WRITERS, ADMIN),
            S::DraftNotice,
            Form(&[]),
        ),
        case(
            "POST",
            "/notice-attachments/{id}/remove",
            hidden(NOTICE_WRITERS, ADMIN),
            S::DraftNoticeFile,
            Form(&[]),
        ),
        case(
            "GET",
            "/notice-attachments/{id}",
            Public,
            S::NoticeFile,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/notices/{id}/attachments",
            hidden(NOTICE_WRITERS, ADMIN),
            S::DraftNotice,
            Empty,
        ),
        case(
            "DELETE",
            "/api/v1/notice-attachments/{id}",
            hidden(NOTICE_WRITERS, ADMIN),
            S::DraftNoticeFile,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/notice-attachments/{id}",
            SignedIn,
            S::NoticeFile,
            Empty,
        ),
        case(
            "POST",
            "/notices/{id}/withdraw",
            hidden(NOTICE_WRITERS, ADMIN),
            S::Notice,
            Form(&[("reason", "测试")]),
        ),
    ]
}

/// Who see a proposal of the target grid: those who follow participation there.
const PROPOSAL_VIEWERS: &[Role] = &[
    SystemAdmin,
    Auditor,
    StreetAdmin,
    CommunityStaff,
    GridWorker,
    OwnersCommittee,
];
/// Who see the community's council meetings (grid workers' sight ends at their grid).
const MEETING_VIEWERS: &[Role] = &[
    SystemAdmin,
    Auditor,
    StreetAdmin,
    CommunityStaff,
    OwnersCommittee,
];
/// Who moderate, table, send to a vote and keep the council's record.
const DELIBERATION_MANAGERS: &[Role] = &[SystemAdmin, StreetAdmin, CommunityStaff];

/// Deliberation: the fixture's proposal lies at the target grid, its meeting at the
/// community. Only residents living there support (the table's accounts have no ledger
/// record), only the author withdraws; sending it to a vote and recording the meeting
/// come after what they would end.
fn deliberation() -> Vec<Case> {
    use crate::Rule::SignedIn;
    const NOBODY: &[Role] = &[];
    const NEW_PROPOSAL: &[(&str, &str)] = &[
        ("node_id", "{node}"),
        ("title", "增设充电桩{code}"),
        ("description", "在楼下增设充电桩"),
        ("reason", "楼道充电有隐患"),
    ];
    const NEW_MEETING: &[(&str, &str)] = &[
        ("community_id", "{node}"),
        ("title", "议事会{code}"),
        ("held_at", "{closes_local}"),
        ("place", "社区活动室"),
    ];
    vec![
        case("GET", "/participation/proposals", SignedIn, S::None, Empty),
        case(
            "GET",
            "/participation/proposals/new",
            SignedIn,
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/participation/proposals",
            scoped(DELIBERATION_MANAGERS, ADMIN),
            S::None,
            Form(NEW_PROPOSAL),
        ),
        case(
            "GET",
            "/participation/proposals/{id}",
            hidden(PROPOSAL_VIEWERS, CITY_WIDE),
            S::Proposal,
            Empty,
        ),
        case(
            "POST",
            "/participation/proposals/{id}/support",
            hidden(NOBODY, NOBODY),
            S::Proposal,
            Form(&[]),
        ),
        case(
            "POST",
            "/participation/proposals/{id}/comments",
            hidden(PROPOSAL_VIEWERS, CITY_WIDE),
            S::Proposal,
            Form(&[("body", "我同意")]),
        ),
        case(
            "POST",
            "/participation/proposals/{id}/withdraw",
            hidden(NOBODY, NOBODY),
            S::Proposal,
            Form(&[]),
        ),
        case(
            "POST",
            "/participation/proposals/{id}/photos",
            hidden(DELIBERATION_MANAGERS, ADMIN),
            S::Proposal,
            Form(&[]),
        ),
        case(
            "GET",
            "/participation/proposal-photos/{id}",
            hidden(PROPOSAL_VIEWERS, CITY_WIDE),
            S::ProposalPhoto,
            Empty,
        ),
        case(
            "POST",
            "/participation/proposal-comments/{id}/remove",
            hidden(DELIBERATION_MANAGERS, ADMIN),
            S::ProposalComment,
            Form(&[("reason", "abusive")]),
        ),
        case(
            "POST",
            "/participation/deliberation-rules",
            scoped(DELIBERATION_MANAGERS, ADMIN),
            S::ParentNode,
            Form(&[
                ("community_id", "{node}"),
                ("threshold", "5"),
                ("window_days", "30"),
            ]),
        ),
        case("GET", "/api/v1/proposals", SignedIn, S::None, Empty),
        case(
            "POST",
            "/api/v1/proposals",
            scoped(DELIBERATION_MANAGERS, ADMIN),
            S::None,
            Json(
                r#"{"node_id": {node}, "title": "增设充电桩", "description": "在楼下", "reason": "隐患"}"#,
            ),
        ),
        case(
            "GET",
            "/api/v1/proposals/{id}",
            hidden(PROPOSAL_VIEWERS, CITY_WIDE),
            S::Proposal,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/proposals/{id}/support",
            hidden(NOBODY, NOBODY),
            S::Proposal,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/proposals/{id}/comments",
            hidden(PROPOSAL_VIEWERS, CITY_WIDE),
            S::Proposal,
            Json(r#"{"body": "我同意"}"#),
        ),
        case(
            "POST",
            "/participation/proposals/{id}/table",
            hidden(DELIBERATION_MANAGERS, ADMIN),
            S::Proposal,
            Form(&[]),
        ),
        case(
            "POST",
            "/participation/proposals/{id}/vote",
            hidden(DELIBERATION_MANAGERS, ADMIN),
            S::Proposal,
            Form(&[
                ("electorate", "households"),
                ("closes_at", "{closes_local}"),
            ]),
        ),
        case(
            "POST",
            "/api/v1/proposals/{id}/vote",
            hidden(DELIBERATION_MANAGERS, ADMIN),
            S::Proposal,
            Json(r#"{"electorate": "households", "closes_at": "{closes_at}"}"#),
        ),
        case("GET", "/participation/meetings", SignedIn, S::None, Empty),
        case(
            "POST",
            "/participation/meetings",
            scoped(DELIBERATION_MANAGERS, ADMIN),
            S::ParentNode,
            Form(NEW_MEETING),
        ),
        case(
            "GET",
            "/participation/meetings/{id}",
            hidden(MEETING_VIEWERS, CITY_WIDE),
            S::Meeting,
            Empty,
        ),
        case(
            "POST",
            "/participation/meetings/{id}/items",
            hidden(DELIBERATION_MANAGERS, ADMIN),
            S::Meeting,
            Form(&[("title", "停车管理")]),
        ),
        case("GET", "/api/v1/meetings", SignedIn, S::None, Empty),
        case(
            "POST",
            "/api/v1/meetings",
            scoped(DELIBERATION_MANAGERS, ADMIN),
            S::ParentNode,
            Json(
                r#"{"community_id": {node}, "title": "议事会", "held_at": "{closes_at}", "place": "活动室"}"#,
            ),
        ),
        case(
            "GET",
            "/api/v1/meetings/{id}",
            hidden(MEETING_VIEWERS, CITY_WIDE),
            S::Meeting,
            Empty,
        ),
        case(
            "POST",
            "/participation/meetings/{id}/record",
            hidden(DELIBERATION_MANAGERS, ADMIN),
            S::Meeting,
            Form(&[("attendees", "王主任"), ("minutes", "会议纪要")]),
        ),
        case(
            "POST",
            "/api/v1/meetings/{id}/items",
            hidden(DELIBERATION_MANAGERS, ADMIN),
            S::Meeting,
            Json(r#"{"title": "楼道堆物清理"}"#),
        ),
        case(
            "POST",
            "/api/v1/meetings/{id}/record",
            hidden(DELIBERATION_MANAGERS, ADMIN),
            S::Meeting,
            Json(r#"{"attendees": ["王主任"], "minutes": "纪要", "outcomes": []}"#),
        ),
    ]
}

/// Who manages a commitment (ManageParticipation at its community).
const COMMITMENT_MANAGERS: &[Role] = &[CommunityStaff, StreetAdmin, SystemAdmin];
/// Who reports on it: its managers and, inside, the owning company's member.
const COMMITMENT_REPORTERS: &[Role] = &[CommunityStaff, StreetAdmin, SystemAdmin, Responder];

/// Commitments: the page, its photos and reading one by the API are public (so acting
/// on one out of one's places is forbidden, not hidden); creating one names a passed
/// vote, which outside one's places answers like a missing one.
fn commitments() -> Vec<Case> {
    use crate::Rule::{Public, SignedIn};
    const M: &[Role] = COMMITMENT_MANAGERS;
    const R: &[Role] = COMMITMENT_REPORTERS;
    vec![
        case(
            "GET",
            "/participation/commitments/new",
            scoped(M, M),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/participation/commitments",
            hidden(M, ADMIN),
            S::None,
            Form(&[
                ("vote_id", "{passed_vote}"),
                ("title", "{code}"),
                ("m1_title", "开工"),
                ("m1_due", "2027-01-31"),
            ]),
        ),
        case(
            "GET",
            "/participation/commitments/{id}",
            Public,
            S::Commitment,
            Empty,
        ),
        case(
            "GET",
            "/participation/commitments/photos/{id}",
            Public,
            S::CommitmentPhoto,
            Empty,
        ),
        case(
            "POST",
            "/participation/commitments/{id}",
            scoped(M, ADMIN),
            S::Commitment,
            Form(&[
                ("title", "东门延时开放"),
                ("summary", "{code}"),
                ("owner_org_id", "{commitment_owner}"),
            ]),
        ),
        case(
            "POST",
            "/participation/commitments/{id}/milestones",
            scoped(M, ADMIN),
            S::Commitment,
            Form(&[("milestone", "{code}"), ("due_on", "2027-02-28")]),
        ),
        case(
            "POST",
            "/participation/commitments/{id}/milestones/tick",
            scoped(R, ADMIN),
            S::Commitment,
            Form(&[("milestone_id", "{commitment_milestone}"), ("done", "1")]),
        ),
        case(
            "POST",
            "/participation/commitments/{id}/updates",
            scoped(R, ADMIN),
            S::Commitment,
            Form(&[("update", "{code}")]),
        ),
        // The first manager links it; the others hear it is linked already (422).
        case(
            "POST",
            "/participation/commitments/{id}/requests",
            scoped(M, ADMIN),
            S::Commitment,
            Form(&[("request_id", "{request}")]),
        ),
        case(
            "POST",
            "/participation/commitments/{id}/spending",
            scoped(M, ADMIN),
            S::Commitment,
            Form(&[
                ("what", "{code}"),
                ("amount", "12.50"),
                ("spent_on", "2026-01-15"),
                ("payer", "专项维修资金"),
            ]),
        ),
        // Planned → in progress once; later movers hear it cannot move there (422).
        case(
            "POST",
            "/participation/commitments/{id}/state",
            scoped(M, ADMIN),
            S::Commitment,
            Form(&[("to", "in_progress")]),
        ),
        case(
            "POST",
            "/api/v1/commitments",
            hidden(M, ADMIN),
            S::None,
            Json(r#"{"vote_id":{passed_vote},"title":"{code}"}"#),
        ),
        case("GET", "/api/v1/commitments", SignedIn, S::None, Empty),
        case(
            "GET",
            "/api/v1/commitments/{id}",
            Public,
            S::Commitment,
            Empty,
        ),
        case(
            "PUT",
            "/api/v1/commitments/{id}",
            scoped(M, ADMIN),
            S::Commitment,
            Json(
                r#"{"title":"东门延时开放","summary":"{code}","owner_org_id":{commitment_owner}}"#,
            ),
        ),
        case(
            "POST",
            "/api/v1/commitments/{id}/milestones",
            scoped(M, ADMIN),
            S::Commitment,
            Json(r#"{"title":"{code}","due_on":"2027-03-31"}"#),
        ),
        case(
            "POST",
            "/api/v1/commitments/{id}/milestones/{milestone_id}",
            scoped(R, ADMIN),
            S::Commitment,
            Json(r#"{"done":true}"#),
        ),
        case(
            "POST",
            "/api/v1/commitments/{id}/updates",
            scoped(R, ADMIN),
            S::Commitment,
            Json(r#"{"body":"{code}"}"#),
        ),
        case(
            "POST",
            "/api/v1/commitments/{id}/requests",
            scoped(M, ADMIN),
            S::Commitment,
            Json(r#"{"request_id":{request}}"#),
        ),
        case(
            "POST",
            "/api/v1/commitments/{id}/spending",
            scoped(M, ADMIN),
            S::Commitment,
            Json(
                r#"{"what":"{code}","amount_fen":1250,"spent_on":"2026-01-15","payer":"维修资金"}"#,
            ),
        ),
        case(
            "POST",
            "/api/v1/commitments/{id}/state",
            scoped(M, ADMIN),
            S::Commitment,
            Json(r#"{"state":"in_progress"}"#),
        ),
    ]
}
