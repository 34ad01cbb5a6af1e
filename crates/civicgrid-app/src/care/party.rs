//! Party members registering where they live (在职党员到社区报到): a member registers
//! from their own account (linked to a living ledger record) naming their employer's
//! party organisation, community staff confirm, decline or end the registration, and
//! link the requests a member helped resolve; a member pledges for the year and
//! notes what they did (see [`civicgrid_domain::care::party`] for the rules).
//!
//! Who may do what: [`Permission::ViewParty`] sees the registrations of members living
//! in the scope (a look at one is traced on the member's data-access page);
//! [`Permission::ManageParty`] confirms, declines and ends them there and links
//! requests. A member acts on their own registration and pledges only: a pledge for
//! another member is refused. Every change is audited in its transaction.

use civicgrid_domain::care::party::{
    MemberStatus, PledgeSpec, check_move, check_note, check_organisation, check_pledge,
    may_register,
};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_store::care::party::{self as repo, MemberRecord, NoteRecord, PledgeRecord};
use civicgrid_store::privacy::data_access::{self, NewView};
use civicgrid_store::{AnyConnection, commit, now_ms};

pub use civicgrid_store::care::party::{
    LinkedRequest, MemberRecord as PartyMember, NoteRecord as PledgeNote, PledgeRecord as Pledge,
};

use super::party_year::{YearRecord, day_start_ms, year_record};
use super::volunteers::{Names, domain_error, resident_home, today};
use crate::authz::{Change, record, require_in_sight, require_somewhere, scopes};
use crate::participation::deliberation::Home;
use crate::{App, AppError, AppResult};

/// The most registrations a listing shows.
const LIST_MAX: i64 = 300;
/// The most requests offered to link.
const LINK_CHOICES: i64 = 30;

fn stale() -> AppError {
    AppError::Conflict("the registration was changed meanwhile; reload and try again".into())
}

fn not_found() -> AppError {
    AppError::NotFound("party member")
}

/// Whether `m` is the actor's own registration.
fn is_own(actor: &Actor, m: &MemberRecord) -> bool {
    actor.user_id.is_some() && m.user_id == actor.user_id
}

/// Loads a registration the actor may see: their own, or one in a scope where they
/// follow party members; anything else is not found.
pub(crate) async fn in_sight(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<MemberRecord> {
    let m = repo::get_member(conn, id).await.map_err(|_| not_found())?;
    if is_own(actor, &m) || actor.can(Permission::ViewParty, &m.scope) {
        Ok(m)
    } else {
        Err(not_found())
    }
}

/// Loads a registration the actor keeps; one out of sight is not found.
async fn managed(conn: &mut AnyConnection, actor: &Actor, id: i64) -> AppResult<MemberRecord> {
    require_somewhere(actor, Permission::ManageParty)?;
    let m = repo::get_member(conn, id).await.map_err(|_| not_found())?;
    require_in_sight(
        actor,
        Permission::ManageParty,
        Permission::ViewParty,
        &m.scope,
        not_found,
    )?;
    Ok(m)
}

/// Writes the audit entry of one change to a registration.
async fn log(
    conn: &mut AnyConnection,
    actor: &Actor,
    m: &MemberRecord,
    action: &'static str,
    reason: Option<&str>,
    details: serde_json::Value,
) -> AppResult<()> {
    record(
        conn,
        actor,
        Change {
            action,
            target_type: "party_member",
            target_id: m.id.to_string(),
            scope: Some(&m.scope),
            reason,
            details,
        },
    )
    .await?;
    Ok(())
}

/// Records that `actor` was shown the registration of `m` (membership is personal
/// data): a trace the member reads on their data-access page.
async fn trace(conn: &mut AnyConnection, actor: &Actor, m: &MemberRecord) -> AppResult<()> {
    if is_own(actor, m) {
        return Ok(());
    }
    let role = actor
        .assignments
        .iter()
        .filter(|a| m.scope.is_within(&a.path))
        .max_by_key(|a| a.path.depth())
        .map(|a| a.role.as_str());
    data_access::append(
        conn,
        &NewView {
            at_ms: now_ms(),
            actor_user_id: actor.user_id,
            actor_token_id: actor.token_id,
            actor_label: &actor.label,
            actor_role: role,
            action: "party.member",
            scope_path: m.scope.as_str(),
        },
        &[(m.resident_id, None)],
    )
    .await?;
    Ok(())
}

/// What the member's own page shows.
#[derive(Debug, Clone)]
pub struct MyParty {
    /// Where the member lives; `None` when the account is not linked to a living
    /// ledger record (they cannot register).
    pub home: Option<Home>,
    pub member: Option<MemberRecord>,
    pub year: i32,
    /// The year's pledges and what fulfils them (a confirmed member).
    pub record: Option<YearRecord>,
}

/// A registration on a listing, with its grid in words.
#[derive(Debug, Clone)]
pub struct MemberLine {
    pub m: MemberRecord,
    pub grid_name: String,
}

/// A registration with everything its page shows.
#[derive(Debug, Clone)]
pub struct MemberView {
    pub m: MemberRecord,
    pub grid_name: String,
    pub community_name: String,
    pub year: i32,
    pub record: YearRecord,
    pub may_manage: bool,
    pub next_statuses: Vec<MemberStatus>,
    /// Resolved requests of the community that may be linked (who keeps it).
    pub link_choices: Vec<LinkedRequest>,
}

/// A badge holder (党员示范岗) as the community sees them.
#[derive(Debug, Clone)]
pub struct BadgeHolder {
    pub name: String,
    pub grid_name: String,
    pub organisation: String,
    /// The year's pledges, as promised in public (承诺公示).
    pub pledges: Vec<PledgeRecord>,
}

impl App {
    /// Registers the actor as a party member where they live, or changes their
    /// registration's organisation and badge. One not registered (or declined or
    /// ended before) is pending until staff confirm; one pending or confirmed keeps
    /// where they stand.
    pub async fn party_register(
        &self,
        actor: &Actor,
        organisation: &str,
        public_badge: bool,
    ) -> AppResult<MemberRecord> {
        let mut tx = self.db.begin_write().await?;
        let Some((resident, home)) = resident_home(&mut tx, actor).await? else {
            return Err(AppError::Forbidden);
        };
        let organisation = check_organisation(organisation).map_err(domain_error)?;
        let now = now_ms();
        let existing = repo::member_of_resident(&mut tx, resident).await?;
        let (m, action) = match existing {
            None => {
                let mut m = MemberRecord {
                    id: 0,
                    resident_id: resident,
                    user_id: actor.user_id,
                    community_id: home.community_id,
                    scope: home.grid_path.clone(),
                    organisation,
                    status: MemberStatus::Pending,
                    status_reason: None,
                    public_badge,
                    confirmed_at: None,
                    created_at: now,
                    updated_at: now,
                    version: 1,
                    name: String::new(),
                };
                m.id = repo::insert_member(&mut tx, &m).await?;
                (m, "party.register")
            }
            Some(mut m) => {
                let again = may_register(Some(m.status));
                if again {
                    m.status = MemberStatus::Pending;
                    m.status_reason = None;
                    m.community_id = home.community_id;
                    m.scope = home.grid_path.clone();
                }
                m.user_id = actor.user_id;
                m.organisation = organisation;
                m.public_badge = public_badge;
                m.updated_at = now;
                m.version = repo::update_member(&mut tx, &m).await?.ok_or_else(stale)?;
                (
                    m,
                    if again {
                        "party.register"
                    } else {
                        "party.profile"
                    },
                )
            }
        };
        log(
            &mut tx,
            actor,
            &m,
            action,
            None,
            serde_json::json!({ "public_badge": m.public_badge }),
        )
        .await?;
        commit(tx).await?;
        Ok(m)
    }

    /// Confirms, declines or ends a registration (see the table of
    /// [`civicgrid_domain::care::party`]); declining and ending need a reason.
    pub async fn move_party_member(
        &self,
        actor: &Actor,
        id: i64,
        to: MemberStatus,
        reason: Option<&str>,
    ) -> AppResult<MemberRecord> {
        let reason = crate::authz::reason(reason)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let mut m = managed(&mut tx, actor, id).await?;
        check_move(m.status, to, reason.as_deref()).map_err(domain_error)?;
        let from = m.status;
        m.status = to;
        m.status_reason = reason.clone().filter(|_| to != MemberStatus::Confirmed);
        if to == MemberStatus::Confirmed {
            m.confirmed_at = Some(now);
        }
        m.updated_at = now;
        m.version = repo::update_member(&mut tx, &m).await?.ok_or_else(stale)?;
        log(
            &mut tx,
            actor,
            &m,
            "party.status",
            reason.as_deref(),
            serde_json::json!({ "from_registration": from.code(), "to_registration": to.code() }),
        )
        .await?;
        commit(tx).await?;
        Ok(m)
    }

    /// Adds a pledge to registration `member_id`: only the member pledges, and only
    /// once confirmed. Staff who see the registration are told a member pledges for
    /// themselves; anyone else finds nothing.
    pub async fn party_pledge(
        &self,
        actor: &Actor,
        member_id: i64,
        spec: PledgeSpec,
    ) -> AppResult<PledgeRecord> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let m = in_sight(&mut tx, actor, member_id).await?;
        if !is_own(actor, &m) {
            return Err(AppError::invalid(
                "member",
                "a party member makes their own pledges",
            ));
        }
        if m.status != MemberStatus::Confirmed {
            return Err(AppError::invalid(
                "member",
                "pledges are made once the community has confirmed the registration",
            ));
        }
        let kinds: Vec<_> = repo::pledges_of_member(&mut tx, m.id, spec.year)
            .await?
            .iter()
            .map(|p| p.kind)
            .collect();
        let spec = check_pledge(spec, today(now), &kinds).map_err(domain_error)?;
        let mut p = PledgeRecord {
            id: 0,
            member_id: m.id,
            year: spec.year,
            kind: spec.kind,
            text: spec.text,
            target: spec.target,
            created_by: actor.user_id,
            created_at: now,
        };
        p.id = repo::insert_pledge(&mut tx, &p).await?;
        log(
            &mut tx,
            actor,
            &m,
            "party.pledge",
            None,
            serde_json::json!({ "pledge_id": p.id, "year": p.year, "pledge_kind": p.kind.code(),
                                "target": p.target }),
        )
        .await?;
        commit(tx).await?;
        Ok(p)
    }

    /// A pledge the actor may see (its member's, or staff following the registration).
    pub async fn pledge(&self, actor: &Actor, pledge_id: i64) -> AppResult<PledgeRecord> {
        let mut conn = self.db.read().await?;
        let gone = || AppError::NotFound("pledge");
        let p = repo::get_pledge(&mut conn, pledge_id)
            .await
            .map_err(|_| gone())?;
        in_sight(&mut conn, actor, p.member_id)
            .await
            .map_err(|_| gone())?;
        Ok(p)
    }

    /// Notes what was done towards a pledge, with its evidence: the member on their
    /// own pledges, or staff who keep the registration.
    pub async fn party_note(
        &self,
        actor: &Actor,
        pledge_id: i64,
        on: chrono::NaiveDate,
        amount: i64,
        text: &str,
    ) -> AppResult<NoteRecord> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let gone = || AppError::NotFound("pledge");
        let p = repo::get_pledge(&mut tx, pledge_id)
            .await
            .map_err(|_| gone())?;
        let m = in_sight(&mut tx, actor, p.member_id)
            .await
            .map_err(|_| gone())?;
        if !is_own(actor, &m) && !actor.can(Permission::ManageParty, &m.scope) {
            return Err(AppError::Forbidden);
        }
        let text = check_note(p.year, on, today(now), text).map_err(domain_error)?;
        if !(1..=civicgrid_domain::care::party::MAX_AMOUNT * 60).contains(&amount) {
            return Err(AppError::invalid("note_amount", "give how much was done"));
        }
        let mut n = NoteRecord {
            id: 0,
            pledge_id: p.id,
            on,
            amount,
            text,
            recorded_by: actor.user_id,
            recorded_at: now,
        };
        n.id = repo::insert_note(&mut tx, &n).await?;
        log(
            &mut tx,
            actor,
            &m,
            "party.note",
            None,
            serde_json::json!({ "pledge_id": p.id, "note_id": n.id, "amount": n.amount }),
        )
        .await?;
        commit(tx).await?;
        Ok(n)
    }

    /// Links a request the member helped resolve: staff who keep the registration,
    /// for a resolved request of the member's community that they may see.
    pub async fn link_party_request(
        &self,
        actor: &Actor,
        member_id: i64,
        request_id: i64,
    ) -> AppResult<()> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let m = managed(&mut tx, actor, member_id).await?;
        let wrong =
            || AppError::invalid("request_id", "choose a resolved request of the community");
        let r = civicgrid_store::requests::get_request(
            &mut tx,
            civicgrid_domain::requests::RequestId(request_id),
        )
        .await
        .map_err(|_| wrong())?;
        if r.community_id != m.community_id
            || !actor.can(Permission::ViewRequests, &r.path)
            || r.resolved_at.is_none()
        {
            return Err(wrong());
        }
        if !repo::link_request(&mut tx, m.id, r.id.0, actor.user_id, now).await? {
            return Err(AppError::invalid(
                "request_id",
                "this request is linked already",
            ));
        }
        log(
            &mut tx,
            actor,
            &m,
            "party.link_request",
            None,
            serde_json::json!({ "request_id": r.id.0 }),
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// The actor's own registration and the pledges of `year` (default: this year).
    pub async fn my_party(&self, actor: &Actor, year: Option<i32>) -> AppResult<MyParty> {
        let mut conn = self.db.read().await?;
        let year = year.unwrap_or_else(|| chrono::Datelike::year(&today(now_ms())));
        let Some((resident, home)) = resident_home(&mut conn, actor).await? else {
            return Ok(MyParty {
                home: None,
                member: None,
                year,
                record: None,
            });
        };
        let member = repo::member_of_resident(&mut conn, resident).await?;
        let record = match &member {
            Some(m) if m.status == MemberStatus::Confirmed => {
                Some(year_record(&mut conn, m, year).await?)
            }
            _ => None,
        };
        Ok(MyParty {
            home: Some(home),
            member,
            year,
            record,
        })
    }

    /// Registrations where the actor follows party members, at `status` when given,
    /// newest first.
    pub async fn party_members(
        &self,
        actor: &Actor,
        status: Option<MemberStatus>,
    ) -> AppResult<Vec<MemberLine>> {
        require_somewhere(actor, Permission::ViewParty)?;
        let mut conn = self.db.read().await?;
        let mut all = Vec::new();
        for s in scopes(actor, Permission::ViewParty) {
            all.extend(repo::list_members(&mut conn, &s, status, LIST_MAX).await?);
        }
        all.sort_by_key(|m| std::cmp::Reverse(m.id));
        all.dedup_by_key(|m| m.id);
        all.truncate(LIST_MAX as usize);
        let mut names = Names::default();
        let mut out = Vec::with_capacity(all.len());
        for m in all {
            let grid = m.scope.ids().last().copied().unwrap_or(0);
            out.push(MemberLine {
                grid_name: names.of(&mut conn, grid).await?,
                m,
            });
        }
        Ok(out)
    }

    /// How many registrations wait for confirmation where the actor keeps them.
    pub async fn party_pending(&self, actor: &Actor) -> AppResult<i64> {
        let mut conn = self.db.read().await?;
        let mut n = 0;
        for s in scopes(actor, Permission::ManageParty) {
            n += repo::count_members(&mut conn, &s, MemberStatus::Pending).await?;
        }
        Ok(n)
    }

    /// One registration with the pledges of `year` and their fulfilment (the member,
    /// or who follows party members there; a look by staff is traced).
    pub async fn party_member(
        &self,
        actor: &Actor,
        id: i64,
        year: Option<i32>,
    ) -> AppResult<MemberView> {
        let year = year.unwrap_or_else(|| chrono::Datelike::year(&today(now_ms())));
        let mut tx = self.db.begin_write().await?;
        let mut m = in_sight(&mut tx, actor, id).await?;
        trace(&mut tx, actor, &m).await?;
        commit(tx).await?;
        let mut conn = self.db.read().await?;
        let record = year_record(&mut conn, &m, year).await?;
        let may_manage = actor.can(Permission::ManageParty, &m.scope);
        let link_choices = if may_manage && m.status == MemberStatus::Confirmed {
            let since = civicgrid_domain::care::party::year_bounds(year)
                .map_or(0, |(from, _)| day_start_ms(from));
            repo::resolved_unlinked(&mut conn, m.community_id, m.id, since, LINK_CHOICES).await?
        } else {
            Vec::new()
        };
        if !is_own(actor, &m) && !actor.can(Permission::ViewLedger, &m.scope) {
            m.name = civicgrid_domain::privacy::mask_name(&m.name);
        }
        let mut names = Names::default();
        let grid = m.scope.ids().last().copied().unwrap_or(0);
        Ok(MemberView {
            grid_name: names.of(&mut conn, grid).await?,
            community_name: names.of(&mut conn, m.community_id).await?,
            year,
            record,
            next_statuses: if may_manage {
                m.status.next().to_vec()
            } else {
                Vec::new()
            },
            may_manage,
            link_choices,
            m,
        })
    }

    /// The badge holders (党员示范岗) of the actor's community (a resident's home) or
    /// of the communities where they follow party members, with their pledges of the
    /// year.
    pub async fn party_badges(&self, actor: &Actor) -> AppResult<Vec<BadgeHolder>> {
        let mut conn = self.db.read().await?;
        let mut communities: Vec<i64> = Vec::new();
        if let Some((_, home)) = resident_home(&mut conn, actor).await? {
            communities.push(home.community_id);
        }
        for s in scopes(actor, Permission::ViewParty) {
            for id in community_ids_within(&mut conn, &s).await? {
                communities.push(id);
            }
        }
        communities.sort_unstable();
        communities.dedup();
        let year = chrono::Datelike::year(&today(now_ms()));
        let mut names = Names::default();
        let mut out = Vec::new();
        for c in communities {
            for m in repo::badge_holders(&mut conn, c).await? {
                let grid = m.scope.ids().last().copied().unwrap_or(0);
                out.push(BadgeHolder {
                    grid_name: names.of(&mut conn, grid).await?,
                    pledges: repo::pledges_of_member(&mut conn, m.id, year).await?,
                    name: m.name,
                    organisation: m.organisation,
                });
            }
        }
        Ok(out)
    }
}

/// The communities at or inside `scope`, or the one `scope` lies in.
async fn community_ids_within(conn: &mut AnyConnection, scope: &OrgPath) -> AppResult<Vec<i64>> {
    if let Some(c) = super::volunteers::community_of(conn, scope).await? {
        return Ok(vec![c.id]);
    }
    Ok(civicgrid_store::platform::org::subtree(conn, scope)
        .await?
        .into_iter()
        .filter(|n| n.kind == civicgrid_domain::platform::org::NodeKind::Community)
        .map(|n| n.id)
        .collect())
}
