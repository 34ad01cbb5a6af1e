//! Welfare-check campaigns (逐户排查) of a running emergency: staff target every
//! household of the community or one grid — or those with a member holding given care
//! tags — with a deadline, split by building among checkers; each checker works their
//! list in walking order on a phone; every check is recorded once however often it is
//! sent; the board shows progress per building with what climbed past its time, and
//! staff hand a slow building to someone else. A household found needing help gets a
//! request, and — when the checker chose items the community's depot keeps — a
//! material request, both in the check's transaction. Households still unchecked climb
//! onto the home pages of the grid worker and then the community's staff. See
//! [`civicgrid_domain::emergency::checks`] for the rules.
//!
//! Who may: [`Permission::ManageEmergency`] at the community starts campaigns and
//! reassigns buildings; whoever follows the emergency reads the board; a household is
//! checked by its checker, by the grid worker of its grid, or by staff who manage the
//! emergency — which also lets them raise its material request, whether or not they
//! follow materials (a volunteer checker does not). Starting and reassigning are
//! audited, and so is a material request raised; checks are kept in their own log.

use civicgrid_domain::emergency::checks::{
    BuildingState, Escalation, Need, Outcome, building_state, check_help_items, check_hours,
    check_report, check_started_at, escalation, help_item_kinds, split_by_building, walking_key,
};
use civicgrid_domain::emergency::materials::{Line, Source, check_lines};
use civicgrid_domain::platform::access::{Actor, Permission, Role};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::emergency::checks::{self as repo, CheckRecord, Progress};

pub use civicgrid_store::emergency::checks::{CampaignRecord, HelpItem, HelpNeeded, TargetRecord};
use civicgrid_store::emergency::modes as modes_repo;
pub use civicgrid_store::platform::org::OrgNode;
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
    /// When the checks began on the ground, if before it is entered (the deadline
    /// counts from then); none: now.
    pub started_at: Option<i64>,
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
    /// Items of the community's depot the household needs (medicine, food, water):
    /// raised as a material request with the check. Empty: none.
    pub items: Vec<Line>,
}

/// A building's line of the board.
#[derive(Debug, Clone)]
pub struct BuildingProgress {
    pub p: Progress,
    pub checker_name: String,
    pub grid_name: String,
    /// How it stands on the map.
    pub state: BuildingState,
}

/// A household the board lists as needing help, with links the reader may follow.
#[derive(Debug, Clone)]
pub struct HelpLine {
    pub h: HelpNeeded,
    /// The request the check raised, if the reader may see requests there.
    pub request_id: Option<i64>,
    /// The material request the check raised, if the reader follows materials there.
    pub material_request_id: Option<i64>,
}

/// A campaign whose unchecked households have climbed to the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Climb {
    pub campaign_id: i64,
    /// The emergency it belongs to.
    pub activation_id: i64,
    pub title: String,
    pub deadline_at: i64,
    /// Households still to check in the reader's grid (a grid worker) or the whole
    /// campaign (staff).
    pub remaining: i64,
    /// Who the reader is to it: [`Escalation::GridWorker`] or [`Escalation::Staff`].
    pub to: Escalation,
    /// The reader's grid (a grid worker bound to one grid).
    pub grid_id: Option<i64>,
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
    /// Households found needing help (the first [`HELP_LIST_MAX`]).
    pub help: Vec<HelpLine>,
    /// The grids of the campaign's buildings, with their boundaries for the map.
    pub grids: Vec<OrgNode>,
}

/// The most households needing help a board lists.
pub const HELP_LIST_MAX: i64 = 200;

/// A campaign as a checker works it.
#[derive(Debug, Clone)]
pub struct CheckerList {
    pub c: CampaignRecord,
    pub community_name: String,
    pub to_check: Vec<TargetRecord>,
    pub done: Vec<TargetRecord>,
    /// Items the community's depots hold that a check may ask for (none: no depot, or
    /// nothing of the kinds a check asks for in stock).
    pub items: Vec<HelpItem>,
}

/// The note of a material request a check raises: what the household needs, and the
/// checker's note, within a request note's length.
fn help_note(needs: &[Need], note: &str) -> String {
    let what = needs
        .iter()
        .map(|n| n.label_zh())
        .collect::<Vec<_>>()
        .join("、");
    let text = if note.is_empty() {
        format!("逐户排查：需要{what}")
    } else {
        format!("逐户排查：需要{what}。{note}")
    };
    text.chars()
        .take(civicgrid_domain::emergency::materials::MAX_TEXT_CHARS)
        .collect()
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
        let starts_at = match n.started_at {
            Some(at) => check_started_at(at, now).map_err(domain_error)?,
            None => now,
        };
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
            starts_at,
            deadline_at: starts_at + hours * 3_600_000,
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
        let mut grid_nodes: Vec<OrgNode> = Vec::new();
        for p in &progress {
            grid_names.push(grids.of(&mut conn, p.grid_id).await?);
            if !grid_nodes.iter().any(|g| g.id == p.grid_id)
                && let Ok(g) = org::get(&mut conn, p.grid_id).await
            {
                grid_nodes.push(g);
            }
        }
        let climbed_to = escalation(c.starts_at, c.deadline_at, now_ms());
        let mut help = Vec::new();
        for h in repo::needing_help(&mut conn, c.id, HELP_LIST_MAX).await? {
            let at = match grid_nodes.iter().find(|g| g.id == h.grid_id) {
                Some(g) => g.path.clone(),
                None => org::get(&mut conn, h.grid_id).await?.path,
            };
            help.push(HelpLine {
                request_id: h
                    .request_id
                    .filter(|_| actor.can(Permission::ViewRequests, &at)),
                material_request_id: h.material_request_id.filter(|_| {
                    actor.can(Permission::ViewMaterials, &at)
                        || actor.can(Permission::ManageMaterials, &at)
                }),
                h,
            });
        }
        let sum = |f: fn(&Progress) -> i64| progress.iter().map(f).sum::<i64>();
        Ok(CampaignBoard {
            total: sum(|p| p.total),
            checked: sum(|p| p.checked),
            needing_help: sum(|p| p.needing_help),
            unreached: sum(|p| p.unreached),
            climbed_to,
            buildings: progress
                .into_iter()
                .zip(grid_names)
                .map(|(p, grid_name)| BuildingProgress {
                    checker_name: name(p.checker_id),
                    grid_name,
                    state: building_state(p.total, p.checked, p.needing_help, climbed_to),
                    p,
                })
                .collect(),
            checkers: if may_manage { people } else { Vec::new() },
            may_manage,
            help,
            grids: grid_nodes,
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
            let items = repo::help_items(&mut conn, c.community_id, &help_item_kinds())
                .await?
                .into_iter()
                .filter(|i| i.on_hand > 0)
                .collect();
            out.push(CheckerList {
                items,
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
        let items = self.help_lines(&c, check).await?;
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
                note: note.clone(),
                checked_by: actor.user_id,
                checked_at: now,
                client_key: key.to_owned(),
                request_id: request_id.map(|r| r.0),
            },
        )
        .await?;
        // The items asked for: a material request from the check, which the actor
        // may raise for being allowed to check the household.
        if !items.is_empty() {
            let h = civicgrid_store::emergency::materials::household_facts(&mut tx, t.household_id)
                .await
                .map_err(|_| AppError::NotFound("household"))?;
            super::materials::write_request(
                &mut tx,
                actor,
                &h,
                &items,
                Source::WelfareCheck(id),
                &help_note(&check.needs, &note),
            )
            .await?;
        }
        commit(tx).await?;
        if let (Some(prepared), Some(rid)) = (request, request_id) {
            let rec = prepared.pending.rec.clone();
            self.request_written(&rec, prepared.submitted, prepared.utc_offset_minutes, rid);
        }
        Ok(id)
    }

    /// The items a check asks for, checked: of kinds its needs call for, kept by a depot
    /// of the campaign's community (field `check_items`).
    async fn help_lines(&self, c: &CampaignRecord, check: &NewCheck) -> AppResult<Vec<Line>> {
        if check.items.is_empty() {
            return Ok(Vec::new());
        }
        let stocked = {
            let mut conn = self.db.read().await?;
            repo::help_items(&mut conn, c.community_id, &help_item_kinds()).await?
        };
        let mut kinds = Vec::with_capacity(check.items.len());
        for l in &check.items {
            match stocked.iter().find(|i| i.id == l.item_id) {
                Some(i) => kinds.push(i.kind),
                None => {
                    return Err(AppError::invalid(
                        "check_items",
                        "choose items the community's depot keeps",
                    ));
                }
            }
        }
        check_help_items(check.outcome, &check.needs, &kinds).map_err(domain_error)?;
        check_lines(&check.items).map_err(|e| AppError::invalid("check_items", e.message))
    }

    /// The campaigns whose unchecked households have climbed to the actor: as a grid
    /// worker, those of their grid once half the time is gone; as community staff,
    /// the whole campaign in its last quarter. One read per assignment.
    pub async fn unchecked_climbs(&self, actor: &Actor) -> AppResult<Vec<Climb>> {
        let now = now_ms();
        let mut out: Vec<Climb> = Vec::new();
        let mut conn = None;
        for a in &actor.assignments {
            let to = match a.role {
                Role::GridWorker => Escalation::GridWorker,
                Role::CommunityStaff => Escalation::Staff,
                _ => continue,
            };
            let conn = match &mut conn {
                Some(c) => c,
                None => conn.insert(self.db.read().await?),
            };
            for u in repo::unchecked_within(conn, &a.path).await? {
                if !escalation(u.starts_at, u.deadline_at, now).reaches(to) {
                    continue;
                }
                match out
                    .iter_mut()
                    .find(|l| l.campaign_id == u.campaign_id && l.to == to)
                {
                    Some(l) => l.remaining += u.remaining,
                    None => out.push(Climb {
                        campaign_id: u.campaign_id,
                        activation_id: u.activation_id,
                        title: u.title,
                        deadline_at: u.deadline_at,
                        remaining: u.remaining,
                        to,
                        // Bound to one grid: the board can show just that grid.
                        grid_id: (to == Escalation::GridWorker && u.grid_id == a.node_id)
                            .then_some(a.node_id),
                    }),
                }
            }
        }
        Ok(out)
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
