//! A party member's year (承诺践诺): each pledge with what fulfils it — care visits
//! logged as a carer, confirmed volunteer hours, resolved requests linked by staff,
//! and notes with evidence — and the yearly summary per member and per party
//! organisation that staff print for the annual review.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use civicgrid_domain::care::party::{MemberStatus, PledgeKind, progress, year_bounds};
use civicgrid_domain::platform::access::{Actor, Permission};
use civicgrid_store::AnyConnection;
use civicgrid_store::care::party::{
    self as repo, CarerVisit, LinkedRequest, MemberRecord, NoteRecord, PledgeRecord, ServedDay,
};

use super::volunteers::Names;
use crate::authz::{require_somewhere, scopes};
use crate::{App, AppResult};

/// The community's offset from UTC (UTC+8), in milliseconds.
const OFFSET_MS: i64 = 8 * 3_600_000;

/// The instant the community's day `d` begins.
pub(crate) fn day_start_ms(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis() - OFFSET_MS)
}

/// A pledge and how far it is kept.
#[derive(Debug, Clone)]
pub struct PledgeProgress {
    pub pledge: PledgeRecord,
    /// From real activity of the pledge's kind (times, or minutes).
    pub from_activity: i64,
    /// From notes with evidence.
    pub from_notes: i64,
    pub fulfilled: i64,
    /// Whole percent of the target, at most 100.
    pub percent: i64,
    pub met: bool,
}

/// A member's pledges of a year and the activity behind them.
#[derive(Debug, Clone, Default)]
pub struct YearRecord {
    pub pledges: Vec<PledgeProgress>,
    pub visits: Vec<CarerVisit>,
    pub served: Vec<ServedDay>,
    pub requests: Vec<LinkedRequest>,
    pub notes: Vec<NoteRecord>,
}

impl YearRecord {
    /// Pledges met, and pledges made.
    pub fn met(&self) -> (usize, usize) {
        (
            self.pledges.iter().filter(|p| p.met).count(),
            self.pledges.len(),
        )
    }
}

/// The pledges of `m` for `year` with their fulfilment.
pub(crate) async fn year_record(
    conn: &mut AnyConnection,
    m: &MemberRecord,
    year: i32,
) -> AppResult<YearRecord> {
    let Some((from, to)) = year_bounds(year) else {
        return Ok(YearRecord::default());
    };
    let (from_ms, to_ms) = (day_start_ms(from), day_start_ms(to));
    let pledges = repo::pledges_of_member(conn, m.id, year).await?;
    if pledges.is_empty() {
        return Ok(YearRecord::default());
    }
    let visits = match m.user_id {
        Some(u) => repo::visits_by_carer(conn, u, from_ms, to_ms).await?,
        None => Vec::new(),
    };
    let served = repo::hours_served(conn, m.resident_id, from, to).await?;
    let requests = repo::linked_requests(conn, m.id, from_ms, to_ms).await?;
    let notes = repo::notes_of_member(conn, m.id, year).await?;
    let activity = |kind: PledgeKind| -> i64 {
        match kind {
            PledgeKind::Visits => visits.len() as i64,
            PledgeKind::Volunteering => served.iter().map(|d| d.minutes).sum(),
            PledgeKind::Requests => requests.len() as i64,
            PledgeKind::Other => 0,
        }
    };
    let pledges = pledges
        .into_iter()
        .map(|p| {
            let from_activity = activity(p.kind);
            let from_notes: i64 = notes
                .iter()
                .filter(|n| n.pledge_id == p.id)
                .map(|n| n.amount)
                .sum();
            let fulfilled = from_activity + from_notes;
            let (percent, met) = progress(fulfilled, p.target);
            PledgeProgress {
                pledge: p,
                from_activity,
                from_notes,
                fulfilled,
                percent,
                met,
            }
        })
        .collect();
    Ok(YearRecord {
        pledges,
        visits,
        served,
        requests,
        notes,
    })
}

/// One member's line of the yearly summary.
#[derive(Debug, Clone)]
pub struct SummaryMember {
    pub member_id: i64,
    /// In full to who may read the ledger there, masked otherwise.
    pub name: String,
    pub grid_name: String,
    pub pledges: Vec<PledgeProgress>,
    pub met: usize,
}

/// The members of one party organisation (所在党组织) and their totals.
#[derive(Debug, Clone)]
pub struct SummaryBranch {
    pub organisation: String,
    pub members: Vec<SummaryMember>,
    pub pledged: usize,
    pub met: usize,
    /// Members who kept every pledge (and made at least one).
    pub members_all_met: usize,
}

/// The yearly summary of confirmed members where the actor follows party members.
#[derive(Debug, Clone)]
pub struct PartySummary {
    pub year: i32,
    pub branches: Vec<SummaryBranch>,
    pub members: usize,
    pub pledged: usize,
    pub met: usize,
}

/// The most members a summary covers.
const SUMMARY_MAX: i64 = 2_000;

impl App {
    /// The summary of `year` per member and per party organisation, over confirmed
    /// members living where the actor follows party members.
    pub async fn party_summary(&self, actor: &Actor, year: i32) -> AppResult<PartySummary> {
        require_somewhere(actor, Permission::ViewParty)?;
        let mut conn = self.db.read().await?;
        let mut members = Vec::new();
        for s in scopes(actor, Permission::ViewParty) {
            members.extend(
                repo::list_members(&mut conn, &s, Some(MemberStatus::Confirmed), SUMMARY_MAX)
                    .await?,
            );
        }
        members.sort_by_key(|m| m.id);
        members.dedup_by_key(|m| m.id);
        let mut names = Names::default();
        let mut by_org: BTreeMap<String, Vec<SummaryMember>> = BTreeMap::new();
        for m in members {
            let r = year_record(&mut conn, &m, year).await?;
            let grid = m.scope.ids().last().copied().unwrap_or(0);
            let name = if actor.can(Permission::ViewLedger, &m.scope) {
                m.name.clone()
            } else {
                civicgrid_domain::privacy::mask_name(&m.name)
            };
            let (met, _) = r.met();
            by_org
                .entry(m.organisation.clone())
                .or_default()
                .push(SummaryMember {
                    member_id: m.id,
                    name,
                    grid_name: names.of(&mut conn, grid).await?,
                    pledges: r.pledges,
                    met,
                });
        }
        let branches: Vec<SummaryBranch> = by_org
            .into_iter()
            .map(|(organisation, members)| SummaryBranch {
                pledged: members.iter().map(|m| m.pledges.len()).sum(),
                met: members.iter().map(|m| m.met).sum(),
                members_all_met: members
                    .iter()
                    .filter(|m| !m.pledges.is_empty() && m.met == m.pledges.len())
                    .count(),
                organisation,
                members,
            })
            .collect();
        Ok(PartySummary {
            year,
            members: branches.iter().map(|b| b.members.len()).sum(),
            pledged: branches.iter().map(|b| b.pledged).sum(),
            met: branches.iter().map(|b| b.met).sum(),
            branches,
        })
    }
}
