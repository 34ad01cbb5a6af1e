//! Home-page figures: a scope's work counts and each community's results, grouped.

use civicgrid_domain::platform::org::NodeKind;
use civicgrid_domain::requests::{Rating, Status};
use civicgrid_store::requests as repo;
use civicgrid_store::{Db, commit};

use crate::requests::record;
use crate::support::{HOUR, T0, node};

conformance!(
    requests_overview_counts_and_groups_by_community,
    |db: Db| async move {
        let mut tx = db.begin_write().await.unwrap();
        repo::ensure_default_categories(&mut tx).await.unwrap();
        let city = node(&mut tx, None, NodeKind::City, "C").await;
        let district = node(&mut tx, Some(&city), NodeKind::District, "D").await;
        let street = node(&mut tx, Some(&district), NodeKind::Street, "S").await;
        let a = node(&mut tx, Some(&street), NodeKind::Community, "A").await;
        let ga = node(&mut tx, Some(&a), NodeKind::Grid, "GA").await;
        let b = node(&mut tx, Some(&street), NodeKind::Community, "B").await;
        let gb = node(&mut tx, Some(&b), NodeKind::Grid, "GB").await;
        let now = T0 + 10 * HOUR;
        // In A: one waiting and overdue, one accepted and due soon, one closed on time
        // and rated 5, one closed late, rated 2 and flagged.
        repo::insert_request(&mut tx, &record(ga.id, a.id, &ga.path, T0 + HOUR))
            .await
            .unwrap();
        let mut soon = record(ga.id, a.id, &ga.path, now + HOUR);
        soon.status = Status::Accepted;
        soon.warn_at = Some(now - HOUR);
        repo::insert_request(&mut tx, &soon).await.unwrap();
        let mut good = record(ga.id, a.id, &ga.path, T0 + HOUR);
        good.status = Status::Closed;
        good.resolved_at = Some(T0 + HOUR);
        good.closed_at = Some(T0 + 2 * HOUR);
        good.rating = Some(Rating::new(5).unwrap());
        good.rated_at = Some(T0 + 2 * HOUR);
        repo::insert_request(&mut tx, &good).await.unwrap();
        let mut late = good.clone();
        late.resolved_at = Some(T0 + 9 * HOUR);
        late.closed_at = Some(T0 + 9 * HOUR);
        late.rating = Some(Rating::new(2).unwrap());
        late.flagged = true;
        repo::insert_request(&mut tx, &late).await.unwrap();
        // In B: one open, not yet due.
        let mut open_b = record(gb.id, b.id, &gb.path, now + 5 * HOUR);
        open_b.status = Status::Assigned;
        repo::insert_request(&mut tx, &open_b).await.unwrap();
        commit(tx).await.unwrap();
        // The stored open flag follows the status.
        let mut conn = db.read().await.unwrap();

        let w = repo::work_counts(&mut conn, &a.path, now).await.unwrap();
        assert_eq!(
            (w.submitted, w.due_soon, w.overdue, w.flagged),
            (1, 1, 1, 1)
        );
        let w = repo::work_counts(&mut conn, &gb.path, now).await.unwrap();
        assert_eq!(w, repo::WorkCounts::default());

        let f = repo::community_figures(&mut conn, &street.path, now, T0)
            .await
            .unwrap();
        assert_eq!(f.len(), 2);
        let fa = f.iter().find(|x| x.community_id == a.id).unwrap();
        assert_eq!(
            (fa.open, fa.overdue, fa.closed, fa.closed_on_time),
            (2, 1, 2, 1)
        );
        assert_eq!((fa.rating_sum, fa.rated), (7, 2));
        let fb = f.iter().find(|x| x.community_id == b.id).unwrap();
        assert_eq!((fb.open, fb.overdue, fb.closed, fb.rated), (1, 0, 0, 0));
        // Results before the window are left out; only the other street's absent.
        let later = repo::community_figures(&mut conn, &street.path, now, now)
            .await
            .unwrap();
        assert!(later.iter().all(|x| x.closed == 0 && x.rated == 0));
        assert!(
            repo::community_figures(&mut conn, &gb.path, now, T0)
                .await
                .unwrap()
                .iter()
                .all(|x| x.community_id == b.id)
        );
    }
);
