//! The category catalogue, the business calendar and the policies of the requests
//! capability. The catalogue is city-wide and seeded lazily with the domain's
//! defaults; the calendar and policies are stored as JSON settings.

use std::sync::atomic::Ordering;

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::requests::category::{Category, validate_catalogue};
use civicgrid_domain::requests::classifier::DEFAULT_MIN_CONFIDENCE;
use civicgrid_domain::requests::status::DEFAULT_REOPEN_WINDOW_MS;
use civicgrid_domain::requests::{
    BusinessCalendar, CalendarConfig, DuplicatePolicy, EscalationPolicy, MAX_WINDOW_MS,
    PoorRatingPolicy, SlaPolicy,
};
use civicgrid_store::requests::{self as repo, SETTING_CALENDAR, SETTING_POLICY};
use civicgrid_store::{AnyConnection, commit, now_ms};
use serde::{Deserialize, Serialize};

use super::intake_cache::LazyRead;
use crate::authz::{Change, record, require_somewhere};
use crate::{App, AppError, AppResult};

/// How the community handles requests beyond the catalogue's targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RequestPolicy {
    pub sla: SlaPolicy,
    pub escalation: EscalationPolicy,
    /// What a poor rating (≤ 2) leads to.
    pub poor_rating: PoorRatingPolicy,
    /// How long after resolution the resident may reopen, and after which a resolved
    /// request nobody confirmed is closed by the job.
    pub reopen_window_ms: i64,
    pub duplicates: DuplicatePolicy,
    /// Below this confidence the suggested category is not offered.
    pub min_confidence: f64,
}

impl Default for RequestPolicy {
    fn default() -> RequestPolicy {
        RequestPolicy {
            sla: SlaPolicy::default(),
            escalation: EscalationPolicy::default(),
            poor_rating: PoorRatingPolicy::Reopen,
            reopen_window_ms: DEFAULT_REOPEN_WINDOW_MS,
            duplicates: DuplicatePolicy::default(),
            min_confidence: DEFAULT_MIN_CONFIDENCE,
        }
    }
}

impl RequestPolicy {
    /// Checks every part against its range (the domain's bounds: [`MAX_WINDOW_MS`],
    /// the SLA's and the duplicates' own); errors name the field.
    pub fn validate(self) -> AppResult<RequestPolicy> {
        let sla = self
            .sla
            .validate()
            .map_err(|e| AppError::invalid("sla", e))?;
        let escalation = self
            .escalation
            .validate()
            .map_err(|e| AppError::invalid("escalation", e))?;
        let duplicates = self
            .duplicates
            .validate()
            .map_err(|e| AppError::invalid("duplicates", e))?;
        if !(0..=MAX_WINDOW_MS).contains(&self.reopen_window_ms) {
            return Err(AppError::invalid(
                "reopen_window_ms",
                "must not be negative, nor longer than a year",
            ));
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(AppError::invalid(
                "min_confidence",
                "must be between 0 and 1",
            ));
        }
        Ok(RequestPolicy {
            sla,
            escalation,
            duplicates,
            ..self
        })
    }
}

/// The calendar, policy and catalogue a use case works with.
pub(crate) struct Rules {
    pub calendar: BusinessCalendar,
    pub policy: RequestPolicy,
}

/// Reads the stored calendar and policy (defaults when unset or unreadable: a setting
/// written by a newer version must not stop intake).
pub(crate) async fn load_rules(conn: &mut AnyConnection) -> AppResult<Rules> {
    let calendar = match repo::setting(conn, SETTING_CALENDAR).await? {
        Some(json) => serde_json::from_str::<CalendarConfig>(&json)
            .ok()
            .and_then(|c| BusinessCalendar::new(c).ok())
            .unwrap_or_default(),
        None => BusinessCalendar::default(),
    };
    let policy = match repo::setting(conn, SETTING_POLICY).await? {
        Some(json) => serde_json::from_str::<RequestPolicy>(&json)
            .ok()
            .and_then(|p| p.validate().ok())
            .unwrap_or_default(),
        None => RequestPolicy::default(),
    };
    Ok(Rules { calendar, policy })
}

/// The parts of the request settings an actor may open: the catalogue (categories,
/// calendar, policies), routing rules, responder organisations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingsAccess {
    /// [`Permission::ManageRequestCatalogue`] somewhere.
    pub catalogue: bool,
    /// [`Permission::ManageRouting`] somewhere.
    pub routing: bool,
    /// [`Permission::ManageResponders`] somewhere.
    pub responders: bool,
}

/// What of the request settings `actor` may open; refused when nothing.
pub fn settings_access(actor: &Actor) -> AppResult<SettingsAccess> {
    let access = SettingsAccess {
        catalogue: actor.can_somewhere(Permission::ManageRequestCatalogue),
        routing: actor.can_somewhere(Permission::ManageRouting),
        responders: actor.can_somewhere(Permission::ManageResponders),
    };
    if access.catalogue || access.routing || access.responders {
        Ok(access)
    } else {
        Err(AppError::Forbidden)
    }
}

impl App {
    /// Adds the default categories that are missing, once per process.
    /// Seeds the default catalogue in a short write transaction of its own, the first
    /// time only; afterwards a no-op that takes no lock.
    pub(crate) async fn ensure_request_catalogue_once(&self) -> AppResult<()> {
        if self.requests.catalogue_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut tx = self.db.begin_write().await?;
        repo::ensure_default_categories(&mut tx).await?;
        civicgrid_store::commit(tx).await?;
        // Only once the seeding is committed may others skip it and read the catalogue.
        self.requests.catalogue_ready.store(true, Ordering::Release);
        Ok(())
    }

    /// Seeds the default catalogue inside the caller's transaction unless it is known
    /// to be committed already (idempotent; the flag is set only by
    /// [`Self::ensure_request_catalogue_once`], after its own commit).
    pub(crate) async fn ensure_request_catalogue(&self, conn: &mut AnyConnection) -> AppResult<()> {
        if !self.requests.catalogue_ready.load(Ordering::Acquire) {
            repo::ensure_default_categories(conn).await?;
        }
        Ok(())
    }

    /// The category catalogue, active and inactive, in listing order. Public: residents,
    /// Open311 clients and the intake page read it.
    /// Read from the intake cache, so a busy Open311 client's posts cost no database
    /// round trip for it.
    pub async fn request_categories(&self) -> AppResult<Vec<Category>> {
        self.ensure_request_catalogue_once().await?;
        let mut conn = LazyRead::new(&self.db);
        let all = self.requests.intake_cache.catalogue(&mut conn).await?;
        Ok(all.as_ref().clone())
    }

    /// Adds or changes a category (city-wide; [`Permission::ManageRequestCatalogue`]).
    /// `position` orders the listing. At least one category must stay active.
    pub async fn upsert_request_category(
        &self,
        actor: &Actor,
        category: Category,
        position: i64,
    ) -> AppResult<Category> {
        require_somewhere(actor, Permission::ManageRequestCatalogue)?;
        let category = category
            .validate()
            .map_err(|e| AppError::invalid(e.field(), e))?;
        let mut tx = self.db.begin_write().await?;
        self.ensure_request_catalogue(&mut tx).await?;
        let mut all = repo::categories(&mut tx).await?;
        let before = all.iter().find(|c| c.code == category.code).cloned();
        all.retain(|c| c.code != category.code);
        all.push(category.clone());
        validate_catalogue(all).map_err(|e| AppError::invalid(e.field(), e))?;
        repo::upsert_category(&mut tx, &category, position).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "request.category.upsert",
                target_type: "request_category",
                target_id: category.code.clone(),
                scope: None,
                reason: None,
                details: serde_json::json!({"from": before, "to": category, "position": position}),
            },
        )
        .await?;
        commit(tx).await?;
        self.requests.intake_cache.clear();
        Ok(category)
    }

    /// The business calendar in force.
    pub async fn request_calendar(&self) -> AppResult<CalendarConfig> {
        let mut conn = self.db.read().await?;
        Ok(load_rules(&mut conn).await?.calendar.config().clone())
    }

    /// Replaces the business calendar ([`Permission::ManageRequestCatalogue`]). Due times
    /// already set stay; new requests and resumed holds use the new calendar.
    pub async fn set_request_calendar(
        &self,
        actor: &Actor,
        config: CalendarConfig,
    ) -> AppResult<()> {
        require_somewhere(actor, Permission::ManageRequestCatalogue)?;
        let cal = BusinessCalendar::new(config).map_err(|e| AppError::invalid("calendar", e))?;
        let json =
            serde_json::to_string(cal.config()).map_err(|e| AppError::Internal(Box::new(e)))?;
        let mut tx = self.db.begin_write().await?;
        repo::set_setting(&mut tx, SETTING_CALENDAR, &json, now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "request.calendar.set",
                target_type: "request_settings",
                target_id: SETTING_CALENDAR.into(),
                scope: None,
                reason: None,
                details: serde_json::json!({"holidays": cal.config().holidays.len(),
                    "make_up_days": cal.config().make_up_days.len(),
                    "utc_offset_minutes": cal.config().utc_offset_minutes}),
            },
        )
        .await?;
        commit(tx).await?;
        self.requests.intake_cache.clear();
        Ok(())
    }

    /// The policies in force.
    pub async fn request_policy(&self) -> AppResult<RequestPolicy> {
        let mut conn = self.db.read().await?;
        Ok(load_rules(&mut conn).await?.policy)
    }

    /// Changes the policies with `edit`, applied to the ones in force
    /// ([`Permission::ManageRequestCatalogue`]). Who may change them is answered before
    /// `edit` judges what was sent.
    pub async fn edit_request_policy(
        &self,
        actor: &Actor,
        edit: impl FnOnce(RequestPolicy) -> AppResult<RequestPolicy>,
    ) -> AppResult<()> {
        require_somewhere(actor, Permission::ManageRequestCatalogue)?;
        let next = edit(self.request_policy().await?)?;
        self.set_request_policy(actor, next).await
    }

    /// Replaces the policies ([`Permission::ManageRequestCatalogue`]).
    pub async fn set_request_policy(&self, actor: &Actor, policy: RequestPolicy) -> AppResult<()> {
        require_somewhere(actor, Permission::ManageRequestCatalogue)?;
        let policy = policy.validate()?;
        let json = serde_json::to_value(&policy).map_err(|e| AppError::Internal(Box::new(e)))?;
        let mut tx = self.db.begin_write().await?;
        repo::set_setting(&mut tx, SETTING_POLICY, &json.to_string(), now_ms()).await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "request.policy.set",
                target_type: "request_settings",
                target_id: SETTING_POLICY.into(),
                scope: None,
                reason: None,
                details: json,
            },
        )
        .await?;
        commit(tx).await?;
        self.requests.intake_cache.clear();
        Ok(())
    }
}
