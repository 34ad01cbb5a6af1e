//! The demo's welfare checks: Huguang community runs a flood drill, and five hours
//! ago its staff sent the `grid` and `volunteer` accounts door to door to the
//! community's households in the plan's care groups, with six hours to finish. One
//! building is all checked, one has a household found needing medicine — which raised
//! a request and a material request from the community's depot —, two still have
//! households to check, one of them not reached: so the board's map in every colour,
//! its countdown and the unchecked households climbing onto the grid worker's and the
//! staff's home pages can all be walked at once.

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::domain::emergency::checks::{Need, Outcome};
use civicgrid_app::domain::emergency::materials::{ItemKind, Line};
use civicgrid_app::domain::emergency::modes::{Hazard, Kind, Level};
use civicgrid_app::domain::emergency::plans::template;
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::emergency::checks::{NewCampaign, NewCheck};
use civicgrid_app::emergency::modes::StartEmergency;

/// How long ago the checks began, and the hours they were given.
const STARTED_HOURS_AGO: i64 = 5;
const HOURS: i64 = 6;

pub async fn seed(app: &App) -> anyhow::Result<()> {
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding welfare checks");
    let actor = |name: &'static str| async move {
        app.actor_of_account(&Actor::system(), name)
            .await
            .with_context(|| format!("demo account {name} missing"))
    };
    let staff = actor("staff").await?;
    let grid_worker = actor("grid").await?;
    let volunteer = actor("volunteer").await?;
    let (Some(grid_id), Some(volunteer_id)) = (grid_worker.user_id, volunteer.user_id) else {
        anyhow::bail!("demo accounts without ids");
    };
    let sys = Actor::system();
    let community = app.find_node(&sys, "JC-BJ-WH-HG").await.map_err(fail)?;

    let started = app
        .start_emergency(
            &staff,
            &StartEmergency {
                node_id: community.id,
                kind: Kind::Drill,
                hazard: Hazard::Flood,
                level: Level::IV,
                reason: "汛期防汛演练：低洼楼栋逐户排查".into(),
                notify: false,
            },
        )
        .await
        .map_err(fail)?;
    let activation = started.first().context("the drill did not start")?;
    let (campaign, _) = app
        .start_welfare_campaign(
            &staff,
            &NewCampaign {
                activation_id: activation.id,
                node_id: community.id,
                tags: template(Hazard::Flood).check_tags,
                hours: HOURS,
                checkers: vec![grid_id, volunteer_id],
                started_at: Some(civicgrid_app::now_ms() - STARTED_HOURS_AGO * 3_600_000),
            },
        )
        .await
        .map_err(fail)?;

    // What each checker has done so far, building by building of their list: the
    // grid worker checked two households of their first building and could not reach
    // a third, then all of their second; the volunteer found the first household of
    // their first building needing medicine (and asked the depot for it), the rest of
    // it safe, and has not begun their second.
    let pills = app
        .my_welfare_checks(&volunteer)
        .await
        .map_err(fail)?
        .into_iter()
        .find(|l| l.c.id == campaign.id)
        .and_then(|l| {
            l.items
                .iter()
                .find(|i| i.kind == ItemKind::Medicine)
                .map(|i| i.id)
        });
    let mut key = 0;
    for (me, first, second) in [(&grid_worker, Some(3), true), (&volunteer, None, false)] {
        let Some(list) = app
            .my_welfare_checks(me)
            .await
            .map_err(fail)?
            .into_iter()
            .find(|l| l.c.id == campaign.id)
        else {
            continue;
        };
        let mut buildings: Vec<i64> = Vec::new();
        for t in &list.to_check {
            if !buildings.contains(&t.building_id) {
                buildings.push(t.building_id);
            }
        }
        let mut checks = Vec::new();
        if let Some(b) = buildings.first() {
            let households = list.to_check.iter().filter(|t| t.building_id == *b);
            for (i, t) in households.enumerate() {
                let done = match first {
                    // The grid worker: two safe, the third not reached, the rest left.
                    Some(n) if i + 1 < n => (Outcome::Safe, Vec::new(), ""),
                    Some(n) if i + 1 == n => {
                        (Outcome::NotReached, Vec::new(), "敲门无人应答，电话未接")
                    }
                    Some(_) => break,
                    // The volunteer: the first needs medicine, the others are safe.
                    None if i == 0 => (
                        Outcome::NeedsHelp,
                        vec![Need::Medicine],
                        "降压药只剩一天的量，子女在外地",
                    ),
                    None => (Outcome::Safe, Vec::new(), ""),
                };
                checks.push((t.household_id, done));
            }
        }
        if let (true, Some(b)) = (second, buildings.get(1)) {
            for t in list.to_check.iter().filter(|t| t.building_id == *b) {
                checks.push((
                    t.household_id,
                    (Outcome::Safe, Vec::new(), "已提醒备好手电和饮用水"),
                ));
            }
        }
        for (household_id, (outcome, needs, note)) in checks {
            key += 1;
            let items = match (outcome, pills) {
                (Outcome::NeedsHelp, Some(item_id)) => vec![Line {
                    item_id,
                    quantity: 1,
                }],
                _ => Vec::new(),
            };
            app.record_welfare_check(
                me,
                campaign.id,
                &NewCheck {
                    household_id,
                    outcome,
                    needs,
                    note: note.into(),
                    client_key: format!("demo-{key}"),
                    items,
                },
            )
            .await
            .map_err(fail)?;
        }
    }
    Ok(())
}
