//! The one harness of the use-case tests: a fresh SQLite database in a temporary data
//! directory, a small city with the default catalogue, and the accounts and actors a
//! test asks for. Test files add only the records their tests are about.
#![allow(dead_code)]

use civicgrid_app::domain::platform::access::{Actor, Role};
use civicgrid_app::platform::auth::SignedIn;
use civicgrid_app::platform::org::NodeInput;
use civicgrid_app::platform::users::NewUser;
use civicgrid_app::{App, AppConfig};
use civicgrid_store::Db;

/// Password of every account the harness makes.
pub const PW: &str = "a-long-password";
/// A valid resident identity number.
pub const ID1: &str = "11010519491231002X";

/// The places of a city, each a (code, Chinese name); the English name is the code.
///
/// ```text
/// city → district → street → community → grid, grid2
///                          → neighbour → other_grid
///                 → other_street → other_community
/// ```
#[derive(Clone, Copy)]
pub struct City {
    pub city: (&'static str, &'static str),
    pub district: (&'static str, &'static str),
    pub street: (&'static str, &'static str),
    pub community: (&'static str, &'static str),
    pub grid: (&'static str, &'static str),
    pub grid2: (&'static str, &'static str),
    pub neighbour: (&'static str, &'static str),
    pub other_grid: (&'static str, &'static str),
    pub other_street: (&'static str, &'static str),
    pub other_community: (&'static str, &'static str),
}

/// The city most tests live in.
pub const CITY: City = City {
    city: ("C", "江城市"),
    district: ("C-D", "江岸区"),
    street: ("C-D-S", "望湖街道"),
    community: ("C-D-S-M", "湖光社区"),
    grid: ("C-D-S-M-G", "第1网格"),
    grid2: ("C-D-S-M-G2", "第2网格"),
    neighbour: ("C-D-S-N", "邻里社区"),
    other_grid: ("C-D-S-N-G", "邻里社区第1网格"),
    other_street: ("C-D-T", "另一街道"),
    other_community: ("C-D-T-M", "另一社区"),
};

/// A fresh database holding a [`City`]: the ids of its places, and the data directory.
pub struct World {
    pub app: App,
    pub city: i64,
    pub district: i64,
    pub street: i64,
    pub community: i64,
    /// The grid most records go to.
    pub grid: i64,
    /// A second grid of the same community.
    pub grid2: i64,
    /// Another community of the same street.
    pub neighbour: i64,
    /// The grid of the neighbouring community.
    pub other_grid: i64,
    /// Another street of the district, and its community.
    pub other_street: i64,
    pub other_community: i64,
    pub dir: tempfile::TempDir,
}

/// What creating a node as the system takes.
pub fn node_input(parent: Option<i64>, code: &str, name_zh: &str) -> NodeInput {
    NodeInput {
        parent_id: parent,
        kind: None,
        code: code.into(),
        name_zh: name_zh.into(),
        name_en: code.into(),
        boundary: None,
    }
}

async fn place(app: &App, parent: Option<i64>, (code, zh): (&str, &str)) -> i64 {
    app.create_node(&Actor::system(), &node_input(parent, code, zh), None)
        .await
        .unwrap_or_else(|e| panic!("seeding {code}: {e}"))
        .id
}

impl World {
    /// The standard [`CITY`].
    pub async fn new() -> World {
        World::of(CITY).await
    }

    /// A city with other codes or names.
    pub async fn of(c: City) -> World {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_sqlite(&dir.path().join("db.sqlite"))
            .await
            .unwrap();
        World::on(c, db, dir).await
    }

    /// A city on a database the caller opened (PostgreSQL, say); `dir` is kept for
    /// files.
    pub async fn on(c: City, db: Db, dir: tempfile::TempDir) -> World {
        db.migrate().await.unwrap();
        let app = App::new(db, AppConfig::default());
        app.prepare().await.unwrap();
        let city = place(&app, None, c.city).await;
        let district = place(&app, Some(city), c.district).await;
        let street = place(&app, Some(district), c.street).await;
        let community = place(&app, Some(street), c.community).await;
        let grid = place(&app, Some(community), c.grid).await;
        let grid2 = place(&app, Some(community), c.grid2).await;
        let neighbour = place(&app, Some(street), c.neighbour).await;
        let other_grid = place(&app, Some(neighbour), c.other_grid).await;
        let other_street = place(&app, Some(district), c.other_street).await;
        let other_community = place(&app, Some(other_street), c.other_community).await;
        World {
            app,
            city,
            district,
            street,
            community,
            grid,
            grid2,
            neighbour,
            other_grid,
            other_street,
            other_community,
            dir,
        }
    }

    /// A new node under `parent`, made by the system.
    pub async fn node(&self, parent: i64, code: &str, name_zh: &str) -> i64 {
        place(&self.app, Some(parent), (code, name_zh)).await
    }

    /// A room at `(building, unit, room)` on `floor` of `grid`, and an owner household
    /// living in it of `area_m2`, both recorded by the system: (room, household).
    pub async fn owner_household(
        &self,
        grid: i64,
        (building, unit, room): (&str, &str, &str),
        floor: Option<i64>,
        area_m2: Option<&str>,
    ) -> (i64, i64) {
        let sys = Actor::system();
        let room_id = self
            .app
            .add_room(&sys, grid, building, unit, room, floor)
            .await
            .unwrap_or_else(|e| panic!("seeding room {building}-{unit}-{room}: {e}"));
        let household = self
            .app
            .add_household(&sys, room_id, "owner", area_m2)
            .await
            .unwrap_or_else(|e| panic!("seeding the household of {room}: {e}"));
        (room_id, household)
    }

    /// An account `name` (password [`PW`]) holding `role` at `node_id`; its id.
    pub async fn user(&self, name: &str, role: Role, node_id: i64) -> i64 {
        self.app
            .create_user(
                &Actor::system(),
                &NewUser {
                    username: name.into(),
                    display_name: name.into(),
                    password: PW.into(),
                    role: role.as_str().into(),
                    node_id,
                },
                Some("setup"),
            )
            .await
            .unwrap_or_else(|e| panic!("seeding {name}: {e}"))
            .id
    }

    /// Signs the account `name` in.
    pub async fn sign_in(&self, name: &str) -> SignedIn {
        self.app
            .login(name, PW, "10.0.0.1", "test", None)
            .await
            .unwrap_or_else(|e| panic!("signing {name} in: {e}"))
            .signed_in
    }

    /// A new account holding `role` at `node`, signed in.
    pub async fn signed_in(&self, name: &str, role: Role, node: i64) -> SignedIn {
        self.user(name, role, node).await;
        self.sign_in(name).await
    }

    /// The actor of a new account holding `role` at `node_id`.
    pub async fn actor(&self, name: &str, role: Role, node_id: i64) -> Actor {
        self.signed_in(name, role, node_id).await.actor
    }
}
