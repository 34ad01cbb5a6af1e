//! `civicgrid bench vote --residents N --rooms R`: loads N generated residents through
//! the import, makes an estate of R rooms from the ledger's buildings, opens an owners'
//! vote on it (freezing its electorate), then casts one ballot per owner concurrently
//! through the use case (authorization, the ballot, its history and its audit entry in
//! one durable transaction) while another task reads the live tally with both art. 278
//! majorities; once all are in, it reads the tally page's figures (the count, turnout
//! by building, the rooms to canvass). In the same run, the same number of one-row
//! transactions into a bare table is the insert baseline, and a bare indexed point read
//! the read baseline.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::domain::participation::art278::Matter;
use civicgrid_app::domain::participation::votes::{Electorate, VoteKind, VoteSpec};
use civicgrid_app::domain::platform::access::Permission;
use civicgrid_app::domain::platform::access::{Actor, Assignment, Role};
use civicgrid_app::domain::platform::org::NodeKind;
use civicgrid_app::participation::votes::{NewVote, PaperBallot};
use clap::Args;

use crate::bench::percentile;
use crate::commands::open_app;
use crate::config::Settings;

#[derive(Args)]
pub struct VoteArgs {
    #[arg(long, default_value_t = 1_000_000)]
    residents: usize,
    /// Rooms of the estate that votes (at least; whole buildings are taken).
    #[arg(long, default_value_t = 20_000)]
    rooms: i64,
    /// Ballots cast at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Keep the data in DIR (default: a temporary directory, removed afterwards).
    #[arg(long)]
    keep: Option<PathBuf>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The community's staff, as if signed in.
fn staff(community: &civicgrid_app::platform::org::OrgNode) -> Actor {
    Actor {
        // The first account (the seeded administrator), acting as the community's staff.
        user_id: Some(1),
        token_id: None,
        label: "bench staff".into(),
        assignments: vec![Assignment {
            id: 0,
            role: Role::CommunityStaff,
            node_id: community.id,
            path: community.path.clone(),
        }],
    }
}

pub async fn run(a: VoteArgs) -> anyhow::Result<()> {
    let (dir, temporary) = match &a.keep {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("civicgrid-bench-vote-{}", std::process::id())),
            true,
        ),
    };
    let result = bench(&a, &dir).await;
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// An estate of `rooms` rooms, each the home of one owner-occupier household with its
/// area: the ledger's generated communities hold a few thousand rooms each, so the
/// estate's buildings are added to the first community's first grid through the
/// ledger's use cases (40 buildings of 5 units). Returns the community's staff, the
/// estate and its rooms.
async fn estate(app: &App, rooms: i64) -> anyhow::Result<(Actor, i64, i64)> {
    let sys = Actor::system();
    let nodes = app.nodes_for(&sys, Permission::ViewOrg).await?;
    let community = nodes
        .iter()
        .find(|n| n.kind == NodeKind::Community)
        .context("no community")?;
    let grid = nodes
        .iter()
        .find(|n| n.kind == NodeKind::Grid && n.parent_id == Some(community.id))
        .context("no grid")?;
    let who = staff(community);
    let per_building = (rooms + 39) / 40;
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (app, next, grid_id) = (app.clone(), Arc::clone(&next), grid.id);
        tasks.push(tokio::spawn(async move {
            let sys = Actor::system();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as i64;
                if i >= rooms {
                    break;
                }
                let (b, r) = (i / per_building, i % per_building);
                let (unit, n) = (r % 5, r / 5);
                let room = app
                    .add_room(
                        &sys,
                        grid_id,
                        &format!("E{}", b + 1),
                        &format!("{}", unit + 1),
                        &format!("{}{:02}", n / 4 + 1, n % 4 + 1),
                        Some(n / 4 + 1),
                    )
                    .await?;
                let area = format!("{}.{}", 60 + i % 90, i % 10);
                let household = app.add_household(&sys, room, "owner", Some(&area)).await?;
                app.add_resident(
                    &sys,
                    &civicgrid_app::ledger::ResidentInput {
                        household_id: household,
                        name: "王建国".into(),
                        gender: Some("male".into()),
                        birth_date: Some("1970-01-01".into()),
                        relation: "head".into(),
                        ..Default::default()
                    },
                    None,
                )
                .await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let e = app.create_estate(&who, community.id, "测试小区").await?;
    let view = app.estate(&who, e.id).await?;
    let ours: Vec<i64> = view
        .buildings
        .iter()
        .filter(|b| b.name.starts_with('E'))
        .map(|b| b.building_id)
        .collect();
    app.update_estate(&who, e.id, "测试小区", None, &ours)
        .await?;
    let got = app.estate(&who, e.id).await?.electorate.rooms;
    Ok((who, e.id, got))
}

async fn bench(a: &VoteArgs, dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let s = Settings::resolve(dir.to_path_buf(), None, None)?;
    let app = open_app(&s).await?;
    crate::ledger::search_bench::load(&app, a.residents, dir).await?;

    let t = Instant::now();
    let (who, estate_id, rooms) = estate(&app, a.rooms).await?;
    let mut spec = VoteSpec {
        kind: VoteKind::Owners,
        title: "续聘物业服务企业".into(),
        body: String::new(),
        options: Vec::new(),
        max_choices: 1,
        ranked: false,
        electorate: Electorate::Owners,
        min_age: 18,
        matter: None,
    };
    spec.matter = Some(Matter::PropertyCompany);
    let vote = app
        .create_vote(
            &who,
            NewVote {
                spec,
                node_id: None,
                estate_id: Some(estate_id),
                closes_at: civicgrid_app::now_ms() + 86_400_000,
            },
        )
        .await?;
    let opened = Instant::now();
    let vote = app.open_vote(&who, vote.id).await?;
    println!(
        "estate of {rooms} rooms ({} owners, {:.1} m²) in {:.1} s; opening froze the electorate in {:.0} ms",
        vote.total_heads,
        vote.total_area as f64 / 100.0,
        t.elapsed().as_secs_f64(),
        ms(opened.elapsed())
    );

    // One room per owner (an owner of several rooms votes once).
    let voters = {
        let mut conn = app.db().read().await?;
        civicgrid_store::participation::votes::room_per_voter(&mut conn, vote.id)
            .await
            .context("reading the vote's rooms")?
    };
    let n = voters.len();

    // The live tally, read over and over while the ballots stream in.
    let streaming = Arc::new(AtomicBool::new(true));
    let reader = {
        let (app, who, streaming) = (app.clone(), who.clone(), Arc::clone(&streaming));
        let id = vote.id;
        tokio::spawn(async move {
            let mut times = Vec::new();
            while streaming.load(Ordering::Relaxed) {
                let t = Instant::now();
                app.vote_count(&who, id).await?;
                times.push(t.elapsed());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            anyhow::Ok(times)
        })
    };

    let voters = Arc::new(voters);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.concurrency {
        let (app, who, voters, next) = (
            app.clone(),
            who.clone(),
            Arc::clone(&voters),
            Arc::clone(&next),
        );
        let id = vote.id;
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(room) = voters.get(i) else { break };
                let choice = if i % 5 == 4 { "oppose" } else { "agree" };
                let t = Instant::now();
                app.record_paper_ballot(
                    &who,
                    id,
                    &PaperBallot {
                        room_id: Some(*room),
                        resident_id: None,
                        choice: choice.into(),
                        collector: "楼长".into(),
                        scan: None,
                    },
                )
                .await?;
                lat.push(t.elapsed());
            }
            anyhow::Ok(lat)
        }));
    }
    let mut cast = Vec::with_capacity(n);
    for t in tasks {
        cast.extend(t.await??);
    }
    let stack = started.elapsed();
    streaming.store(false, Ordering::Relaxed);
    let mut tally = reader.await??;
    cast.sort();
    tally.sort();

    let bare = bare_inserts(&app, n, a.concurrency).await?;
    let point = crate::bench::point_reads(&app, 500).await?;
    let t = app.vote_count(&who, vote.id).await?;
    // The tally page counts too, and adds turnout by building and the rooms to canvass.
    let page = {
        let mut times = Vec::with_capacity(20);
        for _ in 0..20 {
            let t = Instant::now();
            app.vote_tally(&who, vote.id).await?;
            times.push(t.elapsed());
        }
        times.sort();
        times
    };

    println!(
        "\nvote bench: {} residents, estate of {rooms} rooms, {n} ballots, concurrency {}",
        a.residents, a.concurrency
    );
    let rate = |d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    println!(
        "ballots through the use case      {:>8.0} /s   p50 {:>7.2} ms   p99 {:>7.2} ms",
        rate(stack),
        ms(percentile(&cast, 0.5)),
        ms(percentile(&cast, 0.99))
    );
    println!("bare one-row inserts (baseline)   {:>8.0} /s", rate(bare));
    println!(
        "ratio use case / bare             {:>8.2}",
        rate(stack) / rate(bare)
    );
    println!(
        "live tally while ballots stream   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} reads)",
        ms(percentile(&tally, 0.5)),
        ms(percentile(&tally, 0.99)),
        tally.len()
    );
    println!(
        "point read (baseline)             p50 {:>7.3} ms   p99 {:>7.3} ms",
        ms(percentile(&point, 0.5)),
        ms(percentile(&point, 0.99))
    );
    println!(
        "tally / point read                p50 {:>7.1}x   p99 {:>7.1}x",
        ms(percentile(&tally, 0.5)) / ms(percentile(&point, 0.5)).max(1e-6),
        ms(percentile(&tally, 0.99)) / ms(percentile(&point, 0.99)).max(1e-6)
    );
    println!(
        "tally page (turnout by building)  p50 {:>7.2} ms   p99 {:>7.2} ms   (20 reads, all ballots in)",
        ms(percentile(&page, 0.5)),
        ms(percentile(&page, 0.99))
    );
    println!("result: {} ballots, passed: {:?}", t.ballots, t.passed);
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
                    .bind("agree")
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
