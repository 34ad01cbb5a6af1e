//! `civicgrid insight count`: counts the dashboard figures now (the server counts them
//! every ten minutes, and the month before once more after downtime or a failure).
//! Safe to run twice and on several instances at once.

use civicgrid_app::domain::insight::period::Month;
use clap::Subcommand;

use crate::config::Settings;

#[derive(Subcommand)]
pub enum InsightCommand {
    /// Count a month's figures (default: what is due — this month, and the month
    /// before when its count is missing or stale); prints what it wrote.
    Count {
        /// A month such as 2026-12.
        #[arg(long)]
        month: Option<String>,
    },
}

pub async fn run(s: &Settings, cmd: InsightCommand) -> anyhow::Result<()> {
    let app = crate::commands::open_app(s).await?;
    match cmd {
        InsightCommand::Count { month } => {
            let done = match month {
                Some(m) => {
                    let m = Month::parse(&m)
                        .ok_or_else(|| anyhow::anyhow!("--month: a month such as 2026-12"))?;
                    vec![app.count_insight(m).await?]
                }
                None => app.count_insight_due().await?,
            };
            for c in done {
                if c.counted {
                    println!(
                        "{}: {} figures in {} ms",
                        c.month.code(),
                        c.figures,
                        c.took_ms
                    );
                } else {
                    println!(
                        "{}: another instance is counting; nothing done",
                        c.month.code()
                    );
                }
            }
        }
    }
    Ok(())
}
