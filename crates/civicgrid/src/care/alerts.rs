//! `civicgrid care alerts`: runs the missed-visit alert job once (the server also runs
//! it every minute). Safe to run twice and on several instances at once.

use clap::Subcommand;

use crate::config::Settings;

#[derive(Subcommand)]
pub enum CareCommand {
    /// Raise the alerts of overdue visits and flag red the residents nobody reached
    /// for two cadences, as of now; prints what it did.
    Alerts,
}

pub async fn run(s: &Settings, cmd: CareCommand) -> anyhow::Result<()> {
    let app = crate::commands::open_app(s).await?;
    match cmd {
        CareCommand::Alerts => {
            let r = app.run_care_alerts(civicgrid_app::now_ms()).await?;
            if r.skipped {
                println!("another instance is running the care alert job; nothing done");
            } else {
                println!("care alerts: {} raised, {} flagged red", r.raised, r.red);
            }
        }
    }
    Ok(())
}
