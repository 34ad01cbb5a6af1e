//! Staff correct a request's category from its page: a choice among the listed
//! categories, kept on the timeline; a wrong choice names the field.

use axum::http::StatusCode;

use super::support::TestApp;
use super::support::requests::report;

#[tokio::test]
async fn staff_correct_the_category_from_the_request_page() {
    let t = TestApp::new().await;
    let resident = t.login("resident").await;
    let staff = t.login("staff").await;
    let id = report(&t, &resident, "小区东门的绿化带被车压坏了").await;
    let path = format!("/requests/{id}");

    // The resident reads the request without the correction form; staff have it.
    let theirs = t.get(&path, &resident).await;
    assert!(
        !theirs.body.contains("/category\""),
        "offered to the resident"
    );
    t.get_in(&path, &staff, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&format!("action=\"/requests/{id}/category\""))
        .assert_contains("更正分类");

    let refused = t
        .submit(&format!("{path}/category"), &[&[("category", "")]], &staff)
        .await;
    refused
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("aria-invalid=\"true\"");

    let done = t
        .submit(
            &format!("{path}/category"),
            &[&[("category", "greenery"), ("reason", "绿化带属于绿化")]],
            &staff,
        )
        .await;
    done.assert_status(StatusCode::SEE_OTHER);
    assert!(done.location().contains("done=request_recategorized"));
    let page = t.get_in(done.location(), &staff, "zh-CN").await;
    page.assert_contains("已更正分类")
        .assert_contains("更改分类")
        .assert_contains("绿化带属于绿化");
    // The resident reads the request under its corrected category.
    t.get_in(&path, &resident, "zh-CN")
        .await
        .assert_contains("绿化养护");

    let forbidden = t
        .submit(
            &format!("{path}/category"),
            &[&[("category", "noise")]],
            &resident,
        )
        .await;
    assert!(
        matches!(
            forbidden.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ),
        "{}",
        forbidden.status
    );
}
