//! The request loop closing properly, through the pages: names instead of numbers
//! (the responder organisation, the assignee and member pickers), one next step with
//! the rest behind a disclosure, the rating with nothing chosen and what happens after
//! a poor one, the resolution note and photo, the inbox and the timeline in words, and
//! the settings in hours and dates.

use axum::http::StatusCode;

use crate::support::requests::{
    act, act_ok, flag_poor_ratings, photo, png, poorly_rated, rate, report, resolve, start_work,
};
use crate::support::{CSRF, TestApp, TestResponse, multipart};

/// A fresh city with staff and a resident signed in, and the request the resident
/// raised about `text`: (city, staff, resident, request id).
async fn reported(text: &str) -> (TestApp, String, String, i64) {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let resident = t.login("resident").await;
    let id = report(&t, &resident, text).await;
    (t, staff, resident, id)
}

/// The number after `prefix` in `body` (e.g. an id in a link).
fn number_after(body: &str, prefix: &str) -> i64 {
    let at = body
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix:?} in {body}"));
    body[at + prefix.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no number after {prefix:?}"))
}

/// The value of the choice labelled `label` in a picker's matches.
fn value_before(body: &str, label: &str) -> i64 {
    let at = body
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in {body}"));
    let before = &body[..at];
    let from = before
        .rfind("value=\"")
        .unwrap_or_else(|| panic!("no choice for {label:?} in {body}"));
    number_after(&before[from..], "value=\"")
}

/// "#" followed by a digit: a raw id shown to people.
fn has_raw_id(html: &str) -> bool {
    html.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'#' && w[1].is_ascii_digit())
}

/// A property company serving the community, with the responder account as member
/// (added with the people picker); its id.
async fn property_company(t: &TestApp, staff: &str) -> i64 {
    let community = t.nodes.community.to_string();
    t.post_form(
        "/requests/settings/responders",
        &[
            ("_csrf", CSRF),
            ("kind", "property_company"),
            ("name", "湖光物业"),
            ("node_id", &community),
        ],
        staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let settings = t.get("/requests/settings", staff).await;
    let org = number_after(&settings.body, "/requests/settings/responders/");
    // The picker finds the responder account by name; nobody without the role.
    let found = t
        .get(
            &format!("/requests/settings/responders/{org}/members/search?member_q=Test"),
            staff,
        )
        .await;
    found
        .assert_status(StatusCode::OK)
        .assert_contains("Test responder");
    assert!(!found.body.contains("Test resident"), "{}", found.body);
    let responder_id = value_before(&found.body, "Test responder");
    // Without JavaScript, "Find" shows the members page with the matches.
    t.post_form(
        &format!("/requests/settings/responders/{org}/members"),
        &[
            ("_csrf", CSRF),
            ("op", "add"),
            ("member_q", "responder"),
            ("find_member", "1"),
        ],
        staff,
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("Test responder");
    t.post_form(
        &format!("/requests/settings/responders/{org}/members"),
        &[
            ("_csrf", CSRF),
            ("op", "add"),
            ("user_id", &responder_id.to_string()),
        ],
        staff,
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    let members = t
        .get(
            &format!("/requests/settings/responders/{org}/members"),
            staff,
        )
        .await;
    members
        .assert_status(StatusCode::OK)
        .assert_contains("Test responder");
    assert!(!has_raw_id(&members.body), "{}", members.body);
    t.get("/requests/settings", staff)
        .await
        .assert_contains("Test responder");
    org
}

#[tokio::test]
async fn names_not_numbers_for_the_party_the_assignee_and_members() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let resident = t.login("resident").await;
    let responder = t.login("responder").await;
    let org = property_company(&t, &staff).await;
    let id = report(&t, &resident, "单元门禁坏了，进出不方便").await;

    // The assignee picker offers those who may work on it there, for those who assign.
    let found = t
        .get(&format!("/requests/{id}/assignees?assignee_q=Test"), &staff)
        .await;
    found
        .assert_status(StatusCode::OK)
        .assert_contains("Test responder")
        .assert_contains("湖光物业")
        .assert_contains("Test grid");
    assert!(!found.body.contains("Test resident"), "{}", found.body);
    assert!(!found.body.contains("Test volunteer"), "{}", found.body);
    t.get(
        &format!("/requests/{id}/assignees?assignee_q=Test"),
        &resident,
    )
    .await
    .assert_refused();
    let responder_id = value_before(&found.body, "Test responder");
    // Without JavaScript, "Find" re-renders the page with the matches.
    act(
        &t,
        &staff,
        id,
        &[
            ("action", "assign"),
            ("assignee_q", "responder"),
            ("find_assignee", "1"),
        ],
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("Test responder");
    act_ok(
        &t,
        &staff,
        id,
        &[
            ("action", "assign"),
            ("party", &format!("org:{org}")),
            ("user_id", &responder_id.to_string()),
        ],
    )
    .await;

    // The resident and the responder read the organisation's name, never a number.
    for who in [&resident, &responder] {
        let page = t.get_in(&format!("/requests/{id}"), who, "zh-CN").await;
        page.assert_status(StatusCode::OK)
            .assert_contains("湖光物业");
        assert!(!has_raw_id(&page.body), "{}", page.body);
    }
    // The responder works it to the end, and adds a photo after resolving.
    act_ok(&t, &responder, id, &[("action", "start")]).await;
    act_ok(
        &t,
        &responder,
        id,
        &[("action", "resolve"), ("reason", "更换了门禁读卡器")],
    )
    .await;
    photo_added(&t, id, &responder).await;
    // Staff also read who has it.
    t.get(&format!("/requests/{id}"), &staff)
        .await
        .assert_contains("Test responder");
    t.get("/requests/mine", &resident)
        .await
        .assert_contains("湖光物业");
}

#[tokio::test]
async fn one_next_step_open_and_the_rest_behind_a_disclosure() {
    let (t, staff, resident, id) = reported("楼道灯不亮").await;
    let page = t.get(&format!("/requests/{id}"), &staff).await;
    let body = &page.body;
    // Accept is the open next step; the others wait behind "more".
    let accept = body
        .find("class=\"stack action-accept\"")
        .unwrap_or_else(|| panic!("{body}"));
    let first_more = body.find("class=\"more-action\"").unwrap_or(0);
    assert!(first_more > accept, "{body}");
    for a in ["assign", "reject", "refer", "mark_duplicate"] {
        let at = body
            .find(&format!("action-{a}\""))
            .unwrap_or_else(|| panic!("{a}: {body}"));
        assert!(at > first_more, "{a} should be behind the disclosure");
    }
    // The resident sees none of staff's actions, and no developer words.
    let mine = t
        .get_in(&format!("/requests/{id}"), &resident, "zh-CN")
        .await;
    assert!(!mine.body.contains("action-accept"), "{}", mine.body);
    assert!(!mine.body.contains("审计日志"), "{}", mine.body);

    act_ok(&t, &staff, id, &[("action", "accept")]).await;
    act_ok(
        &t,
        &staff,
        id,
        &[("action", "assign"), ("party", "role:grid_worker")],
    )
    .await;
    let page = t.get(&format!("/requests/{id}"), &staff).await;
    let start = page.body.find("action-start\"").unwrap_or(usize::MAX);
    let first_more = page.body.find("class=\"more-action\"").unwrap_or(0);
    assert!(start < first_more, "start is the next step: {}", page.body);
    act_ok(&t, &staff, id, &[("action", "start")]).await;
    let page = t.get_in(&format!("/requests/{id}"), &staff, "zh-CN").await;
    let resolve = page.body.find("action-resolve\"").unwrap_or(usize::MAX);
    let first_more = page.body.find("class=\"more-action\"").unwrap_or(0);
    assert!(
        resolve < first_more,
        "resolve is the next step: {}",
        page.body
    );
    assert!(!page.body.contains("审计日志"), "{}", page.body);
}

/// Someone adds a photo to request `id` from its page.
async fn add_photo(t: &TestApp, id: i64, cookies: &str) -> TestResponse {
    post_multipart(t, &format!("/requests/{id}/photos"), cookies, &[], true).await
}

/// Someone adds a photo to request `id` and is told it was added.
async fn photo_added(t: &TestApp, id: i64, cookies: &str) {
    let added = add_photo(t, id, cookies).await;
    added.assert_status(StatusCode::SEE_OTHER);
    assert!(
        added.location().contains("done=request_photo_added"),
        "{}",
        added.location()
    );
}

/// Posts a request page's multipart form: the CSRF token, `fields`, then a photo if
/// `with_photo`.
async fn post_multipart(
    t: &TestApp,
    path: &str,
    cookies: &str,
    fields: &[(&str, &str)],
    with_photo: bool,
) -> TestResponse {
    let png = png(32, 24, None);
    let file = with_photo.then(|| photo("image/png", &png));
    multipart::submit(t, path, cookies, fields, file).await
}

#[tokio::test]
async fn resolving_needs_a_note_and_takes_a_photo() {
    let (t, staff, resident, id) = reported("路灯不亮了").await;
    let responder = t.login("responder").await;
    start_work(&t, &staff, id).await;
    let page = t.get(&format!("/requests/{id}"), &staff).await;
    page.assert_contains(&format!("action=\"/requests/{id}/resolve\""))
        .assert_contains("enctype=\"multipart/form-data\"");
    // No note: refused, naming the field, on both forms.
    post_multipart(
        &t,
        &format!("/requests/{id}/resolve"),
        &staff,
        &[("reason", "  ")],
        false,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("id=\"resolve-note-error\"")
    .assert_contains("Say what was done");
    act(&t, &staff, id, &[("action", "resolve")])
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    // With the note and a photo of the finished work.
    let done = post_multipart(
        &t,
        &format!("/requests/{id}/resolve"),
        &staff,
        &[("reason", "更换了灯泡")],
        true,
    )
    .await;
    done.assert_status(StatusCode::SEE_OTHER);
    assert!(
        done.location().contains("done=request_resolved_with_photo"),
        "{}",
        done.location()
    );
    let page = t.get(&format!("/requests/{id}"), &resident).await;
    page.assert_contains("更换了灯泡")
        .assert_contains("/requests/photos/");

    // After resolution: one who may read it but not add to it is told so on the page.
    let auditor = t.login("auditor").await;
    let told = add_photo(&t, id, &auditor).await;
    told.assert_status(StatusCode::FORBIDDEN)
        .assert_contains("role=\"alert\"")
        .assert_contains("cannot add a photo to this request now")
        .assert_contains("<h1>");
    // One who is not told it exists learns nothing more.
    add_photo(&t, id, &responder)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Those working on it still may, and are told it was added; so may the resident
    // who raised it.
    let grid = t.login("grid").await;
    photo_added(&t, id, &grid).await;
    photo_added(&t, id, &resident).await;
}

#[tokio::test]
async fn a_poor_rating_says_what_happens_next() {
    let (t, staff, resident, id) = reported("垃圾桶满了没人清").await;
    resolve(&t, &staff, id, "已清运").await;

    // Nothing is chosen for the resident.
    let page = t.get(&format!("/requests/{id}"), &resident).await;
    let form = page
        .body
        .find("id=\"rate\"")
        .unwrap_or_else(|| panic!("{}", page.body));
    let form_end = page.body[form..]
        .find("</section>")
        .map_or(page.body.len(), |e| form + e);
    assert!(
        !page.body[form..form_end].contains("checked"),
        "{}",
        &page.body[form..form_end]
    );
    // Not choosing names the field.
    rate(&t, &resident, id, &[("comment", "")])
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("id=\"rating-error\"");

    let rated = rate(
        &t,
        &resident,
        id,
        &[("rating", "2"), ("comment", "还是很臭")],
    )
    .await;
    rated.assert_status(StatusCode::SEE_OTHER);
    assert!(
        rated
            .location()
            .contains("done=request_reopened_after_rating"),
        "{}",
        rated.location()
    );
    let next = t.get_in(rated.location(), &resident, "zh-CN").await;
    next.assert_status(StatusCode::OK)
        .assert_contains("id=\"next\"")
        .assert_contains("已重新打开")
        .assert_contains("网格员")
        .assert_contains("新的办结时限")
        // The timeline in words, not the system's English.
        .assert_contains("评价 2 星");
    assert!(!next.body.contains("rated 2 of 5"), "{}", next.body);
}

#[tokio::test]
async fn flagged_requests_show_in_the_queue_and_on_the_page() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    let staff = t.login("staff").await;
    let resident = t.login("resident").await;
    flag_poor_ratings(&t, &admin).await;
    let id = poorly_rated(&t, &resident, &staff, "电梯又坏了").await;
    t.get("/requests/queue?kind=flagged", &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&format!("href=\"/requests/{id}\""))
        .assert_contains("Flagged");
    t.get(&format!("/requests/{id}"), &staff)
        .await
        .assert_contains("Flagged");
}

#[tokio::test]
async fn the_inbox_says_which_request_and_how_long_ago() {
    let (t, staff, resident, id) = reported("绿化带有积水").await;
    act_ok(&t, &staff, id, &[("action", "accept")]).await;
    let mine = t.get(&format!("/requests/{id}"), &resident).await;
    let number = mine
        .body
        .split("<h1>")
        .nth(1)
        .and_then(|h| h.split(" · ").next())
        .unwrap_or_default()
        .to_owned();
    assert!(number.starts_with("R-"), "{number}");
    let inbox = t.get_in("/requests/inbox", &resident, "zh-CN").await;
    inbox
        .assert_status(StatusCode::OK)
        .assert_contains(&number)
        .assert_contains("3栋东侧")
        .assert_contains("分钟前");
    assert!(!inbox.body.contains("0 小时"), "{}", inbox.body);
    // No running clock, no "deadline -".
    let list = t.get_in("/requests/mine", &resident, "zh-CN").await;
    assert!(!list.body.contains("时限 -"), "{}", list.body);
}

/// Posts a settings form; it must be saved.
async fn saved(t: &TestApp, admin: &str, path: &str, fields: &[(&str, &str)]) {
    t.post_form(path, fields, admin)
        .await
        .assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn settings_in_hours_and_dates() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    let page = t.get("/requests/settings", &admin).await;
    page.assert_contains("name=\"response_hours\"")
        .assert_contains("type=\"date\"");
    assert!(!page.body.contains("name=\"response_minutes\""));
    // Hours are stored as business minutes and shown back as hours.
    let category = |response_hours: &'static str| {
        vec![
            ("_csrf", CSRF),
            ("code", "loop_test"),
            ("name_zh", "测试"),
            ("name_en", "Test"),
            ("party_kind", "community_staff"),
            ("response_hours", response_hours),
            ("resolution_hours", "24"),
        ]
    };
    let mut active = category("1.5");
    active.push(("active", "1"));
    saved(&t, &admin, "/requests/settings/categories", &active).await;
    let cats = t.get("/api/v1/requests/categories", &admin).await;
    assert!(
        cats.body.contains("\"response_minutes\":90"),
        "{}",
        cats.body
    );
    assert!(
        cats.body.contains("\"resolution_minutes\":1440"),
        "{}",
        cats.body
    );
    t.get("/requests/settings", &admin)
        .await
        .assert_contains("name=\"response_hours\" value=\"1.5\"");
    // A bad value names its field.
    t.post_form("/requests/settings/categories", &category("soon"), &admin)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("response target");

    // Holidays: one date added, then removed; the weekly form keeps them.
    let holiday = |date: &'static str, op: &'static str| {
        [
            ("_csrf", CSRF),
            ("list", "holidays"),
            ("date", date),
            ("op", op),
        ]
    };
    let dates = "/requests/settings/calendar/dates";
    let shown = "<time datetime=\"2026-10-01\">";
    saved(&t, &admin, dates, &holiday("2026-10-01", "add")).await;
    t.get("/requests/settings", &admin)
        .await
        .assert_contains(shown);
    let week = [("_csrf", CSRF), ("mon", "08:30-12:00")];
    saved(&t, &admin, "/requests/settings/calendar", &week).await;
    t.get("/requests/settings", &admin)
        .await
        .assert_contains(shown);
    saved(&t, &admin, dates, &holiday("2026-10-01", "remove")).await;
    let after = t.get("/requests/settings", &admin).await;
    assert!(!after.body.contains(shown));
    t.post_form(dates, &holiday("not a date", "add"), &admin)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("id=\"holidays-error\"");
}
