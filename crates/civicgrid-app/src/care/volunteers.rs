//! The volunteer registry (志愿者登记): a resident signs up from their own account (it
//! must be linked to a living ledger record), staff verify, decline or suspend them, and
//! may add anyone from the ledger; the registry is listed with personal data masked.
//!
//! Who may do what: [`Permission::ViewVolunteers`] sees the entries of residents living
//! in the scope, [`Permission::ManageVolunteers`] adds, verifies, declines and suspends
//! them there. A resident acts only on their own entry. Every change is audited in its
//! transaction.

use civicgrid_domain::care::volunteers::{Coverage, Profile, Status, check_move, may_sign_up};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::care::volunteers::{self as repo, Filter, VolunteerRecord};
use civicgrid_store::platform::org::{self, OrgNode};
use civicgrid_store::{AnyConnection, commit, now_ms};

pub use civicgrid_store::care::volunteers::{
    Filter as VolunteerFilter, VolunteerRecord as Volunteer,
};

use crate::authz::{Change, record, require_in_sight, require_somewhere};
use crate::participation::deliberation::{Home, home_of};
use crate::{App, AppError, AppResult};

/// The most entries a registry listing shows.
const LIST_MAX: i64 = 200;

/// The community's date of the instant `now` (UTC+8).
pub(crate) fn today(now: i64) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(now + 8 * 3_600_000)
        .unwrap_or_default()
        .date_naive()
}

/// A domain objection as the application's, on the same field.
pub(crate) fn domain_error(e: civicgrid_domain::care::volunteers::Invalid) -> AppError {
    AppError::invalid(e.field, e.message)
}

fn stale() -> AppError {
    AppError::Conflict("the volunteer was changed meanwhile; reload and try again".into())
}

/// The signed-in actor's ledger record and its home, when linked and living.
pub(crate) async fn resident_home(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> AppResult<Option<(i64, Home)>> {
    let Some(user) = actor.user_id else {
        return Ok(None);
    };
    let Some(home) = home_of(conn, actor).await? else {
        return Ok(None);
    };
    Ok(civicgrid_store::ledger::resident_of_user(conn, user)
        .await?
        .map(|r| (r, home)))
}

/// The actor's own entry in the registry, if they have one.
pub(crate) async fn own_entry(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> AppResult<Option<VolunteerRecord>> {
    match resident_home(conn, actor).await? {
        Some((resident, _)) => Ok(repo::volunteer_of_resident(conn, resident).await?),
        None => Ok(None),
    }
}

/// The community node on `path`'s line (itself or an ancestor).
pub(crate) async fn community_of(
    conn: &mut AnyConnection,
    path: &OrgPath,
) -> AppResult<Option<OrgNode>> {
    for id in path.ids().into_iter().rev() {
        let node = org::get(conn, id).await?;
        if node.kind == NodeKind::Community {
            return Ok(Some(node));
        }
    }
    Ok(None)
}

/// Loads an entry the actor may see; anything else is not found.
pub(crate) async fn in_sight(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<VolunteerRecord> {
    require_somewhere(actor, Permission::ViewVolunteers)?;
    let v = repo::get_volunteer(conn, id)
        .await
        .map_err(|_| AppError::NotFound("volunteer"))?;
    if !actor.can(Permission::ViewVolunteers, &v.scope) {
        return Err(AppError::NotFound("volunteer"));
    }
    Ok(v)
}

/// Loads an entry the actor manages; one out of sight is not found.
pub(crate) async fn managed(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<VolunteerRecord> {
    require_somewhere(actor, Permission::ManageVolunteers)?;
    let v = repo::get_volunteer(conn, id)
        .await
        .map_err(|_| AppError::NotFound("volunteer"))?;
    require_in_sight(
        actor,
        Permission::ManageVolunteers,
        Permission::ViewVolunteers,
        &v.scope,
        || AppError::NotFound("volunteer"),
    )?;
    Ok(v)
}

/// Writes the audit entry of one change to an entry.
pub(crate) async fn log(
    conn: &mut AnyConnection,
    actor: &Actor,
    v: &VolunteerRecord,
    action: &'static str,
    reason: Option<&str>,
    details: serde_json::Value,
) -> AppResult<()> {
    record(
        conn,
        actor,
        Change {
            action,
            target_type: "volunteer",
            target_id: v.id.to_string(),
            scope: Some(&v.scope),
            reason,
            details,
        },
    )
    .await?;
    Ok(())
}

/// The area a profile covers, from the resident's grid and its community.
fn area(coverage: Coverage, grid: (i64, &OrgPath), community: (i64, &OrgPath)) -> (i64, OrgPath) {
    match coverage {
        Coverage::Grid => (grid.0, grid.1.clone()),
        Coverage::Community => (community.0, community.1.clone()),
    }
}

fn profile_details(p: &Profile) -> serde_json::Value {
    serde_json::json!({
        "skill_count": p.skills.len(),
        "vehicle": p.vehicle,
        "coverage": p.coverage.code(),
    })
}

/// An entry on a registry listing, with its places in words.
#[derive(Debug, Clone)]
pub struct VolunteerLine {
    pub v: VolunteerRecord,
    pub grid_name: String,
    pub area_name: String,
}

/// An entry with everything its page shows.
#[derive(Debug, Clone)]
pub struct VolunteerView {
    pub v: VolunteerRecord,
    pub grid_name: String,
    pub community_name: String,
    pub area_name: String,
    /// Teams they belong to, and whether they lead them.
    pub teams: Vec<(civicgrid_store::care::teams::TeamRecord, bool)>,
    pub hours: super::hours::HoursLedger,
    pub shifts: Vec<super::activities::ShiftLine>,
    pub may_manage: bool,
    pub next_statuses: Vec<Status>,
}

impl App {
    /// Signs the actor up as a volunteer, or changes what their entry offers. A
    /// resident not yet in the registry (or declined before) is added as pending; one
    /// already in it keeps where they stand. The account must be linked to a living
    /// ledger record.
    pub async fn volunteer_sign_up(
        &self,
        actor: &Actor,
        profile: Profile,
    ) -> AppResult<VolunteerRecord> {
        let profile = profile.check().map_err(domain_error)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let Some((resident, home)) = resident_home(&mut tx, actor).await? else {
            return Err(AppError::Forbidden);
        };
        let (area_id, area_path) = area(
            profile.coverage,
            (home.grid_id, &home.grid_path),
            (home.community_id, &home.community_path),
        );
        let existing = repo::volunteer_of_resident(&mut tx, resident).await?;
        let (v, action) = match existing {
            None => {
                let mut v = VolunteerRecord {
                    id: 0,
                    resident_id: resident,
                    user_id: actor.user_id,
                    community_id: home.community_id,
                    scope: home.grid_path.clone(),
                    area_id,
                    area: area_path,
                    profile,
                    status: Status::Pending,
                    status_reason: None,
                    added_by_staff: false,
                    verified_at: None,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                    name: String::new(),
                };
                v.id = repo::insert_volunteer(&mut tx, &v).await?;
                (v, "volunteer.sign_up")
            }
            Some(mut v) => {
                let again = may_sign_up(Some(v.status));
                if again {
                    v.status = Status::Pending;
                    v.status_reason = None;
                }
                v.user_id = actor.user_id;
                v.community_id = home.community_id;
                v.scope = home.grid_path.clone();
                v.area_id = area_id;
                v.area = area_path;
                v.profile = profile;
                v.updated_at = now;
                v.version = repo::update_volunteer(&mut tx, &v)
                    .await?
                    .ok_or_else(stale)?;
                (
                    v,
                    if again {
                        "volunteer.sign_up"
                    } else {
                        "volunteer.profile"
                    },
                )
            }
        };
        log(
            &mut tx,
            actor,
            &v,
            action,
            None,
            profile_details(&v.profile),
        )
        .await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Adds a resident of the ledger to the registry, verified at once (staff who run
    /// volunteering where the resident lives).
    pub async fn add_volunteer(
        &self,
        actor: &Actor,
        resident_id: i64,
        profile: Profile,
    ) -> AppResult<VolunteerRecord> {
        let profile = profile.check().map_err(domain_error)?;
        require_somewhere(actor, Permission::ManageVolunteers)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let wrong = || AppError::invalid("resident_id", "choose a resident from the ledger");
        let r = civicgrid_store::ledger::get_resident(&mut tx, resident_id)
            .await
            .map_err(|_| wrong())?;
        let grid = org::get(&mut tx, r.grid_id).await?;
        if !actor.can(Permission::ManageVolunteers, &grid.path) {
            return Err(wrong());
        }
        if !r.status.is_present() {
            return Err(AppError::invalid(
                "resident_id",
                "this resident has moved out or died",
            ));
        }
        let community = community_of(&mut tx, &grid.path).await?.ok_or_else(wrong)?;
        if repo::volunteer_of_resident(&mut tx, r.id).await?.is_some() {
            return Err(AppError::invalid(
                "resident_id",
                "this resident is in the registry already",
            ));
        }
        let (area_id, area_path) = area(
            profile.coverage,
            (grid.id, &grid.path),
            (community.id, &community.path),
        );
        let mut v = VolunteerRecord {
            id: 0,
            resident_id: r.id,
            user_id: None,
            community_id: community.id,
            scope: grid.path.clone(),
            area_id,
            area: area_path,
            profile,
            status: Status::Verified,
            status_reason: None,
            added_by_staff: true,
            verified_at: Some(now),
            created_at: now,
            updated_at: now,
            version: 1,
            name: r.name.clone(),
        };
        v.id = repo::insert_volunteer(&mut tx, &v).await?;
        log(
            &mut tx,
            actor,
            &v,
            "volunteer.add",
            None,
            profile_details(&v.profile),
        )
        .await?;
        commit(tx).await?;
        Ok(v)
    }

    /// Verifies, declines, suspends or reinstates a volunteer (see the table of
    /// [`civicgrid_domain::care::volunteers`]); declining and suspending need a reason.
    pub async fn move_volunteer(
        &self,
        actor: &Actor,
        id: i64,
        to: Status,
        reason: Option<&str>,
    ) -> AppResult<VolunteerRecord> {
        let reason = crate::authz::reason(reason)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut v = managed(&mut tx, actor, id).await?;
        check_move(v.status, to, reason.as_deref()).map_err(domain_error)?;
        let from = v.status;
        v.status = to;
        v.status_reason = reason.clone().filter(|_| to != Status::Verified);
        if to == Status::Verified && v.verified_at.is_none() {
            v.verified_at = Some(now);
        }
        v.updated_at = now;
        v.version = repo::update_volunteer(&mut tx, &v)
            .await?
            .ok_or_else(stale)?;
        log(
            &mut tx,
            actor,
            &v,
            "volunteer.status",
            reason.as_deref(),
            serde_json::json!({ "from_status": from.code(), "to_status": to.code() }),
        )
        .await?;
        commit(tx).await?;
        Ok(v)
    }

    /// The registry where the actor may see it, narrowed by `filter`, newest first.
    pub async fn volunteers(
        &self,
        actor: &Actor,
        filter: &Filter,
    ) -> AppResult<Vec<VolunteerLine>> {
        require_somewhere(actor, Permission::ViewVolunteers)?;
        let mut conn = self.db.read().await?;
        let scopes = actor
            .scopes(Permission::ViewVolunteers)
            .unwrap_or_else(|| vec![OrgPath::from_stored(String::new())]);
        let mut all: Vec<VolunteerRecord> = Vec::new();
        for s in scopes {
            all.extend(repo::list_volunteers(&mut conn, &s, filter, LIST_MAX).await?);
        }
        all.sort_by_key(|v| std::cmp::Reverse(v.id));
        all.dedup_by_key(|v| v.id);
        all.truncate(LIST_MAX as usize);
        let mut names = Names::default();
        let mut out = Vec::with_capacity(all.len());
        for v in all {
            let grid_id = v.scope.ids().last().copied().unwrap_or(0);
            out.push(VolunteerLine {
                grid_name: names.of(&mut conn, grid_id).await?,
                area_name: names.of(&mut conn, v.area_id).await?,
                v,
            });
        }
        Ok(out)
    }

    /// How many volunteers wait for verification where the actor manages them.
    pub async fn volunteers_pending(&self, actor: &Actor) -> AppResult<i64> {
        let Some(scopes) = actor.scopes(Permission::ManageVolunteers) else {
            let mut conn = self.db.read().await?;
            let root = OrgPath::from_stored(String::new());
            return Ok(repo::count_volunteers(&mut conn, &root, Status::Pending).await?);
        };
        let mut conn = self.db.read().await?;
        let mut n = 0;
        for s in scopes {
            n += repo::count_volunteers(&mut conn, &s, Status::Pending).await?;
        }
        Ok(n)
    }

    /// One entry with its teams, shifts and hours (who may see the registry there).
    pub async fn volunteer(&self, actor: &Actor, id: i64) -> AppResult<VolunteerView> {
        let mut conn = self.db.read().await?;
        let v = in_sight(&mut conn, actor, id).await?;
        view(&mut conn, actor, v).await
    }
}

/// The page of an entry, for `actor`.
pub(crate) async fn view(
    conn: &mut AnyConnection,
    actor: &Actor,
    mut v: VolunteerRecord,
) -> AppResult<VolunteerView> {
    // The name in full only to who may read the ledger there (not, say, an auditor).
    if !actor.can(Permission::ViewLedger, &v.scope) {
        v.name = civicgrid_domain::privacy::mask_name(&v.name);
    }
    let mut names = Names::default();
    let grid_id = v.scope.ids().last().copied().unwrap_or(0);
    let may_manage = actor.can(Permission::ManageVolunteers, &v.scope);
    Ok(VolunteerView {
        grid_name: names.of(conn, grid_id).await?,
        community_name: names.of(conn, v.community_id).await?,
        area_name: names.of(conn, v.area_id).await?,
        teams: civicgrid_store::care::teams::teams_of_volunteer(conn, v.id).await?,
        hours: super::hours::ledger_of(conn, v.id).await?,
        shifts: super::activities::shifts_of_volunteer(conn, v.id).await?,
        may_manage,
        next_statuses: if may_manage {
            v.status.next().to_vec()
        } else {
            Vec::new()
        },
        v,
    })
}

/// Node names, each read once.
#[derive(Default)]
pub(crate) struct Names(std::collections::HashMap<i64, String>);

impl Names {
    pub(crate) async fn of(&mut self, conn: &mut AnyConnection, id: i64) -> AppResult<String> {
        if let Some(n) = self.0.get(&id) {
            return Ok(n.clone());
        }
        let name = org::get(conn, id)
            .await
            .map(|n| n.name_zh)
            .unwrap_or_default();
        self.0.insert(id, name.clone());
        Ok(name)
    }
}
