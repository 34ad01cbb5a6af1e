//! Whom a notice is for — everyone at its place, residents with ledger tags, role
//! holders or an estate's owners — checked as written and frozen as recipients (one
//! receipt per household, or per account for role holders) when it is published; and
//! a recipient as lists show them, masked.

use civicgrid_domain::participation::notices::{Target, check_values};
use civicgrid_domain::platform::access::{Actor, Role};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::privacy::mask_name;
use civicgrid_store::participation::estates as estate_repo;
use civicgrid_store::participation::notices as repo;
use civicgrid_store::{AnyConnection, now_ms};
use serde::Serialize;

use super::{NoticeInput, StoredNotice};
use crate::authz::{Change, record};
use crate::{App, AppError, AppResult};

/// A recipient on a coverage table or a follow-up list: the household by its room
/// and its head's masked name, or the account by its masked name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecipientRow {
    pub id: i64,
    pub household_id: Option<i64>,
    pub grid_name: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    /// The head of the household, or the account, masked (张**).
    pub name: String,
    /// `online`, `in_person`, `phone`, `not_reached`, or none (unread).
    pub reading: Option<String>,
    pub read_at: Option<i64>,
    pub followed_at: Option<i64>,
}

impl From<repo::RecipientLine> for RecipientRow {
    fn from(r: repo::RecipientLine) -> Self {
        let name = r
            .head_name
            .as_deref()
            .or(r.account_name.as_deref())
            .map(mask_name)
            .unwrap_or_default();
        RecipientRow {
            id: r.id,
            household_id: r.household_id,
            grid_name: r.grid_name,
            building: r.building.unwrap_or_default(),
            unit: r.unit.unwrap_or_default(),
            room: r.room.unwrap_or_default(),
            name,
            reading: r.reading,
            read_at: r.read_at,
            followed_at: r.followed_at,
        }
    }
}

impl App {
    /// Checks whom a notice is for, inside `scope`.
    pub(super) async fn check_target(
        &self,
        conn: &mut AnyConnection,
        input: &NoticeInput,
        scope: &OrgPath,
    ) -> AppResult<Target> {
        let invalid = |e: civicgrid_domain::participation::notices::NoticeInputError| {
            AppError::invalid(e.field, e.message)
        };
        match input.target.trim() {
            "" | "everyone" => Ok(Target::Everyone),
            "tags" => {
                let known: Vec<String> = civicgrid_store::ledger::catalogue(conn)
                    .await?
                    .into_iter()
                    .filter(|t| t.active)
                    .map(|t| t.def.code)
                    .collect();
                let tags = check_values("tags", &input.tags, |t| known.iter().any(|k| k == t))
                    .map_err(invalid)?;
                Ok(Target::Tags(tags))
            }
            "roles" => {
                let roles = check_values("roles", &input.roles, |r| {
                    Role::parse(r).is_ok_and(|r| r != Role::Resident)
                })
                .map_err(invalid)?;
                Ok(Target::Roles(roles))
            }
            "estate" => {
                let bad = || AppError::invalid("estate_id", "choose an estate inside the place");
                let id = input.estate_id.ok_or_else(bad)?;
                let e = estate_repo::get_estate(conn, id).await.map_err(|_| bad())?;
                let es = e.scope();
                if !(es.is_within(scope) || scope.is_within(&es)) {
                    return Err(bad());
                }
                Ok(Target::EstateOwners(e.id))
            }
            _ => Err(AppError::invalid(
                "target",
                "choose everyone, residents with tags, role holders or an estate's owners",
            )),
        }
    }
}

/// Publishes `n` on the caller's transaction: freezes its audience and records it.
pub(super) async fn publish_in(
    conn: &mut AnyConnection,
    actor: &Actor,
    n: &StoredNotice,
) -> AppResult<()> {
    let target = n
        .target()
        .ok_or_else(|| AppError::Conflict("the notice's audience cannot be read".into()))?;
    let scope = n.scope();
    let households = repo::freeze_households(conn, n.id, &scope, &target).await?;
    let accounts = match &target {
        Target::Roles(roles) => repo::freeze_accounts(conn, n.id, &scope, roles).await?,
        _ => 0,
    };
    repo::mark_published(conn, n.id, now_ms()).await?;
    record(
        conn,
        actor,
        Change {
            action: "notice.publish",
            target_type: "notice",
            target_id: n.id.to_string(),
            scope: Some(&scope),
            reason: None,
            details: serde_json::json!({"households": households, "accounts": accounts}),
        },
    )
    .await?;
    Ok(())
}
