//! `civicgrid bench …`: each benchmark is one variant, implemented in its capability's
//! folder (`ledger/`, `requests/`); and what they share: a seeded generator so every run
//! asks the same, and percentiles of measured latencies.

use clap::Subcommand;
use std::time::Duration;

#[derive(Subcommand)]
pub enum BenchCommand {
    #[command(flatten)]
    Ledger(crate::ledger::BenchCommand),
    /// Time ledger searches (and the room board) at N residents against a bare indexed
    /// point read measured in the same run.
    Search(crate::ledger::search_bench::SearchArgs),
    /// Post requests through the whole stack (Open311 with an API token) and, in the
    /// same run, to a bare axum + SQLite insert server; prints both and the ratio.
    Intake(crate::requests::intake_bench::IntakeArgs),
    /// Time staff work-queue reads over N requests against a bare indexed point read
    /// measured in the same run.
    Queue(crate::requests::queue_bench::QueueArgs),
    /// Cast an owners' vote's ballots concurrently through the use case over an estate
    /// of R rooms in a ledger of N residents, against bare one-row inserts, and time
    /// the live tally against a bare indexed point read, in one run.
    Vote(crate::participation::vote_bench::VoteArgs),
    /// Pair vulnerable residents with carers over a ledger of N residents, then time
    /// each grid's due list and each community's coverage against a bare indexed point
    /// read, and visits logged concurrently through the use case against bare one-row
    /// inserts, in one run.
    Care(crate::care::care_bench::CareArgs),
    /// Switch a street's worth of communities of a ledger of N residents into emergency
    /// mode and start a welfare-check campaign in each (timed), then record checks from
    /// C checkers at once through the use case against bare one-row inserts, and time
    /// the campaign board while they stream and idle against a bare indexed point read.
    Emergency(crate::emergency::emergency_bench::EmergencyArgs),
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Ledger(c) => crate::ledger::bench(c).await,
        BenchCommand::Search(a) => crate::ledger::search_bench::run(a).await,
        BenchCommand::Intake(a) => crate::requests::intake_bench::run(a).await,
        BenchCommand::Queue(a) => crate::requests::queue_bench::run(a).await,
        BenchCommand::Vote(a) => crate::participation::vote_bench::run(a).await,
        BenchCommand::Care(a) => crate::care::care_bench::run(a).await,
        BenchCommand::Emergency(a) => crate::emergency::emergency_bench::run(a).await,
    }
}

/// A small deterministic generator (xorshift64*), so every run loads and asks the same.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The `p` quantile (0..=1) of latencies sorted ascending; zero when there are none.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `n` indexed point reads of a resident, sorted: the read baseline of the benchmarks.
pub async fn point_reads(app: &civicgrid_app::App, n: usize) -> anyhow::Result<Vec<Duration>> {
    let mut out = Vec::with_capacity(n);
    let mut rng = Rng(7);
    for _ in 0..n {
        let id = 1 + rng.below(100_000) as i64;
        let t = std::time::Instant::now();
        let mut conn = app.db().read().await?;
        civicgrid_store::ledger::search::point_read(&mut conn, id).await?;
        out.push(t.elapsed());
    }
    out.sort();
    Ok(out)
}
