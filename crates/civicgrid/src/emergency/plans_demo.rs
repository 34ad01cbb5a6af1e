//! The demo's emergency plan: Huguang community's flood plan, from the template, with
//! the community's staff in command and the grid worker on duty. The demo then runs a
//! drill under it with welfare checks under way (`checks_demo`).

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::domain::emergency::modes::Hazard;
use civicgrid_app::domain::emergency::plans::template;
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::emergency::plans::DutyInput;

pub async fn seed(app: &App, staff: &Actor, community: i64) -> anyhow::Result<()> {
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding the flood plan");
    let grid = app
        .actor_of_account(&Actor::system(), "grid")
        .await
        .context("demo account grid missing")?;
    let (Some(staff_id), Some(grid_id)) = (staff.user_id, grid.user_id) else {
        anyhow::bail!("demo accounts without ids");
    };
    let mut spec = template(Hazard::Flood);
    spec.title = "湖光社区防汛应急预案".into();
    app.save_emergency_plan(
        staff,
        community,
        spec,
        &[
            DutyInput {
                user_id: staff_id,
                duty: "总指挥".into(),
                contact: "027-88886666".into(),
            },
            DutyInput {
                user_id: grid_id,
                duty: "值班员（第1网格）".into(),
                contact: "027-88886667".into(),
            },
        ],
    )
    .await
    .map_err(fail)?;
    Ok(())
}
