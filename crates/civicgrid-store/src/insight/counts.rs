//! Counting the measures of a month per place: one grouped query per family over the
//! capability tables (never one query per place). Each row names the finest place the
//! data knows (a grid, or a community for volunteers serving a whole community).

use civicgrid_domain::insight::measures::{Measure, tag_measure};
use civicgrid_domain::insight::period::Month;
use sqlx::{AnyConnection, Row};

use crate::StoreResult;

/// One counted figure: (node, measure name, value).
pub type Counted = (i64, String, i64);

fn push(out: &mut Vec<Counted>, node: i64, m: Measure, v: i64) {
    if v != 0 {
        out.push((node, m.code().to_owned(), v));
    }
}

/// Present residents, registered and floating, by age band and by tag, per grid, as
/// of `today_ym` (YYYYMM).
pub async fn population(conn: &mut AnyConnection, today_ym: i64) -> StoreResult<Vec<Counted>> {
    let p = crate::ledger::population::population(conn, "/", today_ym).await?;
    let mut out = Vec::new();
    for g in p.grids {
        let c = &g.counts;
        push(&mut out, g.grid_id, Measure::Present, c.present);
        let status = |s: &str| c.by_status.get(s).copied().unwrap_or(0);
        push(
            &mut out,
            g.grid_id,
            Measure::Registered,
            status("registered"),
        );
        push(&mut out, g.grid_id, Measure::Floating, status("floating"));
        for (m, n) in Measure::AGE_BANDS.iter().zip(c.by_age_band) {
            push(&mut out, g.grid_id, *m, n);
        }
        for (tag, n) in &c.by_tag {
            if *n != 0 {
                out.push((g.grid_id, tag_measure(tag), *n));
            }
        }
    }
    Ok(out)
}

/// Requests per grid: submitted, closed (on time), rated (their sum, the satisfied —
/// 4 or 5 stars) during `month`.
pub async fn requests_of_month(
    conn: &mut AnyConnection,
    month: Month,
) -> StoreResult<Vec<Counted>> {
    let rows = sqlx::query(
        "SELECT grid_id, \
           CAST(SUM(CASE WHEN created_at >= $1 AND created_at < $2 THEN 1 ELSE 0 END) AS BIGINT) AS submitted, \
           CAST(SUM(CASE WHEN open = 0 AND closed_at >= $1 AND closed_at < $2 THEN 1 ELSE 0 END) AS BIGINT) AS closed, \
           CAST(SUM(CASE WHEN open = 0 AND closed_at >= $1 AND closed_at < $2 \
                     AND COALESCE(resolved_at, closed_at) <= resolution_due_at THEN 1 ELSE 0 END) AS BIGINT) AS on_time, \
           CAST(SUM(CASE WHEN rating IS NOT NULL AND rated_at >= $1 AND rated_at < $2 THEN 1 ELSE 0 END) AS BIGINT) AS rated, \
           CAST(SUM(CASE WHEN rating IS NOT NULL AND rated_at >= $1 AND rated_at < $2 THEN rating ELSE 0 END) AS BIGINT) AS rating_sum, \
           CAST(SUM(CASE WHEN rating >= 4 AND rated_at >= $1 AND rated_at < $2 THEN 1 ELSE 0 END) AS BIGINT) AS satisfied \
         FROM requests \
         WHERE (created_at >= $1 AND created_at < $2) OR (closed_at >= $1 AND closed_at < $2) \
            OR (rated_at >= $1 AND rated_at < $2) \
         GROUP BY grid_id",
    )
    .bind(month.start_ms())
    .bind(month.end_ms())
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let g: i64 = r.try_get("grid_id")?;
        for (m, col) in [
            (Measure::Submitted, "submitted"),
            (Measure::Closed, "closed"),
            (Measure::ClosedOnTime, "on_time"),
            (Measure::Rated, "rated"),
            (Measure::RatingSum, "rating_sum"),
            (Measure::Satisfied, "satisfied"),
        ] {
            push(&mut out, g, m, r.try_get(col)?);
        }
    }
    Ok(out)
}

/// Open requests per grid at `now_ms`, and those past their deadline.
pub async fn open_requests(conn: &mut AnyConnection, now_ms: i64) -> StoreResult<Vec<Counted>> {
    let rows = sqlx::query(
        "SELECT grid_id, COUNT(*) AS open_n, \
           CAST(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue_n \
         FROM requests WHERE open = 1 GROUP BY grid_id",
    )
    .bind(now_ms)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let g: i64 = r.try_get("grid_id")?;
        push(&mut out, g, Measure::Open, r.try_get("open_n")?);
        push(&mut out, g, Measure::Overdue, r.try_get("overdue_n")?);
    }
    Ok(out)
}

/// Care visits per grid during `month`, and volunteers' minutes served in it per
/// area (grid or community).
pub async fn care_and_service(conn: &mut AnyConnection, month: Month) -> StoreResult<Vec<Counted>> {
    let mut out = Vec::new();
    let visits: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT p.grid_id, COUNT(*) FROM care_visits v JOIN care_pairings p ON p.id = v.pairing_id \
         WHERE v.visited_at >= $1 AND v.visited_at < $2 GROUP BY p.grid_id",
    )
    .bind(month.start_ms())
    .bind(month.end_ms())
    .fetch_all(&mut *conn)
    .await?;
    for (g, n) in visits {
        push(&mut out, g, Measure::CareVisits, n);
    }
    let first = format!("{}-01", month.code());
    let next = format!("{}-01", month.next().code());
    let minutes: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT v.area_id, CAST(SUM(h.minutes) AS BIGINT) FROM volunteer_hours h \
         JOIN volunteers v ON v.id = h.volunteer_id \
         WHERE h.served_on >= $1 AND h.served_on < $2 GROUP BY v.area_id",
    )
    .bind(first)
    .bind(next)
    .fetch_all(&mut *conn)
    .await?;
    for (a, n) in minutes {
        push(&mut out, a, Measure::VolunteerMinutes, n);
    }
    Ok(out)
}

/// Verified volunteers per area (grid or community), now.
pub async fn volunteers(conn: &mut AnyConnection) -> StoreResult<Vec<Counted>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT area_id, COUNT(*) FROM volunteers WHERE status = 'verified' GROUP BY area_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for (a, n) in rows {
        push(&mut out, a, Measure::VolunteersActive, n);
    }
    Ok(out)
}
