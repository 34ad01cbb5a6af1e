//! Broken uniqueness rules come back named, the same on both backends: PostgreSQL by
//! the constraint's name, SQLite by the columns of its message.

use civicgrid_store::{Db, StoreError, Unique, commit, ledger};

use crate::ledger::grid;

#[test]
fn violations_are_named_from_either_backend() {
    let cases = [
        (
            "users_username_key",
            "UNIQUE constraint failed: users.username",
            Unique::Username,
        ),
        (
            "org_nodes_code_key",
            "UNIQUE constraint failed: org_nodes.code",
            Unique::NodeCode,
        ),
        (
            "org_nodes_path_key",
            "UNIQUE constraint failed: org_nodes.path",
            Unique::NodePath,
        ),
        (
            "role_assignments_user_id_role_node_id_key",
            "UNIQUE constraint failed: role_assignments.user_id, role_assignments.role, \
             role_assignments.node_id",
            Unique::RoleAssignment,
        ),
        (
            "sessions_token_hash_key",
            "UNIQUE constraint failed: sessions.token_hash",
            Unique::SessionToken,
        ),
        (
            "api_tokens_name_key",
            "UNIQUE constraint failed: api_tokens.name",
            Unique::TokenName,
        ),
        (
            "api_tokens_token_hash_key",
            "UNIQUE constraint failed: api_tokens.token_hash",
            Unique::TokenHash,
        ),
        (
            "buildings_grid_id_name_key",
            "UNIQUE constraint failed: buildings.grid_id, buildings.name",
            Unique::BuildingName,
        ),
        (
            "units_building_id_name_key",
            "UNIQUE constraint failed: units.building_id, units.name",
            Unique::UnitName,
        ),
        (
            "rooms_unit_id_name_key",
            "UNIQUE constraint failed: rooms.unit_id, rooms.name",
            Unique::RoomName,
        ),
        (
            "residents_id_number",
            "UNIQUE constraint failed: residents.id_number_idx",
            Unique::ResidentIdNumber,
        ),
        (
            "resident_tags_pkey",
            "UNIQUE constraint failed: resident_tags.resident_id, resident_tags.tag_code",
            Unique::ResidentTag,
        ),
        (
            "request_open311_tokens_pkey",
            "UNIQUE constraint failed: request_open311_tokens.token",
            Unique::Open311Token,
        ),
    ];
    for (pg, sqlite, rule) in cases {
        // PostgreSQL's message says nothing the rule is read from: only the name counts.
        assert_eq!(
            Unique::of_violation(Some(pg), "duplicate key value"),
            rule,
            "{pg}"
        );
        assert_eq!(Unique::of_violation(None, sqlite), rule, "{sqlite}");
        assert_eq!(rule.name(), pg);
        assert_eq!(rule.to_string(), pg);
    }
    let other = Unique::of_violation(Some("requests_pkey"), "duplicate key value");
    assert_eq!(other, Unique::Other("requests_pkey".into()));
    assert_eq!(other.name(), "requests_pkey");
    assert_eq!(
        Unique::of_violation(None, "UNIQUE constraint failed: requests.id"),
        Unique::Other("requests.id".into())
    );
}

conformance!(
    places_are_unique_by_name_within_their_parent,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let grid = grid(&mut tx).await;
        let building = ledger::insert_building(&mut tx, grid.id, "1栋", "")
            .await
            .unwrap();
        let unit = ledger::insert_unit(&mut tx, building.id, "1单元")
            .await
            .unwrap();
        ledger::insert_room(&mut tx, unit.id, "101", Some(1))
            .await
            .unwrap();
        commit(tx).await.unwrap();

        let mut tx = db.begin_write().await.unwrap();
        let unit_twice = ledger::insert_unit(&mut tx, building.id, "1单元").await;
        assert!(
            matches!(unit_twice, Err(StoreError::Conflict(Unique::UnitName))),
            "{unit_twice:?}"
        );
        drop(tx);
        let mut tx = db.begin_write().await.unwrap();
        let room_twice = ledger::insert_room(&mut tx, unit.id, "101", Some(1)).await;
        assert!(
            matches!(room_twice, Err(StoreError::Conflict(Unique::RoomName))),
            "{room_twice:?}"
        );
        drop(tx);
        // The same names under another parent are no conflict.
        let mut tx = db.begin_write().await.unwrap();
        let other = ledger::insert_building(&mut tx, grid.id, "2栋", "")
            .await
            .unwrap();
        let unit2 = ledger::insert_unit(&mut tx, other.id, "1单元")
            .await
            .unwrap();
        ledger::insert_room(&mut tx, unit2.id, "101", Some(1))
            .await
            .unwrap();
        commit(tx).await.unwrap();
    }
);
