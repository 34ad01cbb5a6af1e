//! Importing a messy residents file end to end on SQLite: encodings, rejects with
//! line numbers, create-missing, idempotent re-import, updates, XLSX, dry run, export,
//! and no plaintext personal data in the database file.

use civicgrid_app::AppError;
use civicgrid_app::domain::ledger::date::Date;
use civicgrid_app::domain::ledger::id_number::compose;
use civicgrid_app::domain::platform::access::{Actor, Assignment, Role};
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::ledger::export::ExportFormat;
use civicgrid_app::ledger::import::{ImportOptions, ImportSummary};
use civicgrid_store::platform::org::OrgNode;

use crate::support::{CITY, City, World, node_input};

/// The standard city, with the community and grid the files below name: 湖光社区 (HG)
/// and 湖光社区第1网格 (HG-01).
async fn world() -> World {
    World::of(City {
        community: ("HG", "湖光社区"),
        grid: ("HG-01", "湖光社区第1网格"),
        ..CITY
    })
    .await
}

fn id(y: i32, m: u32, d: u32, seq: u16) -> String {
    compose("420102", Date::from_ymd_opt(y, m, d).unwrap(), seq)
        .unwrap()
        .as_str()
        .to_owned()
}

fn bad_check(s: &str) -> String {
    let last = if s.ends_with('1') { "2" } else { "1" };
    format!("{}{last}", &s[..17])
}

const PHONE: &str = "13912345678";

fn messy_csv() -> String {
    let head = id(1960, 4, 5, 11);
    let rows = [
        "社区,网格,楼栋,单元,房号,姓名,性别,出生日期,身份证号,联系电话,与户主关系,居住状态,标签,建筑面积,产权".to_owned(),
        format!("湖光社区,HG-01,3,1,302,张建国,男,1960-04-05,{head},{PHONE},户主,户籍,党员;低保,85.5,自有"),
        format!("HG,湖光社区第1网格,3,1,302,李秀英,,,{},,配偶,户籍,,,自有", id(1962, 8, 1, 22)),
        format!("HG,HG-01,3,1,303,王五,,,{},,户主,户籍,,,自有", bad_check(&id(1970, 1, 1, 1))),
        format!("HG,HG-01,3,1,304,赵六,,1980-01-02,{},,户主,户籍,,,自有", id(1980, 1, 1, 3)),
        format!("HG,HG-01,3,1,305,钱七,,,{},,户主,户籍,巫师,,自有", id(1981, 1, 1, 5)),
        format!("HG,HG-09,5,2,101,孙八,,,{},,户主,流动,,,租住", id(1990, 2, 3, 7)),
        format!("HG,HG-01,3,1,306,周九,,,{head},,户主,户籍,,,自有"),
        format!("HG,HG-01,3,2,501,吴十,女,,{},027-88886666,户主,流动,独居老人,60,租住", id(1940, 3, 3, 8)),
    ];
    rows.join("\r\n") + "\r\n"
}

async fn import(w: &World, name: &str, bytes: Vec<u8>, opts: &ImportOptions) -> ImportSummary {
    w.app
        .import_residents(&Actor::system(), name, bytes, opts)
        .await
        .unwrap()
}

fn counts(s: &ImportSummary) -> (u64, u64, u64, u64) {
    (s.inserted, s.updated, s.unchanged, s.rejected)
}

#[tokio::test]
async fn messy_file_imports_idempotently_in_every_encoding() {
    let w = world().await;
    let csv = messy_csv();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(csv.as_bytes());
    let opts = ImportOptions::default();

    let s = import(&w, "messy.csv", bom.clone(), &opts).await;
    assert_eq!(s.encoding, "UTF-8 (BOM)");
    assert_eq!(counts(&s), (3, 0, 0, 5), "{:?}", s.rejects);
    let lines: Vec<u64> = s.rejects.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![4, 5, 6, 7, 8]);
    assert!(
        s.rejects[0].reason.starts_with("id_number:"),
        "{:?}",
        s.rejects[0]
    );
    assert!(s.rejects[0].reason.contains("check digit"));
    assert!(s.rejects[1].reason.starts_with("birth_date:"));
    assert!(s.rejects[2].reason.contains("'巫师' is not a known tag"));
    assert!(s.rejects[3].reason.contains("unknown grid 'HG-09'"));
    assert!(s.rejects[4].reason.contains("already on line 2"));
    let rejects = String::from_utf8(s.rejects_csv()).unwrap();
    assert!(rejects.contains("reason"));
    assert!(rejects.contains("王五"));

    let again = import(&w, "messy.csv", bom, &opts).await;
    assert_eq!(counts(&again), (0, 0, 3, 5));

    let (gb, _, _) = encoding_rs::GB18030.encode(&csv);
    let gb = import(&w, "messy-gbk.csv", gb.into_owned(), &opts).await;
    assert_eq!(gb.encoding, "GB18030");
    assert_eq!(counts(&gb), (0, 0, 3, 5));

    let create = ImportOptions {
        create_missing: true,
        ..ImportOptions::default()
    };
    let dry = import(
        &w,
        "messy.csv",
        csv.clone().into_bytes(),
        &ImportOptions {
            dry_run: true,
            ..create.clone()
        },
    )
    .await;
    assert_eq!(counts(&dry), (1, 0, 3, 4));
    assert!(dry.created_nodes.is_empty());
    let created = import(&w, "messy.csv", csv.clone().into_bytes(), &create).await;
    assert_eq!(counts(&created), (1, 0, 3, 4));
    assert_eq!(created.created_nodes, vec!["HG-09"]);
    let again = import(&w, "messy.csv", csv.clone().into_bytes(), &create).await;
    assert_eq!(counts(&again), (0, 0, 4, 4));

    // A changed phone and tags: one update, recorded in history with masked values.
    let changed = csv
        .replace(PHONE, "13800001111")
        .replace("党员;低保", "党员");
    let upd = import(&w, "changed.csv", changed.into_bytes(), &opts).await;
    assert_eq!(counts(&upd), (0, 1, 3, 4));
    assert_eq!(
        history_of(&w, "张建国").await,
        vec![
            ("import.update".into(), Some("import of changed.csv".into())),
            ("import.create".into(), Some("import of messy.csv".into())),
        ]
    );

    // No plaintext ID number or phone anywhere in the database files.
    w.app.db().close().await;
    let mut bytes = Vec::new();
    for f in ["db.sqlite", "db.sqlite-wal"] {
        if let Ok(b) = std::fs::read(w.dir.path().join(f)) {
            bytes.extend(b);
        }
    }
    assert!(bytes.len() > 10_000);
    for secret in [
        id(1960, 4, 5, 11),
        PHONE.to_owned(),
        "13800001111".to_owned(),
        "88886666".to_owned(),
    ] {
        assert!(
            !bytes
                .windows(secret.len())
                .any(|win| win == secret.as_bytes()),
            "{secret} found in the database file"
        );
    }
}

#[tokio::test]
async fn xlsx_numbers_that_lost_digits_are_rejected() {
    let w = world().await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let head = [
        "community",
        "grid",
        "building",
        "unit",
        "room",
        "name",
        "id_number",
        "birth_date",
        "area_m2",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let good = id(1985, 3, 7, 123);
    let row1 = ["HG", "HG-01", "1", "1", "101", "陈一"];
    for (c, v) in row1.iter().enumerate() {
        sheet.write_string(1, c as u16, *v).unwrap();
        sheet.write_string(2, c as u16, *v).unwrap();
    }
    sheet.write_string(1, 6, &good).unwrap();
    sheet
        .write_datetime(
            1,
            7,
            rust_xlsxwriter::ExcelDateTime::from_ymd(1985, 3, 7).unwrap(),
        )
        .unwrap();
    sheet.write_number(1, 8, 72.25).unwrap();
    sheet.write_string(2, 4, "102").unwrap();
    sheet.write_number(2, 6, 420102198503071234.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let s = import(&w, "book.xlsx", bytes, &ImportOptions::default()).await;
    assert_eq!(s.encoding, "XLSX");
    assert_eq!(counts(&s), (1, 0, 0, 1), "{:?}", s.rejects);
    assert_eq!(s.rejects[0].line, 3);
    assert!(
        s.rejects[0].reason.contains("stored as a number"),
        "{:?}",
        s.rejects
    );

    let export = w
        .app
        .export_residents(&Actor::system(), None, ExportFormat::Csv)
        .await
        .unwrap();
    assert_eq!(export.rows, 1);
    let text = String::from_utf8(export.bytes).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(
        text.contains("420102********1231") || text.contains("420102********"),
        "{text}"
    );
    assert!(!text.contains(&good));
    assert!(text.contains("1985-03,"), "{text}");
    assert!(text.contains("72.25"), "{text}");
    let x = w
        .app
        .export_residents(&Actor::system(), None, ExportFormat::Xlsx)
        .await
        .unwrap();
    assert!(x.bytes.starts_with(b"PK"));
}

#[tokio::test]
async fn file_level_problems_are_errors() {
    let w = world().await;
    let e = w
        .app
        .import_residents(
            &Actor::system(),
            "a.csv",
            b"name,phone\n".to_vec(),
            &ImportOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Invalid { field: "file", .. }), "{e}");
    assert!(e.to_string().contains("id_number (身份证号)"), "{e}");
    let e = w
        .app
        .import_residents(
            &Actor::system(),
            "a.csv",
            messy_csv().into_bytes(),
            &ImportOptions {
                max_bytes: 100,
                ..ImportOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("at most"), "{e}");
    let nobody = Actor {
        user_id: Some(99),
        token_id: None,
        label: "nobody".into(),
        assignments: Vec::new(),
    };
    let e = w
        .app
        .import_residents(
            &nobody,
            "a.csv",
            messy_csv().into_bytes(),
            &ImportOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden));
}

/// The actions and reasons on the history of the one resident named `name`.
async fn history_of(w: &World, name: &str) -> Vec<(String, Option<String>)> {
    let req = civicgrid_app::ledger::search::SearchRequest {
        q: name.into(),
        page: 1,
        ..Default::default()
    };
    let sys = Actor::system();
    let hits = w.app.search_residents(&sys, &req).await.unwrap().hits;
    assert_eq!(hits.len(), 1, "{name}");
    let card = w.app.resident_card(&sys, hits[0].id).await.unwrap();
    card.history
        .into_iter()
        .map(|h| (h.action, h.reason))
        .collect()
}

/// Names found by a system-wide search for `q`.
async fn names_found(w: &World, q: &str) -> Vec<String> {
    let req = civicgrid_app::ledger::search::SearchRequest {
        q: q.into(),
        page: 1,
        ..Default::default()
    };
    let r = w
        .app
        .search_residents(&Actor::system(), &req)
        .await
        .unwrap();
    r.hits.into_iter().map(|h| h.name).collect()
}

// A held first load reads a grid's existing places on a pooled connection (its own
// writes are queued): a room made by hand before, with no one in it yet, is where the
// file's resident goes, not a second room of the same name.
#[tokio::test]
async fn a_held_first_load_fills_rooms_that_already_exist() {
    fills_rooms_that_already_exist(false).await;
}

// With another connection open, a held load cannot have the database to itself: it
// keeps the write-ahead log and reads places on pooled connections.
#[tokio::test]
async fn a_held_first_load_beside_another_connection_fills_rooms_that_already_exist() {
    fills_rooms_that_already_exist(true).await;
}

/// A held first load into a ledger with places but no residents finds the room it
/// names, whether or not another connection is open meanwhile (`beside`); the
/// database is in write-ahead-log mode afterwards either way.
async fn fills_rooms_that_already_exist(beside: bool) {
    use sqlx::Row;
    let w = world().await;
    let mut conn = w.app.db().read().await.unwrap();
    let grid: i64 = sqlx::query("SELECT id FROM org_nodes WHERE code = 'HG-01'")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get(0);
    drop(conn);
    let room = w
        .app
        .add_room(&Actor::system(), grid, "3", "2", "501", Some(5))
        .await
        .unwrap();
    let held = ImportOptions {
        hold_writes: true,
        chunk_rows: 2,
        ..ImportOptions::default()
    };
    let other = if beside {
        Some(w.app.db().read().await.unwrap())
    } else {
        None
    };
    let s = import(&w, "messy.csv", messy_csv().into_bytes(), &held).await;
    drop(other);
    assert_eq!(counts(&s), (3, 0, 0, 5), "{:?}", s.rejects);
    let mut conn = w.app.db().read().await.unwrap();
    let journal: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(journal, "wal");
    let rooms: Vec<i64> = sqlx::query(
        "SELECT h.room_id FROM residents r JOIN households h ON h.id = r.household_id \
         WHERE r.name = '吴十'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(rooms, vec![room]);
    let named: i64 = sqlx::query("SELECT count(*) FROM rooms WHERE name = '501'")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(named, 1);
}

#[tokio::test]
async fn a_first_load_held_in_one_transaction_writes_everything() {
    let w = world().await;
    // Chunks of one and two rows; the grid HG-09 first appears in a later chunk: the
    // load learns it from the file before its first chunk and creates it then.
    let held = ImportOptions {
        create_missing: true,
        hold_writes: true,
        chunk_rows: 2,
        ..ImportOptions::default()
    };
    let csv = messy_csv();
    let s = import(&w, "messy.csv", csv.clone().into_bytes(), &held).await;
    assert_eq!(counts(&s), (4, 0, 0, 4), "{:?}", s.rejects);
    assert_eq!(s.created_nodes, vec!["HG-09"]);
    for name in ["张建国", "李秀英", "孙八", "吴十"] {
        assert_eq!(names_found(&w, name).await, vec![name.to_owned()]);
        // Who created the record, when and why: the import, on the resident's card.
        assert_eq!(
            history_of(&w, name).await,
            vec![("import.create".into(), Some("import of messy.csv".into()))]
        );
    }
    // Held or not, importing the same file again changes nothing.
    let again = import(&w, "messy.csv", csv.into_bytes(), &held).await;
    assert_eq!(counts(&again), (0, 0, 4, 4));
    let mut conn = w.app.db().read().await.unwrap();
    let built = civicgrid_store::ledger::import::indexes::existing(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        built.len(),
        civicgrid_store::ledger::import::indexes::DEFERRABLE.len()
    );
}

/// The reason of every row reaching outside the importer's places: a grid there, or a
/// resident living there.
const OUTSIDE: &str = "grid: outside the places where you may import";

/// Adds a grid (or community) under the node `parent_code`; returns the new node.
async fn add_node(w: &World, kind: NodeKind, parent_code: &str, code: &str) -> OrgNode {
    let parent = {
        let mut conn = w.app.db().read().await.unwrap();
        civicgrid_store::platform::org::find_by_code_or_name(&mut conn, kind, parent_code)
            .await
            .unwrap()
            .unwrap()
    };
    w.app
        .create_node(
            &Actor::system(),
            &node_input(Some(parent.id), code, code),
            None,
        )
        .await
        .unwrap()
}

/// A signed-in account holding `role` at the node `code`.
async fn account(w: &World, name: &str, role: Role, kind: NodeKind, code: &str) -> Actor {
    let node = {
        let mut conn = w.app.db().read().await.unwrap();
        civicgrid_store::platform::org::find_by_code_or_name(&mut conn, kind, code)
            .await
            .unwrap()
            .unwrap()
    };
    w.actor(name, role, node.id).await
}

/// Grid code of each resident, by name.
async fn grids_by_name(w: &World) -> std::collections::BTreeMap<String, String> {
    use sqlx::Row;
    let mut conn = w.app.db().read().await.unwrap();
    sqlx::query("SELECT r.name, g.code FROM residents r JOIN org_nodes g ON g.id = r.grid_id")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

async fn count(w: &World, sql: &'static str) -> i64 {
    use sqlx::Row;
    let mut conn = w.app.db().read().await.unwrap();
    sqlx::query(sql).fetch_one(&mut *conn).await.unwrap().get(0)
}

const HEAD: &str = "社区,网格,楼栋,单元,房号,姓名,性别,出生日期,身份证号,联系电话,与户主关系,居住状态,标签,建筑面积,产权";

#[tokio::test]
async fn an_import_reaches_no_resident_outside_the_importers_grid() {
    let w = world().await;
    add_node(&w, NodeKind::Community, "HG", "HG-02").await;
    add_node(&w, NodeKind::Street, "C-D-S", "XY").await;
    add_node(&w, NodeKind::Community, "XY", "XY-01").await;
    let (a, b, c, d) = (
        id(1950, 1, 1, 1),
        id(1951, 1, 1, 2),
        id(1952, 1, 1, 3),
        id(1953, 1, 1, 4),
    );
    let seeded = [
        HEAD.to_owned(),
        format!("HG,HG-01,1,1,101,甲,,,{a},13900000001,户主,户籍,,,自有"),
        format!("HG,HG-02,2,1,201,乙,,,{b},13900000002,户主,户籍,,,自有"),
        format!("XY,XY-01,3,1,301,丙,,,{c},13900000003,户主,户籍,,,自有"),
    ]
    .join("\n");
    let s = import(
        &w,
        "seed.csv",
        seeded.into_bytes(),
        &ImportOptions::default(),
    )
    .await;
    assert_eq!(counts(&s), (3, 0, 0, 0), "{:?}", s.rejects);
    let before = grids_by_name(&w).await;

    // The grid-1 worker's file: the grid-1 resident with a new phone, the residents of
    // grid 2 and of another community by their ID numbers, and someone new.
    let worker = account(&w, "worker", Role::GridWorker, NodeKind::Grid, "HG-01").await;
    let file = [
        HEAD.to_owned(),
        format!("HG,HG-01,1,1,101,甲,,,{a},13900000009,户主,户籍,,,自有"),
        format!("HG,HG-01,9,1,909,乙,,,{b},13900000009,户主,户籍,,,自有"),
        format!("HG,HG-01,9,1,909,丙,,,{c},13900000009,户主,户籍,,,自有"),
        format!("HG,HG-01,1,1,102,丁,,,{d},13900000004,户主,户籍,,,自有"),
        format!(
            "XY,XY-01,3,1,301,戊,,,{},,户主,户籍,,,自有",
            id(1954, 1, 1, 5)
        ),
    ]
    .join("\n");
    for dry_run in [true, false] {
        let opts = ImportOptions {
            dry_run,
            ..ImportOptions::default()
        };
        let s = w
            .app
            .import_residents(&worker, "mine.csv", file.clone().into_bytes(), &opts)
            .await
            .unwrap();
        assert_eq!(
            counts(&s),
            (1, 1, 0, 3),
            "dry run {dry_run}: {:?}",
            s.rejects
        );
        let rejected: Vec<(u64, &str)> = s
            .rejects
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(rejected, vec![(3, OUTSIDE), (4, OUTSIDE), (6, OUTSIDE)]);
    }
    let after = grids_by_name(&w).await;
    for name in ["甲", "乙", "丙"] {
        assert_eq!(after.get(name), before.get(name), "{name}");
    }
    assert_eq!(after.get("丁").map(String::as_str), Some("HG-01"));
    // Nothing was made for the rejected rows, and their residents kept their phones.
    assert_eq!(
        count(&w, "SELECT count(*) FROM buildings WHERE name = '9'").await,
        0
    );
    assert_eq!(
        count(
            &w,
            "SELECT count(*) FROM residents WHERE version > (SELECT min(version) FROM residents)"
        )
        .await,
        1
    );

    // Staff of the community hold both of its grids: they may move grid 2's resident.
    let staff = account(&w, "staff", Role::CommunityStaff, NodeKind::Community, "HG").await;
    let s = w
        .app
        .import_residents(
            &staff,
            "staff.csv",
            file.into_bytes(),
            &ImportOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(counts(&s), (0, 1, 2, 2), "{:?}", s.rejects);
    let moved = grids_by_name(&w).await;
    assert_eq!(moved.get("乙").map(String::as_str), Some("HG-01"));
    assert_eq!(moved.get("丙").map(String::as_str), Some("XY-01"));
}

#[tokio::test]
async fn an_import_creates_a_grid_only_where_its_rows_may_go() {
    let w = world().await;
    // Allowed to create grids in the street (street admin) but to import only in HG-01.
    let mut actor = account(&w, "mixed", Role::GridWorker, NodeKind::Grid, "HG-01").await;
    let street = {
        let mut conn = w.app.db().read().await.unwrap();
        civicgrid_store::platform::org::find_by_code_or_name(&mut conn, NodeKind::Street, "C-D-S")
            .await
            .unwrap()
            .unwrap()
    };
    actor.assignments.push(Assignment {
        id: 0,
        role: Role::StreetAdmin,
        node_id: street.id,
        path: street.path.clone(),
    });
    let file = [
        HEAD.to_owned(),
        format!(
            "HG,HG-09,1,1,101,甲,,,{},,户主,户籍,,,自有",
            id(1950, 1, 1, 1)
        ),
        format!(
            "HG,HG-01,1,1,101,乙,,,{},,户主,户籍,,,自有",
            id(1951, 1, 1, 2)
        ),
    ]
    .join("\n");
    let opts = ImportOptions {
        create_missing: true,
        ..ImportOptions::default()
    };
    let s = w
        .app
        .import_residents(&actor, "new.csv", file.into_bytes(), &opts)
        .await
        .unwrap();
    assert_eq!(counts(&s), (1, 0, 0, 1), "{:?}", s.rejects);
    assert!(s.created_nodes.is_empty());
    assert!(s.rejects[0].reason.contains("you may not create it"));
    let mut conn = w.app.db().read().await.unwrap();
    let made =
        civicgrid_store::platform::org::find_by_code_or_name(&mut conn, NodeKind::Grid, "HG-09")
            .await
            .unwrap();
    assert!(made.is_none());
}
