//! Co-governance: estates, notices, votes and ballots.

use crate::Case;
use crate::{ADMIN, CITY_WIDE, Empty, Form, Json, Role, S, case, hidden};

use Role::*;

pub fn cases() -> Vec<Case> {
    let mut all = Vec::new();
    all.extend(notices());
    all
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
            "/notices/{id}/withdraw",
            hidden(NOTICE_WRITERS, ADMIN),
            S::Notice,
            Form(&[("reason", "测试")]),
        ),
    ]
}
