//! Use cases against a real (SQLite) database: sign-in, throttling, sessions, grants,
//! and the audit entry every change leaves behind.

mod support;

use civicgrid_app::domain::platform::access::{Actor, Role};
use civicgrid_app::platform::org::NodeInput;
use civicgrid_app::platform::tokens::NewToken;
use civicgrid_app::platform::users::{RoleGrant, UserEdit};
use civicgrid_app::{App, AppConfig, AppError};
use civicgrid_store::platform::audit::AuditFilter;
use support::{PW, World};

/// A unit under `parent` with `code`, its (Chinese, English) names and `boundary`, of
/// the kind that comes next below the parent.
fn unit_under(
    parent: i64,
    code: &str,
    (zh, en): (&str, &str),
    boundary: Option<&str>,
) -> NodeInput {
    NodeInput {
        parent_id: Some(parent),
        kind: None,
        code: code.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        boundary: boundary.map(Into::into),
    }
}

#[tokio::test]
async fn sign_in_rotates_and_sign_out_ends_the_session() {
    let w = World::new().await;
    w.user("alice", Role::GridWorker, w.grid).await;
    let first = w.app.login("alice", PW, "ip", "ua", None).await.unwrap();
    assert!(w.app.session(&first.token).await.is_ok());
    // Signing in again from the same browser replaces the old session id.
    let second = w
        .app
        .login("ALICE", PW, "ip", "ua", Some(&first.token))
        .await
        .unwrap();
    assert_ne!(first.token, second.token);
    assert!(matches!(
        w.app.session(&first.token).await,
        Err(AppError::Unauthenticated)
    ));
    w.app.logout(&second.token).await.unwrap();
    assert!(matches!(
        w.app.session(&second.token).await,
        Err(AppError::Unauthenticated)
    ));
    assert!(matches!(
        w.app.session("made-up").await,
        Err(AppError::Unauthenticated)
    ));
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_across_restarts() {
    let w = World::new().await;
    w.user("bob", Role::Resident, w.grid).await;
    for _ in 0..5 {
        let e = w
            .app
            .login("bob", "wrong-password", "1.2.3.4", "ua", None)
            .await;
        assert!(matches!(e, Err(AppError::Unauthenticated)), "{e:?}");
    }
    // Even the right password waits now, and a fresh App on the same database agrees.
    let e = w.app.login("bob", PW, "5.6.7.8", "ua", None).await;
    assert!(
        matches!(e, Err(AppError::Throttled { retry_after_secs }) if retry_after_secs > 0),
        "{e:?}"
    );
    let again = App::new(w.app.db().clone(), AppConfig::default());
    let e = again.login("bob", PW, "5.6.7.8", "ua", None).await;
    assert!(matches!(e, Err(AppError::Throttled { .. })), "{e:?}");
    // The address that failed is not locked for other accounts by one account's
    // failures (an office behind one address keeps working).
    w.user("carol", Role::Resident, w.grid).await;
    let e = w.app.login("carol", PW, "1.2.3.4", "ua", None).await;
    assert!(e.is_ok(), "{e:?}");
    // Unknown users fail the same way as wrong passwords.
    let e = w.app.login("nobody", PW, "9.9.9.9", "ua", None).await;
    assert!(matches!(e, Err(AppError::Unauthenticated)), "{e:?}");
}

#[tokio::test]
async fn grants_are_bounded_by_role_and_scope() {
    let w = World::new().await;
    w.user("staff", Role::CommunityStaff, w.community).await;
    let staff = w.sign_in("staff").await.actor;
    let worker = w.user("worker", Role::Resident, w.grid).await;
    let grant = |role: &str, node_id| RoleGrant {
        role: role.into(),
        node_id,
    };
    // Inside the community, a grid worker role may be granted...
    w.app
        .grant_role(
            &staff,
            worker,
            &grant("grid_worker", w.grid),
            Some("new hire"),
        )
        .await
        .unwrap();
    // ...but not a role as high as staff's own, and not outside the community.
    let e = w
        .app
        .grant_role(&staff, worker, &grant("community_staff", w.community), None)
        .await;
    assert!(matches!(e, Err(AppError::Forbidden)), "{e:?}");
    let e = w
        .app
        .grant_role(&staff, worker, &grant("grid_worker", w.other_street), None)
        .await;
    assert!(matches!(e, Err(AppError::Forbidden)), "{e:?}");
    // A role is bound at its own level of the hierarchy.
    let e = w
        .app
        .grant_role(
            &Actor::system(),
            worker,
            &grant("street_admin", w.grid),
            None,
        )
        .await;
    assert!(
        matches!(
            e,
            Err(AppError::Invalid {
                field: "node_id",
                ..
            })
        ),
        "{e:?}"
    );
    // The same role twice at the same place is a conflict, not a duplicate.
    let e = w
        .app
        .grant_role(&staff, worker, &grant("grid_worker", w.grid), None)
        .await;
    assert!(matches!(e, Err(AppError::Conflict(_))), "{e:?}");
    // A resident may not see accounts at all.
    w.user("plain", Role::Resident, w.grid).await;
    let resident = w.sign_in("plain").await.actor;
    let e = w.app.list_users(&resident, None, 50, 0).await;
    assert!(matches!(e, Err(AppError::Forbidden)), "{e:?}");
}

#[tokio::test]
async fn deactivating_an_account_ends_its_sessions() {
    let w = World::new().await;
    let id = w.user("dave", Role::Resident, w.grid).await;
    let s = w.app.login("dave", PW, "ip", "ua", None).await.unwrap();
    w.app
        .update_user(
            &Actor::system(),
            id,
            &UserEdit {
                display_name: "Dave".into(),
                active: false,
            },
            Some("moved away"),
        )
        .await
        .unwrap();
    assert!(matches!(
        w.app.session(&s.token).await,
        Err(AppError::Unauthenticated)
    ));
    assert!(matches!(
        w.app.login("dave", PW, "ip2", "ua", None).await,
        Err(AppError::Unauthenticated)
    ));
}

#[tokio::test]
async fn changing_ones_password_signs_out_other_sessions() {
    let w = World::new().await;
    w.user("erin", Role::Volunteer, w.community).await;
    let phone = w.app.login("erin", PW, "ip", "phone", None).await.unwrap();
    let laptop = w.app.login("erin", PW, "ip", "laptop", None).await.unwrap();
    let e = w
        .app
        .change_own_password(&laptop.signed_in, "not-my-password", "new-password-123")
        .await;
    assert!(
        matches!(
            e,
            Err(AppError::Invalid {
                field: "current_password",
                ..
            })
        ),
        "{e:?}"
    );
    w.app
        .change_own_password(&laptop.signed_in, PW, "new-password-123")
        .await
        .unwrap();
    assert!(w.app.session(&laptop.token).await.is_ok());
    assert!(w.app.session(&phone.token).await.is_err());
    assert!(
        w.app
            .login("erin", "new-password-123", "ip", "ua", None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn api_tokens_act_with_one_role_until_revoked() {
    let w = World::new().await;
    let issued = w
        .app
        .create_token(
            &Actor::system(),
            &NewToken {
                name: "hotline".into(),
                role: "community_staff".into(),
                node_id: w.community,
            },
            None,
        )
        .await
        .unwrap();
    assert!(issued.secret.starts_with("cg_"));
    let actor = w.app.api_token(&issued.secret).await.unwrap();
    assert_eq!(actor.roles(), vec![Role::CommunityStaff]);
    assert!(w.app.node(&actor, w.grid).await.is_ok());
    // Outside its scope: not found, as a missing node.
    assert!(matches!(
        w.app.node(&actor, w.other_street).await,
        Err(AppError::NotFound(_))
    ));
    w.app
        .revoke_token(&Actor::system(), issued.token.id, Some("rotated"))
        .await
        .unwrap();
    assert!(matches!(
        w.app.api_token(&issued.secret).await,
        Err(AppError::Unauthenticated)
    ));
}

#[tokio::test]
async fn every_change_is_audited_with_its_reason_and_the_chain_holds() {
    let w = World::new().await;
    w.user("frank", Role::StreetAdmin, w.street).await;
    let frank = w.sign_in("frank").await.actor;
    let polygon = r#"{"type":"Polygon","coordinates":[[[114.3,30.5],[114.31,30.5],[114.31,30.51],[114.3,30.5]]]}"#;
    let grid2 = unit_under(
        w.community,
        "S0-C-G2",
        ("第二网格", "Grid 2"),
        Some(polygon),
    );
    let node = w
        .app
        .create_node(&frank, &grid2, Some("split the grid"))
        .await
        .unwrap();
    // Bad input is refused before anything is written.
    let bad = w
        .app
        .create_node(
            &frank,
            &unit_under(
                w.community,
                "S0-C-G3",
                ("x", "x"),
                Some(r#"{"type":"Point","coordinates":[1,2]}"#),
            ),
            None,
        )
        .await;
    assert!(
        matches!(
            bad,
            Err(AppError::Invalid {
                field: "boundary",
                ..
            })
        ),
        "{bad:?}"
    );
    // Out of scope: another street (out of sight, so refused as a missing parent).
    let e = w
        .app
        .create_node(
            &frank,
            &unit_under(w.other_street, "S1-C", ("x", "x"), None),
            None,
        )
        .await;
    assert!(
        matches!(
            e,
            Err(AppError::Invalid {
                field: "parent_id",
                ..
            })
        ),
        "{e:?}"
    );
    let entries = w
        .app
        .audit_entries(
            &Actor::system(),
            AuditFilter {
                target_type: Some("org_node".into()),
                target_id: Some(node.id.to_string()),
                ..Default::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0].fields;
    assert_eq!(e.action, "org.node.create");
    assert_eq!(e.actor_label, "frank");
    assert_eq!(e.reason.as_deref(), Some("split the grid"));
    assert_eq!(e.scope_path.as_deref(), Some(node.path.as_str()));
    let v = w.app.verify_audit(&Actor::system()).await.unwrap();
    assert!(v.first_break.is_none());
    assert_eq!(v.checked as i64, v.head_seq);
    // A street admin reads only the entries of their street.
    let mine = w
        .app
        .audit_entries(&frank, AuditFilter::default(), 100)
        .await;
    assert!(
        matches!(mine, Err(AppError::Forbidden)),
        "street admins do not read the audit log"
    );
}
