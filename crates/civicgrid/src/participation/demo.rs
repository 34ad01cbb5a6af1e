//! The demo's co-governance: 湖光花园, the estate of Grid 1's buildings with 湖光物业 as
//! its property company; an owners' vote on changing the property company, open, with
//! paper ballots from half the rooms; and a households' proposal on the east gate,
//! closed and published, with its commitment being delivered by 湖光物业.

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::domain::participation::art278::Matter;
use civicgrid_app::domain::participation::votes::{
    DEFAULT_MIN_AGE, Electorate, VoteKind, VoteSpec,
};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::participation::votes::{NewVote, PaperBallot};

const DAY_MS: i64 = 24 * 3600 * 1000;
/// A one-page PDF standing for the scan of a signed paper ballot.
const DEMO_BALLOT_SCAN: &[u8] = include_bytes!("demo_ballot_scan.pdf");

fn spec(kind: VoteKind, title: &str, body: &str, electorate: Electorate) -> VoteSpec {
    VoteSpec {
        kind,
        title: title.into(),
        body: body.into(),
        options: Vec::new(),
        max_choices: 1,
        ranked: false,
        electorate,
        min_age: DEFAULT_MIN_AGE,
        matter: None,
    }
}

/// Seeds the estate and votes; `staff`, `committee` and `grid` act as the community's
/// staff, its owners' committee member and the grid worker of `grid_id`, whose
/// community holds the property company `company`.
pub async fn seed(
    app: &App,
    staff: &Actor,
    committee: &Actor,
    grid: &Actor,
    grid_id: i64,
    company: i64,
) -> anyhow::Result<()> {
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding co-governance");
    let community = staff
        .assignments
        .first()
        .map(|a| a.node_id)
        .context("the demo staff account has no community")?;
    let estate = app
        .create_estate(staff, community, "湖光花园")
        .await
        .map_err(fail)?;
    let board = app
        .ledger_board(&Actor::system(), grid_id)
        .await
        .map_err(fail)?;
    let buildings: Vec<i64> = board.buildings.iter().map(|b| b.id).collect();
    // Without imported residents (the seed's own test) there is nothing to vote on.
    if buildings.is_empty() {
        return Ok(());
    }
    app.update_estate(staff, estate.id, "湖光花园", Some(company), &buildings)
        .await
        .map_err(fail)?;
    let now = civicgrid_app::now_ms();

    // The owners decide on the property company: open, half the rooms counted so far.
    let mut owners = spec(
        VoteKind::Owners,
        "续聘湖光物业为湖光花园物业服务企业",
        "现物业服务合同将于明年三月到期。业委会提议续聘湖光物业，服务费标准不变，并新增每月一次的楼道保洁检查。请各位业主于截止时间前表决。",
        Electorate::Owners,
    );
    owners.matter = Some(Matter::PropertyCompany);
    let vote = app
        .create_vote(
            staff,
            NewVote {
                spec: owners,
                node_id: None,
                estate_id: Some(estate.id),
                closes_at: now + 14 * DAY_MS,
            },
        )
        .await
        .map_err(fail)?;
    app.open_vote(staff, vote.id).await.map_err(fail)?;
    let (_, _, rooms) = app.vote_tally(staff, vote.id).await.map_err(fail)?;
    for (i, r) in rooms.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        let choice = match i % 10 {
            0 | 2 | 4 | 6 => "agree",
            8 if i % 20 == 8 => "oppose",
            _ => "abstain",
        };
        app.record_paper_ballot(
            committee,
            vote.id,
            &PaperBallot {
                room_id: Some(r.room_id),
                resident_id: None,
                choice: choice.into(),
                collector: "业委会 孙建国".into(),
                // The first sheet is kept as a scan, for the auditor to compare.
                scan: (i == 0).then(|| DEMO_BALLOT_SCAN.to_vec()),
            },
        )
        .await
        .map_err(fail)?;
    }

    // The households of Grid 1 on the east gate: decided and published.
    let gate = app
        .create_vote(
            staff,
            NewVote {
                spec: spec(
                    VoteKind::Proposal,
                    "小区东门夜间开放延长至23点",
                    "居民议事会提议：东门夜间关闭时间由21点推迟到23点，方便下晚班的居民回家；延长时段由物业安排保安值守。",
                    Electorate::Households,
                ),
                node_id: Some(grid_id),
                estate_id: None,
                closes_at: now + 7 * DAY_MS,
            },
        )
        .await
        .map_err(fail)?;
    app.open_vote(staff, gate.id).await.map_err(fail)?;
    let room_ids = board
        .buildings
        .iter()
        .flat_map(|b| &b.units)
        .flat_map(|u| &u.rooms)
        .filter(|r| !r.households.is_empty())
        .map(|r| r.id);
    for (i, room) in room_ids.enumerate().filter(|(i, _)| i % 4 != 3) {
        let choice = if i % 5 == 4 { "oppose" } else { "agree" };
        app.record_paper_ballot(
            grid,
            gate.id,
            &PaperBallot {
                room_id: Some(room),
                resident_id: None,
                choice: choice.into(),
                collector: "网格员 李强".into(),
                scan: None,
            },
        )
        .await
        .map_err(fail)?;
    }
    app.close_vote(staff, gate.id).await.map_err(fail)?;
    deliver_gate(app, staff, gate.id, company)
        .await
        .map_err(fail)
}

/// The gate decision's commitment (落实事项): 湖光物业 delivers it; the lighting is done,
/// the night guard is overdue, the return visit is ahead; one update and the
/// maintenance fund's spending.
async fn deliver_gate(
    app: &App,
    staff: &Actor,
    vote_id: i64,
    company: i64,
) -> civicgrid_app::AppResult<()> {
    use civicgrid_app::domain::participation::commitments::{Milestone, Spec, Spending};
    use civicgrid_app::participation::commitments::NewCommitment;
    let now = civicgrid_app::now_ms();
    let day = |offset_days: i64| {
        chrono::DateTime::from_timestamp_millis(now + 8 * 3_600_000 + offset_days * DAY_MS)
            .unwrap_or_default()
            .date_naive()
    };
    let milestone = |title: &str, due: i64| Milestone {
        title: title.into(),
        due_on: day(due),
    };
    let c = app
        .create_commitment(
            staff,
            NewCommitment {
                meeting_item_id: None,
                vote_id: Some(vote_id),
                spec: Spec {
                    title: "东门夜间开放延长至23点".into(),
                    summary: "按居民表决结果，东门关闭时间推迟到23点；加装照明和监控，延长时段由物业安排保安值守，试运行一个月后回访居民。".into(),
                },
                owner_org_id: Some(company),
                milestones: vec![
                    milestone("加装东门照明与监控", -10),
                    milestone("安排保安夜间值守（21–23点）", -3),
                    milestone("试运行一个月后回访居民", 30),
                ],
            },
        )
        .await?;
    let view = app.commitment(Some(staff), c.id).await?;
    if let Some(first) = view.milestones.first() {
        app.tick_milestone(staff, c.id, first.m.id, true, Some(day(-12)))
            .await?;
    }
    app.post_commitment_update(
        staff,
        c.id,
        "东门照明已加装完毕，两路监控已接入物业值班室。保安排班表正在与物业商定。",
        None,
    )
    .await?;
    app.add_commitment_spending(
        staff,
        c.id,
        Spending {
            what: "东门照明灯具及两路监控摄像头".into(),
            amount_fen: 1_860_000,
            spent_on: day(-12),
            payer: "专项维修资金".into(),
        },
    )
    .await?;
    Ok(())
}
