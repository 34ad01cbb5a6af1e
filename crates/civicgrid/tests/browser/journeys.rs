//! Each role walks its journey in Chinese, on a phone (390×844) and on a desktop
//! (1366×900), against a demo of its own: a resident reports something and rates a
//! repair poorly, joins a proposal's discussion and raises one; staff accept and route a
//! request and look at the residents' council; the property company's member
//! resolves one with a note; the grid worker works the room board; the street admin
//! oversees its communities; the administrator and the auditor read the organisation,
//! the accounts and the logs.
//!
//! Every page is saved as a screenshot under `target/journeys/` and read as a person
//! would: no raw `#12` id, no English word, nothing wider than the screen, and a home
//! page about the role's work rather than a list of what it may do.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use super::{Browser, start_browser, start_demo};

/// The screens walked: a phone, then a desktop.
const SCREENS: [(u32, u32); 2] = [(390, 844), (1366, 900)];

/// Latin words a Chinese page may carry: file formats and standards people use as
/// they are, the language switcher, and the demo's sign-in names.
const LATIN_ALLOWED: [&str; 31] = [
    "English",
    "PDF",
    "pdf",
    "KB",
    "MB",
    "CSV",
    "XLSX",
    "Excel",
    "API",
    "JSON",
    "GeoJSON",
    "Open311",
    "ID",
    "JPEG",
    "PNG",
    "WebP",
    "SVG",
    "UTF",
    "WGS",
    "admin",
    "auditor",
    "street",
    "staff",
    "grid",
    "responder",
    "volunteer",
    "resident",
    "committee",
    "neighbour",
    "Chrome",
    "Linux",
];

/// What a reader sees: the page's text without scripts, styles, what is marked not
/// to be translated (raw records, codes) and what is hidden (closed disclosures).
const VISIBLE_TEXT: &str = "\
    const c = document.body.cloneNode(true);\
    c.querySelectorAll('script,style,[translate=no]').forEach(e => e.remove());\
    c.style.position = 'absolute'; c.style.left = '-99999px'; c.style.width = window.innerWidth + 'px';\
    document.body.appendChild(c); const t = c.innerText; c.remove(); return t;";

/// One role's walk on one screen: where it is, what it saw wrong.
struct Walk<'a> {
    b: &'a Browser,
    base: String,
    shots: PathBuf,
    screen: (u32, u32),
    role: &'static str,
    step: usize,
    problems: Vec<String>,
}

impl Walk<'_> {
    fn open(&mut self, path: &str) {
        self.b.open(&format!("{}{path}", self.base));
        self.look();
    }

    /// Reads the page in front of the walker and saves it.
    fn look(&mut self) {
        let path = self.b.url().replace(&self.base, "");
        self.step += 1;
        let name = format!("{}-{}-{:02}.png", self.role, self.screen.0, self.step);
        self.screenshot(&self.shots.join(&name));
        let text = self.b.script(VISIBLE_TEXT);
        let text = text.as_str().unwrap_or_default();
        let mut found = Vec::new();
        // A file's name is what its owner called it (demo-residents.csv).
        let words = text
            .split_whitespace()
            .filter(|w| !(w.ends_with(".csv") || w.ends_with(".xlsx")));
        for word in words.flat_map(|w| w.split(|c: char| !(c.is_ascii_alphanumeric() || c == '#')))
        {
            if word.len() > 1
                && word.starts_with('#')
                && word[1..].chars().all(|c| c.is_ascii_digit())
            {
                found.push(format!("raw id {word}"));
            }
            let letters = word.trim_matches(|c: char| !c.is_ascii_alphabetic());
            if letters.len() >= 3
                && letters.chars().all(|c| c.is_ascii_alphabetic())
                && !LATIN_ALLOWED.contains(&letters)
            {
                found.push(format!("English {letters:?}"));
            }
        }
        let wide = self
            .b
            .script("return [document.documentElement.scrollWidth, window.innerWidth];");
        let (scroll, inner) = (wide[0].as_i64().unwrap_or(0), wide[1].as_i64().unwrap_or(0));
        if scroll > inner {
            found.push(format!("{scroll} px wide in a {inner} px screen"));
        }
        // A table that scrolls sideways within its frame (the room board's units may:
        // a unit wider than the screen is a plan, not a list).
        let tables = self.b.script(
            "return [...document.querySelectorAll('.table-wrap')]\
               .filter(e => e.scrollWidth > e.clientWidth + 1)\
               .map(e => (e.querySelector('table') || e).className);",
        );
        for t in tables.as_array().into_iter().flatten() {
            found.push(format!("a table scrolling sideways ({t})"));
        }
        if text.contains("出错了") || text.contains("无权") {
            found.push("an error page".to_owned());
        }
        found.sort();
        found.dedup();
        for f in found {
            self.problems.push(format!(
                "{} {}px {path} ({name}): {f}",
                self.role, self.screen.0
            ));
        }
    }

    /// The whole page as a picture: the window grows to the page's height first.
    fn screenshot(&self, to: &Path) {
        let height = self
            .b
            .script("return document.documentElement.scrollHeight;")
            .as_i64()
            .unwrap_or(900)
            .clamp(i64::from(self.screen.1), 6000);
        self.b
            .resize(self.screen.0, u32::try_from(height).unwrap_or(900));
        let png = self.b.call("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .expect("a PNG screenshot");
        std::fs::write(to, bytes).expect("screenshot written");
        self.b.resize(self.screen.0, self.screen.1);
    }

    /// Signs in through the form and lands on the home page.
    fn sign_in(&mut self, username: &str) {
        self.b.call("DELETE", "/cookie", None);
        self.b.open(&format!("{}/login", self.base));
        self.b.type_into("input[name=username]", username);
        self.b.type_into("input[name=password]", "civicgrid-demo");
        self.b.click("form button[type=submit]");
        self.wait_until_url(|u| !u.contains("/login"));
        self.look();
    }

    fn wait_until_url(&self, done: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            let url = self.b.url();
            if done(&url) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{} stayed on {url}",
                self.role
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Submits `form` with its first submit button and reads the page it leads to:
    /// a marker left in the page is gone once a new page (loaded, or swapped in by
    /// htmx) replaces it.
    fn submit(&mut self, form: &str) {
        let before = self.b.url();
        self.b.script(&format!(
            "const m = document.createElement('i'); m.id = 'walk-marker'; document.body.appendChild(m);\
             const f = document.querySelector({});\
             (f.querySelector('.actions button[type=submit]') || f.querySelector('button[type=submit]')).click();",
            Value::String(form.to_owned())
        ));
        let start = Instant::now();
        while self.has("#walk-marker") {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{}: submitting {form} on {before} went nowhere",
                self.role
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        self.wait_ready();
        self.look();
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        while self.b.script("return document.readyState;") != json!("complete") {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the page never loaded"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Follows the first link whose text, or whose list item's text, contains `text`.
    fn follow(&mut self, text: &str) {
        let href = self.b.script(&format!(
            "const t = {}; const a = [...document.querySelectorAll('main a'), ...document.querySelectorAll('a')].find(a =>\
               ((a.closest('li, tr, article') || a).innerText || '').includes(t));\
             return a ? a.getAttribute('href') : null;",
            Value::String(text.to_owned())
        ));
        let Some(href) = href.as_str() else {
            panic!("{}: no link with {text:?} on {}", self.role, self.b.url());
        };
        let href = href.to_owned();
        self.open(&href);
    }

    fn has(&self, css: &str) -> bool {
        self.b.script(&format!(
            "return document.querySelector({}) !== null;",
            Value::String(css.to_owned())
        )) == Value::Bool(true)
    }

    /// Asserts the page shows `css`, which says what the page is for.
    fn expect(&mut self, css: &str, what: &str) {
        if !self.has(css) {
            self.problems.push(format!(
                "{} {}px {}: {what} ({css} is missing)",
                self.role,
                self.screen.0,
                self.b.url().replace(&self.base, "")
            ));
        }
    }

    fn type_into(&self, css: &str, text: &str) {
        self.b.type_into(css, text);
    }
}

/// The resident reports a broken light and rates a repair poorly.
fn resident(w: &mut Walk) {
    w.sign_in("resident");
    w.expect(
        ".home-hero a.big[href='/requests/new']",
        "a big 我要反映 button",
    );
    w.open("/requests/new");
    w.type_into(
        "#r-description",
        "单元门口的路灯坏了好几天，晚上回家看不清台阶",
    );
    // The category is suggested from the words once the resident pauses; when
    // unsure, two or three choices are offered and the resident takes the first.
    let start = Instant::now();
    while !w.has("#category-field [role=status]") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no category suggested for the broken light"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    if w.has("#category-field .choices .chip") {
        w.b.click("#category-field .choices .chip");
        std::thread::sleep(Duration::from_millis(500));
    }
    w.look();
    if w.has("input[name=place][value=home]") {
        w.b.click("input[name=place][value=home]");
    }
    w.submit("form[action='/requests']");
    w.expect(".timeline, .request-timeline, ol", "the new request's page");
    w.open("/requests/mine");
    w.follow("楼道水管漏水");
    w.b.click("input[name=rating][value='1']");
    w.type_into("#rate-comment", "水管还在滴水，没有修好");
    w.submit("form[action$='/rate']");
    w.open("/requests/inbox");
    // The owners' vote on the property company: the resident votes on a phone.
    w.open("/participation");
    w.follow("续聘湖光物业");
    w.expect("form.ballot", "the ballot form");
    w.b.click("form.ballot input[name=choice][value=agree]");
    w.submit("form.ballot");
    w.expect(".alert.success", "the vote confirmed");
    // Deliberation: the resident joins the discussion of their proposal, raises a new
    // one, and reads the council's record.
    w.open("/participation/proposals");
    w.follow("3栋北侧增设电动车充电桩");
    w.expect("#support progress", "how far the support has come");
    w.type_into("#c-body", "雨棚建议做成透明的，不挡一楼的光");
    w.submit("form[action$='/comments']");
    w.expect(".alert.success", "the comment posted");
    w.open("/participation/proposals/new");
    w.type_into("#p-title", "儿童游乐区铺设防滑地垫");
    w.type_into("#p-desc", "在中心花园儿童游乐区铺设约80平方米的防滑地垫");
    w.type_into("#p-reason", "现在是水泥地，孩子摔倒容易受伤");
    w.type_into("#p-cost", "12000");
    w.submit("form[action='/participation/proposals']");
    w.expect(
        "#support .badge, #support form",
        "the new proposal's support",
    );
    w.open("/participation/meetings");
    w.follow("11月居民议事会");
    w.expect("ol.agenda .badge", "the council's outcomes");
}

/// The owners' committee follows the owners' vote, enters a ballot collected at the
/// door, and looks at the estate.
fn owners_committee(w: &mut Walk) {
    w.sign_in("committee");
    w.expect(
        ".home-votes a[href^='/participation/votes/']",
        "the open owners' vote",
    );
    w.follow("续聘湖光物业");
    w.follow("实时计票");
    w.expect(".checklist li", "the four conditions of art. 278");
    w.expect(".canvass-room form", "the rooms still to canvass");
    w.b.script("document.querySelector('.canvass-room select[name=choice]').value = 'agree';");
    w.submit(".canvass-room form");
    w.expect(".alert.success", "the paper ballot entered");
    w.open("/participation");
    w.follow("湖光社区");
    w.expect(".figures .figure", "what an owners' vote counts");
    w.open("/participation/votes/2/result");
    w.expect(".checklist, table.cards", "the published result");
}

/// Staff see their counts, open a waiting request, accept it and route it.
fn staff(w: &mut Walk) {
    w.sign_in("staff");
    w.expect(
        ".figures a.figure[href*='/requests/queue']",
        "the work counts",
    );
    w.open("/requests/queue?kind=scope&status=submitted");
    w.follow("2栋电梯停在5楼不动");
    w.submit("form.action-accept");
    if w.has("form.action-assign") {
        w.submit("form.action-assign");
    }
    w.open("/requests/queue?kind=due_soon");
    w.expect(
        "main a[href^='/requests/']",
        "the requests about to run late",
    );
    w.open("/requests/queue?kind=overdue");
    w.open("/requests/queue?kind=flagged");
    w.open("/participation");
    w.expect("a[href='/participation/votes/new']", "drafting a vote");
    w.open("/participation/votes/new");
    // The council: the proposal waiting for it is on next week's agenda; last week's
    // adopted one is followed to delivery.
    w.open("/participation/meetings");
    w.follow("12月居民议事会");
    w.expect("form[action$='/record']", "the form to record the meeting");
    w.open("/participation/meetings");
    w.follow("11月居民议事会");
    w.expect(
        "a[href^='/participation/commitments/new?item=']",
        "following the decision",
    );
    w.open("/participation/proposals");
    w.expect(
        "form[action='/participation/deliberation-rules']",
        "the support rules",
    );
    w.open("/requests/settings");
    w.open("/ledger/search?q=王");
}

/// The property company's member resolves the flooded garage with a note.
fn responder(w: &mut Walk) {
    w.sign_in("responder");
    w.expect("a[href^='/requests/']", "the company's open requests");
    w.follow("地下车库入口积水");
    w.type_into("#resolve-note", "已疏通排水沟，清理积水");
    w.submit("form.action-resolve");
    w.open("/requests/inbox");
}

/// The grid worker opens the room board, a household and one of its residents.
fn grid_worker(w: &mut Walk) {
    w.sign_in("grid");
    w.expect(
        ".figures a.figure[href^='/ledger/grids/']",
        "their grid's figures",
    );
    w.follow("楼栋房屋");
    let household = w.b.script(
        "const a = document.querySelector('a[href^=\"/ledger/households/\"]');\
         return a ? a.getAttribute('href') : null;",
    );
    let household = household
        .as_str()
        .expect("a household on the board")
        .to_owned();
    w.open(&household);
    let resident = w.b.script(
        "const a = document.querySelector('a[href^=\"/ledger/residents/\"]');\
         return a ? a.getAttribute('href') : null;",
    );
    let resident = resident
        .as_str()
        .expect("a resident in the household")
        .to_owned();
    w.open(&resident);
    w.open("/requests/queue?kind=mine");
    // The weekly visit list on the phone: one visit overdue, logged in one tap.
    w.open("/care/visits");
    w.expect(
        ".care-card.care-overdue form.care-log",
        "an overdue visit to log",
    );
    w.submit(".care-card.care-overdue form.care-log");
    w.expect(".alert.success", "the visit logged");
}

/// The street admin compares communities and looks at the public board.
fn street_admin(w: &mut Walk) {
    w.sign_in("street");
    w.expect("table.cards td.card-title", "each community side by side");
    w.open("/requests/queue?kind=overdue");
    w.open("/requests/public");
    w.follow("人口统计");
}

/// The administrator and the auditor read the organisation, accounts and logs.
fn admin_and_auditor(w: &mut Walk) {
    w.sign_in("admin");
    w.expect(
        ".figures a.figure[href='/users']",
        "the accounts and units it looks after",
    );
    w.open("/org");
    w.open("/users");
    w.open("/audit");
    w.open("/account");
    w.sign_in("auditor");
    w.expect(".figures a.figure[href^='/audit']", "the logs to review");
    w.open("/audit");
    w.open("/audit/views");
    w.open("/audit/verify");
}

/// The volunteer takes a shift of an activity in their area and reads their hours and
/// certificate; staff read the registry.
fn volunteer(w: &mut Walk) {
    w.sign_in("volunteer");
    w.expect(".home-volunteering", "the volunteer's shifts and hours");
    w.open("/care/activities");
    w.follow("楼道清理与义务维修");
    w.expect("form[action$='/signup']", "a shift still to take");
    w.submit("form[action$='/signup']");
    w.expect(".alert.success", "the shift taken");
    w.open("/care/volunteer");
    w.expect(".hours-ledger", "the hours ledger");
    w.open("/care/volunteer/certificate");
    w.expect(".certificate", "the certificate of hours");
    w.sign_in("staff");
    w.open("/care/volunteers");
    w.expect("table.cards a[href^='/care/volunteers/']", "the registry");
    w.open("/care/teams");
}

/// A role's name and its walk.
type Journey = (&'static str, fn(&mut Walk));

#[test]
fn every_role_walks_its_journey_in_chinese_on_a_phone_and_a_desktop() {
    let Some((_driver, b)) = start_browser("zh-CN") else {
        return;
    };
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
        .join("journeys");
    std::fs::create_dir_all(&shots).unwrap();
    let journeys: [Journey; 8] = [
        ("resident", resident),
        ("staff", staff),
        ("responder", responder),
        ("grid", grid_worker),
        ("street", street_admin),
        ("admin", admin_and_auditor),
        ("committee", owners_committee),
        ("volunteer", volunteer),
    ];
    let mut problems = Vec::new();
    for screen in SCREENS {
        // A demo of its own per screen: the journeys change what they walk through.
        let dir = tempfile::tempdir().unwrap();
        let (_server, addr) = start_demo(&dir.path().join("data"));
        b.resize(screen.0, screen.1);
        for (role, walk) in journeys {
            let mut w = Walk {
                b: &b,
                base: format!("http://{addr}"),
                shots: shots.clone(),
                screen,
                role,
                step: 0,
                problems: Vec::new(),
            };
            walk(&mut w);
            problems.extend(w.problems);
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems on the journeys (screenshots in {}):\n{}",
        problems.len(),
        shots.display(),
        problems.join("\n")
    );
}
