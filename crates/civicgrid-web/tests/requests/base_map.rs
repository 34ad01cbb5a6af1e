//! The public map over base tiles: offline (server-drawn SVG only) unless the operator
//! configures a tile source; then the page carries the same grids and pins for the
//! vendored map library, and the browser may load tiles from that source's hosts only.

use axum::http::{StatusCode, header};
use civicgrid_web::{MapTiles, WebConfig};

use super::support::requests::take_call;
use super::support::{TestApp, TestResponse};

const TIANDITU: &str = "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY";

async fn board_with_one_request(t: &TestApp) -> TestResponse {
    let staff = t.login("staff").await;
    take_call(t, &staff, &[("public", "1")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let page = t.get_in("/requests/public", "", "zh-CN").await;
    page.assert_status(StatusCode::OK);
    page
}

/// The JSON the page hands the map library.
fn layers(page: &TestResponse) -> serde_json::Value {
    let json = page
        .body
        .split("<script type=\"application/json\" id=\"tile-map-layers\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("the layers' JSON");
    assert!(!json.contains('<'), "unescaped markup in {json}");
    serde_json::from_str(json).expect("the layers parse")
}

#[tokio::test]
async fn without_a_tile_source_the_map_stays_offline() {
    let t = TestApp::new().await;
    let page = board_with_one_request(&t).await;
    page.assert_contains("<svg");
    for online in ["tile-map", "leaflet", "tianditu"] {
        assert!(!page.body.contains(online), "{online} on an offline map");
    }
    let csp = page.header(header::CONTENT_SECURITY_POLICY);
    assert!(csp.contains("img-src 'self' data:;"), "{csp}");
}

#[tokio::test]
async fn a_configured_source_draws_the_same_layers_over_its_tiles() {
    let tiles = MapTiles::new(TIANDITU, "天地图", "01234567").unwrap();
    let t = TestApp::with_config(WebConfig {
        map_tiles: Some(tiles),
        ..WebConfig::default()
    })
    .await;
    let page = board_with_one_request(&t).await;
    page.assert_contains("<svg")
        .assert_contains("src=\"/static/leaflet.js\"")
        .assert_contains("href=\"/static/leaflet.css\"")
        .assert_contains("data-subdomains=\"01234567\"")
        .assert_contains("data-attribution=\"天地图\"");
    let layers = layers(&page);
    let grids = layers["grids"].as_array().expect("grids");
    assert!(
        grids
            .iter()
            .any(|g| g["open"] == true && g["geometry"]["type"] == "Polygon"),
        "{layers}"
    );
    let pins = layers["pins"].as_array().expect("pins");
    assert_eq!(pins.len(), 1, "{layers}");
    assert!(
        pins[0]["href"]
            .as_str()
            .is_some_and(|h| h.starts_with("/requests/public/")),
        "{layers}"
    );
    assert!(pins[0]["lon"].is_number() && pins[0]["lat"].is_number());
    // Tiles may come from the source's hosts, and nothing else is opened up.
    let csp = page.header(header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains("img-src 'self' data: https://*.tianditu.gov.cn;"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'self';"), "{csp}");

    let lib = t.get("/static/leaflet.js", "").await;
    lib.assert_status(StatusCode::OK);
    assert!(
        lib.header(header::CONTENT_TYPE)
            .starts_with("text/javascript")
    );
    assert!(lib.body.contains("1.9.4"));
}
