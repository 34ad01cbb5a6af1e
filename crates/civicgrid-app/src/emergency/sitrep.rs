//! The situation report (情况报告) of one emergency, or of every running emergency the
//! reader follows (a street office's view of its street), counted from live data when
//! asked: households checked and needing help, material requests and what was issued,
//! open urgent requests, the checklist and the incident log. Who follows an emergency
//! may read its report ([`super::modes::follows`]); nothing is written.

use civicgrid_domain::emergency::materials::RequestStatus;
use civicgrid_domain::emergency::sitrep::Figures;
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_store::emergency::checks::{self as checks_repo, CampaignRecord, TargetRecord};
use civicgrid_store::emergency::modes::{self as repo, ActivationRecord, IncidentRecord};
use civicgrid_store::emergency::sitrep::{self as sitrep_repo, IssuedLine};
use civicgrid_store::platform::org;
use civicgrid_store::{AnyConnection, now_ms};

use super::modes::{followed, follows};
use crate::authz::require_somewhere;
use crate::{App, AppResult};

/// The report: one section per community's emergency, and their total.
#[derive(Debug, Clone)]
pub struct Sitrep {
    pub as_of: i64,
    pub sections: Vec<SitrepSection>,
    pub total: Figures,
}

/// One community's emergency in the report.
#[derive(Debug, Clone)]
pub struct SitrepSection {
    pub a: ActivationRecord,
    pub community_name: String,
    pub figures: Figures,
    /// Checklist steps done, of all.
    pub steps: (usize, usize),
    pub campaigns: Vec<CampaignLine>,
    /// Households found needing help, campaign by campaign in walking order.
    pub needing_help: Vec<TargetRecord>,
    pub issued: Vec<IssuedLine>,
    pub incidents: Vec<IncidentRecord>,
}

/// A welfare-check campaign's line.
#[derive(Debug, Clone)]
pub struct CampaignLine {
    pub c: CampaignRecord,
    pub figures: Figures,
}

impl App {
    /// The report of one emergency (who follows it).
    pub async fn emergency_sitrep(&self, actor: &Actor, id: i64) -> AppResult<Sitrep> {
        let mut conn = self.db.read().await?;
        let a = followed(&mut conn, actor, id).await?;
        let as_of = now_ms();
        let section = section(&mut conn, a, as_of).await?;
        Ok(report(as_of, vec![section]))
    }

    /// The report of every running emergency the actor follows, community by
    /// community; empty when none runs.
    pub async fn running_sitrep(&self, actor: &Actor) -> AppResult<Sitrep> {
        require_somewhere(actor, Permission::ViewEmergency)?;
        let mut conn = self.db.read().await?;
        let as_of = now_ms();
        let mut sections = Vec::new();
        for a in repo::running(&mut conn).await? {
            if follows(actor, &a.scope) {
                sections.push(section(&mut conn, a, as_of).await?);
            }
        }
        sections.sort_by(|x, y| x.community_name.cmp(&y.community_name));
        Ok(report(as_of, sections))
    }
}

fn report(as_of: i64, sections: Vec<SitrepSection>) -> Sitrep {
    let mut total = Figures::default();
    for s in &sections {
        total.add(&s.figures);
    }
    Sitrep {
        as_of,
        sections,
        total,
    }
}

async fn section(
    conn: &mut AnyConnection,
    a: ActivationRecord,
    as_of: i64,
) -> AppResult<SitrepSection> {
    let until = a.ended_at.unwrap_or(as_of);
    let mut figures = Figures {
        urgent_open: repo::open_requests_in(conn, a.community_id, &a.urgent_categories).await?,
        ..Figures::default()
    };
    let mut campaigns = Vec::new();
    let mut needing_help = Vec::new();
    for c in checks_repo::campaigns_of(conn, a.id).await? {
        let mut f = Figures::default();
        for p in checks_repo::progress(conn, c.id).await? {
            f.targeted += p.total;
            f.checked += p.checked;
            f.needing_help += p.needing_help;
            f.unreached += p.unreached;
        }
        let found = sitrep_repo::needing_help(conn, c.id).await?;
        f.count_needs(found.iter().map(|t| t.needs.as_slice()));
        figures.add(&f);
        needing_help.extend(found);
        campaigns.push(CampaignLine { c, figures: f });
    }
    if campaigns.is_empty() {
        figures.count_needs(std::iter::empty());
    }
    for (status, n) in
        sitrep_repo::material_requests_by_status(conn, a.community_id, a.started_at).await?
    {
        match RequestStatus::parse(&status) {
            Ok(RequestStatus::Waiting) => figures.materials_waiting += n,
            Ok(RequestStatus::Issued) => figures.materials_on_the_way += n,
            Ok(RequestStatus::Delivered) => figures.materials_delivered += n,
            _ => {}
        }
    }
    let checklist = repo::checklist_of(conn, a.id).await?;
    Ok(SitrepSection {
        community_name: org::get(conn, a.community_id).await?.name_zh,
        figures,
        steps: (
            checklist.iter().filter(|s| s.done_at.is_some()).count(),
            checklist.len(),
        ),
        campaigns,
        needing_help,
        issued: sitrep_repo::materials_issued(conn, a.community_id, a.started_at, until).await?,
        incidents: repo::incidents_of(conn, a.id).await?,
        a,
    })
}
