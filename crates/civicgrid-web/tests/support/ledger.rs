//! What the ledger tests share: a resident to look at, the residents file's header,
//! the upload form, and following an import job to its end.

use std::time::Duration;

use axum::http::StatusCode;
use civicgrid_app::ledger::ResidentInput;

use super::{TestApp, TestResponse, multipart};

/// 张秀英's ID number.
pub const ZHANG_ID: &str = "11010519491231002X";

/// 张秀英 with her ID number and phone, `tags`, head of an owner household of `area` m²
/// in room 501 of 3栋 2单元 (5th floor) in the test grid, after the catalogue is ready:
/// (household, resident).
pub async fn zhang_xiuying(t: &TestApp, area: Option<&str>, tags: &[&str]) -> (i64, i64) {
    t.app.prepare().await.expect("prepare");
    let (_, household) = t
        .household_in(
            t.nodes.grid,
            ("3栋", "2单元", "501", Some(5)),
            "owner",
            area,
        )
        .await;
    let resident = t
        .resident(ResidentInput {
            household_id: household,
            name: "张秀英".into(),
            id_number: Some(ZHANG_ID.into()),
            phone: Some("13812345678".into()),
            relation: "head".into(),
            tags: tags.iter().map(|&tag| tag.into()).collect(),
            ..ResidentInput::default()
        })
        .await;
    (household, resident)
}

/// The header row of a residents file, in the order the import expects.
pub const HEADER: &str = "社区,网格,楼栋,单元,房号,姓名,性别,出生日期,身份证号,联系电话,与户主关系,居住状态,标签,建筑面积,产权";

/// Posts the import form: the CSRF token, `fields`, then `file` named `name` of
/// `content_type`.
pub async fn upload_file(
    t: &TestApp,
    cookies: &str,
    fields: &[(&str, &str)],
    (name, content_type, file): (&str, &str, &[u8]),
) -> TestResponse {
    let file = multipart::File {
        field: "file",
        name,
        content_type,
        data: file,
    };
    multipart::submit(t, "/ledger/import", cookies, fields, Some(file)).await
}

/// Follows a job's page until its import has ended.
pub async fn finished(t: &TestApp, cookies: &str, path: &str) -> TestResponse {
    for _ in 0..600 {
        let page = t.get(path, cookies).await;
        page.assert_status(StatusCode::OK);
        if !page.body.contains("Importing…") {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let last = t.get(path, cookies).await;
    panic!("the import job at {path} did not finish: {}", last.body);
}
