//! `civicgrid import residents`, `export residents`, `generate city` and
//! `bench import`.

pub mod generate;
pub mod search_bench;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::export::ExportFormat;
use civicgrid_app::ledger::import::{DEFAULT_MAX_BYTES, ImportOptions, ImportSummary};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use crate::commands::open_app;
use crate::config::Settings;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import residents from a CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX file.
    Residents {
        file: PathBuf,
        /// Validate and match without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Create unknown communities and grids (under the street "Imported").
        #[arg(long)]
        create_missing: bool,
        /// Write the rejected rows (with a reason column) to this CSV file.
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Largest file accepted, in megabytes.
        #[arg(long, default_value_t = DEFAULT_MAX_BYTES / (1024 * 1024))]
        max_mb: usize,
    },
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Export residents (masked) to FILE; .csv or .xlsx picks the format.
    Residents { file: PathBuf },
}

#[derive(Subcommand)]
pub enum GenerateCommand {
    /// Write a synthetic city in the residents import format.
    City {
        #[arg(long)]
        residents: usize,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Time a full import of generated residents against `sqlite3 .import` of the same file.
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        residents: usize,
        /// Keep the generated file and databases in DIR (default: a temporary directory, removed).
        #[arg(long)]
        keep: Option<PathBuf>,
        /// Time both imports this many times, one after the other, and report the median
        /// ratio (a noisy machine moves single runs by a fifth or more).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=25))]
        rounds: u32,
    },
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {percent}% eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn print_summary(s: &ImportSummary, elapsed: std::time::Duration) {
    let what = if s.dry_run {
        "dry run (nothing written)"
    } else {
        "imported"
    };
    println!(
        "{what}: {} ({}), {} rows in {:.1} s",
        s.file_name,
        s.encoding,
        s.rows(),
        elapsed.as_secs_f64()
    );
    println!(
        "inserted {}  updated {}  unchanged {}  rejected {}",
        s.inserted, s.updated, s.unchanged, s.rejected
    );
    if !s.created_nodes.is_empty() {
        println!("{}", created_line(&s.created_nodes));
    }
    for r in s.rejects.iter().take(20) {
        println!("  line {}: {}", r.line, r.reason);
    }
    if s.rejects.len() > 20 {
        println!("  … and {} more", s.rejects.len() - 20);
    }
    if s.rejects_not_kept() > 0 {
        println!(
            "  the first {} rejected rows are kept (ID numbers and phones masked); {} more were \
             counted only: fix these and import again to list the rest",
            s.rejects.len(),
            s.rejects_not_kept()
        );
    }
}

/// The communities and grids an import created: the first dozen codes, then a count.
fn created_line(codes: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut line = format!(
        "created {} communities and grids: {}",
        codes.len(),
        codes[..codes.len().min(SHOWN)].join(", ")
    );
    if codes.len() > SHOWN {
        line.push_str(&format!(" … and {} more", codes.len() - SHOWN));
    }
    line
}

/// Reads a file, refusing one above `max_bytes` before reading it.
fn read_limited(file: &Path, max_bytes: usize) -> anyhow::Result<Vec<u8>> {
    let len = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    if len > max_bytes as u64 {
        bail!(
            "{} is {} MB; at most {} MB can be imported at once (split it or raise --max-mb)",
            file.display(),
            len.div_ceil(1024 * 1024),
            max_bytes / (1024 * 1024)
        );
    }
    std::fs::read(file).with_context(|| format!("reading {}", file.display()))
}

pub async fn import(s: &Settings, cmd: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Residents {
        file,
        dry_run,
        create_missing,
        rejects,
        max_mb,
    } = cmd;
    let app = open_app(s).await?;
    let max_bytes = max_mb.saturating_mul(1024 * 1024);
    let bytes = read_limited(&file, max_bytes)?;
    let bar = progress_bar();
    let b = bar.clone();
    let opts = ImportOptions {
        dry_run,
        create_missing,
        max_bytes,
        progress: Some(Arc::new(move |done, total| {
            b.set_length(total);
            b.set_position(done);
        })),
        hold_writes: true,
        ..ImportOptions::default()
    };
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let started = Instant::now();
    let result = app
        .import_residents(&Actor::system(), &name, bytes, &opts)
        .await;
    bar.finish_and_clear();
    let summary = result?;
    print_summary(&summary, started.elapsed());
    if let Some(path) = rejects {
        std::fs::write(&path, summary.rejects_csv())
            .with_context(|| format!("writing {}", path.display()))?;
        println!("rejected rows written to {}", path.display());
    }
    Ok(())
}

pub async fn export(s: &Settings, cmd: ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::Residents { file } = cmd;
    let format = ExportFormat::parse(&file.display().to_string())
        .context("the file name must end in .csv or .xlsx")?;
    let app = open_app(s).await?;
    let export = app.export_residents(&Actor::system(), None, format).await?;
    std::fs::write(&file, &export.bytes).with_context(|| format!("writing {}", file.display()))?;
    println!(
        "{} residents exported (masked) to {}",
        export.rows,
        file.display()
    );
    Ok(())
}

pub fn generate(cmd: GenerateCommand) -> anyhow::Result<()> {
    let GenerateCommand::City {
        residents,
        out,
        seed,
    } = cmd;
    let started = Instant::now();
    write_city(residents, seed, &out)?;
    println!(
        "{residents} residents written to {} in {:.1} s",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn write_city(residents: usize, seed: u64, out: &Path) -> anyhow::Result<()> {
    let f = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    crate::ledger::generate::generate_city(residents, seed, &mut w)
        .with_context(|| format!("writing {}", out.display()))
}

pub async fn bench(cmd: BenchCommand) -> anyhow::Result<()> {
    let BenchCommand::Import {
        residents,
        keep,
        rounds,
    } = cmd;
    let dir = match &keep {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("civicgrid-bench-{}", std::process::id())),
    };
    if dir.join("residents.csv").exists() {
        bail!(
            "{} already holds a benchmark; choose an empty directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = run_bench(residents, rounds, &dir, keep.is_some()).await;
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

/// Generates the city in `dir`, then times both imports `rounds` times, each round in
/// a directory of its own; unless `keep`, a round's databases are removed as it ends, so
/// that a long run holds one round's on disk rather than all of them.
async fn run_bench(residents: usize, rounds: u32, dir: &Path, keep: bool) -> anyhow::Result<()> {
    let file = dir.join("residents.csv");
    let t = Instant::now();
    write_city(residents, 1, &file)?;
    let size = std::fs::metadata(&file)?.len();
    println!(
        "generated {residents} residents ({:.1} MB) in {:.2} s",
        size as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let rows = residents as f64;
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let round_dir = dir.join(format!("round-{round}"));
        std::fs::create_dir_all(&round_dir)?;
        let baseline = time_bare_import(&file, &round_dir.join("bare.db"))?;
        let (full, summary) = time_full_import(&file, &round_dir.join("data")).await?;
        if !keep {
            let _ = std::fs::remove_dir_all(&round_dir);
        }
        if rounds > 1 {
            println!("round {round} of {rounds}:");
        }
        println!(
            "sqlite3 .import (bare table):  {baseline:>8.2} s  {:>10.0} rows/s",
            rows / baseline
        );
        println!(
            "civicgrid import (full):       {full:>8.2} s  {:>10.0} rows/s  (inserted {}, rejected {})",
            rows / full,
            summary.inserted,
            summary.rejected
        );
        println!("ratio: {:.2}x (goal ≤ 3x)", full / baseline);
        ratios.push(full / baseline);
    }
    if ratios.len() > 1 {
        println!(
            "median ratio over {rounds} rounds: {:.2}x (goal ≤ 3x; lowest {:.2}x, highest {:.2}x)",
            median(&mut ratios),
            ratios.first().copied().unwrap_or_default(),
            ratios.last().copied().unwrap_or_default()
        );
    }
    Ok(())
}

/// Seconds `sqlite3 .import` takes to load `file` into a bare table in `db`.
fn time_bare_import(file: &Path, db: &Path) -> anyhow::Result<f64> {
    let t = Instant::now();
    let status = std::process::Command::new("sqlite3")
        .arg(db)
        .arg(format!(".import --csv {} bare", file.display()))
        .status()
        .context("running sqlite3 (install the sqlite3 command-line shell)")?;
    if !status.success() {
        bail!("sqlite3 .import failed: {status}");
    }
    Ok(t.elapsed().as_secs_f64())
}

/// Seconds a full import of `file` takes into a new demo ledger in `data_dir`, timed
/// from reading the file as the bare import is.
async fn time_full_import(
    file: &Path,
    data_dir: &Path,
) -> anyhow::Result<(f64, civicgrid_app::ledger::import::ImportSummary)> {
    std::fs::create_dir_all(data_dir)?;
    let settings = Settings::resolve(data_dir.to_path_buf(), None, None)?;
    let app = open_app(&settings).await?;
    crate::demo::seed_city(&app).await?;
    let t = Instant::now();
    let bytes = read_limited(file, usize::MAX)?;
    let bar = progress_bar();
    let b = bar.clone();
    let opts = ImportOptions {
        // A large generated city has more communities and grids than the demo seeds.
        create_missing: true,
        progress: Some(Arc::new(move |done, total| {
            b.set_length(total);
            b.set_position(done);
        })),
        hold_writes: true,
        ..ImportOptions::default()
    };
    let summary = app
        .import_residents(&Actor::system(), "residents.csv", bytes, &opts)
        .await?;
    let full = t.elapsed().as_secs_f64();
    bar.finish_and_clear();
    app.db().close().await;
    Ok((full, summary))
}

/// The median of `values`, which it sorts.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::{created_line, median};

    #[test]
    fn the_median_ratio_is_the_middle_one_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut [4.0, 3.0, 5.0]), 4.0);
        assert_eq!(median(&mut [4.0, 3.0, 5.0, 6.0]), 4.5);
        assert_eq!(median(&mut [2.5]), 2.5);
    }

    #[test]
    fn created_places_are_listed_up_to_a_dozen_then_counted() {
        let few: Vec<String> = ["HG", "HG-01"].map(String::from).into();
        assert_eq!(
            created_line(&few),
            "created 2 communities and grids: HG, HG-01"
        );
        let many: Vec<String> = (1..=20).map(|n| format!("G{n}")).collect();
        assert_eq!(
            created_line(&many),
            "created 20 communities and grids: G1, G2, G3, G4, G5, G6, G7, G8, G9, G10, G11, G12 … and 8 more"
        );
    }
}
