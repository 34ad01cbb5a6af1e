//! `civicgrid bench emergency --residents N --street-residents S`: loads N generated
//! residents through the import, then takes whole communities in order until they hold
//! S residents — a street's worth — and gives each its community staff and the street's
//! grids their checkers (K grid-worker accounts spread over the grids in turn; accounts
//! made through the use case). Each of those communities is switched into emergency
//! mode (`App::start_emergency`) and its staff start a welfare-check campaign over
//! every household (`App::start_welfare_campaign`: the households chosen from the
//! ledger, walking keys, split by building among the community's checkers, the audit
//! entry, one transaction) — timed, with targets per second.
//!
//! Timed, in one run: each checker's own list as their phone page reads it
//! (`App::my_welfare_checks`); then checks recorded through the use case
//! (`App::record_welfare_check`: authorization, the retry key, the check, the target's
//! state, a request raised for "needs help", one durable transaction), each with a
//! distinct key, by C checkers at once working their lists in walking order, while
//! another task reads the campaigns' boards (`App::welfare_board`, the whole read of
//! the board page) every 5 ms; against the same number of one-row transactions into a
//! bare table shaped like `welfare_checks` (with its unique key), C at a time — the
//! insert baseline. Then the boards again with nothing streaming, and a bare indexed
//! point read of a resident, the read baseline. With `DATABASE_URL` (or
//! `--database-url`) it loads and times a PostgreSQL database.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::domain::emergency::checks::{Need, Outcome};
use civicgrid_app::domain::emergency::modes::{Hazard, Kind, Level};
use civicgrid_app::domain::platform::access::{Actor, Permission, Role};
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::emergency::checks::{NewCampaign, NewCheck};
use civicgrid_app::emergency::modes::StartEmergency;
use civicgrid_app::platform::org::OrgNode;
use civicgrid_app::platform::users::NewUser;
use clap::Args;

use crate::bench::{Rng, percentile};
use crate::commands::open_app;
use crate::config::Settings;

#[derive(Args)]
pub struct EmergencyArgs {
    #[arg(long, default_value_t = 1_000_000)]
    residents: usize,
    /// Residents of the communities the campaigns cover (whole communities, taken in
    /// order until they hold this many).
    #[arg(long, default_value_t = 200_000)]
    street_residents: usize,
    /// Checker accounts (grid workers), spread over those communities' grids in turn.
    #[arg(long, default_value_t = 200)]
    checkers: usize,
    /// Checkers recording checks at once.
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// Checks recorded in the timed part, each with its own key.
    #[arg(long, default_value_t = 20_000)]
    checks: usize,
    /// Keep the data in DIR (default: a temporary directory, removed afterwards).
    #[arg(long)]
    keep: Option<PathBuf>,
    /// PostgreSQL URL of an empty database to load; the data directory still holds
    /// the master key.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

/// The password of the bench's accounts (never signed in with: actors are loaded).
const PASSWORD: &str = "bench-emergency-2026";
/// Writers at once while making accounts (SQLite serialises them anyway).
const SETUP_TASKS: usize = 4;
/// Board reads at least, with nothing streaming.
const IDLE_READS: usize = 300;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn sorted(mut v: Vec<Duration>) -> Vec<Duration> {
    v.sort();
    v
}

pub async fn run(a: EmergencyArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.concurrency > 0, "--concurrency must be at least 1");
    anyhow::ensure!(a.checkers > 0, "--checkers must be at least 1");
    let (dir, temporary) = match &a.keep {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("civicgrid-bench-emergency-{}", std::process::id())),
            true,
        ),
    };
    let result = bench(&a, &dir).await;
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Makes one account per `(username, display name, node)` through the use case, with
/// `role` there, and loads each as an actor.
async fn accounts(
    app: &App,
    wanted: Vec<(String, String, i64)>,
    role: Role,
) -> anyhow::Result<Vec<(Actor, i64)>> {
    let wanted = Arc::new(wanted);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..SETUP_TASKS {
        let (app, wanted, next) = (app.clone(), Arc::clone(&wanted), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let sys = Actor::system();
            let mut out = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((username, display, node_id)) = wanted.get(i) else {
                    break;
                };
                let user = app
                    .create_user(
                        &sys,
                        &NewUser {
                            username: username.clone(),
                            display_name: display.clone(),
                            password: PASSWORD.into(),
                            role: role.as_str().into(),
                            node_id: *node_id,
                        },
                        Some("基准测试账号"),
                    )
                    .await
                    .with_context(|| format!("creating {username}"))?;
                let actor = app.actor_of_account(&sys, username).await?;
                out.push((i, actor, user.id));
            }
            anyhow::Ok(out)
        }));
    }
    let mut all = Vec::with_capacity(wanted.len());
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|(i, _, _)| *i);
    Ok(all.into_iter().map(|(_, a, id)| (a, id)).collect())
}

/// Residents per community (by the community's id).
async fn residents_by_community(app: &App) -> anyhow::Result<BTreeMap<i64, i64>> {
    let mut conn = app.db().read().await?;
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT g.parent_id, COUNT(*) FROM residents r JOIN org_nodes g ON g.id = r.grid_id \
         WHERE g.parent_id IS NOT NULL GROUP BY g.parent_id",
    )
    .fetch_all(&mut *conn)
    .await
    .context("counting residents per community")?;
    Ok(rows.into_iter().collect())
}

/// A community of the street: its node, its staff, its campaign once started.
struct Community {
    node: OrgNode,
    staff: Actor,
    staff_id: i64,
    campaign: i64,
}

/// What a checker sends: mostly safe, some not reached or not at home (back on the
/// list), a few moved away, one in a hundred needing help (which raises a request).
fn check(household_id: i64, key: String, roll: u64) -> NewCheck {
    let (outcome, needs, note) = match roll % 100 {
        0 => (
            Outcome::NeedsHelp,
            vec![Need::Medicine],
            "独居老人降压药将用完，需送药上门",
        ),
        1..=3 => (Outcome::NotReached, Vec::new(), "敲门无人应答，电话未接"),
        4..=6 => (Outcome::NotHome, Vec::new(), "邻居说已投亲靠友"),
        7..=8 => (Outcome::MovedAway, Vec::new(), ""),
        _ => (Outcome::Safe, Vec::new(), ""),
    };
    NewCheck {
        household_id,
        outcome,
        needs,
        note: note.into(),
        client_key: key,
        items: Vec::new(),
    }
}

async fn bench(a: &EmergencyArgs, dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let s = Settings::resolve(dir.to_path_buf(), None, a.database_url.clone())?;
    let app = open_app(&s).await?;
    crate::ledger::search_bench::load(&app, a.residents, dir).await?;

    // The street: whole communities in order until they hold the residents asked for.
    let sys = Actor::system();
    let nodes = app.nodes_for(&sys, Permission::ViewOrg).await?;
    let counts = residents_by_community(&app).await?;
    let mut picked: Vec<OrgNode> = Vec::new();
    let mut street_residents = 0i64;
    let mut in_order: Vec<&OrgNode> = nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Community)
        .collect();
    in_order.sort_by(|x, y| x.code.cmp(&y.code));
    for n in in_order {
        if street_residents >= a.street_residents as i64 {
            break;
        }
        if let Some(&c) = counts.get(&n.id).filter(|c| **c > 0) {
            street_residents += c;
            picked.push(n.clone());
        }
    }
    anyhow::ensure!(!picked.is_empty(), "no community holds residents");
    let grids: Vec<OrgNode> = nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Grid && picked.iter().any(|c| Some(c.id) == n.parent_id))
        .cloned()
        .collect();

    let t = Instant::now();
    let staff = accounts(
        &app,
        picked
            .iter()
            .map(|c| {
                (
                    format!("es.{}", c.code.to_lowercase()),
                    format!("社区值班 {}", c.name_zh),
                    c.id,
                )
            })
            .collect(),
        Role::CommunityStaff,
    )
    .await?;
    // Checker k walks grid k mod G: every grid has one before any has two.
    let checker_grid: Vec<&OrgNode> = (0..a.checkers).map(|k| &grids[k % grids.len()]).collect();
    let checkers = accounts(
        &app,
        checker_grid
            .iter()
            .enumerate()
            .map(|(k, g)| {
                (
                    format!("ck{k}.{}", g.code.to_lowercase()),
                    format!("排查员 {} {}", g.name_zh, k + 1),
                    g.id,
                )
            })
            .collect(),
        Role::GridWorker,
    )
    .await?;
    println!(
        "{} checker and {} community staff accounts in {:.1} s",
        checkers.len(),
        staff.len(),
        t.elapsed().as_secs_f64()
    );
    let mut communities: Vec<Community> = picked
        .into_iter()
        .zip(staff)
        .map(|(node, (staff, staff_id))| Community {
            node,
            staff,
            staff_id,
            campaign: 0,
        })
        .collect();

    // Each community switched into emergency mode, then its campaign started.
    let t = Instant::now();
    let mut activations = Vec::with_capacity(communities.len());
    for c in &communities {
        let started = app
            .start_emergency(
                &c.staff,
                &StartEmergency {
                    node_id: c.node.id,
                    kind: Kind::Emergency,
                    hazard: Hazard::Flood,
                    level: Level::II,
                    reason: "长江水位超警戒，启动防汛Ⅱ级应急响应".into(),
                    notify: false,
                },
            )
            .await
            .with_context(|| format!("switching {} into emergency mode", c.node.code))?;
        activations.push(started.first().map(|a| a.id).context("no activation")?);
    }
    let switch_time = t.elapsed();
    let mut targets = 0usize;
    let mut largest = (0usize, Duration::ZERO);
    let started = Instant::now();
    for (c, activation_id) in communities.iter_mut().zip(activations) {
        let mut ids: Vec<i64> = checker_grid
            .iter()
            .zip(&checkers)
            .filter(|(g, _)| g.parent_id == Some(c.node.id))
            .map(|(_, (_, id))| *id)
            .collect();
        if ids.is_empty() {
            ids.push(c.staff_id);
        }
        let t = Instant::now();
        let (camp, n) = app
            .start_welfare_campaign(
                &c.staff,
                &NewCampaign {
                    activation_id,
                    node_id: c.node.id,
                    tags: Vec::new(),
                    hours: 12,
                    checkers: ids,
                    started_at: None,
                },
            )
            .await
            .with_context(|| format!("starting the campaign of {}", c.node.code))?;
        let took = t.elapsed();
        if n > largest.0 {
            largest = (n, took);
        }
        targets += n;
        c.campaign = camp.id;
    }
    let campaign_time = started.elapsed();
    let per_sec = |n: usize, d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    println!(
        "{} communities switched into emergency mode in {:.2} s",
        communities.len(),
        switch_time.as_secs_f64()
    );
    println!(
        "{} campaigns over {street_residents} residents: {targets} households targeted and \
         assigned in {:.2} s ({:.0} targets/s; the largest, {} households, in {:.0} ms)",
        communities.len(),
        campaign_time.as_secs_f64(),
        per_sec(targets, campaign_time),
        largest.0,
        ms(largest.1)
    );
    {
        let mut conn = app.db().read().await?;
        civicgrid_store::ledger::search::analyze(&mut conn).await?;
    }

    // (1) Each checker's own list, as their phone page reads it.
    let mut lists = Vec::with_capacity(checkers.len());
    let mut queues: Vec<Vec<(i64, i64)>> = Vec::with_capacity(checkers.len());
    for (actor, _) in &checkers {
        let t = Instant::now();
        let mine = app.my_welfare_checks(actor).await?;
        lists.push(t.elapsed());
        queues.push(
            mine.iter()
                .flat_map(|l| l.to_check.iter().map(|t| (l.c.id, t.household_id)))
                .collect(),
        );
    }
    let lists = sorted(lists);
    let assigned: usize = queues.iter().map(Vec::len).sum();

    // (2) Checks by C checkers at once (task t works checkers t, t + C, … in turn, each
    // down their list), while the boards are read every 5 ms.
    let communities = Arc::new(communities);
    let streaming = Arc::new(AtomicBool::new(true));
    let reader = {
        let (app, communities, streaming) = (
            app.clone(),
            Arc::clone(&communities),
            Arc::clone(&streaming),
        );
        tokio::spawn(async move {
            let (mut boards, mut points) = (Vec::new(), Vec::new());
            let mut rng = Rng(11);
            let mut i = 0;
            while streaming.load(Ordering::Relaxed) {
                let c = &communities[i % communities.len()];
                let t = Instant::now();
                app.welfare_board(&c.staff, c.campaign).await?;
                boards.push(t.elapsed());
                // The bare read under the same load: what waiting alone costs.
                let t = Instant::now();
                let mut conn = app.db().read().await?;
                civicgrid_store::ledger::search::point_read(
                    &mut conn,
                    1 + rng.below(100_000) as i64,
                )
                .await?;
                drop(conn);
                points.push(t.elapsed());
                i += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            anyhow::Ok((boards, points))
        })
    };
    let checker_actors: Arc<Vec<Actor>> =
        Arc::new(checkers.iter().map(|(a, _)| a.clone()).collect());
    let queues = Arc::new(queues);
    let budget = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..a.concurrency.min(checker_actors.len()) {
        let (app, actors, queues, budget, requests) = (
            app.clone(),
            Arc::clone(&checker_actors),
            Arc::clone(&queues),
            Arc::clone(&budget),
            Arc::clone(&requests),
        );
        let (limit, stride) = (a.checks, a.concurrency);
        tasks.push(tokio::spawn(async move {
            let mine: Vec<usize> = (task..actors.len()).step_by(stride).collect();
            let mut at = vec![0usize; mine.len()];
            let mut lat = Vec::new();
            let mut turn = 0;
            // The next of this task's checkers with a household left, in turn.
            while let Some(k) = (0..mine.len())
                .map(|j| (turn + j) % mine.len())
                .find(|&j| at[j] < queues[mine[j]].len())
            {
                turn = k + 1;
                let slot = budget.fetch_add(1, Ordering::Relaxed);
                if slot >= limit {
                    break;
                }
                let who = mine[k];
                let (campaign, household) = queues[who][at[k]];
                at[k] += 1;
                let key = format!("bench-{who}-{household}");
                let t = Instant::now();
                // Spread evenly: exactly one check in a hundred needs help.
                let sent = check(household, key, (slot as u64 * 37) % 100);
                if let Err(e) = app
                    .record_welfare_check(&actors[who], campaign, &sent)
                    .await
                {
                    // When it was refused and why, so that the first failure is told.
                    return Err((started.elapsed(), slot, e));
                }
                lat.push(t.elapsed());
                if sent.outcome == Outcome::NeedsHelp {
                    requests.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(lat)
        }));
    }
    let mut recorded = Vec::with_capacity(a.checks);
    let mut failed = Vec::new();
    for t in tasks {
        match t.await? {
            Ok(lat) => recorded.extend(lat),
            Err(e) => failed.push(e),
        }
    }
    failed.sort_by_key(|(at, _, _)| *at);
    if let Some((at, slot, first)) = failed.first() {
        anyhow::bail!(
            "recording a check: {first} (check {slot}, {:.1} s into the checks; {} checkers stopped, {} checks recorded)",
            at.as_secs_f64(),
            failed.len(),
            recorded.len()
        );
    }
    let stack = started.elapsed();
    streaming.store(false, Ordering::Relaxed);
    let (streamed, point_streamed) = reader.await??;
    let (streamed, point_streamed) = (sorted(streamed), sorted(point_streamed));
    let recorded = sorted(recorded);
    let n = recorded.len();
    let at_once = a.concurrency.min(checker_actors.len());
    let bare = bare_inserts(&app, n, at_once).await?;

    // (3) The boards with nothing streaming, then the read baseline.
    let mut idle = Vec::new();
    let mut board_lines = 0usize;
    while idle.len() < IDLE_READS.max(communities.len()) {
        for c in communities.iter() {
            let t = Instant::now();
            let b = app.welfare_board(&c.staff, c.campaign).await?;
            idle.push(t.elapsed());
            board_lines = board_lines.max(b.buildings.len());
        }
    }
    let idle = sorted(idle);
    let point = crate::bench::point_reads(&app, 1_000).await?;
    let (mut checked, mut help, mut unreached) = (0, 0, 0);
    for c in communities.iter() {
        let b = app.welfare_board(&c.staff, c.campaign).await?;
        checked += b.checked;
        help += b.needing_help;
        unreached += b.unreached;
    }

    let p = |v: &[Duration], q: f64| ms(percentile(v, q));
    let ratio = |v: &[Duration], q: f64| p(v, q) / p(&point, q).max(1e-6);
    println!(
        "\nemergency bench: {} residents; {} communities of {street_residents} residents, {} grids; \
         {targets} households in {} campaigns; {} checkers, concurrency {at_once}",
        a.residents,
        communities.len(),
        grids.len(),
        communities.len(),
        checker_actors.len(),
    );
    println!(
        "campaigns created and assigned   {:>8.2} s   {:>8.0} targets/s   (largest {} households in {:.0} ms)",
        campaign_time.as_secs_f64(),
        per_sec(targets, campaign_time),
        largest.0,
        ms(largest.1)
    );
    println!(
        "after the checks: {checked} households checked, {help} needing help, {unreached} not reached yet \
         (of {assigned} assigned to the checkers; a board has up to {board_lines} buildings)"
    );
    let line = |label: &str, v: &[Duration], note: String| {
        println!(
            "{label:<36}p50 {:>7.2} ms   p99 {:>7.2} ms   ({note})",
            p(v, 0.5),
            p(v, 0.99)
        );
    };
    line(
        "checker's own list",
        &lists,
        format!("{} reads", lists.len()),
    );
    line(
        "campaign board, idle",
        &idle,
        format!("{} reads", idle.len()),
    );
    line(
        "campaign board while checks stream",
        &streamed,
        format!("{} reads", streamed.len()),
    );
    println!(
        "{:<36}p50 {:>7.3} ms   p99 {:>7.3} ms",
        "point read (baseline)",
        p(&point, 0.5),
        p(&point, 0.99)
    );
    println!(
        "{:<36}p50 {:>7.3} ms   p99 {:>7.3} ms   ({} reads)",
        "point read while checks stream",
        p(&point_streamed, 0.5),
        p(&point_streamed, 0.99),
        point_streamed.len()
    );
    for (label, v) in [
        ("own list / point read", &lists),
        ("board idle / point read", &idle),
        ("board streaming / point read", &streamed),
    ] {
        println!(
            "{label:<36}p50 {:>7.1}x   p99 {:>7.1}x",
            ratio(v, 0.5),
            ratio(v, 0.99)
        );
    }
    println!(
        "checks through the use case         {:>8.0} /s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({n} checks, {} raised a request)",
        per_sec(n, stack),
        p(&recorded, 0.5),
        p(&recorded, 0.99),
        requests.load(Ordering::Relaxed)
    );
    println!(
        "bare one-row inserts (baseline)     {:>8.0} /s",
        per_sec(n, bare)
    );
    println!(
        "ratio use case / bare               {:>8.2}",
        per_sec(n, stack) / per_sec(n, bare).max(1e-9)
    );
    let worst = p(&idle, 0.99).max(p(&streamed, 0.99));
    println!(
        "goal: campaign board under 50 ms p99 — {} ({worst:.2} ms)",
        if worst < 50.0 { "met" } else { "missed" }
    );
    Ok(())
}

/// `n` one-row transactions, `c` at a time, into a bare table shaped like
/// `welfare_checks` (with its unique key per campaign): the insert baseline.
async fn bare_inserts(app: &App, n: usize, c: usize) -> anyhow::Result<Duration> {
    {
        let mut tx = app.db().begin_write().await?;
        civicgrid_store::raw_execute(
            &mut tx,
            "CREATE TABLE IF NOT EXISTS bench_bare_checks (id BIGINT PRIMARY KEY, \
             campaign_id BIGINT NOT NULL, household_id BIGINT NOT NULL, outcome TEXT NOT NULL, \
             needs TEXT NOT NULL, note TEXT NOT NULL, checked_by BIGINT, checked_at BIGINT NOT NULL, \
             client_key TEXT NOT NULL)",
        )
        .await?;
        civicgrid_store::raw_execute(
            &mut tx,
            "CREATE UNIQUE INDEX IF NOT EXISTS bench_bare_checks_once \
             ON bench_bare_checks(campaign_id, client_key)",
        )
        .await?;
        civicgrid_store::commit(tx).await?;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..c.max(1) {
        let (app, next) = (app.clone(), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let mut tx = app.db().begin_write().await?;
                sqlx::query(
                    "INSERT INTO bench_bare_checks (id, campaign_id, household_id, outcome, \
                     needs, note, checked_by, checked_at, client_key) \
                     VALUES ($1, 1, $2, 'safe', ',', '', 1, $3, $4)",
                )
                .bind(i as i64)
                .bind(i as i64)
                .bind(civicgrid_app::now_ms())
                .bind(format!("bare-{i}"))
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
