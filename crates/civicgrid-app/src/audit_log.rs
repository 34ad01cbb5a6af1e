//! Reading and verifying the audit log.

use civicgrid_domain::access::{Actor, Permission};
use civicgrid_domain::audit::StoredEntry;
use civicgrid_store::audit::{self as repo, AuditFilter, Verification};

use crate::authz::require_somewhere;
use crate::{App, AppResult};

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
        match actor.scopes(Permission::ViewAudit) {
            None => Ok(repo::list(&mut conn, &filter, limit).await?),
            Some(scopes) => {
                let unrestricted = scopes.iter().any(|s| s.depth() == 1);
                if unrestricted && filter.scope.is_none() {
                    return Ok(repo::list(&mut conn, &filter, limit).await?);
                }
                let mut out = Vec::new();
                for s in scopes {
                    let mut f = filter.clone();
                    f.scope = match filter.scope.as_deref() {
                        Some(wanted) if wanted.starts_with(s.as_str()) => Some(wanted.to_owned()),
                        Some(_) => continue,
                        None => Some(s.as_str().to_owned()),
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

    /// Checks the whole hash chain.
    pub async fn verify_audit(&self, actor: &Actor) -> AppResult<Verification> {
        require_somewhere(actor, Permission::ViewAudit)?;
        let mut conn = self.db.read().await?;
        Ok(repo::verify(&mut conn).await?)
    }
}
