//! Use cases of the household ledger as staff browse and edit it and residents see it.
//!
//! Every read is authorised in the scope of the grid that holds the record; every change
//! is authorised there too, audited in the same transaction (without personal values),
//! and written to the ledger history (personal values masked).

pub mod export;
mod households;
pub mod import;
mod link;
mod mine;
mod places;
mod residents;
pub mod search;
mod tags;
mod view;

pub use crate::privacy::trace::{VIEW_HOUSEHOLD, VIEW_RESIDENT};
pub use households::*;
pub use mine::*;
pub use residents::*;
pub use tags::may_manage_catalogue;
pub use view::*;

use civicgrid_domain::ledger::date::Date;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_domain::privacy::{mask_stored_id_number, mask_stored_phone};
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::ledger::{self as repo, NewHistory, ResidentRecord};
use civicgrid_store::{AnyConnection, ledger::pii, platform::org};

use crate::authz::{Change, reason, record, require_in_sight, require_somewhere};
use crate::{App, AppError, AppResult};

/// Today's date (UTC) for ages and derived tags.
pub fn today() -> Date {
    chrono::Utc::now().date_naive()
}

/// The grid node holding a record, checked to be a grid.
pub(crate) async fn grid_path(conn: &mut AnyConnection, grid_id: i64) -> AppResult<OrgPath> {
    let node = org::get(conn, grid_id)
        .await
        .map_err(|_| AppError::NotFound("grid"))?;
    Ok(node.path)
}

/// Checks `permission` on a ledger record in the grid at `path`. A record the actor
/// cannot see (no [`Permission::ViewLedger`] there) is "not found", as a missing one:
/// its existence is not revealed. Callers check [`require_somewhere`] before loading.
pub(crate) fn require_on_record(
    actor: &Actor,
    permission: Permission,
    path: &OrgPath,
    what: &'static str,
) -> AppResult<()> {
    require_in_sight(actor, permission, Permission::ViewLedger, path, || {
        AppError::NotFound(what)
    })
}

/// Loads a resident and checks `permission` in its grid; a resident the actor cannot
/// see is not found.
pub(crate) async fn resident_in_scope(
    conn: &mut AnyConnection,
    actor: &Actor,
    permission: Permission,
    id: i64,
) -> AppResult<(ResidentRecord, OrgPath)> {
    require_somewhere(actor, permission)?;
    let r = repo::get_resident(conn, id)
        .await
        .map_err(|_| AppError::NotFound("resident"))?;
    let path = grid_path(conn, r.grid_id).await?;
    require_on_record(actor, permission, &path, "resident")?;
    Ok((r, path))
}

/// Loads a household and checks `permission` in its grid; a household the actor
/// cannot see is not found.
pub(crate) async fn household_in_scope(
    conn: &mut AnyConnection,
    actor: &Actor,
    permission: Permission,
    id: i64,
) -> AppResult<(repo::Household, OrgPath)> {
    require_somewhere(actor, permission)?;
    let h = repo::get_household(conn, id)
        .await
        .map_err(|_| AppError::NotFound("household"))?;
    let path = grid_path(conn, h.grid_id).await?;
    require_on_record(actor, permission, &path, "household")?;
    Ok((h, path))
}

/// Loads the place of a room and checks `permission` in its grid; a room that does
/// not exist or that the actor cannot see is the same objection on `field`.
pub(crate) async fn room_in_scope(
    conn: &mut AnyConnection,
    actor: &Actor,
    permission: Permission,
    room_id: i64,
    field: &'static str,
) -> AppResult<repo::Place> {
    require_somewhere(actor, permission)?;
    let no_such = || AppError::invalid(field, "no such room");
    let place = repo::place_of_room(conn, room_id)
        .await
        .map_err(|_| no_such())?;
    require_in_sight(
        actor,
        permission,
        Permission::ViewLedger,
        &place.grid_path,
        no_such,
    )?;
    Ok(place)
}

/// Loads a grid node and checks `permission` there; a grid the actor cannot see
/// (no [`Permission::ViewOrg`] there) is not found.
pub(crate) async fn grid_in_scope(
    conn: &mut AnyConnection,
    actor: &Actor,
    permission: Permission,
    id: i64,
) -> AppResult<org::OrgNode> {
    require_somewhere(actor, permission)?;
    let node = org::get(conn, id)
        .await
        .map_err(|_| AppError::NotFound("grid"))?;
    require_in_sight(actor, permission, Permission::ViewOrg, &node.path, || {
        AppError::NotFound("grid")
    })?;
    if node.kind != NodeKind::Grid {
        return Err(AppError::NotFound("grid"));
    }
    Ok(node)
}

/// Appends a ledger history entry for a change made by `actor`.
pub(crate) async fn write_history(
    conn: &mut AnyConnection,
    actor: &Actor,
    subject_type: &str,
    subject_id: i64,
    action: &str,
    reason: Option<&str>,
    changes: &serde_json::Value,
) -> AppResult<()> {
    repo::insert_history(
        conn,
        &NewHistory {
            subject_type,
            subject_id,
            at_ms: civicgrid_store::now_ms(),
            actor_user_id: actor.user_id,
            actor_label: &actor.label,
            action,
            reason,
            changes: &changes.to_string(),
        },
    )
    .await?;
    Ok(())
}

/// A ledger record a change is about, where it is and why it changes: what the change's
/// audit entry and the record's own history both say.
pub(crate) struct Changed<'a> {
    /// `resident`, `household`.
    pub subject_type: &'static str,
    pub subject_id: i64,
    /// The grid the record is in.
    pub scope: &'a OrgPath,
    pub reason: Option<&'a str>,
}

impl<'a> Changed<'a> {
    pub(crate) fn resident(id: i64, scope: &'a OrgPath, reason: Option<&'a str>) -> Self {
        Self::of("resident", id, scope, reason)
    }

    pub(crate) fn household(id: i64, scope: &'a OrgPath, reason: Option<&'a str>) -> Self {
        Self::of("household", id, scope, reason)
    }

    fn of(
        subject_type: &'static str,
        subject_id: i64,
        scope: &'a OrgPath,
        reason: Option<&'a str>,
    ) -> Self {
        Changed {
            subject_type,
            subject_id,
            scope,
            reason,
        }
    }

    /// Appends the audit entry of `action` on the record.
    pub(crate) async fn audit(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        action: &'static str,
        details: serde_json::Value,
    ) -> AppResult<()> {
        let change = Change {
            action,
            target_type: self.subject_type,
            target_id: self.subject_id.to_string(),
            scope: Some(self.scope),
            reason: self.reason,
            details,
        };
        record(conn, actor, change).await?;
        Ok(())
    }

    /// Appends `action` to the record's own history.
    pub(crate) async fn history(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        action: &str,
        changes: &serde_json::Value,
    ) -> AppResult<()> {
        let (subject_type, subject_id) = (self.subject_type, self.subject_id);
        write_history(
            conn,
            actor,
            subject_type,
            subject_id,
            action,
            self.reason,
            changes,
        )
        .await
    }
}

/// A household a change names in `field` as the one to join, loaded with
/// [`household_in_scope`]: one that does not exist, or that the actor cannot see, is an
/// objection on `field`.
pub(crate) async fn household_named(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    field: &'static str,
) -> AppResult<(repo::Household, OrgPath)> {
    household_in_scope(conn, actor, Permission::EditLedger, id)
        .await
        .map_err(|e| match e {
            AppError::NotFound(_) => AppError::invalid(field, "no such household"),
            other => other,
        })
}

/// Refuses a change to a household that has been split off or merged away.
pub(crate) fn require_active(h: &repo::Household) -> AppResult<()> {
    if h.active {
        Ok(())
    } else {
        Err(AppError::invalid(
            "household_id",
            "the household is no longer active",
        ))
    }
}

/// A typed value, trimmed; `None` when absent or blank.
fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The stated reason of a change that must have one.
fn require_reason(raw: Option<&str>) -> AppResult<String> {
    reason(raw)?.ok_or_else(|| AppError::invalid("reason", "state the reason for the change"))
}

/// The opened personal values of a stored resident.
pub(crate) fn open_pii(keys: &FieldKeys, r: &ResidentRecord) -> AppResult<pii::OpenedPii> {
    pii::open(keys, &r.pii).map_err(|e| AppError::Internal(Box::new(e)))
}

/// Masked forms of the personal values: ID number, phone, birth date (YYYY-MM-**).
pub(crate) struct Masked {
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub birth: String,
    pub birth_date: Option<Date>,
}

pub(crate) fn mask(keys: &FieldKeys, r: &ResidentRecord) -> AppResult<Masked> {
    let opened = open_pii(keys, r)?;
    let birth_date = civicgrid_domain::ledger::date::parse_date(&opened.birth_date).ok();
    Ok(Masked {
        id_number: opened.id_number.as_deref().map(mask_stored_id_number),
        phone: opened.phone.as_deref().map(mask_stored_phone),
        birth: format!("{:04}-{:02}-**", r.pii.birth_ym / 100, r.pii.birth_ym % 100),
        birth_date,
    })
}

/// Hundredths of a square metre from `89.5`, `89.50 m²`, `89,5`.
pub fn parse_area(raw: &str) -> AppResult<Option<i64>> {
    let s = raw
        .trim()
        .trim_end_matches("m²")
        .trim_end_matches("㎡")
        .trim_end_matches("m2")
        .trim_end_matches("平方米")
        .trim()
        .replace(',', ".");
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || AppError::invalid("area_m2", "must be a floor area in m², e.g. 89.5");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || whole.len() > 7
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| bad())?
    };
    Ok(Some(w * 100 + f))
}

/// `8950` → `89.50`.
pub fn format_area(centi: i64) -> String {
    format!("{}.{:02}", centi / 100, centi % 100)
}

impl App {
    /// Adds the default tag catalogue's missing entries; run at start-up. Idempotent.
    pub async fn prepare(&self) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        repo::ensure_default_catalogue(&mut tx).await?;
        civicgrid_store::commit(tx).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas() {
        assert_eq!(parse_area("89.5").unwrap(), Some(8950));
        assert_eq!(parse_area(" 120 m² ").unwrap(), Some(12000));
        assert_eq!(parse_area("60,25").unwrap(), Some(6025));
        assert_eq!(parse_area("").unwrap(), None);
        assert!(parse_area("-3").is_err());
        assert!(parse_area("1.234").is_err());
        assert!(parse_area("abc").is_err());
        assert_eq!(format_area(8950), "89.50");
    }
}
