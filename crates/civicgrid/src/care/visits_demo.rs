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
    let fail =
        |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding demo care visits");
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
    let community = staff
        .assignments
        .first()
        .map(|a| a.node_id)
        .context("the demo staff member has no community")?;
    // The grid worker's weekly list in their grid; the volunteer's resident anywhere
    // else in the community.
    let in_grid = app
        .care_candidates(&Actor::system(), grid_id, "")
        .await
        .map_err(fail)?;
    let mut chosen: Vec<(i64, bool)> = in_grid
        .iter()
        .take(WEEKLY)
        .map(|c| (c.resident_id, false))
        .collect();
    let elsewhere = app
        .care_candidates(&Actor::system(), community, "")
        .await
        .map_err(fail)?
        .into_iter()
        .find(|c| !chosen.iter().any(|(r, _)| *r == c.resident_id));
    if let Some(c) = elsewhere {
        chosen.push((c.resident_id, true));
    }
    let now = civicgrid_app::now_ms();
    // Days since the last visit: 9 (two days overdue), 6 (due tomorrow), 5, 4, 3.
    let ago = [9, 6, 5, 4, 3];
    for (i, (resident_id, by_volunteer)) in chosen.into_iter().enumerate() {
        let (carers, who) = if by_volunteer {
            (vec![volunteer_user], &volunteer)
        } else {
            (vec![grid_user], &grid)
        };
        let p = app
            .pair_for_care(
                &staff,
                NewPairing {
                    resident_id: Some(resident_id),
                    household_id: None,
                    carers,
                    cadence_days: Some(7),
                    mode: Some(Mode::InPerson),
                },
            )
            .await
            .map_err(fail)?;
        let days = if by_volunteer {
            5
        } else {
            ago.get(i).copied().unwrap_or(6)
        };
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
