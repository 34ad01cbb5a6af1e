//! The household ledger: records, search and the population summary, import and export.

use crate::{ACCOUNT_LINKERS, ADMIN, LEDGER_EDITORS, LEDGER_VIEWERS};
use crate::{Case, Empty, Form, Json, Rule, S, case, hidden, scoped};

const LEDGER_ROOM_FORM: &[(&str, &str)] = &[
    ("building", "9"),
    ("unit", "1"),
    ("room", "{code}"),
    ("floor", "1"),
];
const LEDGER_HOUSEHOLD_FORM: &[(&str, &str)] = &[
    ("room_id", "{room}"),
    ("ownership", "owner"),
    ("area_m2", "60"),
];
const LEDGER_ADD_RESIDENT_FORM: &[(&str, &str)] = &[
    ("name", "王五"),
    ("gender", "male"),
    ("birth_date", "1990-01-02"),
    ("relation", "other"),
    ("reason", "test"),
];
const LEDGER_SPLIT_FORM: &[(&str, &str)] = &[
    ("room_id", "{room}"),
    ("ownership", "tenant"),
    ("member_{member}", "1"),
    ("reason", "test"),
];
const LEDGER_MERGE_FORM: &[(&str, &str)] =
    &[("into_household_id", "{household}"), ("reason", "test")];
const LEDGER_EDIT_FORM: &[(&str, &str)] = &[("name", "张三丰"), ("reason", "test")];
const LEDGER_MOVE_FORM: &[(&str, &str)] = &[
    ("household_id", "{household2}"),
    ("relation", "other"),
    ("reason", "test"),
];
const LEDGER_DEPARTURE_FORM: &[(&str, &str)] = &[
    ("status", "moved_out"),
    ("date", "2024-01-02"),
    ("reason", "test"),
];
const LEDGER_TAGS_FORM: &[(&str, &str)] = &[("tag_veteran", "1"), ("reason", "test")];
const LEDGER_UNMASK_FORM: &[(&str, &str)] = &[("purpose", "test")];
const LEDGER_LINK_FORM: &[(&str, &str)] = &[("username", "resident-in")];
const LEDGER_TAG_FORM: &[(&str, &str)] = &[
    ("code", "t_{code}"),
    ("name_zh", "测试"),
    ("name_en", "Test"),
    ("active", "1"),
];

pub fn cases() -> Vec<Case> {
    let mut all = records_cases();
    all.extend(search_cases());
    all.extend(import_export_cases());
    all
}

/// Records: the board, households, residents and their cards (pages and API).
fn records_cases() -> Vec<Case> {
    let signed_in = Rule::SignedIn;
    let view = hidden(LEDGER_VIEWERS, ADMIN);
    let edit = hidden(LEDGER_EDITORS, ADMIN);
    vec![
        case(
            "GET",
            "/ledger",
            scoped(LEDGER_VIEWERS, LEDGER_VIEWERS),
            S::None,
            Empty,
        ),
        case("GET", "/ledger/grids/{id}", view, S::Node, Empty),
        case(
            "POST",
            "/ledger/grids/{id}/rooms",
            edit,
            S::Node,
            Form(LEDGER_ROOM_FORM),
        ),
        case(
            "POST",
            "/ledger/grids/{id}/households",
            edit,
            S::Node,
            Form(LEDGER_HOUSEHOLD_FORM),
        ),
        // The add-a-household form's room picker searches only for those who may add.
        case("GET", "/ledger/grids/{id}/rooms", edit, S::Node, Empty),
        case("GET", "/ledger/households/{id}", view, S::Household, Empty),
        // The split and merge forms' pickers search only for those who may split or
        // merge this household; the move form's, for those who may move this resident.
        case(
            "GET",
            "/ledger/households/{id}/rooms",
            edit,
            S::Household,
            Empty,
        ),
        case(
            "GET",
            "/ledger/households/{id}/merge-targets",
            edit,
            S::Household,
            Empty,
        ),
        case(
            "GET",
            "/ledger/residents/{id}/households",
            edit,
            S::LedgerResident,
            Empty,
        ),
        case(
            "POST",
            "/ledger/households/{id}/residents",
            edit,
            S::Household,
            Form(LEDGER_ADD_RESIDENT_FORM),
        ),
        case(
            "POST",
            "/ledger/households/{id}/split",
            edit,
            S::Household,
            Form(LEDGER_SPLIT_FORM),
        ),
        case(
            "GET",
            "/ledger/residents/{id}",
            view,
            S::LedgerResident,
            Empty,
        ),
        case(
            "POST",
            "/ledger/residents/{id}/edit",
            edit,
            S::LedgerResident,
            Form(LEDGER_EDIT_FORM),
        ),
        case(
            "POST",
            "/ledger/residents/{id}/tags",
            edit,
            S::LedgerResident,
            Form(LEDGER_TAGS_FORM),
        ),
        case(
            "POST",
            "/ledger/residents/{id}/unmask",
            edit,
            S::LedgerResident,
            Form(LEDGER_UNMASK_FORM),
        ),
        case(
            "POST",
            "/ledger/residents/{id}/link",
            hidden(ACCOUNT_LINKERS, ADMIN),
            S::LedgerResident,
            Form(LEDGER_LINK_FORM),
        ),
        case(
            "POST",
            "/ledger/residents/{id}/move",
            edit,
            S::LedgerResident,
            Form(LEDGER_MOVE_FORM),
        ),
        case(
            "POST",
            "/ledger/residents/{id}/departure",
            edit,
            S::LedgerResident,
            Form(LEDGER_DEPARTURE_FORM),
        ),
        case(
            "POST",
            "/ledger/households/{id}/merge",
            edit,
            S::Household2,
            Form(LEDGER_MERGE_FORM),
        ),
        case(
            "GET",
            "/ledger/tags",
            scoped(LEDGER_VIEWERS, LEDGER_VIEWERS),
            S::None,
            Empty,
        ),
        case(
            "POST",
            "/ledger/tags",
            scoped(ADMIN, ADMIN),
            S::None,
            Form(LEDGER_TAG_FORM),
        ),
        case("GET", "/me/household", signed_in, S::None, Empty),
        case("GET", "/me/data-access", signed_in, S::None, Empty),
        case(
            "GET",
            "/api/v1/ledger/grids/{id}/board",
            view,
            S::Node,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/ledger/households/{id}",
            view,
            S::Household,
            Empty,
        ),
        case(
            "GET",
            "/api/v1/ledger/residents/{id}",
            view,
            S::LedgerResident,
            Empty,
        ),
        case(
            "POST",
            "/api/v1/ledger/residents",
            edit,
            S::Household,
            Json(
                r#"{"household_id":{household},"name":"赵六","gender":"female","birth_date":"1985-03-04","relation":"other","reason":"test"}"#,
            ),
        ),
        case(
            "PATCH",
            "/api/v1/ledger/residents/{id}",
            edit,
            S::LedgerResident,
            Json(r#"{"name":"张三","reason":"test"}"#),
        ),
        case(
            "POST",
            "/api/v1/ledger/residents/{id}/unmask",
            edit,
            S::LedgerResident,
            Json(r#"{"purpose":"test"}"#),
        ),
        case("GET", "/api/v1/me/household", signed_in, S::None, Empty),
    ]
}

/// Ledger search and the population summary (ViewLedger).
fn search_cases() -> Vec<Case> {
    let anywhere = scoped(LEDGER_VIEWERS, LEDGER_VIEWERS);
    let view = hidden(LEDGER_VIEWERS, ADMIN);
    vec![
        case("GET", "/ledger/search", anywhere, S::None, Empty),
        case("GET", "/ledger/population/{id}", view, S::Node, Empty),
        case("GET", "/api/v1/ledger/search", anywhere, S::None, Empty),
        case(
            "GET",
            "/api/v1/ledger/population/{id}",
            view,
            S::Node,
            Empty,
        ),
    ]
}

/// Importing (ImportLedger) and exporting (ExportLedger) residents.
fn import_export_cases() -> Vec<Case> {
    let import = scoped(LEDGER_EDITORS, LEDGER_EDITORS);
    let export = scoped(LEDGER_VIEWERS, LEDGER_VIEWERS);
    vec![
        case("GET", "/ledger/import", import, S::None, Empty),
        case("POST", "/ledger/import", import, S::None, Empty),
        case("GET", "/ledger/import/jobs/{id}", import, S::None, Empty),
        case(
            "GET",
            "/ledger/import/jobs/{id}/rejects",
            import,
            S::None,
            Empty,
        ),
        case("GET", "/ledger/export", export, S::None, Empty),
    ]
}
