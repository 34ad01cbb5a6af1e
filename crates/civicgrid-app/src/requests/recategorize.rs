//! Staff correct a request's category when the resident (or the suggestion) chose the
//! wrong one. The correction is a step of its own on the timeline and in the audit log,
//! and the community's classifier learns it: the next suggestion is trained on the
//! corrected request.

use civicgrid_domain::platform::access::Actor;
use civicgrid_domain::requests::RequestId;
use civicgrid_store::{commit, now_ms};

use super::settings::load_rules;
use super::{RequestView, Step, actor_role, stale, view, visible_request, write_step};
use crate::{App, AppError, AppResult};

impl App {
    /// Moves request `id` into the active category `category`, with an optional note;
    /// `version` (when given) must be the one the actor read. Only those who handle
    /// requests at its place may.
    pub async fn recategorize_request(
        &self,
        actor: &Actor,
        id: RequestId,
        version: Option<i64>,
        category: &str,
        note: Option<&str>,
    ) -> AppResult<RequestView> {
        let note = crate::authz::reason(note)?;
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let (mut rec, s) = visible_request(&mut tx, actor, id).await?;
        if !s.handler {
            return Err(AppError::Forbidden);
        }
        if version.is_some_and(|v| v != rec.version) {
            return Err(stale());
        }
        let known = civicgrid_store::requests::categories(&mut tx).await?;
        let chosen = known
            .iter()
            .find(|c| c.code == category.trim() && c.active)
            .ok_or_else(|| AppError::invalid("category", "choose one of the listed categories"))?;
        if chosen.code == rec.category {
            return Err(AppError::invalid(
                "category",
                "the request is already in this category",
            ));
        }
        let previous = std::mem::replace(&mut rec.category, chosen.code.clone());
        rec.updated_at = now;
        rec.version = civicgrid_store::requests::update_request(&mut tx, &rec)
            .await?
            .ok_or_else(stale)?;
        let mut step = Step::new("recategorize");
        step.note = note;
        step.details = serde_json::json!({"previous_category": previous, "category": rec.category});
        write_step(&mut tx, actor, &actor_role(actor, s), &rec, step, now).await?;
        let rules = load_rules(&mut tx).await?;
        let out = view(&rec, s, &self.config.field_keys, &rules.calendar, now);
        commit(tx).await?;
        // The community's next suggestion learns from the corrected request.
        if let Ok(mut map) = self.requests.classifiers.lock() {
            map.remove(&rec.community_id);
        }
        Ok(out)
    }
}
