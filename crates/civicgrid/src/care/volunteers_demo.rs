//! The demo's volunteers: the `volunteer` account is 刘洋's, a resident of Grid 1 who
//! signed up and was verified, with a past shift confirmed (hours in the time bank)
//! and one to come; two neighbours added from the ledger, a building team led by the
//! volunteer, and a party members' vanguard team.

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::care::activities::NewActivity;
use civicgrid_app::care::teams::MemberChange;
use civicgrid_app::domain::care::activities::{ActivitySpec, Attendance, ShiftSpec};
use civicgrid_app::domain::care::teams::{TeamKind, TeamSpec};
use civicgrid_app::domain::care::volunteers::{Availability, Coverage, Profile, Skill, Status};
use civicgrid_app::domain::platform::access::Actor;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The community's date `days` from now.
fn day(days: i64) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(civicgrid_app::now_ms() + 8 * 3_600_000 + days * DAY_MS)
        .unwrap_or_default()
        .date_naive()
}

fn at(h: u32) -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default()
}

/// The living people of Grid 1's households, in board order (at most `n`).
async fn people(app: &App, grid_id: i64, n: usize) -> anyhow::Result<Vec<i64>> {
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("reading the ledger");
    let board = app
        .ledger_board(&Actor::system(), grid_id)
        .await
        .map_err(fail)?;
    let households: Vec<i64> = board
        .buildings
        .iter()
        .flat_map(|b| &b.units)
        .flat_map(|u| &u.rooms)
        .flat_map(|r| &r.households)
        .filter(|h| h.members > 0)
        .map(|h| h.id)
        .collect();
    let mut out = Vec::new();
    // The first household is the `resident` account's: start after it.
    for h in households.into_iter().skip(1) {
        let card = app
            .household_card(&Actor::system(), h)
            .await
            .map_err(fail)?;
        if let Some(p) = card.members.first() {
            out.push(p.id);
        }
        if out.len() == n {
            break;
        }
    }
    Ok(out)
}

/// A place on a shift that has already taken place, written as it was when the
/// volunteer signed up (no use case signs up for the past).
async fn past_signup(app: &App, shift: i64, volunteer: i64) -> anyhow::Result<()> {
    use civicgrid_store::care::activities as repo;
    let mut tx = app.db().begin_write().await?;
    repo::take_slot(&mut tx, shift).await?;
    repo::insert_signup(
        &mut tx,
        shift,
        volunteer,
        None,
        civicgrid_app::now_ms() - 8 * DAY_MS,
    )
    .await?;
    civicgrid_store::commit(tx).await?;
    Ok(())
}

/// Seeds the volunteers of `community`, whose staff is `staff`.
pub async fn seed(app: &App, staff: &Actor, grid_id: i64, community: i64) -> anyhow::Result<()> {
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding volunteers");
    let found = people(app, grid_id, 3).await?;
    // Without imported residents (the seed's own test) there is nobody to volunteer.
    let [liu, second, third] = found.as_slice() else {
        return Ok(());
    };
    // 刘洋 lives in Grid 1: the account is a resident's too, linked to the record.
    let account = app
        .actor_of_account(&Actor::system(), "volunteer")
        .await
        .context("demo account volunteer missing")?;
    let user = account.user_id.context("demo account volunteer missing")?;
    app.grant_role(
        &Actor::system(),
        user,
        &civicgrid_app::platform::users::RoleGrant {
            role: "resident".into(),
            node_id: grid_id,
        },
        None,
    )
    .await
    .map_err(fail)?;
    app.link_username_to_resident(&Actor::system(), *liu, "volunteer")
        .await
        .map_err(fail)?;
    let volunteer = app
        .actor_of_account(&Actor::system(), "volunteer")
        .await
        .context("demo account volunteer missing")?;
    let me = app
        .volunteer_sign_up(
            &volunteer,
            Profile {
                skills: vec![Skill::FirstAid, Skill::ElderlyCare, Skill::Driving],
                availability: vec![Availability::Weekends, Availability::Evenings],
                vehicle: true,
                coverage: Coverage::Community,
                note: "持有红十字会救护员证".into(),
            },
        )
        .await
        .map_err(fail)?;
    app.move_volunteer(staff, me.id, Status::Verified, None)
        .await
        .map_err(fail)?;
    let mut neighbours = Vec::new();
    for (resident, skills) in [
        (*second, vec![Skill::Repairs, Skill::Tutoring]),
        (*third, vec![Skill::Legal, Skill::Languages]),
    ] {
        let v = app
            .add_volunteer(
                staff,
                resident,
                Profile {
                    skills,
                    availability: vec![Availability::Weekends],
                    vehicle: false,
                    coverage: Coverage::Grid,
                    note: String::new(),
                },
            )
            .await
            .map_err(fail)?;
        neighbours.push(v.id);
    }
    // A visit to the nursing home a week ago (its sign-ups taken then) and one to come.
    let spec = |title: &str, place: &str| ActivitySpec {
        title: title.into(),
        description: "陪伴老人聊天、读报，协助量血压。".into(),
        place: place.into(),
        skills: vec![Skill::ElderlyCare],
    };
    let past = app
        .create_activity(
            staff,
            NewActivity {
                node_id: community,
                spec: spec("敬老院探访", "湖光社区养老服务站"),
                shifts: vec![ShiftSpec {
                    on: day(-7),
                    starts: at(9),
                    ends: at(11),
                    slots: 6,
                }],
            },
        )
        .await
        .map_err(fail)?;
    let upcoming = app
        .create_activity(
            staff,
            NewActivity {
                node_id: grid_id,
                spec: ActivitySpec {
                    title: "楼道清理与义务维修".into(),
                    description: "清理楼道杂物，检查楼道灯。".into(),
                    place: "1栋楼下".into(),
                    skills: vec![Skill::Repairs],
                },
                shifts: vec![
                    ShiftSpec {
                        on: day(5),
                        starts: at(14),
                        ends: at(16),
                        slots: 4,
                    },
                    ShiftSpec {
                        on: day(12),
                        starts: at(9),
                        ends: at(11),
                        slots: 4,
                    },
                ],
            },
        )
        .await
        .map_err(fail)?;
    let past_view = app.activity(staff, past.id).await.map_err(fail)?;
    let past_shift = past_view
        .shifts
        .first()
        .map(|s| s.shift.id)
        .context("no shift")?;
    for v in [me.id, neighbours[0]] {
        past_signup(app, past_shift, v).await?;
    }
    let roster = app.activity(staff, past.id).await.map_err(fail)?;
    for (i, place) in roster
        .shifts
        .first()
        .map(|s| s.roster.clone())
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let what = if i == 0 {
            Attendance::Attended(120)
        } else {
            Attendance::Attended(90)
        };
        app.confirm_attendance(staff, past.id, past_shift, place.signup.id, what)
            .await
            .map_err(fail)?;
    }
    let next = app.activity(&volunteer, upcoming.id).await.map_err(fail)?;
    let first = next
        .shifts
        .first()
        .map(|s| s.shift.id)
        .context("no shift")?;
    app.sign_up_for_shift(&volunteer, upcoming.id, first)
        .await
        .map_err(fail)?;
    app.assign_to_shift(staff, upcoming.id, first, neighbours[0])
        .await
        .map_err(fail)?;
    // Teams: the building's, led by the volunteer, and the party members' vanguard.
    let building = app
        .create_team(
            staff,
            community,
            TeamSpec {
                name: "1栋志愿服务队".into(),
                kind: TeamKind::Building,
                note: "负责1栋楼道卫生和独居老人探访".into(),
            },
        )
        .await
        .map_err(fail)?;
    app.change_team_member(staff, building.id, me.id, MemberChange::Lead)
        .await
        .map_err(fail)?;
    app.change_team_member(staff, building.id, neighbours[0], MemberChange::Add)
        .await
        .map_err(fail)?;
    let vanguard = app
        .create_team(
            staff,
            community,
            TeamSpec {
                name: "湖光社区党员先锋队".into(),
                kind: TeamKind::PartyVanguard,
                note: String::new(),
            },
        )
        .await
        .map_err(fail)?;
    app.change_team_member(staff, vanguard.id, neighbours[1], MemberChange::Lead)
        .await
        .map_err(fail)?;
    Ok(())
}
