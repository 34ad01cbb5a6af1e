//! Volunteer teams (志愿服务队) of a community, with leaders among their members (see
//! [`civicgrid_domain::care::teams`]). [`Permission::ManageVolunteers`] at the
//! community creates teams and changes their members; [`Permission::ViewVolunteers`]
//! there sees them. Members are verified volunteers living in or covering the
//! community.

use civicgrid_domain::care::teams::TeamSpec;
use civicgrid_domain::care::volunteers::Status;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::{NodeKind, OrgPath};
use civicgrid_domain::privacy::mask_name;
use civicgrid_store::care::teams::{self as repo, TeamRecord};
use civicgrid_store::care::volunteers::{self as vol_repo, VolunteerRecord};
use civicgrid_store::platform::org;
use civicgrid_store::{AnyConnection, commit, now_ms};

pub use civicgrid_store::care::teams::TeamRecord as Team;

use super::volunteers::domain_error;
use crate::authz::{Change, record, require_in_sight, require_somewhere};
use crate::{App, AppError, AppResult};

/// A change to a team's members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    Add,
    /// Made a leader (added first if not a member).
    Lead,
    /// No longer a leader, still a member.
    Unlead,
    Remove,
}

impl MemberChange {
    pub fn parse(raw: &str) -> Option<MemberChange> {
        match raw.trim() {
            "add" => Some(MemberChange::Add),
            "lead" => Some(MemberChange::Lead),
            "unlead" => Some(MemberChange::Unlead),
            "remove" => Some(MemberChange::Remove),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            MemberChange::Add => "add",
            MemberChange::Lead => "lead",
            MemberChange::Unlead => "unlead",
            MemberChange::Remove => "remove",
        }
    }
}

/// A team on a list.
#[derive(Debug, Clone)]
pub struct TeamLine {
    pub team: TeamRecord,
    pub community_name: String,
    pub members: usize,
    pub leaders: Vec<String>,
}

/// A team with its members and, for who manages it, the volunteers who may join.
#[derive(Debug, Clone)]
pub struct TeamView {
    pub team: TeamRecord,
    pub community_name: String,
    /// Members, leaders first, and whether they lead.
    pub members: Vec<(VolunteerRecord, bool)>,
    pub candidates: Vec<VolunteerRecord>,
    pub may_manage: bool,
}

async fn load(conn: &mut AnyConnection, id: i64) -> AppResult<TeamRecord> {
    repo::get_team(conn, id)
        .await
        .map_err(|_| AppError::NotFound("team"))
}

async fn members(conn: &mut AnyConnection, team: i64) -> AppResult<Vec<(VolunteerRecord, bool)>> {
    let mut out = Vec::new();
    for m in repo::members_of(conn, team).await? {
        out.push((
            vol_repo::get_volunteer(conn, m.volunteer_id).await?,
            m.leader != 0,
        ));
    }
    Ok(out)
}

/// Whether `v` belongs to `team`'s community (lives there or covers it).
fn of_community(team: &TeamRecord, v: &VolunteerRecord) -> bool {
    v.community_id == team.community_id || v.area.is_within(&team.scope)
}

impl App {
    /// Creates a team in a community the actor manages.
    pub async fn create_team(
        &self,
        actor: &Actor,
        community_id: i64,
        spec: TeamSpec,
    ) -> AppResult<TeamRecord> {
        let spec = spec.check().map_err(domain_error)?;
        require_somewhere(actor, Permission::ManageVolunteers)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let wrong = || AppError::invalid("community_id", "choose a community you run");
        let node = org::get(&mut tx, community_id).await.map_err(|_| wrong())?;
        if node.kind != NodeKind::Community || !actor.can(Permission::ManageVolunteers, &node.path)
        {
            return Err(wrong());
        }
        let mut t = TeamRecord {
            id: 0,
            community_id: node.id,
            scope: node.path.clone(),
            name: spec.name,
            kind: spec.kind,
            note: spec.note,
            created_by: actor.user_id,
            created_at: now,
        };
        t.id = repo::insert_team(&mut tx, &t).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "team.create",
                target_type: "team",
                target_id: t.id.to_string(),
                scope: Some(&t.scope),
                reason: None,
                details: serde_json::json!({ "name": t.name, "team_kind": t.kind.code() }),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(t)
    }

    /// Adds a volunteer to a team, makes them a leader or not, or removes them.
    pub async fn change_team_member(
        &self,
        actor: &Actor,
        team_id: i64,
        volunteer_id: i64,
        change: MemberChange,
    ) -> AppResult<()> {
        require_somewhere(actor, Permission::ManageVolunteers)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let t = load(&mut tx, team_id).await?;
        require_in_sight(
            actor,
            Permission::ManageVolunteers,
            Permission::ViewVolunteers,
            &t.scope,
            || AppError::NotFound("team"),
        )?;
        let wrong = || {
            AppError::invalid(
                "volunteer_id",
                "choose a verified volunteer of this community",
            )
        };
        let v = vol_repo::get_volunteer(&mut tx, volunteer_id)
            .await
            .map_err(|_| wrong())?;
        let member = repo::members_of(&mut tx, t.id)
            .await?
            .iter()
            .any(|m| m.volunteer_id == v.id);
        match change {
            MemberChange::Add | MemberChange::Lead => {
                if !member && (v.status != Status::Verified || !of_community(&t, &v)) {
                    return Err(wrong());
                }
                if member && change == MemberChange::Add {
                    return Err(AppError::invalid(
                        "volunteer_id",
                        "already a member of this team",
                    ));
                }
                repo::put_member(&mut tx, t.id, v.id, change == MemberChange::Lead, now).await?;
            }
            MemberChange::Unlead | MemberChange::Remove => {
                if !member {
                    return Err(AppError::invalid(
                        "volunteer_id",
                        "not a member of this team",
                    ));
                }
                if change == MemberChange::Remove {
                    repo::remove_member(&mut tx, t.id, v.id).await?;
                } else {
                    repo::put_member(&mut tx, t.id, v.id, false, now).await?;
                }
            }
        }
        record(
            &mut tx,
            actor,
            Change {
                action: "team.member",
                target_type: "team",
                target_id: t.id.to_string(),
                scope: Some(&t.scope),
                reason: None,
                details: serde_json::json!({
                    "name": t.name, "volunteer": mask_name(&v.name), "change": change.code(),
                }),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(())
    }

    /// The teams where the actor sees volunteering, by name.
    pub async fn teams(&self, actor: &Actor) -> AppResult<Vec<TeamLine>> {
        require_somewhere(actor, Permission::ViewVolunteers)?;
        let mut conn = self.db.read().await?;
        let scopes = actor
            .scopes(Permission::ViewVolunteers)
            .unwrap_or_else(|| vec![OrgPath::from_stored(String::new())]);
        let mut all: Vec<TeamRecord> = Vec::new();
        for s in &scopes {
            all.extend(repo::list_teams(&mut conn, s).await?);
        }
        // A grid worker sees the teams of their grid's community.
        for s in &scopes {
            if let Some(c) = super::volunteers::community_of(&mut conn, s).await?
                && c.path != *s
            {
                all.extend(repo::list_teams(&mut conn, &c.path).await?);
            }
        }
        all.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        all.dedup_by_key(|t| t.id);
        let mut names = super::volunteers::Names::default();
        let mut out = Vec::with_capacity(all.len());
        for t in all {
            let m = members(&mut conn, t.id).await?;
            out.push(TeamLine {
                community_name: names.of(&mut conn, t.community_id).await?,
                members: m.len(),
                leaders: m
                    .into_iter()
                    .filter(|(_, l)| *l)
                    .map(|(v, _)| v.name)
                    .collect(),
                team: t,
            });
        }
        Ok(out)
    }

    /// One team with its members.
    pub async fn team(&self, actor: &Actor, id: i64) -> AppResult<TeamView> {
        require_somewhere(actor, Permission::ViewVolunteers)?;
        let mut conn = self.db.read().await?;
        let t = load(&mut conn, id).await?;
        let sees = actor.can(Permission::ViewVolunteers, &t.scope)
            || actor
                .scopes(Permission::ViewVolunteers)
                .unwrap_or_default()
                .iter()
                .any(|s| s.is_within(&t.scope));
        if !sees {
            return Err(AppError::NotFound("team"));
        }
        let may_manage = actor.can(Permission::ManageVolunteers, &t.scope);
        let members = members(&mut conn, t.id).await?;
        let mut candidates = Vec::new();
        if may_manage {
            let filter = vol_repo::Filter {
                status: Some(Status::Verified),
                skill: None,
            };
            for v in vol_repo::list_volunteers(&mut conn, &t.scope, &filter, 500).await? {
                if !members.iter().any(|(m, _)| m.id == v.id) {
                    candidates.push(v);
                }
            }
            candidates.sort_by(|a, b| a.name.cmp(&b.name));
        }
        let community_name = org::get(&mut conn, t.community_id).await?.name_zh;
        Ok(TeamView {
            team: t,
            community_name,
            members,
            candidates,
            may_manage,
        })
    }
}
