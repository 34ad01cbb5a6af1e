//! `civicgrid bench search --residents N`: loads N generated residents through the
//! import (the same path as `civicgrid generate city` + `civicgrid import residents`),
//! then times a fixed, seeded set of searches through the application's use case, the
//! room board, and a bare indexed point read as the baseline, all in one run. With
//! `DATABASE_URL` (or `--database-url`) it loads and times a PostgreSQL database.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::domain::ledger::search::name_terms;
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::import::ImportOptions;
use civicgrid_app::ledger::search::SearchRequest;
use civicgrid_store::{ledger::pii, ledger::search, ledger::synthetic};
use clap::Args;

use crate::bench::{Rng, percentile};
use crate::commands::open_app;
use crate::config::Settings;

#[derive(Args)]
pub struct SearchArgs {
    #[arg(long, default_value_t = 1_000_000)]
    residents: usize,
    /// Queries timed per kind.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Keep the data in DIR (default: a temporary directory, removed afterwards).
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Reuse a data directory already loaded by an earlier run with --keep.
    #[arg(long)]
    reuse: Option<PathBuf>,
    /// PostgreSQL URL of an empty database to load (or, with --reuse, one loaded
    /// earlier); the data directory still holds the master key.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

struct Timing {
    label: String,
    p50: Duration,
    p99: Duration,
    found: usize,
    runs: usize,
}

fn summarise(label: &str, mut times: Vec<Duration>, found: usize) -> Timing {
    times.sort();
    Timing {
        label: label.to_owned(),
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        found,
        runs: times.len(),
    }
}

pub async fn run(a: SearchArgs) -> anyhow::Result<()> {
    let (dir, temporary) = match (&a.reuse, &a.keep) {
        (Some(d), _) | (None, Some(d)) => (d.clone(), false),
        (None, None) => (
            std::env::temp_dir().join(format!("civicgrid-bench-search-{}", std::process::id())),
            true,
        ),
    };
    let result = bench(&a, &dir).await;
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

pub(crate) async fn load(app: &App, residents: usize, dir: &std::path::Path) -> anyhow::Result<()> {
    let t = Instant::now();
    let file = dir.join("residents.csv");
    {
        let f =
            std::fs::File::create(&file).with_context(|| format!("creating {}", file.display()))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        crate::ledger::generate::generate_city(residents, 1, &mut w)?;
        std::io::Write::flush(&mut w)?;
    }
    crate::demo::seed_city(app).await?;
    let bytes = std::fs::read(&file)?;
    let _ = std::fs::remove_file(&file);
    // A large city has more communities and grids than the demo city seeds.
    let opts = ImportOptions {
        create_missing: true,
        hold_writes: true,
        ..ImportOptions::default()
    };
    let summary = app
        .import_residents(&Actor::system(), "residents.csv", bytes, &opts)
        .await?;
    println!(
        "loaded {} residents with `generate city` + the import in {:.1} s",
        summary.inserted,
        t.elapsed().as_secs_f64()
    );
    // PostgreSQL: what autovacuum does within a minute of a bulk load (a server may
    // run without it); SQLite runs without statistics, as the application does.
    let mut conn = app.db().read().await?;
    search::analyze(&mut conn).await?;
    Ok(())
}

async fn time_searches(app: &App, label: &str, reqs: &[SearchRequest]) -> anyhow::Result<Timing> {
    let actor = Actor::system();
    let mut times = Vec::with_capacity(reqs.len());
    let mut found = 0;
    for r in reqs {
        let t = Instant::now();
        let res = app
            .search_residents(&actor, r)
            .await
            .map_err(|e| anyhow::anyhow!("{label} {:?}: {e}", r.q))?;
        times.push(t.elapsed());
        found += usize::from(!res.hits.is_empty());
    }
    Ok(summarise(label, times, found))
}

fn req(q: String, node_id: Option<i64>) -> SearchRequest {
    SearchRequest {
        q,
        node_id,
        page: 1,
        ..SearchRequest::default()
    }
}

/// The full pinyin and the initials of a Chinese name (its first two Latin terms).
fn pinyin_of(name: &str) -> (Option<String>, Option<String>) {
    let terms = name_terms(name);
    let mut latin = terms.split(' ').filter(|t| t.is_ascii());
    (
        latin.next().map(str::to_owned),
        latin.next().map(str::to_owned),
    )
}

async fn bench(a: &SearchArgs, dir: &std::path::Path) -> anyhow::Result<()> {
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir)?;
    let settings = Settings::resolve(data_dir, None, a.database_url.clone())?;
    let app = open_app(&settings).await?;
    if a.reuse.is_none() {
        load(&app, a.residents, dir).await?;
    } else {
        println!("reusing the residents loaded in {}", dir.display());
    }
    let mut conn = app.db().read().await?;
    let max_id = synthetic::max_resident_id(&mut conn).await?;
    anyhow::ensure!(max_id > 0, "no residents loaded");
    let keys = &app.config().field_keys;
    let mut rng = Rng(0x5EED_CAFE_F00D_1234);
    let mut probes = Vec::new();
    let mut ids = Vec::new();
    while probes.len() < a.queries {
        let id = 1 + rng.below(max_id as u64) as i64;
        ids.push(id);
        if let Some(p) = synthetic::probe(&mut conn, id).await? {
            probes.push(p);
        }
    }
    let mut by_name = Vec::new();
    let mut by_pinyin = Vec::new();
    let mut by_initials = Vec::new();
    let mut by_phone = Vec::new();
    let mut by_whole_phone = Vec::new();
    let mut by_room = Vec::new();
    let mut by_tag = Vec::new();
    for p in &probes {
        by_name.push(req(p.name.clone(), None));
        let (full, initials) = pinyin_of(&p.name);
        by_pinyin.extend(full.map(|f| req(f, None)));
        // Initials alone match thousands; with the surname character they are typical.
        if let (Some(i), Some(first)) = (initials, p.name.chars().next()) {
            by_initials.push(req(format!("{first} {i}"), None));
        }
        if let Some(enc) = &p.phone_enc
            && let Ok(phone) = pii::open_phone(keys, enc, p.phone_idx.as_deref())
        {
            let tail = phone.get(phone.len().saturating_sub(4)..).unwrap_or("");
            by_phone.push(req(tail.to_owned(), None));
            by_whole_phone.push(req(phone.clone(), None));
        }
        // As staff write it ("3-1-302"); spaced numbers would read "1203" as a phone tail.
        if let (Some(b), Some(u), Some(r)) = (&p.building, &p.unit, &p.room) {
            by_room.push(req(format!("{b}-{u}-{r}"), p.community_id));
        }
        by_tag.push(req("独居老人 户籍".into(), p.community_id));
    }

    // Warm the caches the same way for every kind.
    let _ = time_searches(&app, "warm-up", &by_name[..by_name.len().min(20)]).await?;
    let mut base = Vec::new();
    for id in &ids {
        let t = Instant::now();
        search::point_read(&mut conn, *id).await?;
        base.push(t.elapsed());
    }
    let baseline = summarise("point read (baseline)", base, ids.len());
    let mut rows = vec![
        time_searches(&app, "name (中文)", &by_name).await?,
        time_searches(&app, "pinyin (full)", &by_pinyin).await?,
        time_searches(&app, "surname + initials", &by_initials).await?,
        time_searches(&app, "phone last 4", &by_phone).await?,
        time_searches(&app, "phone (whole number)", &by_whole_phone).await?,
        time_searches(&app, "building unit room in community", &by_room).await?,
        time_searches(&app, "tag + status in community", &by_tag).await?,
    ];
    drop(conn);
    let mut board = Vec::new();
    let mut found = 0;
    for p in probes.iter().take(50) {
        let t = Instant::now();
        let b = app
            .ledger_board(&Actor::system(), p.grid_id)
            .await
            .map_err(|e| anyhow::anyhow!("board: {e}"))?;
        board.push(t.elapsed());
        found += usize::from(b.residents > 0);
    }
    rows.push(summarise("room board of a grid", board, found));
    let mut pop = Vec::new();
    let mut found = 0;
    for p in probes.iter().take(20) {
        let Some(c) = p.community_id else { continue };
        let t = Instant::now();
        let v = app
            .population(&Actor::system(), c)
            .await
            .map_err(|e| anyhow::anyhow!("population: {e}"))?;
        pop.push(t.elapsed());
        found += usize::from(v.population.total.present > 0);
    }
    rows.push(summarise("population of a community", pop, found));

    println!(
        "backend: {}, residents: {max_id} (max id)",
        app.db().backend().name()
    );
    println!(
        "{:<34} {:>6} {:>10} {:>10} {:>9} {:>9}",
        "query", "runs", "p50 ms", "p99 ms", "p50 ×", "p99 ×"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let ratio = |d: Duration, b: Duration| d.as_secs_f64() / b.as_secs_f64().max(1e-9);
    println!(
        "{:<34} {:>6} {:>10.3} {:>10.3} {:>9} {:>9}",
        baseline.label,
        baseline.runs,
        ms(baseline.p50),
        ms(baseline.p99),
        "1",
        "1"
    );
    for r in &rows {
        println!(
            "{:<34} {:>6} {:>10.3} {:>10.3} {:>9.1} {:>9.1}   ({} of {} non-empty)",
            r.label,
            r.runs,
            ms(r.p50),
            ms(r.p99),
            ratio(r.p50, baseline.p50),
            ratio(r.p99, baseline.p99),
            r.found,
            r.runs
        );
    }
    app.db().close().await;
    Ok(())
}
