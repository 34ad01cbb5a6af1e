//! Point → grid: which grid's boundary contains a reported point. Pages (a point on
//! the grid map), the JSON API and Open311 (`lat`/`long`) all find the grid here.
//!
//! The boundaries are parsed once and kept for [`GRID_MAP_TTL`]; a point that falls
//! outside every cached grid reloads the map once (a grid drawn a moment ago is found)
//! when the cached copy is older than [`GRID_MAP_RETRY`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use civicgrid_domain::geo::{BBox, Boundary};
use civicgrid_domain::platform::org::NodeKind;
use civicgrid_store::{AnyConnection, platform::org};

use crate::{App, AppError, AppResult};

/// How long parsed grid boundaries are reused.
pub const GRID_MAP_TTL: Duration = Duration::from_secs(60);
/// A miss reloads the map when the cached copy is at least this old.
pub const GRID_MAP_RETRY: Duration = Duration::from_secs(2);

/// Every grid with a boundary, with its bounding box for a quick first test.
#[derive(Debug, Default)]
pub struct GridMap {
    grids: Vec<(i64, BBox, Boundary)>,
}

impl GridMap {
    /// Builds the map from `(grid id, boundary)` pairs; the lowest id wins where
    /// boundaries overlap, so the answer never depends on load order.
    pub fn new(mut grids: Vec<(i64, Boundary)>) -> GridMap {
        grids.sort_by_key(|(id, _)| *id);
        GridMap {
            grids: grids.into_iter().map(|(id, b)| (id, b.bbox(), b)).collect(),
        }
    }

    /// The grid whose boundary contains (`lon`, `lat`), if any.
    pub fn grid_at(&self, lon: f64, lat: f64) -> Option<i64> {
        if !(lon.is_finite() && lat.is_finite()) {
            return None;
        }
        self.grids
            .iter()
            .filter(|(_, bb, _)| {
                (bb.min_lon..=bb.max_lon).contains(&lon) && (bb.min_lat..=bb.max_lat).contains(&lat)
            })
            .find(|(_, _, b)| b.contains(lon, lat))
            .map(|(id, _, _)| *id)
    }

    pub fn len(&self) -> usize {
        self.grids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.grids.is_empty()
    }
}

/// Loads every grid's boundary. A boundary that no longer parses is skipped (it was
/// validated when stored; a later rule change must not stop intake).
async fn load(conn: &mut AnyConnection) -> AppResult<GridMap> {
    let mut grids = Vec::new();
    for root in org::roots(conn).await? {
        for node in org::subtree(conn, &root.path).await? {
            if node.kind != NodeKind::Grid {
                continue;
            }
            if let Some(b) = node
                .boundary
                .as_deref()
                .and_then(|t| Boundary::parse_geojson(t).ok())
            {
                grids.push((node.id, b));
            }
        }
    }
    Ok(GridMap::new(grids))
}

impl App {
    /// The grid whose boundary contains the point (WGS-84 longitude, latitude);
    /// `None` when it lies outside every grid.
    pub async fn grid_at_point(&self, lon: f64, lat: f64) -> AppResult<Option<i64>> {
        let cached = self
            .requests
            .grid_map
            .read()
            .ok()
            .and_then(|g| g.as_ref().map(|(at, m)| (*at, Arc::clone(m))));
        if let Some((at, map)) = &cached
            && at.elapsed() < GRID_MAP_TTL
        {
            if let Some(g) = map.grid_at(lon, lat) {
                return Ok(Some(g));
            }
            if at.elapsed() < GRID_MAP_RETRY {
                return Ok(None);
            }
        }
        let map = {
            let mut conn = self.db.read().await?;
            Arc::new(load(&mut conn).await?)
        };
        if let Ok(mut slot) = self.requests.grid_map.write() {
            *slot = Some((Instant::now(), Arc::clone(&map)));
        }
        Ok(map.grid_at(lon, lat))
    }

    /// Like [`App::grid_at_point`], but a point outside every grid is an error naming
    /// the field `point`.
    pub async fn require_grid_at_point(&self, lon: f64, lat: f64) -> AppResult<i64> {
        self.grid_at_point(lon, lat).await?.ok_or_else(|| {
            AppError::invalid(
                "point",
                format!("the point ({lat:.6}, {lon:.6}) lies outside every grid served here"),
            )
        })
    }

    /// Forgets the cached grid boundaries (after a boundary changed).
    pub fn refresh_grid_map(&self) {
        if let Ok(mut slot) = self.requests.grid_map.write() {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use civicgrid_domain::geo::subdivide;

    #[test]
    fn points_land_in_exactly_one_tile() {
        let tiles = subdivide(BBox::new(114.0, 30.0, 114.4, 30.2), 4, 2);
        let centres: Vec<(f64, f64)> = tiles.iter().map(Boundary::centroid).collect();
        let map = GridMap::new(
            tiles
                .into_iter()
                .enumerate()
                .map(|(i, b)| (i as i64 + 1, b))
                .collect(),
        );
        assert_eq!(map.len(), 8);
        for (i, (lon, lat)) in centres.iter().enumerate() {
            assert_eq!(map.grid_at(*lon, *lat), Some(i as i64 + 1));
        }
        // A point on the edge two tiles share lands in one of them, always the same.
        let edge = map.grid_at(114.1, 30.05);
        assert!(edge.is_some());
        assert_eq!(map.grid_at(114.1, 30.05), edge);
        assert_eq!(map.grid_at(113.9, 30.05), None);
        assert_eq!(map.grid_at(114.2, 31.0), None);
        assert_eq!(map.grid_at(f64::NAN, 30.05), None);
        assert_eq!(map.grid_at(114.05, f64::INFINITY), None);
        assert!(GridMap::default().is_empty());
    }
}
