//! The household ledger: places, the room board, households, residents, tags, the
//! catalogue, history and the account link.

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::id_number::{self, IdNumber};
use civicgrid_domain::ledger::person::{Gender, Ownership, Relation, ResidenceStatus};
use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::ledger::tags::{TagDef, default_catalogue};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::{self, NewHistory, ResidentFields};
use civicgrid_store::{
    AnyConnection, Db, StoreError, Unique, commit, ledger::pii, platform::accounts,
};

use crate::support::{T0, id_number_taken, node};

pub(crate) async fn grid(conn: &mut AnyConnection) -> civicgrid_store::platform::org::OrgNode {
    let city = node(conn, None, NodeKind::City, "C").await;
    let district = node(conn, Some(&city), NodeKind::District, "D").await;
    let street = node(conn, Some(&district), NodeKind::Street, "S").await;
    let community = node(conn, Some(&street), NodeKind::Community, "M").await;
    node(conn, Some(&community), NodeKind::Grid, "G").await
}

/// A valid ID number for `seq` (born 1949-12-31 for seq 1, 1980-01-01 otherwise).
fn idn(seq: u16) -> IdNumber {
    let birth = if seq == 1 {
        Date::from_ymd_opt(1949, 12, 31).unwrap()
    } else {
        Date::from_ymd_opt(1980, 1, 1).unwrap()
    };
    id_number::compose("110105", birth, seq).unwrap()
}

pub(crate) fn sealed(keys: &FieldKeys, seq: u16, phone: Option<&str>) -> pii::SealedPii {
    let id = idn(seq);
    let birth = id.birth_date().unwrap();
    let phone = phone.map(|p| Phone::parse(p).unwrap());
    pii::seal(keys, Some(&id), phone.as_ref(), birth)
}

pub(crate) async fn resident(
    conn: &mut AnyConnection,
    grid_id: i64,
    household: i64,
    name: &str,
    relation: Relation,
    pii: &pii::SealedPii,
) -> ledger::ResidentRecord {
    ledger::insert_resident(
        conn,
        &ResidentFields {
            household_id: Some(household),
            grid_id,
            name,
            gender: Gender::Female,
            relation,
            status: ResidenceStatus::Registered,
            pii,
        },
    )
    .await
    .unwrap()
}

/// Building "1" of the grid with its unit "1", and rooms of that unit named `names`
/// (no floor).
async fn rooms_in_new_unit<const N: usize>(
    conn: &mut AnyConnection,
    grid_id: i64,
    names: [&str; N],
) -> [ledger::Room; N] {
    let b = ledger::insert_building(conn, grid_id, "1", "")
        .await
        .unwrap();
    let u = ledger::insert_unit(conn, b.id, "1").await.unwrap();
    let mut rooms = Vec::with_capacity(N);
    for name in names {
        rooms.push(ledger::insert_room(conn, u.id, name, None).await.unwrap());
    }
    rooms.try_into().unwrap()
}

/// A household of `ownership` in the room, its area not given.
async fn household(
    conn: &mut AnyConnection,
    room_id: i64,
    ownership: Ownership,
) -> ledger::Household {
    ledger::insert_household(conn, room_id, ownership, None)
        .await
        .unwrap()
}

conformance!(ledger_places_and_board, |db: Db| async move {
    let keys = FieldKeys::ephemeral();
    let mut tx = db.begin_write().await.unwrap();
    let g = grid(&mut tx).await;
    ledger::ensure_default_catalogue(&mut tx).await.unwrap();
    let b = ledger::insert_building(&mut tx, g.id, "1栋", "湖光路1号")
        .await
        .unwrap();
    let b2 = ledger::insert_building(&mut tx, g.id, "2栋", "")
        .await
        .unwrap();
    let u = ledger::insert_unit(&mut tx, b.id, "1单元").await.unwrap();
    let r1 = ledger::insert_room(&mut tx, u.id, "101", Some(1))
        .await
        .unwrap();
    let r2 = ledger::insert_room(&mut tx, u.id, "102", Some(1))
        .await
        .unwrap();
    let h = ledger::insert_household(&mut tx, r1.id, Ownership::Owner, Some(8950))
        .await
        .unwrap();
    assert_eq!(h.grid_id, g.id);
    let a = resident(
        &mut tx,
        g.id,
        h.id,
        "张三",
        Relation::Head,
        &sealed(&keys, 1, Some("13812345678")),
    )
    .await;
    let c = resident(
        &mut tx,
        g.id,
        h.id,
        "李四",
        Relation::Spouse,
        &sealed(&keys, 2, None),
    )
    .await;
    ledger::set_tags(
        &mut tx,
        a.id,
        &["elderly_alone".into(), "low_income".into()],
    )
    .await
    .unwrap();
    ledger::set_tags(&mut tx, c.id, &["low_income".into()])
        .await
        .unwrap();
    commit(tx).await.unwrap();

    let mut tx = db.begin_write().await.unwrap();
    assert!(matches!(
        ledger::insert_building(&mut tx, g.id, "1栋", "").await,
        Err(StoreError::Conflict(Unique::BuildingName))
    ));
    drop(tx);

    let mut conn = db.read().await.unwrap();
    let place = ledger::place_of_room(&mut conn, r1.id).await.unwrap();
    assert_eq!(place.grid_id, g.id);
    assert_eq!(place.grid_path, g.path);
    assert_eq!(place.building_name, "1栋");
    assert_eq!(place.unit_name, "1单元");
    let board = ledger::board(&mut conn, g.id).await.unwrap();
    assert_eq!(board.len(), 2);
    assert_eq!(board[0].building.id, b.id);
    assert_eq!(board[1].building.id, b2.id);
    assert!(board[1].units.is_empty());
    let rooms = &board[0].units[0].rooms;
    assert_eq!(rooms.len(), 2);
    assert_eq!(rooms[0].room.id, r1.id);
    assert_eq!(rooms[1].room.id, r2.id);
    assert!(rooms[1].households.is_empty());
    let hh = &rooms[0].households[0];
    assert_eq!(hh.id, h.id);
    assert_eq!(hh.members, 2);
    assert_eq!(hh.oldest_birth_ym, Some(194912));
    assert_eq!(
        hh.tags,
        vec!["elderly_alone".to_string(), "low_income".to_string()]
    );
    assert_eq!(hh.area_centi, Some(8950));

    let members = ledger::members(&mut conn, h.id).await.unwrap();
    assert_eq!(
        members.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![a.id, c.id]
    );
    let got = ledger::get_resident(&mut conn, a.id).await.unwrap();
    assert_eq!(got, a);
    let opened = pii::open(&keys, &got.pii).unwrap();
    assert_eq!(opened.phone.as_deref(), Some("13812345678"));
    let idx = pii::id_number_index(&keys, &idn(1));
    assert_eq!(
        ledger::find_resident_by_id_index(&mut conn, &idx)
            .await
            .unwrap()
            .map(|r| r.id),
        Some(a.id)
    );
    assert_eq!(
        ledger::tags_of_members(&mut conn, h.id)
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(matches!(
        ledger::get_household(&mut conn, 99_999).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        ledger::place_of_room(&mut conn, 99_999).await,
        Err(StoreError::NotFound)
    ));
});

conformance!(ledger_resident_update_move_status, |db: Db| async move {
    let keys = FieldKeys::ephemeral();
    let mut tx = db.begin_write().await.unwrap();
    let g = grid(&mut tx).await;
    let [r] = rooms_in_new_unit(&mut tx, g.id, ["101"]).await;
    let h1 = household(&mut tx, r.id, Ownership::Owner).await;
    let h2 = household(&mut tx, r.id, Ownership::Tenant).await;
    let p = sealed(&keys, 1, None);
    let a = resident(&mut tx, g.id, h1.id, "张三", Relation::Head, &p).await;
    commit(tx).await.unwrap();
    // The same ID number twice is a conflict.
    let mut tx = db.begin_write().await.unwrap();
    let dup = ledger::insert_resident(
        &mut tx,
        &ResidentFields {
            household_id: Some(h1.id),
            grid_id: g.id,
            name: "王五",
            gender: Gender::Male,
            relation: Relation::Other,
            status: ResidenceStatus::Registered,
            pii: &p,
        },
    )
    .await;
    assert!(id_number_taken(&dup), "{dup:?}");
    drop(tx);

    let mut tx = db.begin_write().await.unwrap();
    let p2 = pii::seal(
        &keys,
        None,
        Some(&Phone::parse("13912345678").unwrap()),
        Date::from_ymd_opt(1950, 1, 2).unwrap(),
    );
    let fields = ResidentFields {
        household_id: Some(h1.id),
        grid_id: g.id,
        name: "张 三丰",
        gender: Gender::Male,
        relation: Relation::Head,
        status: ResidenceStatus::Floating,
        pii: &p2,
    };
    let e = ledger::update_resident(&mut tx, a.id, a.version, &fields)
        .await
        .unwrap();
    assert_eq!(e.version, a.version + 1);
    assert_eq!(e.name, "张 三丰");
    assert_eq!(e.pii.id_number_idx, None);
    assert_eq!(e.pii.birth_ym, 195001);
    assert!(matches!(
        ledger::update_resident(&mut tx, a.id, a.version, &fields).await,
        Err(StoreError::Stale)
    ));
    assert!(matches!(
        ledger::update_resident(&mut tx, 99_999, 1, &fields).await,
        Err(StoreError::NotFound)
    ));
    let m = ledger::move_resident(&mut tx, a.id, h2.id, Relation::Other)
        .await
        .unwrap();
    assert_eq!(m.household_id, Some(h2.id));
    assert_eq!(m.relation, Relation::Other);
    let s = ledger::set_status(&mut tx, a.id, ResidenceStatus::Deceased)
        .await
        .unwrap();
    assert_eq!(s.status, ResidenceStatus::Deceased);
    commit(tx).await.unwrap();
    let mut conn = db.read().await.unwrap();
    let board = ledger::board(&mut conn, g.id).await.unwrap();
    let room = &board[0].units[0].rooms[0];
    assert_eq!(room.households.len(), 2);
    assert!(
        room.households.iter().all(|h| h.members == 0),
        "the deceased is not counted"
    );
});

conformance!(ledger_split_and_merge, |db: Db| async move {
    let keys = FieldKeys::ephemeral();
    let mut tx = db.begin_write().await.unwrap();
    let g = grid(&mut tx).await;
    let [r1, r2] = rooms_in_new_unit(&mut tx, g.id, ["101", "102"]).await;
    let h = household(&mut tx, r1.id, Ownership::Owner).await;
    let mut family = Vec::new();
    for (seq, (name, relation)) in [
        ("甲", Relation::Head),
        ("乙", Relation::Child),
        ("丙", Relation::ChildInLaw),
    ]
    .into_iter()
    .enumerate()
    {
        let pii = sealed(&keys, seq as u16 + 1, None);
        family.push(resident(&mut tx, g.id, h.id, name, relation, &pii).await);
    }
    let [a, c, d]: [ledger::ResidentRecord; 3] = family.try_into().unwrap();
    commit(tx).await.unwrap();

    let mut tx = db.begin_write().await.unwrap();
    assert!(matches!(
        ledger::split_household(&mut tx, h.id, r2.id, Ownership::Tenant, None, &[99_999]).await,
        Err(StoreError::NotFound)
    ));
    let new = ledger::split_household(
        &mut tx,
        h.id,
        r2.id,
        Ownership::Tenant,
        Some(6000),
        &[c.id, d.id],
    )
    .await
    .unwrap();
    assert_eq!(new.room_id, r2.id);
    let moved = ledger::members(&mut tx, new.id).await.unwrap();
    assert_eq!(moved.len(), 2);
    assert_eq!(moved[0].id, c.id);
    assert_eq!(moved[0].relation, Relation::Head);
    assert_eq!(ledger::members(&mut tx, h.id).await.unwrap().len(), 1);
    commit(tx).await.unwrap();

    let mut tx = db.begin_write().await.unwrap();
    assert!(matches!(
        ledger::merge_households(&mut tx, h.id, h.id).await,
        Err(StoreError::Refused(_))
    ));
    let ids = ledger::merge_households(&mut tx, new.id, h.id)
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    commit(tx).await.unwrap();
    let mut conn = db.read().await.unwrap();
    let all = ledger::members(&mut conn, h.id).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(
        all.iter().filter(|m| m.relation == Relation::Head).count(),
        1
    );
    assert_eq!(all[0].id, a.id);
    assert!(
        !ledger::get_household(&mut conn, new.id)
            .await
            .unwrap()
            .active
    );
    assert!(ledger::members(&mut conn, new.id).await.unwrap().is_empty());
    let board = ledger::board(&mut conn, g.id).await.unwrap();
    assert!(
        board[0].units[0].rooms[1].households.is_empty(),
        "inactive households leave the board"
    );
});

conformance!(ledger_catalogue_history_and_links, |db: Db| async move {
    let keys = FieldKeys::ephemeral();
    let mut tx = db.begin_write().await.unwrap();
    let added = ledger::ensure_default_catalogue(&mut tx).await.unwrap();
    assert_eq!(added as usize, default_catalogue().len());
    assert_eq!(ledger::ensure_default_catalogue(&mut tx).await.unwrap(), 0);
    let def = TagDef {
        code: "dialysis".into(),
        name_zh: "透析".into(),
        name_en: "Dialysis".into(),
        care: true,
        derived: false,
    };
    ledger::upsert_tag(&mut tx, &def, true).await.unwrap();
    let renamed = TagDef {
        name_en: "On dialysis".into(),
        ..def.clone()
    };
    ledger::upsert_tag(&mut tx, &renamed, false).await.unwrap();
    let g = grid(&mut tx).await;
    let [r] = rooms_in_new_unit(&mut tx, g.id, ["101"]).await;
    let h = household(&mut tx, r.id, Ownership::Owner).await;
    let a = resident(
        &mut tx,
        g.id,
        h.id,
        "甲",
        Relation::Head,
        &sealed(&keys, 1, None),
    )
    .await;
    ledger::set_tags(
        &mut tx,
        a.id,
        &["veteran".into(), "dialysis".into(), "veteran".into()],
    )
    .await
    .unwrap();
    commit(tx).await.unwrap();
    let mut tx = db.begin_write().await.unwrap();
    assert!(
        ledger::set_tags(&mut tx, a.id, &["no_such_tag".into()])
            .await
            .is_err()
    );
    drop(tx);

    let mut conn = db.read().await.unwrap();
    let cat = ledger::catalogue(&mut conn).await.unwrap();
    assert_eq!(cat.len(), default_catalogue().len() + 1);
    let d = cat.iter().find(|t| t.def.code == "dialysis").unwrap();
    assert_eq!(d.def.name_en, "On dialysis");
    assert!(!d.active);
    assert_eq!(
        ledger::tags_of(&mut conn, a.id).await.unwrap(),
        vec!["dialysis".to_string(), "veteran".to_string()]
    );
    drop(conn);

    let mut tx = db.begin_write().await.unwrap();
    for (i, action) in ["resident.create", "resident.update"].iter().enumerate() {
        ledger::insert_history(
            &mut tx,
            &NewHistory {
                subject_type: "resident",
                subject_id: a.id,
                at_ms: T0 + i as i64,
                actor_user_id: None,
                actor_label: "system",
                action,
                reason: Some("survey"),
                changes: "{}",
            },
        )
        .await
        .unwrap();
    }
    let user = accounts::insert_user(&mut tx, "res", "Res", "x")
        .await
        .unwrap();
    assert_eq!(
        ledger::resident_of_user(&mut tx, user.id).await.unwrap(),
        None
    );
    ledger::link_user(&mut tx, user.id, Some(a.id))
        .await
        .unwrap();
    assert!(matches!(
        ledger::link_user(&mut tx, 99_999, Some(a.id)).await,
        Err(StoreError::NotFound)
    ));
    commit(tx).await.unwrap();
    let mut conn = db.read().await.unwrap();
    let hist = ledger::history(&mut conn, "resident", a.id, 10)
        .await
        .unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[0].action, "resident.update");
    assert_eq!(hist[0].reason.as_deref(), Some("survey"));
    assert!(
        ledger::history(&mut conn, "household", a.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ledger::resident_of_user(&mut conn, user.id).await.unwrap(),
        Some(a.id)
    );
});
