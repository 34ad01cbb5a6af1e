//! See `security.rs`. Uploads to the import page: a small workbook that would unpack
//! or spread to gigabytes is refused at once with the reason; the rejected rows kept
//! are bounded, masked, neutralised against formulas, audited when downloaded, and
//! expire with a clear answer.

use std::io::Write;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use civicgrid_store::platform::audit::{AuditFilter, list};

use crate::support::ledger::{HEADER, finished, upload_file};
use crate::support::*;

const GOOD: &str = "TC-D-S1-C1,TC-D-S1-C1-G1,1,1,101,刘轩博,男,1979-02-15,420106197902152796,19078002145,户主,户籍,,142.4,自有";

async fn upload(t: &TestApp, cookies: &str, name: &str, file: &[u8]) -> TestResponse {
    let kind = if name.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv"
    };
    upload_file(t, cookies, &[], (name, kind, file)).await
}

/// Uploads `file` and gives the page that answers in the end: the form again (422)
/// when the upload is refused at once, else the job's page once the import ended.
async fn outcome(t: &TestApp, cookies: &str, name: &str, file: &[u8]) -> TestResponse {
    let res = upload(t, cookies, name, file).await;
    if res.status.is_redirection() {
        let job = res.location().to_owned();
        finished(t, cookies, &job).await
    } else {
        res
    }
}

/// A workbook of the given parts (name, XML), deflated.
fn workbook(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    for (name, xml) in parts {
        zip.start_file(*name, opts).expect("zip part");
        for piece in xml.chunks(1 << 20) {
            zip.write_all(piece).expect("zip write");
        }
    }
    zip.finish().expect("zip").into_inner()
}

const RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const BOOK: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const BOOK_RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// A sheet: an optional `<dimension>`, the header row, then `rows` (already XML).
fn sheet(dimension: Option<&str>, rows: &str) -> Vec<u8> {
    let mut header = String::from("<row r=\"1\">");
    for (i, name) in HEADER.split(',').enumerate() {
        let col = char::from(b'A' + i as u8);
        header.push_str(&format!(
            "<c r=\"{col}1\" t=\"inlineStr\"><is><t>{name}</t></is></c>"
        ));
    }
    header.push_str("</row>");
    let dimension = dimension
        .map(|d| format!("<dimension ref=\"{d}\"/>"))
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">{dimension}<sheetData>{header}{rows}</sheetData></worksheet>"
    )
    .into_bytes()
}

fn book_with(sheet_xml: &[u8], more: &[(&str, &[u8])]) -> Vec<u8> {
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", BOOK),
        ("xl/_rels/workbook.xml.rels", BOOK_RELS),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ];
    parts.extend_from_slice(more);
    workbook(&parts)
}

/// Sets the unpacked size a zip declares for its part `name` (in the local header and
/// the central directory).
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for at in 0..zip.len().saturating_sub(46) {
        let (sig, name_at, len_at, size_at) = match &zip[at..at + 4] {
            b"PK\x03\x04" => ("local", 30, 26, 22),
            b"PK\x01\x02" => ("central", 46, 28, 24),
            _ => continue,
        };
        let len = u16::from_le_bytes([zip[at + len_at], zip[at + len_at + 1]]) as usize;
        if zip.get(at + name_at..at + name_at + len) == Some(name.as_bytes()) {
            zip[at + size_at..at + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
            let _ = sig;
        }
    }
    assert_eq!(patched, 2, "{name} found in both headers");
}

#[track_caller]
fn refused_with(page: &TestResponse, started: Instant, needle: &str) {
    assert!(
        page.status == StatusCode::UNPROCESSABLE_ENTITY || page.body.contains("Failed"),
        "not refused: {} {}",
        page.status,
        page.body
    );
    assert!(
        page.body.contains(needle),
        "expected {needle:?} in:\n{}",
        page.body
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_bombs_are_refused_at_once_with_the_reason() {
    let t = TestApp::new().await;
    t.app.prepare().await.expect("prepare");
    let staff = t.login("staff").await;

    // Cells at A1 and XFD1048576, declared so: 17 billion cells between them. Refused
    // from the sheet's declared size, before any cell is read.
    let far = book_with(
        &sheet(
            Some("A1:XFD1048576"),
            "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row>",
        ),
        &[],
    );
    assert!(far.len() < 4096, "a small file: {} bytes", far.len());
    let started = Instant::now();
    let page = outcome(&t, &staff, "far.xlsx", &far).await;
    refused_with(&page, started, "column XFD");

    // The same cells without a declared size: read a cell at a time, nothing is kept
    // for the cells between, and the import ends at once with nothing to import.
    let undeclared = book_with(
        &sheet(
            None,
            "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row>",
        ),
        &[],
    );
    let started = Instant::now();
    let page = outcome(&t, &staff, "undeclared.xlsx", &undeclared).await;
    page.assert_contains("Finished")
        .assert_contains("<th>Inserted</th><td>0</td>");
    assert!(started.elapsed() < Duration::from_secs(20));

    // Shared strings (read whole) that unpack to 200 MB from a few hundred KB.
    let mut strings = br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#.to_vec();
    strings
        .extend(std::iter::repeat_n(&b"<si><t>a</t></si>"[..], 200 * 1024 * 1024 / 17).flatten());
    strings.extend_from_slice(b"</sst>");
    let bomb = book_with(&sheet(None, ""), &[("xl/sharedStrings.xml", &strings)]);
    drop(strings);
    assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
    let started = Instant::now();
    let page = outcome(&t, &staff, "strings.xlsx", &bomb).await;
    refused_with(&page, started, "unpacks to more than it may");
    page.assert_contains("xl/sharedStrings.xml");

    // A sheet declaring 3 GB unpacked (its real size does not matter).
    let mut huge = book_with(&sheet(None, ""), &[]);
    declare_size(&mut huge, "xl/worksheets/sheet1.xml", 3 << 30);
    let started = Instant::now();
    let page = outcome(&t, &staff, "huge.xlsx", &huge).await;
    refused_with(&page, started, "unpacks to more than it may");

    // A sheet declaring less than it unpacks to: unpacking stops at the declared size.
    let mut padded = sheet(None, "");
    let at = padded.len() - "</sheetData></worksheet>".len();
    padded.splice(at..at, std::iter::repeat_n(b' ', 64 * 1024 * 1024));
    let mut liar = book_with(&padded, &[]);
    drop(padded);
    declare_size(&mut liar, "xl/worksheets/sheet1.xml", 2000);
    let started = Instant::now();
    let page = outcome(&t, &staff, "liar.xlsx", &liar).await;
    refused_with(&page, started, "declared");

    // Shared strings declaring more entries than they can hold (the reader reserves
    // room for them all at once).
    let counted = br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count = '1' uniqueCount = ' +0099999999999999999'><si><t>a</t></si></sst>"#;
    let book = book_with(&sheet(None, ""), &[("xl/sharedStrings.xml", counted)]);
    let started = Instant::now();
    let page = outcome(&t, &staff, "count.xlsx", &book).await;
    refused_with(&page, started, "declare more entries");

    // A sound workbook still imports.
    let good_row = GOOD
        .split(',')
        .enumerate()
        .map(|(i, v)| {
            let col = char::from(b'A' + i as u8);
            format!("<c r=\"{col}2\" t=\"inlineStr\"><is><t>{v}</t></is></c>")
        })
        .collect::<String>();
    let good = book_with(
        &sheet(Some("A1:O2"), &format!("<row r=\"2\">{good_row}</row>")),
        &[],
    );
    outcome(&t, &staff, "good.xlsx", &good)
        .await
        .assert_contains("Finished")
        .assert_contains("<th>Inserted</th><td>1</td>");
}

/// A CSV of the header, an extra column named like a formula, and `rows`.
fn csv_with(rows: &[String]) -> Vec<u8> {
    let mut text = format!("{HEADER},=HYPERLINK(\"http://evil\")\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    text.into_bytes()
}

/// A row whose ID number is a digit short (so it is rejected), with a valid phone.
fn bad_row(i: usize) -> String {
    format!(
        "TC-D-S1-C1,TC-D-S1-C1-G1,1,1,101,王错号,男,1980-01-01,4201061980010{:04},13912345678,户主,户籍,,,自有,x",
        i % 10_000
    )
}

fn job_id(job: &str) -> i64 {
    job.rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("a job id")
}

async fn downloads(t: &TestApp, job: i64) -> usize {
    let mut conn = t.app.db().read().await.expect("conn");
    list(
        &mut conn,
        &AuditFilter {
            target_type: Some("import_job".into()),
            target_id: Some(job.to_string()),
            ..AuditFilter::default()
        },
        100,
    )
    .await
    .expect("audit")
    .iter()
    .filter(|e| e.fields.action == "ledger.import.rejects.download")
    .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_rows_are_masked_neutralised_bounded_audited_and_expire() {
    let t = TestApp::new().await;
    t.app.prepare().await.expect("prepare");
    let staff = t.login("staff").await;

    // 10,050 rejected rows: the first 10,000 are kept, the rest counted.
    let mut rows = vec![GOOD.to_owned() + ",x"];
    rows.extend((0..10_050).map(bad_row));
    let res = upload(&t, &staff, "residents.csv", &csv_with(&rows)).await;
    assert!(res.status.is_redirection(), "{}: {}", res.status, res.body);
    let job = res.location().to_owned();
    let id = job_id(&job);
    let page = finished(&t, &staff, &job).await;
    page.assert_contains("<th>Inserted</th><td>1</td>")
        .assert_contains("<th>Rejected</th><td>10050</td>")
        .assert_contains("Rejected rows not listed: 50")
        .assert_contains("masked")
        .assert_contains(&format!("{job}/rejects"));

    let file = t.get(&format!("{job}/rejects"), &staff).await;
    file.assert_status(StatusCode::OK);
    let csv = file.body.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 10_000, "header and the first 10,000 rows");
    // The header's cells are neutralised like the rows'.
    assert!(lines[0].starts_with("line,社区,"), "{}", lines[0]);
    assert!(lines[0].contains("'=HYPERLINK"), "{}", lines[0]);
    assert!(!lines[0].contains(",=HYPERLINK"), "{}", lines[0]);
    // The first kept row is line 3 (line 2 imported), masked as on screen.
    assert!(lines[1].starts_with("3,"), "{}", lines[1]);
    assert!(lines[1].contains("139****5678"), "{}", lines[1]);
    assert!(lines[1].contains("420106*******0000"), "{}", lines[1]);
    assert!(!csv.contains("13912345678"));
    assert!(!csv.contains("4201061980010"));
    assert!(!csv.contains("420106197902152796"));
    assert!(lines[1].contains("王错号") && lines[1].contains("id_number"));
    assert_eq!(downloads(&t, id).await, 1);
    t.get(&format!("{job}/rejects"), &staff)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(downloads(&t, id).await, 2, "each download is audited");
    // Nobody else downloads them (nor is audited doing so).
    let other = t.login("other_staff").await;
    t.get(&format!("{job}/rejects"), &other)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(downloads(&t, id).await, 2);

    // Once their time is up, the page and the download say so.
    {
        use sqlx::Executor;
        let mut conn = t.app.db().read().await.expect("conn");
        conn.execute("UPDATE import_job_rejects SET expires_at = 1")
            .await
            .expect("expire");
    }
    t.get(&job, &staff)
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("kept for 7 days and have been deleted");
    t.get(&format!("{job}/rejects"), &staff)
        .await
        .assert_status(StatusCode::GONE)
        .assert_contains("kept for 7 days and have been deleted");
    assert_eq!(downloads(&t, id).await, 2);
    // The next import deletes them.
    let res = upload(
        &t,
        &staff,
        "residents.csv",
        &csv_with(&[GOOD.to_owned() + ",x"]),
    )
    .await;
    finished(&t, &staff, res.location()).await;
    let mut conn = t.app.db().read().await.expect("conn");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_job_rejects")
        .fetch_one(&mut *conn)
        .await
        .expect("count");
    assert_eq!(left, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_read_from_its_temporary_file_in_every_encoding() {
    let t = TestApp::new().await;
    t.app.prepare().await.expect("prepare");
    let staff = t.login("staff").await;
    let text = format!("{HEADER}\r\n\r\n{GOOD}\r\n");
    // With a byte-order mark, and with a quoted cell over two lines.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.replace("刘轩博", "\"刘轩博\"").as_bytes());
    let page = outcome(&t, &staff, "bom.csv", &bom).await;
    page.assert_contains("UTF-8 (BOM)")
        .assert_contains("<th>Inserted</th><td>1</td>");
    // A quoted cell over two lines: the rejected row after it is named by its line.
    let quoted = format!(
        "{}{}\r\n",
        text.replace("刘轩博", "\"刘\n轩博\""),
        bad_row(0)
    );
    outcome(&t, &staff, "quoted.csv", quoted.as_bytes())
        .await
        .assert_contains("<th>Rejected</th><td>1</td>")
        .assert_contains("data-label=\"Line\">5</td>");
}
