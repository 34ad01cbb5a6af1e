//! `/api/v1/votes`: an owners' vote on a major matter decided exactly at the bounds of
//! art. 278 from paper ballots by room, a proxy (and a second one refused), a tenant
//! refused, ballots refused after the close, and the result public once closed.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::estates::{Estate, estate, invalid};
use crate::support::api::Reply;

fn closes_at(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).to_rfc3339()
}

impl Estate {
    async fn staff(&self, method: Method, uri: &str, body: Option<Value>) -> Reply {
        self.api
            .call(method, uri, &self.api.staff_token, body)
            .await
    }

    /// Drafts an owners' vote on the estate on `matter`.
    async fn owners_vote(&self, matter: &str) -> Reply {
        self.staff(
            Method::POST,
            "/api/v1/votes",
            Some(json!({
                "kind": "owners", "title": "改建车棚", "body": "东侧车棚改为充电车棚",
                "matter": matter, "estate_id": self.id, "closes_at": closes_at(7),
            })),
        )
        .await
    }

    async fn paper(&self, vote: i64, room: i64, choice: &str) -> Reply {
        self.staff(
            Method::POST,
            &format!("/api/v1/votes/{vote}/ballots"),
            Some(json!({"room_id": room, "choice": choice, "collector": "王五"})),
        )
        .await
    }

    async fn tally(&self, vote: i64) -> Value {
        let r = self
            .staff(Method::GET, &format!("/api/v1/votes/{vote}/tally"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body
    }

    /// The published result, asked without signing in.
    async fn result(&self, vote: i64) -> Reply {
        let req = Request::get(format!("/api/v1/votes/{vote}/result"))
            .body(Body::empty())
            .unwrap();
        self.api.send(req).await
    }
}

fn area_heads(v: &Value) -> (i64, String, i64) {
    (
        v["area_centi"].as_i64().unwrap(),
        v["area_m2"].as_str().unwrap().to_owned(),
        v["heads"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn an_owners_vote_is_decided_at_the_bounds_of_art_278() {
    let e = estate().await;
    e.without_bare_building().await;
    let draft = e.owners_vote("rebuild").await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
    let id = draft.body["id"].as_i64().unwrap();
    assert_eq!(draft.header("location"), format!("/api/v1/votes/{id}"));
    assert_eq!(
        (
            &draft.body["kind"],
            &draft.body["state"],
            &draft.body["matter"]
        ),
        (&json!("owners"), &json!("draft"), &json!("rebuild"))
    );
    assert_eq!(draft.body["major"], true);
    assert_eq!(e.result(id).await.status, StatusCode::NOT_FOUND);

    let open = e
        .staff(Method::POST, &format!("/api/v1/votes/{id}/open"), None)
        .await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    assert_eq!(open.body["state"], "open");
    assert_eq!(
        (
            &open.body["voters"],
            &open.body["area_centi"],
            &open.body["area_m2"]
        ),
        (&json!(6), &json!(60_000), &json!("600"))
    );
    assert!(
        open.body["opened_at"]
            .as_str()
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
    );
    let again = e
        .staff(Method::POST, &format!("/api/v1/votes/{id}/open"), None)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // Not closed yet: the result is not published.
    assert_eq!(e.result(id).await.status, StatusCode::NOT_FOUND);

    // Three owners of six take part: short of the 2/3 quorum by one head and 100 m².
    for room in &e.rooms[..2] {
        let r = e.paper(id, *room, "agree").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["replaced"], false);
    }
    assert_eq!(
        e.paper(id, e.rooms[2], "oppose").await.body["replaced"],
        false
    );
    let changed = e.paper(id, e.rooms[2], "同意").await;
    assert_eq!(changed.body["replaced"], true, "{}", changed.body);
    let t = e.tally(id).await;
    assert_eq!(t["ballots"], 3);
    let a = &t["art278"];
    assert_eq!(a["quorum_heads"], false);
    assert_eq!(a["quorum_area"], false);
    assert_eq!(
        area_heads(&a["quorum_short"]),
        (10_000, "100".to_owned(), 1)
    );
    assert_eq!(t["passed"], false);

    // The developer's let room opposes: exactly 2/3 take part, exactly 3/4 of them agree
    // by area and by head — a major matter passes.
    assert_eq!(
        e.paper(id, e.rooms[5], "oppose").await.status,
        StatusCode::OK
    );
    let t = e.tally(id).await;
    let a = &t["art278"];
    assert_eq!(area_heads(&a["total"]), (60_000, "600".to_owned(), 6));
    assert_eq!(
        area_heads(&a["participating"]),
        (40_000, "400".to_owned(), 4)
    );
    assert_eq!(area_heads(&a["agreeing"]), (30_000, "300".to_owned(), 3));
    for bound in [
        "quorum_area",
        "quorum_heads",
        "majority_area",
        "majority_heads",
    ] {
        assert_eq!(a[bound], true, "{bound}: {a}");
    }
    assert_eq!(area_heads(&a["quorum_short"]), (0, "0".to_owned(), 0));
    assert_eq!(area_heads(&a["majority_short"]), (0, "0".to_owned(), 0));
    assert_eq!((&a["major"], &a["passed"]), (&json!(true), &json!(true)));
    assert_eq!(t["passed"], true);
    let agree = t["choices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["choice"] == "agree")
        .unwrap();
    assert_eq!(
        (&agree["ballots"], &agree["area_centi"], &agree["area_m2"]),
        (&json!(3), &json!(30_000), &json!("300"))
    );

    // Owner 4 gives their proxy to owner 5; a second proxy is refused.
    let proxies = format!("/api/v1/votes/{id}/proxies");
    let r = e
        .staff(
            Method::POST,
            &proxies,
            Some(json!({"room_id": e.rooms[3], "holder_resident_id": e.owners[4]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let second = e
        .staff(
            Method::POST,
            &proxies,
            Some(json!({"room_id": e.rooms[3], "holder_resident_id": e.owners[0]})),
        )
        .await;
    invalid(&second, "holder_resident_id");
    assert!(
        second.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoke it first")
    );

    // Owner 5 signs in and sees the proxy they hold; an API token does not vote.
    let (cookie, csrf) = e.sign_in("owner5", e.owners[4]).await;
    let seen = e
        .api
        .with_cookie(
            Method::GET,
            &format!("/api/v1/votes/{id}"),
            &cookie,
            None,
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(seen.body["mine"]["voter"], e.owners[4]);
    assert_eq!(seen.body["mine"]["proxies"][0]["voter"], e.owners[3]);
    assert_eq!(seen.body["may_manage"], false);
    let my_ballot = format!("/api/v1/votes/{id}/my-ballot");
    let by_token = e
        .staff(Method::POST, &my_ballot, Some(json!({"choice": "agree"})))
        .await;
    assert_eq!(by_token.status, StatusCode::FORBIDDEN);
    let cast = |body: Value| {
        e.api
            .with_cookie(Method::POST, &my_ballot, &cookie, Some(&csrf), Some(body))
    };
    invalid(
        &cast(json!({"choice": "agree", "for_voter": e.owners[0]})).await,
        "for_voter",
    );
    invalid(&cast(json!({"choice": "maybe"})).await, "choice");
    // Abstaining by proxy is taking part: 3 of 5 agreeing is short of 3/4.
    let r = cast(json!({"choice": "abstain", "for_voter": e.owners[3]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["replaced"], false);
    let a = e.tally(id).await["art278"].clone();
    assert_eq!(
        area_heads(&a["participating"]),
        (50_000, "500".to_owned(), 5)
    );
    assert_eq!(
        (&a["majority_heads"], &a["passed"]),
        (&json!(false), &json!(false))
    );
    assert_eq!(
        area_heads(&a["majority_short"]),
        (30_000, "300".to_owned(), 3)
    );
    // The holder changes the proxy ballot: 4 of 5 agree.
    let r = cast(json!({"choice": "agree", "for_voter": e.owners[3]})).await;
    assert_eq!(r.body["replaced"], true, "{}", r.body);
    assert_eq!(e.tally(id).await["passed"], true);

    // A tenant is no owner: refused, with the reason.
    let (tenant_cookie, tenant_csrf) = e.sign_in("tenant", e.tenant).await;
    let refused = e
        .api
        .with_cookie(
            Method::POST,
            &my_ballot,
            &tenant_cookie,
            Some(&tenant_csrf),
            Some(json!({"choice": "agree"})),
        )
        .await;
    invalid(&refused, "voter");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("owners")
    );

    // Closed: published for anyone, and no ballot is taken any more.
    let closed = e
        .staff(Method::POST, &format!("/api/v1/votes/{id}/close"), None)
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    assert_eq!(closed.body["state"], "closed");
    let late = e.paper(id, e.rooms[4], "oppose").await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    assert!(
        late.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("closed")
    );
    assert_eq!(
        cast(json!({"choice": "oppose"})).await.status,
        StatusCode::CONFLICT
    );
    let published = e.result(id).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert_eq!(published.body["vote"]["state"], "closed");
    assert_eq!(published.body["place_name"], "阳光花园");
    assert_eq!(published.body["tally"]["passed"], true);
    assert_eq!(
        area_heads(&published.body["tally"]["art278"]["agreeing"]),
        (40_000, "400".to_owned(), 4)
    );
    let buildings = published.body["tally"]["buildings"].as_array().unwrap();
    assert_eq!(buildings.len(), 1);
    assert_eq!(
        (&buildings[0]["rooms"], &buildings[0]["voted_rooms"]),
        (&json!(6), &json!(5))
    );

    let list = e.staff(Method::GET, "/api/v1/votes", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body[0]["id"], id);
}

#[tokio::test]
async fn vote_errors_name_the_field() {
    let e = estate().await;
    let create = |body: Value| e.staff(Method::POST, "/api/v1/votes", Some(body));
    let base = json!({
        "kind": "owners", "title": "选聘物业", "matter": "property_company",
        "estate_id": e.id, "closes_at": closes_at(7),
    });
    let with = |field: &str, value: Value| {
        let mut b = base.clone();
        b[field] = value;
        b
    };
    invalid(&create(with("kind", json!("referendum"))).await, "kind");
    invalid(&create(with("matter", json!("painting"))).await, "matter");
    invalid(&create(with("matter", Value::Null)).await, "matter");
    invalid(&create(with("estate_id", Value::Null)).await, "estate_id");
    invalid(
        &create(with("estate_id", json!(999_999))).await,
        "estate_id",
    );
    invalid(
        &create(with("electorate", json!("residents"))).await,
        "electorate",
    );
    invalid(
        &create(with("closes_at", json!(closes_at(-1)))).await,
        "closes_at",
    );
    invalid(
        &create(with("closes_at", json!(closes_at(400)))).await,
        "closes_at",
    );
    let unreadable = create(with("closes_at", json!("next friday"))).await;
    assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unreadable.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("closes_at"),
        "{}",
        unreadable.body
    );
    invalid(
        &create(
            json!({"kind": "poll", "title": "活动时间", "options": ["周六"],
            "electorate": "households", "node_id": e.api.grid_a, "closes_at": closes_at(7)}),
        )
        .await,
        "options",
    );

    // A room without an area keeps an owners' vote from opening, and says which.
    let draft = create(base.clone()).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
    let id = draft.body["id"].as_i64().unwrap();
    let open = format!("/api/v1/votes/{id}/open");
    let refused = e.staff(Method::POST, &open, None).await;
    invalid(&refused, "estate_id");
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2-1-201")
    );
    // A ballot before the vote opens is refused.
    let early = e.paper(id, e.rooms[0], "agree").await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    e.without_bare_building().await;
    assert_eq!(
        e.staff(Method::POST, &open, None).await.status,
        StatusCode::OK
    );

    invalid(&e.paper(id, e.rooms[0], "1").await, "choice");
    invalid(&e.paper(id, e.bare_room, "agree").await, "room_id");
    let no_room = e
        .staff(
            Method::POST,
            &format!("/api/v1/votes/{id}/ballots"),
            Some(json!({"resident_id": e.owners[0], "choice": "agree", "collector": "王五"})),
        )
        .await;
    invalid(&no_room, "room_id");
    let no_collector = e
        .staff(
            Method::POST,
            &format!("/api/v1/votes/{id}/ballots"),
            Some(json!({"room_id": e.rooms[0], "choice": "agree", "collector": " "})),
        )
        .await;
    invalid(&no_collector, "collector");
    let revoke = e
        .staff(
            Method::DELETE,
            &format!("/api/v1/votes/{id}/proxies?room_id={}", e.rooms[0]),
            None,
        )
        .await;
    invalid(&revoke, "room_id");
    let bad_query = e
        .staff(
            Method::DELETE,
            &format!("/api/v1/votes/{id}/proxies?room_id=one"),
            None,
        )
        .await;
    assert_eq!(bad_query.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_query.code(), "invalid_query");
    let missing = e
        .staff(Method::GET, "/api/v1/votes/999999/tally", None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let word = e.staff(Method::GET, "/api/v1/votes/abc", None).await;
    assert_eq!(word.status, StatusCode::BAD_REQUEST);
    assert_eq!(word.code(), "invalid_path");
}
