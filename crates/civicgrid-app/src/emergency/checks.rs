//! Welfare-check campaigns (逐户排查) of a running emergency: staff target every
//! household of the community or one grid — or those with a member holding given care
//! tags — with a deadline, split by building among checkers; each checker works their
//! list in walking order on a phone; every check is recorded once however often it is
//! sent; the board shows progress per building with what climbed past its time, and
//! staff hand a slow building to someone else. See
//! [`civicgrid_domain::emergency::checks`] for the rules.
//!
//! Who may: [`Permission::ManageEmergency`] at the community starts campaigns and
//! reassigns buildings; whoever follows the emergency reads the board; a household is
//! checked by its checker, by the grid worker of its grid, or by staff who manage the
//! emergency. Starting and reassigning are audited; checks are kept in their own log.

use civicgrid_domain::emergency::checks::{
    Escalation, Need, Outcome, check_hours, check_report, escalation, split_by_building,
    walking_key,
};
use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::emergency::checks::{self as repo, CheckRecord, Progress};

pub use civicgrid_store::emergency::checks::{CampaignRecord, TargetRecord};
use civicgrid_store::emergency::modes as modes_repo;
use civicgrid_store::platform::{accounts, org};
use civicgrid_store::{AnyConnection, commit, now_ms};

use super::modes::follows;
use super::plans::domain_error;
use crate::authz::{Change, record, require_somewhere};
use crate::{App, AppError, AppResult};

/// What starting a campaign says.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub activation_id: i64,
    /// The community, or one of its grids.
    pub node_id: i64,
    /// Care tags (age tags included); empty: every household.
    pub tags: Vec<String>,
    pub hours: i64,
    /// Who checks: accounts serving the community.
    pub checkers: Vec<i64>,
}

/// A check as a checker sends it.
#[derive(Debug, Clone)]
pub struct NewCheck {
    pub household_id: i64,
    pub outcome: Outcome,
    pub needs: Vec<Need>,
    pub note: String,
    /// The key the form carried: a retry sends the same and is recorded once.
    pub client_key: String,
}

/// A building's line of the board.
#[derive(Debug, Clone)]
pub struct BuildingProgress {
    pub p: Progress,
    pub checker_name: String,
    pub grid_name: String,
}

/// The live board of a campaign.
#[derive(Debug, Clone)]
pub struct CampaignBoard {
    pub c: CampaignRecord,
    pub buildings: Vec<BuildingProgress>,
    pub total: i64,
    pub checked: i64,
    pub needing_help: i64,
    pub unreached: i64,
    /// Where the households still to check have climbed now.
    pub climbed_to: Escalation,
    pub may_manage: bool,
    /// (user id, name) who may take over a building.
    pub checkers: Vec<(i64, String)>,
}

/// A campaign as a checker works it.
#[derive(Debug, Clone)]
pub struct CheckerList {
    pub c: CampaignRecord,
    pub community_name: String,
    pub to_check: Vec<TargetRecord>,
    pub done: Vec<TargetRecord>,
}

fn gone() -> AppError {
    AppError::NotFound("campaign")
}

/// Accounts serving the community at `scope` who may go door to door — grid workers,
/// volunteers and community staff —, by name.
pub(crate) async fn serving(
    conn: &mut AnyConnection,
    scope: &civicgrid_domain::platform::org::OrgPath,
) -> AppResult<Vec<(i64, String)>> {
    let users = accounts::list_users(conn, Some(std::slice::from_ref(scope)), None, 500, 0).await?;
    let mut out = Vec::new();
    for u in users.into_iter().filter(|u| u.active) {
        let staff = accounts::assignments_of(conn, u.id).await?.iter().any(|a| {
            matches!(
                a.assignment.role,
                Role::GridWorker | Role::Volunteer | Role::CommunityStaff | Role::StreetAdmin
            )
        });
        if staff {
            out.push((u.id, u.display_name));
        }
    }
    Ok(out)
}

/// The birth year-month by which someone holds an age tag of `tags` (the youngest
/// such age), if any is named.
fn born_by(tags: &[String]) -> Option<i64> {
    let d = chrono::Utc::now().date_naive();
    let today =
        i64::from(chrono::Datelike::year(&d)) * 100 + i64::from(chrono::Datelike::month(&d));
    civicgrid_domain::ledger::tags::AGE_TAGS
        .iter()
        .filter(|(code, _, _, min, max)| {
            *max == i32::MAX && *min > 0 && tags.iter().any(|t| t == code)
        })
        .map(|(_, _, _, min, _)| today - 100 * i64::from(*min))
        .max()
}

impl App {
    /// Starts a campaign of a running emergency; returns it with how many households
    /// it targets.
    pub async fn start_welfare_campaign(
        &self,
        actor: &Actor,
        n: &NewCampaign,
    ) -> AppResult<(CampaignRecord, usize)> {
        require_somewhere(actor, Permission::ManageEmergency)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let a = modes_repo::get_activation(&mut tx, n.activation_id)
            .await
            .map_err(|_| AppError::NotFound("emergency"))?;
        crate::authz::require_in_sight(
            actor,
            Permission::ManageEmergency,
            Permission::ViewEmergency,
            &a.scope,
            || AppError::NotFound("emergency"),
        )?;
        if a.ended_at.is_some() {
            return Err(AppError::invalid(
                "campaign_node",
                "this emergency has ended",
            ));
        }
        let hours = check_hours(n.hours).map_err(domain_error)?;
        let wrong =
            || AppError::invalid("campaign_node", "choose the community or one of its grids");
        let node = org::get(&mut tx, n.node_id).await.map_err(|_| wrong())?;
        if !node.path.is_within(&a.scope)
            || !matches!(node.kind, NodeKind::Community | NodeKind::Grid)
        {
            return Err(wrong());
        }
        let allowed = serving(&mut tx, &a.scope).await?;
        if n.checkers.is_empty()
            || n.checkers
                .iter()
                .any(|c| !allowed.iter().any(|(id, _)| id == c))
        {
            return Err(AppError::invalid(
                "checkers",
                "choose at least one checker serving the community",
            ));
        }
        let mut tags = n.tags.clone();
        tags.sort();
        tags.dedup();
        let found = repo::candidates(&mut tx, &node.path, &tags, born_by(&tags)).await?;
        if found.is_empty() {
            return Err(AppError::invalid("campaign_tags", "no household matches"));
        }
        let mut per_building: Vec<(i64, usize)> = Vec::new();
        for c in &found {
            match per_building.iter_mut().find(|(b, _)| *b == c.building_id) {
                Some(e) => e.1 += 1,
                None => per_building.push((c.building_id, 1)),
            }
        }
        let split = split_by_building(&per_building, &n.checkers);
        let targets: Vec<_> = found
            .into_iter()
            .map(|c| {
                // Grid by grid, then as people walk a grid's buildings.
                let key = format!(
                    "{:012}|{}",
                    c.grid_id,
                    walking_key(&c.building, &c.unit, c.floor, &c.room)
                );
                let checker = split
                    .iter()
                    .find(|(b, _)| *b == c.building_id)
                    .map(|(_, u)| *u);
                (c, key, checker)
            })
            .collect();
        let mut camp = CampaignRecord {
            id: 0,
            activation_id: a.id,
            community_id: a.community_id,
            node_id: node.id,
            scope_path: node.path.as_str().to_owned(),
            title: format!("{}逐户排查", node.name_zh),
            tags: civicgrid_domain::care::volunteers::join_codes(tags.iter().map(String::as_str)),
            starts_at: now,
            deadline_at: now + hours * 3_600_000,
            created_by: actor.user_id,
            closed_at: None,
        };
        camp.id = repo::insert_campaign(&mut tx, &camp).await?;
        repo::insert_targets(&mut tx, camp.id, &targets).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "emergency.campaign",
                target_type: "welfare_campaign",
                target_id: camp.id.to_string(),
                scope: Some(&a.scope),
                reason: None,
                details: serde_json::json!({ "households": targets.len(), "hours": hours,
                                            "checkers": n.checkers.len(), "tag_count": tags.len() }),
            },
        )
        .await?;
        commit(tx).await?;
        Ok((camp, targets.len()))
    }

    /// The campaigns of an activation (who follows it).
    pub async fn welfare_campaigns(
        &self,
        actor: &Actor,
        activation_id: i64,
    ) -> AppResult<Vec<CampaignRecord>> {
        let mut conn = self.db.read().await?;
        let a = modes_repo::get_activation(&mut conn, activation_id)
            .await
            .map_err(|_| AppError::NotFound("emergency"))?;
        if !follows(actor, &a.scope) {
            return Err(AppError::NotFound("emergency"));
        }
        Ok(repo::campaigns_of(&mut conn, a.id).await?)
    }

    /// The live board of a campaign.
    pub async fn welfare_board(&self, actor: &Actor, id: i64) -> AppResult<CampaignBoard> {
        let mut conn = self.db.read().await?;
        let c = repo::get_campaign(&mut conn, id)
            .await
            .map_err(|_| gone())?;
        let community = org::get(&mut conn, c.community_id).await?;
        if !follows(actor, &community.path) {
            return Err(gone());
        }
        let may_manage = actor.can(Permission::ManageEmergency, &community.path);
        let people = serving(&mut conn, &community.path).await?;
        let name = |id: Option<i64>| {
            id.and_then(|u| people.iter().find(|(p, _)| *p == u))
                .map(|(_, n)| n.clone())
                .unwrap_or_default()
        };
        let progress = repo::progress(&mut conn, c.id).await?;
        let mut grids = super::super::care::volunteers::Names::default();
        let mut grid_names = Vec::with_capacity(progress.len());
        for p in &progress {
            grid_names.push(grids.of(&mut conn, p.grid_id).await?);
        }
        let sum = |f: fn(&Progress) -> i64| progress.iter().map(f).sum::<i64>();
        Ok(CampaignBoard {
            total: sum(|p| p.total),
            checked: sum(|p| p.checked),
            needing_help: sum(|p| p.needing_help),
            unreached: sum(|p| p.unreached),
            climbed_to: escalation(c.starts_at, c.deadline_at, now_ms()),
            buildings: progress
                .into_iter()
                .zip(grid_names)
                .map(|(p, grid_name)| BuildingProgress {
                    checker_name: name(p.checker_id),
                    grid_name,
                    p,
                })
                .collect(),
            checkers: if may_manage { people } else { Vec::new() },
            may_manage,
            c,
        })
    }

    /// The households of a building of a campaign, for the board (who follows it).
    pub async fn welfare_building(
        &self,
        actor: &Actor,
        id: i64,
        building_id: i64,
    ) -> AppResult<Vec<TargetRecord>> {
        let mut conn = self.db.read().await?;
        let c = repo::get_campaign(&mut conn, id)
            .await
            .map_err(|_| gone())?;
        let community = org::get(&mut conn, c.community_id).await?;
        if !follows(actor, &community.path) {
            return Err(gone());
        }
        Ok(repo::building_list(&mut conn, c.id, building_id).await?)
    }

    /// The actor's lists: each open campaign where they check households.
    pub async fn my_welfare_checks(&self, actor: &Actor) -> AppResult<Vec<CheckerList>> {
        let Some(me) = actor.user_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.db.read().await?;
        let mut out = Vec::new();
        for c in repo::campaigns_of_checker(&mut conn, me).await? {
            let all = repo::checker_list(&mut conn, c.id, me, false).await?;
            let (done, to_check): (Vec<_>, Vec<_>) = all.into_iter().partition(|t| t.checked);
            out.push(CheckerList {
                community_name: org::get(&mut conn, c.community_id).await?.name_zh,
                to_check,
                done,
                c,
            });
        }
        Ok(out)
    }

    /// Records a check of a household. Sent again with the same key, it is recorded
    /// once and answers the same.
    pub async fn record_welfare_check(
        &self,
        actor: &Actor,
        campaign_id: i64,
        check: &NewCheck,
    ) -> AppResult<i64> {
        let now = now_ms();
        let (c, t) = {
            let mut conn = self.db.read().await?;
            let c = repo::get_campaign(&mut conn, campaign_id)
                .await
                .map_err(|_| gone())?;
            let t = repo::get_target(&mut conn, c.id, check.household_id)
                .await
                .map_err(|_| AppError::NotFound("household"))?;
            let grid = org::get(&mut conn, t.grid_id).await?;
            let community = org::get(&mut conn, c.community_id).await?;
            let checker = actor.user_id.is_some() && t.checker_id == actor.user_id;
            let grid_worker = actor
                .assignments
                .iter()
                .any(|a| a.role == Role::GridWorker && grid.path.is_within(&a.path));
            if !(checker || grid_worker || actor.can(Permission::ManageEmergency, &community.path))
            {
                return Err(if follows(actor, &community.path) {
                    AppError::Forbidden
                } else {
                    AppError::NotFound("household")
                });
            }
            (c, t)
        };
        let key = check.client_key.trim();
        if key.is_empty() || key.len() > 64 {
            return Err(AppError::invalid("client_key", "send the form's key"));
        }
        {
            let mut conn = self.db.read().await?;
            if let Some(id) = repo::check_by_key(&mut conn, c.id, key).await? {
                return Ok(id);
            }
        }
        let note = check_report(check.outcome, &check.needs, &check.note).map_err(domain_error)?;
        // "Needs help" raises a request for the household, in the same transaction.
        let request = if check.outcome == Outcome::NeedsHelp {
            Some(
                self.prepare_help_request(actor, &t, &check.needs, &note)
                    .await?,
            )
        } else {
            None
        };
        let mut tx = self.db.begin_write().await?;
        if let Some(id) = repo::check_by_key(&mut tx, c.id, key).await? {
            return Ok(id);
        }
        let request_id = match &request {
            Some(prepared) => Some(Self::write_prepared_request(&mut tx, prepared).await?),
            None => None,
        };
        let id = repo::record_check(
            &mut tx,
            &CheckRecord {
                id: 0,
                campaign_id: c.id,
                household_id: t.household_id,
                outcome: check.outcome,
                needs: check.needs.clone(),
                note,
                checked_by: actor.user_id,
                checked_at: now,
                client_key: key.to_owned(),
                request_id: request_id.map(|r| r.0),
            },
        )
        .await?;
        commit(tx).await?;
        if let (Some(prepared), Some(rid)) = (request, request_id) {
            let rec = prepared.pending.rec.clone();
            self.request_written(&rec, prepared.submitted, prepared.utc_offset_minutes, rid);
        }
        Ok(id)
    }

    /// The request a "needs help" check raises for its household: in the category the
    /// first need falls under (a repair or an evacuation is a safety matter), located
    /// at the household's room, taken as on patrol.
    async fn prepare_help_request(
        &self,
        actor: &Actor,
        t: &TargetRecord,
        needs: &[Need],
        note: &str,
    ) -> AppResult<crate::requests::intake::PreparedRequest> {
        let room_id = {
            let mut conn = self.db.read().await?;
            civicgrid_store::ledger::get_household(&mut conn, t.household_id)
                .await?
                .room_id
        };
        let category = match needs.first() {
            Some(Need::Repair) => "repairs_electricity",
            Some(Need::Evacuation) => "safety_hazard",
            _ => "other",
        };
        let what = needs
            .iter()
            .map(|n| n.label_zh())
            .collect::<Vec<_>>()
            .join("、");
        let description = if note.is_empty() {
            format!("逐户排查：需要{what}")
        } else {
            format!("逐户排查：需要{what}。{note}")
        };
        self.prepare_request(
            actor,
            crate::requests::intake::NewRequest {
                channel: civicgrid_domain::requests::Channel::Patrol,
                category: Some(category.to_owned()),
                description,
                grid_id: Some(t.grid_id),
                building_id: None,
                room_id: Some(room_id),
                point: None,
                address: String::new(),
                on_behalf: None,
                public: false,
                received_at: None,
            },
            true,
        )
        .await
    }

    /// Hands every household of a building of the campaign to another checker.
    pub async fn reassign_welfare_building(
        &self,
        actor: &Actor,
        campaign_id: i64,
        building_id: i64,
        checker_id: i64,
    ) -> AppResult<u64> {
        require_somewhere(actor, Permission::ManageEmergency)?;
        let mut tx = self.db.begin_write().await?;
        let c = repo::get_campaign(&mut tx, campaign_id)
            .await
            .map_err(|_| gone())?;
        let community = org::get(&mut tx, c.community_id).await?;
        crate::authz::require_in_sight(
            actor,
            Permission::ManageEmergency,
            Permission::ViewEmergency,
            &community.path,
            gone,
        )?;
        let people = serving(&mut tx, &community.path).await?;
        if !people.iter().any(|(id, _)| *id == checker_id) {
            return Err(AppError::invalid(
                "checker_id",
                "choose someone serving the community",
            ));
        }
        let n = repo::reassign_building(&mut tx, c.id, building_id, checker_id).await?;
        if n == 0 {
            return Err(AppError::invalid(
                "building_id",
                "no household of this building is in the campaign",
            ));
        }
        record(
            &mut tx,
            actor,
            Change {
                action: "emergency.reassign",
                target_type: "welfare_campaign",
                target_id: c.id.to_string(),
                scope: Some(&community.path),
                reason: None,
                details: serde_json::json!({ "building_id": building_id, "checker_id": checker_id,
                                            "households": n }),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(n)
    }
}
