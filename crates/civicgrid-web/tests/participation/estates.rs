//! `/api/v1/estates`: an estate set up from the ledger's buildings, what an owners' vote
//! on it would count, the owners of rooms the households do not say, and errors that
//! name the field at fault.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use civicgrid_app::domain::platform::access::Actor;
use civicgrid_app::ledger::ResidentInput;
use serde_json::{Value, json};

use crate::support::api::{Api, Reply, cookies_from};

/// Six rooms of 100 m² in building "1" of grid A — five lived in by their owners
/// (O1–O5), the sixth let to a tenant (T) — and an empty room in building "2", which
/// has no area yet; an estate of community A holding both buildings.
pub struct Estate {
    pub api: Api,
    pub id: i64,
    /// Rooms 101–106 of building "1".
    pub rooms: Vec<i64>,
    /// The owners of rooms 101–105.
    pub owners: Vec<i64>,
    pub tenant: i64,
    /// Room 201 of building "2", without an area.
    pub bare_room: i64,
    pub building1: i64,
}

async fn head(api: &Api, household_id: i64, name: &str) -> i64 {
    api.app
        .add_resident(
            &Actor::system(),
            &ResidentInput {
                household_id,
                name: name.into(),
                gender: Some("female".into()),
                birth_date: Some("1970-03-04".into()),
                id_number: None,
                phone: None,
                relation: "head".into(),
                residence_status: None,
                tags: Vec::new(),
            },
            None,
        )
        .await
        .unwrap()
}

pub async fn estate() -> Estate {
    let api = Api::new().await;
    let sys = Actor::system();
    let mut rooms = Vec::new();
    let mut owners = Vec::new();
    let mut tenant = 0;
    for i in 1..=6 {
        let room = api
            .app
            .add_room(&sys, api.grid_a, "1", "1", &format!("10{i}"), Some(1))
            .await
            .unwrap();
        let ownership = if i == 6 { "tenant" } else { "owner" };
        let h = api
            .app
            .add_household(&sys, room, ownership, Some("100"))
            .await
            .unwrap();
        if i == 6 {
            tenant = head(&api, h, "租户").await;
        } else {
            let names = ["赵一", "钱二", "孙三", "李四", "周五"];
            owners.push(head(&api, h, names[i - 1]).await);
        }
        rooms.push(room);
    }
    let bare_room = api
        .app
        .add_room(&sys, api.grid_a, "2", "1", "201", Some(2))
        .await
        .unwrap();
    let made = api
        .call(
            Method::POST,
            "/api/v1/estates",
            &api.staff_token,
            Some(json!({"community_id": api.community_a, "name": "  阳光   花园 "})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let id = made.body["id"].as_i64().unwrap();
    assert_eq!(made.header("location"), format!("/api/v1/estates/{id}"));
    assert_eq!(made.body["name"], "阳光 花园");
    let detail = get(&api, id).await;
    let building = |name: &str| {
        detail.body["building_choices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .and_then(|b| b["building_id"].as_i64())
            .unwrap()
    };
    let (building1, building2) = (building("1"), building("2"));
    let e = Estate {
        api,
        id,
        rooms,
        owners,
        tenant,
        bare_room,
        building1,
    };
    let put = e
        .put(json!({"name": "阳光花园", "building_ids": [building1, building2]}))
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    e
}

async fn get(api: &Api, id: i64) -> Reply {
    let r = api
        .call(
            Method::GET,
            &format!("/api/v1/estates/{id}"),
            &api.staff_token,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r
}

impl Estate {
    pub async fn detail(&self) -> Value {
        get(&self.api, self.id).await.body
    }

    pub async fn put(&self, body: Value) -> Reply {
        self.api
            .call(
                Method::PUT,
                &format!("/api/v1/estates/{}", self.id),
                &self.api.staff_token,
                Some(body),
            )
            .await
    }

    pub async fn room_owner(&self, body: Value) -> Reply {
        self.api
            .call(
                Method::POST,
                &format!("/api/v1/estates/{}/room-owners", self.id),
                &self.api.staff_token,
                Some(body),
            )
            .await
    }

    /// Keeps building "1" only: every room has its area.
    pub async fn without_bare_building(&self) {
        let r = self
            .put(json!({"name": "阳光花园", "building_ids": [self.building1]}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    /// An account of resident `resident_id` (role resident in grid A), signed in:
    /// its `Cookie` header and CSRF token.
    pub async fn sign_in(&self, username: &str, resident_id: i64) -> (String, String) {
        let password = "resident-password-1";
        let user = crate::support::user(
            &self.api.app,
            username,
            password,
            "resident",
            self.api.grid_a,
        )
        .await;
        self.api
            .app
            .link_user_resident(&Actor::system(), user, Some(resident_id))
            .await
            .unwrap();
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"username": username, "password": password}).to_string(),
            ))
            .unwrap();
        let login = self.api.send(req).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        let csrf = login.body["csrf_token"].as_str().unwrap().to_owned();
        (cookies_from(&login), csrf)
    }
}

/// The error's message, which starts with the field it names.
pub fn invalid(r: &Reply, field: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.code(), "invalid_input", "{}", r.body);
    let message = r.body["error"]["message"].as_str().unwrap_or("");
    assert!(
        message.starts_with(&format!("{field}:")),
        "expected an error on {field}: {message}"
    );
}

#[tokio::test]
async fn an_estate_counts_its_owners_from_the_ledger() {
    let e = estate().await;
    let d = e.detail().await;
    assert_eq!(d["estate"]["name"], "阳光花园");
    assert_eq!(d["community_name"], "节点C-D-S-A");
    assert_eq!(d["buildings"].as_array().unwrap().len(), 2);
    assert_eq!(d["may_manage"], true);
    // The empty room has no area: nothing is counted until the ledger records it.
    let el = &d["electorate"];
    assert_eq!(el["rooms"], 7);
    assert_eq!(el["developer_rooms"], 2);
    let bare = el["rooms_without_area"].as_array().unwrap();
    assert_eq!(bare.len(), 1);
    assert_eq!(bare[0]["room_id"], e.bare_room);
    assert_eq!(
        (&bare[0]["building"], &bare[0]["unit"], &bare[0]["room"]),
        (&json!("2"), &json!("1"), &json!("201"))
    );

    e.without_bare_building().await;
    let el = e.detail().await["electorate"].clone();
    // Five owners, and the let room's unknown owner counts as the developer.
    assert_eq!(
        (&el["rooms"], &el["owners"], &el["developer_rooms"]),
        (&json!(6), &json!(6), &json!(1))
    );
    assert_eq!(el["area_centi"], 60_000);
    assert_eq!(el["area_m2"], "600");
    assert!(el["rooms_without_area"].as_array().unwrap().is_empty());

    // The landlord of the let room is owner 1, who then holds two rooms: one head.
    let r = e
        .room_owner(json!({"room_id": e.rooms[5], "owner_resident_id": e.owners[0]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["electorate"]["owners"], 5);
    assert_eq!(r.body["electorate"]["developer_rooms"], 0);
    let r = e
        .room_owner(json!({"room_id": e.rooms[5], "developer": true}))
        .await;
    assert_eq!(r.body["electorate"]["owners"], 6);
    assert_eq!(r.body["electorate"]["developer_rooms"], 1);
    let r = e
        .room_owner(json!({"room_id": e.rooms[5], "clear": true, "reason": "交房"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["electorate"]["owners"], 6);

    let list = e
        .api
        .call(Method::GET, "/api/v1/estates", &e.api.staff_token, None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let lines = list.body.as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (&lines[0]["id"], &lines[0]["buildings"], &lines[0]["rooms"]),
        (&json!(e.id), &json!(1), &json!(6))
    );
}

#[tokio::test]
async fn estate_errors_name_the_field() {
    let e = estate().await;
    let api = &e.api;
    let post = |body: Value| {
        api.call(
            Method::POST,
            "/api/v1/estates",
            &api.staff_token,
            Some(body),
        )
    };
    let r = api
        .raw(
            Method::POST,
            "/api/v1/estates",
            Some("application/json"),
            b"{\"community_id\": ".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "malformed_json");
    let r = post(json!({"community_id": api.community_a})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("name")
    );
    invalid(
        &post(json!({"community_id": api.grid_a, "name": "网格小区"})).await,
        "community_id",
    );
    invalid(
        &post(json!({"community_id": api.community_a, "name": "  "})).await,
        "name",
    );
    let twice = post(json!({"community_id": api.community_a, "name": "阳光花园"})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    // Another community is not the staff member's: refused, not revealed.
    let r = post(json!({"community_id": api.community_b, "name": "别处"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    invalid(
        &e.put(json!({"name": "阳光花园", "building_ids": [999_999]}))
            .await,
        "building_ids",
    );
    invalid(
        &e.put(json!({"name": "阳光花园", "property_org_id": 999_999, "building_ids": []}))
            .await,
        "property_org_id",
    );
    invalid(
        &e.put(json!({"name": "", "building_ids": []})).await,
        "name",
    );

    e.without_bare_building().await;
    invalid(
        &e.room_owner(json!({"room_id": e.rooms[0], "developer": true, "clear": true}))
            .await,
        "owner_resident_id",
    );
    invalid(
        &e.room_owner(json!({"room_id": e.rooms[0]})).await,
        "owner_resident_id",
    );
    invalid(
        &e.room_owner(json!({"room_id": e.rooms[0], "owner_resident_id": 999_999}))
            .await,
        "owner_resident_id",
    );
    invalid(
        &e.room_owner(json!({"room_id": e.bare_room, "developer": true}))
            .await,
        "room_id",
    );

    // An estate of another community is out of the staff member's sight.
    let other = api
        .admin(
            Method::POST,
            "/api/v1/estates",
            Some(json!({"community_id": api.community_b, "name": "别处花园"})),
        )
        .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);
    let uri = format!("/api/v1/estates/{}", other.body["id"]);
    let r = api.call(Method::GET, &uri, &api.staff_token, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .call(
            Method::GET,
            "/api/v1/estates/999999",
            &api.staff_token,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
