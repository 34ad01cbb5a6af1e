//! `civicgrid bench intake [--requests N] [--concurrency C]`: posts N requests from C
//! concurrent keep-alive clients through the whole stack (the full server on port 0:
//! middleware, API-token authentication, Open311 validation, point → grid, routing,
//! due times, duplicate suggestions, audit, a durable `synchronous=FULL` commit), and
//! in the same run the same load against a bare axum + SQLite server (WAL,
//! `synchronous=NORMAL`) whose handler inserts one row per JSON post. Prints both
//! throughputs, p50/p99 latencies and the ratio.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::platform::org::NodeInput;
use civicgrid_app::platform::tokens::NewToken;
use clap::Args;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::bench::percentile;
use crate::commands::open_app;
use crate::config::Settings;

#[derive(Args)]
pub struct IntakeArgs {
    /// Requests posted to each server.
    #[arg(long, default_value_t = 4000)]
    requests: usize,
    /// Concurrent clients (one keep-alive connection each).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

/// The grid every request lands in: 114.30..114.31 E × 30.58..30.59 N.
const GRID: &str = r#"{"type":"Polygon","coordinates":[[[114.30,30.58],[114.31,30.58],[114.31,30.59],[114.30,30.59],[114.30,30.58]]]}"#;

/// What one load run measured.
struct Run {
    label: &'static str,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn throughput(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn print(&self) {
        println!(
            "{:<44} {:>9.0} req/s   p50 {:>8.2} ms   p99 {:>8.2} ms   ({} in {:.2} s)",
            self.label,
            self.throughput(),
            percentile(&self.latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&self.latencies, 0.99).as_secs_f64() * 1e3,
            self.latencies.len(),
            self.elapsed.as_secs_f64(),
        );
    }
}

/// A keep-alive HTTP/1.1 client on one connection: sends a request, reads the status
/// and the `Content-Length` body.
struct Client {
    addr: String,
    stream: BufReader<TcpStream>,
}

impl Client {
    async fn connect(addr: &str) -> anyhow::Result<Client> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Client {
            addr: addr.to_owned(),
            stream: BufReader::new(stream),
        })
    }

    async fn post(
        &mut self,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\n\
             Content-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        let s = self.stream.get_mut();
        s.write_all(head.as_bytes()).await?;
        s.write_all(body.as_bytes()).await?;
        let mut line = String::new();
        self.stream.read_line(&mut line).await?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad status line {line:?}"))?;
        let mut length = None;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.context("no Content-Length")?];
        self.stream.read_exact(&mut body).await?;
        Ok((status, body))
    }
}

/// Posts `n` requests from `c` clients; `make` gives the path, content type and body
/// of the i-th request. Every answer must be 2xx.
async fn load(
    label: &'static str,
    addr: &str,
    n: usize,
    c: usize,
    make: Arc<dyn Fn(usize) -> (&'static str, &'static str, String) + Send + Sync>,
) -> anyhow::Result<Run> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..c {
        let (addr, next, make) = (addr.to_owned(), Arc::clone(&next), Arc::clone(&make));
        tasks.push(tokio::spawn(async move {
            let mut client = Client::connect(&addr).await?;
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let (path, ct, body) = make(i);
                let t = Instant::now();
                let (status, answer) = client.post(path, ct, &body).await?;
                if !(200..300).contains(&status) {
                    bail!("{status}: {}", String::from_utf8_lossy(&answer));
                }
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut latencies = Vec::with_capacity(n);
    for t in tasks {
        latencies.extend(t.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Ok(Run {
        label,
        elapsed,
        latencies,
    })
}

/// The full server on a fresh data directory: a city with one grid and an API token.
async fn full_server(dir: &Path) -> anyhow::Result<(String, String)> {
    let s = Settings::resolve(dir.to_path_buf(), Some("127.0.0.1:0".into()), None)?;
    let app = open_app(&s).await?;
    let sys = Actor::system();
    let mut parent = None;
    for (code, boundary) in [
        ("BI", None),
        ("BI-D", None),
        ("BI-D-S", None),
        ("BI-D-S-C", None),
        ("BI-D-S-C-G", Some(GRID)),
    ] {
        let node = app
            .create_node(
                &sys,
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
            .await?;
        parent = Some(node.id);
    }
    let token = app
        .create_token(
            &sys,
            &NewToken {
                name: "bench".into(),
                role: "grid_worker".into(),
                node_id: parent.context("no grid")?,
            },
            None,
        )
        .await?
        .secret;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?.to_string();
    let router = civicgrid_web::build_router(civicgrid_web::AppState::new(app, s.web.clone()));
    tokio::spawn(civicgrid_web::serve(
        listener,
        router,
        std::future::pending::<()>(),
    ));
    Ok((addr, token))
}

/// The baseline: axum, one JSON handler, one INSERT per request into SQLite in WAL
/// mode with `synchronous=NORMAL`.
mod bare {
    use axum::Json;
    use axum::extract::State;
    use axum::http::StatusCode;
    use serde::Deserialize;
    use sqlx::SqlitePool;
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };

    #[derive(Deserialize)]
    struct Post {
        service_code: String,
        description: String,
        lat: f64,
        long: f64,
    }

    async fn post(
        State(pool): State<SqlitePool>,
        Json(p): Json<Post>,
    ) -> Result<(StatusCode, Json<serde_json::Value>), StatusCode> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO requests (category, description, lat, lon, created_at) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(p.service_code)
        .bind(p.description)
        .bind(p.lat)
        .bind(p.long)
        .bind(civicgrid_store::now_ms())
        .fetch_one(&pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        Ok((
            StatusCode::CREATED,
            Json(serde_json::json!([{"service_request_id": id.to_string()}])),
        ))
    }

    pub async fn start(path: &std::path::Path) -> anyhow::Result<String> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::query(
            "CREATE TABLE requests (id INTEGER PRIMARY KEY, category TEXT NOT NULL, \
             description TEXT NOT NULL, lat REAL, lon REAL, created_at INTEGER NOT NULL)",
        )
        .execute(&pool)
        .await?;
        let router = axum::Router::new()
            .route("/requests", axum::routing::post(post))
            .with_state(pool);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?.to_string();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(addr)
    }
}

pub async fn run(a: IntakeArgs) -> anyhow::Result<()> {
    let n = a.requests.max(1);
    let c = a.concurrency.clamp(1, 1024);
    let dir = tempfile::tempdir()?;
    let (full_addr, token) = full_server(&dir.path().join("full")).await?;
    let bare_addr = bare::start(&dir.path().join("bare.sqlite")).await?;
    println!("intake: {n} requests from {c} concurrent clients to each server");

    let descriptions = [
        "车辆占用消防通道",
        "楼道灯不亮",
        "垃圾桶满了没人清",
        "电梯异响",
    ];
    let bare_run = load(
        "bare axum + SQLite insert (sync=NORMAL)",
        &bare_addr,
        n,
        c,
        Arc::new(move |i| {
            let body = serde_json::json!({
                "service_code": "parking",
                "description": format!("{} #{i}", descriptions[i % descriptions.len()]),
                "lat": 30.585,
                "long": 114.305,
            })
            .to_string();
            ("/requests", "application/json", body)
        }),
    )
    .await?;
    let full_run = load(
        "full stack, Open311 POST (sync=FULL)",
        &full_addr,
        n,
        c,
        Arc::new(move |i| {
            let body = format!(
                "api_key={token}&service_code=parking&lat=30.585&long=114.305\
                 &description={}",
                pct(&format!("{} #{i}", descriptions[i % descriptions.len()]))
            );
            (
                "/open311/v2/requests.json",
                "application/x-www-form-urlencoded",
                body,
            )
        }),
    )
    .await?;
    bare_run.print();
    full_run.print();
    println!(
        "ratio (full / bare throughput): {:.2}   (goal ≥ 0.50)",
        full_run.throughput() / bare_run.throughput().max(1e-9)
    );
    Ok(())
}

/// Percent-encodes a form value.
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
