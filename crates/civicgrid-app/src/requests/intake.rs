//! Raising a request, from every channel, with routing, deadlines and duplicate
//! suggestions on intake; and the suggested category for free text.

use std::sync::Arc;
use std::time::{Duration, Instant};

use civicgrid_domain::ledger::phone::Phone;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_domain::requests::classifier::{Choices, Classifier};
use civicgrid_domain::requests::routing::route_or_default;
use civicgrid_domain::requests::similarity::{
    Candidate, SimilarRequest, Summary, suggest_duplicates,
};
use civicgrid_domain::requests::sla::{Deadlines, EscalationLevel, Targets};
use civicgrid_domain::requests::{Channel, RequestId, Routed, Status, validate_description};
use civicgrid_store::requests::{self as repo, CandidateRow, RequestRecord};
use civicgrid_store::{AnyConnection, commit, ledger, now_ms, platform::org};

use super::intake_cache::{IntakeCache, KnownCandidate, LazyRead};
use super::settings::{RequestPolicy, load_rules};
use super::{Step, group_commit, public_number, set_clock};
use crate::authz::{require_in_sight, require_somewhere};
use crate::{App, AppError, AppResult};

/// How long a community's trained classifier is reused before it is trained again.
pub const CLASSIFIER_TTL: Duration = Duration::from_secs(3600);
/// How many of a community's latest requests the classifier learns from.
pub const CLASSIFIER_SAMPLES: i64 = 5000;
/// How many recent requests of the community are compared with a new one.
pub const DUPLICATE_CANDIDATES: i64 = 300;
/// How long before its entry a request taken by staff may have been received.
pub const MAX_RECEIVED_AGO_MS: i64 = 30 * 24 * 3600 * 1000;

/// Who a request is for, when staff take it for a resident (phone, walk-in).
#[derive(Debug, Clone, Default)]
pub struct OnBehalf {
    /// The resident's account, if they have one (they then follow it online).
    pub user_id: Option<i64>,
    /// The resident's ledger record, if known.
    pub resident_id: Option<i64>,
    /// Name to call back; stored as given, shown masked.
    pub contact_name: Option<String>,
    /// Phone to call back; stored sealed, shown masked.
    pub contact_phone: Option<String>,
}

/// A new request.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub channel: Channel,
    /// A category code; `None` takes the suggested category when it is confident
    /// enough, and otherwise fails naming the field `category`.
    pub category: Option<String>,
    pub description: String,
    /// The grid; may be left out when a room or building is given, or when the actor
    /// holds their submitting role at a grid.
    pub grid_id: Option<i64>,
    pub building_id: Option<i64>,
    pub room_id: Option<i64>,
    /// (longitude, latitude), WGS-84. Given alone (no grid, building or room), it
    /// chooses the grid whose boundary contains it; outside every grid is refused.
    pub point: Option<(f64, f64)>,
    /// A hint of where, without personal data.
    pub address: String,
    /// Staff intake for a resident (required for phone and walk-in).
    pub on_behalf: Option<OnBehalf>,
    /// The requester agrees to the request appearing on the public page (still only
    /// when its category is public, and never with personal data).
    pub public: bool,
    /// When staff received it, if earlier than now (a call taken on paper, entered
    /// later): its clock starts then. Only for staff intake, at most
    /// [`MAX_RECEIVED_AGO_MS`] back; written to the audit log and the timeline.
    pub received_at: Option<i64>,
}

/// What intake answers.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: RequestId,
    /// `R-2026-000123`.
    pub number: String,
    pub routed: Routed,
    pub deadlines: Deadlines,
    /// Earlier requests this one may repeat, best first (for the resident: "is it one
    /// of these?"; for staff: merge candidates).
    pub duplicates: Vec<SimilarRequest>,
    /// For Open311 clients: a token standing for the request.
    pub open311_token: Option<String>,
    pub version: i64,
}

/// A request checked and decided, ready to write ([`App::prepare_request`]).
pub(crate) struct PreparedRequest {
    pub(crate) pending: group_commit::Pending,
    pub(crate) submitted: Submitted,
    pub(crate) utc_offset_minutes: i32,
}

/// The grid and place a request is located at.
struct Location {
    grid: Arc<org::OrgNode>,
    community_id: i64,
    building_id: Option<i64>,
    room_id: Option<i64>,
}

/// Where `input` says the request is (or `point_grid`, the grid containing its point
/// when that is all it gives), checked for `permission` there (the caller has checked
/// that the actor holds it somewhere).
async fn locate(
    conn: &mut LazyRead<'_>,
    cache: &IntakeCache,
    actor: &Actor,
    permission: Permission,
    input: &NewRequest,
    point_grid: Option<i64>,
    vouched: bool,
) -> AppResult<Location> {
    let (grid_id, building_id, room_id) = if let Some(room) = input.room_id {
        let place = ledger::place_of_room(conn.get().await?, room)
            .await
            .map_err(|_| AppError::invalid("room_id", "no such room"))?;
        (place.grid_id, Some(place.building_id), Some(room))
    } else if let Some(b) = input.building_id {
        let building = ledger::get_building(conn.get().await?, b)
            .await
            .map_err(|_| AppError::invalid("building_id", "no such building"))?;
        (building.grid_id, Some(b), None)
    } else if let Some(g) = input.grid_id.or(point_grid) {
        (g, None, None)
    } else {
        // The grid the actor holds a submitting role at, if exactly one.
        let grids: Vec<i64> = actor
            .assignments
            .iter()
            .filter(|a| a.role.has(Permission::SubmitRequest) && a.path.depth() == 5)
            .map(|a| a.node_id)
            .collect();
        match grids.as_slice() {
            [g] => (*g, None, None),
            _ => {
                return Err(AppError::invalid(
                    "grid_id",
                    "say where: a grid, building or room",
                ));
            }
        }
    };
    let grid = cache
        .node(conn, grid_id)
        .await
        .map_err(|_| AppError::invalid("grid_id", "no such grid"))?;
    // A place the actor cannot see is as absent as a missing one (nothing more is
    // said about it). A vouched intake was authorized by its caller.
    if !vouched {
        require_in_sight(actor, permission, Permission::ViewOrg, &grid.path, || {
            if input.room_id.is_some() {
                AppError::invalid("room_id", "no such room")
            } else if input.building_id.is_some() {
                AppError::invalid("building_id", "no such building")
            } else if input.grid_id.is_some() {
                AppError::invalid("grid_id", "no such grid")
            } else {
                AppError::Forbidden
            }
        })?;
    }
    if input.grid_id.is_some_and(|g| g != grid_id) {
        return Err(AppError::invalid(
            "grid_id",
            "the room or building lies in another grid",
        ));
    }
    if grid.kind != NodeKind::Grid {
        return Err(AppError::invalid("grid_id", "not a grid"));
    }
    let community_id = grid
        .parent_id
        .ok_or_else(|| AppError::invalid("grid_id", "the grid has no community"))?;
    Ok(Location {
        grid,
        community_id,
        building_id,
        room_id,
    })
}

fn check_point(point: Option<(f64, f64)>) -> AppResult<()> {
    if let Some((lon, lat)) = point
        && !(lon.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat))
    {
        return Err(AppError::invalid(
            "point",
            "longitude −180..180 and latitude −90..90",
        ));
    }
    Ok(())
}

/// When the request's clock starts: `now`, or the earlier instant staff say they
/// received it (never later than now, never more than [`MAX_RECEIVED_AGO_MS`] back).
fn received_at(channel: Channel, given: Option<i64>, now: i64) -> AppResult<i64> {
    let Some(at) = given else {
        return Ok(now);
    };
    if !channel.is_staff_intake() {
        return Err(AppError::invalid(
            "received_at",
            "only staff taking a request say when it was received",
        ));
    }
    if at > now {
        return Err(AppError::invalid(
            "received_at",
            "must not be in the future",
        ));
    }
    if now - at > MAX_RECEIVED_AGO_MS {
        return Err(AppError::invalid(
            "received_at",
            "must be within the last 30 days",
        ));
    }
    Ok(at)
}

fn check_text(field: &'static str, v: Option<&str>, max: usize) -> AppResult<Option<String>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > max => Err(AppError::invalid(
            field,
            format!("must be at most {max} characters"),
        )),
        Some(s) => Ok(Some(s.to_owned())),
    }
}

/// Refuses one who may raise a request of their own nowhere
/// ([`Permission::SubmitRequest`]): the resident's report form is theirs.
pub fn require_reporter(actor: &Actor) -> AppResult<()> {
    require_somewhere(actor, Permission::SubmitRequest)
}

/// Refuses one who handles requests nowhere ([`Permission::HandleRequests`]): staff
/// intake (phone, walk-in, patrol) and its resident picker are theirs.
pub fn require_staff_intake(actor: &Actor) -> AppResult<()> {
    require_somewhere(actor, Permission::HandleRequests)
}

/// May the staff intake form look the resident up in the ledger? Who may view the
/// ledger somewhere (the search is then narrowed to their scope, names masked).
pub fn may_search_residents(actor: &Actor) -> bool {
    actor.can_somewhere(Permission::ViewLedger)
}

/// Refuses a search of the intake form's resident picker unless `actor` takes staff
/// intake and may look residents up ([`may_search_residents`]).
pub fn require_resident_search(actor: &Actor) -> AppResult<()> {
    require_staff_intake(actor)?;
    require_somewhere(actor, Permission::ViewLedger)
}

impl App {
    /// Raises a request. Residents raise their own (`resident_web`); staff take one for
    /// a resident who called or walked in (`staff_phone`, `staff_walk_in`, with
    /// `on_behalf` and a contact), or found on patrol (`patrol`); integrations post
    /// through `api` or `open311` with a token. The request is routed (the most
    /// specific rule, or the category's default party), gets its due times from the
    /// business calendar, and is audited with its first timeline line in one
    /// transaction.
    pub async fn submit_request(&self, actor: &Actor, input: NewRequest) -> AppResult<Submitted> {
        let prepared = self.prepare_request(actor, input, false).await?;
        let rec = prepared.pending.rec.clone();
        let id = self
            .requests
            .intake
            .write(&self.db, prepared.pending)
            .await?;
        Ok(self.request_written(&rec, prepared.submitted, prepared.utc_offset_minutes, id))
    }

    /// Checks and decides everything about a new request (see [`App::submit_request`])
    /// without writing it. `vouched`: the caller has already authorized the actor for
    /// the place and the resident (a carer raising a request from a care visit), so
    /// the intake permissions are not asked for, and a category the text does not
    /// suggest clearly is `other`.
    pub(crate) async fn prepare_request(
        &self,
        actor: &Actor,
        input: NewRequest,
        vouched: bool,
    ) -> AppResult<PreparedRequest> {
        let description = validate_description(&input.description)
            .map_err(|e| AppError::invalid(e.field(), e))?;
        check_point(input.point)?;
        // A point alone says where: the grid whose boundary contains it.
        let point_grid = match (input.grid_id, input.building_id, input.room_id, input.point) {
            (None, None, None, Some((lon, lat))) => {
                Some(self.require_grid_at_point(lon, lat).await?)
            }
            _ => None,
        };
        let address = check_text("address", Some(&input.address), 200)?.unwrap_or_default();
        let now = now_ms();
        let received = received_at(input.channel, input.received_at, now)?;
        self.ensure_request_catalogue_once().await?;
        // Everything is read, checked and decided on a read connection; only the
        // writing goes through the group-commit writer.
        // Who may raise it through which channel: one who may do so nowhere is refused
        // before any id is looked up, and a place the actor cannot see is as absent as
        // a missing one.
        let staff_intake = input.channel.is_staff_intake();
        let permission = if staff_intake {
            Permission::HandleRequests
        } else {
            Permission::SubmitRequest
        };
        if !vouched {
            require_somewhere(actor, permission)?;
        }
        let mut conn = LazyRead::new(&self.db);
        let loc = locate(
            &mut conn,
            &self.requests.intake_cache,
            actor,
            permission,
            &input,
            point_grid,
            vouched,
        )
        .await?;
        let path = loc.grid.path.clone();
        let (requester_user_id, intake_user_id, intake_token_id) = match input.channel {
            Channel::ResidentWeb => {
                let Some(user) = actor.user_id else {
                    return Err(AppError::invalid(
                        "channel",
                        "resident_web is for signed-in residents",
                    ));
                };
                (Some(user), None, None)
            }
            Channel::StaffPhone | Channel::StaffWalkIn | Channel::Patrol => (
                input.on_behalf.as_ref().and_then(|o| o.user_id),
                actor.user_id,
                actor.token_id,
            ),
            Channel::Api | Channel::Open311 => (
                input.on_behalf.as_ref().and_then(|o| o.user_id),
                actor.user_id,
                actor.token_id,
            ),
        };
        let behalf = input.on_behalf.clone().unwrap_or_default();
        let contact_name = check_text("contact_name", behalf.contact_name.as_deref(), 50)?;
        let phone = match behalf
            .contact_phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => Some(Phone::parse(p).map_err(|e| AppError::invalid("contact_phone", e))?),
            None => None,
        };
        if input.channel.needs_staff_return_visit()
            && phone.is_none()
            && requester_user_id.is_none()
        {
            return Err(AppError::invalid(
                "contact_phone",
                "a request taken by phone or at the desk needs a phone to call back",
            ));
        }
        if let Some(user) = requester_user_id.filter(|_| input.channel != Channel::ResidentWeb) {
            civicgrid_store::platform::accounts::get_user(conn.get().await?, user)
                .await
                .map_err(|_| AppError::invalid("user_id", "no such user"))?;
        }
        if let Some(r) = behalf.resident_id.filter(|_| !vouched) {
            // A resident the actor cannot see is as absent as a missing one.
            require_somewhere(actor, Permission::HandleRequests)?;
            let no_such = || AppError::invalid("resident_id", "no such resident");
            let resident = ledger::get_resident(conn.get().await?, r)
                .await
                .map_err(|_| no_such())?;
            let at = org::get(conn.get().await?, resident.grid_id).await?;
            require_in_sight(
                actor,
                Permission::HandleRequests,
                Permission::ViewLedger,
                &at.path,
                no_such,
            )?;
        }

        // Category: given, or suggested with enough confidence.
        let cache = &self.requests.intake_cache;
        let rules = cache.rules(&mut conn).await?;
        let code = match input
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(c) => c.to_owned(),
            None => {
                let clf = self.classifier(conn.get().await?, loc.community_id).await?;
                clf.suggest(&description, rules.policy.min_confidence)
                    .map(|p| p.category)
                    .or_else(|| vouched.then(|| "other".to_owned()))
                    .ok_or_else(|| AppError::invalid("category", "choose a category"))?
            }
        };
        let category = cache
            .category(&mut conn, &code)
            .await?
            .filter(|c| c.active)
            .ok_or_else(|| AppError::invalid("category", "no such category"))?;

        // Routing and deadlines.
        let routing_rules = cache.routing(&mut conn, &path).await?;
        let routed = route_or_default(routing_rules.as_slice(), &category, &path);
        // While an emergency runs in the community, its urgent categories get the
        // plan's shorter deadlines.
        let mut targets = Targets::of(&category);
        if let Some(urgent) = civicgrid_store::emergency::modes::urgent_deadlines(
            conn.get().await?,
            loc.community_id,
            &category.code,
        )
        .await?
        {
            let (r, s) = civicgrid_domain::emergency::modes::urgent_minutes(
                (targets.response_minutes, targets.resolution_minutes),
                urgent,
            );
            targets = Targets {
                response_minutes: r,
                resolution_minutes: s,
            };
        }
        let deadlines = rules
            .policy
            .sla
            .deadlines(&rules.calendar, targets, received);

        // Duplicate suggestions among the community's recent requests.
        let since = now.saturating_sub(rules.policy.duplicates.window_ms);
        let recent = cache
            .candidates(&mut conn, loc.community_id, since, DUPLICATE_CANDIDATES)
            .await?;
        let duplicates = score_duplicates(
            &rules.policy,
            &recent,
            &Summary {
                category: &category.code,
                text: &description,
                building_id: loc.building_id,
                point: input.point,
                created_ms: received,
            },
        );

        let keys = &self.config.field_keys;
        let mut rec = RequestRecord {
            id: RequestId(0),
            category: category.code.clone(),
            channel: input.channel,
            description,
            grid_id: loc.grid.id,
            community_id: loc.community_id,
            path: path.clone(),
            building_id: loc.building_id,
            room_id: loc.room_id,
            point: input.point,
            address,
            requester_user_id,
            requester_resident_id: behalf.resident_id,
            contact_name,
            contact_phone_enc: phone
                .as_ref()
                .map(|p| keys.seal(repo::F_CONTACT_PHONE, p.as_str())),
            contact_phone_idx: phone
                .as_ref()
                .map(|p| keys.blind_index(repo::F_CONTACT_PHONE, p.as_str())),
            intake_user_id,
            intake_token_id,
            status: Status::Submitted,
            held_from: None,
            party: routed.party,
            assignee_user_id: None,
            routed_rule_id: routed.rule_id,
            escalation_level: EscalationLevel::GridWorker,
            next_step_at: None,
            deadlines,
            warn_at: None,
            due_at: None,
            held_at: None,
            responded_at: None,
            resolved_at: None,
            closed_at: None,
            rating: None,
            rating_comment: None,
            rated_at: None,
            flagged: false,
            return_visit_pending: false,
            return_visit_at: None,
            public: category.public && input.public,
            duplicate_of: None,
            created_at: received,
            updated_at: now,
            version: 1,
        };
        set_clock(&mut rec, &rules.calendar, &rules.policy);
        let mut step = Step::new("submitted");
        step.to = Some(Status::Submitted);
        step.party = Some(routed.party.encode());
        step.notify = vec![format!("party:{}", routed.party.encode())];
        step.details = serde_json::json!({
            "channel": rec.channel.code(),
            "grid": rec.grid_id,
            "rule": routed.rule_id,
            "response_due_at": deadlines.response_due_ms,
            "resolution_due_at": deadlines.resolution_due_ms,
            "suggested_duplicates": duplicates.iter().map(|d| d.id.0).collect::<Vec<_>>(),
        });
        if received != now {
            step.details["received_at"] = serde_json::json!(received);
        }
        let role = if staff_intake || intake_token_id.is_some() {
            input.channel.code().to_owned()
        } else {
            "requester".to_owned()
        };
        let open311_token =
            (input.channel == Channel::Open311).then(|| format!("{:032x}", rand::random::<u128>()));
        drop(conn);
        Ok(PreparedRequest {
            submitted: Submitted {
                id: RequestId(0),
                number: String::new(),
                routed,
                deadlines,
                duplicates,
                open311_token: open311_token.clone(),
                version: 1,
            },
            utc_offset_minutes: rules.calendar.utc_offset_minutes(),
            pending: group_commit::Pending {
                actor: actor.clone(),
                role,
                rec,
                step,
                now,
                open311_token,
            },
        })
    }

    /// Writes a prepared request on the caller's transaction (with its first timeline
    /// line and audit entry); call [`App::request_written`] once it commits.
    pub(crate) async fn write_prepared_request(
        conn: &mut AnyConnection,
        prepared: &PreparedRequest,
    ) -> AppResult<RequestId> {
        group_commit::write_one(conn, &prepared.pending).await
    }

    /// What intake answers once the prepared request was written with `id`; it joins
    /// the community's duplicate candidates.
    pub(crate) fn request_written(
        &self,
        rec: &RequestRecord,
        submitted: Submitted,
        utc_offset_minutes: i32,
        id: RequestId,
    ) -> Submitted {
        self.requests.intake_cache.add_candidate(
            rec.community_id,
            CandidateRow {
                id,
                category: rec.category.clone(),
                description: rec.description.clone(),
                building_id: rec.building_id,
                point: rec.point,
                status: rec.status,
                created_at: rec.created_at,
            },
            usize::try_from(DUPLICATE_CANDIDATES).unwrap_or(0),
        );
        Submitted {
            id,
            number: public_number(id, rec.created_at, utc_offset_minutes),
            ..submitted
        }
    }

    /// Suggested categories for free text, learned from the community's own history
    /// (and the names, descriptions and seed words of every active category): one when
    /// the text is clear, two or three to choose from when it is not, none when it says
    /// nothing the catalogue knows. `grid_id` says which community.
    pub async fn suggest_request_category(
        &self,
        actor: &Actor,
        grid_id: i64,
        text: &str,
    ) -> AppResult<Choices> {
        if !(actor.can_somewhere(Permission::SubmitRequest)
            || actor.can_somewhere(Permission::HandleRequests))
        {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.db.begin_write().await?;
        self.ensure_request_catalogue(&mut tx).await?;
        let no_such = || AppError::invalid("grid_id", "no such grid");
        let grid = org::get(&mut tx, grid_id).await.map_err(|_| no_such())?;
        if !(actor.can(Permission::SubmitRequest, &grid.path)
            || actor.can(Permission::HandleRequests, &grid.path))
        {
            // A grid the actor cannot see is as absent as a missing one.
            return Err(if actor.can(Permission::ViewOrg, &grid.path) {
                AppError::Forbidden
            } else {
                no_such()
            });
        }
        let community = grid
            .parent_id
            .ok_or_else(|| AppError::invalid("grid_id", "not a grid"))?;
        let min = load_rules(&mut tx).await?.policy.min_confidence;
        let clf = self.classifier(&mut tx, community).await?;
        commit(tx).await?;
        Ok(clf.choices(text, min))
    }

    /// Drops the cached classifiers so the next suggestion retrains (after a
    /// catalogue change, or in tests).
    pub fn refresh_request_classifiers(&self) {
        if let Ok(mut map) = self.requests.classifiers.lock() {
            map.clear();
        }
    }

    /// The community's classifier, trained at first use and again after
    /// [`CLASSIFIER_TTL`].
    async fn classifier(
        &self,
        conn: &mut AnyConnection,
        community_id: i64,
    ) -> AppResult<Arc<Classifier>> {
        if let Ok(map) = self.requests.classifiers.lock()
            && let Some((at, clf)) = map.get(&community_id)
            && at.elapsed() < CLASSIFIER_TTL
        {
            return Ok(Arc::clone(clf));
        }
        let categories = repo::categories(conn).await?;
        let active: Vec<&str> = categories
            .iter()
            .filter(|c| c.active)
            .map(|c| c.code.as_str())
            .collect();
        let mut clf = Classifier::with_catalogue(categories.iter().filter(|c| c.active));
        for (text, category) in
            repo::training_samples(conn, community_id, CLASSIFIER_SAMPLES).await?
        {
            if active.contains(&category.as_str()) {
                clf.add(&text, &category);
            }
        }
        let clf = Arc::new(clf);
        if let Ok(mut map) = self.requests.classifiers.lock() {
            map.insert(community_id, (Instant::now(), Arc::clone(&clf)));
        }
        Ok(clf)
    }
}

/// Scores the known candidates against `probe` (the domain leaves out those outside
/// the window).
fn score_duplicates(
    policy: &RequestPolicy,
    known: &[Arc<KnownCandidate>],
    probe: &Summary<'_>,
) -> Vec<SimilarRequest> {
    let candidates: Vec<Candidate<'_>> = known.iter().map(|k| k.candidate()).collect();
    suggest_duplicates(probe, &candidates, &policy.duplicates)
}
