//! Dashboards through the real router: after a count, a community's figures match a
//! recount of the ledger and the requests; the street sees the community among the
//! places inside it; a grid worker lands on their grid; another community's staff find
//! nothing; the page reads in Chinese and leads down to each place inside.

mod support;

use axum::http::StatusCode;
use civicgrid_app::domain::insight::period::Month;
use civicgrid_app::domain::platform::access::Actor;
use support::TestApp;
use support::requests::{parsed, rate, report, resolve};

#[tokio::test]
async fn dashboards_match_a_recount_and_lead_down() {
    let t = TestApp::new().await;
    let staff = t.login("staff").await;
    let resident = t.login("resident").await;
    let grid = t.login("grid").await;
    let street = t.login("street").await;
    let other_staff = t.login("other_staff").await;
    for (room, name) in [("101", "孙秀兰"), ("102", "周建国"), ("201", "吴丽华")] {
        t.household_of_one(t.nodes.grid, "3", room, name).await;
    }
    let fixed = report(&t, &resident, "3栋路灯不亮").await;
    report(&t, &resident, "垃圾桶满了").await;
    resolve(&t, &staff, fixed, "已更换灯泡").await;
    rate(&t, &resident, fixed, &[("rating", "5")])
        .await
        .assert_status(StatusCode::SEE_OTHER);

    // Before the first count the page says so.
    t.get_in("/insight", &staff, "zh-CN")
        .await
        .assert_status(StatusCode::OK)
        .assert_contains("本月尚未统计");

    let month = Month::of(civicgrid_app::now_ms());
    let done = t.app.count_insight(month).await.expect("counted");
    assert!(done.counted && done.figures > 0);

    // The community's figures against a recount.
    let path = format!("/api/v1/insight?node={}", t.nodes.community);
    let v = parsed(&t.json("GET", &path, &staff, "").await);
    let f = &v["trend"][5]["figures"];
    assert_eq!(v["trend"][5]["month"], month.code());
    let population = t
        .app
        .population(&Actor::system(), t.nodes.community)
        .await
        .expect("population");
    assert_eq!(f["population_present"], population.population.total.present);
    let mut conn = t.app.db().read().await.expect("db");
    let recount = |sql: &'static str| {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(t.nodes.community)
            .bind(month.start_ms())
    };
    let submitted =
        recount("SELECT COUNT(*) FROM requests WHERE community_id = $1 AND created_at >= $2")
            .fetch_one(&mut *conn)
            .await
            .expect("recount");
    let rating_sum = recount(
        "SELECT CAST(COALESCE(SUM(rating), 0) AS BIGINT) FROM requests \
         WHERE community_id = $1 AND rated_at >= $2",
    )
    .fetch_one(&mut *conn)
    .await
    .expect("recount");
    let open =
        recount("SELECT COUNT(*) FROM requests WHERE community_id = $1 AND open = 1 AND $2 > 0")
            .fetch_one(&mut *conn)
            .await
            .expect("recount");
    drop(conn);
    assert_eq!(submitted, 2);
    assert_eq!(f["requests_submitted"], submitted);
    assert_eq!(f["requests_rating_sum"], rating_sum);
    assert_eq!(f["requests_rated"], 1);
    assert_eq!(f["requests_open"].as_i64().unwrap_or(0), open);
    assert_eq!(v["children"][0]["node_id"], t.nodes.grid);
    assert_eq!(v["children"][0]["figures"]["requests_submitted"], 2);

    // The street sees the community inside it, with the same figures.
    let s = parsed(&t.json("GET", "/api/v1/insight", &street, "").await);
    let c = s["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|a| a["node_id"] == t.nodes.community)
        .expect("the community");
    assert_eq!(c["figures"]["requests_submitted"], 2);
    // A grid worker lands on their grid.
    let g = parsed(&t.json("GET", "/api/v1/insight", &grid, "").await);
    assert_eq!(g["node_id"], t.nodes.grid);
    // Out of sight, and a month that is not one.
    t.json("GET", &path, &other_staff, "")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    t.json("GET", "/api/v1/insight?month=2026-13", &staff, "")
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY)
        .assert_contains("month");
    t.get("/insight", &resident)
        .await
        .assert_status(StatusCode::FORBIDDEN);

    // The page, in Chinese, leads down to the grid.
    t.get_in(
        &format!("/insight?node={}", t.nodes.community),
        &staff,
        "zh-CN",
    )
    .await
    .assert_status(StatusCode::OK)
    .assert_contains("数据看板")
    .assert_contains("新增诉求")
    .assert_contains("数据统计于")
    .assert_contains(&format!("/insight?node={}", t.nodes.grid))
    .assert_contains("<svg");
}
