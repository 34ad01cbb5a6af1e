//! `civicgrid bench …`: each benchmark is one variant, implemented in its own module.

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    #[command(flatten)]
    Ledger(crate::ledger_cmd::BenchCommand),
    /// Time ledger searches (and the room board) at N residents against a bare indexed
    /// point read measured in the same run.
    Search(crate::bench_search::SearchArgs),
    /// Post requests through the whole stack (Open311 with an API token) and, in the
    /// same run, to a bare axum + SQLite insert server; prints both and the ratio.
    Intake(crate::bench_intake::IntakeArgs),
    /// Time staff work-queue reads over N requests against a bare indexed point read
    /// measured in the same run.
    Queue(crate::bench_queue::QueueArgs),
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Ledger(c) => crate::ledger_cmd::bench(c).await,
        BenchCommand::Search(a) => crate::bench_search::run(a).await,
        BenchCommand::Intake(a) => crate::bench_intake::run(a).await,
        BenchCommand::Queue(a) => crate::bench_queue::run(a).await,
    }
}
