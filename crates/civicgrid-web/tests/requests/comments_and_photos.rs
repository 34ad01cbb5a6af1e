//! Comments and photos on a request through the API: who may add and read them, and
//! what a photo keeps of where it was taken.

use axum::body::Body;
use axum::http::{StatusCode, header};

use crate::support::requests::{api_get, id_from, json, parsed, photo, png, take_call};
use crate::support::{CSRF, TestApp, TestResponse, multipart};

/// A PNG with a text chunk saying where it was taken, which must not be stored.
fn png_with_location() -> Vec<u8> {
    png(64, 48, Some(b"Location\0GPS 30.5912 114.3051"))
}

/// A multipart body: text fields, then an optional photo claiming a content type.
fn upload_form(fields: &[(&str, &str)], claimed: Option<(&str, &[u8])>) -> Vec<u8> {
    multipart::body(fields, claimed.map(|(kind, data)| photo(kind, data)))
}

async fn upload(t: &TestApp, id: i64, cookies: &str, body: Vec<u8>) -> TestResponse {
    let req = multipart::post(&format!("/api/v1/requests/{id}/photos"), cookies)
        .header("x-csrf-token", CSRF)
        .body(Body::from(body))
        .expect("request");
    t.send(req).await
}

#[tokio::test]
async fn comments_and_photos_through_the_api() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let auditor = t.login("auditor").await;
    let resident = t.login("resident").await;
    let taken = take_call(&t, &staff, &[]).await;
    taken.assert_status(StatusCode::SEE_OTHER);
    let id = id_from(&taken);

    // Comments.
    let path = format!("/api/v1/requests/{id}/comments");
    let added = json(
        &t,
        "POST",
        &path,
        &staff,
        r#"{"text":"已联系物业，明天上午维修","visible":true}"#,
    )
    .await;
    added.assert_status(StatusCode::CREATED);
    assert_eq!(
        added.location(),
        format!("/api/v1/requests/{id}/timeline").as_str()
    );
    let line = parsed(&added);
    assert_eq!(line["kind"], "comment");
    assert_eq!(line["visible"], true);
    assert_eq!(line["note"], "已联系物业，明天上午维修");
    let internal = parsed(&json(&t, "POST", &path, &staff, r#"{"text":"内部备注"}"#).await);
    assert_eq!(internal["visible"], false);
    let empty = json(&t, "POST", &path, &staff, r#"{"text":"   "}"#).await;
    empty.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        parsed(&empty)["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("text"))
    );
    let long = "长".repeat(501);
    let too_long = json(
        &t,
        "POST",
        &path,
        &staff,
        &format!(r#"{{"text":"{long}"}}"#),
    )
    .await;
    too_long.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        parsed(&too_long)["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("text"))
    );
    json(&t, "POST", &path, &staff, r#"{"visible":true}"#)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("text");
    json(&t, "POST", &path, &auditor, r#"{"text":"看看"}"#)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    json(&t, "POST", &path, &resident, r#"{"text":"看看"}"#)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let tl = api_get(&t, &format!("/api/v1/requests/{id}/timeline"), &staff).await;
    tl.assert_contains("已联系物业，明天上午维修")
        .assert_contains("内部备注");

    // Photos: the content decides, location text is stripped.
    let png = png_with_location();
    let up = upload(
        &t,
        id,
        &staff,
        upload_form(&[("stage", "intake")], Some(("image/jpeg", &png))),
    )
    .await;
    up.assert_status(StatusCode::CREATED);
    let photo = parsed(&up);
    assert_eq!(photo["content_type"], "image/png");
    assert_eq!(photo["stage"], "intake");
    assert_eq!(photo["width"], 64);
    let url = photo["url"].as_str().expect("url").to_owned();
    assert_eq!(up.location(), url.as_str());
    let photo_id = photo["id"].as_i64().expect("id");
    let got = t.get(&url, &staff).await;
    got.assert_status(StatusCode::OK);
    assert_eq!(got.header(header::CONTENT_TYPE), "image/png");
    assert!(!got.body.contains("GPS"), "location kept");
    assert!(!got.body.contains("Location"), "text chunk kept");
    // The page serves the same photo.
    t.get(&format!("/requests/photos/{photo_id}"), &staff)
        .await
        .assert_status(StatusCode::OK);
    let list = api_get(&t, &format!("/api/v1/requests/{id}/photos"), &staff).await;
    list.assert_status(StatusCode::OK);
    assert_eq!(parsed(&list).as_array().map(Vec::len), Some(1));
    // Staff uploads default to the resolution stage.
    let resolution =
        parsed(&upload(&t, id, &staff, upload_form(&[], Some(("image/png", &png)))).await);
    assert_eq!(resolution["stage"], "resolution");

    // Bad uploads.
    let not_image = upload(
        &t,
        id,
        &staff,
        upload_form(&[], Some(("image/jpeg", b"<html>not a photo</html>"))),
    )
    .await;
    not_image.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        parsed(&not_image)["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("photo"))
    );
    upload(&t, id, &staff, upload_form(&[("stage", "intake")], None))
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("photo");
    upload(
        &t,
        id,
        &staff,
        upload_form(&[("stage", "before")], Some(("image/png", &png))),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
    .assert_contains("stage");
    upload(
        &t,
        id,
        &staff,
        upload_form(&[("caption", "x")], Some(("image/png", &png))),
    )
    .await
    .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    json(
        &t,
        "POST",
        &format!("/api/v1/requests/{id}/photos"),
        &staff,
        "{}",
    )
    .await
    .assert_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut huge = png.clone();
    huge.resize(9 * 1024 * 1024, 0);
    upload(&t, id, &staff, upload_form(&[], Some(("image/png", &huge))))
        .await
        .assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let mut broken = upload_form(&[], Some(("image/png", &png)));
    broken.truncate(broken.len() / 2);
    let res = upload(&t, id, &staff, broken).await;
    assert!(res.status.is_client_error(), "{}: {}", res.status, res.body);

    // Forbidden and hidden.
    upload(
        &t,
        id,
        &auditor,
        upload_form(&[], Some(("image/png", &png))),
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
    upload(
        &t,
        id,
        &resident,
        upload_form(&[], Some(("image/png", &png))),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    t.get(&url, &resident)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&url, &auditor).await.assert_status(StatusCode::OK);
    let other = id_from(&take_call(&t, &staff, &[("description", "另一件事：井盖松动")]).await);
    t.get(
        &format!("/api/v1/requests/{other}/photos/{photo_id}"),
        &staff,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    t.get(&format!("/api/v1/requests/{id}/photos/x"), &staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&format!("/api/v1/requests/{id}/photos/999999"), &staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
