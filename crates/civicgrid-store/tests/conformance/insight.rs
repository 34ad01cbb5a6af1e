//! Insight: each family of measures counted per place for a month (population as of a
//! month, requests of the month, open and overdue requests, care visits, volunteers),
//! the figures written per place and period, read for a place, its children, and
//! cleared whole or by measure; the note of each count.

use civicgrid_domain::insight::period::Month;
use civicgrid_domain::requests::{Rating, Status};
use civicgrid_store::crypto::FieldKeys;
use civicgrid_store::insight::counts;
use civicgrid_store::insight::figures::{self, CountRecord};
use civicgrid_store::requests as requests_repo;
use civicgrid_store::{Db, commit, ledger};

use crate::support::{HOUR, T0, chain};

fn value(rows: &[(i64, String, i64)], node: i64, measure: &str) -> Option<i64> {
    rows.iter()
        .find(|(n, m, _)| *n == node && m == measure)
        .map(|r| r.2)
}

conformance!(
    measures_are_counted_per_place_and_kept_per_month,
    |db: Db| async move {
        let keys = FieldKeys::ephemeral();
        let mut tx = db.begin_write().await.unwrap();
        ledger::ensure_default_catalogue(&mut tx).await.unwrap();
        requests_repo::ensure_default_categories(&mut tx)
            .await
            .unwrap();
        let c = chain(&mut tx).await;
        let u = crate::care_visits::unit(&mut tx, c.grid.id).await;
        crate::care_visits::tagged(&mut tx, &keys, (c.grid.id, u), "101", 1, "elderly_alone").await;
        crate::care_visits::tagged(&mut tx, &keys, (c.grid.id, u), "102", 2, "").await;
        // Three requests this month: one closed on time and rated 5, one open and
        // overdue, one open and not yet due.
        let due = T0 + 2 * HOUR;
        let mut closed = crate::requests::record(c.grid.id, c.community.id, &c.grid.path, due);
        closed.status = Status::Closed;
        closed.resolved_at = Some(T0 + HOUR);
        closed.closed_at = Some(T0 + HOUR);
        closed.rating = Some(Rating::new(5).unwrap());
        closed.rated_at = Some(T0 + HOUR);
        closed.due_at = None;
        let mut overdue = crate::requests::record(c.grid.id, c.community.id, &c.grid.path, due);
        overdue.due_at = Some(T0 - HOUR);
        let waiting = crate::requests::record(c.grid.id, c.community.id, &c.grid.path, due);
        for r in [&closed, &overdue, &waiting] {
            requests_repo::insert_request(&mut tx, r).await.unwrap();
        }
        commit(tx).await.unwrap();

        let month = Month::of(T0);
        let ym = i64::from(month.year) * 100 + i64::from(month.month);
        let mut conn = db.read().await.unwrap();
        let people = counts::population(&mut conn, ym).await.unwrap();
        let g = c.grid.id;
        assert_eq!(value(&people, g, "population_present"), Some(2));
        assert_eq!(value(&people, g, "population_registered"), Some(2));
        assert_eq!(value(&people, g, "tag:elderly_alone"), Some(1));
        assert_eq!(
            value(&people, g, "population_floating"),
            None,
            "zeros are left out"
        );
        let flows = counts::requests_of_month(&mut conn, month).await.unwrap();
        assert_eq!(value(&flows, g, "requests_submitted"), Some(3));
        assert_eq!(value(&flows, g, "requests_closed"), Some(1));
        assert_eq!(value(&flows, g, "requests_closed_on_time"), Some(1));
        assert_eq!(value(&flows, g, "requests_rating_sum"), Some(5));
        assert_eq!(value(&flows, g, "requests_satisfied"), Some(1));
        assert!(
            counts::requests_of_month(&mut conn, month.next())
                .await
                .unwrap()
                .is_empty()
        );
        let open = counts::open_requests(&mut conn, T0).await.unwrap();
        assert_eq!(value(&open, g, "requests_open"), Some(2));
        assert_eq!(value(&open, g, "requests_overdue"), Some(1));
        assert!(
            counts::care_and_service(&mut conn, month)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(counts::volunteers(&mut conn).await.unwrap().is_empty());
        drop(conn);

        // Kept per place and month; children read beside their parent.
        let period = month.code();
        let rows = vec![
            (c.community.id, "requests_submitted".to_owned(), 3),
            (c.community.id, "population_present".to_owned(), 2),
            (g, "requests_submitted".to_owned(), 3),
        ];
        let mut tx = db.begin_write().await.unwrap();
        figures::insert(&mut tx, &period, &rows, T0).await.unwrap();
        figures::insert(&mut tx, &month.previous().code(), &rows[..1], T0)
            .await
            .unwrap();
        figures::note_count(
            &mut tx,
            &CountRecord {
                period: period.clone(),
                counted_at: T0,
                took_ms: 12,
                error: None,
            },
        )
        .await
        .unwrap();
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        let mine = figures::of_node(&mut conn, c.community.id, &month.previous().code(), &period)
            .await
            .unwrap();
        assert_eq!(mine.len(), 3);
        assert_eq!(mine[0].0, month.previous().code());
        assert_eq!(
            figures::of_node(&mut conn, c.community.id, &period, &period)
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            figures::of_children(&mut conn, c.community.id, &period)
                .await
                .unwrap(),
            [(g, "requests_submitted".to_owned(), 3)]
        );
        assert_eq!(
            figures::last_count(&mut conn, &period)
                .await
                .unwrap()
                .map(|c| c.took_ms),
            Some(12)
        );
        assert_eq!(
            figures::last_count(&mut conn, "1999-01").await.unwrap(),
            None
        );
        assert_eq!(
            figures::counted_periods(&mut conn, &month.previous().code(), &period)
                .await
                .unwrap(),
            std::slice::from_ref(&period)
        );
        drop(conn);

        // Cleared by measure, then whole; a count's note is replaced.
        let mut tx = db.begin_write().await.unwrap();
        assert_eq!(
            figures::clear(&mut tx, &period, Some(&["requests_submitted"]))
                .await
                .unwrap(),
            2
        );
        assert_eq!(figures::clear(&mut tx, &period, None).await.unwrap(), 1);
        figures::note_count(
            &mut tx,
            &CountRecord {
                period: period.clone(),
                counted_at: T0 + HOUR,
                took_ms: 3,
                error: Some("boom".into()),
            },
        )
        .await
        .unwrap();
        commit(tx).await.unwrap();
        let mut conn = db.read().await.unwrap();
        let last = figures::last_count(&mut conn, &period)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (last.counted_at, last.error.as_deref()),
            (T0 + HOUR, Some("boom"))
        );
        assert!(
            figures::counted_periods(&mut conn, &period, &period)
                .await
                .unwrap()
                .is_empty(),
            "a failed count does not count"
        );
        assert_eq!(
            figures::of_node(&mut conn, c.community.id, &month.previous().code(), &period)
                .await
                .unwrap()
                .len(),
            1,
            "the month before is kept"
        );
    }
);
