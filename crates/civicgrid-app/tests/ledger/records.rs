//! Ledger use cases: scope denials, unmasking with a purpose, history on every change,
//! split/merge invariants, residents' own view, nothing personal in the audit log.

use std::ops::Deref;

use civicgrid_app::AppError;
use civicgrid_app::domain::platform::access::{Actor, Role};
use civicgrid_app::ledger::{ResidentInput, ResidentPatch, SplitInput};
use civicgrid_store::platform::audit::AuditFilter;

use crate::support::{ID1, World};

/// The standard city with a room in the grid (building 1, unit 1, room 101) and an
/// owner household in it.
struct Ledger {
    world: World,
    room: i64,
    household: i64,
}

impl Deref for Ledger {
    type Target = World;
    fn deref(&self) -> &World {
        &self.world
    }
}

async fn world() -> Ledger {
    let world = World::new().await;
    // Preparing again changes nothing.
    world.app.prepare().await.unwrap();
    let (room, household) = world
        .owner_household(world.grid, ("1栋", "1单元", "101"), Some(1), Some("89.5"))
        .await;
    Ledger {
        world,
        room,
        household,
    }
}

impl Ledger {
    async fn add(
        &self,
        actor: &Actor,
        household: i64,
        name: &str,
        id: Option<&str>,
        relation: &str,
    ) -> Result<i64, AppError> {
        self.app
            .add_resident(
                actor,
                &ResidentInput {
                    household_id: household,
                    name: name.into(),
                    gender: if id.is_none() {
                        Some("male".into())
                    } else {
                        None
                    },
                    birth_date: if id.is_none() {
                        Some("1990-05-06".into())
                    } else {
                        None
                    },
                    id_number: id.map(Into::into),
                    phone: Some("13812345678".into()),
                    relation: relation.into(),
                    residence_status: None,
                    tags: vec!["低保".into()],
                },
                Some("survey"),
            )
            .await
    }

    /// A new member of the room's household, added by `actor`.
    async fn member(&self, actor: &Actor, name: &str, id: Option<&str>, relation: &str) -> i64 {
        self.add(actor, self.household, name, id, relation)
            .await
            .unwrap_or_else(|e| panic!("adding {name}: {e}"))
    }
}

#[tokio::test]
async fn scope_is_enforced_and_unmasking_needs_a_purpose() {
    let w = world().await;
    let worker = w.actor("worker", Role::GridWorker, w.grid).await;
    let outsider = w.actor("outsider", Role::GridWorker, w.grid2).await;
    let street = w.actor("streetadm", Role::StreetAdmin, w.street).await;
    let id = w.member(&worker, "张三", Some(ID1), "head").await;

    // Outside the scope: nothing visible, nothing editable — and nothing revealed:
    // the answers are those of records that do not exist.
    assert!(matches!(
        w.app.resident_card(&outsider, id).await,
        Err(AppError::NotFound("resident"))
    ));
    assert!(matches!(
        w.app.ledger_board(&outsider, w.grid).await,
        Err(AppError::NotFound("grid"))
    ));
    assert!(matches!(
        w.app.household_card(&outsider, w.household).await,
        Err(AppError::NotFound("household"))
    ));
    assert!(matches!(
        w.add(&outsider, w.household, "李四", None, "spouse").await,
        Err(AppError::Invalid {
            field: "household_id",
            ..
        })
    ));
    // A street admin may view but neither edit nor unmask.
    assert!(w.app.resident_card(&street, id).await.is_ok());
    assert!(matches!(
        w.app.unmask_resident(&street, id, "check").await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        w.app
            .edit_resident(
                &street,
                id,
                &ResidentPatch {
                    name: Some("王五".into()),
                    ..Default::default()
                },
                Some("fix")
            )
            .await,
        Err(AppError::Forbidden)
    ));

    // Masked on the card.
    let card = w.app.resident_card(&worker, id).await.unwrap();
    assert_eq!(
        card.resident.id_number.as_deref(),
        Some("110105********002X")
    );
    assert_eq!(card.resident.phone.as_deref(), Some("138****5678"));
    assert_eq!(card.resident.birth_date, "1949-12-**");
    assert!(
        card.resident
            .derived_tags
            .contains(&"senior_60".to_string())
    );
    assert_eq!(card.resident.tags, vec!["low_income".to_string()]);
    assert_eq!(card.resident.gender, "female");

    // Unmasking needs a purpose and is audited with it.
    assert!(matches!(
        w.app.unmask_resident(&worker, id, "  ").await,
        Err(AppError::Invalid {
            field: "purpose",
            ..
        })
    ));
    let open = w
        .app
        .unmask_resident(&worker, id, "welfare check call")
        .await
        .unwrap();
    assert_eq!(open.id_number.as_deref(), Some(ID1));
    assert_eq!(open.phone.as_deref(), Some("13812345678"));
    assert_eq!(open.birth_date, "1949-12-31");
    let entries = w
        .app
        .audit_entries(
            &Actor::system(),
            AuditFilter {
                target_type: Some("resident".into()),
                target_id: Some(id.to_string()),
                ..Default::default()
            },
            50,
        )
        .await
        .unwrap();
    let unmask = entries
        .iter()
        .find(|e| e.fields.action == "ledger.resident.unmask")
        .unwrap();
    assert_eq!(unmask.fields.reason.as_deref(), Some("welfare check call"));
    assert_eq!(unmask.fields.actor_label, "worker");

    // Nothing personal in any audit entry.
    let all = w
        .app
        .audit_entries(&Actor::system(), AuditFilter::default(), 500)
        .await
        .unwrap();
    for e in &all {
        let text = format!("{} {:?}", e.fields.details, e.fields.reason);
        assert!(
            !text.contains(ID1) && !text.contains("13812345678") && !text.contains("1949-12-31"),
            "{text}"
        );
        assert!(!text.contains("张三"), "{text}");
    }
}

#[tokio::test]
async fn every_change_is_kept_in_the_history() {
    let w = world().await;
    let worker = w.actor("worker", Role::GridWorker, w.grid).await;
    let id = w.member(&worker, "张三", Some(ID1), "head").await;
    // Invalid input names the field and writes nothing.
    let bad = w
        .add(
            &worker,
            w.household,
            "李四",
            Some("110105194912310021"),
            "head",
        )
        .await;
    assert!(
        matches!(
            bad,
            Err(AppError::Invalid {
                field: "id_number",
                ..
            })
        ),
        "{bad:?}"
    );
    let dup = w.add(&worker, w.household, "李四", Some(ID1), "head").await;
    assert!(
        matches!(
            dup,
            Err(AppError::Invalid {
                field: "id_number",
                ..
            })
        ),
        "{dup:?}"
    );

    assert!(matches!(
        w.app
            .edit_resident(
                &worker,
                id,
                &ResidentPatch {
                    phone: Some("13912345678".into()),
                    ..Default::default()
                },
                None
            )
            .await,
        Err(AppError::Invalid {
            field: "reason",
            ..
        })
    ));
    w.app
        .edit_resident(
            &worker,
            id,
            &ResidentPatch {
                phone: Some("13912345678".into()),
                name: Some("张三丰".into()),
                ..Default::default()
            },
            Some("new phone"),
        )
        .await
        .unwrap();
    w.app
        .set_resident_tags(&worker, id, &["veteran".into(), "独居老人".into()], None)
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .set_resident_tags(&worker, id, &["aged_80".into()], None)
            .await,
        Err(AppError::Invalid { field: "tags", .. })
    ));
    assert!(matches!(
        w.app
            .set_resident_tags(&worker, id, &["wizard".into()], None)
            .await,
        Err(AppError::Invalid { field: "tags", .. })
    ));
    w.app
        .record_departure(
            &worker,
            id,
            "deceased",
            "2026-01-02",
            Some("family reported"),
        )
        .await
        .unwrap();
    let card = w.app.resident_card(&worker, id).await.unwrap();
    assert_eq!(card.resident.residence_status, "deceased");
    let actions: Vec<&str> = card.history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(
        actions,
        vec![
            "resident.death",
            "resident.tags",
            "resident.update",
            "resident.create"
        ]
    );
    let update = &card.history[2];
    assert_eq!(update.reason.as_deref(), Some("new phone"));
    assert_eq!(update.actor, "worker");
    let text = update.changes.to_string();
    assert!(
        text.contains("139****5678") && !text.contains("13912345678"),
        "{text}"
    );
    assert!(text.contains("张三丰"));
    let hh = w.app.household_card(&worker, w.household).await.unwrap();
    assert!(
        hh.history
            .iter()
            .any(|h| h.action == "household.member_death")
    );
    assert_eq!(hh.area_m2.as_deref(), Some("89.50"));
}

#[tokio::test]
async fn split_and_merge_keep_every_member_once() {
    let w = world().await;
    let worker = w.actor("worker", Role::GridWorker, w.grid).await;
    let a = w.member(&worker, "甲", Some(ID1), "head").await;
    let b = w.member(&worker, "乙", None, "child").await;
    let c = w.member(&worker, "丙", None, "child_in_law").await;
    let room2 = w
        .app
        .add_room(&worker, w.grid, "1栋", "1单元", "102", Some(1))
        .await
        .unwrap();
    let all = SplitInput {
        room_id: room2,
        ownership: "tenant".into(),
        area_m2: None,
        member_ids: vec![a, b, c],
    };
    assert!(matches!(
        w.app
            .split_household(&worker, w.household, &all, Some("x"))
            .await,
        Err(AppError::Invalid {
            field: "member_ids",
            ..
        })
    ));
    let input = SplitInput {
        room_id: room2,
        ownership: "tenant".into(),
        area_m2: Some("45".into()),
        member_ids: vec![b, c],
    };
    assert!(matches!(
        w.app
            .split_household(&worker, w.household, &input, None)
            .await,
        Err(AppError::Invalid {
            field: "reason",
            ..
        })
    ));
    let new = w
        .app
        .split_household(&worker, w.household, &input, Some("marriage"))
        .await
        .unwrap();
    let old_card = w.app.household_card(&worker, w.household).await.unwrap();
    let new_card = w.app.household_card(&worker, new).await.unwrap();
    assert_eq!(old_card.members.len(), 1);
    assert_eq!(new_card.members.len(), 2);
    assert_eq!(new_card.members[0].relation, "head");
    let board = w.app.ledger_board(&worker, w.grid).await.unwrap();
    assert_eq!(board.residents, 3);
    assert_eq!(board.households, 2);
    let rooms = &board.buildings[0].units[0].rooms;
    assert_eq!(rooms[1].state.as_str(), "rented");

    w.app
        .merge_households(&worker, new, w.household, Some("moved back"))
        .await
        .unwrap();
    let merged = w.app.household_card(&worker, w.household).await.unwrap();
    assert_eq!(merged.members.len(), 3);
    assert_eq!(
        merged
            .members
            .iter()
            .filter(|m| m.relation == "head")
            .count(),
        1
    );
    assert!(!w.app.household_card(&worker, new).await.unwrap().active);
    assert!(matches!(
        w.app
            .merge_households(&worker, new, w.household, Some("again"))
            .await,
        Err(AppError::Invalid { .. })
    ));
    let b_card = w.app.resident_card(&worker, b).await.unwrap();
    assert_eq!(
        b_card
            .history
            .iter()
            .filter(|h| h.action == "resident.move")
            .count(),
        2
    );

    // Moving a resident into another grid needs scope there too.
    let (_, other_h) = w
        .owner_household(w.grid2, ("9", "1", "901"), None, None)
        .await;
    // (A household outside the worker's sight is refused as a missing one.)
    assert!(matches!(
        w.app
            .move_resident(&worker, b, other_h, "head", Some("moved"))
            .await,
        Err(AppError::Invalid {
            field: "household_id",
            ..
        })
    ));
}

#[tokio::test]
async fn residents_see_their_own_household_and_who_accessed_it() {
    let w = world().await;
    let worker = w.actor("worker", Role::GridWorker, w.grid).await;
    let a = w.member(&worker, "甲", Some(ID1), "head").await;
    let room2 = w
        .app
        .add_room(&worker, w.grid, "2栋", "1", "201", None)
        .await
        .unwrap();
    let h2 = w
        .app
        .add_household(&worker, room2, "owner", None)
        .await
        .unwrap();
    let other = w.add(&worker, h2, "乙", None, "head").await.unwrap();
    let me = w.signed_in("jia", Role::Resident, w.grid).await;
    assert!(matches!(
        w.app.my_household(&me).await,
        Err(AppError::NotFound(_))
    ));
    // A resident account has no ledger permission.
    assert!(matches!(
        w.app.resident_card(&me.actor, other).await,
        Err(AppError::Forbidden)
    ));
    // Linking an account is managing it: a grid worker may not, the community's
    // staff may.
    assert!(matches!(
        w.app.link_user_resident(&worker, me.user.id, Some(a)).await,
        Err(AppError::Forbidden)
    ));
    let community = w
        .app
        .node(&Actor::system(), w.grid)
        .await
        .unwrap()
        .node
        .parent_id
        .unwrap();
    let staff = w.actor("staff", Role::CommunityStaff, community).await;
    w.app
        .link_user_resident(&staff, me.user.id, Some(a))
        .await
        .unwrap();
    let mine = w.app.my_household(&me).await.unwrap();
    assert_eq!(mine.me.id, a);
    let hh = mine.household.unwrap();
    assert_eq!(hh.id, w.household);
    assert!(hh.members.iter().all(|m| m.id != other));
    w.app
        .unmask_resident(&worker, a, "deliver subsidy")
        .await
        .unwrap();
    w.app
        .unmask_resident(&worker, other, "not about jia")
        .await
        .unwrap();
    let access = w.app.my_data_access(&me).await.unwrap();
    assert!(access.iter().any(|x| x.action == "ledger.resident.unmask"
        && x.purpose.as_deref() == Some("deliver subsidy")
        && x.actor == "worker"));
    assert!(
        access
            .iter()
            .all(|x| x.purpose.as_deref() != Some("not about jia"))
    );
    assert!(access.iter().any(|x| x.action == "ledger.resident.create"));
}

#[tokio::test]
async fn catalogue_needs_its_permission() {
    let w = world().await;
    let worker = w.actor("worker", Role::GridWorker, w.grid).await;
    assert!(matches!(
        w.app
            .upsert_catalogue_tag(&worker, "dialysis", "透析", "Dialysis", true, true)
            .await,
        Err(AppError::Forbidden)
    ));
    let admin = w.actor("root", Role::SystemAdmin, w.grid - 4).await;
    w.app
        .upsert_catalogue_tag(&admin, "dialysis", "透析", "Dialysis", true, true)
        .await
        .unwrap();
    assert!(matches!(
        w.app
            .upsert_catalogue_tag(&admin, "aged_80", "x", "y", true, true)
            .await,
        Err(AppError::Invalid { field: "code", .. })
    ));
    let cat = w.app.tag_catalogue(&worker).await.unwrap();
    assert!(cat.iter().any(|t| t.def.code == "dialysis"));
    let _ = w.room;
}
