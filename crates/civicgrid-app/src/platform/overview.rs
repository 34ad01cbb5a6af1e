//! Home-page figures of those who oversee the platform: the accounts and units an
//! administrator manages, and what the audit and data-access logs recorded lately for
//! an auditor. Read-only; each figure only for who may open the page it links to.

use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_domain::platform::org::OrgPath;
use civicgrid_store::platform::overview::{OversightCounts, oversight_counts};
use civicgrid_store::{AnyConnection, now_ms};
use serde::Serialize;

use super::audit::{Reach, reach};
use crate::{App, AppError, AppResult};

/// The logs are counted over this many days back.
pub const RECENT_DAYS: i64 = 7;

const DAY_MS: i64 = 24 * 3600 * 1000;

/// What an administrator or auditor oversees; a figure is `None` for who may not
/// open its page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Oversight {
    /// Accounts with a role in the reader's scope, and the switched-off ones
    /// ([`Permission::ManageUsers`]).
    pub accounts: Option<i64>,
    pub inactive_accounts: Option<i64>,
    /// Organisation units in the reader's scope ([`Permission::ManageOrg`]).
    pub org_units: Option<i64>,
    /// Audit entries and residents' records shown in the last [`RECENT_DAYS`] days
    /// ([`Permission::ViewAudit`]).
    pub audit_entries: Option<i64>,
    pub data_views: Option<i64>,
}

/// The counts summed over `scopes` (everything when `None`).
async fn counts_over(
    conn: &mut AnyConnection,
    scopes: Option<Vec<String>>,
    since_ms: i64,
) -> AppResult<OversightCounts> {
    let Some(scopes) = scopes else {
        return Ok(oversight_counts(conn, None, since_ms).await?);
    };
    let mut total = OversightCounts::default();
    for s in scopes {
        let c = oversight_counts(conn, Some(&s), since_ms).await?;
        total.accounts += c.accounts;
        total.inactive_accounts += c.inactive_accounts;
        total.org_units += c.org_units;
        total.audit_entries += c.audit_entries;
        total.data_views += c.data_views;
    }
    Ok(total)
}

fn paths(scopes: Option<Vec<OrgPath>>) -> Option<Vec<String>> {
    scopes.map(|v| v.iter().map(|p| p.as_str().to_owned()).collect())
}

impl App {
    /// The figures of an administrator's or auditor's home page, each counted where
    /// the reader may open its page; refused to who may open none of them.
    pub async fn oversight(&self, actor: &Actor) -> AppResult<Oversight> {
        let users = actor.can_somewhere(Permission::ManageUsers);
        let org = actor.can_somewhere(Permission::ManageOrg);
        let audit = actor.can_somewhere(Permission::ViewAudit);
        if !(users || org || audit) {
            return Err(AppError::Forbidden);
        }
        let since = now_ms() - RECENT_DAYS * DAY_MS;
        let mut conn = self.db.read().await?;
        let mut out = Oversight::default();
        if users {
            let c = counts_over(
                &mut conn,
                paths(actor.scopes(Permission::ManageUsers)),
                since,
            )
            .await?;
            out.accounts = Some(c.accounts);
            out.inactive_accounts = Some(c.inactive_accounts);
        }
        if org {
            let c =
                counts_over(&mut conn, paths(actor.scopes(Permission::ManageOrg)), since).await?;
            out.org_units = Some(c.org_units);
        }
        if audit {
            let scopes = match reach(actor, None) {
                Reach::Everything => None,
                Reach::Within(v) => Some(v),
            };
            let c = counts_over(&mut conn, scopes, since).await?;
            out.audit_entries = Some(c.audit_entries);
            out.data_views = Some(c.data_views);
        }
        Ok(out)
    }
}
