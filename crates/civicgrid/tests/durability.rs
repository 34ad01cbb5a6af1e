//! An acknowledged request is durable: the real server takes requests from several
//! clients at once through Open311, is killed with SIGKILL in the middle of the load,
//! and after a restart every request it acknowledged (2xx with an id) is there.

mod support;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::platform::org::NodeInput;
use civicgrid_app::{App, AppConfig};
use civicgrid_store::Db;

use support::civicgrid_at;

const CLIENTS: usize = 4;

fn civicgrid(dir: &Path, args: &[&str]) -> Command {
    civicgrid_at(dir, args, "error")
}

fn start(dir: &Path) -> (Child, String) {
    support::serve(dir)
}

/// One HTTP/1.1 exchange on a fresh connection: (status, body), or `None` when the
/// server is gone or the answer is cut short.
fn http(addr: &str, method: &str, path: &str, form: Option<&str>) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    let body = form.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
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
    (body.len() == length).then(|| (status, body.to_owned()))
}

/// A city with one grid whose boundary is the square 114.30..114.31 × 30.58..30.59.
async fn seed(data: &Path) {
    std::fs::create_dir_all(data).unwrap();
    let db = Db::open_sqlite(&data.join("civicgrid.sqlite"))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let app = App::new(db.clone(), AppConfig::default());
    app.prepare().await.unwrap();
    let mut parent = None;
    for (code, boundary) in [
        ("DU", None),
        ("DU-D", None),
        ("DU-D-S", None),
        ("DU-D-S-C", None),
        (
            "DU-D-S-C-G",
            Some(
                r#"{"type":"Polygon","coordinates":[[[114.30,30.58],[114.31,30.58],[114.31,30.59],[114.30,30.59],[114.30,30.58]]]}"#,
            ),
        ),
    ] {
        let node = app
            .create_node(
                &Actor::system(),
                &NodeInput {
                    parent_id: parent,
                    kind: None,
                    code: code.into(),
                    name_zh: code.into(),
                    name_en: code.into(),
                    boundary: boundary.map(str::to_owned),
                },
                None,
            )
            .await
            .unwrap();
        parent = Some(node.id);
    }
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_request_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    seed(&data).await;
    let out = civicgrid(
        &data,
        &[
            "token",
            "create",
            "--name",
            "load",
            "--role",
            "grid_worker",
            "--scope",
            "DU-D-S-C-G",
        ],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{out:?}");
    let key = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cg_"))
        .expect("a token")
        .to_owned();

    let (mut child, addr) = start(&data);
    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (addr, key, acked, stop) = (
                addr.clone(),
                key.clone(),
                Arc::clone(&acked),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || {
                let mut failures = 0;
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let form = format!(
                        "api_key={key}&service_code=parking&lat=30.585&long=114.305\
                         &description=client{c}-n{n}"
                    );
                    match http(&addr, "POST", "/open311/v2/requests.json", Some(&form)) {
                        Some((201, body)) => {
                            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                            let id = v[0]["service_request_id"].as_str().unwrap();
                            acked.lock().unwrap().push(id.parse().unwrap());
                        }
                        Some((status, body)) => panic!("refused: {status} {body}"),
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
            })
        })
        .collect();

    // Let the load build up, then kill the server without warning.
    let start_at = Instant::now();
    while acked.lock().unwrap().len() < 100 && start_at.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_with = acked.lock().unwrap().len();
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    // A client may still record an answer it read just before the kill, after the
    // count above: every id recorded, once each, is what must survive.
    let recorded = acked.lock().unwrap().clone();
    let acked: BTreeSet<i64> = recorded.iter().copied().collect();
    assert!(
        killed_with >= 100,
        "only {killed_with} acknowledged before the kill"
    );
    assert_eq!(acked.len(), recorded.len(), "ids are unique");

    // Restart: every acknowledged request is there.
    let (mut child, addr) = start(&data);
    let mut missing = Vec::new();
    for id in &acked {
        match http(
            &addr,
            "GET",
            &format!("/open311/v2/requests/{id}.json?api_key={key}"),
            None,
        ) {
            Some((200, body)) if body.contains(&format!("\"service_request_id\":\"{id}\"")) => {}
            other => missing.push((*id, other)),
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged requests lost: {missing:?}",
        missing.len(),
        acked.len()
    );
}
