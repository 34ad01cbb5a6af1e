//! Notices: the notice as written, the audience frozen on publishing (everyone, by
//! tag, by role, an estate's owners), receipts read online and followed up by the grid
//! worker, coverage by building, the board and the code.

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::ledger::person::{Gender, Ownership, Relation, ResidenceStatus};
use civicgrid_domain::participation::notices::Target;
use civicgrid_domain::platform::access::Role;
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::{self, ResidentFields, pii};
use civicgrid_store::participation::estates;
use civicgrid_store::participation::notices::{self as repo, NewNotice, Notice};
use civicgrid_store::platform::accounts;
use civicgrid_store::platform::org::OrgNode;
use civicgrid_store::{AnyConnection, Db, commit};

use crate::support::{HOUR, T0, chain, node};

/// A room `building`-1-`room` in `grid` with one household of `ownership` whose head,
/// `name`, carries `tags`: (household, head).
async fn home(
    conn: &mut AnyConnection,
    grid: &OrgNode,
    (building, room): (&str, &str),
    ownership: Ownership,
    name: &str,
    tags: &[&str],
) -> (i64, i64) {
    let known: Option<i64> =
        sqlx::query_scalar("SELECT id FROM buildings WHERE grid_id = $1 AND name = $2")
            .bind(grid.id)
            .bind(building)
            .fetch_optional(&mut *conn)
            .await
            .unwrap();
    let u = match known {
        Some(b) => sqlx::query_scalar("SELECT id FROM units WHERE building_id = $1")
            .bind(b)
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        None => {
            let b = ledger::insert_building(conn, grid.id, building, "")
                .await
                .unwrap();
            ledger::insert_unit(conn, b.id, "1").await.unwrap().id
        }
    };
    let r = ledger::insert_room(conn, u, room, None).await.unwrap();
    let h = ledger::insert_household(conn, r.id, ownership, None)
        .await
        .unwrap();
    let keys = FieldKeys::ephemeral();
    let sealed = pii::seal(&keys, None, None, Date::from_ymd_opt(1940, 1, 1).unwrap());
    let head = ledger::insert_resident(
        conn,
        &ResidentFields {
            household_id: Some(h.id),
            grid_id: grid.id,
            name,
            gender: Gender::Female,
            relation: Relation::Head,
            status: ResidenceStatus::Registered,
            pii: &sealed,
        },
    )
    .await
    .unwrap();
    let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
    ledger::set_tags(conn, head.id, &tags).await.unwrap();
    (h.id, head.id)
}

async fn draft(
    conn: &mut AnyConnection,
    at: &OrgNode,
    code: &str,
    target: &Target,
    important: Option<i64>,
) -> Notice {
    repo::insert_notice(
        conn,
        &NewNotice {
            node_id: at.id,
            scope: &at.path,
            code,
            title_zh: Some("停水通知"),
            body_zh: Some("明天停水"),
            title_en: None,
            body_en: None,
            target,
            pinned: false,
            important: important.is_some(),
            read_by: important,
            expires_at: None,
            created_by: None,
            at_ms: T0,
        },
    )
    .await
    .unwrap()
}

/// A community M with grid G (rooms 1-101 owner 张秀英 elderly_alone, 1-102 tenant,
/// 2-201 owner), and another community N with grid H (3-301).
struct City {
    community: OrgNode,
    grid: OrgNode,
    other: OrgNode,
    h101: i64,
    h102: i64,
    h201: i64,
}

async fn city(conn: &mut AnyConnection) -> City {
    let c = chain(conn).await;
    ledger::ensure_default_catalogue(conn).await.unwrap();
    let other = node(conn, Some(&c.street), NodeKind::Community, "N").await;
    let other_grid = node(conn, Some(&other), NodeKind::Grid, "H").await;
    let (h101, _) = home(
        conn,
        &c.grid,
        ("1", "101"),
        Ownership::Owner,
        "张秀英",
        &["elderly_alone"],
    )
    .await;
    let (h102, _) = home(conn, &c.grid, ("1", "102"), Ownership::Tenant, "李四", &[]).await;
    let (h201, _) = home(conn, &c.grid, ("2", "201"), Ownership::Owner, "王五", &[]).await;
    home(
        conn,
        &other_grid,
        ("3", "301"),
        Ownership::Owner,
        "赵六",
        &["elderly_alone"],
    )
    .await;
    City {
        community: c.community,
        grid: c.grid,
        other,
        h101,
        h102,
        h201,
    }
}

conformance!(
    notices_are_written_found_by_code_and_listed,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = city(&mut tx).await;
        let n = draft(&mut tx, &c.community, "ACD4KM", &Target::Everyone, None).await;
        assert_eq!(n.state, "draft");
        assert_eq!(n.target(), Some(Target::Everyone));
        assert_eq!(n.scope(), c.community.path);
        assert_eq!(repo::get_notice(&mut tx, n.id).await.unwrap(), n);
        assert_eq!(
            repo::notice_by_code(&mut tx, "ACD4KM")
                .await
                .unwrap()
                .map(|n| n.id),
            Some(n.id)
        );
        assert_eq!(repo::notice_by_code(&mut tx, "XXXXXX").await.unwrap(), None);
        // A draft reaches nobody yet, and is listed for its scope and those above it.
        let listed = repo::list_notices(&mut tx, &c.community.path, 10)
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].recipients, listed[0].read), (0, 0));
        assert!(
            repo::list_notices(&mut tx, &c.other.path, 10)
                .await
                .unwrap()
                .is_empty()
        );
        repo::mark_published(&mut tx, n.id, T0 + 1).await.unwrap();
        // Publishing twice finds no draft.
        assert!(repo::mark_published(&mut tx, n.id, T0 + 2).await.is_err());
        let n2 = repo::get_notice(&mut tx, n.id).await.unwrap();
        assert_eq!(
            (n2.state.as_str(), n2.published_at),
            ("published", Some(T0 + 1))
        );
        repo::mark_withdrawn(&mut tx, n.id, T0 + 3).await.unwrap();
        assert!(repo::mark_withdrawn(&mut tx, n.id, T0 + 4).await.is_err());
        commit(tx).await.unwrap();
    }
);

conformance!(
    notice_attachments_are_kept_in_order_served_and_removed,
    |db: Db| async move {
        use civicgrid_store::participation::notice_attachments::{self as files, NewAttachment};
        let mut tx = db.begin_write().await.unwrap();
        let c = city(&mut tx).await;
        let n = draft(&mut tx, &c.community, "ACD4KA", &Target::Everyone, None).await;
        let other = draft(&mut tx, &c.community, "ACD4KB", &Target::Everyone, None).await;
        let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
        fn add<'a>(notice_id: i64, file_name: &'a str, data: &'a [u8]) -> NewAttachment<'a> {
            NewAttachment {
                notice_id,
                file_name,
                content_type: "application/pdf",
                sha256: "ab",
                uploaded_by: None,
                now: T0,
                data,
            }
        }
        let a = files::insert_attachment(&mut tx, &add(n.id, "方案.pdf", &pdf))
            .await
            .unwrap();
        let b = files::insert_attachment(&mut tx, &add(n.id, "图纸.pdf", b"%PDF-2"))
            .await
            .unwrap();
        files::insert_attachment(&mut tx, &add(other.id, "别的.pdf", b"%PDF-3"))
            .await
            .unwrap();
        let list = files::attachments(&mut tx, n.id).await.unwrap();
        assert_eq!(
            list.iter()
                .map(|f| f.file_name.as_str())
                .collect::<Vec<_>>(),
            ["方案.pdf", "图纸.pdf"]
        );
        assert_eq!(list[0].byte_len, pdf.len() as i64);
        assert_eq!(list[0].notice_id, n.id);
        let one = files::attachment(&mut tx, a).await.unwrap().unwrap();
        assert_eq!(one, list[0]);
        assert_eq!(files::attachment_data(&mut tx, a).await.unwrap(), pdf);
        assert!(files::delete_attachment(&mut tx, b).await.unwrap());
        assert!(!files::delete_attachment(&mut tx, b).await.unwrap());
        assert_eq!(files::attachment(&mut tx, b).await.unwrap(), None);
        assert_eq!(files::attachments(&mut tx, n.id).await.unwrap().len(), 1);
        commit(tx).await.unwrap();
    }
);

conformance!(
    publishing_freezes_households_by_target,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = city(&mut tx).await;
        let everyone = draft(&mut tx, &c.community, "ACD4K3", &Target::Everyone, None).await;
        assert_eq!(
            repo::freeze_households(&mut tx, everyone.id, &c.community.path, &Target::Everyone)
                .await
                .unwrap(),
            3
        );
        let tagged = Target::Tags(vec!["elderly_alone".into(), "disabled".into()]);
        let by_tag = draft(&mut tx, &c.community, "ACD4K4", &tagged, None).await;
        assert_eq!(
            repo::freeze_households(&mut tx, by_tag.id, &c.community.path, &tagged)
                .await
                .unwrap(),
            1
        );
        let rows = repo::recipients(&mut tx, by_tag.id, &c.community.path)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].household_id, Some(c.h101));
        assert_eq!(
            (rows[0].building.as_deref(), rows[0].room.as_deref()),
            (Some("1"), Some("101"))
        );
        assert_eq!(rows[0].head_name.as_deref(), Some("张秀英"));
        // The estate of building 1: its owner households only (101, not the tenants of 102).
        let e = estates::insert_estate(&mut tx, c.community.id, &c.community.path, "湖光小区", T0)
            .await
            .unwrap();
        let b1: i64 = sqlx::query_scalar("SELECT id FROM buildings WHERE name = '1'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        estates::set_estate_buildings(&mut tx, e.id, &[b1])
            .await
            .unwrap();
        let owners = Target::EstateOwners(e.id);
        let by_estate = draft(&mut tx, &c.community, "ACD4K6", &owners, None).await;
        assert_eq!(
            repo::freeze_households(&mut tx, by_estate.id, &c.community.path, &owners)
                .await
                .unwrap(),
            1
        );
        // Role holders inside the scope, one row per account however many roles they hold.
        let member = accounts::insert_user(&mut tx, "committee", "陈委员", "h")
            .await
            .unwrap();
        accounts::insert_assignment(&mut tx, member.id, Role::OwnersCommittee, c.community.id)
            .await
            .unwrap();
        accounts::insert_assignment(&mut tx, member.id, Role::Volunteer, c.grid.id)
            .await
            .unwrap();
        let outside = accounts::insert_user(&mut tx, "elsewhere", "外人", "h")
            .await
            .unwrap();
        accounts::insert_assignment(&mut tx, outside.id, Role::OwnersCommittee, c.other.id)
            .await
            .unwrap();
        let roles = vec!["owners_committee".to_owned(), "volunteer".to_owned()];
        let by_role = draft(
            &mut tx,
            &c.community,
            "ACD4K7",
            &Target::Roles(roles.clone()),
            None,
        )
        .await;
        assert_eq!(
            repo::freeze_households(
                &mut tx,
                by_role.id,
                &c.community.path,
                &Target::Roles(roles.clone())
            )
            .await
            .unwrap(),
            0
        );
        assert_eq!(
            repo::freeze_accounts(&mut tx, by_role.id, &c.community.path, &roles)
                .await
                .unwrap(),
            1
        );
        let rows = repo::recipients(&mut tx, by_role.id, &c.community.path)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].user_id, Some(member.id));
        assert_eq!(rows[0].account_name.as_deref(), Some("陈委员"));
        commit(tx).await.unwrap();
    }
);

conformance!(
    receipts_are_read_once_and_followed_up,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = city(&mut tx).await;
        let deadline = T0 + HOUR;
        let n = draft(
            &mut tx,
            &c.grid,
            "ACD4K9",
            &Target::Everyone,
            Some(deadline),
        )
        .await;
        repo::freeze_households(&mut tx, n.id, &c.grid.path, &Target::Everyone)
            .await
            .unwrap();
        repo::mark_published(&mut tx, n.id, T0).await.unwrap();
        let reader = accounts::insert_user(&mut tx, "zhang", "张秀英", "h")
            .await
            .unwrap();
        assert!(
            repo::is_recipient(&mut tx, n.id, Some(c.h101), reader.id)
                .await
                .unwrap()
        );
        assert!(
            !repo::is_recipient(&mut tx, n.id, None, reader.id)
                .await
                .unwrap()
        );
        let inbox = repo::inbox(&mut tx, Some(c.h101), reader.id, T0, 10)
            .await
            .unwrap();
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].read_at, None);
        assert_eq!(
            repo::record_read(&mut tx, n.id, Some(c.h101), reader.id, T0 + 5)
                .await
                .unwrap(),
            1
        );
        // Opening it again changes nothing.
        assert_eq!(
            repo::record_read(&mut tx, n.id, Some(c.h101), reader.id, T0 + 9)
                .await
                .unwrap(),
            0
        );
        let inbox = repo::inbox(&mut tx, Some(c.h101), reader.id, T0, 10)
            .await
            .unwrap();
        assert_eq!(inbox[0].read_at, Some(T0 + 5));
        // Coverage: building 1 has one of two read, building 2 none of one.
        let by_building = repo::coverage_by_building(&mut tx, n.id, &c.grid.path)
            .await
            .unwrap();
        let counts: Vec<(String, i64, i64)> = by_building
            .iter()
            .map(|b| (b.building.clone(), b.households, b.read))
            .collect();
        assert_eq!(counts, vec![("1".to_owned(), 2, 1), ("2".to_owned(), 1, 0)]);
        assert!(by_building.iter().all(|b| b.grid_id == c.grid.id));
        // The follow-up list: unread households, due once the deadline has passed.
        assert!(
            repo::due_follow_ups(&mut tx, &c.grid.path, T0)
                .await
                .unwrap()
                .is_empty()
        );
        let due = repo::due_follow_ups(&mut tx, &c.community.path, deadline)
            .await
            .unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].notice_id, due[0].unread), (n.id, 2));
        let todo = repo::unread_households(&mut tx, n.id, &c.grid.path)
            .await
            .unwrap();
        let homes: Vec<Option<i64>> = todo.iter().map(|r| r.household_id).collect();
        assert_eq!(homes, vec![Some(c.h102), Some(c.h201)]);
        let first = todo[0].id;
        assert_eq!(
            repo::recipient_path(&mut tx, first).await.unwrap(),
            c.grid.path
        );
        repo::record_follow_up(
            &mut tx,
            first,
            "not_reached",
            false,
            Some(reader.id),
            deadline + 1,
        )
        .await
        .unwrap();
        let r = repo::get_recipient(&mut tx, first).await.unwrap();
        assert_eq!(
            (r.reading.as_deref(), r.read_at, r.followed_at),
            (Some("not_reached"), None, Some(deadline + 1))
        );
        // Not reached stays on the list; told by phone leaves it.
        assert_eq!(
            repo::unread_households(&mut tx, n.id, &c.grid.path)
                .await
                .unwrap()
                .len(),
            2
        );
        repo::record_follow_up(&mut tx, first, "phone", true, Some(reader.id), deadline + 2)
            .await
            .unwrap();
        let r = repo::get_recipient(&mut tx, first).await.unwrap();
        assert_eq!(
            (r.reading.as_deref(), r.read_at),
            (Some("phone"), Some(deadline + 2))
        );
        // Once read, another follow-up finds nothing to change.
        assert!(
            repo::record_follow_up(&mut tx, first, "in_person", true, None, deadline + 3)
                .await
                .is_err()
        );
        let todo = repo::unread_households(&mut tx, n.id, &c.grid.path)
            .await
            .unwrap();
        assert_eq!(todo.len(), 1);
        commit(tx).await.unwrap();
    }
);

conformance!(
    the_board_shows_public_notices_of_the_community_and_above,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        let c = city(&mut tx).await;
        let street = civicgrid_store::platform::org::get(&mut tx, c.community.parent_id.unwrap())
            .await
            .unwrap();
        let mine = draft(&mut tx, &c.grid, "ACD4KA", &Target::Everyone, None).await;
        let above = draft(&mut tx, &street, "ACD4KC", &Target::Everyone, None).await;
        let elsewhere = draft(&mut tx, &c.other, "ACD4KD", &Target::Everyone, None).await;
        let tagged = Target::Tags(vec!["elderly_alone".into()]);
        let targeted = draft(&mut tx, &c.community, "ACD4KE", &tagged, None).await;
        let draft_only = draft(&mut tx, &c.community, "ACD4KF", &Target::Everyone, None).await;
        for n in [&mine, &above, &elsewhere, &targeted] {
            repo::mark_published(&mut tx, n.id, T0).await.unwrap();
        }
        let board: Vec<i64> = repo::board(&mut tx, &c.community.path, T0)
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(board.len(), 2, "{board:?}");
        assert!(board.contains(&mine.id) && board.contains(&above.id));
        assert!(!board.contains(&draft_only.id));
        repo::mark_withdrawn(&mut tx, mine.id, T0 + 1)
            .await
            .unwrap();
        assert_eq!(
            repo::board(&mut tx, &c.community.path, T0)
                .await
                .unwrap()
                .len(),
            1
        );
        commit(tx).await.unwrap();
    }
);
