//! The demo's deliberation in 湖光社区: support rules of 5 within 30 days; the demo
//! resident's proposal collecting support, with a discussion where one advertisement
//! was removed; a neighbour's proposal on the agenda of next week's council meeting;
//! and last week's meeting, held, which adopted a proposal and deferred a matter.
//! Five neighbours of Grid 1 get resident accounts (the demo password) to support.

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::domain::participation::commitments::{Milestone, Spec};
use civicgrid_app::domain::participation::deliberation::{
    ItemOutcome, MeetingPlan, ProposalText, RemovalReason, SupportRules,
};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::participation::commitments::NewCommitment;
use civicgrid_app::participation::deliberation::{NewMeetingInput, NewProposalInput, Outcomes};
use civicgrid_app::platform::users::NewUser;

use crate::demo::DEMO_PASSWORD;

const DAY_MS: i64 = 24 * 3600 * 1000;

fn text(title: &str, description: &str, reason: &str, cost_fen: Option<i64>) -> ProposalText {
    ProposalText {
        title: title.into(),
        description: description.into(),
        reason: reason.into(),
        cost_fen,
    }
}

/// Up to five residents of Grid 1 other than the demo resident, with accounts
/// `neighbour1`… linked to them.
async fn neighbours(app: &App, grid_id: i64, resident: &Actor) -> anyhow::Result<Vec<Actor>> {
    let sys = Actor::system();
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("demo neighbours");
    let own = app.deliberation_home(resident).await.map_err(fail)?;
    if own.is_none() {
        return Ok(Vec::new());
    }
    let board = app.ledger_board(&sys, grid_id).await.map_err(fail)?;
    let households: Vec<i64> = board
        .buildings
        .iter()
        .flat_map(|b| &b.units)
        .flat_map(|u| &u.rooms)
        .flat_map(|r| &r.households)
        .filter(|h| h.members > 0)
        .map(|h| h.id)
        .skip(1)
        .take(5)
        .collect();
    let mut out = Vec::new();
    for (i, household) in households.into_iter().enumerate() {
        let card = app.household_card(&sys, household).await.map_err(fail)?;
        let Some(person) = card.members.first() else {
            continue;
        };
        let username = format!("neighbour{}", i + 1);
        app.create_user(
            &sys,
            &NewUser {
                username: username.clone(),
                display_name: format!("居民 {}", person.name),
                password: DEMO_PASSWORD.into(),
                role: "resident".into(),
                node_id: grid_id,
            },
            Some("建立演示账号"),
        )
        .await
        .map_err(fail)?;
        app.link_username_to_resident(&sys, person.id, &username)
            .await
            .map_err(fail)?;
        out.push(
            app.actor_of_account(&sys, &username)
                .await
                .with_context(|| format!("demo account {username}"))?,
        );
    }
    Ok(out)
}

pub async fn seed(
    app: &App,
    staff: &Actor,
    resident: &Actor,
    grid_id: i64,
    community: i64,
) -> anyhow::Result<()> {
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding deliberation");
    app.set_deliberation_rules(
        staff,
        community,
        SupportRules {
            threshold: 5,
            window_days: 30,
        },
    )
    .await
    .map_err(fail)?;
    let n = neighbours(app, grid_id, resident).await?;
    if n.len() < 5 {
        return Ok(());
    }
    let raise = |who: &Actor, t: ProposalText| {
        let who = who.clone();
        async move {
            app.raise_proposal(
                &who,
                NewProposalInput {
                    node_id: None,
                    text: t,
                    photo: None,
                },
            )
            .await
        }
    };

    // Last week's council adopted the benches; next week's takes up the parcel lockers.
    let benches = raise(
        &n[1],
        text(
            "中心花园增设老年人休息座椅",
            "在中心花园步道两侧增设6组带靠背的休息座椅。",
            "小区老人多，散步途中没有地方歇脚。",
            Some(1_800_000),
        ),
    )
    .await
    .map_err(fail)?;
    for who in [&n[0], &n[2], &n[3], &n[4]] {
        app.support_proposal(who, benches).await.map_err(fail)?;
    }
    let now = civicgrid_app::now_ms();
    let held = app
        .plan_meeting(
            staff,
            NewMeetingInput {
                community_id: community,
                plan: MeetingPlan {
                    title: "11月居民议事会".into(),
                    held_at: now - 7 * DAY_MS,
                    place: "湖光社区党群服务中心二楼".into(),
                },
                proposal_ids: vec![benches],
                matters: vec!["春季绿化补种方案".into()],
            },
        )
        .await
        .map_err(fail)?;
    let items = app.meeting(staff, held).await.map_err(fail)?.items;
    let outcomes = items
        .iter()
        .map(|i| {
            if i.item.proposal_id.is_some() {
                (
                    i.item.id,
                    Some(ItemOutcome::Adopted),
                    "由湖光物业采购安装，月底前完成".to_owned(),
                )
            } else {
                (
                    i.item.id,
                    Some(ItemOutcome::Deferred),
                    "待物业报价后再议".to_owned(),
                )
            }
        })
        .collect();
    app.record_meeting(
        staff,
        held,
        Outcomes {
            attendees: "湖光社区 王芳\n业委会 孙建国\n湖光物业 张伟\n居民代表 5人".into(),
            minutes: "一、居民提议“中心花园增设老年人休息座椅”：与会代表一致同意，由湖光物业采购安装，费用从公共收益中列支，月底前完成并公示。\n二、春季绿化补种方案：待物业提交报价后下次再议。".into(),
            items: outcomes,
        },
    )
    .await
    .map_err(fail)?;

    // The adopted benches are followed to delivery by the property company.
    let benches_item = items
        .iter()
        .find(|i| i.item.proposal_id.is_some())
        .map(|i| i.item.id)
        .context("the held meeting's proposal item")?;
    let owner = app
        .commitment_owner_choices(staff)
        .await
        .map_err(fail)?
        .into_iter()
        .find(|o| o.name == "湖光物业")
        .map(|o| o.id);
    let today = chrono::Utc::now().date_naive();
    app.create_commitment(
        staff,
        NewCommitment {
            vote_id: None,
            meeting_item_id: Some(benches_item),
            spec: Spec {
                title: "中心花园增设6组休息座椅".into(),
                summary: "按11月居民议事会决定，由湖光物业采购安装带靠背的休息座椅，费用从公共收益中列支。".into(),
            },
            owner_org_id: owner,
            milestones: vec![
                Milestone {
                    title: "确定款式并公示".into(),
                    due_on: today + chrono::Duration::days(5),
                },
                Milestone {
                    title: "安装完成".into(),
                    due_on: today + chrono::Duration::days(20),
                },
            ],
        },
    )
    .await
    .map_err(fail)?;

    let lockers = raise(
        &n[0],
        text(
            "小区西门增设智能快递柜",
            "在西门内侧空地放置两组智能快递柜，由快递公司免费安装。",
            "快递堆在门岗，丢件多，老人取件也不方便。",
            None,
        ),
    )
    .await
    .map_err(fail)?;
    for who in [&n[1], &n[2], &n[3], resident] {
        app.support_proposal(who, lockers).await.map_err(fail)?;
    }
    app.plan_meeting(
        staff,
        NewMeetingInput {
            community_id: community,
            plan: MeetingPlan {
                title: "12月居民议事会".into(),
                held_at: now + 7 * DAY_MS,
                place: "湖光社区党群服务中心二楼".into(),
            },
            proposal_ids: vec![lockers],
            matters: vec!["楼道堆物集中清理安排".into()],
        },
    )
    .await
    .map_err(fail)?;

    // The demo resident's own proposal, still collecting support.
    let chargers = raise(
        resident,
        text(
            "3栋北侧增设电动车充电桩",
            "在3栋北侧空地增设10个电动车充电桩，并加装雨棚和监控。",
            "不少邻居把电动车推进楼道充电，有火灾隐患。",
            Some(3_000_000),
        ),
    )
    .await
    .map_err(fail)?;
    app.support_proposal(&n[4], chargers).await.map_err(fail)?;
    app.comment_on_proposal(&n[4], chargers, "支持！楼道里充电太危险了，希望尽快落实。")
        .await
        .map_err(fail)?;
    let ad = app
        .comment_on_proposal(
            &n[2],
            chargers,
            "专业安装充电桩，价格优惠，联系电话见小区群。",
        )
        .await
        .map_err(fail)?;
    app.remove_proposal_comment(staff, ad, RemovalReason::Advertising, "")
        .await
        .map_err(fail)?;
    app.comment_on_proposal(&n[3], chargers, "建议按车位收取少量电费，用于设备维护。")
        .await
        .map_err(fail)?;
    Ok(())
}
