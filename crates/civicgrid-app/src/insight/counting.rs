//! Counting a month's figures: each measure per place from the capability tables
//! (`store::insight::counts`), added up to every ancestor, written for the month in one
//! transaction. The month that is running is recounted whole; a month that has ended
//! has its flows recounted (what happened in it does not change) and keeps the
//! snapshots taken while it ran. On PostgreSQL one instance counts at a time (an
//! advisory lock); the others skip. A failed count is noted with its error, so the
//! schedule counts it again and the dashboard says so.

use std::collections::{BTreeMap, HashMap};

use civicgrid_domain::insight::measures::{Kind, Measure};
use civicgrid_domain::insight::period::Month;
use civicgrid_store::insight::counts::{self, Counted};
use civicgrid_store::insight::figures::{self as repo, CountRecord};
use civicgrid_store::platform::org;
use civicgrid_store::requests::try_job_lock;
use civicgrid_store::{commit, now_ms};

use crate::{App, AppResult};

/// Key of the advisory lock a count holds ("cg-insig").
const INSIGHT_LOCK_KEY: i64 = 0x6367_2d69_6e73_6967;

/// What a count did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountSummary {
    pub month: Month,
    /// Figures written (places × measures).
    pub figures: usize,
    pub took_ms: i64,
    /// False when another instance was counting (nothing written).
    pub counted: bool,
}

/// Adds each counted figure to its place and every ancestor of it.
fn rolled_up(counted: Vec<Counted>, lineage: &HashMap<i64, Vec<i64>>) -> Vec<(i64, String, i64)> {
    let mut sums: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for (node, measure, value) in counted {
        for id in lineage.get(&node).into_iter().flatten() {
            *sums.entry((*id, measure.clone())).or_default() += value;
        }
    }
    sums.into_iter().map(|((n, m), v)| (n, m, v)).collect()
}

impl App {
    /// Counts `month`'s figures now (see the module's description).
    pub async fn count_insight(&self, month: Month) -> AppResult<CountSummary> {
        let started = now_ms();
        let running = Month::of(started) == month;
        let result = self.count_month(month, running, started).await;
        let took_ms = now_ms() - started;
        match result {
            Ok(Some(figures)) => Ok(CountSummary {
                month,
                figures,
                took_ms,
                counted: true,
            }),
            Ok(None) => Ok(CountSummary {
                month,
                figures: 0,
                took_ms,
                counted: false,
            }),
            Err(e) => {
                let mut tx = self.db.begin_write().await?;
                repo::note_count(
                    &mut tx,
                    &CountRecord {
                        period: month.code(),
                        counted_at: started,
                        took_ms,
                        error: Some(e.to_string()),
                    },
                )
                .await?;
                commit(tx).await?;
                Err(e)
            }
        }
    }

    /// Counts `month` as the schedule does: the running month always; the month
    /// before once more when its last count ran before it ended or failed (after
    /// downtime, or a failure).
    pub async fn count_insight_due(&self) -> AppResult<Vec<CountSummary>> {
        let now = now_ms();
        let month = Month::of(now);
        let before = month.previous();
        let mut out = Vec::new();
        let last = {
            let mut conn = self.db.read().await?;
            repo::last_count(&mut conn, &before.code()).await?
        };
        if last.is_none_or(|c| c.error.is_some() || c.counted_at < before.end_ms()) {
            out.push(self.count_insight(before).await?);
        }
        out.push(self.count_insight(month).await?);
        Ok(out)
    }

    async fn count_month(&self, month: Month, running: bool, now: i64) -> AppResult<Option<usize>> {
        let (counted, lineage) = {
            let mut conn = self.db.read().await?;
            let mut counted = counts::requests_of_month(&mut conn, month).await?;
            counted.extend(counts::care_and_service(&mut conn, month).await?);
            if running {
                let ym = i64::from(month.year) * 100 + i64::from(month.month);
                counted.extend(counts::population(&mut conn, ym).await?);
                counted.extend(counts::open_requests(&mut conn, now).await?);
                counted.extend(counts::volunteers(&mut conn).await?);
            }
            let mut lineage = HashMap::new();
            for root in org::roots(&mut conn).await? {
                for n in org::subtree(&mut conn, &root.path).await? {
                    lineage.insert(n.id, n.path.ids());
                }
            }
            (counted, lineage)
        };
        let rows = rolled_up(counted, &lineage);
        let period = month.code();
        let flows: Vec<&str> = Measure::ALL
            .iter()
            .filter(|m| m.kind() == Kind::Flow)
            .map(|m| m.code())
            .collect();
        let mut tx = self.db.begin_write().await?;
        if !try_job_lock(&mut tx, INSIGHT_LOCK_KEY).await? {
            return Ok(None);
        }
        repo::clear(&mut tx, &period, if running { None } else { Some(&flows) }).await?;
        repo::insert(&mut tx, &period, &rows, now).await?;
        repo::note_count(
            &mut tx,
            &CountRecord {
                period,
                counted_at: now,
                took_ms: now_ms() - now,
                error: None,
            },
        )
        .await?;
        commit(tx).await?;
        Ok(Some(rows.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_add_up_to_every_ancestor() {
        let lineage = HashMap::from([(3, vec![1, 2, 3]), (4, vec![1, 2, 4]), (2, vec![1, 2])]);
        let rows = rolled_up(
            vec![
                (3, "care_visits".into(), 2),
                (4, "care_visits".into(), 5),
                (2, "volunteers_active".into(), 1),
                (9, "care_visits".into(), 7),
            ],
            &lineage,
        );
        let get = |n: i64, m: &str| rows.iter().find(|(x, y, _)| *x == n && y == m).map(|r| r.2);
        assert_eq!(get(1, "care_visits"), Some(7));
        assert_eq!(get(2, "care_visits"), Some(7));
        assert_eq!(get(3, "care_visits"), Some(2));
        assert_eq!(get(2, "volunteers_active"), Some(1));
        assert_eq!(get(3, "volunteers_active"), None);
        // A place no longer in the tree adds to nothing.
        assert_eq!(get(9, "care_visits"), None);
    }
}
