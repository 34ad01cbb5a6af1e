//! Estates (物业管理区域): their buildings, property company and the owners of rooms the
//! ledger's households do not say.

use civicgrid_domain::participation::estates::Part;
use civicgrid_domain::platform::org::OrgPath;
use sqlx::AnyConnection;

use crate::repo::found;
use crate::{StoreResult, prefix_end};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Estate {
    pub id: i64,
    pub community_id: i64,
    pub scope_path: String,
    pub name: String,
    pub property_org_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Estate {
    pub fn scope(&self) -> OrgPath {
        OrgPath::from_stored(self.scope_path.clone())
    }
}

/// An estate on a list: with how many buildings and rooms it holds and its property
/// company's name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EstateSummary {
    pub id: i64,
    pub community_id: i64,
    pub name: String,
    pub community_name: String,
    pub property_org_name: Option<String>,
    pub buildings: i64,
    pub rooms: i64,
}

/// Creates an estate in the community `community_id` (at `scope`).
pub async fn insert_estate(
    conn: &mut AnyConnection,
    community_id: i64,
    scope: &OrgPath,
    name: &str,
    at_ms: i64,
) -> StoreResult<Estate> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO estates (community_id, scope_path, name, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(community_id)
    .bind(scope.as_str())
    .bind(name)
    .bind(at_ms)
    .fetch_one(&mut *conn)
    .await?;
    get_estate(conn, id).await
}

pub async fn get_estate(conn: &mut AnyConnection, id: i64) -> StoreResult<Estate> {
    Ok(sqlx::query_as(
        "SELECT id, community_id, scope_path, name, property_org_id, created_at, \
             updated_at FROM estates WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Renames an estate and sets (or clears) its property company.
pub async fn update_estate(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    property_org_id: Option<i64>,
    at_ms: i64,
) -> StoreResult<()> {
    found(
        sqlx::query(
            "UPDATE estates SET name = $2, property_org_id = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(name)
        .bind(property_org_id)
        .bind(at_ms)
        .execute(conn)
        .await?,
    )
}

/// The estates inside the subtree of `scope`, by community and name.
pub async fn list_estates(
    conn: &mut AnyConnection,
    scope: &OrgPath,
) -> StoreResult<Vec<EstateSummary>> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.community_id, e.name, c.name_zh AS community_name, \
           o.name AS property_org_name, \
           (SELECT COUNT(*) FROM estate_buildings b WHERE b.estate_id = e.id) AS buildings, \
           (SELECT COUNT(*) FROM estate_buildings b JOIN units u ON u.building_id = b.building_id \
              JOIN rooms r ON r.unit_id = u.id WHERE b.estate_id = e.id) AS rooms \
         FROM estates e JOIN org_nodes c ON c.id = e.community_id \
         LEFT JOIN responder_orgs o ON o.id = e.property_org_id \
         WHERE e.scope_path >= $1 AND e.scope_path < $2 ORDER BY c.name_zh, e.name",
    )
    .bind(scope.as_str())
    .bind(prefix_end(scope.as_str()))
    .fetch_all(conn)
    .await?)
}

/// A building of the community, and the estate it belongs to (if any).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BuildingChoice {
    pub building_id: i64,
    pub name: String,
    pub grid_name: String,
    pub estate_id: Option<i64>,
}

/// Every building in the subtree of `community` (a community's path), with the estate
/// holding it, by name.
pub async fn community_buildings(
    conn: &mut AnyConnection,
    community: &OrgPath,
) -> StoreResult<Vec<BuildingChoice>> {
    Ok(sqlx::query_as(
        "SELECT b.id AS building_id, b.name, g.name_zh AS grid_name, eb.estate_id \
         FROM buildings b JOIN org_nodes g ON g.id = b.grid_id \
         LEFT JOIN estate_buildings eb ON eb.building_id = b.id \
         WHERE g.path >= $1 AND g.path < $2 ORDER BY b.name, b.id",
    )
    .bind(community.as_str())
    .bind(prefix_end(community.as_str()))
    .fetch_all(conn)
    .await?)
}

/// Makes `buildings` the estate's buildings (those not listed leave it).
pub async fn set_estate_buildings(
    conn: &mut AnyConnection,
    estate_id: i64,
    buildings: &[i64],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM estate_buildings WHERE estate_id = $1")
        .bind(estate_id)
        .execute(&mut *conn)
        .await?;
    for b in buildings {
        sqlx::query("INSERT INTO estate_buildings (estate_id, building_id) VALUES ($1, $2)")
            .bind(estate_id)
            .bind(b)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The estate's building ids, by name.
pub async fn estate_building_ids(
    conn: &mut AnyConnection,
    estate_id: i64,
) -> StoreResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT eb.building_id FROM estate_buildings eb JOIN buildings b ON b.id = eb.building_id \
         WHERE eb.estate_id = $1 ORDER BY b.name, b.id",
    )
    .bind(estate_id)
    .fetch_all(conn)
    .await?)
}

/// The estate holding a room, if any.
pub async fn estate_of_room(conn: &mut AnyConnection, room_id: i64) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT eb.estate_id FROM rooms r JOIN units u ON u.id = r.unit_id \
         JOIN estate_buildings eb ON eb.building_id = u.building_id WHERE r.id = $1",
    )
    .bind(room_id)
    .fetch_optional(conn)
    .await?)
}

#[derive(sqlx::FromRow)]
struct PartRow {
    room_id: i64,
    building_id: i64,
    area_centi: Option<i64>,
    recorded: i64,
    recorded_owner: Option<i64>,
    head: Option<i64>,
}

/// Every room of the estate's buildings as an exclusive part: its area (the largest
/// recorded by an active household of the room), and its owner — the one recorded
/// for the room (`room_owners`, where none means the developer), else the head of an
/// active owner-occupier household living in it, else none (the developer).
pub async fn estate_parts(conn: &mut AnyConnection, estate_id: i64) -> StoreResult<Vec<Part>> {
    let rows: Vec<PartRow> = sqlx::query_as(
        "SELECT r.id AS room_id, u.building_id, \
           (SELECT MAX(h.area_centi) FROM households h WHERE h.room_id = r.id AND h.active = 1) \
             AS area_centi, \
           CASE WHEN ro.room_id IS NULL THEN 0 ELSE 1 END AS recorded, \
           ro.owner_resident_id AS recorded_owner, \
           (SELECT MIN(x.id) FROM households h JOIN residents x ON x.household_id = h.id \
             WHERE h.room_id = r.id AND h.active = 1 AND h.ownership = 'owner' \
               AND x.relation = 'head' AND x.residence_status IN ('registered', 'floating')) \
             AS head \
         FROM estate_buildings eb JOIN units u ON u.building_id = eb.building_id \
         JOIN rooms r ON r.unit_id = u.id LEFT JOIN room_owners ro ON ro.room_id = r.id \
         WHERE eb.estate_id = $1 ORDER BY r.id",
    )
    .bind(estate_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Part {
            room_id: r.room_id,
            building_id: r.building_id,
            area_centi: r.area_centi,
            owner: if r.recorded != 0 {
                r.recorded_owner
            } else {
                r.head
            },
        })
        .collect())
}

/// Records who owns a room (`None`: the developer, not sold or delivered).
pub async fn set_room_owner(
    conn: &mut AnyConnection,
    room_id: i64,
    owner: Option<i64>,
    at_ms: i64,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM room_owners WHERE room_id = $1")
        .bind(room_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO room_owners (room_id, owner_resident_id, updated_at) VALUES ($1, $2, $3)",
    )
    .bind(room_id)
    .bind(owner)
    .bind(at_ms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets what was recorded for a room: its owner is read from its households again.
pub async fn clear_room_owner(conn: &mut AnyConnection, room_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM room_owners WHERE room_id = $1")
        .bind(room_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A room's address parts, for lists of rooms (to canvass, to fix).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoomAddress {
    pub room_id: i64,
    pub building: String,
    pub unit: String,
    pub room: String,
}

/// The addresses of `rooms`, in building, unit and room order.
pub async fn room_addresses(
    conn: &mut AnyConnection,
    rooms: &[i64],
) -> StoreResult<Vec<RoomAddress>> {
    let mut out = Vec::with_capacity(rooms.len());
    for chunk in rooms.chunks(500) {
        let sql = format!(
            "SELECT r.id AS room_id, b.name AS building, u.name AS unit, r.name AS room \
             FROM rooms r JOIN units u ON u.id = r.unit_id JOIN buildings b ON b.id = u.building_id \
             WHERE r.id IN ({})",
            crate::dialect::in_list(chunk.len(), crate::dialect::anon(conn))
        );
        let mut q = crate::dialect::query_as::<RoomAddress>(sql);
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    out.sort_by(|a, b| (&a.building, &a.unit, &a.room).cmp(&(&b.building, &b.unit, &b.room)));
    Ok(out)
}

/// The owners' committee of a community: active accounts holding that role at its
/// node, as (user id, display name), by name.
pub async fn committee_members(
    conn: &mut AnyConnection,
    community_id: i64,
) -> StoreResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.display_name FROM role_assignments a JOIN users u ON u.id = a.user_id \
         WHERE a.node_id = $1 AND a.role = 'owners_committee' AND u.active = 1 \
         ORDER BY u.display_name, u.id",
    )
    .bind(community_id)
    .fetch_all(conn)
    .await?)
}
