//! The progressively enhanced pages in a real browser: headless Chromium driven over
//! WebDriver (chromedriver) against the real demo server. A staff member signs in,
//! searches the ledger live as they type (htmx swaps the results in place), and
//! uploads a spreadsheet whose import page follows the background job to its end; and
//! each role walks its journey in Chinese on a phone and a desktop (`journeys`).
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install chromium
//! chromium-driver`); `.ci/run` installs them and sets `CIVICGRID_REQUIRE_BROWSER=1`,
//! which turns their absence into a failure instead of a skip.

mod journeys;
#[path = "../support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use support::BIN;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C WebDriver key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Kills a child process when dropped, so a failing test leaves nothing running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One HTTP/1.1 exchange with a JSON body; returns (status, body).
fn http(addr: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // Read the head, then exactly the body it announces: the driver may keep the
    // connection open whatever the request asked.
    let mut reader = BufReader::new(s);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let lower = head.to_ascii_lowercase();
    let length = lower.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .and_then(|v| v.trim().parse::<usize>().ok())
    });
    let body = match length {
        Some(n) => {
            let mut buf = vec![0; n];
            reader.read_exact(&mut buf).unwrap();
            String::from_utf8_lossy(&buf).into_owned()
        }
        None if lower.contains("transfer-encoding: chunked") => read_chunked(&mut reader),
        None => {
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
            rest
        }
    };
    (status, body)
}

fn read_chunked(reader: &mut impl BufRead) -> String {
    let mut out = Vec::new();
    loop {
        let mut size = String::new();
        if reader.read_line(&mut size).unwrap_or(0) == 0 {
            break;
        }
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        let mut buf = vec![0; n + 2];
        if reader.read_exact(&mut buf).is_err() {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A WebDriver session on chromedriver.
struct Browser {
    driver: String,
    session: String,
}

impl Browser {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let (status, text) = http(&self.driver, method, &path, body.as_ref());
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(status == 200, "{method} {path}: {status} {text}");
        v["value"].clone()
    }

    /// Sets the window (the page's viewport, headless) to `width`×`height`.
    fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        );
    }

    fn open(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        match v[ELEMENT].as_str() {
            Some(id) => id.to_owned(),
            None => panic!("no element {css}: {v}"),
        }
    }

    fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css);
        self.call(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn click(&self, css: &str) {
        let el = self.find(css);
        self.call("POST", &format!("/element/{el}/click"), Some(json!({})));
    }

    fn text(&self, css: &str) -> String {
        let el = self.find(css);
        self.call("GET", &format!("/element/{el}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn url(&self) -> String {
        self.call("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn script(&self, js: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }

    /// Waits until `css`'s text contains `needle`.
    fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let start = Instant::now();
        let js = format!(
            "const e = document.querySelector({}); return e ? e.innerText : null;",
            Value::String(css.to_owned())
        );
        loop {
            let text = self.script(&js).as_str().unwrap_or_default().to_owned();
            if text.contains(needle) {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{css} never showed {needle:?}; it shows {text:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.session);
        let _ = TcpStream::connect(&self.driver).map(|_| http(&self.driver, "DELETE", &path, None));
    }
}

fn start_demo(dir: &Path) -> (Running, String) {
    let mut child = Command::new(BIN)
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("DATABASE_URL")
        .env("CIVICGRID_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(rest) = line.strip_prefix("civicgrid serving http://") {
            let addr = rest.split('/').next().unwrap_or_default().to_owned();
            return (running, addr);
        }
    }
    panic!("the demo exited before serving");
}

/// A browser reading pages in `lang` (`en-US`, `zh-CN`).
fn start_browser(lang: &str) -> Option<(Running, Browser)> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var_os("CIVICGRID_REQUIRE_BROWSER").is_none(),
            "CIVICGRID_REQUIRE_BROWSER is set but {CHROMEDRIVER} or {CHROMIUM} is missing"
        );
        eprintln!("skipped: install chromium and chromium-driver to run the browser test");
        return None;
    }
    // A driver that lost a race for its port, or a browser that failed to come up on
    // a loaded machine, answers nothing: start a fresh one a few times before failing.
    let mut last = String::new();
    for attempt in 1..=3 {
        let (driver, addr) = start_driver();
        let (status, text) = http(&addr, "POST", "/session", Some(&session_caps(lang)));
        if status == 200 {
            let v: Value = serde_json::from_str(&text).expect("session json");
            let session = v["value"]["sessionId"]
                .as_str()
                .expect("session id")
                .to_owned();
            return Some((
                driver,
                Browser {
                    driver: addr,
                    session,
                },
            ));
        }
        eprintln!("attempt {attempt}: new session answered {status}: {text}");
        last = format!("{status}: {text}");
        drop(driver);
        std::thread::sleep(Duration::from_secs(2));
    }
    panic!("no browser session after 3 attempts; the last answer was {last}");
}

/// A chromedriver on a free port, answering `/status` as ready.
fn start_driver() -> (Running, String) {
    let port = free_port();
    let driver = Running(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let addr = format!("127.0.0.1:{port}");
    let start = Instant::now();
    loop {
        if TcpStream::connect(&addr).is_ok() {
            let (status, text) = http(&addr, "GET", "/status", None);
            if status == 200 && text.contains("\"ready\":true") {
                return (driver, addr);
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver never became ready"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn session_caps(lang: &str) -> Value {
    json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-dev-shm-usage",
                     format!("--lang={lang}")],
            "prefs": {"intl.accept_languages": lang}
        }
    }}})
}

#[test]
fn staff_search_live_and_follow_an_import_in_a_real_browser() {
    let Some((_driver, b)) = start_browser("en-US") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_server, addr) = start_demo(&dir.path().join("data"));
    let base = format!("http://{addr}");

    // Sign in through the form.
    b.open(&format!("{base}/login"));
    b.type_into("input[name=username]", "staff");
    b.type_into("input[name=password]", "civicgrid-demo");
    b.click("form button[type=submit]");
    let start = Instant::now();
    while b.url().contains("/login") {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "sign-in did not leave /login"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // Live search: typing swaps the results in place, without a page load.
    b.open(&format!("{base}/ledger/search"));
    b.wait_for_text("#results", "");
    b.script("window.__same_page = true;");
    b.type_into("#q", "王");
    let results = b.wait_for_text("#results table", "王");
    assert!(results.lines().count() > 1, "{results}");
    assert_eq!(
        b.script("return window.__same_page === true;"),
        Value::Bool(true),
        "the search reloaded the page instead of swapping the results"
    );
    // htmx records the query in the address once the swap has settled.
    let start = Instant::now();
    while !b.url().contains("q=") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the address never kept the query: {}",
            b.url()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // An upload becomes a job whose page follows it to the end.
    let csv = dir.path().join("residents.csv");
    std::fs::write(
        &csv,
        "社区,网格,楼栋,单元,房号,姓名,性别,出生日期,身份证号,联系电话,与户主关系,居住状态,标签,建筑面积,产权\n\
         JC-BJ-WH-HG,JC-BJ-WH-HG-01,88,1,101,欧阳新,男,1979-02-15,420106197902152796,19078002145,户主,户籍,,80,自有\n\
         JC-BJ-WH-HG,JC-BJ-WH-HG-01,88,1,101,错号人,女,1975-11-12,420105197511123501,,配偶,户籍,,,自有\n",
    )
    .unwrap();
    b.open(&format!("{base}/ledger/import"));
    b.type_into("input[type=file]", &csv.display().to_string());
    b.click("form[action='/ledger/import'] button[type=submit]");
    let page = b.wait_for_text("#import-job", "Finished");
    assert!(b.url().contains("/ledger/import/jobs/"), "{}", b.url());
    assert!(page.contains("Rejected"), "{page}");
    assert!(b.text("#import-job").contains("Download the rejected rows"));
}
