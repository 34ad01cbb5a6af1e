//! A supervisor clears the flag a poor rating left, on the request's page and through
//! the API.

use axum::http::StatusCode;

use crate::support::requests::{flag_poor_ratings, json, parsed, poorly_rated};
use crate::support::{CSRF, TestApp};

#[tokio::test]
async fn a_supervisor_clears_the_flag_of_a_poor_rating() {
    let t = TestApp::new().await;
    let admin = t.login("admin").await;
    let resident = t.login("resident").await;
    let staff = t.login("staff").await;
    let grid = t.login("grid").await;
    let auditor = t.login("auditor").await;
    flag_poor_ratings(&t, &admin).await;

    // The page: the form shows for a supervisor only, and needs a reason.
    let id = poorly_rated(&t, &resident, &staff, "楼道灯又坏了，上次没修好").await;
    let action = format!("action=\"/requests/{id}/flag/clear\"");
    t.get(&format!("/requests/{id}"), &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("Flagged")
        .assert_contains(&action);
    let worker_view = t.get(&format!("/requests/{id}"), &grid).await;
    assert!(!worker_view.body.contains(&action), "{}", worker_view.body);
    t.post_form(
        &format!("/requests/{id}/flag/clear"),
        &[("_csrf", CSRF), ("reason", "已回访")],
        &grid,
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    t.post_form(
        &format!("/requests/{id}/flag/clear"),
        &[("_csrf", CSRF), ("reason", "  ")],
        &staff,
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("id=\"reason-error\"");
    let cleared = t
        .post_form(
            &format!("/requests/{id}/flag/clear"),
            &[("_csrf", CSRF), ("reason", "已回访，重新派单维修")],
            &staff,
        )
        .await;
    cleared.assert_status(StatusCode::SEE_OTHER);
    assert!(cleared.location().contains("done=request_flag_cleared"));
    let page = t
        .get(&format!("/requests/{id}?done=request_flag_cleared"), &staff)
        .await;
    page.assert_contains("Flag cleared")
        .assert_contains("已回访，重新派单维修");
    assert!(!page.body.contains(&action));
    // The note is internal: the resident does not read it.
    let mine = t.get(&format!("/requests/{id}"), &resident).await;
    assert!(!mine.body.contains("已回访，重新派单维修"), "{}", mine.body);

    // The API: who may, a reason required, and only while flagged.
    let id2 = poorly_rated(&t, &resident, &staff, "垃圾桶满了没人清，还是没人管").await;
    let path = format!("/api/v1/requests/{id2}/flag/clear");
    json(&t, "POST", &path, &grid, r#"{"reason":"已回访"}"#)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    json(&t, "POST", &path, &auditor, r#"{"reason":"已回访"}"#)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    json(&t, "POST", &path, &resident, r#"{"reason":"已回访"}"#)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let no_reason = json(&t, "POST", &path, &staff, "{}").await;
    no_reason.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(parsed(&no_reason)["error"]["code"], "invalid_input");
    assert!(no_reason.body.contains("reason"), "{}", no_reason.body);
    json(&t, "POST", &path, &staff, r#"{"reason":"x","extra":1}"#)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    json(&t, "POST", &path, &staff, "{oops")
        .await
        .assert_status(StatusCode::BAD_REQUEST);
    let ok = json(
        &t,
        "POST",
        &path,
        &staff,
        r#"{"reason":"已回访，居民认可"}"#,
    )
    .await;
    ok.assert_status(StatusCode::OK);
    let v = parsed(&ok);
    assert_eq!(v["flagged"], false);
    assert_eq!(v["status"], "resolved");
    json(&t, "POST", &path, &staff, r#"{"reason":"再来一次"}"#)
        .await
        .assert_status(StatusCode::CONFLICT);
    json(
        &t,
        "POST",
        "/api/v1/requests/999999/flag/clear",
        &staff,
        r#"{"reason":"x"}"#,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
}
