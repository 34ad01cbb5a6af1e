//! Population summary of a subtree: per grid, counts by residence status (everyone),
//! and by gender, age band and recorded tag (present residents: registered, floating).

use std::collections::BTreeMap;

use sqlx::{AnyConnection, Row};

use crate::{StoreResult, prefix_end};

/// Age bands: 0–17, 18–34, 35–59, 60–79, 80+.
pub const AGE_BANDS: [&str; 5] = ["0-17", "18-34", "35-59", "60-79", "80+"];

/// Lower age bound of each band after the first.
const BAND_STARTS: [i64; 4] = [18, 35, 60, 80];

/// Counts for one grid or for a whole subtree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Present residents.
    pub present: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_gender: BTreeMap<String, i64>,
    pub by_age_band: [i64; 5],
    pub by_tag: BTreeMap<String, i64>,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.present += other.present;
        for (k, v) in &other.by_status {
            *self.by_status.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.by_gender {
            *self.by_gender.entry(k.clone()).or_default() += v;
        }
        for (i, v) in other.by_age_band.iter().enumerate() {
            self.by_age_band[i] += v;
        }
        for (k, v) in &other.by_tag {
            *self.by_tag.entry(k.clone()).or_default() += v;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridCounts {
    pub grid_id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Population {
    /// Every grid in the subtree, in path order, also those without residents.
    pub grids: Vec<GridCounts>,
    pub total: Counts,
}

/// The latest birth year-month of someone aged at least `age` in `today_ym` (YYYYMM).
pub fn born_by(today_ym: i64, age: i64) -> i64 {
    today_ym - age * 100
}

/// The age band (index into [`AGE_BANDS`]) of someone born in `birth_ym` as of `today_ym`.
pub fn age_band(birth_ym: i64, today_ym: i64) -> usize {
    BAND_STARTS
        .iter()
        .take_while(|start| birth_ym <= born_by(today_ym, **start))
        .count()
}

// The joins are written `org_nodes CROSS JOIN residents` so that SQLite starts from the
// grids in scope and reads residents through `residents_population` (PostgreSQL plans
// the join as it likes).
const PRESENT: &str = "r.residence_status IN ('registered', 'floating')";
const PRESENT_STATUSES: [&str; 2] = ["registered", "floating"];

/// The population of the subtree at `scope` (an org path) as of `today_ym` (YYYYMM).
pub async fn population(
    conn: &mut AnyConnection,
    scope: &str,
    today_ym: i64,
) -> StoreResult<Population> {
    let hi = prefix_end(scope);
    let mut grids: Vec<GridCounts> = Vec::new();
    let rows = sqlx::query(
        "SELECT id, code, name_zh, name_en FROM org_nodes \
         WHERE path >= $1 AND path < $2 AND kind = 'grid' ORDER BY path",
    )
    .bind(scope)
    .bind(&hi)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        grids.push(GridCounts {
            grid_id: row.try_get("id")?,
            code: row.try_get("code")?,
            name_zh: row.try_get("name_zh")?,
            name_en: row.try_get("name_en")?,
            counts: Counts::default(),
        });
    }
    let mut index: BTreeMap<i64, usize> = BTreeMap::new();
    for (i, g) in grids.iter().enumerate() {
        index.insert(g.grid_id, i);
    }

    // Status, gender and age band in one pass over `residents_population`; gender and
    // band are counted for present residents only.
    let [b18, b35, b60, b80] = BAND_STARTS.map(|a| born_by(today_ym, a));
    let rows = sqlx::query(
        "SELECT r.grid_id, r.residence_status AS status, r.gender, \
         CASE WHEN r.birth_ym > $3 THEN 0 WHEN r.birth_ym > $4 THEN 1 \
         WHEN r.birth_ym > $5 THEN 2 WHEN r.birth_ym > $6 THEN 3 ELSE 4 END AS band, \
         COUNT(*) AS n FROM org_nodes g CROSS JOIN residents r \
         WHERE r.grid_id = g.id AND g.path >= $1 AND g.path < $2 AND g.kind = 'grid' \
         GROUP BY r.grid_id, r.residence_status, r.gender, band",
    )
    .bind(scope)
    .bind(&hi)
    .bind(b18)
    .bind(b35)
    .bind(b60)
    .bind(b80)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        if let Some(i) = index.get(&row.try_get::<i64, _>("grid_id")?) {
            let c = &mut grids[*i].counts;
            let n: i64 = row.try_get("n")?;
            let status: String = row.try_get("status")?;
            let present = PRESENT_STATUSES.contains(&status.as_str());
            *c.by_status.entry(status).or_default() += n;
            if !present {
                continue;
            }
            let gender: String = row.try_get("gender")?;
            let band: i64 = row
                .try_get::<i64, _>("band")
                .or_else(|_| row.try_get::<i32, _>("band").map(i64::from))?;
            c.present += n;
            *c.by_gender.entry(gender).or_default() += n;
            if let Some(slot) = usize::try_from(band)
                .ok()
                .and_then(|b| c.by_age_band.get_mut(b))
            {
                *slot += n;
            }
        }
    }

    let sql = format!(
        "SELECT r.grid_id, t.tag_code AS k, COUNT(*) AS n FROM org_nodes g \
         CROSS JOIN residents r CROSS JOIN resident_tags t \
         WHERE r.grid_id = g.id AND t.resident_id = r.id AND g.path >= $1 AND g.path < $2 \
         AND g.kind = 'grid' AND {PRESENT} GROUP BY r.grid_id, t.tag_code"
    );
    let rows = crate::dialect::query(sql)
        .bind(scope)
        .bind(&hi)
        .fetch_all(&mut *conn)
        .await?;
    for row in rows {
        if let Some(i) = index.get(&row.try_get::<i64, _>("grid_id")?) {
            let k: String = row.try_get("k")?;
            grids[*i].counts.by_tag.insert(k, row.try_get("n")?);
        }
    }

    let mut total = Counts::default();
    for g in &grids {
        total.add(&g.counts);
    }
    Ok(Population { grids, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_birth_month() {
        let today = 202611;
        assert_eq!(age_band(200812, today), 0); // 17 and 11 months
        assert_eq!(age_band(200811, today), 1); // 18 this month
        assert_eq!(age_band(199112, today), 1);
        assert_eq!(age_band(199111, today), 2);
        assert_eq!(age_band(196611, today), 3);
        assert_eq!(age_band(194612, today), 3);
        assert_eq!(age_band(194611, today), 4);
    }
}
