//! `civicgrid`: the command line. See `civicgrid --help` and the README.
#![forbid(unsafe_code)]

mod bench;
mod care;
mod commands;
mod config;
mod demo;
mod emergency;
mod insight;

mod ledger;
mod participation;
mod requests;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// mimalloc: an import or a busy server allocates many small values on several
/// threads, where it is markedly faster than the system allocator. Built without
/// transparent huge pages (`no_thp`): asked for them, the kernel zeroes a whole 2 MiB
/// page at the first touch of memory mimalloc uses a little of, and again after each
/// purge; a million-resident import spent about 1.7 s of CPU in that zeroing (7% of
/// its samples), and 0.2 s without huge pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "civicgrid",
    version,
    about = "Smart community governance platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data is; shared by every command.
#[derive(Args, Clone)]
pub struct DataArgs {
    /// Data directory (SQLite database, key files, civicgrid.toml).
    #[arg(
        long,
        env = "CIVICGRID_DATA_DIR",
        default_value = "./civicgrid-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL URL; when set, used instead of the SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,
}

impl DataArgs {
    /// The settings of a command run on this data, listening on `listen` if it serves.
    fn settings(self, listen: Option<String>) -> anyhow::Result<config::Settings> {
        config::Settings::resolve(self.data_dir, listen, self.database_url)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Seed a demo city (once) and serve it.
    Demo {
        #[arg(long, env = "CIVICGRID_LISTEN")]
        listen: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Serve an existing data directory or database.
    Serve {
        #[arg(long, env = "CIVICGRID_LISTEN")]
        listen: Option<String>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: commands::UserCommand,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage API tokens for integrations.
    Token {
        #[command(subcommand)]
        command: commands::TokenCommand,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Work with the audit log.
    Audit {
        #[command(subcommand)]
        command: commands::AuditCommand,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Import data from spreadsheets.
    Import {
        #[command(subcommand)]
        command: ledger::ImportCommand,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Export data to spreadsheets (personal data masked).
    Export {
        #[command(subcommand)]
        command: ledger::ExportCommand,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Generate synthetic data for demos and benchmarks.
    Generate {
        #[command(subcommand)]
        command: ledger::GenerateCommand,
    },
    /// Run a benchmark against a raw baseline measured in the same run.
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Care visits: run the missed-visit alert job once.
    Care {
        #[command(subcommand)]
        command: care::alerts::CareCommand,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Dashboards: count the figures now.
    Insight {
        #[command(subcommand)]
        command: insight::count::InsightCommand,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Write a consistent copy of the SQLite database to FILE.
    Backup {
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CIVICGRID_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let ok = std::process::ExitCode::SUCCESS;
    match cli.command {
        Command::Demo { listen, data } => {
            let s = data.settings(listen)?;
            demo::run(&s).await?;
            Ok(ok)
        }
        Command::Serve { listen, data } => {
            let s = data.settings(listen)?;
            commands::serve(&s).await?;
            Ok(ok)
        }
        Command::Migrate { data } => {
            let s = data.settings(None)?;
            s.open_db().await?;
            println!("migrations applied to {}", s.database_label());
            Ok(ok)
        }
        Command::User { command, data } => {
            let s = data.settings(None)?;
            commands::user(&s, command).await?;
            Ok(ok)
        }
        Command::Token { command, data } => {
            let s = data.settings(None)?;
            commands::token(&s, command).await?;
            Ok(ok)
        }
        Command::Audit { command, data } => {
            let s = data.settings(None)?;
            commands::audit(&s, command).await
        }
        Command::Import { command, data } => {
            let s = data.settings(None)?;
            ledger::import(&s, command).await?;
            Ok(ok)
        }
        Command::Export { command, data } => {
            let s = data.settings(None)?;
            ledger::export(&s, command).await?;
            Ok(ok)
        }
        Command::Generate { command } => {
            ledger::generate(command)?;
            Ok(ok)
        }
        Command::Bench { command } => {
            bench::run(command).await?;
            Ok(ok)
        }
        Command::Care { command, data } => {
            let s = data.settings(None)?;
            care::alerts::run(&s, command).await?;
            Ok(ok)
        }
        Command::Insight { command, data } => {
            let s = data.settings(None)?;
            insight::count::run(&s, command).await?;
            Ok(ok)
        }
        Command::Backup { file, data } => {
            let s = data.settings(None)?;
            commands::backup(&s, &file).await?;
            Ok(ok)
        }
    }
}
