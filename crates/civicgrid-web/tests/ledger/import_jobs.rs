//! Importing through the upload page: the upload is answered at once with the job's
//! page, which follows the import in the background and ends with the summary and a
//! download of the rejected rows, for the uploader only.

use axum::http::{StatusCode, header};

use crate::support::ledger::{finished, upload_file};
use crate::support::{TestApp, TestResponse};

const CSV: &str = "社区,网格,楼栋,单元,房号,姓名,性别,出生日期,身份证号,联系电话,与户主关系,居住状态,标签,建筑面积,产权
TC-D-S1-C1,TC-D-S1-C1-G1,1,1,101,刘轩博,男,1979-02-15,420106197902152796,19078002145,户主,户籍,,142.4,自有
TC-D-S1-C1,TC-D-S1-C1-G1,1,1,101,杨诗诗,女,1975-11-12,420105197511123502,18757367094,配偶,户籍,,,自有
TC-D-S1-C1,TC-D-S1-C1-G1,1,1,102,王错号,男,1980-01-01,420106198001011234,13800000000,户主,户籍,,,自有
";

async fn upload(t: &TestApp, cookies: &str, file: &str) -> TestResponse {
    upload_file(
        t,
        cookies,
        &[],
        ("residents.csv", "text/csv", file.as_bytes()),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_runs_as_a_job_with_progress_summary_and_rejects() {
    let t = TestApp::new().await;
    t.app.prepare().await.unwrap();
    let staff = t.login("staff").await;

    let res = upload(&t, &staff, CSV).await;
    assert!(res.status.is_redirection(), "{}: {}", res.status, res.body);
    let job = res.location().to_owned();
    assert!(job.starts_with("/ledger/import/jobs/"), "{job}");

    let page = finished(&t, &staff, &job).await;
    page.assert_contains("Finished")
        .assert_contains("<th>Inserted</th><td>2</td>")
        .assert_contains("<th>Rejected</th><td>1</td>")
        .assert_contains(&format!("{job}/rejects"));
    // The rejected row is named by its line; the reason says what is wrong.
    page.assert_contains("data-label=\"Line\">4</td>")
        .assert_contains("id_number");

    let rejects = t.get(&format!("{job}/rejects"), &staff).await;
    rejects.assert_status(StatusCode::OK);
    assert!(rejects.header(header::CONTENT_TYPE).starts_with("text/csv"));
    assert!(rejects.body.contains("王错号"), "{}", rejects.body);
    assert!(!rejects.body.contains("刘轩博"));
    // ID numbers and phones are masked in it; the line finds the row in the file.
    assert!(
        rejects.body.contains("420106********1234"),
        "{}",
        rejects.body
    );
    assert!(rejects.body.contains("138****0000"), "{}", rejects.body);
    assert!(!rejects.body.contains("420106198001011234"));

    // The import page lists the job.
    t.get("/ledger/import", &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains(&job);

    // Nobody else sees it, or its rejected rows.
    let other = t.login("other_staff").await;
    t.get(&job, &other)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get(&format!("{job}/rejects"), &other)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get("/ledger/import/jobs/999999", &staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.get("/ledger/import/jobs/nope", &staff)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // The rejected rows are sealed at rest, like every personal value, and kept
    // apart from the job.
    let mut conn = t.app.db().read().await.unwrap();
    let id: i64 = job.rsplit('/').next().unwrap().parse().unwrap();
    let sealed: Vec<String> = sqlx::query_scalar(
        "SELECT preview_enc || file_enc FROM import_job_rejects WHERE job_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(sealed.len(), 1);
    assert!(!sealed[0].contains("4201061980") && !sealed[0].contains("王错号"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_cannot_be_read_fails_the_job_with_the_reason() {
    let t = TestApp::new().await;
    t.app.prepare().await.unwrap();
    let staff = t.login("staff").await;
    let res = upload(&t, &staff, "just,some,columns\n1,2,3\n").await;
    assert!(res.status.is_redirection(), "{}: {}", res.status, res.body);
    let page = finished(&t, &staff, res.location()).await;
    page.assert_contains("Failed").assert_contains("column");
    // Re-running the good file afterwards works.
    let res = upload(&t, &staff, CSV).await;
    finished(&t, &staff, res.location())
        .await
        .assert_contains("<th>Inserted</th><td>2</td>");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_upload_stays_on_the_form() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    upload(&t, &staff, "")
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("Choose a file");
}
