//! Demo care pairings in Huguang Grid 1: the `grid` account visits a weekly list of
//! residents living alone, one of them overdue; the `volunteer` account is a carer on
//! one pairing. Visits logged in the past days set the due dates; the alert job then
//! raises the overdue one's alert.

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::care::pairings::NewPairing;
use civicgrid_app::care::visits::NewVisit;
use civicgrid_app::domain::care::visits::{DAY_MS, Mode, Outcome};
use civicgrid_app::domain::platform::access::Actor;

/// How many residents the grid worker visits weekly.
const WEEKLY: usize = 5;

pub async fn seed(app: &App) -> anyhow::Result<()> {
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding demo care visits");
    let actor = |name: &'static str| async move {
        app.actor_of_account(&Actor::system(), name)
            .await
            .with_context(|| format!("demo account {name} missing"))
    };
    let staff = actor("staff").await?;
    let grid = actor("grid").await?;
    let volunteer = actor("volunteer").await?;
    let grid_id = grid
        .assignments
        .first()
        .map(|a| a.node_id)
        .context("the demo grid worker has no grid")?;
    let (Some(grid_user), Some(volunteer_user)) = (grid.user_id, volunteer.user_id) else {
        anyhow::bail!("demo accounts without ids");
    };
    let candidates = app
        .care_candidates(&Actor::system(), grid_id, "")
        .await
        .map_err(fail)?;
    let now = civicgrid_app::now_ms();
    // Days since the last visit: 9 (two days overdue), 6 (due tomorrow), 5, 4, 3.
    let ago = [9, 6, 5, 4, 3];
    for (i, c) in candidates.iter().take(WEEKLY + 1).enumerate() {
        let (carers, who) = if i < WEEKLY {
            (vec![grid_user], &grid)
        } else {
            (vec![volunteer_user], &volunteer)
        };
        let p = app
            .pair_for_care(
                &staff,
                NewPairing {
                    resident_id: Some(c.resident_id),
                    household_id: None,
                    carers,
                    cadence_days: Some(7),
                    mode: Some(Mode::InPerson),
                },
            )
            .await
            .map_err(fail)?;
        let days = ago.get(i).copied().unwrap_or(6);
        app.log_visit(
            who,
            NewVisit {
                pairing_id: p.id,
                visited_at: Some(now - days * DAY_MS),
                mode: Mode::InPerson,
                outcome: Outcome::Well,
                notes: "身体状况良好，按时服药；叮嘱注意保暖。".into(),
                photo: None,
                help: String::new(),
                category: None,
            },
        )
        .await
        .map_err(fail)?;
    }
    app.run_care_alerts(now).await.map_err(fail)?;
    Ok(())
}
