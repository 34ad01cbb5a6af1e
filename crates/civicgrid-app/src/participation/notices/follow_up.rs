//! Following up important notices: the households still unread inside a grid
//! worker's sight, recording a visit or a call (audited), and the notices past their
//! deadline for the home pages. The grid worker holds [`Permission::EditLedger`] with
//! [`Permission::ViewParticipation`] at the household's grid.

use civicgrid_domain::participation::notices::{NoticeState, Reading, needs_follow_up};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_store::participation::notices as repo;
use civicgrid_store::{commit, now_ms};

use super::{NoticeView, RecipientRow, sight_of, state_of, timing_of, view_of};
use crate::authz::{Change, record, require, require_somewhere};
use crate::{App, AppError, AppResult};

/// The households of one grid worker's sight still to visit or call about a notice.
#[derive(Debug, Clone)]
pub struct FollowUp {
    pub notice: NoticeView,
    /// Whether the read-by deadline has passed (before it, the list is a preview).
    pub due: bool,
    pub rows: Vec<RecipientRow>,
}

/// An important notice with households still unread after its deadline, for a home
/// page.
pub use civicgrid_store::participation::notices::DueFollowUp;

/// May the actor record follow-ups somewhere in `within`?
pub(super) fn may_follow_up_in(actor: &Actor, within: &OrgPath) -> bool {
    (actor.can(Permission::ViewParticipation, within) && actor.can(Permission::EditLedger, within))
        || actor
            .scopes(Permission::EditLedger)
            .unwrap_or_default()
            .iter()
            .any(|s| s.is_within(within) && actor.can(Permission::ViewParticipation, s))
}

impl App {
    /// The households inside the actor's sight still unread: the follow-up list (due
    /// once an important notice's deadline has passed).
    pub async fn notice_follow_up(&self, actor: &Actor, id: i64) -> AppResult<FollowUp> {
        require_somewhere(actor, Permission::ViewParticipation)?;
        let mut conn = self.db.read().await?;
        let n = repo::get_notice(&mut conn, id)
            .await
            .map_err(|_| AppError::NotFound("notice"))?;
        let within = sight_of(actor, Permission::ViewParticipation, &n.scope())
            .ok_or(AppError::NotFound("notice"))?;
        let notice = view_of(&mut conn, Some(actor), &n).await?;
        let due = needs_follow_up(state_of(&n), &timing_of(&n), None, now_ms());
        let rows = if notice.important && state_of(&n) == NoticeState::Published {
            repo::unread_households(&mut conn, id, &within)
                .await?
                .into_iter()
                .map(RecipientRow::from)
                .collect()
        } else {
            Vec::new()
        };
        Ok(FollowUp { notice, due, rows })
    }

    /// Records a grid worker's follow-up on receipt `receipt_id`: read out at the
    /// door, on the phone, or not reached. Audited.
    pub async fn record_notice_follow_up(
        &self,
        actor: &Actor,
        receipt_id: i64,
        outcome: &str,
    ) -> AppResult<i64> {
        require_somewhere(actor, Permission::EditLedger)?;
        require_somewhere(actor, Permission::ViewParticipation)?;
        let reading =
            Reading::follow_up(outcome).map_err(|e| AppError::invalid(e.field, e.message))?;
        let mut tx = self.db.begin_write().await?;
        let hidden = || AppError::NotFound("receipt");
        let path = repo::recipient_path(&mut tx, receipt_id)
            .await
            .map_err(|_| hidden())?;
        let sees = actor.can(Permission::ViewParticipation, &path);
        if !sees {
            return Err(hidden());
        }
        require(actor, Permission::EditLedger, &path)?;
        let r = repo::get_recipient(&mut tx, receipt_id).await?;
        let n = repo::get_notice(&mut tx, r.notice_id).await?;
        if r.household_id.is_none() {
            return Err(AppError::Conflict(
                "only a household's receipt is followed up".into(),
            ));
        }
        if state_of(&n) != NoticeState::Published || r.read_at.is_some() {
            return Err(AppError::Conflict(
                "this household has already read the notice, or it is no longer published".into(),
            ));
        }
        repo::record_follow_up(
            &mut tx,
            receipt_id,
            reading.as_str(),
            reading.is_read(),
            actor.user_id,
            now_ms(),
        )
        .await?;
        record(
            &mut tx,
            actor,
            Change {
                action: "notice.follow_up",
                target_type: "notice",
                target_id: n.id.to_string(),
                scope: Some(&path),
                reason: None,
                details: serde_json::json!({
                    "receipt_id": receipt_id, "household_id": r.household_id,
                    "outcome": reading.as_str(),
                }),
            },
        )
        .await?;
        commit(tx).await?;
        Ok(n.id)
    }

    /// The important notices past their deadline with households still unread inside
    /// the actor's scopes (for the grid worker's and staff's home pages).
    pub async fn due_notice_follow_ups(&self, actor: &Actor) -> AppResult<Vec<DueFollowUp>> {
        if !actor.can_somewhere(Permission::ViewParticipation) {
            return Ok(Vec::new());
        }
        let mut conn = self.db.read().await?;
        let scopes = actor
            .scopes(Permission::ViewParticipation)
            .unwrap_or_else(|| vec![OrgPath::from_stored(String::new())]);
        let mut out: Vec<DueFollowUp> = Vec::new();
        for s in scopes {
            for d in repo::due_follow_ups(&mut conn, &s, now_ms()).await? {
                if !out.iter().any(|o| o.notice_id == d.notice_id) {
                    out.push(d);
                }
            }
        }
        Ok(out)
    }
}
