//! Reading and verifying the audit log, reading the data-access log (who was shown
//! which resident's record), and naming the units a scope path runs through.

use std::collections::HashMap;

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::audit::StoredEntry;
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_domain::privacy::mask_name;
use civicgrid_store::platform::audit as repo;
use civicgrid_store::privacy::data_access;
use civicgrid_store::{StoreError, platform::org};
use serde::Serialize;

use crate::authz::require_somewhere;
use crate::privacy::{DataView, ViewFilter};
use crate::{App, AppResult};

/// The filters of an audit-log read and the answer of a chain check: plain records,
/// the app's view of the store's.
pub use civicgrid_store::platform::audit::{AuditFilter, Verification};

/// What an actor holding `ViewAudit` may read: everything, or the subtrees listed.
pub(super) enum Reach {
    Everything,
    Within(Vec<String>),
}

/// The reach of `actor`, narrowed to the subtree `wanted` when one is asked for. An
/// actor limited to subtrees reads entries recorded inside them (entries without a
/// scope, such as sign-ins, only when unrestricted).
pub(super) fn reach(actor: &Actor, wanted: Option<&str>) -> Reach {
    let Some(scopes) = actor.scopes(Permission::ViewAudit) else {
        return Reach::Everything;
    };
    if wanted.is_none() && scopes.iter().any(|s| s.depth() == 1) {
        return Reach::Everything;
    }
    Reach::Within(
        scopes
            .iter()
            .filter_map(|s| match wanted {
                Some(w) if w.starts_with(s.as_str()) => Some(w.to_owned()),
                Some(_) => None,
                None => Some(s.as_str().to_owned()),
            })
            .collect(),
    )
}

/// One unit on the way from the root down to a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScopeStep {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
}

impl App {
    /// Newest entries first. An actor limited to subtrees sees the entries recorded
    /// inside them (entries without a scope, such as sign-ins, only when unrestricted).
    pub async fn audit_entries(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        limit: i64,
    ) -> AppResult<Vec<StoredEntry>> {
        require_somewhere(actor, Permission::ViewAudit)?;
        let limit = limit.clamp(1, 500);
        let mut conn = self.db.read().await?;
        match reach(actor, filter.scope.as_deref()) {
            Reach::Everything => Ok(repo::list(&mut conn, &filter, limit).await?),
            Reach::Within(scopes) => {
                let mut out = Vec::new();
                for s in scopes {
                    let f = AuditFilter {
                        scope: Some(s),
                        ..filter.clone()
                    };
                    out.extend(repo::list(&mut conn, &f, limit).await?);
                }
                out.sort_by_key(|e| std::cmp::Reverse(e.seq));
                out.dedup_by_key(|e| e.seq);
                out.truncate(usize::try_from(limit).unwrap_or(0));
                Ok(out)
            }
        }
    }

    /// Who was shown which resident's record (masked cards), newest first, inside the
    /// actor's audit scope. Each line names the resident by masked name (张*明) and the
    /// household by its room, never by a personal value in full.
    pub async fn data_views(
        &self,
        actor: &Actor,
        filter: ViewFilter,
        limit: i64,
    ) -> AppResult<Vec<DataView>> {
        require_somewhere(actor, Permission::ViewAudit)?;
        let limit = limit.clamp(1, 500);
        let mut conn = self.db.read().await?;
        let mut out = match reach(actor, filter.scope.as_deref()) {
            Reach::Everything => data_access::list(&mut conn, &filter, limit).await?,
            Reach::Within(scopes) => {
                let mut out = Vec::new();
                for s in scopes {
                    let f = ViewFilter {
                        scope: Some(s),
                        ..filter.clone()
                    };
                    out.extend(data_access::list(&mut conn, &f, limit).await?);
                }
                out.sort_by_key(|v| std::cmp::Reverse(v.id));
                out.dedup_by_key(|v| v.id);
                out.truncate(usize::try_from(limit).unwrap_or(0));
                out
            }
        };
        for v in &mut out {
            v.resident_name = v.resident_name.as_deref().map(mask_name);
        }
        Ok(out)
    }

    /// The display names of the accounts an audit page refers to (as targets, or in
    /// an entry's details); accounts since deleted are left out.
    pub async fn audit_account_names(
        &self,
        actor: &Actor,
        ids: &[i64],
    ) -> AppResult<HashMap<i64, String>> {
        require_somewhere(actor, Permission::ViewAudit)?;
        let mut conn = self.db.read().await?;
        crate::platform::users::display_names(&mut conn, ids.iter().copied()).await
    }

    /// The units each of `paths` (materialised paths as the logs keep them) runs
    /// through, from the root down, for showing names instead of ids. A path naming a
    /// unit that no longer exists is left out (shown as it is).
    pub async fn scope_names(
        &self,
        actor: &Actor,
        paths: &[&str],
    ) -> AppResult<HashMap<String, Vec<ScopeStep>>> {
        require_somewhere(actor, Permission::ViewAudit)?;
        let mut conn = self.db.read().await?;
        let mut known: HashMap<i64, ScopeStep> = HashMap::new();
        let mut out = HashMap::new();
        'paths: for &p in paths {
            if out.contains_key(p) {
                continue;
            }
            let mut steps = Vec::new();
            for id in OrgPath::from_stored(p.to_owned()).ids() {
                let step = match known.get(&id) {
                    Some(s) => s.clone(),
                    None => match org::get(&mut conn, id).await {
                        Ok(n) => {
                            let s = ScopeStep {
                                id: n.id,
                                name_zh: n.name_zh,
                                name_en: n.name_en,
                            };
                            known.insert(id, s.clone());
                            s
                        }
                        Err(StoreError::NotFound) => continue 'paths,
                        Err(e) => return Err(e.into()),
                    },
                };
                steps.push(step);
            }
            if !steps.is_empty() {
                out.insert(p.to_owned(), steps);
            }
        }
        Ok(out)
    }

    /// Checks the whole hash chain.
    pub async fn verify_audit(&self, actor: &Actor) -> AppResult<Verification> {
        require_somewhere(actor, Permission::ViewAudit)?;
        let mut conn = self.db.read().await?;
        Ok(repo::verify(&mut conn).await?)
    }
}

#[cfg(test)]
mod tests {
    use civicgrid_domain::platform::access::{Assignment, Role};

    use super::*;

    fn auditor(paths: &[&str]) -> Actor {
        Actor {
            user_id: Some(1),
            token_id: None,
            label: "a".into(),
            assignments: paths
                .iter()
                .map(|p| Assignment {
                    id: 1,
                    role: Role::Auditor,
                    node_id: 1,
                    path: OrgPath::from_stored((*p).to_owned()),
                })
                .collect(),
        }
    }

    fn within(r: Reach) -> Option<Vec<String>> {
        match r {
            Reach::Everything => None,
            Reach::Within(s) => Some(s),
        }
    }

    #[test]
    fn reach_follows_the_audit_scopes() {
        assert_eq!(within(reach(&Actor::system(), Some("/1/4/"))), None);
        let city = auditor(&["/1/"]);
        assert_eq!(within(reach(&city, None)), None);
        assert_eq!(
            within(reach(&city, Some("/1/4/"))),
            Some(vec!["/1/4/".to_owned()])
        );
        let two = auditor(&["/1/4/", "/1/40/"]);
        assert_eq!(
            within(reach(&two, None)),
            Some(vec!["/1/4/".to_owned(), "/1/40/".to_owned()])
        );
        assert_eq!(
            within(reach(&two, Some("/1/40/7/"))),
            Some(vec!["/1/40/7/".to_owned()])
        );
        // Asking for more than one's scope reads nothing.
        assert_eq!(within(reach(&two, Some("/1/"))), Some(vec![]));
    }
}
