//! `civicgrid bench care --residents N --paired P`: loads N generated residents through
//! the import, gives every grid its grid worker and every community its staff member
//! (accounts made through the use case), then pairs P vulnerable residents — holding a
//! care tag of the catalogue, or aged 80 and over — spread evenly over the grids, each
//! with their grid's worker as carer. Pairing goes through the use case
//! (`App::pair_for_care`: the resident's tags, the community's policy, the carer's
//! account, the audit entry), one transaction each; so does the history that spreads the
//! due dates: one visit logged by the carer per pairing, backdated up to 14 days (a few
//! not visited yet, so due today), a sixth of the pairings visited weekly by the grid's
//! decision, so that some are overdue, some due today, this week or later; the alert job
//! then runs as the server would.
//!
//! Timed, in one run: each grid's due list as its grid worker reads it
//! (`App::grid_care_visits`) and each worker's own list as a carer
//! (`App::my_care_visits`); the coverage page of each community as its staff reads it
//! (`App::care_coverage`: the counts per grid and the list to act on); an indexed point
//! read of a resident, the read baseline; then visits logged through the use case
//! (`App::log_visit`) by C carers at once, each to a different pairing, while another
//! task reads grid due lists, against the same number of one-row transactions into a
//! bare table, C at a time — the insert baseline.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Datelike;
use civicgrid_app::care::pairings::NewPairing;
use civicgrid_app::care::visits::NewVisit;
use civicgrid_app::domain::care::coverage::Counts;
use civicgrid_app::domain::care::visits::{DAY_MS, Due, Mode, Outcome};
use civicgrid_app::domain::platform::access::{Actor, Permission, Role};
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::platform::org::OrgNode;
use civicgrid_app::platform::users::NewUser;
use civicgrid_app::{App, AppError};
use clap::Args;

use crate::bench::{Rng, percentile};
use crate::commands::open_app;
use crate::config::Settings;

#[derive(Args)]
pub struct CareArgs {
    #[arg(long, default_value_t = 1_000_000)]
    residents: usize,
    /// Vulnerable residents paired with a carer, spread over the grids.
    #[arg(long, default_value_t = 100_000)]
    paired: usize,
    /// Carers logging visits at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Visits logged in the timed part, each to a different pairing.
    #[arg(long, default_value_t = 20_000)]
    visits: usize,
    /// Keep the data in DIR (default: a temporary directory, removed afterwards).
    #[arg(long)]
    keep: Option<PathBuf>,
}

/// The password of the bench's accounts (never signed in with: actors are loaded).
const PASSWORD: &str = "bench-care-2026";
/// Writers at once while setting up (SQLite serialises them anyway).
const SETUP_TASKS: usize = 4;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn sorted(mut v: Vec<Duration>) -> Vec<Duration> {
    v.sort();
    v
}

pub async fn run(a: CareArgs) -> anyhow::Result<()> {
    let (dir, temporary) = match &a.keep {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("civicgrid-bench-care-{}", std::process::id())),
            true,
        ),
    };
    let result = bench(&a, &dir).await;
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// A grid with its worker, signed in.
#[derive(Clone)]
struct Grid {
    node: OrgNode,
    worker: Actor,
    worker_id: i64,
}

/// Makes one account per node through the use case (`prefix` + the node's code), with
/// `role` there, and loads each as an actor.
async fn accounts(
    app: &App,
    nodes: &[OrgNode],
    prefix: &str,
    display: &str,
    role: Role,
) -> anyhow::Result<Vec<(Actor, i64)>> {
    let nodes = Arc::new(nodes.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..SETUP_TASKS {
        let (app, nodes, next) = (app.clone(), Arc::clone(&nodes), Arc::clone(&next));
        let (prefix, display) = (prefix.to_owned(), display.to_owned());
        tasks.push(tokio::spawn(async move {
            let sys = Actor::system();
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(node) = nodes.get(i) else { break };
                let username = format!("{prefix}{}", node.code.to_lowercase());
                let user = app
                    .create_user(
                        &sys,
                        &NewUser {
                            username: username.clone(),
                            display_name: format!("{display} {}", node.name_zh),
                            password: PASSWORD.into(),
                            role: role.as_str().into(),
                            node_id: node.id,
                        },
                        Some("基准测试账号"),
                    )
                    .await
                    .with_context(|| format!("creating {username}"))?;
                let actor = app.actor_of_account(&sys, &username).await?;
                out.push((i, actor, user.id));
            }
            anyhow::Ok(out)
        }));
    }
    let mut all = Vec::with_capacity(nodes.len());
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|(i, _, _)| *i);
    Ok(all.into_iter().map(|(_, a, id)| (a, id)).collect())
}

/// Residents who may be paired (a care tag of the catalogue, or aged 80 and over by
/// their birth month, still living here), by grid id, each grid's in id order.
async fn candidates(app: &App) -> anyhow::Result<BTreeMap<i64, Vec<i64>>> {
    let today = chrono::Utc::now().date_naive();
    // Born before this month 80 years ago: 80 and over whichever day of the month.
    let aged_80 = i64::from(today.year() - 80) * 100 + i64::from(today.month());
    let mut conn = app.db().read().await?;
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT r.grid_id, r.id FROM residents r \
         WHERE r.residence_status IN ('registered', 'floating') AND (r.birth_ym < $1 \
         OR EXISTS (SELECT 1 FROM resident_tags t JOIN tag_catalogue c ON c.code = t.tag_code \
                    WHERE t.resident_id = r.id AND c.care = 1)) \
         ORDER BY r.grid_id, r.id",
    )
    .bind(aged_80)
    .fetch_all(&mut *conn)
    .await
    .context("reading the residents to pair")?;
    let mut out: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (grid, id) in rows {
        out.entry(grid).or_default().push(id);
    }
    Ok(out)
}

/// Up to `n` of `by_grid`, taken a grid at a time in turn so that every grid gets its
/// share: (resident, grid index in `grids`).
fn spread(by_grid: &BTreeMap<i64, Vec<i64>>, grids: &[Grid], n: usize) -> Vec<(i64, usize)> {
    let lists: Vec<(usize, &Vec<i64>)> = grids
        .iter()
        .enumerate()
        .filter_map(|(i, g)| by_grid.get(&g.node.id).map(|l| (i, l)))
        .collect();
    let mut out = Vec::with_capacity(n);
    let mut round = 0;
    while out.len() < n {
        let before = out.len();
        for (g, list) in &lists {
            if out.len() == n {
                break;
            }
            if let Some(r) = list.get(round) {
                out.push((*r, *g));
            }
        }
        if out.len() == before {
            break;
        }
        round += 1;
    }
    out
}

/// A pairing made by the setup: its id and its grid (index in the grid list).
#[derive(Clone, Copy)]
struct Paired {
    id: i64,
    grid: usize,
}

/// Pairs each of `picked` with its grid's worker through the use case, by the staff of
/// the grid's community; a sixth are visited weekly by the grid's decision. Returns the
/// pairings made and how many the use case refused (and why, the first time).
async fn pair_all(
    app: &App,
    picked: Vec<(i64, usize)>,
    grids: &Arc<Vec<Grid>>,
    staff_of: &Arc<BTreeMap<i64, Actor>>,
) -> anyhow::Result<(Vec<Paired>, usize)> {
    let picked = Arc::new(picked);
    let next = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..SETUP_TASKS {
        let (app, picked, next, refused) = (
            app.clone(),
            Arc::clone(&picked),
            Arc::clone(&next),
            Arc::clone(&refused),
        );
        let (grids, staff_of) = (Arc::clone(grids), Arc::clone(staff_of));
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(resident, g)) = picked.get(i) else {
                    break;
                };
                let grid = &grids[g];
                let community = grid.node.parent_id.unwrap_or_default();
                let staff = staff_of
                    .get(&community)
                    .with_context(|| format!("no staff for grid {}", grid.node.code))?;
                let weekly = i % 6 == 5;
                match app
                    .pair_for_care(
                        staff,
                        NewPairing {
                            resident_id: Some(resident),
                            household_id: None,
                            carers: vec![grid.worker_id],
                            cadence_days: weekly.then_some(7),
                            mode: weekly.then_some(Mode::InPerson),
                        },
                    )
                    .await
                {
                    Ok(p) => out.push(Paired { id: p.id, grid: g }),
                    Err(AppError::Invalid { field, message }) => {
                        if refused.fetch_add(1, Ordering::Relaxed) == 0 {
                            println!("  (pairing resident {resident} refused: {field}: {message})");
                        }
                    }
                    Err(e) => return Err(anyhow::Error::new(e).context("pairing")),
                }
            }
            anyhow::Ok(out)
        }));
    }
    let mut all = Vec::with_capacity(picked.len());
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|p| p.id);
    Ok((all, refused.load(Ordering::Relaxed)))
}

/// A visit as carers log them: mostly found well, some not reached, in hospital, or
/// needing help (which raises a request for the resident).
fn visit(pairing_id: i64, visited_at: Option<i64>, roll: u64) -> NewVisit {
    let (outcome, notes, help) = match roll % 100 {
        0 => (Outcome::NeedsHelp, "", "卫生间水龙头漏水，老人无法自行维修"),
        1..=3 => (Outcome::NotReached, "敲门无人应答，电话未接", ""),
        4..=5 => (Outcome::InHospital, "住院治疗中，家属陪护", ""),
        _ => (Outcome::Well, "身体状况良好，按时服药；叮嘱注意保暖。", ""),
    };
    NewVisit {
        pairing_id,
        visited_at,
        mode: if roll.is_multiple_of(7) {
            Mode::Phone
        } else {
            Mode::InPerson
        },
        outcome,
        notes: notes.into(),
        photo: None,
        help: help.into(),
        category: None,
    }
}

/// The history that spreads the due dates: for each pairing but one in twelve (not
/// visited yet: due today), a visit found well by its carer 0–14 days ago.
async fn history(app: &App, pairings: &[Paired], grids: &Arc<Vec<Grid>>) -> anyhow::Result<usize> {
    let now = civicgrid_app::now_ms();
    let mut rng = Rng(0xCA2E_5EED_0000_0001);
    let jobs: Vec<(Paired, i64)> = pairings
        .iter()
        .filter_map(|p| {
            let ago = 60_000 + rng.below((14 * DAY_MS - 3_600_000) as u64) as i64;
            (rng.below(12) != 0).then_some((*p, now - ago))
        })
        .collect();
    let n = jobs.len();
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..SETUP_TASKS {
        let (app, jobs, next, grids) = (
            app.clone(),
            Arc::clone(&jobs),
            Arc::clone(&next),
            Arc::clone(grids),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(p, at)) = jobs.get(i) else { break };
                app.log_visit(&grids[p.grid].worker, visit(p.id, Some(at), 50))
                    .await
                    .context("logging a past visit")?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(n)
}

async fn bench(a: &CareArgs, dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let s = Settings::resolve(dir.to_path_buf(), None, None)?;
    let app = open_app(&s).await?;
    crate::ledger::search_bench::load(&app, a.residents, dir).await?;

    let sys = Actor::system();
    let nodes = app.nodes_for(&sys, Permission::ViewOrg).await?;
    let communities: Vec<OrgNode> = nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Community)
        .cloned()
        .collect();
    let grid_nodes: Vec<OrgNode> = nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Grid)
        .cloned()
        .collect();
    let t = Instant::now();
    let staff = accounts(
        &app,
        &communities,
        "cs.",
        "社区工作人员",
        Role::CommunityStaff,
    )
    .await?;
    let workers = accounts(&app, &grid_nodes, "gw.", "网格员", Role::GridWorker).await?;
    let staff_of: BTreeMap<i64, Actor> = communities
        .iter()
        .zip(staff)
        .map(|(c, (actor, _))| (c.id, actor))
        .collect();
    let staff_of = Arc::new(staff_of);
    let grids: Vec<Grid> = grid_nodes
        .into_iter()
        .zip(workers)
        .map(|(node, (worker, worker_id))| Grid {
            node,
            worker,
            worker_id,
        })
        .collect();
    let grids = Arc::new(grids);
    println!(
        "{} grid workers and {} community staff accounts in {:.1} s",
        grids.len(),
        communities.len(),
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let by_grid = candidates(&app).await?;
    let eligible: usize = by_grid.values().map(Vec::len).sum();
    let picked = spread(&by_grid, &grids, a.paired);
    anyhow::ensure!(!picked.is_empty(), "no resident to pair");
    let (pairings, refused) = pair_all(&app, picked, &grids, &staff_of).await?;
    let pair_time = t.elapsed();
    println!(
        "paired {} of {eligible} vulnerable residents through the use case in {:.1} s ({:.0}/s; {refused} refused)",
        pairings.len(),
        pair_time.as_secs_f64(),
        pairings.len() as f64 / pair_time.as_secs_f64().max(1e-9)
    );
    let t = Instant::now();
    let logged = history(&app, &pairings, &grids).await?;
    let mut alerts = (0, 0);
    loop {
        let r = app.run_care_alerts(civicgrid_app::now_ms()).await?;
        alerts = (alerts.0 + r.raised, alerts.1 + r.red);
        if r.raised == 0 && r.red == 0 {
            break;
        }
    }
    println!(
        "{logged} past visits logged through the use case and the alert job run ({} alerts) in {:.1} s",
        alerts.0,
        t.elapsed().as_secs_f64()
    );
    {
        let mut conn = app.db().read().await?;
        civicgrid_store::ledger::search::analyze(&mut conn).await?;
    }

    // (1) Each grid's due list as its worker reads it, twice over; and each worker's own.
    for g in grids.iter().take(20) {
        app.grid_care_visits(&g.worker, g.node.id).await?;
    }
    let mut grid_lists = Vec::with_capacity(2 * grids.len());
    let mut buckets = [0usize; 3];
    for round in 0..2 {
        for g in grids.iter() {
            let t = Instant::now();
            let list = app.grid_care_visits(&g.worker, g.node.id).await?;
            grid_lists.push(t.elapsed());
            if round == 0 {
                buckets[0] += list.count(Due::Overdue);
                buckets[1] += list.count(Due::Today);
                buckets[2] += list.count(Due::ThisWeek);
            }
        }
    }
    let grid_lists = sorted(grid_lists);
    let mut own = Vec::with_capacity(grids.len());
    for g in grids.iter() {
        let t = Instant::now();
        app.my_care_visits(&g.worker).await?;
        own.push(t.elapsed());
    }
    let own = sorted(own);

    // (2) Each community's coverage page as its staff reads it, three times over.
    let mut coverage = Vec::with_capacity(3 * communities.len());
    let mut total = Counts::default();
    for round in 0..3 {
        for c in &communities {
            let who = staff_of.get(&c.id).context("no staff")?;
            let t = Instant::now();
            let view = app.care_coverage(who, c.id).await?;
            coverage.push(t.elapsed());
            if round == 0 {
                total.add(&view.total);
            }
        }
    }
    let coverage = sorted(coverage);

    // (3) The read baseline.
    let point = crate::bench::point_reads(&app, 1_000).await?;

    // (4) Visits logged by C carers at once, a different pairing each (the grids taken
    // in turn, so that the carers at work differ), while a grid worker reads due lists.
    let mut order: Vec<Paired> = Vec::with_capacity(pairings.len());
    {
        let mut per_grid: Vec<Vec<Paired>> = vec![Vec::new(); grids.len()];
        for p in &pairings {
            per_grid[p.grid].push(*p);
        }
        let longest = per_grid.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..longest {
            order.extend(per_grid.iter().filter_map(|l| l.get(i).copied()));
        }
    }
    order.truncate(a.visits);
    let n = order.len();
    let order = Arc::new(order);
    let streaming = Arc::new(AtomicBool::new(true));
    let reader = {
        let (app, grids, streaming) = (app.clone(), Arc::clone(&grids), Arc::clone(&streaming));
        tokio::spawn(async move {
            let mut times = Vec::new();
            let mut i = 0;
            while streaming.load(Ordering::Relaxed) {
                let g = &grids[i % grids.len()];
                let t = Instant::now();
                app.grid_care_visits(&g.worker, g.node.id).await?;
                times.push(t.elapsed());
                i += 7;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            anyhow::Ok(times)
        })
    };
    let next = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..a.concurrency {
        let (app, grids, order, next, requests) = (
            app.clone(),
            Arc::clone(&grids),
            Arc::clone(&order),
            Arc::clone(&next),
            Arc::clone(&requests),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut rng = Rng(0x0F15_17ED + task as u64);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(p) = order.get(i) else { break };
                let t = Instant::now();
                let done = app
                    .log_visit(&grids[p.grid].worker, visit(p.id, None, rng.below(100)))
                    .await
                    .context("logging a visit")?;
                lat.push(t.elapsed());
                if done.request.is_some() {
                    requests.fetch_add(1, Ordering::Relaxed);
                }
            }
            anyhow::Ok(lat)
        }));
    }
    let mut logging = Vec::with_capacity(n);
    for t in tasks {
        logging.extend(t.await??);
    }
    let stack = started.elapsed();
    streaming.store(false, Ordering::Relaxed);
    let streamed = sorted(reader.await??);
    let logging = sorted(logging);
    let bare = bare_inserts(&app, n, a.concurrency).await?;

    let p = |v: &[Duration], q: f64| ms(percentile(v, q));
    let ratio = |v: &[Duration], q: f64| p(v, q) / p(&point, q).max(1e-6);
    println!(
        "\ncare bench: {} residents, {} grids, {} communities, {} pairings, concurrency {}",
        a.residents,
        grids.len(),
        communities.len(),
        pairings.len(),
        a.concurrency
    );
    println!(
        "due now across the grids: {} overdue, {} today, {} this week",
        buckets[0], buckets[1], buckets[2]
    );
    println!(
        "coverage: {} vulnerable, {} paired, {} on time, {} overdue, {} red",
        total.vulnerable, total.paired, total.on_time, total.overdue, total.red
    );
    let line = |label: &str, v: &[Duration], note: String| {
        println!(
            "{label:<34}p50 {:>7.2} ms   p99 {:>7.2} ms   ({note})",
            p(v, 0.5),
            p(v, 0.99)
        );
    };
    line(
        "grid due list (grid worker)",
        &grid_lists,
        format!("{} reads", grid_lists.len()),
    );
    line("carer's own due list", &own, format!("{} reads", own.len()));
    line(
        "community coverage page",
        &coverage,
        format!("{} reads", coverage.len()),
    );
    println!(
        "{:<34}p50 {:>7.3} ms   p99 {:>7.3} ms",
        "point read (baseline)",
        p(&point, 0.5),
        p(&point, 0.99)
    );
    for (label, v) in [
        ("grid due list / point read", &grid_lists),
        ("own due list / point read", &own),
        ("coverage / point read", &coverage),
    ] {
        println!(
            "{label:<34}p50 {:>7.1}x   p99 {:>7.1}x",
            ratio(v, 0.5),
            ratio(v, 0.99)
        );
    }
    let rate = |d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    println!(
        "visits through the use case       {:>8.0} /s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({n} visits, {} raised a request)",
        rate(stack),
        p(&logging, 0.5),
        p(&logging, 0.99),
        requests.load(Ordering::Relaxed)
    );
    println!("bare one-row inserts (baseline)   {:>8.0} /s", rate(bare));
    println!(
        "ratio use case / bare             {:>8.2}",
        rate(stack) / rate(bare)
    );
    line(
        "grid due list while visits stream",
        &streamed,
        format!("{} reads", streamed.len()),
    );
    let worst = p(&grid_lists, 0.99).max(p(&streamed, 0.99));
    println!(
        "goal: due lists under 50 ms p99 — {} ({worst:.2} ms)",
        if worst < 50.0 { "met" } else { "missed" }
    );
    Ok(())
}

/// `n` one-row transactions into a bare table, `c` at a time: the insert baseline.
async fn bare_inserts(app: &App, n: usize, c: usize) -> anyhow::Result<Duration> {
    {
        let mut tx = app.db().begin_write().await?;
        civicgrid_store::raw_execute(
            &mut tx,
            "CREATE TABLE IF NOT EXISTS bench_bare (id BIGINT PRIMARY KEY, v TEXT NOT NULL)",
        )
        .await?;
        civicgrid_store::commit(tx).await?;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..c {
        let (app, next) = (app.clone(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let mut tx = app.db().begin_write().await?;
                sqlx::query("INSERT INTO bench_bare (id, v) VALUES ($1, $2)")
                    .bind(i as i64)
                    .bind("well")
                    .execute(&mut *tx)
                    .await?;
                civicgrid_store::commit(tx).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(started.elapsed())
}
