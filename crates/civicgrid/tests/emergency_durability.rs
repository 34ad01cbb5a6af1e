//! Acknowledged welfare checks and stock movements are durable: the real server takes
//! checks from a checker's phone page (a signed-in session, each check with its own
//! key) and stock movements through the materials API (receipts, and transfers both
//! ways between a community depot and its street's, racing for the same batches) from
//! several clients at once, is killed with SIGKILL in the middle of the load, and after
//! a restart every check it acknowledged (303) is recorded — with the request a "needs
//! help" check raised —, every movement it acknowledged (201 with ids) is in the
//! ledger, no batch is below zero and each batch holds what its movements sum to.

mod support;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use civicgrid_app::domain::emergency::materials::{ItemKind, ItemUnit};
use civicgrid_app::domain::emergency::modes::{Hazard, Kind, Level};
use civicgrid_app::domain::platform::access::{Actor, Permission};
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::emergency::checks::NewCampaign;
use civicgrid_app::emergency::modes::StartEmergency;
use civicgrid_app::ledger::import::ImportOptions;
use civicgrid_app::platform::tokens::NewToken;
use civicgrid_app::platform::users::NewUser;
use civicgrid_app::{App, AppConfig};
use civicgrid_store::Db;

use support::civicgrid_at;

const CHECK_CLIENTS: usize = 3;
const STOCK_CLIENTS: usize = 3;
/// Acknowledged of each kind before the kill.
const BEFORE_KILL: usize = 100;
const PASSWORD: &str = "durable-checks-2026";
const CSRF: &str = "durability-csrf-token";

fn civicgrid(dir: &Path, args: &[&str]) -> Command {
    civicgrid_at(dir, args, "error")
}

fn start(dir: &Path) -> (Child, String) {
    support::serve(dir)
}

/// One HTTP/1.1 exchange on a fresh connection with `headers` (each ending in CRLF):
/// (status, head, body), or `None` when the server is gone or the answer is cut short.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> Option<(u16, String, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{headers}\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let (head, body) = out.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
        })?
        .parse()
        .ok()?;
    (body.len() == length).then(|| (status, head.to_owned(), body.to_owned()))
}

/// What the load needs from the seeded data.
struct Seeded {
    campaign: i64,
    households: Vec<i64>,
    /// The checker's session cookie.
    session: String,
    /// A street admin's API token, keeping both depots.
    token: String,
    community_depot: i64,
    street_depot: i64,
    item: i64,
}

async fn open(data: &Path) -> (Db, App) {
    let db = Db::open_sqlite(&data.join("civicgrid.sqlite"))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let config = AppConfig {
        // The same keys the server loads, so that what the seed seals it can open.
        field_keys: civicgrid_store::crypto::FieldKeys::load_or_create(data).unwrap(),
        ..AppConfig::default()
    };
    let app = App::new(db.clone(), config);
    app.prepare().await.unwrap();
    (db, app)
}

/// A generated city of a few hundred residents, imported; its largest community
/// switched into emergency mode with a welfare-check campaign over every household
/// (checked by one grid worker, signed in); a depot at the community and one at its
/// street, one item in the catalogue, and a street admin's API token.
async fn seed(data: &Path) -> Seeded {
    std::fs::create_dir_all(data).unwrap();
    let csv = data.join("city.csv");
    let out = Command::new(support::BIN)
        .args(["generate", "city", "--residents", "400", "--out"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (db, app) = open(data).await;
    let sys = Actor::system();
    let summary = app
        .import_residents(
            &sys,
            "city.csv",
            std::fs::read(&csv).unwrap(),
            &ImportOptions {
                create_missing: true,
                ..ImportOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(summary.inserted, 400);
    std::fs::remove_file(&csv).unwrap();

    let (community_id, _): (i64, i64) = {
        let mut conn = db.read().await.unwrap();
        sqlx::query_as(
            "SELECT g.parent_id, COUNT(*) FROM households h JOIN org_nodes g ON g.id = h.grid_id \
             GROUP BY g.parent_id ORDER BY COUNT(*) DESC, g.parent_id LIMIT 1",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap()
    };
    let nodes = app.nodes_for(&sys, Permission::ViewOrg).await.unwrap();
    let community = nodes.iter().find(|n| n.id == community_id).unwrap();
    let street = community.parent_id.unwrap();
    let grid = nodes
        .iter()
        .find(|n| n.kind == NodeKind::Grid && n.parent_id == Some(community_id))
        .unwrap();
    assert_eq!(
        nodes.iter().find(|n| n.id == street).unwrap().kind,
        NodeKind::Street
    );

    let mut users = Vec::new();
    for (name, role, node) in [
        ("staff", "community_staff", community_id),
        ("checker", "grid_worker", grid.id),
    ] {
        let u = app
            .create_user(
                &sys,
                &NewUser {
                    username: name.into(),
                    display_name: name.into(),
                    password: PASSWORD.into(),
                    role: role.into(),
                    node_id: node,
                },
                Some("durability test"),
            )
            .await
            .unwrap();
        users.push(u.id);
    }
    let staff = app.actor_of_account(&sys, "staff").await.unwrap();
    let started = app
        .start_emergency(
            &staff,
            &StartEmergency {
                node_id: community_id,
                kind: Kind::Emergency,
                hazard: Hazard::Flood,
                level: Level::II,
                reason: "长江水位超警戒".into(),
                notify: false,
            },
        )
        .await
        .unwrap();
    let (campaign, targeted) = app
        .start_welfare_campaign(
            &staff,
            &NewCampaign {
                activation_id: started[0].id,
                node_id: community_id,
                tags: Vec::new(),
                hours: 6,
                checkers: vec![users[1]],
                started_at: None,
            },
        )
        .await
        .unwrap();
    assert!(targeted >= 20, "only {targeted} households");
    let households: Vec<i64> = {
        let mut conn = db.read().await.unwrap();
        sqlx::query_scalar(
            "SELECT household_id FROM welfare_targets WHERE campaign_id = $1 ORDER BY walk_key",
        )
        .bind(campaign.id)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
    };
    let session = app
        .login("checker", PASSWORD, "127.0.0.1", "durability test", None)
        .await
        .unwrap()
        .token;

    let community_depot = app
        .create_depot(&sys, community_id, "社区应急物资储备点", "")
        .await
        .unwrap()
        .id;
    let street_depot = app
        .create_depot(&sys, street, "街道应急物资仓库", "")
        .await
        .unwrap()
        .id;
    let item = app
        .add_material_item(&sys, "瓶装饮用水", ItemKind::Water, ItemUnit::Bottle)
        .await
        .unwrap()
        .id;
    let token = app
        .create_token(
            &sys,
            &NewToken {
                name: "stock load".into(),
                role: "street_admin".into(),
                node_id: street,
            },
            Some("durability test"),
        )
        .await
        .unwrap()
        .secret;
    db.close().await;
    Seeded {
        campaign: campaign.id,
        households,
        session,
        token,
        community_depot,
        street_depot,
        item,
    }
}

/// An acknowledged check: its key, and whether it said "needs help".
type AckedCheck = (String, bool);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_checks_and_stock_movements_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let s = Arc::new(seed(&data).await);

    let (mut child, addr) = start(&data);
    let checks = Arc::new(Mutex::new(Vec::<AckedCheck>::new()));
    let moves = Arc::new(Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..CHECK_CLIENTS {
        let (addr, s, checks, stop) = (
            addr.clone(),
            Arc::clone(&s),
            Arc::clone(&checks),
            Arc::clone(&stop),
        );
        clients.push(std::thread::spawn(move || {
            let headers = format!(
                "Cookie: cg_session={}; cg_csrf={CSRF}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\n",
                s.session
            );
            let path = format!("/emergency/campaigns/{}/checks", s.campaign);
            let mut failures = 0;
            for n in 0usize.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let household = s.households[(n * CHECK_CLIENTS + c) % s.households.len()];
                let key = format!("c{c}-n{n}");
                let (outcome, help) = match n % 10 {
                    3 => (
                        "needs_help&need_medicine=1&check_note=%E9%9C%80%E9%80%81%E8%8D%AF",
                        true,
                    ),
                    6 => ("not_home", false),
                    _ => ("safe", false),
                };
                let form = format!(
                    "_csrf={CSRF}&household_id={household}&outcome={outcome}&client_key={key}"
                );
                match http(&addr, "POST", &path, &headers, &form) {
                    Some((303, head, _))
                        if head.contains("/emergency/checks?done=check_recorded") =>
                    {
                        checks.lock().unwrap().push((key, help));
                    }
                    Some((status, _, body)) => panic!("check refused: {status} {body}"),
                    None => {
                        // The server is gone (killed): nothing was acknowledged.
                        failures += 1;
                        if failures > 20 {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            }
        }));
    }
    for c in 0..STOCK_CLIENTS {
        let (addr, s, moves, stop, refused) = (
            addr.clone(),
            Arc::clone(&s),
            Arc::clone(&moves),
            Arc::clone(&stop),
            Arc::clone(&refused),
        );
        clients.push(std::thread::spawn(move || {
            let headers = format!(
                "Authorization: Bearer {}\r\nContent-Type: application/json\r\n",
                s.token
            );
            let mut failures = 0;
            for n in 0usize.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                // Client 0 receives into the community depot now and then; all move
                // stock back and forth, more than is there at times (refused: a batch
                // never goes below zero).
                let (depot, body) = match (c, n % 3) {
                    (0, 0) => (
                        s.community_depot,
                        format!(
                            r#"{{"kind":"receive","item_id":{},"quantity":{},"batch_code":"B{}","reason":"捐赠"}}"#,
                            s.item,
                            1 + n % 5,
                            n % 3
                        ),
                    ),
                    (_, 0 | 1) => (
                        s.community_depot,
                        format!(
                            r#"{{"kind":"transfer","item_id":{},"to_depot_id":{},"quantity":{}}}"#,
                            s.item,
                            s.street_depot,
                            1 + (n + c) % 7
                        ),
                    ),
                    _ => (
                        s.street_depot,
                        format!(
                            r#"{{"kind":"transfer","item_id":{},"to_depot_id":{},"quantity":{}}}"#,
                            s.item,
                            s.community_depot,
                            1 + (n + c) % 6
                        ),
                    ),
                };
                let path = format!("/api/v1/depots/{depot}/movements");
                match http(&addr, "POST", &path, &headers, &body) {
                    Some((201, _, body)) => {
                        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                        let ids = v["movement_ids"].as_array().unwrap();
                        assert!(!ids.is_empty(), "{body}");
                        moves
                            .lock()
                            .unwrap()
                            .extend(ids.iter().map(|i| i.as_i64().unwrap()));
                    }
                    // Too little in stock: refused, nothing written.
                    Some((409 | 422, _, _)) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    Some((status, _, body)) => panic!("movement refused: {status} {body}"),
                    None => {
                        failures += 1;
                        if failures > 20 {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            }
        }));
    }

    // Let the load build up, then kill the server without warning.
    let start_at = Instant::now();
    while (checks.lock().unwrap().len() < BEFORE_KILL || moves.lock().unwrap().len() < BEFORE_KILL)
        && start_at.elapsed() < Duration::from_secs(40)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_with = (checks.lock().unwrap().len(), moves.lock().unwrap().len());
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    assert!(
        killed_with.0 >= BEFORE_KILL && killed_with.1 >= BEFORE_KILL,
        "only {killed_with:?} checks and movements acknowledged before the kill"
    );
    // Every answer a client recorded, even one read just after the count above, must
    // survive.
    let checks = checks.lock().unwrap().clone();
    let moves = moves.lock().unwrap().clone();
    eprintln!(
        "acknowledged before the kill: {} checks ({} needing help), {} movements; {} movements refused for want of stock",
        checks.len(),
        checks.iter().filter(|c| c.1).count(),
        moves.len(),
        refused.load(Ordering::Relaxed)
    );
    let keys: BTreeSet<&str> = checks.iter().map(|(k, _)| k.as_str()).collect();
    let move_ids: BTreeSet<i64> = moves.iter().copied().collect();
    assert_eq!(keys.len(), checks.len(), "keys are unique");
    assert_eq!(move_ids.len(), moves.len(), "movement ids are unique");

    // Restart: the stock boards answer, every batch at zero or above.
    let (mut child, addr) = start(&data);
    let auth = format!("Authorization: Bearer {}\r\n", s.token);
    for depot in [s.community_depot, s.street_depot] {
        let (status, _, body) =
            http(&addr, "GET", &format!("/api/v1/depots/{depot}"), &auth, "").unwrap();
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        for line in v["lines"].as_array().unwrap() {
            assert!(line["on_hand"].as_i64().unwrap() >= 0, "{line}");
            for b in line["batches"].as_array().unwrap() {
                assert!(b["quantity"].as_i64().unwrap() >= 0, "{b}");
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // Every acknowledged check and movement is there; the ledger adds up.
    let db = Db::open_sqlite(&data.join("civicgrid.sqlite"))
        .await
        .unwrap();
    let mut conn = db.read().await.unwrap();
    let stored: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT c.client_key, q.id FROM welfare_checks c \
         LEFT JOIN requests q ON q.id = c.request_id WHERE c.campaign_id = $1",
    )
    .bind(s.campaign)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let lost: Vec<&AckedCheck> = checks
        .iter()
        .filter(|(k, help)| {
            !stored
                .iter()
                .any(|(sk, request)| sk == k && (!help || request.is_some()))
        })
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged checks lost (or their request): {lost:?}",
        lost.len(),
        checks.len()
    );
    let ledger: BTreeSet<i64> = sqlx::query_scalar::<_, i64>("SELECT id FROM material_movements")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let missing: Vec<i64> = move_ids.difference(&ledger).copied().collect();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged movements lost: {missing:?}",
        missing.len(),
        move_ids.len()
    );
    let batches: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT b.id, b.quantity, CAST(COALESCE(SUM(m.quantity), 0) AS BIGINT) \
         FROM material_batches b LEFT JOIN material_movements m ON m.batch_id = b.id \
         GROUP BY b.id, b.quantity",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(!batches.is_empty());
    for (id, quantity, sum) in batches {
        assert!(quantity >= 0, "batch {id} holds {quantity}");
        assert_eq!(quantity, sum, "batch {id}: its movements sum to {sum}");
    }
    drop(conn);
    db.close().await;

    // The audit chain the movements were written with is intact.
    let out = civicgrid(&data, &["audit", "verify"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
}
