//! Visits (走访): a carer's list of visits due (overdue, today, this week), logging a
//! visit in one tap (how, what was found, notes, a photo), "needs help" raising a
//! request for the resident in the same transaction, and reading a visit's sealed
//! notes and photo (each look traced). See [`civicgrid_domain::care::visits`] for
//! the rules of the next due date.
//!
//! Who may do what: only a carer of the pairing logs a visit to it (a visit for
//! someone not paired with you is refused on `pairing_id`). A grid's list is read by
//! who holds [`Permission::ViewCare`] or [`Permission::ManageCare`] there; anyone
//! signed in reads their own list as a carer.

use civicgrid_domain::care::alerts::{AlertLevel, next_level_at};
use civicgrid_domain::care::visits::{
    Due, Mode, Outcome, check_notes, check_visited_at, due_bucket, list_horizon, next_due,
};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::requests::{Channel, RequestId};
use civicgrid_store::care::alerts as alert_repo;
use civicgrid_store::care::pairings::{self as repo, DueLine};
use civicgrid_store::care::visits::{
    self as visit_repo, VisitPhoto, VisitRecord, open_notes, seal_notes,
};
use civicgrid_store::platform::org;
use civicgrid_store::{commit, ledger, now_ms};

use super::pairings::{
    VIEW_NOTES, VIEW_PHOTO, end, load, log, may_read_notes, stale, standing, trace,
};
use crate::requests::intake::{NewRequest, OnBehalf};
use crate::{App, AppError, AppResult};

/// The most lines of a due list.
pub const DUE_LIST_MAX: i64 = 500;

/// One visit due, as a carer's or a grid's list shows it.
#[derive(Debug, Clone)]
pub struct DueItem {
    pub line: DueLine,
    pub due: Due,
    pub mode: Mode,
    pub alert: Option<AlertLevel>,
    /// The actor is a carer on it (and may log a visit).
    pub may_log: bool,
}

/// A due list: the items, overdue first, then today's, then this week's.
#[derive(Debug, Clone, Default)]
pub struct DueList {
    pub items: Vec<DueItem>,
    pub now: i64,
}

impl DueList {
    pub fn count(&self, due: Due) -> usize {
        self.items.iter().filter(|i| i.due == due).count()
    }
}

/// A visit to log.
#[derive(Debug, Clone)]
pub struct NewVisit {
    pub pairing_id: i64,
    /// When it happened; now when absent.
    pub visited_at: Option<i64>,
    pub mode: Mode,
    pub outcome: Outcome,
    pub notes: String,
    /// A photo's bytes (checked and cleaned before storing).
    pub photo: Option<Vec<u8>>,
    /// For "needs help": what the resident needs (the request's description; the
    /// notes when empty) and its category (suggested from the text when absent).
    pub help: String,
    pub category: Option<String>,
}

/// What logging a visit did.
#[derive(Debug, Clone)]
pub struct LoggedVisit {
    pub visit: VisitRecord,
    /// The next visit's due time; `None`: the pairing ended.
    pub next_due_at: Option<i64>,
    /// The request raised for "needs help": its id and number (R-2026-000123).
    pub request: Option<(RequestId, String)>,
}

fn item(line: DueLine, now: i64, may_log: bool) -> AppResult<DueItem> {
    let due = line.next_due_at.map_or(Due::Later, |d| due_bucket(d, now));
    let mode = Mode::parse(&line.mode).map_err(|e| AppError::Internal(e.to_string().into()))?;
    Ok(DueItem {
        due,
        mode,
        alert: AlertLevel::from_rank(line.alert_level),
        may_log,
        line,
    })
}

impl App {
    /// The visits the signed-in actor is due to make as a carer (overdue, today, this
    /// week), in one query.
    pub async fn my_care_visits(&self, actor: &Actor) -> AppResult<DueList> {
        let Some(user) = actor.user_id else {
            return Err(AppError::Forbidden);
        };
        let now = now_ms();
        let mut conn = self.db.read().await?;
        let lines = repo::due_for_carer(&mut conn, user, list_horizon(now), DUE_LIST_MAX).await?;
        let items = lines
            .into_iter()
            .map(|l| item(l, now, true))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(DueList { items, now })
    }

    /// A grid's visits due (overdue, today, this week), in one query.
    pub async fn grid_care_visits(&self, actor: &Actor, grid_id: i64) -> AppResult<DueList> {
        if !(actor.can_somewhere(Permission::ViewCare)
            || actor.can_somewhere(Permission::ManageCare))
        {
            return Err(AppError::Forbidden);
        }
        let now = now_ms();
        let mut conn = self.db.read().await?;
        let grid = org::get(&mut conn, grid_id)
            .await
            .map_err(|_| AppError::NotFound("grid"))?;
        if !(actor.can(Permission::ViewCare, &grid.path)
            || actor.can(Permission::ManageCare, &grid.path))
        {
            return Err(AppError::NotFound("grid"));
        }
        let mine = match actor.user_id {
            Some(u) => repo::pairings_of_carer(&mut conn, u).await?,
            None => Vec::new(),
        };
        let lines = repo::due_in_grid(&mut conn, grid.id, list_horizon(now), DUE_LIST_MAX).await?;
        let items = lines
            .into_iter()
            .map(|l| {
                let mine = mine.binary_search(&l.id).is_ok();
                item(l, now, mine)
            })
            .collect::<AppResult<Vec<_>>>()?;
        Ok(DueList { items, now })
    }

    /// Logs a visit by a carer of the pairing. The next due date follows from the
    /// outcome and the cadence; "needs help" raises a request for the resident in the
    /// same transaction, linked to the visit; "not reached" schedules a retry within
    /// the day; "moved away" ends the pairing. Audited with the change.
    pub async fn log_visit(&self, actor: &Actor, input: NewVisit) -> AppResult<LoggedVisit> {
        let now = now_ms();
        let visited_at = check_visited_at(input.visited_at.unwrap_or(now), now)
            .map_err(|e| AppError::invalid(e.field, e.message))?;
        let notes = check_notes(&input.notes).map_err(|e| AppError::invalid(e.field, e.message))?;
        let photo = input
            .photo
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(crate::photo::check_upload)
            .transpose()?;
        // Who may log it is decided before anything else is looked at.
        let p = {
            let mut conn = self.db.read().await?;
            let p = load(&mut conn, input.pairing_id).await?;
            let s = standing(&mut conn, actor, &p).await?;
            if !s.carer {
                // Who sees the pairing but is not one of its carers is refused; who
                // does not see it hears that there is no such pairing.
                return Err(if s.may_view() {
                    AppError::Forbidden
                } else {
                    AppError::NotFound("pairing")
                });
            }
            if !p.active {
                return Err(AppError::invalid("pairing_id", "this pairing has ended"));
            }
            p
        };
        let request = if input.outcome == Outcome::NeedsHelp {
            let text = match input.help.trim() {
                "" => notes.clone().unwrap_or_default(),
                t => t.to_owned(),
            };
            if text.is_empty() {
                return Err(AppError::invalid("help", "say what the resident needs"));
            }
            let room_id = {
                let mut conn = self.db.read().await?;
                let r = ledger::get_resident(&mut conn, p.resident_id).await?;
                match r.household_id {
                    Some(h) => Some(ledger::get_household(&mut conn, h).await?.room_id),
                    None => None,
                }
            };
            let prepared = self
                .prepare_request(
                    actor,
                    NewRequest {
                        channel: Channel::Patrol,
                        category: input.category.clone().filter(|c| !c.trim().is_empty()),
                        description: text,
                        grid_id: Some(p.grid_id),
                        building_id: None,
                        room_id,
                        point: None,
                        address: String::new(),
                        on_behalf: Some(OnBehalf {
                            resident_id: Some(p.resident_id),
                            ..OnBehalf::default()
                        }),
                        public: false,
                        received_at: None,
                    },
                    true,
                )
                .await
                .map_err(|e| match e {
                    AppError::Invalid {
                        field: "description",
                        message,
                    } => AppError::Invalid {
                        field: "help",
                        message,
                    },
                    other => other,
                })?;
            Some(prepared)
        } else {
            None
        };

        let mut tx = self.db.begin_write().await?;
        let mut p2 = load(&mut tx, p.id).await?;
        if p2.version != p.version || !p2.active {
            return Err(stale());
        }
        let request_id = match &request {
            Some(prepared) => Some(Self::write_prepared_request(&mut tx, prepared).await?),
            None => None,
        };
        let keys = &self.config.field_keys;
        let mut visit = VisitRecord {
            id: 0,
            pairing_id: p2.id,
            resident_id: p2.resident_id,
            carer_user_id: actor.user_id,
            visited_at,
            due_at: p2.next_due_at,
            mode: input.mode,
            outcome: input.outcome,
            notes_enc: notes.as_deref().map(|n| seal_notes(keys, n)),
            request_id: request_id.map(|r| r.0),
            created_at: now,
        };
        visit.id = visit_repo::insert_visit(&mut tx, &visit).await?;
        if let Some(up) = &photo {
            visit_repo::insert_photo(
                &mut tx,
                &VisitPhoto {
                    id: 0,
                    visit_id: visit.id,
                    content_type: up.photo.kind.content_type().to_owned(),
                    byte_len: 0,
                    sha256: up.sha256.clone(),
                    width: Some(i64::from(up.photo.width)),
                    height: Some(i64::from(up.photo.height)),
                    uploaded_by: actor.user_id,
                    uploaded_at: now,
                },
                &up.photo.data,
            )
            .await?;
        }
        let next = next_due(input.outcome, visited_at, p2.cadence, p2.next_due_at, now);
        p2.last_visit_at = Some(p2.last_visit_at.map_or(visited_at, |l| l.max(visited_at)));
        if input.outcome.reached() {
            p2.last_reached_at = Some(visited_at);
            p2.red = false;
            p2.red_at = Some(visited_at + 2 * p2.cadence.as_ms());
            p2.retry_at = None;
            alert_repo::clear(&mut tx, p2.id, now).await?;
        }
        match next {
            None => end(&mut p2, now, input.outcome.code()),
            Some(d) => {
                if input.outcome == Outcome::NotReached {
                    p2.retry_at = Some(d.max(now));
                    if p2.next_due_at != Some(d) {
                        p2.alert_level = 0;
                    }
                } else {
                    p2.alert_level = 0;
                }
                p2.next_due_at = Some(d);
                p2.next_alert_at =
                    next_level_at(d, p2.cadence, AlertLevel::from_rank(p2.alert_level));
            }
        }
        if next.is_none() {
            alert_repo::clear(&mut tx, p2.id, now).await?;
        }
        p2.updated_at = now;
        p2.version = repo::update_pairing(&mut tx, &p2)
            .await?
            .ok_or_else(stale)?;
        let number = match (&request, request_id) {
            (Some(prepared), Some(id)) => Some(civicgrid_domain::requests::public_number(
                id,
                prepared.pending.rec.created_at,
                prepared.utc_offset_minutes,
            )),
            _ => None,
        };
        log(
            &mut tx,
            actor,
            &p2,
            "care.visit.log",
            None,
            serde_json::json!({
                "visit": visit.id,
                "mode": visit.mode.code(),
                "outcome": visit.outcome.code(),
                "request_number": number,
                "photo": photo.is_some(),
            }),
        )
        .await?;
        commit(tx).await?;
        let request = match (request, request_id) {
            (Some(prepared), Some(id)) => {
                let rec = prepared.pending.rec.clone();
                let s =
                    self.request_written(&rec, prepared.submitted, prepared.utc_offset_minutes, id);
                Some((s.id, s.number))
            }
            _ => None,
        };
        Ok(LoggedVisit {
            visit,
            next_due_at: p2.next_due_at,
            request,
        })
    }

    /// A visit's notes, opened for a carer of its pairing, its grid worker or its
    /// community's staff; the look is traced in the data-access log.
    pub async fn care_visit_notes(
        &self,
        actor: &Actor,
        visit_id: i64,
    ) -> AppResult<(VisitRecord, Option<String>)> {
        let mut conn = self.db.read().await?;
        let v = visit_repo::get_visit(&mut conn, visit_id)
            .await
            .map_err(|_| AppError::NotFound("visit"))?;
        let p = load(&mut conn, v.pairing_id).await?;
        let s = standing(&mut conn, actor, &p).await?;
        if !s.notes {
            return Err(if s.may_view() {
                AppError::Forbidden
            } else {
                AppError::NotFound("visit")
            });
        }
        drop(conn);
        let notes = v
            .notes_enc
            .as_deref()
            .map(|n| open_notes(&self.config.field_keys, n))
            .transpose()
            .map_err(|e| AppError::Internal(Box::new(e)))?;
        trace(self, actor, VIEW_NOTES, &p).await?;
        Ok((v, notes))
    }

    /// A visit's photo, for who may read its notes; the look is traced.
    pub async fn care_visit_photo(
        &self,
        actor: &Actor,
        photo_id: i64,
    ) -> AppResult<(VisitPhoto, Vec<u8>)> {
        let mut conn = self.db.read().await?;
        let (meta, data) = visit_repo::photo(&mut conn, photo_id)
            .await
            .map_err(|_| AppError::NotFound("photo"))?;
        let v = visit_repo::get_visit(&mut conn, meta.visit_id).await?;
        let p = load(&mut conn, v.pairing_id).await?;
        let s = standing(&mut conn, actor, &p).await?;
        if !(s.notes || may_read_notes(actor, &p.scope)) {
            return Err(AppError::NotFound("photo"));
        }
        drop(conn);
        trace(self, actor, VIEW_PHOTO, &p).await?;
        Ok((meta, data))
    }
}
