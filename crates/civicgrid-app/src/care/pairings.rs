//! Care pairings (结对帮扶): staff pair a vulnerable resident (or their household)
//! with carers, set its schedule, reassign a carer who is away and end it; everyone
//! allowed reads it (see [`civicgrid_domain::care::pairings`] for the rules).
//!
//! Who may do what: [`Permission::ManageCare`] at the pairing's grid pairs, sets the
//! schedule, reassigns and ends; the pairing's carers, and who holds
//! [`Permission::ViewCare`] there, read it. A visit's notes are read only by its
//! pairing's carers and by whoever manages care at the grid from the community down
//! (the grid worker, the community's staff) — [`may_read_notes`]. Every view of a card
//! naming the resident leaves a row in the data-access log.

use civicgrid_domain::care::alerts::{AlertLevel, next_level_at};
use civicgrid_domain::care::pairings::{AwayReason, check_carers, reassign};
use civicgrid_domain::care::policies::Cadence;
use civicgrid_domain::care::visits::{DAY_MS, Mode, Outcome};
use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_store::care::alerts::{self as alert_repo, AlertLine};
use civicgrid_store::care::pairings::{self as repo, PairingRecord};
use civicgrid_store::care::visits as visit_repo;
use civicgrid_store::ledger;
use civicgrid_store::platform::{accounts, org};
use civicgrid_store::privacy::data_access::{self, NewView};
use civicgrid_store::{AnyConnection, commit, now_ms};

use super::policies::{community_of, covering, ensure_policies, resident_tags};
use crate::authz::{Change, record, require_somewhere};
use crate::{App, AppError, AppResult};

pub use civicgrid_store::care::pairings::{DueLine, PairingRecord as StoredPairing};

/// The depth of a community's path (city / district / street / community).
const COMMUNITY_DEPTH: usize = 4;
/// The most visits a pairing's page shows.
const VISITS_SHOWN: i64 = 50;

/// A data-access action: a pairing's card (name, address, schedule) was shown.
pub const VIEW_PAIRING: &str = "care.pairing.view";
/// A data-access action: a visit's notes were shown.
pub const VIEW_NOTES: &str = "care.visit.notes.view";
/// A data-access action: a visit's photo was shown.
pub const VIEW_PHOTO: &str = "care.visit.photo.view";

pub(crate) fn stale() -> AppError {
    AppError::Conflict("the pairing was changed meanwhile; reload and try again".into())
}

/// May `actor` read the notes of visits to a resident of the grid at `scope`? Carers
/// are decided by the caller; here: who manages care there from the community down.
pub fn may_read_notes(actor: &Actor, scope: &OrgPath) -> bool {
    actor.assignments.iter().any(|a| {
        a.role.has(Permission::ManageCare)
            && scope.is_within(&a.path)
            && a.path.depth() >= COMMUNITY_DEPTH
    })
}

/// Who the actor is to a pairing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub carer: bool,
    pub manager: bool,
    pub viewer: bool,
    pub notes: bool,
}

impl Standing {
    pub fn may_view(self) -> bool {
        self.carer || self.manager || self.viewer
    }
}

pub(crate) async fn standing(
    conn: &mut AnyConnection,
    actor: &Actor,
    p: &PairingRecord,
) -> AppResult<Standing> {
    let carer = match actor.user_id {
        Some(u) => repo::is_carer(conn, p.id, u).await?,
        None => false,
    };
    Ok(Standing {
        carer,
        manager: actor.can(Permission::ManageCare, &p.scope),
        viewer: actor.can(Permission::ViewCare, &p.scope),
        notes: carer || may_read_notes(actor, &p.scope) || actor.is_system(),
    })
}

pub(crate) async fn load(conn: &mut AnyConnection, id: i64) -> AppResult<PairingRecord> {
    repo::get_pairing(conn, id)
        .await
        .map_err(|_| AppError::NotFound("pairing"))
}

/// Loads a pairing the actor manages; one they cannot see is not found.
async fn managed(conn: &mut AnyConnection, actor: &Actor, id: i64) -> AppResult<PairingRecord> {
    require_somewhere(actor, Permission::ManageCare)?;
    let p = load(conn, id).await?;
    crate::authz::require_in_sight(
        actor,
        Permission::ManageCare,
        Permission::ViewCare,
        &p.scope,
        || AppError::NotFound("pairing"),
    )?;
    Ok(p)
}

/// Sets the due and alert state of `p` after its cadence changed: the next visit falls
/// due a cadence after the last one (or stays where it is when there was none), the
/// ladder starts again from that due time, and the red time follows the cadence.
pub(crate) fn reschedule(p: &mut PairingRecord) {
    if !p.active {
        return;
    }
    if let Some(last) = p.last_visit_at {
        p.next_due_at = Some(last + p.cadence.as_ms());
        p.alert_level = 0;
    }
    p.next_alert_at = p
        .next_due_at
        .and_then(|d| next_level_at(d, p.cadence, AlertLevel::from_rank(p.alert_level)));
    p.red_at = Some(p.last_reached_at.unwrap_or(p.started_at) + 2 * p.cadence.as_ms());
}

/// Writes the audit entry of one change to a pairing.
pub(crate) async fn log(
    conn: &mut AnyConnection,
    actor: &Actor,
    p: &PairingRecord,
    action: &'static str,
    reason: Option<&str>,
    details: serde_json::Value,
) -> AppResult<()> {
    record(
        conn,
        actor,
        Change {
            action,
            target_type: "care_pairing",
            target_id: p.id.to_string(),
            scope: Some(&p.scope),
            reason,
            details,
        },
    )
    .await?;
    Ok(())
}

/// Records that `actor` was shown a care record of `resident_id` (a trace in the
/// data-access log, which the resident reads on their data-access page).
pub(crate) async fn trace(
    app: &App,
    actor: &Actor,
    action: &'static str,
    p: &PairingRecord,
) -> AppResult<()> {
    let role = actor
        .assignments
        .iter()
        .filter(|a| p.scope.is_within(&a.path))
        .max_by_key(|a| a.path.depth())
        .map(|a| a.role.as_str())
        .or_else(|| (!actor.is_system()).then_some("carer"));
    let mut tx = app.db.begin_write().await?;
    data_access::append(
        &mut tx,
        &NewView {
            at_ms: now_ms(),
            actor_user_id: actor.user_id,
            actor_token_id: actor.token_id,
            actor_label: &actor.label,
            actor_role: role,
            action,
            scope_path: p.scope.as_str(),
        },
        &[(p.resident_id, p.household_id)],
    )
    .await?;
    commit(tx).await?;
    Ok(())
}

/// Checks that each of `carers` is an active account serving the community at
/// `community` (a role there, above it or inside it); the error names `carers`.
async fn check_carer_accounts(
    conn: &mut AnyConnection,
    carers: &[i64],
    community: &OrgPath,
) -> AppResult<Vec<String>> {
    let mut names = Vec::new();
    for c in carers {
        let bad = || AppError::invalid("carers", "choose carers who serve this community");
        let user = accounts::get_user(conn, *c).await.map_err(|_| bad())?;
        if !user.active {
            return Err(bad());
        }
        let serves = accounts::assignments_of(conn, *c).await?.iter().any(|a| {
            let at = &a.assignment.path;
            matches!(
                a.assignment.role,
                Role::GridWorker | Role::Volunteer | Role::Resident | Role::CommunityStaff
            ) && (at.is_within(community) || community.is_within(at))
        });
        if !serves {
            return Err(bad());
        }
        names.push(user.display_name);
    }
    Ok(names)
}

/// A new pairing: a resident holding a care tag; or a household (its member holding
/// one is paired, and the whole household is visited); or both, the resident and the
/// household they live in, visited together.
#[derive(Debug, Clone, Default)]
pub struct NewPairing {
    pub resident_id: Option<i64>,
    pub household_id: Option<i64>,
    /// Carers' account ids.
    pub carers: Vec<i64>,
    /// Set for this pairing instead of the policy's.
    pub cadence_days: Option<i64>,
    pub mode: Option<Mode>,
}

/// A pairing with what its page shows.
#[derive(Debug, Clone)]
pub struct PairingView {
    pub pairing: PairingRecord,
    pub resident_name: String,
    pub building_name: Option<String>,
    pub unit_name: Option<String>,
    pub room_name: Option<String>,
    pub grid: org::OrgNode,
    /// (user id, display name).
    pub carers: Vec<(i64, String)>,
    pub visits: Vec<VisitLine>,
    pub alerts: Vec<AlertLine>,
    pub standing: Standing,
}

/// A visit on a pairing's page: its notes are not shown here (see
/// [`App::care_visit_notes`]).
#[derive(Debug, Clone)]
pub struct VisitLine {
    pub id: i64,
    pub visited_at: i64,
    pub mode: Mode,
    pub outcome: Outcome,
    pub carer_name: String,
    pub has_notes: bool,
    pub request_id: Option<i64>,
    pub photo_ids: Vec<i64>,
}

/// A carer account a pairing may name, for the pairing form's picker.
#[derive(Debug, Clone)]
pub struct CarerChoice {
    pub user_id: i64,
    pub display_name: String,
    pub role: Role,
}

impl App {
    /// Pairs a resident holding a care tag (or a household with such a member) with
    /// carers. Its cadence and way come from the community's policy for the
    /// resident's tags unless given; the first visit is due at once.
    pub async fn pair_for_care(&self, actor: &Actor, new: NewPairing) -> AppResult<PairingRecord> {
        require_somewhere(actor, Permission::ManageCare)?;
        let carers =
            check_carers(&new.carers).map_err(|e| AppError::invalid(e.field, e.message))?;
        let override_cadence = new
            .cadence_days
            .map(Cadence::days)
            .transpose()
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (resident, household_id) = match (new.resident_id, new.household_id) {
            (Some(r), None) => {
                let no_such = || AppError::invalid("resident_id", "no such resident");
                (
                    ledger::get_resident(&mut tx, r)
                        .await
                        .map_err(|_| no_such())?,
                    None,
                )
            }
            (None, Some(h)) => {
                let no_such = || AppError::invalid("household_id", "no such household");
                ledger::get_household(&mut tx, h)
                    .await
                    .map_err(|_| no_such())?;
                let members = ledger::members(&mut tx, h).await?;
                let tagged = ledger::tags_of_members(&mut tx, h).await?;
                let care = care_codes(&mut tx).await?;
                let first = members
                    .into_iter()
                    .filter(|m| m.status.is_present())
                    .find(|m| tagged.iter().any(|(r, t)| *r == m.id && care.contains(t)))
                    .ok_or_else(|| {
                        AppError::invalid(
                            "household_id",
                            "nobody in this household holds a care tag",
                        )
                    })?;
                (first, Some(h))
            }
            (Some(r), Some(h)) => {
                // A resident and their household: the whole household is visited.
                let no_such = || AppError::invalid("resident_id", "no such resident");
                let resident = ledger::get_resident(&mut tx, r)
                    .await
                    .map_err(|_| no_such())?;
                if resident.household_id != Some(h) {
                    return Err(AppError::invalid(
                        "household_id",
                        "the resident does not live in this household",
                    ));
                }
                (resident, Some(h))
            }
            (None, None) => {
                return Err(AppError::invalid(
                    "resident_id",
                    "choose a resident or a household",
                ));
            }
        };
        let grid = org::get(&mut tx, resident.grid_id).await?;
        crate::authz::require_in_sight(
            actor,
            Permission::ManageCare,
            Permission::ViewCare,
            &grid.path,
            || AppError::invalid("resident_id", "no such resident"),
        )?;
        if grid.kind != NodeKind::Grid {
            return Err(AppError::invalid(
                "resident_id",
                "the resident lives in no grid",
            ));
        }
        let field = if household_id.is_some() {
            "household_id"
        } else {
            "resident_id"
        };
        if !resident.status.is_present() {
            return Err(AppError::invalid(
                field,
                "the resident no longer lives here",
            ));
        }
        let care = care_codes(&mut tx).await?;
        let tags = resident_tags(&mut tx, resident.id, resident.pii.birth_ym).await?;
        if !tags.iter().any(|t| care.contains(t)) {
            return Err(AppError::invalid(
                field,
                "only a resident with a care tag is paired",
            ));
        }
        if repo::active_pairing_of(&mut tx, resident.id)
            .await?
            .is_some()
        {
            return Err(AppError::invalid(field, "this resident is already paired"));
        }
        let community = community_of(&mut tx, &grid.path).await?;
        let carer_names = check_carer_accounts(&mut tx, &carers, &community.path).await?;
        let policies = ensure_policies(&mut tx, actor, &community).await?;
        let policy = covering(&policies, &tags);
        let (cadence, mode, level) = match (policy, override_cadence) {
            (_, Some(c)) => (
                c,
                new.mode
                    .or(policy.map(|p| p.spec.mode))
                    .unwrap_or(Mode::InPerson),
                policy.map_or(2, |p| p.spec.level),
            ),
            (Some(p), None) => (
                p.spec.cadence,
                new.mode.unwrap_or(p.spec.mode),
                p.spec.level,
            ),
            (None, None) => {
                return Err(AppError::invalid(
                    "cadence_days",
                    "no policy covers this resident's tags: set how often to visit",
                ));
            }
        };
        let overridden = override_cadence.is_some()
            || new
                .mode
                .is_some_and(|m| Some(m) != policy.map(|p| p.spec.mode));
        let mut p = PairingRecord {
            id: 0,
            community_id: community.id,
            grid_id: grid.id,
            scope: grid.path.clone(),
            resident_id: resident.id,
            household_id,
            policy_id: policy.map(|p| p.id),
            level,
            cadence,
            mode,
            overridden,
            active: true,
            next_due_at: Some(now),
            retry_at: None,
            alert_level: 0,
            next_alert_at: Some(now + DAY_MS),
            red: false,
            red_at: Some(now + 2 * cadence.as_ms()),
            last_visit_at: None,
            last_reached_at: None,
            started_at: now,
            ended_at: None,
            end_reason: None,
            created_by: actor.user_id,
            updated_at: now,
            version: 1,
        };
        p.id = repo::insert_pairing(&mut tx, &p, &carers).await?;
        log(
            &mut tx,
            actor,
            &p,
            "care.pairing.create",
            None,
            serde_json::json!({
                "carers": carer_names.join("、"),
                "cadence_days": cadence.as_days(),
                "mode": mode.code(),
                "level": level,
                "household": household_id.is_some(),
            }),
        )
        .await?;
        commit(tx).await?;
        Ok(p)
    }

    /// Sets how often and how a pairing is visited (for this household or resident),
    /// or, with neither given, returns it to the community's policy.
    pub async fn set_pairing_schedule(
        &self,
        actor: &Actor,
        id: i64,
        cadence_days: Option<i64>,
        mode: Option<Mode>,
    ) -> AppResult<PairingRecord> {
        let cadence = cadence_days
            .map(Cadence::days)
            .transpose()
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut p = managed(&mut tx, actor, id).await?;
        if !p.active {
            return Err(AppError::invalid("pairing_id", "this pairing has ended"));
        }
        let before = (p.cadence, p.mode);
        if cadence.is_none() && mode.is_none() {
            let resident = ledger::get_resident(&mut tx, p.resident_id).await?;
            let community = org::get(&mut tx, p.community_id).await?;
            let policies = ensure_policies(&mut tx, actor, &community).await?;
            let tags = resident_tags(&mut tx, resident.id, resident.pii.birth_ym).await?;
            let policy = covering(&policies, &tags).ok_or_else(|| {
                AppError::invalid("cadence_days", "no policy covers this resident's tags")
            })?;
            p.policy_id = Some(policy.id);
            p.cadence = policy.spec.cadence;
            p.mode = policy.spec.mode;
            p.level = policy.spec.level;
            p.overridden = false;
        } else {
            p.cadence = cadence.unwrap_or(p.cadence);
            p.mode = mode.unwrap_or(p.mode);
            p.overridden = true;
        }
        reschedule(&mut p);
        p.updated_at = now;
        p.version = repo::update_pairing(&mut tx, &p).await?.ok_or_else(stale)?;
        log(
            &mut tx,
            actor,
            &p,
            "care.pairing.schedule",
            None,
            serde_json::json!({
                "from_cadence_days": before.0.as_days(),
                "cadence_days": p.cadence.as_days(),
                "from_mode": before.1.code(),
                "mode": p.mode.code(),
                "overridden": p.overridden,
            }),
        )
        .await?;
        commit(tx).await?;
        Ok(p)
    }

    /// Replaces a carer who is away (on leave, moved) by another; the pairing keeps
    /// its schedule (the due date does not move).
    pub async fn reassign_carer(
        &self,
        actor: &Actor,
        id: i64,
        away: i64,
        by: i64,
        reason: AwayReason,
    ) -> AppResult<PairingRecord> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut p = managed(&mut tx, actor, id).await?;
        if !p.active {
            return Err(AppError::invalid("pairing_id", "this pairing has ended"));
        }
        let carers = repo::carers(&mut tx, p.id).await?;
        reassign(&carers, away, by).map_err(|e| AppError::invalid(e.field, e.message))?;
        let community = org::get(&mut tx, p.community_id).await?;
        let names = check_carer_accounts(&mut tx, &[by], &community.path)
            .await
            .map_err(|_| {
                AppError::invalid("new_carer_id", "choose someone who serves this community")
            })?;
        let away_name = accounts::get_user(&mut tx, away).await?.display_name;
        repo::remove_carer(&mut tx, p.id, away).await?;
        repo::add_carer(&mut tx, p.id, by, now).await?;
        p.updated_at = now;
        p.version = repo::update_pairing(&mut tx, &p).await?.ok_or_else(stale)?;
        log(
            &mut tx,
            actor,
            &p,
            "care.pairing.reassign",
            None,
            serde_json::json!({
                "from_carer": away_name,
                "to_carer": names.join(""),
                "away_reason": reason.code(),
            }),
        )
        .await?;
        commit(tx).await?;
        Ok(p)
    }

    /// Ends a pairing (the resident no longer needs it, died, moved away), with a reason.
    pub async fn end_pairing(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> AppResult<PairingRecord> {
        let reason = crate::authz::reason(Some(reason))?
            .ok_or_else(|| AppError::invalid("reason", "say why the pairing ends"))?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut p = managed(&mut tx, actor, id).await?;
        if !p.active {
            return Err(AppError::invalid("pairing_id", "this pairing has ended"));
        }
        end(&mut p, now, &reason);
        p.version = repo::update_pairing(&mut tx, &p).await?.ok_or_else(stale)?;
        alert_repo::clear(&mut tx, p.id, now).await?;
        log(
            &mut tx,
            actor,
            &p,
            "care.pairing.end",
            Some(&reason),
            serde_json::json!({}),
        )
        .await?;
        commit(tx).await?;
        Ok(p)
    }

    /// A pairing's page: the resident, the carers, the schedule, the visits (notes
    /// hidden) and open alerts. The view is traced.
    pub async fn care_pairing(&self, actor: &Actor, id: i64) -> AppResult<PairingView> {
        let mut conn = self.db.read().await?;
        let p = load(&mut conn, id).await?;
        let standing = standing(&mut conn, actor, &p).await?;
        if !standing.may_view() && !actor.is_system() {
            return Err(AppError::NotFound("pairing"));
        }
        let resident = ledger::get_resident(&mut conn, p.resident_id).await?;
        let place = match resident.household_id {
            Some(h) => {
                let hh = ledger::get_household(&mut conn, h).await?;
                Some(ledger::place_of_room(&mut conn, hh.room_id).await?)
            }
            None => None,
        };
        let grid = org::get(&mut conn, p.grid_id).await?;
        let mut carers = Vec::new();
        for c in repo::carers(&mut conn, p.id).await? {
            carers.push((c, accounts::get_user(&mut conn, c).await?.display_name));
        }
        let mut visits = Vec::new();
        for v in visit_repo::visits_of(&mut conn, p.id, VISITS_SHOWN).await? {
            let carer_name = match v.carer_user_id {
                Some(u) => accounts::get_user(&mut conn, u).await?.display_name,
                None => String::new(),
            };
            let photo_ids = visit_repo::photos_of(&mut conn, v.id)
                .await?
                .into_iter()
                .map(|ph| ph.id)
                .collect();
            visits.push(VisitLine {
                id: v.id,
                visited_at: v.visited_at,
                mode: v.mode,
                outcome: v.outcome,
                carer_name,
                has_notes: v.notes_enc.is_some(),
                request_id: v.request_id,
                photo_ids,
            });
        }
        let alerts = alert_repo::open_alerts_of(&mut conn, p.id).await?;
        drop(conn);
        trace(self, actor, VIEW_PAIRING, &p).await?;
        Ok(PairingView {
            resident_name: resident.name,
            building_name: place.as_ref().map(|pl| pl.building_name.clone()),
            unit_name: place.as_ref().map(|pl| pl.unit_name.clone()),
            room_name: place.as_ref().map(|pl| pl.room.name.clone()),
            grid,
            carers,
            visits,
            alerts,
            standing,
            pairing: p,
        })
    }

    /// The active pairings of a place the actor follows (a grid, a community), the red
    /// and the most overdue first.
    pub async fn care_pairings(&self, actor: &Actor, node_id: i64) -> AppResult<Vec<DueLine>> {
        if !(actor.can_somewhere(Permission::ViewCare)
            || actor.can_somewhere(Permission::ManageCare))
        {
            return Err(AppError::Forbidden);
        }
        let mut conn = self.db.read().await?;
        let node = org::get(&mut conn, node_id)
            .await
            .map_err(|_| AppError::NotFound("place"))?;
        if !(actor.can(Permission::ViewCare, &node.path)
            || actor.can(Permission::ManageCare, &node.path))
        {
            return Err(AppError::NotFound("place"));
        }
        Ok(repo::pairings_in(&mut conn, &node.path, 500).await?)
    }

    /// Accounts that may be carers in the community of `node_id`: grid workers,
    /// volunteers, staff and residents serving it, by name.
    pub async fn carer_choices(&self, actor: &Actor, node_id: i64) -> AppResult<Vec<CarerChoice>> {
        require_somewhere(actor, Permission::ManageCare)?;
        let mut conn = self.db.read().await?;
        let node = org::get(&mut conn, node_id)
            .await
            .map_err(|_| AppError::NotFound("place"))?;
        if !actor.can(Permission::ManageCare, &node.path) {
            return Err(AppError::NotFound("place"));
        }
        // The node's community; at a street or wider, the node itself.
        let scope = match community_of(&mut conn, &node.path).await {
            Ok(c) => c.path,
            Err(_) => node.path.clone(),
        };
        let users =
            accounts::list_users(&mut conn, Some(std::slice::from_ref(&scope)), None, 1000, 0)
                .await?;
        let mut out = Vec::new();
        for u in users {
            if !u.active {
                continue;
            }
            let role = accounts::assignments_of(&mut conn, u.id)
                .await?
                .into_iter()
                .map(|a| a.assignment.role)
                .find(|r| {
                    matches!(
                        r,
                        Role::GridWorker | Role::Volunteer | Role::Resident | Role::CommunityStaff
                    )
                });
            if let Some(role) = role {
                out.push(CarerChoice {
                    user_id: u.id,
                    display_name: u.display_name,
                    role,
                });
            }
        }
        out.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        Ok(out)
    }

    /// Residents of the place `node_id` holding a care tag whose name contains `name`,
    /// for the pairing form's picker.
    pub async fn care_candidates(
        &self,
        actor: &Actor,
        node_id: i64,
        name: &str,
    ) -> AppResult<Vec<civicgrid_store::care::coverage::CareCandidate>> {
        require_somewhere(actor, Permission::ManageCare)?;
        let mut conn = self.db.read().await?;
        let node = org::get(&mut conn, node_id)
            .await
            .map_err(|_| AppError::NotFound("place"))?;
        if !actor.can(Permission::ManageCare, &node.path) {
            return Err(AppError::NotFound("place"));
        }
        Ok(civicgrid_store::care::coverage::care_candidates(
            &mut conn,
            node.path.as_str(),
            name,
            30,
        )
        .await?)
    }
}

/// Ends `p` at `now` for `reason`.
pub(crate) fn end(p: &mut PairingRecord, now: i64, reason: &str) {
    p.active = false;
    p.ended_at = Some(now);
    p.end_reason = Some(reason.to_owned());
    p.next_due_at = None;
    p.next_alert_at = None;
    p.retry_at = None;
    p.red_at = None;
    p.red = false;
    p.updated_at = now;
}

/// The catalogue's care tags.
pub(crate) async fn care_codes(conn: &mut AnyConnection) -> AppResult<Vec<String>> {
    Ok(ledger::catalogue(conn)
        .await?
        .into_iter()
        .filter(|t| t.def.care)
        .map(|t| t.def.code)
        .collect())
}
