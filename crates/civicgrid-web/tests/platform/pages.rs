//! The server-rendered pages through the real router: who may see what, both
//! languages, the forms (success, objections, CSRF), and the HTML error pages.

use axum::http::{StatusCode, header};

use crate::support::{CSRF, TestApp};

const ZH: &str = "zh-CN,zh;q=0.9";
const EN: &str = "en-US,en;q=0.9";

/// Pages no CSP-respecting template may break: no inline styles or scripts.
fn assert_csp_clean(path: &str, body: &str) {
    assert!(!body.contains(" style="), "{path} has an inline style");
    assert!(!body.contains("<script>"), "{path} has an inline script");
    assert!(!body.contains("<style"), "{path} has a style element");
}

/// `path` answers `status` with an HTML page saying so in English and in Chinese.
async fn assert_error_page(
    t: &TestApp,
    path: &str,
    cookies: &str,
    status: StatusCode,
    [en, zh]: [&str; 2],
) {
    for (lang, text) in [(EN, en), (ZH, zh)] {
        let res = t.get_in(path, cookies, lang).await;
        assert_eq!(res.status, status, "{path}: {}", res.body);
        assert!(res.header(header::CONTENT_TYPE).starts_with("text/html"));
        assert!(res.body.contains(text), "{path} in {lang}");
    }
}

/// The unit form: the CSRF token, the unit's code and names, then `more` fields.
fn unit_form<'a>(
    code: &'a str,
    name_zh: &'a str,
    name_en: &'a str,
    more: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("_csrf", CSRF),
        ("code", code),
        ("name_zh", name_zh),
        ("name_en", name_en),
    ];
    fields.extend_from_slice(more);
    fields
}

#[tokio::test]
async fn every_page_renders_for_the_admin_in_both_languages() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    let n = t.nodes;
    let resident_id = t
        .app
        .list_users(
            &civicgrid_app::domain::platform::access::Actor::system(),
            Some("resident"),
            1,
            0,
        )
        .await
        .expect("list")[0]
        .id;
    // (path, English text, Chinese text)
    let pages = [
        ("/org".to_owned(), "Organisation", "组织架构"),
        (format!("/org/{}", n.city), "Test City", "测试市"),
        (format!("/org/{}", n.community), "Units beneath", "下级单元"),
        (format!("/org/{}", n.grid), "Grid One", "第一网格"),
        (
            format!("/org/{}/new", n.community),
            "New Grid in Xingfu Community",
            "在幸福社区下新建网格",
        ),
        (
            format!("/org/{}/edit", n.community),
            "Edit Xingfu Community",
            "编辑幸福社区",
        ),
        ("/users".to_owned(), "New account", "新建账号"),
        ("/users?q=res&page=1".to_owned(), "resident", "resident"),
        ("/users/new".to_owned(), "Create account", "创建账号"),
        (format!("/users/{resident_id}"), "Grant a role", "分配角色"),
        ("/account".to_owned(), "Change password", "修改密码"),
        ("/audit".to_owned(), "Created a unit", "新建单元"),
        ("/audit/verify".to_owned(), "The log is intact", "日志完整"),
        ("/tokens".to_owned(), "Issue a token", "签发令牌"),
    ];
    for (path, en, zh) in &pages {
        for (lang, text) in [(EN, en), (ZH, zh)] {
            let res = t.get_in(path, &admin, lang).await;
            assert_eq!(res.status, StatusCode::OK, "{path} in {lang}: {}", res.body);
            assert!(
                res.body.contains(text),
                "{path} in {lang} lacks {text:?}:\n{}",
                res.body
            );
            assert!(
                res.header(header::CONTENT_TYPE).starts_with("text/html"),
                "{path} is not HTML"
            );
            assert_csp_clean(path, &res.body);
        }
    }
}

#[tokio::test]
async fn unauthenticated_visitors_are_sent_to_sign_in() {
    let t = TestApp::new().await;
    for (path, next) in [
        ("/org", "/login?next=/org"),
        ("/users?q=a", "/login?next=/users%3Fq%3Da"),
        ("/account", "/login?next=/account"),
        ("/audit", "/login?next=/audit"),
        ("/tokens", "/login?next=/tokens"),
    ] {
        let res = t.get(path, "").await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(res.location(), next, "{path}");
    }
}

#[tokio::test]
async fn a_resident_sees_the_org_but_nothing_else() {
    let t = TestApp::new().await;
    let resident = t.login("resident").await;
    let n = t.nodes;
    for path in [
        "/org".to_owned(),
        format!("/org/{}", n.grid),
        format!("/org/{}/map.svg", n.grid),
        "/account".to_owned(),
    ] {
        t.get(&path, &resident).await.assert_status(StatusCode::OK);
    }
    // The resident's own grid shows no edit buttons.
    let grid = t.get(&format!("/org/{}", n.grid), &resident).await;
    assert!(
        !grid.body.contains("/edit\""),
        "edit link shown to a resident"
    );
    for path in [
        "/users".to_owned(),
        "/users/new".to_owned(),
        "/audit".to_owned(),
        "/audit/verify".to_owned(),
        "/tokens".to_owned(),
        format!("/org/{}/edit", n.grid),
        format!("/org/{}/new", n.community),
    ] {
        assert_error_page(
            &t,
            &path,
            &resident,
            StatusCode::FORBIDDEN,
            ["Not allowed", "无权操作"],
        )
        .await;
    }
    // Nodes outside what the resident may browse are not found, like missing ones.
    for path in [
        format!("/org/{}", n.other_community),
        format!("/org/{}", n.district),
        "/org/9999999".to_owned(),
    ] {
        assert_error_page(
            &t,
            &path,
            &resident,
            StatusCode::NOT_FOUND,
            ["Not found", "未找到"],
        )
        .await;
    }
}

#[tokio::test]
async fn staff_are_bounded_by_their_community() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let n = t.nodes;
    for (path, status) in [
        (format!("/org/{}/edit", n.community), StatusCode::OK),
        (format!("/org/{}/new", n.community), StatusCode::OK),
        // Above or beside the community: out of the staff's sight, so not found.
        (format!("/org/{}/edit", n.street), StatusCode::NOT_FOUND),
        (format!("/org/{}", n.other_community), StatusCode::NOT_FOUND),
    ] {
        t.get(&path, &staff).await.assert_status(status);
    }
    // The list of accounts holds only people of the community.
    let list = t.get("/users", &staff).await;
    list.assert_status(StatusCode::OK)
        .assert_contains("resident");
    assert!(
        !list.body.contains("other_staff"),
        "an out-of-scope account is listed"
    );
    let res = t
        .post_form(
            &format!("/org/{}/children", n.other_community),
            &unit_form("X-1", "外", "Out", &[]),
            &staff,
        )
        .await;
    res.assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_node_created_through_the_form_shows_up() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let n = t.nodes;
    let boundary = crate::support::square(114.28, 30.505, 0.002);
    let res = t
        .post_form(
            &format!("/org/{}/children", n.community),
            &unit_form(
                "TC-D-S1-C1-G3",
                "第三网格",
                "Grid Three",
                &[("boundary", &boundary), ("reason", "new building")],
            ),
            &staff,
        )
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    let location = res.location().to_owned();
    assert!(
        location.starts_with("/org/") && location.ends_with("?done=created"),
        "{location}"
    );
    t.get(&location, &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Grid Three")
        .assert_contains("TC-D-S1-C1-G3")
        .assert_contains("Created.");
    t.get_in(&location, &staff, ZH)
        .await
        .assert_contains("第三网格")
        .assert_contains("已创建");
    t.get("/org", &staff).await.assert_contains("Grid Three");
    // The community's map now links to the new grid.
    let id = location
        .trim_start_matches("/org/")
        .trim_end_matches("?done=created");
    let map = t
        .get(&format!("/org/{}/map.svg", n.community), &staff)
        .await;
    map.assert_status(StatusCode::OK)
        .assert_contains(&format!("href=\"/org/{id}\""));
    assert_eq!(map.header(header::CONTENT_TYPE), "image/svg+xml");
    assert!(map.body.contains("class=\"grid-area\""));
    // And the change is in the audit log, with its reason.
    let admin = t.login("admin").await;
    t.get(
        &format!("/audit?target_type=org_node&target_id={id}"),
        &admin,
    )
    .await
    .assert_contains("new building");
}

#[tokio::test]
async fn invalid_geojson_re_renders_the_form_with_the_values_kept() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let path = format!("/org/{}/children", t.nodes.community);
    let broken = "{\"type\":\"Polygon\",\"coordinates\":[[[1,2]]]";
    let fields = unit_form(
        "TC-D-S1-C1-G9",
        "坏网格",
        "Bad Grid",
        &[("boundary", broken)],
    );
    let res = t.post_form(&path, &fields, &staff).await;
    res.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("The boundary is not a valid GeoJSON polygon")
        .assert_contains("invalid GeoJSON")
        .assert_contains("value=\"TC-D-S1-C1-G9\"")
        .assert_contains("value=\"Bad Grid\"")
        .assert_contains("aria-invalid=\"true\" aria-describedby=\"boundary-error\"");
    let zh = t.post_form_in(&path, &fields, &staff, ZH).await;
    zh.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("边界不是有效的 GeoJSON 多边形");
    // A valid JSON of the wrong geometry names the problem too.
    let point = "{\"type\":\"Point\",\"coordinates\":[114.3,30.5]}";
    let point = unit_form("TC-D-S1-C1-G9", "点", "Point", &[("boundary", point)]);
    t.post_form(&path, &point, &staff)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("expected a Polygon or MultiPolygon, got Point");
    // Nothing was created.
    assert!(!t.get("/org", &staff).await.body.contains("Bad Grid"));
    // A duplicate code is a conflict shown on the form.
    let dup = unit_form("TC-D-S1-C1-G1", "重复", "Duplicate", &[]);
    t.post_form(&path, &dup, &staff)
        .await
        .assert_status(StatusCode::CONFLICT)
        .assert_contains("Already in use");
}

#[tokio::test]
async fn editing_a_node_through_the_form() {
    let t = TestApp::new().await;
    let street = t.login("street").await;
    let path = format!("/org/{}/edit", t.nodes.community);
    let form = t.get(&path, &street).await;
    form.assert_status(StatusCode::OK)
        .assert_contains("value=\"Xingfu Community\"");
    let res = t
        .post_form(
            &path,
            &unit_form(
                "TC-D-S1-C1",
                "幸福里社区",
                "Xingfuli Community",
                &[("boundary", "")],
            ),
            &street,
        )
        .await;
    res.assert_status(StatusCode::SEE_OTHER);
    t.get(res.location(), &street)
        .await
        .assert_contains("Xingfuli Community")
        .assert_contains("Saved.");
    let bad = t
        .post_form(&path, &unit_form("bad code!", "x", "y", &[]), &street)
        .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("Check the code")
        .assert_contains("value=\"bad code!\"");
}

#[tokio::test]
async fn form_posts_without_the_csrf_token_are_refused() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let path = format!("/org/{}/children", t.nodes.community);
    let mut fields = unit_form("TC-D-S1-C1-G7", "七", "Seven", &[]);
    // Without the token.
    let res = t.post_form(&path, &fields[1..], &staff).await;
    res.assert_status(StatusCode::FORBIDDEN)
        .assert_contains("The form has expired");
    // With a token that is not the browser's.
    fields[0] = ("_csrf", "not-the-token");
    t.post_form(&path, &fields, &staff)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    assert!(!t.get("/org", &staff).await.body.contains("Seven"));
    for path in ["/users", "/tokens", "/account/password"] {
        t.post_form(path, &[], &staff)
            .await
            .assert_status(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn malformed_ids_and_queries_are_client_errors() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    for (path, status) in [
        ("/org/abc", StatusCode::BAD_REQUEST),
        ("/org/999999", StatusCode::NOT_FOUND),
        ("/users?page=x", StatusCode::BAD_REQUEST),
        ("/users?page=99999999999999999", StatusCode::OK),
        ("/audit?before_seq=zz", StatusCode::BAD_REQUEST),
        ("/audit?target_type=&target_id=&before_seq=", StatusCode::OK),
        ("/users/12x", StatusCode::BAD_REQUEST),
    ] {
        t.get(path, &admin).await.assert_status(status);
    }
}

/// A refusal reads as the product, in the reader's language, and the user stays
/// signed in on it (their name and sign-out in the top bar).
#[tokio::test]
async fn a_refusal_page_is_in_chinese_and_keeps_the_user_signed_in() {
    let t = TestApp::new().await;
    let resident = t.login("resident").await;
    let res = t.get_in("/audit", &resident, "zh-CN").await;
    res.assert_status(StatusCode::FORBIDDEN)
        .assert_contains("无权操作")
        .assert_contains("您的账号没有在这里进行此操作的权限")
        .assert_contains("action=\"/logout\"");
    for english in ["forbidden", "you may not"] {
        assert!(!res.body.contains(english), "{english} on the page");
    }
    let missing = t.get_in("/users/999999", &resident, "zh-CN").await;
    assert!(missing.status.is_client_error());
    missing.assert_contains("action=\"/logout\"");
}

/// Sessions are listed by the device people signed in with, not its raw text.
#[tokio::test]
async fn sessions_show_device_names() {
    let t = TestApp::new().await;
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("cg_csrf={CSRF}"))
        .header(
            header::USER_AGENT,
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
        )
        .body(axum::body::Body::from(format!(
            "_csrf={CSRF}&username=staff&password={}&next=%2F",
            crate::support::PASSWORD
        )))
        .expect("a request");
    let res = t.send(req).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let staff = t.login("staff").await;
    let page = t.get_in("/account", &staff, "zh-CN").await;
    page.assert_status(StatusCode::OK)
        .assert_contains("Chrome · Android")
        .assert_contains("未知设备");
    assert!(!page.body.contains("Mozilla/5.0"), "raw user agent shown");
}

/// A boundary is checked on a map before it is saved: 预览 draws it and saves nothing;
/// one that does not read is named on the field.
#[tokio::test]
async fn a_boundary_is_previewed_before_it_is_saved() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let path = format!("/org/{}/edit", t.nodes.grid);
    let form = t.get_in(&path, &staff, "zh-CN").await;
    form.assert_status(StatusCode::OK)
        .assert_contains("上传边界文件")
        .assert_contains("name=\"preview\"");
    let square = r#"{"type":"Polygon","coordinates":[[[114.30,30.50],[114.31,30.50],[114.31,30.51],[114.30,30.51],[114.30,30.50]]]}"#;
    let before = t.get(&format!("/org/{}", t.nodes.grid), &staff).await.body;
    let preview = t
        .post_form(
            &path,
            &unit_form(
                "TC-D-S1-C1-G1",
                "第一网格",
                "Grid One",
                &[("boundary", square), ("preview", "1")],
            ),
            &staff,
        )
        .await;
    preview
        .assert_status(StatusCode::OK)
        .assert_contains("<svg")
        .assert_contains("grid-area highlight");
    // Nothing was saved.
    let after = t.get(&format!("/org/{}", t.nodes.grid), &staff).await.body;
    assert_eq!(before.contains("114.3"), after.contains("114.3"));
    let bad = t
        .post_form(
            &path,
            &unit_form(
                "TC-D-S1-C1-G1",
                "第一网格",
                "Grid One",
                &[("boundary", "{\"type\":\"Point\"}"), ("preview", "1")],
            ),
            &staff,
        )
        .await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("id=\"boundary-error\"");
}
