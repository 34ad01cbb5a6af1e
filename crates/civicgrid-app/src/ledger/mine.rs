//! What a signed-in resident sees of the ledger: their own household, and who viewed
//! or changed their data, when and for what stated purpose.

use civicgrid_store::ledger as repo;
use civicgrid_store::platform::audit::{self as audit_repo, AuditFilter};
use civicgrid_store::privacy::data_access::{self, ViewFilter};
use serde::Serialize;

use super::view::{HouseholdCard, ResidentView, household_card_unchecked, resident_views};
use crate::platform::auth::SignedIn;
use crate::privacy::trace::VIEW_HOUSEHOLD;
use crate::{App, AppError, AppResult};

/// A resident's own record and household.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyHousehold {
    pub me: ResidentView,
    pub household: Option<HouseholdCard>,
}

/// One access to a resident's data, as the resident sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DataAccess {
    pub at_ms: i64,
    /// Who acted (an account or integration name).
    pub actor: String,
    pub action: String,
    /// The stated purpose or reason (none for a card shown masked).
    pub purpose: Option<String>,
    /// `resident` or `household`.
    pub target_type: String,
    /// The role in which the record was shown (`grid_worker`, …), for views.
    pub role: Option<String>,
}

/// The newest changes and unmaskings, and separately the newest views, each up to this.
const ACCESS_LIMIT: i64 = 200;

impl App {
    async fn my_resident_id(&self, me: &SignedIn) -> AppResult<i64> {
        let mut conn = self.db.read().await?;
        repo::resident_of_user(&mut conn, me.user.id)
            .await?
            .ok_or(AppError::NotFound("linked resident record"))
    }

    /// The signed-in resident's own record and household (own data only: no ledger
    /// permission needed). History stays with staff.
    pub async fn my_household(&self, me: &SignedIn) -> AppResult<MyHousehold> {
        let id = self.my_resident_id(me).await?;
        let mut conn = self.db.read().await?;
        let r = repo::get_resident(&mut conn, id).await?;
        let me_view = resident_views(self, &mut conn, std::slice::from_ref(&r), None)
            .await?
            .pop()
            .ok_or(AppError::NotFound("resident"))?;
        let household = match r.household_id {
            Some(h) => {
                let h = repo::get_household(&mut conn, h).await?;
                Some(household_card_unchecked(self, &mut conn, &h, false).await?)
            }
            None => None,
        };
        Ok(MyHousehold {
            me: me_view,
            household,
        })
    }

    /// [`App::my_household`] for a caller of the API, who may be an integration: only a
    /// signed-in person has a household of their own; a token is refused.
    pub async fn callers_household(&self, caller: Option<&SignedIn>) -> AppResult<MyHousehold> {
        let me = caller.ok_or(AppError::Forbidden)?;
        self.my_household(me).await
    }

    /// Who accessed the signed-in resident's data, newest first: audit entries whose
    /// target is their record or household (changes, unmasking with its purpose), and
    /// the cards that showed their record, masked (from the data-access log).
    pub async fn my_data_access(&self, me: &SignedIn) -> AppResult<Vec<DataAccess>> {
        let id = self.my_resident_id(me).await?;
        let mut conn = self.db.read().await?;
        let r = repo::get_resident(&mut conn, id).await?;
        let mut targets = vec![("resident", r.id)];
        if let Some(h) = r.household_id {
            targets.push(("household", h));
        }
        let mut entries = Vec::new();
        for (t, tid) in targets {
            let f = AuditFilter {
                target_type: Some(t.to_owned()),
                target_id: Some(tid.to_string()),
                ..AuditFilter::default()
            };
            entries.extend(audit_repo::list(&mut conn, &f, ACCESS_LIMIT).await?);
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.seq));
        entries.truncate(usize::try_from(ACCESS_LIMIT).unwrap_or(0));
        let views = data_access::list(
            &mut conn,
            &ViewFilter {
                resident_id: Some(r.id),
                ..ViewFilter::default()
            },
            ACCESS_LIMIT,
        )
        .await?;
        let mut out: Vec<DataAccess> = entries
            .into_iter()
            .map(|e| DataAccess {
                at_ms: e.fields.at_ms,
                actor: e.fields.actor_label,
                action: e.fields.action,
                purpose: e.fields.reason,
                target_type: e.fields.target_type,
                role: None,
            })
            .collect();
        out.extend(views.into_iter().map(|v| DataAccess {
            at_ms: v.at_ms,
            actor: v.actor_label,
            target_type: if v.action == VIEW_HOUSEHOLD {
                "household".into()
            } else {
                "resident".into()
            },
            action: v.action,
            purpose: None,
            role: v.actor_role,
        }));
        // Stable: entries of the same millisecond keep the order above.
        out.sort_by_key(|a| std::cmp::Reverse(a.at_ms));
        Ok(out)
    }
}

impl App {
    /// The tag catalogue's names, for showing a resident their own tags.
    pub async fn default_tag_names(&self) -> AppResult<Vec<super::CatalogueTag>> {
        let mut conn = self.db.read().await?;
        Ok(repo::catalogue(&mut conn).await?)
    }
}
