//! The demo's emergency materials: a depot of Huguang community and one of its street
//! (Wanghu), a few items with batches — the community's instant noodles expiring in
//! twelve days, its masks below their minimum —, a material request for a household
//! living with care needs waiting to be served, and one on its way with the
//! `volunteer` account, so the stock board, the requests by priority and the
//! volunteer's delivery page can all be walked at once.

use anyhow::Context;
use chrono::Duration;
use civicgrid_app::App;
use civicgrid_app::domain::emergency::materials::{ItemKind, ItemUnit, Line, Source};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::emergency::stock::Receipt;

pub async fn seed(app: &App) -> anyhow::Result<()> {
    let fail =
        |e: civicgrid_app::AppError| anyhow::Error::new(e).context("seeding emergency materials");
    let actor = |name: &'static str| async move {
        app.actor_of_account(&Actor::system(), name)
            .await
            .with_context(|| format!("demo account {name} missing"))
    };
    let staff = actor("staff").await?;
    let street = actor("street").await?;
    let volunteer = actor("volunteer").await?;
    let sys = Actor::system();
    let community = app.find_node(&sys, "JC-BJ-WH-HG").await.map_err(fail)?;
    let street_node = app.find_node(&sys, "JC-BJ-WH").await.map_err(fail)?;
    let grid = app.find_node(&sys, "JC-BJ-WH-HG-01").await.map_err(fail)?;

    let depot = app
        .create_depot(
            &staff,
            community.id,
            "湖光社区应急物资仓库",
            "社区服务中心负一楼",
        )
        .await
        .map_err(fail)?;
    let reserve = app
        .create_depot(
            &street,
            street_node.id,
            "望湖街道应急物资储备库",
            "望湖街道办事处东院",
        )
        .await
        .map_err(fail)?;
    let mut items = Vec::new();
    for (name, kind, unit) in [
        ("矿泉水 550ml×24", ItemKind::Water, ItemUnit::Box),
        ("方便面 5连包", ItemKind::Food, ItemUnit::Pack),
        ("医用外科口罩 50只", ItemKind::Protective, ItemUnit::Box),
        ("硝苯地平缓释片", ItemKind::Medicine, ItemUnit::Box),
        ("强光手电筒", ItemKind::Equipment, ItemUnit::Piece),
    ] {
        items.push(
            app.add_material_item(&staff, name, kind, unit)
                .await
                .map_err(fail)?,
        );
    }
    let [water, noodles, masks, pills, torch] = [0, 1, 2, 3, 4].map(|i| items[i].id);
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    let receipt = |item_id, quantity, code: &str, days: Option<i64>, from: &str| Receipt {
        item_id,
        quantity,
        batch_code: code.into(),
        expires_on: days.map(|d| today + Duration::days(d)),
        reason: Some(from.into()),
    };
    for r in [
        receipt(water, 40, "20260315", Some(400), "区应急管理局调拨"),
        receipt(noodles, 12, "20251208", Some(12), "爱心企业捐赠"),
        receipt(noodles, 30, "20260410", Some(200), "区应急管理局调拨"),
        receipt(masks, 8, "20250920", Some(600), "社区采购"),
        receipt(pills, 10, "H20240118", Some(300), "社区卫生服务站"),
        receipt(torch, 15, "20240601", None, "社区采购"),
    ] {
        app.receive_materials(&staff, depot.id, &r)
            .await
            .map_err(fail)?;
    }
    for (item, min) in [(water, 20), (noodles, 20), (masks, 20), (pills, 5)] {
        app.set_material_minimum(&staff, depot.id, item, min)
            .await
            .map_err(fail)?;
    }
    for r in [
        receipt(water, 300, "20260301", Some(500), "市应急物资储备中心"),
        receipt(noodles, 200, "20260402", Some(240), "市应急物资储备中心"),
        receipt(masks, 500, "20260110", Some(700), "市应急物资储备中心"),
    ] {
        app.receive_materials(&street, reserve.id, &r)
            .await
            .map_err(fail)?;
    }

    // Households of Grid 1 (none without imported residents, as in the seed's own
    // test): the first with care needs waits for medicine and water; another is on
    // its way with the volunteer.
    let board = app.ledger_board(&sys, grid.id).await.map_err(fail)?;
    let households: Vec<_> = board
        .buildings
        .iter()
        .flat_map(|b| &b.units)
        .flat_map(|u| &u.rooms)
        .flat_map(|r| &r.households)
        .filter(|h| h.members > 0)
        .collect();
    let cared = households.iter().find(|h| h.care).or(households.first());
    let Some(cared) = cared else {
        return Ok(());
    };
    app.raise_material_request(
        &staff,
        cared.id,
        &[
            Line {
                item_id: pills,
                quantity: 2,
            },
            Line {
                item_id: water,
                quantity: 1,
            },
        ],
        Source::Staff,
        "降压药快吃完了，上午家里有人",
    )
    .await
    .map_err(fail)?;
    if let Some(other) = households.iter().find(|h| h.id != cared.id) {
        let r = app
            .raise_material_request(
                &staff,
                other.id,
                &[
                    Line {
                        item_id: water,
                        quantity: 2,
                    },
                    Line {
                        item_id: noodles,
                        quantity: 2,
                    },
                ],
                Source::Staff,
                "停水期间的饮用水",
            )
            .await
            .map_err(fail)?;
        app.issue_material_request(&staff, r.id, depot.id, volunteer.user_id)
            .await
            .map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_demo_depots_warn_of_low_stock_and_expiry() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = civicgrid_store::Db::open_sqlite(&dir.path().join("db.sqlite"))
            .await
            .expect("open");
        db.migrate().await.expect("migrate");
        let app = App::new(db, civicgrid_app::AppConfig::default());
        app.prepare().await.expect("prepare");
        crate::demo::seed_city(&app).await.expect("city");
        seed(&app).await.expect("materials");
        let staff = app
            .actor_of_account(&Actor::system(), "staff")
            .await
            .expect("staff");
        let depots = app.depots(&staff).await.expect("depots");
        assert_eq!(depots.len(), 2);
        let community = depots
            .iter()
            .find(|d| d.depot.name.contains("湖光"))
            .expect("community depot");
        assert_eq!((community.low, community.expiring), (1, 1));
    }
}
