//! Geometry of grid boundaries: validated WGS-84 (multi)polygons parsed from GeoJSON,
//! point-in-polygon, bounding box, centroid, approximate area, an inline SVG map and
//! demo-data helpers that cut a rectangle into neighbourhood-like blocks.
//!
//! Everything here is pure: no I/O, no clocks, no randomness beyond a seeded xorshift.
//! Planar computations work directly on (lon, lat) degrees; boundaries crossing the
//! antimeridian are not supported.

use std::fmt::{self, Write as _};

use geojson::{GeoJson, Geometry, Value};
use serde::{Deserialize, Serialize};

/// Most positions (vertices, counting each ring's closing one) one boundary may hold.
pub const MAX_POSITIONS: usize = 10_000;
/// Mean earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A closed ring of (lon, lat) positions; the first position is repeated at the end.
pub type Ring = Vec<(f64, f64)>;

/// Where in a boundary a problem was found. Polygon indices are shown only for MultiPolygons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingRef {
    pub polygon: Option<usize>,
    pub ring: usize,
}

impl fmt::Display for RingRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.polygon {
            Some(p) => write!(f, "polygon {p} ring {}", self.ring),
            None => write!(f, "ring {}", self.ring),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoError {
    #[error("invalid GeoJSON: {0}")]
    InvalidGeoJson(String),
    #[error("expected a Polygon or MultiPolygon, got {0}")]
    WrongType(String),
    #[error("the Feature has no geometry")]
    FeatureWithoutGeometry,
    #[error("a boundary needs at least one polygon")]
    NoPolygons,
    #[error("polygon {0} has no outer ring")]
    NoOuterRing(usize),
    #[error("{0}: a ring needs at least 4 positions, got {1}")]
    TooFewPositions(RingRef, usize),
    #[error("{0} contains a non-finite coordinate")]
    NotFinite(RingRef),
    #[error("longitude {0} is outside -180..180")]
    LongitudeOutOfRange(f64),
    #[error("latitude {0} is outside -90..90")]
    LatitudeOutOfRange(f64),
    #[error("{0} is not closed (first and last positions differ)")]
    NotClosed(RingRef),
    #[error("too many positions: {0} (at most {MAX_POSITIONS} allowed)")]
    TooManyPositions(usize),
}

/// Axis-aligned bounding box in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    pub const fn new(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> BBox {
        BBox {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        }
    }

    pub fn center(&self) -> (f64, f64) {
        (
            (self.min_lon + self.max_lon) / 2.0,
            (self.min_lat + self.max_lat) / 2.0,
        )
    }

    fn union(self, o: BBox) -> BBox {
        BBox {
            min_lon: self.min_lon.min(o.min_lon),
            min_lat: self.min_lat.min(o.min_lat),
            max_lon: self.max_lon.max(o.max_lon),
            max_lat: self.max_lat.max(o.max_lat),
        }
    }
}

/// A validated WGS-84 boundary: 1..n polygons, each an outer ring followed by optional holes.
/// Rings are normalised to RFC 7946 winding (outer counter-clockwise, holes clockwise).
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    polygons: Vec<Vec<Ring>>,
}

impl Boundary {
    /// Validates `polygons` (each `[outer, holes..]`) and normalises ring winding.
    pub fn new(mut polygons: Vec<Vec<Ring>>) -> Result<Boundary, GeoError> {
        if polygons.is_empty() {
            return Err(GeoError::NoPolygons);
        }
        let total: usize = polygons.iter().flatten().map(Vec::len).sum();
        if total > MAX_POSITIONS {
            return Err(GeoError::TooManyPositions(total));
        }
        let multi = polygons.len() > 1;
        for (p, rings) in polygons.iter_mut().enumerate() {
            if rings.is_empty() {
                return Err(GeoError::NoOuterRing(p));
            }
            for (r, ring) in rings.iter_mut().enumerate() {
                let at = RingRef {
                    polygon: multi.then_some(p),
                    ring: r,
                };
                validate_ring(ring, at)?;
                // Outer rings positive (counter-clockwise), holes negative.
                if (r == 0) == (signed_area(ring) < 0.0) {
                    ring.reverse();
                }
            }
        }
        Ok(Boundary { polygons })
    }

    /// Parses a GeoJSON Polygon or MultiPolygon geometry, or a Feature wrapping one.
    pub fn parse_geojson(text: &str) -> Result<Boundary, GeoError> {
        let gj: GeoJson = text
            .parse()
            .map_err(|e: geojson::Error| GeoError::InvalidGeoJson(truncate(&e.to_string(), 200)))?;
        let geometry = match gj {
            GeoJson::Geometry(g) => g,
            GeoJson::Feature(f) => f.geometry.ok_or(GeoError::FeatureWithoutGeometry)?,
            GeoJson::FeatureCollection(_) => {
                return Err(GeoError::WrongType("FeatureCollection".into()));
            }
        };
        let raw = match geometry.value {
            Value::Polygon(p) => vec![p],
            Value::MultiPolygon(ps) => ps,
            other => return Err(GeoError::WrongType(other.type_name().into())),
        };
        // The geojson crate guarantees two or more numbers per position; anything shorter
        // would become NaN and be rejected as non-finite.
        let pos = |p: &Vec<f64>| match p.as_slice() {
            [lon, lat, ..] => (*lon, *lat),
            _ => (f64::NAN, f64::NAN),
        };
        let polygons = raw
            .iter()
            .map(|rings| rings.iter().map(|r| r.iter().map(pos).collect()).collect())
            .collect();
        Boundary::new(polygons)
    }

    /// Serialises as a GeoJSON geometry: a Polygon when one, a MultiPolygon when several.
    pub fn to_geojson(&self) -> String {
        let conv = |rings: &Vec<Ring>| -> Vec<Vec<Vec<f64>>> {
            rings
                .iter()
                .map(|ring| ring.iter().map(|&(x, y)| vec![x, y]).collect())
                .collect()
        };
        let value = match self.polygons.as_slice() {
            [one] => Value::Polygon(conv(one)),
            many => Value::MultiPolygon(many.iter().map(conv).collect()),
        };
        Geometry::new(value).to_string()
    }

    /// The polygons, each `[outer, holes..]`.
    pub fn polygons(&self) -> &[Vec<Ring>] {
        &self.polygons
    }

    /// Point in polygon by ray casting; points in holes are outside.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        self.polygons.iter().any(|rings| {
            // Even-odd over all rings: inside the outer ring and in no hole.
            rings.iter().filter(|r| ring_contains(r, lon, lat)).count() % 2 == 1
        })
    }

    /// Bounding box of the outer rings (holes lie inside them).
    pub fn bbox(&self) -> BBox {
        let (inf, neg) = (f64::INFINITY, f64::NEG_INFINITY);
        let outer = self.polygons.iter().filter_map(|p| p.first()).flatten();
        outer.fold(BBox::new(inf, inf, neg, neg), |b, &(x, y)| {
            b.union(BBox::new(x, y, x, y))
        })
    }

    /// Area-weighted centroid (lon, lat) of the outer rings; bbox centre when degenerate.
    pub fn centroid(&self) -> (f64, f64) {
        let (mut a_sum, mut cx_sum, mut cy_sum) = (0.0, 0.0, 0.0);
        for outer in self.polygons.iter().filter_map(|p| p.first()) {
            let Some(&(ox, oy)) = outer.first() else {
                continue;
            };
            // Shift to the first vertex for numerical stability.
            let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
            for w in outer.windows(2) {
                let (x0, y0) = (w[0].0 - ox, w[0].1 - oy);
                let (x1, y1) = (w[1].0 - ox, w[1].1 - oy);
                let cross = x0 * y1 - x1 * y0;
                a += cross;
                cx += (x0 + x1) * cross;
                cy += (y0 + y1) * cross;
            }
            // a = 2·area, cx/(3a) is the centroid offset.
            a_sum += a / 2.0;
            cx_sum += cx / 6.0 + ox * a / 2.0;
            cy_sum += cy / 6.0 + oy * a / 2.0;
        }
        let b = self.bbox();
        let extent = (b.max_lon - b.min_lon) * (b.max_lat - b.min_lat);
        if a_sum.abs() <= extent * 1e-12 || !a_sum.is_normal() {
            return b.center();
        }
        (cx_sum / a_sum, cy_sum / a_sum)
    }

    /// Approximate area in m² (holes subtracted), via an equirectangular projection
    /// at the centroid latitude.
    pub fn area_m2(&self) -> f64 {
        let deg2: f64 = self
            .polygons
            .iter()
            .map(|rings| {
                let mut it = rings.iter().map(|r| signed_area(r).abs());
                let outer = it.next().unwrap_or(0.0);
                (outer - it.sum::<f64>()).max(0.0)
            })
            .sum();
        let k = EARTH_RADIUS_M.to_radians();
        deg2 * k * k * self.centroid().1.to_radians().cos()
    }
}

fn validate_ring(ring: &Ring, at: RingRef) -> Result<(), GeoError> {
    if ring.len() < 4 {
        return Err(GeoError::TooFewPositions(at, ring.len()));
    }
    for &(lon, lat) in ring {
        if !lon.is_finite() || !lat.is_finite() {
            return Err(GeoError::NotFinite(at));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(GeoError::LongitudeOutOfRange(lon));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::LatitudeOutOfRange(lat));
        }
    }
    if ring.first() != ring.last() {
        return Err(GeoError::NotClosed(at));
    }
    Ok(())
}

/// Shoelace area in degrees², positive when counter-clockwise.
fn signed_area(ring: &[(f64, f64)]) -> f64 {
    let Some(&(ox, oy)) = ring.first() else {
        return 0.0;
    };
    ring.windows(2)
        .map(|w| (w[0].0 - ox) * (w[1].1 - oy) - (w[1].0 - ox) * (w[0].1 - oy))
        .sum::<f64>()
        / 2.0
}

fn ring_contains(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if (y0 > y) != (y1 > y) && x < x0 + (y - y0) * (x1 - x0) / (y1 - y0) {
            inside = !inside;
        }
    }
    inside
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Escapes text for XML/HTML content and attribute values; drops characters XML 1.0 forbids.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// One area on a rendered map.
#[derive(Debug, Clone, Copy)]
pub struct MapFeature<'a> {
    pub id: i64,
    pub label: &'a str,
    pub boundary: &'a Boundary,
    pub href: Option<&'a str>,
    pub highlight: bool,
    /// Its label is written on the map (else only shown on hover, as its title).
    pub labelled: bool,
    /// A further CSS class of the area (e.g. a coverage band), letters, digits and `-`
    /// only; empty for none.
    pub class: &'a str,
}

/// One point on a rendered map (an open request): a dot of `class`, with a title and
/// an optional link.
#[derive(Debug, Clone, Copy)]
pub struct MapPin<'a> {
    pub lon: f64,
    pub lat: f64,
    /// CSS class of the dot (e.g. the category family), letters, digits and `-` only.
    pub class: &'a str,
    pub label: &'a str,
    pub href: Option<&'a str>,
}

/// Only relative links and http(s) URLs are emitted; anything else (`javascript:` …) is dropped.
fn is_safe_href(href: &str) -> bool {
    let h = href.trim_start().to_ascii_lowercase();
    let scheme_end = h.find([':', '/', '?', '#']);
    match scheme_end {
        Some(i) if h[i..].starts_with(':') => h.starts_with("http:") || h.starts_with("https:"),
        _ => true,
    }
}

/// A CSS class name as given, keeping only letters, digits and `-`.
fn css_class(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// Rounds to one decimal for SVG output, avoiding "-0.0".
fn r1(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    format!("{:.1}", if r == 0.0 { 0.0 } else { r })
}

/// Draws `features` fitted into a `width`×`height` viewBox (equirectangular, north up).
/// Returns a standalone `<svg>` element for inlining in HTML.
pub fn render_svg_map(
    features: &[MapFeature<'_>],
    width: u32,
    height: u32,
    empty_message: &str,
) -> String {
    render_svg_map_with_pins(features, &[], width, height, empty_message)
}

/// [`render_svg_map`] with `pins` drawn over the areas (pins outside the areas' extent
/// are left out).
pub fn render_svg_map_with_pins(
    features: &[MapFeature<'_>],
    pins: &[MapPin<'_>],
    width: u32,
    height: u32,
    empty_message: &str,
) -> String {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" aria-label="map">"#,
        width.max(1),
        height.max(1)
    );
    let Some(bb) = features
        .iter()
        .map(|f| f.boundary.bbox())
        .reduce(BBox::union)
    else {
        let _ = write!(
            svg,
            r#"<text class="map-empty" x="{}" y="{}" text-anchor="middle">{}</text></svg>"#,
            r1(w / 2.0),
            r1(h / 2.0),
            xml_escape(empty_message)
        );
        return svg;
    };
    let kx = ((bb.min_lat + bb.max_lat) / 2.0)
        .to_radians()
        .cos()
        .max(1e-6);
    let world_w = ((bb.max_lon - bb.min_lon) * kx).max(1e-9);
    let world_h = (bb.max_lat - bb.min_lat).max(1e-9);
    let margin = (w.min(h) * 0.03).max(1.0);
    let scale = ((w - 2.0 * margin).max(1.0) / world_w).min((h - 2.0 * margin).max(1.0) / world_h);
    let off_x = (w - world_w * scale) / 2.0;
    let off_y = (h - world_h * scale) / 2.0;
    let project = |(lon, lat): (f64, f64)| {
        (
            r1(off_x + (lon - bb.min_lon) * kx * scale),
            r1(off_y + (bb.max_lat - lat) * scale),
        )
    };

    for f in features {
        let mut d = String::new();
        for ring in f.boundary.polygons().iter().flatten() {
            // The closing position is implied by Z.
            let open = &ring[..ring.len().saturating_sub(1)];
            for (i, &p) in open.iter().enumerate() {
                let (x, y) = project(p);
                let _ = write!(d, "{}{x} {y}", if i == 0 { "M" } else { " L" });
            }
            d.push_str(" Z ");
        }
        let mut class = String::from("grid-area");
        if f.highlight {
            class.push_str(" highlight");
        }
        let extra = css_class(f.class);
        if !extra.is_empty() {
            class.push(' ');
            class.push_str(&extra);
        }
        let label = xml_escape(f.label);
        let path = format!(
            r#"<path class="{class}" data-id="{}" fill-rule="evenodd" d="{}"><title>{label}</title></path>"#,
            f.id,
            d.trim_end()
        );
        match f.href.filter(|h| is_safe_href(h)) {
            Some(href) => {
                let _ = write!(svg, r#"<a href="{}">{path}</a>"#, xml_escape(href));
            }
            None => svg.push_str(&path),
        }
    }
    // Labels after all areas so that no neighbouring fill covers them.
    for f in features.iter().filter(|f| f.labelled) {
        let (x, y) = project(f.boundary.centroid());
        let _ = write!(
            svg,
            r#"<text class="grid-label" x="{x}" y="{y}" text-anchor="middle" dominant-baseline="middle" pointer-events="none">{}</text>"#,
            xml_escape(f.label)
        );
    }
    let radius = r1((w.min(h) / 40.0).clamp(4.0, 12.0));
    for p in pins {
        let inside = (bb.min_lon..=bb.max_lon).contains(&p.lon)
            && (bb.min_lat..=bb.max_lat).contains(&p.lat);
        if !inside {
            continue;
        }
        let (x, y) = project((p.lon, p.lat));
        let class = css_class(p.class);
        let dot = format!(
            r#"<circle class="pin pin-{class}" cx="{x}" cy="{y}" r="{radius}"><title>{}</title></circle>"#,
            xml_escape(p.label)
        );
        match p.href.filter(|h| is_safe_href(h)) {
            Some(href) => {
                let _ = write!(svg, r#"<a href="{}">{dot}</a>"#, xml_escape(href));
            }
            None => svg.push_str(&dot),
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A point inside `boundary` for the `n`th item without a position of its own: on a
/// small spiral around the centroid, so that several items in one area do not cover
/// each other; the centroid itself when the spiral leaves the area.
pub fn spread_point(boundary: &Boundary, n: usize) -> (f64, f64) {
    let (cx, cy) = boundary.centroid();
    if n == 0 {
        return (cx, cy);
    }
    let bb = boundary.bbox();
    let step = (bb.max_lon - bb.min_lon).min(bb.max_lat - bb.min_lat) * 0.06;
    // The golden angle spreads the points evenly around the centre.
    let angle = n as f64 * 2.399_963_229_728_653;
    let dist = step * (n as f64).sqrt();
    let p = (cx + dist * angle.cos(), cy + dist * angle.sin());
    if boundary.contains(p.0, p.1) {
        p
    } else {
        (cx, cy)
    }
}

/// Most cells [`subdivide`] and [`jittered_subdivide`] will produce.
pub const MAX_CELLS: usize = 100_000;

/// Splits `bbox` into `cols`×`rows` rectangular cells (row-major from the south-west).
/// Returns nothing when `bbox` is not a valid non-empty WGS-84 rectangle or when
/// `cols`×`rows` is 0 or more than [`MAX_CELLS`].
pub fn subdivide(bbox: BBox, cols: usize, rows: usize) -> Vec<Boundary> {
    grid_cells(bbox, cols, rows, None)
}

/// Like [`subdivide`], but moves shared vertices deterministically (by up to 25% of a cell)
/// so the cells look like city blocks; the cells still tile `bbox` exactly.
pub fn jittered_subdivide(bbox: BBox, cols: usize, rows: usize, seed: u64) -> Vec<Boundary> {
    grid_cells(bbox, cols, rows, Some(seed))
}

/// xorshift64* seeded through splitmix64; enough for demo data.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        XorShift((z ^ (z >> 31)) | 1)
    }

    /// Uniform in [-1, 1).
    fn next_signed(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        (v as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

fn grid_cells(b: BBox, cols: usize, rows: usize, seed: Option<u64>) -> Vec<Boundary> {
    let lon_ok = -180.0 <= b.min_lon && b.min_lon < b.max_lon && b.max_lon <= 180.0;
    let lat_ok = -90.0 <= b.min_lat && b.min_lat < b.max_lat && b.max_lat <= 90.0;
    let cells_ok = cols
        .checked_mul(rows)
        .is_some_and(|n| (1..=MAX_CELLS).contains(&n));
    if !(lon_ok && lat_ok && cells_ok) {
        return Vec::new();
    }
    let (cw, ch) = (
        (b.max_lon - b.min_lon) / cols as f64,
        (b.max_lat - b.min_lat) / rows as f64,
    );
    let mut rng = seed.map(XorShift::new);
    // Vertex (i, j) at index j * (cols + 1) + i.
    let mut verts = Vec::with_capacity((cols + 1) * (rows + 1));
    for j in 0..=rows {
        for i in 0..=cols {
            // Exact edges on the border, so cells tile the rectangle without rounding gaps.
            let x = if i == cols {
                b.max_lon
            } else {
                b.min_lon + cw * i as f64
            };
            let y = if j == rows {
                b.max_lat
            } else {
                b.min_lat + ch * j as f64
            };
            let (mut dx, mut dy) = (0.0, 0.0);
            if let Some(rng) = rng.as_mut() {
                // Border vertices slide only along their border; corners stay put.
                if i != 0 && i != cols {
                    dx = rng.next_signed() * 0.25 * cw;
                }
                if j != 0 && j != rows {
                    dy = rng.next_signed() * 0.25 * ch;
                }
            }
            verts.push((x + dx, y + dy));
        }
    }
    let at = |i: usize, j: usize| verts[j * (cols + 1) + i];
    let mut cells = Vec::with_capacity(cols * rows);
    for j in 0..rows {
        for i in 0..cols {
            let ring = vec![
                at(i, j),
                at(i + 1, j),
                at(i + 1, j + 1),
                at(i, j + 1),
                at(i, j),
            ];
            // Every vertex lies within the rectangle, so validation cannot fail here.
            if let Ok(cell) = Boundary::new(vec![vec![ring]]) {
                cells.push(cell);
            }
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],
        [[4,4],[4,6],[6,6],[6,4],[4,4]]]}"#;
    const WUHAN: BBox = BBox::new(114.2, 30.5, 114.4, 30.65);

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<Ring> {
        vec![vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]
    }

    fn poly(coords: &str) -> String {
        format!(r#"{{"type":"Polygon","coordinates":{coords}}}"#)
    }

    #[test]
    fn geo_parses_polygon_multipolygon_and_feature() {
        let b = Boundary::parse_geojson(SQUARE).unwrap();
        assert_eq!(b.polygons().len(), 1);
        assert_eq!(b.polygons()[0].len(), 2);
        let multi = r#"{"type":"MultiPolygon","coordinates":[
            [[[0,0],[1,0],[1,1],[0,1],[0,0]]], [[[2,2],[3,2],[3,3],[2,3],[2,2]]]]}"#;
        let m = Boundary::parse_geojson(multi).unwrap();
        assert_eq!(m.polygons().len(), 2);
        assert!(m.to_geojson().contains(r#""type":"MultiPolygon""#));
        assert_eq!(Boundary::parse_geojson(&m.to_geojson()).unwrap(), m);
        let feature = format!(r#"{{"type":"Feature","properties":null,"geometry":{SQUARE}}}"#);
        assert_eq!(Boundary::parse_geojson(&feature).unwrap(), b);
        assert!(b.to_geojson().contains(r#""type":"Polygon""#));
        assert_eq!(Boundary::parse_geojson(&b.to_geojson()).unwrap(), b);
        // A clockwise outer ring (and altitude) is accepted and normalised.
        let cw = poly("[[[0,0,5],[0,1,5],[1,1,5],[1,0,5],[0,0,5]]]");
        let cw = Boundary::parse_geojson(&cw).unwrap();
        assert!(signed_area(&cw.polygons()[0][0]) > 0.0);
        assert!(signed_area(&b.polygons()[0][1]) < 0.0, "holes clockwise");
    }

    #[test]
    fn geo_rejects_invalid_input() {
        let mut big: Vec<String> = (0..MAX_POSITIONS)
            .map(|i| format!("[{},0]", i as f64 / 1e5))
            .collect();
        big.extend(["[0,1]".into(), "[0,0]".into()]);
        let cases = [
            ("not json".to_string(), "invalid GeoJSON: "),
            (r#"{"type":"Point","coordinates":[1,2]}"#.into(), "expected a Polygon or MultiPolygon, got Point"),
            (r#"{"type":"FeatureCollection","features":[]}"#.into(), "expected a Polygon or MultiPolygon, got FeatureCollection"),
            (r#"{"type":"Feature","properties":{},"geometry":null}"#.into(), "the Feature has no geometry"),
            (r#"{"type":"MultiPolygon","coordinates":[]}"#.into(), "a boundary needs at least one polygon"),
            (poly("[]"), "polygon 0 has no outer ring"),
            (poly("[[[0,0],[1,0],[0,0]]]"), "ring 0: a ring needs at least 4 positions, got 3"),
            (poly("[[[0,0],[1,0],[1,1],[0,1]]]"), "ring 0 is not closed (first and last positions differ)"),
            (poly("[[[0,0],[200.1,0],[1,1],[0,0]]]"), "longitude 200.1 is outside -180..180"),
            (poly("[[[0,0],[1,-90.5],[1,1],[0,0]]]"), "latitude -90.5 is outside -90..90"),
            (
                r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[2,2],[3,2],[3,3]]]]}"#.into(),
                "polygon 1 ring 0: a ring needs at least 4 positions, got 3",
            ),
            (poly(&format!("[[{}]]", big.join(","))), "too many positions: 10002 (at most 10000 allowed)"),
        ];
        for (input, expected) in cases {
            let e = Boundary::parse_geojson(&input).unwrap_err().to_string();
            assert!(
                e.starts_with(expected),
                "{e:?} should start with {expected:?}"
            );
        }
        // JSON cannot carry NaN/inf, so check the typed constructor.
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let ring = vec![(0.0, 0.0), (bad, 0.0), (1.0, 1.0), (0.0, 0.0)];
            let e = Boundary::new(vec![vec![ring]]).unwrap_err();
            assert_eq!(e.to_string(), "ring 0 contains a non-finite coordinate");
        }
    }

    #[test]
    fn geo_contains_bbox_centroid() {
        let b = Boundary::parse_geojson(SQUARE).unwrap();
        assert!(b.contains(1.0, 1.0) && b.contains(9.0, 5.0));
        assert!(!b.contains(11.0, 5.0) && !b.contains(-0.5, 5.0) && !b.contains(5.0, 20.0));
        assert!(!b.contains(5.0, 5.0), "inside the hole");
        assert_eq!(b.bbox(), BBox::new(0.0, 0.0, 10.0, 10.0));
        assert_eq!(b.centroid(), (5.0, 5.0));
        // Area-weighted over two squares: 1×1 centred at 0.5 and 2×2 centred at 3.
        let mut two = rect(0.0, 0.0, 1.0, 1.0);
        two.extend(rect(2.0, 2.0, 4.0, 4.0));
        let two = Boundary::new(two.into_iter().map(|r| vec![r]).collect()).unwrap();
        let (cx, cy) = two.centroid();
        assert!((cx - 2.5).abs() < 1e-12 && (cy - 2.5).abs() < 1e-12);
        assert!(two.contains(3.0, 3.0) && !two.contains(1.5, 1.5));
        assert_eq!(two.bbox(), BBox::new(0.0, 0.0, 4.0, 4.0));
        // A degenerate (zero-area) ring falls back to the bbox centre.
        let flat = vec![vec![(0.0, 0.0), (2.0, 0.0), (1.0, 0.0), (0.0, 0.0)]];
        assert_eq!(Boundary::new(vec![flat]).unwrap().centroid(), (1.0, 0.0));
    }

    #[test]
    fn geo_area_of_a_km_square_near_wuhan() {
        let lat0: f64 = 30.6;
        let dlat = 1000.0 / EARTH_RADIUS_M.to_radians();
        let dlon = dlat / lat0.to_radians().cos();
        let y = lat0 - dlat / 2.0;
        let sq = Boundary::new(vec![rect(114.3, y, 114.3 + dlon, y + dlat)]).unwrap();
        let a = sq.area_m2();
        assert!((a / 1_000_000.0 - 1.0).abs() < 0.02, "area {a}");
        let holed = Boundary::parse_geojson(SQUARE).unwrap();
        let full = Boundary::new(vec![rect(0.0, 0.0, 10.0, 10.0)]).unwrap();
        assert!((holed.area_m2() / full.area_m2() - 0.96).abs() < 1e-9);
    }

    #[test]
    fn geo_subdivide_tiles_the_rectangle() {
        let rect_area = subdivide(WUHAN, 1, 1)[0].area_m2();
        for cells in [subdivide(WUHAN, 4, 3), jittered_subdivide(WUHAN, 4, 3, 42)] {
            assert_eq!(cells.len(), 12);
            let sum: f64 = cells.iter().map(Boundary::area_m2).sum();
            assert!((sum / rect_area - 1.0).abs() < 1e-3, "{sum} vs {rect_area}");
            for c in &cells {
                let (x, y) = c.centroid();
                assert!(c.contains(x, y));
                let ring = &c.polygons()[0][0];
                assert_eq!((ring.len(), ring.first()), (5, ring.last()));
                assert!(signed_area(ring) > 0.0, "counter-clockwise");
            }
        }
        let a = jittered_subdivide(WUHAN, 4, 3, 7);
        assert_eq!(a, jittered_subdivide(WUHAN, 4, 3, 7), "deterministic");
        assert_ne!(a, jittered_subdivide(WUHAN, 4, 3, 8));
        assert_ne!(a, subdivide(WUHAN, 4, 3));
        // Neighbours share the moved vertex: cell (0,0)'s NE corner is cell (1,1)'s SW corner.
        assert_eq!(a[0].polygons()[0][0][2], a[5].polygons()[0][0][0]);
        assert!(subdivide(WUHAN, 0, 3).is_empty());
        assert!(subdivide(WUHAN, usize::MAX, 2).is_empty());
        assert!(subdivide(BBox::new(1.0, 0.0, 0.0, 1.0), 2, 2).is_empty());
        assert!(subdivide(BBox::new(0.0, f64::NAN, 1.0, 1.0), 2, 2).is_empty());
    }

    #[test]
    fn geo_svg_map_pins() {
        let b = Boundary::new(vec![rect(0.0, 0.0, 10.0, 10.0)]).unwrap();
        let features = [MapFeature {
            id: 1,
            label: "第1网格",
            boundary: &b,
            href: None,
            highlight: false,
            labelled: true,
            class: "",
        }];
        let pin = |lon: f64, class: &'static str, href| MapPin {
            lon,
            lat: 5.0,
            class,
            label: "路灯 <坏>",
            href,
        };
        let pins = [
            pin(5.0, "lighting", Some("/requests/public/R-1")),
            pin(3.0, "x\"><script", None),
            pin(50.0, "outside", None),
            pin(4.0, "js", Some("javascript:alert(1)")),
        ];
        let svg = render_svg_map_with_pins(&features, &pins, 600, 400, "nothing");
        assert_eq!(
            svg.matches("<circle ").count(),
            3,
            "the pin outside is left out"
        );
        assert!(svg.contains(r#"<a href="/requests/public/R-1"><circle class="pin pin-lighting""#));
        assert!(svg.contains(r#"class="pin pin-xscript""#) && !svg.contains("<script"));
        assert!(svg.contains("<title>路灯 &lt;坏&gt;</title>"));
        assert!(!svg.contains("javascript"));
        // Pins come after the labels, so that they stay on top.
        assert!(svg.find("<circle").unwrap() > svg.find("grid-label").unwrap());
    }

    #[test]
    fn geo_svg_map_area_classes() {
        let b = Boundary::new(vec![rect(0.0, 0.0, 10.0, 10.0)]).unwrap();
        let feature = |class, highlight| MapFeature {
            id: 7,
            label: "第1网格",
            boundary: &b,
            href: None,
            highlight,
            labelled: false,
            class,
        };
        let svg = |f| render_svg_map(&[f], 200, 200, "");
        assert!(svg(feature("", false)).contains(r#"<path class="grid-area" data-id="7""#));
        assert!(
            svg(feature("coverage-high", false))
                .contains(r#"<path class="grid-area coverage-high" data-id="7""#)
        );
        assert!(
            svg(feature("coverage-low", true))
                .contains(r#"<path class="grid-area highlight coverage-low""#)
        );
        let hostile = svg(feature("a\" onclick=\"x", false));
        assert!(
            hostile.contains(r#"class="grid-area aonclickx""#) && !hostile.contains("onclick=")
        );
    }

    #[test]
    fn geo_spread_points_stay_inside() {
        let b = Boundary::new(vec![rect(0.0, 0.0, 10.0, 10.0)]).unwrap();
        assert_eq!(spread_point(&b, 0), (5.0, 5.0));
        let points: Vec<(f64, f64)> = (0..30).map(|n| spread_point(&b, n)).collect();
        assert!(points.iter().all(|&(x, y)| b.contains(x, y)));
        assert_ne!(points[1], points[2]);
    }

    #[test]
    fn geo_svg_map() {
        let cells = jittered_subdivide(WUHAN, 3, 2, 1);
        let features: Vec<MapFeature> = cells
            .iter()
            .enumerate()
            .map(|(i, b)| MapFeature {
                id: i as i64,
                label: if i == 0 { r#"<b>&"x""# } else { "Grid" },
                boundary: b,
                href: (i % 2 == 0).then_some("/grids/1?a=1&b=2"),
                highlight: i == 1,
                labelled: i != 2,
                class: "",
            })
            .collect();
        let svg = render_svg_map(&features, 600, 400, "nothing");
        let head = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 400" role="img" aria-label="map">"#;
        assert!(svg.starts_with(head) && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<path ").count(), cells.len());
        assert_eq!(
            svg.matches(r#"<text class="grid-label""#).count(),
            cells.len() - 1,
            "an area not labelled has only its title"
        );
        assert_eq!(svg.matches(r#"class="grid-area highlight""#).count(), 1);
        assert_eq!(svg.matches(r#"<a href="/grids/1?a=1&amp;b=2">"#).count(), 3);
        assert!(svg.contains("<title>&lt;b&gt;&amp;&quot;x&quot;</title>"));
        assert!(svg.contains(">&lt;b&gt;&amp;&quot;x&quot;</text>") && !svg.contains("<b>"));
        // Every coordinate lies inside the viewBox and has exactly one decimal.
        for d in svg
            .split(r#" d=""#)
            .skip(1)
            .filter_map(|s| s.split('"').next())
        {
            for n in d.split([' ', 'M', 'L', 'Z']).filter(|s| !s.is_empty()) {
                let v: f64 = n.parse().unwrap();
                let one_decimal = n.split_once('.').is_some_and(|(_, f)| f.len() == 1);
                assert!((0.0..=600.0).contains(&v) && one_decimal, "{n}");
            }
        }
        let bad = [MapFeature {
            href: Some(" JavaScript:alert(1)"),
            ..features[0]
        }];
        assert!(!render_svg_map(&bad, 100, 100, "").contains("<a "));
        let empty = render_svg_map(&[], 300, 200, "Nothing to draw & more");
        assert!(empty.contains(">Nothing to draw &amp; more</text>") && !empty.contains("<path"));
    }

    #[test]
    fn geo_xml_escape() {
        assert_eq!(
            xml_escape(r#"<b>&"x"'"#),
            "&lt;b&gt;&amp;&quot;x&quot;&#39;"
        );
        assert_eq!(xml_escape("a\u{0}b\u{1b}c\n网格"), "abc\n网格");
    }
}
