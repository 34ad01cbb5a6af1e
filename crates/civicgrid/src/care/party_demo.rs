//! The demo's party members: the `volunteer` account's resident registered where he
//! lives, was confirmed and pledged for the year — visits, volunteering, a flood-season
//! watch — so his page shows fulfilment from his real care visit and confirmed hours,
//! a resolved request the staff linked to him, and a note; he shows a public badge. The
//! `resident` account's registration waits for the staff to confirm it.

use anyhow::Context;
use civicgrid_app::App;
use civicgrid_app::domain::care::party::{MemberStatus, PledgeKind, PledgeSpec};
use civicgrid_app::domain::platform::access::Actor;

pub async fn seed(app: &App, staff: &Actor) -> anyhow::Result<()> {
    let fail = |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding party members");
    let actor = |name: &'static str| async move {
        app.actor_of_account(&Actor::system(), name)
            .await
            .with_context(|| format!("demo account {name} missing"))
    };
    let liu = actor("volunteer").await?;
    // Without imported residents (the seed's own test) nobody is linked to the ledger.
    if app.my_party(&liu, None).await.map_err(fail)?.home.is_none() {
        return Ok(());
    }
    let m = app
        .party_register(&liu, "江城市交通运输局机关第二党支部", true)
        .await
        .map_err(fail)?;
    app.move_party_member(staff, m.id, MemberStatus::Confirmed, None)
        .await
        .map_err(fail)?;
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let year = chrono::Datelike::year(&today);
    let pledges = [
        (PledgeKind::Visits, "每月走访两户独居老人", 24),
        (
            PledgeKind::Volunteering,
            "参加志愿服务不少于 20 小时",
            20 * 60,
        ),
        (PledgeKind::Requests, "协助社区解决邻里急难愁盼", 6),
        (PledgeKind::Other, "汛期参加防汛值守", 4),
    ];
    let mut watch = 0;
    for (kind, text, target) in pledges {
        let p = app
            .party_pledge(
                &liu,
                m.id,
                PledgeSpec {
                    year,
                    kind,
                    text: text.into(),
                    target,
                },
            )
            .await
            .map_err(fail)?;
        if kind == PledgeKind::Other {
            watch = p.id;
        }
    }
    app.party_note(
        &liu,
        watch,
        today,
        1,
        "在江边堤段值守一晚，社区王书记可证明",
    )
    .await
    .map_err(fail)?;
    // A request of the community he helped resolve, when the demo has one resolved.
    let choices = {
        let mut conn = app.db().read().await?;
        civicgrid_store::care::party::resolved_unlinked(&mut conn, m.community_id, m.id, 0, 1)
            .await?
    };
    if let Some(q) = choices.first() {
        app.link_party_request(staff, m.id, q.request_id)
            .await
            .map_err(fail)?;
    }
    let resident = actor("resident").await?;
    app.party_register(&resident, "江城市第一人民医院党委", false)
        .await
        .map_err(fail)?;
    Ok(())
}
