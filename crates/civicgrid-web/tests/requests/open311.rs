//! Open311 GeoReport v2 as a client sees it, through the real router and every
//! middleware: list services, post a request with an API token and a point, read it
//! back by id and by token in XML and JSON, and the specification's errors. Every XML
//! answer is parsed with quick-xml to prove it well-formed.

use axum::http::StatusCode;

use civicgrid_app::domain::platform::access::Actor;

use crate::support::open311::{Fx, call, fixture};

fn is_iso_with_offset(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok() && (s.ends_with('Z') || s[19..].contains(':'))
}

#[tokio::test]
async fn a_client_lists_services_posts_and_reads_back() {
    let fx = fixture(None).await;

    // Discovery.
    let d = call(&fx, "GET", "/open311/v2/discovery.json", None).await;
    assert_eq!(d.status, StatusCode::OK);
    let j = d.json();
    assert_eq!(
        j["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert!(j["endpoints"][0]["formats"].is_array());
    let d = call(&fx, "GET", "/open311/v2/discovery.xml", None).await;
    assert_eq!(d.xml().0, "discovery");
    assert_eq!(
        d.xml_value("endpoints/endpoint/formats/format").as_deref(),
        Some("text/xmlapplication/json")
    );

    // Services, both formats, the same list.
    let s = call(&fx, "GET", "/open311/v2/services.json", None).await;
    assert_eq!(s.status, StatusCode::OK);
    let services = s.json();
    let list = services.as_array().unwrap();
    assert!(list.len() >= 10);
    let parking = list
        .iter()
        .find(|s| s["service_code"] == "parking")
        .unwrap();
    assert_eq!(parking["metadata"], false);
    assert_eq!(parking["type"], "realtime");
    let x = call(&fx, "GET", "/open311/v2/services.xml", None).await;
    let (root, texts) = x.xml();
    assert_eq!(root, "services");
    let codes: Vec<&str> = texts
        .iter()
        .filter(|(p, _)| p == "service/service_code")
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(codes.len(), list.len());
    assert!(codes.contains(&"parking"));

    // A service definition: no attributes.
    let def = call(&fx, "GET", "/open311/v2/services/parking.json", None).await;
    assert_eq!(def.status, StatusCode::OK);
    assert_eq!(def.json()["attributes"], serde_json::json!([]));
    let def = call(&fx, "GET", "/open311/v2/services/parking.xml", None).await;
    assert_eq!(def.xml().0, "service_definition");
    assert_eq!(def.xml_value("service_code").as_deref(), Some("parking"));

    // Post with a point in grid 2, contact details included.
    let posted = call(
        &fx,
        "POST",
        "/open311/v2/requests.json",
        Some(&[
            ("api_key", &fx.key),
            ("service_code", "parking"),
            ("lat", "30.585"),
            ("long", "114.315"),
            ("address_string", "3栋东侧 <消防通道>"),
            ("description", "车辆长期占用消防通道 & 堵住出口"),
            ("first_name", "小明"),
            ("last_name", "王"),
            ("phone", "13812345678"),
            ("email", "wang@example.org"),
        ]),
    )
    .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    let p = posted.json();
    let id = p[0]["service_request_id"].as_str().unwrap().to_owned();
    let tok = p[0]["token"].as_str().unwrap().to_owned();
    // The contact is never echoed back.
    for secret in ["小明", "13812345678", "5678", "wang@example.org"] {
        assert!(!posted.body.contains(secret), "{secret} in {}", posted.body);
    }

    // It landed in the grid whose boundary holds the point.
    let view = fx
        .app
        .request(
            &Actor::system(),
            civicgrid_app::domain::requests::RequestId(id.parse().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(view.grid_id, fx.grid[1]);
    assert_eq!(view.channel, "open311");
    assert_eq!(view.contact_phone.as_deref(), Some("138****5678"));

    // Read back by id, JSON: a one-element list with the spec's fields.
    let one = call(&fx, "GET", &format!("/open311/v2/requests/{id}.json"), None).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    let r = one.json();
    assert_eq!(r.as_array().unwrap().len(), 1);
    let r = &r[0];
    assert_eq!(r["service_request_id"], id.as_str());
    assert_eq!(r["status"], "open");
    assert!(r["status_notes"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(r["service_code"], "parking");
    assert_eq!(r["description"], "车辆长期占用消防通道 & 堵住出口");
    assert_eq!(r["lat"], 30.585);
    assert_eq!(r["long"], 114.315);
    assert!(is_iso_with_offset(
        r["requested_datetime"].as_str().unwrap()
    ));
    assert!(is_iso_with_offset(r["updated_datetime"].as_str().unwrap()));
    for secret in ["小明", "王小明", "13812345678", "5678", "wang@"] {
        assert!(!one.body.contains(secret), "{secret} in {}", one.body);
    }

    // The same in XML, escaped and well-formed.
    let one = call(&fx, "GET", &format!("/open311/v2/requests/{id}.xml"), None).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.xml().0, "service_requests");
    assert!(one.body.contains("&lt;消防通道&gt;") && one.body.contains("&amp; 堵住出口"));
    assert_eq!(
        one.xml_value("request/service_request_id").as_deref(),
        Some(id.as_str())
    );
    assert_eq!(one.xml_value("request/status").as_deref(), Some("open"));
    assert_eq!(
        one.xml_value("request/address").as_deref(),
        Some("3栋东侧 <消防通道>")
    );
    assert!(is_iso_with_offset(
        &one.xml_value("request/requested_datetime").unwrap()
    ));

    // The token stands for the request.
    let t = call(&fx, "GET", &format!("/open311/v2/tokens/{tok}.json"), None).await;
    assert_eq!(t.status, StatusCode::OK);
    assert_eq!(t.json()[0]["service_request_id"], id.as_str());
    let t = call(&fx, "GET", &format!("/open311/v2/tokens/{tok}.xml"), None).await;
    assert_eq!(
        t.xml_value("request/service_request_id").as_deref(),
        Some(id.as_str())
    );

    // Listed among the requests, filtered by service, status and ids.
    let l = call(
        &fx,
        "GET",
        "/open311/v2/requests.json?service_code=parking&status=open",
        None,
    )
    .await;
    assert_eq!(l.status, StatusCode::OK, "{}", l.body);
    assert!(
        l.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["service_request_id"] == id.as_str())
    );
    let l = call(&fx, "GET", "/open311/v2/requests.json?status=closed", None).await;
    assert_eq!(l.json(), serde_json::json!([]));
    let l = call(
        &fx,
        "GET",
        &format!("/open311/v2/requests.xml?service_request_id={id}"),
        None,
    )
    .await;
    assert_eq!(l.xml().0, "service_requests");
    assert_eq!(
        l.xml_value("request/service_request_id").as_deref(),
        Some(id.as_str())
    );
    let l = call(
        &fx,
        "GET",
        "/open311/v2/requests.json?page=2&page_size=1",
        None,
    )
    .await;
    assert_eq!(l.json(), serde_json::json!([]));

    // Its first status shows up as an update.
    let u = call(&fx, "GET", "/open311/v2/servicerequestupdates.json", None).await;
    assert_eq!(u.status, StatusCode::OK, "{}", u.body);
    let ups = u.json();
    assert!(
        ups.as_array()
            .unwrap()
            .iter()
            .any(|u| u["service_request_id"] == id.as_str()
                && u["status"] == "open"
                && is_iso_with_offset(u["updated_datetime"].as_str().unwrap()))
    );
    let u = call(&fx, "GET", "/open311/v2/servicerequestupdates.xml", None).await;
    assert_eq!(u.xml().0, "service_request_updates");
}

#[tokio::test]
async fn private_categories_stay_off_the_public_reads() {
    let fx = fixture(None).await;
    let posted = call(
        &fx,
        "POST",
        "/open311/v2/requests.xml",
        Some(&[
            ("api_key", &fx.key),
            ("service_code", "noise"),
            ("lat", "30.585"),
            ("long", "114.305"),
            ("description", "楼上深夜装修"),
        ]),
    )
    .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    assert_eq!(posted.xml().0, "service_requests");
    let id = posted.xml_value("request/service_request_id").unwrap();
    // Anonymous: not found, not listed.
    let one = call(&fx, "GET", &format!("/open311/v2/requests/{id}.json"), None).await;
    assert_eq!(one.status, StatusCode::NOT_FOUND);
    let l = call(&fx, "GET", "/open311/v2/requests.json", None).await;
    assert_eq!(l.json(), serde_json::json!([]));
    // The posting token may read it; a token of another community may not.
    let one = call(
        &fx,
        "GET",
        &format!("/open311/v2/requests/{id}.json?api_key={}", fx.key),
        None,
    )
    .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.json()[0]["service_code"], "noise");
    let one = call(
        &fx,
        "GET",
        &format!("/open311/v2/requests/{id}.json?api_key={}", fx.other_key),
        None,
    )
    .await;
    assert_eq!(one.status, StatusCode::NOT_FOUND);
}

/// Asserts an error document in the format asked, with the status as its code.
async fn error(
    fx: &Fx,
    method: &str,
    uri: &str,
    form: Option<&[(&str, &str)]>,
    status: u16,
) -> String {
    let a = call(fx, method, uri, form).await;
    assert_eq!(a.status.as_u16(), status, "{uri}: {}", a.body);
    if uri.contains(".json") {
        let j = a.json();
        assert_eq!(j[0]["code"], status, "{}", a.body);
        j[0]["description"].as_str().unwrap().to_owned()
    } else {
        assert_eq!(a.xml().0, "errors");
        assert_eq!(
            a.xml_value("error/code").as_deref(),
            Some(status.to_string().as_str())
        );
        a.xml_value("error/description").unwrap()
    }
}

/// The fields of a post that is accepted (a service, a point inside grid 2, a
/// description), less the fields named in `without` and with those in `with` set.
fn post_form<'a>(
    key: &'a str,
    without: &[&str],
    with: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<(&str, &str)> = [
        ("api_key", key),
        ("service_code", "parking"),
        ("lat", "30.585"),
        ("long", "114.305"),
        ("description", "x"),
    ]
    .into_iter()
    .filter(|(name, _)| !without.contains(name) && !with.iter().any(|(n, _)| n == name))
    .collect();
    form.extend_from_slice(with);
    form
}

/// A call the specification refuses: the status it answers and a word its description
/// must contain.
struct Refusal<'a> {
    method: &'a str,
    uri: &'a str,
    form: Option<Vec<(&'a str, &'a str)>>,
    status: u16,
    says: &'a str,
}

fn refused_post<'a>(
    uri: &'a str,
    form: Vec<(&'a str, &'a str)>,
    status: u16,
    says: &'a str,
) -> Refusal<'a> {
    Refusal {
        method: "POST",
        uri,
        form: Some(form),
        status,
        says,
    }
}

fn refused_get<'a>(uri: &'a str, status: u16, says: &'a str) -> Refusal<'a> {
    Refusal {
        method: "GET",
        uri,
        form: None,
        status,
        says,
    }
}

#[tokio::test]
async fn errors_follow_the_specification() {
    let fx = fixture(Some("jiangcheng.gov.cn")).await;
    let key = fx.key.as_str();
    let post = "/open311/v2/requests.json";
    let xml_post = "/open311/v2/requests.xml";

    // This jurisdiction (any case) is accepted.
    let ok = call(
        &fx,
        "GET",
        "/open311/v2/services.json?jurisdiction_id=JIANGCHENG.gov.cn",
        None,
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let form = post_form(
        key,
        &[],
        &[
            ("jurisdiction_id", "jiangcheng.gov.cn"),
            ("description", "占道"),
        ],
    );
    let ok = call(&fx, "POST", post, Some(&form)).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);

    let refusals = [
        // Missing api_key: 400; an invalid one: 403.
        refused_post(post, post_form(key, &["api_key"], &[]), 400, "api_key"),
        refused_post(
            xml_post,
            post_form(key, &[], &[("api_key", "cg_not-a-token")]),
            403,
            "api_key",
        ),
        // Missing service_code or location: 400; an unknown service: 404.
        refused_post(
            post,
            post_form(key, &["service_code"], &[]),
            400,
            "service_code",
        ),
        refused_post(post, post_form(key, &["lat", "long"], &[]), 400, "lat"),
        refused_post(
            post,
            post_form(key, &[], &[("service_code", "potholes")]),
            404,
            "",
        ),
        // A point outside every grid: a clear 400.
        refused_post(
            xml_post,
            post_form(key, &[], &[("lat", "31.5")]),
            400,
            "outside every grid",
        ),
        refused_post(post, post_form(key, &[], &[("lat", "95")]), 400, "lat"),
        // A phone that is not one, an empty description.
        refused_post(post, post_form(key, &[], &[("phone", "12")]), 400, "phone:"),
        refused_post(
            post,
            post_form(key, &["description"], &[]),
            400,
            "description",
        ),
        // Another jurisdiction: 404.
        refused_get(
            "/open311/v2/services.xml?jurisdiction_id=example.org",
            404,
            "",
        ),
        // Unknown ids, services and tokens: 404.
        refused_get("/open311/v2/requests/999999.json", 404, ""),
        refused_get("/open311/v2/requests/abc.xml", 404, ""),
        refused_get("/open311/v2/services/potholes.xml", 404, ""),
        refused_get("/open311/v2/tokens/00ff.json", 404, ""),
        refused_get("/open311/v2/tokens/%3Cscript%3E.xml", 404, ""),
        // Bad filters: 400 naming the parameter.
        refused_get(
            "/open311/v2/requests.json?start_date=yesterday",
            400,
            "start_date",
        ),
        refused_get("/open311/v2/requests.xml?status=pending", 400, "status"),
        refused_get("/open311/v2/requests.json?page_size=5000", 400, "page_size"),
        refused_get(
            "/open311/v2/requests.json?start_date=2025-01-01T00:00:00Z&end_date=2025-12-01T00:00:00Z",
            400,
            "90 days",
        ),
        refused_get(
            "/open311/v2/requests.json?service_request_id=1,x",
            400,
            "service_request_id",
        ),
        // A read with an invalid api_key is refused rather than silently anonymous.
        refused_get("/open311/v2/requests.json?api_key=nope", 403, ""),
    ];
    for r in refusals {
        let d = error(&fx, r.method, r.uri, r.form.as_deref(), r.status).await;
        assert!(d.contains(r.says), "{} {}: {d}", r.method, r.uri);
    }
}
